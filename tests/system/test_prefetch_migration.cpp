// The cold reload of a migrated task with and without an L2 prefetcher, as the ghost attributes
// it (docs/prefetch.md): the prefetcher turns cold misses into hidden ones, and nothing else.
//
// A task sweeps a 64 KiB working set sequentially on CPU 0 of the quad preset (private 256 KiB
// L2s) and is moved to CPU 1 by an affinity change mid-run. Without a prefetcher every one of
// its 1024 lines misses cold once on CPU 1 (tests/python/test_migration_cost.py). With a
// next-line L2 prefetcher, each of the 1024 live lines' first access on CPU 1 is either still a
// cold miss or served by a prefetched line whose data came from CPU 0's cache or the LLC: then
// it is hidden. So, line for line, cold_without == cold_with + hidden_with.
#include "guest_fixture.hpp"
#include "platform/run.hpp"

#include <sstream>

namespace smp::test {
namespace {

constexpr std::int64_t kSet = 64 * 1024;
constexpr std::uint64_t kLines = kSet / 64;   // 1024
constexpr std::uint64_t kPages = kSet / 4096; // 16

struct Moved {
    std::uint64_t migrations = 0, cold_user = 0, hidden_user = 0, hidden = 0, hidden_cycles = 0,
                  hidden_stall = 0, eased = 0, touched = 0, footprint = 0, src_issued = 0,
                  dst_issued = 0, dst_useful = 0, ended = 0;
    std::string error;
};

Moved parse(const std::string& text) {
    Moved m;
    std::istringstream is(text);
    if (!(is >> m.migrations >> m.cold_user >> m.hidden_user >> m.hidden >> m.hidden_cycles >>
          m.hidden_stall >> m.eased >> m.touched >> m.footprint >> m.src_issued >> m.dst_issued >>
          m.dst_useful >> m.ended)) {
        m.error = text;
    }
    return m;
}

// Runs the move in a child process (one elaboration each); `prefetch`: the L2's prefetcher.
Moved move(const std::string& prefetch) {
    return parse(in_child([&] {
        SystemConfig cfg = preset("quad");
        cfg.check = true; // every bus transaction checks coherence, prefetches included
        cfg.kernel.enabled = true;
        cfg.l2.prefetch.kind = prefetch;
        cfg.l2.prefetch.degree = 2;
        cfg.tasks.push_back(task("a", working_set(kSet, 30), {0}));
        ActionConfig a = action("set_affinity", 600000, "a"); // 0.3 ms at 2 GHz: mid-run
        a.cpus = {1};
        a.cpu = 2;
        cfg.actions.push_back(a);
        const RunResult r = simulate(cfg, RunOptions{});
        std::ostringstream os;
        os << r.migrations.size();
        if (r.costs.empty()) return os.str();
        const ColdCost& k = r.costs[0].cold;
        const int user = static_cast<int>(LineKind::User);
        const auto stat = [&r](const std::string& n) {
            const auto it = r.stats.find(n);
            return it == r.stats.end() ? std::uint64_t(0) : it->second;
        };
        os << ' ' << k.misses_by_kind[user] << ' ' << k.prefetch_hidden_by_kind[user] << ' '
           << k.prefetch_hidden << ' ' << k.prefetch_hidden_cycles << ' ' << k.prefetch_hidden_stall
           << ' ' << k.prefetch_eased << ' ' << k.lines_touched << ' ' << k.footprint_lines << ' '
           << stat("system.cpu0.l2.prefetch_issued") << ' '
           << stat("system.cpu1.l2.prefetch_issued") << ' '
           << stat("system.cpu1.l2.prefetch_useful") << ' '
           << (k.ended == GhostEnd::NoLiveLines ? 1 : 0);
        return os.str();
    }));
}

TEST(PrefetchMigration, NextLineHidesASequentialReloadsColdMissesAndTheGhostSaysHowMany) {
    const Moved off = move("none");
    const Moved on = move("next_line");
    ASSERT_EQ(off.error, "");
    ASSERT_EQ(on.error, "");
    ASSERT_EQ(off.migrations, 1u);
    ASSERT_EQ(on.migrations, 1u);
    EXPECT_EQ(off.ended, 1u);
    EXPECT_EQ(on.ended, 1u) << "the ghost follows the task until every user line is reloaded";

    // Without a prefetcher: one cold miss per line, nothing hidden, nothing issued.
    EXPECT_EQ(off.cold_user, kLines);
    EXPECT_EQ(off.hidden, 0u);
    EXPECT_EQ(off.src_issued + off.dst_issued, 0u);

    // With it: the same 1024 lines, each either cold or hidden.
    EXPECT_EQ(on.cold_user + on.hidden_user, off.cold_user);
    EXPECT_LT(on.cold_user, off.cold_user);
    // A tagged next-line prefetcher misses once per page a sweep enters (no prefetch crosses a
    // page): the 16 pages, and once more in the page the task was moved in the middle of (its
    // lines before the resumption point start a second stream when the sweep wraps around).
    EXPECT_GE(on.cold_user, kPages);
    EXPECT_LE(on.cold_user, kPages + 1);
    EXPECT_GE(on.hidden_user, kLines - kPages - 1);
    EXPECT_GE(on.hidden, on.hidden_user);
    // The sweep reaches each line only after the ghost's L1 has dropped it (512 lines of
    // 32 KiB later), so a live line's first access hits the ghost's L2, never its L1: no cold
    // miss is merely eased by a prefetched L2 line.
    EXPECT_EQ(on.eased, 0u);
    EXPECT_GT(on.hidden_cycles, 0u);
    EXPECT_GT(on.src_issued, 0u);
    EXPECT_GE(on.dst_useful, on.hidden);
}

} // namespace
} // namespace smp::test
