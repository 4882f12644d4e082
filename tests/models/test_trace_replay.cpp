// Trace replay on a SystemC machine when a trace turns bad in the middle of a run (a file changed
// after simulate() scanned it): the run stops with the reader's error, naming file and line.
#include "model_fixture.hpp"
#include "platform/bare_metal.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <systemc>
#include <unistd.h>

namespace smp::test {
namespace {

TEST(TraceReplay, BadRecordMidRunStopsTheRunWithFileAndLine) {
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("smpsim-midrun-" + std::to_string(::getpid()) + ".lackey"))
                                 .string();
    {
        std::ofstream f(path);
        for (int i = 0; i < 1000; ++i)
            f << " L " << std::hex << 0x1000 + 64 * i << ",8\n";
        f << " L 12zz,8\n"; // line 1001
    }
    SystemConfig c = reference_config(1, 1);
    c.kernel.enabled = false;
    TaskConfig t;
    t.name = "t";
    t.workload.kind = "trace";
    t.workload.path = path;
    t.cpus = {0};
    c.tasks.push_back(t);
    sc_core::sc_report_handler::set_actions(sc_core::SC_ERROR, sc_core::SC_THROW);

    // No scan first (that is simulate()'s job): the reader meets the bad line during the run.
    System sys(c);
    BareMetal bm(sys, c);
    bm.spawn();
    std::string error;
    try {
        sc_core::sc_start();
    } catch (const std::exception& e) {
        error = e.what();
    }
    std::filesystem::remove(path);
    EXPECT_NE(error.find(path + ":1001: bad hex address '12zz'"), std::string::npos) << error;
    EXPECT_FALSE(bm.all_exited());
    EXPECT_EQ(stat(sys, "system.cpu0.l1d.accesses"), 1000u); // the records before it ran
}

} // namespace
} // namespace smp::test
