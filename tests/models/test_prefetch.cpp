// Prefetchers in the real hierarchy: demand misses turned into prefetch hits, the issued /
// useful / late / useless accounting, and coherence of prefetched lines.
//
// The invariant of every test: prefetch_issued == prefetch_useful + prefetch_useless +
// prefetched_resident() (each prefetched line is used once, leaves unused, or is still here).
// Expected counts are worked out by hand from the access pattern and model_fixture.hpp; the
// 4 KiB page holds 64 lines, and no prefetch crosses it.
#include "model_fixture.hpp"
#include "platform/checker.hpp"

#include <vector>

namespace smp::test {
namespace {

constexpr Addr kA = 0x10000; // a page-aligned region (set 0 of every level)
constexpr Addr kB = 0x20000; // another, 64 KiB further
constexpr Addr kLine = 64;
constexpr Cycle kSlow = 300; // compute between accesses: more than a memory round trip
static_assert(kSlow > kL2 + kSnoop + kLlc + kMem + 10, "a prefetch lands before its use");

SystemConfig with_l2(const std::string& kind, std::int64_t degree, std::int64_t distance = 1) {
    SystemConfig c = reference_config();
    c.l2.prefetch.kind = kind;
    c.l2.prefetch.degree = degree;
    c.l2.prefetch.distance = distance;
    c.l2.prefetch.confidence = 2;
    return c;
}

// Counts the accesses a core reports as served by a prefetched line.
struct PrefetchHits : AccessObserver {
    Counter hits = 0, from_memory = 0, saved_zero = 0;
    bool observe(const AccessRecord& a) override {
        if (a.prefetch.hit) {
            ++hits;
            from_memory += a.prefetch.from == ServedBy::Memory ? 1 : 0;
            saved_zero += a.prefetch.saved == 0 ? 1 : 0;
        }
        return true;
    }
};

void expect_balanced(const Cache& c) {
    EXPECT_EQ(c.stats.prefetch_issued,
              c.stats.prefetch_useful + c.stats.prefetch_useless + c.prefetched_resident());
}

// One core loads the first word of each of `lines` lines from `base` with stride `step` lines,
// computing `gap` cycles between accesses.
void sweep(Core& c, Addr base, Addr lines, Addr step, Cycle gap) {
    for (Addr i = 0; i < lines; i += step) {
        timed(c, OpKind::Load, base + i * kLine);
        if (gap) c.compute(gap);
    }
}

TEST(PrefetchModel, WithoutAPrefetcherASequentialSweepMissesEveryLine) {
    System sys(reference_config());
    AddressSpace as(0, false, nullptr);
    sys.core(0).set_context(0, &as, nullptr);
    sc_core::sc_spawn([&] { sweep(sys.core(0), kA, 100, 1, kSlow); });
    sc_core::sc_start();
    Cache& l2 = cache(sys, "system.cpu0.l2");
    EXPECT_EQ(l2.stats.misses, 100u);
    EXPECT_EQ(l2.stats.hits, 0u);
    EXPECT_EQ(l2.stats.prefetch_issued, 0u);
    EXPECT_EQ(sys.stats().snapshot().count("system.cpu0.l2.prefetch_issued"), 0u)
        << "no prefetch statistics without a prefetcher";
}

// Next line, degree 2, at the L2; a sweep of 100 lines from memory, lines 0..63 in one page
// and 64..99 in the next, slow enough that every prefetch lands before its use.
//  - line 0 misses and asks for 1, 2; each later line of the page is a prefetched line's first
//    use, asks for the next two, and only the farther one is new (line 62 and 63 ask for none
//    past the page): page 0 issues lines 1..63, 63 prefetches.
//  - line 64 misses (a new page), then likewise up to line 99, which asks for 100, 101: page 1
//    issues lines 65..101, 37 prefetches.
// L2: 100 demand accesses, 2 misses, 98 hits on prefetched lines; 100 issued, 98 useful,
// 0 useless (no eviction: 102 lines fill 16 KiB / 256 lines), 2 resident (lines 100 and 101).
TEST(PrefetchModel, NextLineTurnsASequentialReloadsMissesIntoPrefetchHits) {
    System sys(with_l2("next_line", 2));
    AddressSpace as(0, false, nullptr);
    TaskCounters tc;
    PrefetchHits seen;
    sys.core(0).set_context(0, &as, &tc, &seen);
    sc_core::sc_spawn([&] { sweep(sys.core(0), kA, 100, 1, kSlow); });
    sc_core::sc_start();

    Cache& l1 = cache(sys, "system.cpu0.l1d");
    Cache& l2 = cache(sys, "system.cpu0.l2");
    Cache& llc = cache(sys, "system.llc0");
    EXPECT_EQ(l1.stats.misses, 100u);
    EXPECT_EQ(l2.stats.accesses, 100u);
    EXPECT_EQ(l2.stats.misses, 2u);
    EXPECT_EQ(l2.stats.hits, 98u);
    EXPECT_EQ(l2.stats.prefetch_issued, 63u + 37u);
    EXPECT_EQ(l2.stats.prefetch_useful, 98u);
    EXPECT_EQ(l2.stats.prefetch_useless, 0u);
    EXPECT_EQ(l2.stats.prefetch_late, 0u);
    EXPECT_EQ(l2.stats.prefetch_late_cycles, 0u);
    EXPECT_EQ(l2.stats.prefetch_dropped, 0u);
    EXPECT_EQ(l2.prefetched_resident(), 2u);
    expect_balanced(l2);
    EXPECT_TRUE(l2.prefetched(line0(kA + 100 * kLine)));
    EXPECT_TRUE(l2.prefetched(line0(kA + 101 * kLine)));
    EXPECT_FALSE(l2.prefetched(line0(kA + 99 * kLine))); // used
    EXPECT_EQ(l2.state_of(line0(kA + 102 * kLine)), mesi::State::I);
    // A prefetched line is granted like a demand load: exclusive, the only copy.
    EXPECT_EQ(l2.state_of(line0(kA + 101 * kLine)), mesi::State::E);
    // Below the L2: 2 demand misses and 100 prefetches, each a bus transaction, an LLC miss
    // and a memory read.
    EXPECT_EQ(llc.stats.accesses, 102u);
    EXPECT_EQ(llc.stats.misses, 102u);
    EXPECT_EQ(stat(sys, "system.bus0.transactions"), 102u);
    EXPECT_EQ(stat(sys, "system.mem0.reads"), 102u);
    EXPECT_EQ(stat(sys, "system.cpu0.l2.prefetch_issued"), 100u);
    // What the core saw: 98 L2 hits on prefetched lines (each told so, with the memory as the
    // prefetch's source and a saving), 2 loads from memory.
    EXPECT_EQ(tc.served[static_cast<int>(ServedBy::L2)], 98u);
    EXPECT_EQ(tc.served[static_cast<int>(ServedBy::Memory)], 2u);
    EXPECT_EQ(seen.hits, 98u);
    EXPECT_EQ(seen.from_memory, 98u);
    EXPECT_EQ(seen.saved_zero, 0u);
}

// The same sweep with nothing between the loads: the core asks for line i + 1 one L2 hit
// (kL1 + kL2 = 13 cycles) after the prefetch of i + 1 left, far less than the memory's 100
// cycles, so the prefetches are late and the loads wait for them. Degree 1 over one page:
// line 0 misses, lines 1..63 are prefetched (63 issued, each used once, late or not).
TEST(PrefetchModel, AStreamFasterThanMemoryFindsItsPrefetchesLate) {
    System sys(with_l2("next_line", 1));
    AddressSpace as(0, false, nullptr);
    TaskCounters tc;
    PrefetchHits seen;
    sys.core(0).set_context(0, &as, &tc, &seen);
    sc_core::sc_spawn([&] { sweep(sys.core(0), kA, 64, 1, 0); });
    sc_core::sc_start();

    Cache& l2 = cache(sys, "system.cpu0.l2");
    EXPECT_EQ(l2.stats.misses, 1u);
    EXPECT_EQ(l2.stats.prefetch_issued, 63u);
    EXPECT_EQ(l2.stats.prefetch_useful, 63u);
    EXPECT_EQ(l2.stats.prefetch_useless, 0u);
    EXPECT_EQ(l2.stats.prefetch_dropped, 0u);
    expect_balanced(l2);
    EXPECT_GT(l2.stats.prefetch_late, 0u);
    EXPECT_LE(l2.stats.prefetch_late, l2.stats.prefetch_useful);
    EXPECT_GT(l2.stats.prefetch_late_cycles, 0u);
    // A late prefetch still serves the load from the L2 (after the wait).
    EXPECT_EQ(tc.served[static_cast<int>(ServedBy::L2)], 63u);
    EXPECT_EQ(seen.hits, 63u);
}

// Degree 1 next line, loads of the even lines only: every load misses (its line was never
// asked for) and asks for the odd line after it, which nobody uses.
//  - region A, one page: 32 misses, 32 prefetches (odd lines 1..63);
//  - region B, 16 KiB = 256 lines = the L2's size: 128 misses, 128 prefetches. Each L2 set
//    (32 sets, 8 ways) then receives 8 of B's lines on top of its 2 of A's, older than all of
//    them: exactly A's 64 lines are evicted, 32 of them unused prefetches (useless).
TEST(PrefetchModel, PrefetchedLinesEvictedUnusedAreUseless) {
    System sys(with_l2("next_line", 1));
    AddressSpace as(0, false, nullptr);
    sys.core(0).set_context(0, &as, nullptr);
    sc_core::sc_spawn([&] {
        sweep(sys.core(0), kA, 64, 2, kSlow);
        sweep(sys.core(0), kB, 256, 2, kSlow);
    });
    sc_core::sc_start();

    Cache& l2 = cache(sys, "system.cpu0.l2");
    EXPECT_EQ(l2.stats.misses, 32u + 128u);
    EXPECT_EQ(l2.stats.hits, 0u);
    EXPECT_EQ(l2.stats.prefetch_issued, 32u + 128u);
    EXPECT_EQ(l2.stats.prefetch_useful, 0u);
    EXPECT_EQ(l2.stats.evictions, 64u);
    EXPECT_EQ(l2.stats.prefetch_useless, 32u);
    EXPECT_EQ(l2.prefetched_resident(), 128u);
    expect_balanced(l2);
    for (Addr i = 1; i < 64; i += 2)
        EXPECT_EQ(l2.state_of(line0(kA + i * kLine)), mesi::State::I);
}

// Prefetches stay coherent: core 0 (next line, degree 1) loads the even lines of a page and so
// prefetches the odd ones, exclusively (no other copy). Core 1 then stores to each odd line:
// its GetM invalidates core 0's clean copy (E -> I) and takes the line from the LLC, which holds
// it (a clean line is not supplied cache to cache), and core 0's unused
// prefetch becomes useless. Core 1's own L2 prefetcher asks, after each store miss to line
// 2k + 1, for line 2k + 2 (up to 62; 64 is in the next page): 31 shared copies of core 0's even
// lines (E -> S there), which core 1 never uses.
TEST(PrefetchModel, AnotherCoresWriteInvalidatesAnUnusedPrefetch) {
    System sys(with_l2("next_line", 1));
    AddressSpace as(0, false, nullptr);
    TaskCounters tc[2];
    sys.core(0).set_context(0, &as, &tc[0]);
    sys.core(1).set_context(1, &as, &tc[1]);
    std::string coherence;
    sc_core::sc_spawn([&] {
        sweep(sys.core(0), kA, 64, 2, kSlow);
        for (Addr i = 1; i < 64; i += 2) {
            timed(sys.core(1), OpKind::Store, kA + i * kLine);
            sys.core(1).compute(kSlow);
        }
        CoherenceChecker check(sys);
        for (Addr i = 0; i < 66; ++i) {
            const std::string e = check.check_line(paddr0(kA + i * kLine));
            if (!e.empty() && coherence.empty()) coherence = e;
        }
    });
    sc_core::sc_start();

    Cache& l2a = cache(sys, "system.cpu0.l2");
    Cache& l2b = cache(sys, "system.cpu1.l2");
    EXPECT_EQ(coherence, "");
    EXPECT_EQ(l2a.stats.prefetch_issued, 32u);
    EXPECT_EQ(l2a.stats.prefetch_useful, 0u);
    EXPECT_EQ(l2a.stats.prefetch_useless, 32u);
    EXPECT_EQ(l2a.prefetched_resident(), 0u);
    EXPECT_EQ(l2a.stats.invalidations, 32u);
    expect_balanced(l2a);
    EXPECT_EQ(tc[1].served[static_cast<int>(ServedBy::Llc)], 32u);
    EXPECT_EQ(tc[1].served[static_cast<int>(ServedBy::PeerCache)], 0u);
    EXPECT_EQ(l2b.stats.prefetch_issued, 31u);
    EXPECT_EQ(l2b.prefetched_resident(), 31u);
    expect_balanced(l2b);
    EXPECT_EQ(l2a.state_of(line0(kA + 2 * kLine)), mesi::State::S);
    EXPECT_EQ(l2b.state_of(line0(kA + 2 * kLine)), mesi::State::S);
    EXPECT_EQ(l2b.state_of(line0(kA + 1 * kLine)), mesi::State::M);
}

// Stride, degree 1, distance 1, confidence 2, loads of every other line of one page: offsets
// 0 (new region), 2 (stride 2), 4 (one repeat), 6 (two repeats: asks for 8) miss; 8..62 are
// prefetched lines' first uses, each asking for the next but the last (64: next page).
// L2: 4 misses, 28 hits, 28 issued (8..62), 28 useful.
TEST(PrefetchModel, StrideDetectsAStreamAfterItsConfidence) {
    System sys(with_l2("stride", 1));
    AddressSpace as(0, false, nullptr);
    sys.core(0).set_context(0, &as, nullptr);
    sc_core::sc_spawn([&] { sweep(sys.core(0), kA, 64, 2, kSlow); });
    sc_core::sc_start();

    Cache& l2 = cache(sys, "system.cpu0.l2");
    EXPECT_EQ(l2.stats.misses, 4u);
    EXPECT_EQ(l2.stats.hits, 28u);
    EXPECT_EQ(l2.stats.prefetch_issued, 28u);
    EXPECT_EQ(l2.stats.prefetch_useful, 28u);
    EXPECT_EQ(l2.prefetched_resident(), 0u);
    expect_balanced(l2);
}

} // namespace
} // namespace smp::test
