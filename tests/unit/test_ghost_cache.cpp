// Unit tests for the ghost cache (models/ghost/ghost_cache.hpp): which first accesses after a
// migration count as cold misses, with expected counts derived by hand in the comments.
#include "models/ghost/ghost_cache.hpp"
#include "models/ghost/stall_probe.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace smp {
namespace {

constexpr TaskId kTask = 7;
constexpr TaskId kOther = 9;

// A source hierarchy built by hand: L1D 4 sets x 2 ways, optional L2 8 sets x 4 ways (LRU).
struct Src {
    TagArray l1d{4, 2, Replacement::Lru, 1};
    TagArray l2{8, 4, Replacement::Lru, 1};

    // Fills `line` into a level as a cache does (LRU order = fill order).
    static void put(TagArray& t, Addr line, TaskId who, mesi::State s = mesi::State::E) {
        const std::uint64_t set = t.set_of(line);
        const std::uint32_t w = t.victim(set);
        LineInfo& l = t.at(set, w);
        t.set_line(set, w, line);
        l.state = s;
        l.filler_task = who;
        t.touch(set, w);
    }
    // The task's access on the source: into the L2 and the L1D.
    void both(Addr line, TaskId who = kTask) {
        put(l2, line, who);
        put(l1d, line, who);
    }
};

GhostCache make(const Src& s, bool with_l2, bool inclusive = true, Cycle window = 0,
                GhostCache::UserLine user = {}, GhostCache::Farther farther = {}) {
    GhostCache::Source lv[kNumGhostLevels];
    lv[int(GhostLevel::L1D)] = {&s.l1d, 4, true};
    if (with_l2) lv[int(GhostLevel::L2)] = {&s.l2, 10, inclusive};
    return GhostCache(lv, [](const LineInfo& l) { return l.filler_task == kTask; }, 100, window,
                      std::move(user), std::move(farther));
}

AccessRecord rec(Addr line, ServedBy served, Cycle latency, Cycle now = 200,
                 AccessKind kind = AccessKind::Load, LineKind what = LineKind::User) {
    AccessRecord a;
    a.line = line;
    a.kind = kind;
    a.what = what;
    a.served = served;
    a.latency = latency;
    a.stall = latency > 4 ? latency - 4 : 0;
    a.now = now;
    return a;
}

TEST(GhostCache, FootprintIsTheTasksDistinctLines) {
    Src s;
    s.both(0);          // in L1D and L2: one line
    s.both(1);
    s.both(2, kOther);  // another task's line: copied, not live
    Src::put(s.l2, 8, kTask); // L2 only
    GhostCache g = make(s, true);
    EXPECT_EQ(g.cost().footprint_lines, 3u); // lines 0, 1, 8
    EXPECT_EQ(g.live_lines(), 3u);
    EXPECT_TRUE(g.open());
}

TEST(GhostCache, FirstRealMissOnALiveLineCountsOnceAtTheGhostLevel) {
    Src s;
    s.both(0);
    Src::put(s.l2, 8, kTask); // line 8: L2 only
    GhostCache g = make(s, true);
    // Line 0 is in the ghost's L1D; the real access came from memory in 200 cycles:
    // a cold miss at l1d, stall beyond the L1 hit latency = 200 - 4.
    EXPECT_TRUE(g.observe(rec(0, ServedBy::Memory, 200)));
    // Second access of line 0: no longer live, not counted even if it misses again.
    EXPECT_TRUE(g.observe(rec(0, ServedBy::Llc, 40)));
    // Line 8 hits in the ghost's L2; real served by a peer cache in 60: stall 60 - (4 + 10).
    EXPECT_FALSE(g.observe(rec(8, ServedBy::PeerCache, 60))); // last live line: the ghost ends
    const ColdCost& c = g.cost();
    EXPECT_EQ(c.misses, 2u);
    EXPECT_EQ(c.stall_cycles, 196u + 46u);
    EXPECT_EQ(c.misses_by_level[int(GhostLevel::L1D)], 1u);
    EXPECT_EQ(c.misses_by_level[int(GhostLevel::L2)], 1u);
    EXPECT_EQ(c.stall_by_level[int(GhostLevel::L2)], 46u);
    EXPECT_EQ(c.misses_by_served[int(ServedBy::Memory)], 1u);
    EXPECT_EQ(c.misses_by_served[int(ServedBy::PeerCache)], 1u);
    EXPECT_EQ(c.misses_by_kind[int(LineKind::User)], 2u);
    EXPECT_EQ(c.ended, GhostEnd::NoLiveLines);
    EXPECT_EQ(c.lines_touched, 2u);
    EXPECT_FALSE(g.observe(rec(8, ServedBy::Memory, 200))); // closed: ignores everything
    EXPECT_EQ(c.misses, 2u);
}

TEST(GhostCache, RealHitOrNearerServiceIsNotACold) {
    Src s;
    s.both(0);
    s.both(1);
    s.both(4);
    GhostCache g = make(s, true);
    EXPECT_TRUE(g.observe(rec(0, ServedBy::L1, 4)));  // the destination had it: not cold
    EXPECT_TRUE(g.observe(rec(1, ServedBy::L2, 14))); // ghost L1D hit, real L2: cold at l1d
    // Line 4 shares L1D set 0 with line 0 (4 sets): it hits in the ghost L1D; real memory: cold.
    EXPECT_FALSE(g.observe(rec(4, ServedBy::Memory, 100)));
    EXPECT_EQ(g.cost().misses, 2u);
    EXPECT_EQ(g.cost().stall_cycles, 10u + 96u);
    EXPECT_EQ(g.cost().lines_touched, 3u);
}

TEST(GhostCache, LinesTheGhostEvictsFirstAreNotCounted) {
    // L1D only (no private L2): set 0 holds live lines 0 and 4 (2 ways, LRU = 0).
    Src s;
    Src::put(s.l1d, 0, kTask);
    Src::put(s.l1d, 4, kTask);
    GhostCache g = make(s, false);
    // Two new lines of set 0 (8, 12) evict 0 then 4 from the ghost: both lost.
    EXPECT_TRUE(g.observe(rec(8, ServedBy::Memory, 100)));
    EXPECT_EQ(g.live_lines(), 1u);
    EXPECT_FALSE(g.observe(rec(12, ServedBy::Memory, 100)));
    EXPECT_EQ(g.cost().lines_lost, 2u);
    EXPECT_EQ(g.cost().misses, 0u);
    EXPECT_EQ(g.cost().ended, GhostEnd::NoLiveLines);
}

TEST(GhostCache, CyclicSweepFourTimesTheCapacityCountsNothing) {
    // Ghost L1D (8 lines) full of the task's lines 24..31 (the end of a 32-line cyclic sweep).
    // The sweep resumes at 0: every access misses the ghost and evicts the oldest live line,
    // which is exactly the one needed furthest in the future; none is ever hit.
    Src s;
    for (Addr l = 24; l < 32; ++l) Src::put(s.l1d, l, kTask);
    GhostCache g = make(s, false);
    EXPECT_EQ(g.cost().footprint_lines, 8u);
    for (Addr l = 0; l < 32 && g.open(); ++l) g.observe(rec(l, ServedBy::Memory, 100));
    EXPECT_EQ(g.cost().misses, 0u);
    EXPECT_EQ(g.cost().lines_lost, 8u);
}

TEST(GhostCache, FittingWorkingSetCountsEveryLineOnce) {
    // 16 lines: ghost L2 (32 lines) holds all, ghost L1D (8) the last 8. A destination that
    // misses everything: exactly 16 cold misses, 8 at each level.
    Src s;
    for (Addr l = 0; l < 16; ++l) s.both(l);
    GhostCache g = make(s, true);
    for (int pass = 0; pass < 3; ++pass) {
        for (Addr l = 0; l < 16; ++l) g.observe(rec(l, ServedBy::Memory, 100));
    }
    EXPECT_EQ(g.cost().misses, 16u);
    // Sweeping 0..15 from where the source stopped (8..15 in L1D): 0..7 are L2 hits first,
    // and they evict 8..15 from the ghost L1D (still in the ghost L2, so still live there).
    EXPECT_EQ(g.cost().misses_by_level[int(GhostLevel::L2)], 16u);
    EXPECT_EQ(g.cost().ended, GhostEnd::NoLiveLines);
}

TEST(GhostCache, InclusiveL2EvictionBackInvalidatesTheL1Copy) {
    // L2 set 0 (lines = 0 mod 8) full with 0, 8, 16, 24 (LRU 0); L1D holds 0 as well.
    Src s;
    for (Addr l : {0, 8, 16, 24}) Src::put(s.l2, l, kTask);
    Src::put(s.l1d, 0, kTask);
    GhostCache g = make(s, true, /*inclusive=*/true);
    EXPECT_EQ(g.holds(0, false), GhostLevel::L1D);
    g.observe(rec(32, ServedBy::Memory, 100)); // fills L2 set 0: evicts 0, back-invalidates L1D
    EXPECT_FALSE(g.holds(0, false).has_value());
    EXPECT_EQ(g.cost().lines_lost, 1u);
    g.observe(rec(0, ServedBy::Memory, 100));
    EXPECT_EQ(g.cost().misses, 0u);
}

TEST(GhostCache, DirtyL1VictimWrittenBackKeepsItsLiveness) {
    // Non-inclusive L2: line 0 is only in the L1D, dirty. Two new lines of L1D set 0 evict it;
    // the writeback puts it into the ghost L2, where it stays live and later counts.
    Src s;
    Src::put(s.l1d, 0, kTask, mesi::State::M);
    GhostCache g = make(s, true, /*inclusive=*/false);
    g.observe(rec(4, ServedBy::Memory, 100));
    g.observe(rec(12, ServedBy::Memory, 100)); // L1D set 0 = {4, 12}: 0 written back to L2
    EXPECT_EQ(g.holds(0, false), GhostLevel::L2);
    EXPECT_EQ(g.live_lines(), 1u);
    g.observe(rec(0, ServedBy::Memory, 100));
    EXPECT_EQ(g.cost().misses_by_level[int(GhostLevel::L2)], 1u);
}

TEST(GhostCache, WindowEndsTheGhost) {
    Src s;
    s.both(0);
    s.both(1);
    GhostCache g = make(s, true, true, /*window=*/50); // made at cycle 100: open until 150
    EXPECT_TRUE(g.observe(rec(0, ServedBy::Memory, 100, 150)));
    EXPECT_FALSE(g.observe(rec(1, ServedBy::Memory, 100, 151)));
    EXPECT_EQ(g.cost().ended, GhostEnd::Window);
    EXPECT_EQ(g.cost().misses, 1u);
}

TEST(GhostCache, KernelLinesAreSplitAndUserWindowCounted) {
    Src s;
    s.both(0);
    s.both(1);
    GhostCache g = make(s, true);
    g.observe(rec(0, ServedBy::Memory, 100, 200, AccessKind::Load, LineKind::Kernel));
    g.observe(rec(1, ServedBy::Memory, 100, 200, AccessKind::Store, LineKind::User));
    EXPECT_EQ(g.cost().misses_by_kind[int(LineKind::Kernel)], 1u);
    EXPECT_EQ(g.cost().misses_by_kind[int(LineKind::User)], 1u);
    EXPECT_EQ(g.cost().window_user_accesses, 1u);
    EXPECT_EQ(g.cost().window_user_stall, 96u);
}

TEST(GhostCache, NoOwnedLineMeansNoGhost) {
    Src s;
    s.both(0, kOther);
    GhostCache g = make(s, true);
    EXPECT_FALSE(g.open());
    EXPECT_EQ(g.cost().footprint_lines, 0u);
    EXPECT_EQ(g.cost().ended, GhostEnd::NoLiveLines);
}

TEST(GhostCache, EndsWhenNoUserLineIsLiveEvenIfKernelLinesAre) {
    Src s;
    s.both(0);
    s.both(100); // "kernel" line: lines >= 100 in this test
    GhostCache g = make(s, true, true, 0, [](Addr line) { return line < 100; });
    EXPECT_EQ(g.live_lines(), 2u);
    EXPECT_FALSE(g.observe(rec(0, ServedBy::Memory, 100))); // the only user line: done
    EXPECT_EQ(g.cost().ended, GhostEnd::NoLiveLines);
    EXPECT_EQ(g.live_lines(), 1u); // the kernel line was never touched
}

TEST(StallProbe, SumsUserStallOverBothWindows) {
    StallProbe p(2, 3);
    EXPECT_TRUE(p.observe(rec(0, ServedBy::Memory, 104, 0, AccessKind::Load, LineKind::Kernel)));
    EXPECT_TRUE(p.observe(rec(0, ServedBy::Memory, 104))); // stall 100
    EXPECT_TRUE(p.observe(rec(1, ServedBy::L2, 14)));      // stall 10: window complete
    EXPECT_FALSE(p.observe(rec(2, ServedBy::L2, 24)));     // stall 20: stay complete
    EXPECT_TRUE(p.done());
    EXPECT_EQ(p.window_stall(), 110u);
    EXPECT_EQ(p.stay_stall(), 130u);
    EXPECT_EQ(p.accesses(), 3u);
}

// The shift: accesses that are not cold misses but whose latency differs from what the source's
// hierarchy would have given.
TEST(GhostCacheShift, MissesAnywayServedFromElsewhereAndLinesHeldDifferently) {
    Src s;
    s.both(0);
    s.both(1);
    // Past the ghost, the source would have found every line in memory, 200 cycles away.
    const auto farther = [](Addr) { return GhostCache::Elsewhere{ServedBy::Memory, 200}; };
    GhostCache g = make(s, true, true, 0, {}, farther);
    // Line 40 is in no ghost level. From the source's old cache (peer) in 80: 120 saved.
    EXPECT_TRUE(g.observe(rec(40, ServedBy::PeerCache, 80)));
    EXPECT_EQ(g.cost().shift_stall, -120);
    // Line 41 from memory, as the source would have: no shift.
    EXPECT_TRUE(g.observe(rec(41, ServedBy::Memory, 230)));
    EXPECT_EQ(g.cost().shift_stall, -120);
    // Line 40 again: the ghost filled it into its L1D (hit latency 4); the real access took 14
    // from the L2: not live, so not cold, but 10 cycles of shift.
    EXPECT_TRUE(g.observe(rec(40, ServedBy::L2, 14)));
    EXPECT_EQ(g.cost().shift_stall, -110);
    EXPECT_EQ(g.cost().shifted, 2u);
    EXPECT_EQ(g.cost().shift_by_kind[int(LineKind::User)], -110);
    // Line 0 is live and cold: counted as cold (200 - 4), never as shift.
    EXPECT_TRUE(g.observe(rec(0, ServedBy::Memory, 200)));
    EXPECT_EQ(g.cost().stall_cycles, 196u);
    EXPECT_EQ(g.cost().shift_stall, -110);
}

TEST(GhostCacheShift, UnknownLatencyCountsNothing) {
    Src s;
    s.both(0);
    const auto unknown = [](Addr) { return GhostCache::Elsewhere{ServedBy::RemoteMemory, 0}; };
    GhostCache g = make(s, false, true, 0, {}, unknown);
    EXPECT_TRUE(g.observe(rec(40, ServedBy::Memory, 180)));
    EXPECT_EQ(g.cost().shift_stall, 0);
    EXPECT_EQ(g.cost().shifted, 0u);
}

} // namespace
} // namespace smp
