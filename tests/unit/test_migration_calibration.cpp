// The 2.6.16 boot calibration's control flow (os/migration_calibration.hpp) against a toy
// machine whose touch times are known: the re-enactment of reproduction-targets §2.6.
#include "os/migration_calibration.hpp"

#include <gtest/gtest.h>

#include <map>

namespace smp::os {
namespace {

// Runs the program on a toy machine: each access costs `hit` ns, or `remote` ns when it is the
// touch right after a move to another CPU and the footprint (2/3 of the size) fits `capacity`.
// Returns the program's outcome; `touches` counts the timed touches per (src, tgt).
struct Toy {
    long long hit = 5, remote = 60;
    unsigned capacity = 512 * 1024;
    int ncpus = 2;
    std::function<int(int, int)> distance = [](int, int) { return 0; };
    std::map<std::pair<int, int>, int> moves;
    int flushes = 0;
    int factor = 128; // migration_factor, of 128

    CalibrationResult run(unsigned max_cache_size, int debug = 0) {
        CalibrationParams p;
        p.max_cache_size = max_cache_size;
        p.ncpus = ncpus;
        p.distance = distance;
        p.freq_ghz = 1.0; // 1 cycle = 1 ns
        p.debug = debug;
        p.migration_factor = factor;
        bool done = false;
        p.done = [&done](const CalibrationResult&) { done = true; };
        MigrationCalibration prog(p);
        std::int64_t clock = 0;
        int cpu = 0, touched_on = -1;
        long long accesses = 0;
        unsigned size_now = 0;
        Op op;
        while (prog.next(op)) {
            if (op.kind == OpKind::Sys && op.sys == SysOp::Clock) {
                if (accesses) { // the end of a touch: charge it
                    const bool moved = touched_on >= 0 && touched_on != cpu;
                    const bool fits = size_now / 3 * 2 <= capacity;
                    clock += accesses * (moved && fits ? remote : hit);
                    touched_on = cpu;
                    accesses = 0;
                    size_now = 0;
                }
                prog.result(clock);
                continue;
            }
            if (op.kind == OpKind::Sys && op.sys == SysOp::SetAffinity) {
                if (op.cpus->size() == 1 && (*op.cpus)[0] != cpu) {
                    ++moves[{cpu, (*op.cpus)[0]}];
                    cpu = (*op.cpus)[0];
                }
                prog.result(0);
                continue;
            }
            if (op.kind == OpKind::Sys && op.sys == SysOp::Wbinvd) {
                ++flushes;
                touched_on = -1; // the next touch starts cold
                prog.result(0);
                continue;
            }
            if (op.kind == OpKind::Load) {
                ++accesses;
                size_now = std::max<unsigned>(size_now, unsigned(op.addr - 0x10000000 + 8));
            }
            if (op.kind == OpKind::Store) ++accesses;
        }
        EXPECT_TRUE(done);
        return prog.outcome();
    }
};

TEST(MigrationCalibration, GridIsTheKernelsTenNinthsSteps) {
    // reproduction-targets §2.6: 512 KiB gives 262144 .. 1031295 (<= 2 * 512 KiB).
    const std::vector<unsigned> expect = {262144, 291271, 323634, 359593, 399547, 443941, 493267,
                                          548074, 608971, 676634, 751815, 835350, 928166, 1031295};
    EXPECT_EQ(MigrationCalibration::grid(512 * 1024), expect);
    const auto unknown = MigrationCalibration::grid(0); // 64 KiB .. 10 MiB
    EXPECT_EQ(unknown.front(), 64u * 1024);
    EXPECT_LE(unknown.back(), 10u * 1024 * 1024);
    EXPECT_GT(unknown.back() * 10 / 9, 10u * 1024 * 1024);
}

TEST(MigrationCalibration, PeakIsTheLargestFittingSizeAndTheCostTwiceIt) {
    Toy toy;
    const CalibrationResult r = toy.run(512 * 1024, 1);
    ASSERT_EQ(r.levels.size(), 1u);
    const CalibrationLevel& l = r.levels[0];
    // Sizes whose 2/3 fits 512 KiB: up to 751815 (501210 <= 524288); the next does not fit.
    EXPECT_EQ(l.size_found, 751815u);
    // cost = [one(0->1) + one(1->0)]/2 - [one(0->0) + one(1->1)]/2: the moved touch's
    // accesses (2 per touched word) at remote - hit each.
    const long long words = static_cast<long long>(TouchCacheSource::words(751815).size());
    EXPECT_EQ(l.max_cost, static_cast<unsigned long long>(2 * words * (60 - 5)));
    EXPECT_EQ(l.migration_cost, 2 * l.max_cost);
    ASSERT_EQ(r.migration_cost.size(), 1u);
    EXPECT_EQ(r.migration_cost[0], static_cast<long long>(2 * l.max_cost));
    EXPECT_EQ(r.log.back(), "migration_cost=" + std::to_string(2 * l.max_cost / 1000));
    // Every size up to the exit was measured in grid order; past the peak the cost is 0, so
    // the early exit comes once size > 1.3 * size_found.
    const auto grid = MigrationCalibration::grid(512 * 1024);
    ASSERT_LE(l.points.size(), grid.size());
    for (std::size_t i = 0; i < l.points.size(); ++i)
        EXPECT_EQ(l.points[i].size, grid[i]);
    EXPECT_EQ(l.points.back().size, 1031295u); // 835350 and 928166 are within 1.3x of 751815
    EXPECT_EQ(l.points.back().cost, 0);
    // Each measure_cost: 8 measure_one calls, each flushing twice and moving to src then tgt.
    EXPECT_EQ(toy.flushes, int(l.points.size()) * 8 * 2);
    EXPECT_GT(toy.moves[std::make_pair(0, 1)], 0);
    EXPECT_GT(toy.moves[std::make_pair(1, 0)], 0);
}

TEST(MigrationCalibration, ASharedCacheMeasuresNothing) {
    Toy toy;
    toy.remote = toy.hit; // moving costs nothing
    const CalibrationResult r = toy.run(512 * 1024);
    EXPECT_EQ(r.levels.at(0).size_found, 0u);
    EXPECT_EQ(r.migration_cost.at(0), 0);
    EXPECT_EQ(r.levels[0].points.size(), MigrationCalibration::grid(512 * 1024).size());
    EXPECT_EQ(r.log.back(), "migration_cost=0");
}

TEST(MigrationCalibration, OnePairPerDomainDistance) {
    Toy toy;
    toy.ncpus = 4;
    toy.capacity = 64 * 1024;
    toy.distance = [](int a, int b) { return a / 2 == b / 2 ? 0 : 1; }; // two packages
    const CalibrationResult r = toy.run(64 * 1024);
    ASSERT_EQ(r.levels.size(), 2u);
    EXPECT_EQ(r.levels[0].cpu1, 0);
    EXPECT_EQ(r.levels[0].cpu2, 1);
    EXPECT_EQ(r.levels[1].cpu1, 0);
    EXPECT_EQ(r.levels[1].cpu2, 2);
    EXPECT_EQ(r.levels[1].distance, 1);
    ASSERT_EQ(r.migration_cost.size(), 2u);
    const std::string line = r.log.back();
    EXPECT_EQ(line, "migration_cost=" + std::to_string(r.migration_cost[0] / 1000) + "," +
                        std::to_string(r.migration_cost[1] / 1000));
}

TEST(MigrationCalibration, MigrationFactorScalesTheResult) {
    Toy toy;
    toy.factor = 64; // migration_factor=50
    const CalibrationResult r = toy.run(512 * 1024);
    EXPECT_EQ(r.levels[0].migration_cost, r.levels[0].max_cost); // 2 * max * 64 / 128
}

} // namespace
} // namespace smp::os
