// Unit tests for configuration validation (platform/system_config, platform/presets) and size
// parsing (models/common/units.hpp). Each bad input names the dotted field it must be blamed on.
#include "models/common/units.hpp"
#include "platform/presets.hpp"
#include "platform/system_config.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace smp {
namespace {

// Runs `fn`, which must throw ConfigError for `field`, with every string of `mentions` in what().
void expect_config_error(const std::function<void()>& fn, const std::string& field,
                         const std::vector<std::string>& mentions) {
    try {
        fn();
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.field(), field) << "message: " << e.what();
        const std::string what = e.what();
        EXPECT_EQ(what.rfind(field + ": ", 0), 0u) << "message should start with the field: "
                                                   << what;
        for (const auto& m : mentions) {
            EXPECT_NE(what.find(m), std::string::npos)
                << "message for " << field << " should mention '" << m << "': " << what;
        }
        return;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "expected ConfigError for " << field << ", got other exception: "
                      << e.what();
        return;
    }
    ADD_FAILURE() << "expected ConfigError for " << field << ", nothing was thrown";
}

void expect_invalid(const SystemConfig& c, const std::string& field,
                    const std::vector<std::string>& mentions) {
    expect_config_error([&] { c.validate(); }, field, mentions);
}

SystemConfig base() { return preset("quad"); } // 1 socket x 4 cores x 1 thread

TaskConfig task(const std::string& name, std::vector<std::int64_t> cpus) {
    TaskConfig t;
    t.name = name;
    t.cpus = std::move(cpus);
    return t;
}

// ---- Presets -----------------------------------------------------------------------------

TEST(Config, EveryPresetValidates) {
    const auto names = preset_names();
    ASSERT_FALSE(names.empty());
    std::set<std::string> unique(names.begin(), names.end());
    EXPECT_EQ(unique.size(), names.size()) << "duplicate preset name";
    for (const auto& n : names) {
        SCOPED_TRACE(n);
        SystemConfig c;
        ASSERT_NO_THROW(c = preset(n));
        EXPECT_EQ(c.name, n);
        EXPECT_NO_THROW(c.validate());
    }
}

TEST(Config, PresetTopologiesMatchTheirDescriptions) {
    // From the machine descriptions: quad = 4 cores; Core 2 Duo and Athlon X2 = 2 cores;
    // 2 dual-core Opterons = 4; 2 sockets x 1 core x 2 HT threads = 4; 4 sockets of 16 = 64.
    EXPECT_EQ(preset("quad").cpus(), 4);
    EXPECT_EQ(preset("core2_duo").cpus(), 2);
    EXPECT_EQ(preset("athlon_x2").cpus(), 2);
    EXPECT_EQ(preset("opteron_2x2").cpus(), 4);
    EXPECT_EQ(preset("opteron_2x2").topology.sockets, 2);
    EXPECT_EQ(preset("smt_quad").cpus(), 4);
    EXPECT_EQ(preset("smt_quad").topology.threads_per_core, 2);
    EXPECT_EQ(preset("manycore_64").cpus(), 64);
    // quad's L2: 256 KiB / (8 ways * 64 B) = 512 sets.
    EXPECT_EQ(preset("quad").l2.sets(), 512);
    EXPECT_EQ(preset("quad").l2.lines(), 4096);
}

TEST(Config, UnknownPresetThrowsOnPresetField) {
    expect_config_error([] { preset("nope"); }, "preset", {"nope", "quad"});
    expect_config_error([] { preset(""); }, "preset", {});
    expect_config_error([] { preset("Quad"); }, "preset", {});
}

// ---- Cache geometry ----------------------------------------------------------------------

TEST(Config, NonPowerOfTwoSetCount) {
    SystemConfig c = base();
    c.l2.size = 3 * 64 * 8; // 24 lines, 8 ways -> 3 sets
    expect_invalid(c, "l2.size", {"power of two", "3 sets"});
    c.l2.size = 4 * 64 * 8; // 4 sets is fine
    EXPECT_NO_THROW(c.validate());
}

TEST(Config, NonPowerOfTwoLine) {
    SystemConfig c = base();
    c.l1d.line = 48;
    expect_invalid(c, "l1d.line", {"power of two", "48"});
}

TEST(Config, LineOutOfRange) {
    SystemConfig c = base();
    c.l1d.line = 4;
    expect_invalid(c, "l1d.line", {"[8, 4096]", "got 4"});
}

TEST(Config, LineMustMatchAcrossLevels) {
    SystemConfig c = base();
    c.l2.line = 128;
    expect_invalid(c, "l2.line", {"64", "128"});
}

TEST(Config, ZeroWays) {
    SystemConfig c = base();
    c.l2.ways = 0;
    // 256 KiB / 64 B = 4096 lines.
    expect_invalid(c, "l2.ways", {"[1, 4096]", "got 0"});
}

TEST(Config, MoreWaysThanLines) {
    SystemConfig c = base();
    c.l2.size = 512; // 8 lines
    c.l2.ways = 16;
    expect_invalid(c, "l2.ways", {"[1, 8]", "got 16"});
    c.l2.ways = 8; // fully associative, 1 set
    EXPECT_NO_THROW(c.validate());
}

TEST(Config, SizeNotAMultipleOfLine) {
    SystemConfig c = base();
    c.l1i.size = 32 * 1024 + 1;
    expect_invalid(c, "l1i.size", {"multiple"});
}

TEST(Config, NegativeCacheLatency) {
    SystemConfig c = base();
    c.l2.latency = -1;
    expect_invalid(c, "l2.latency", {"[0, 100000]", "got -1"});
}

TEST(Config, BadReplacementName) {
    SystemConfig c = base();
    c.llc.replacement = "fifo";
    expect_invalid(c, "llc.replacement", {"lru", "plru", "random", "fifo"});
}

TEST(Config, DisabledL1IsRejectedButDisabledL2IsNot) {
    SystemConfig c = base();
    c.l2.enabled = false;
    EXPECT_NO_THROW(c.validate());
    c.l1d.enabled = false;
    expect_invalid(c, "l1d.enabled", {});
}

// ---- Topology and memory -----------------------------------------------------------------

TEST(Config, ZeroCoresPerSocket) {
    SystemConfig c = base();
    c.topology.cores_per_socket = 0;
    expect_invalid(c, "topology.cores_per_socket", {"[1, 1024]", "got 0"});
}

TEST(Config, NegativeMemoryLatency) {
    SystemConfig c = base();
    c.memory.latency_ns = -5;
    expect_invalid(c, "memory.latency_ns", {"must be in [0,", "got -5"});
}

TEST(Config, UnknownMemoryMapping) {
    SystemConfig c = base();
    c.memory.mapping = "bogus";
    expect_invalid(c, "memory.mapping", {"contiguous", "random", "bogus"});
    c.memory.mapping = "random";
    EXPECT_NO_THROW(c.validate());
}

// ---- Tasks -------------------------------------------------------------------------------

TEST(Config, ValidTasksPass) {
    SystemConfig c = base();
    c.tasks.push_back(task("a", {0, 3}));
    TaskConfig b = task("b", {1});
    b.threads_of = "a";
    b.start_after = "a";
    c.tasks.push_back(b);
    EXPECT_NO_THROW(c.validate());
}

TEST(Config, TaskCpuOutOfRange) {
    SystemConfig c = base(); // CPUs 0..3
    c.tasks.push_back(task("a", {4}));
    expect_invalid(c, "tasks[0].cpus[0]", {"[0, 3]", "got 4"});

    SystemConfig d = base();
    d.tasks.push_back(task("a", {0}));
    d.tasks.push_back(task("b", {2, -1}));
    expect_invalid(d, "tasks[1].cpus[1]", {"[0, 3]", "got -1"});
}

TEST(Config, TaskWithoutCpus) {
    SystemConfig c = base();
    c.tasks.push_back(task("a", {}));
    expect_invalid(c, "tasks[0].cpus", {});
}

TEST(Config, DuplicateTaskNames) {
    SystemConfig c = base();
    c.tasks.push_back(task("worker", {0}));
    c.tasks.push_back(task("worker", {1}));
    expect_invalid(c, "tasks[1].name", {"duplicate", "worker"});
}

TEST(Config, ThreadsOfUnknownTask) {
    SystemConfig c = base();
    TaskConfig t = task("a", {0});
    t.threads_of = "ghost";
    c.tasks.push_back(t);
    expect_invalid(c, "tasks[0].threads_of", {"ghost"});

    // A later task does not count: threads_of must name an earlier one.
    SystemConfig d = base();
    TaskConfig first = task("first", {0});
    first.threads_of = "second";
    d.tasks.push_back(first);
    d.tasks.push_back(task("second", {1}));
    expect_invalid(d, "tasks[0].threads_of", {"earlier", "second"});
}

TEST(Config, TaskWorkloadErrorsAreNested) {
    SystemConfig c = base();
    TaskConfig t = task("a", {0});
    t.workload.pattern = "zigzag";
    c.tasks.push_back(task("ok", {0}));
    c.tasks.push_back(t);
    expect_invalid(c, "tasks[1].workload.pattern", {"zigzag"});
}

// ---- Sizes -------------------------------------------------------------------------------

TEST(ParseSize, AcceptsUnitsAndPlainNumbers) {
    EXPECT_EQ(parse_size("x", "32KiB"), 32768);
    EXPECT_EQ(parse_size("x", "8MiB"), 8388608);
    EXPECT_EQ(parse_size("x", "64"), 64);
    EXPECT_EQ(parse_size("x", "64B"), 64);
    EXPECT_EQ(parse_size("x", "0"), 0);
    EXPECT_EQ(parse_size("x", "2GiB"), 2147483648LL);
    EXPECT_EQ(parse_size("x", "2KB"), 2048);
    EXPECT_EQ(parse_size("x", "3MB"), 3145728);
    EXPECT_EQ(parse_size("x", "1GB"), 1073741824LL);
    EXPECT_EQ(parse_size("x", "4k"), 4096);
    EXPECT_EQ(parse_size("x", "4K"), 4096);
    EXPECT_EQ(parse_size("x", "5M"), 5242880);
    EXPECT_EQ(parse_size("x", "1G"), 1073741824LL);
    EXPECT_EQ(parse_size("x", "16 KiB"), 16384);
    EXPECT_EQ(parse_size("x", "  512"), 512);
}

TEST(ParseSize, RejectsMalformedStringsNamingTheField) {
    for (const char* bad : {"", "abc", "KiB", "-5", "1.5MiB", "12XB", "32kib", "8 MiBs",
                            "0x40", "9999999999999999"}) {
        SCOPED_TRACE(bad);
        expect_config_error([&] { parse_size("x", bad); }, "x", {});
    }
    // The field name is passed through untouched.
    expect_config_error([] { parse_size("l2.size", "lots"); }, "l2.size", {"lots"});
    expect_config_error([] { parse_size("l2.size", "3TiB"); }, "l2.size", {"TiB"});
}

} // namespace
} // namespace smp
