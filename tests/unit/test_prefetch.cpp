// Unit tests of the prefetchers (models/cache/prefetcher.hpp), their bookkeeping
// (prefetch_marks.hpp), their configuration, and the ghost's account of what they hid
// (models/ghost/ghost_cache.hpp). Expected lines are worked out by hand in the comments.
#include "models/cache/cache_config.hpp"
#include "models/cache/prefetch_marks.hpp"
#include "models/cache/prefetcher.hpp"
#include "models/ghost/ghost_cache.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace smp {
namespace {

constexpr unsigned kLineBits = 6;    // 64-byte lines: 64 lines a 4 KiB page
constexpr Addr kPage = Addr(7) << 6; // first line of some page (page 7)

PrefetchConfig next_line(std::int64_t degree, std::int64_t distance) {
    PrefetchConfig c;
    c.kind = "next_line";
    c.degree = degree;
    c.distance = distance;
    return c;
}

PrefetchConfig stride(std::int64_t degree, std::int64_t distance, std::int64_t confidence = 2,
                      std::int64_t table = 16) {
    PrefetchConfig c;
    c.kind = "stride";
    c.degree = degree;
    c.distance = distance;
    c.confidence = confidence;
    c.table = table;
    return c;
}

std::vector<Addr> ask(Prefetcher& p, Addr line, DemandOutcome o = DemandOutcome::Miss) {
    std::vector<Addr> out;
    p.on_access(line, o, out);
    return out;
}

using Lines = std::vector<Addr>;

// --- next line ---------------------------------------------------------------------------------

TEST(PrefetchNextLine, DegreeAndDistanceGiveConsecutiveLinesAhead) {
    // degree 3, distance 2: line + 2, line + 3, line + 4.
    Prefetcher p(next_line(3, 2), kLineBits);
    EXPECT_EQ(ask(p, kPage + 10), (Lines{kPage + 12, kPage + 13, kPage + 14}));
    Prefetcher q(next_line(1, 1), kLineBits);
    EXPECT_EQ(ask(q, kPage + 10), (Lines{kPage + 11}));
}

TEST(PrefetchNextLine, TaggedTriggersOnAMissAndAPrefetchedLinesFirstUseOnly) {
    Prefetcher p(next_line(2, 1), kLineBits);
    EXPECT_EQ(ask(p, kPage + 5, DemandOutcome::Miss), (Lines{kPage + 6, kPage + 7}));
    EXPECT_EQ(ask(p, kPage + 6, DemandOutcome::PrefetchedHit), (Lines{kPage + 7, kPage + 8}));
    EXPECT_TRUE(ask(p, kPage + 6, DemandOutcome::Hit).empty());
}

TEST(PrefetchNextLine, NeverCrossesTheFourKiBPage) {
    Prefetcher p(next_line(4, 1), kLineBits);
    // Offsets 62 and 63 are left in the page after line 61; none after the page's last line.
    EXPECT_EQ(ask(p, kPage + 61), (Lines{kPage + 62, kPage + 63}));
    EXPECT_TRUE(ask(p, kPage + 63).empty());
    Prefetcher far(next_line(1, 8), kLineBits);
    EXPECT_TRUE(ask(far, kPage + 56).empty()); // 56 + 8 = 64: the next page
    EXPECT_EQ(ask(far, kPage + 55), (Lines{kPage + 63}));
    // 128-byte lines: 32 lines a page.
    Prefetcher wide(next_line(4, 1), 7);
    EXPECT_EQ(ask(wide, (Addr(3) << 5) + 29), (Lines{(Addr(3) << 5) + 30, (Addr(3) << 5) + 31}));
}

TEST(PrefetchNextLine, NoneAsksForNothing) {
    Prefetcher p(PrefetchConfig{}, kLineBits);
    EXPECT_EQ(p.kind(), PrefetchKind::None);
    EXPECT_TRUE(ask(p, kPage).empty());
}

// --- stride ------------------------------------------------------------------------------------

TEST(PrefetchStride, PrefetchesOnceTheStrideRepeatedConfidenceTimes) {
    // confidence 2: offsets 0 (new region), 2 (stride 2 seen), 4 (1 repeat), 6 (2 repeats): the
    // fourth access is the first to prefetch, 6 + 2 = 8; then every access asks for the next.
    Prefetcher p(stride(1, 1, 2), kLineBits);
    EXPECT_EQ(p.confidence_of(kPage), -1);
    EXPECT_TRUE(ask(p, kPage + 0).empty());
    EXPECT_EQ(p.confidence_of(kPage), 0);
    EXPECT_TRUE(ask(p, kPage + 2).empty());
    EXPECT_EQ(p.confidence_of(kPage), 0);
    EXPECT_TRUE(ask(p, kPage + 4, DemandOutcome::Hit).empty());
    EXPECT_EQ(p.confidence_of(kPage), 1);
    EXPECT_EQ(ask(p, kPage + 6), (Lines{kPage + 8}));
    EXPECT_EQ(ask(p, kPage + 8, DemandOutcome::PrefetchedHit), (Lines{kPage + 10}));
    EXPECT_EQ(p.confidence_of(kPage), 2); // saturates at the threshold
    // Another word of the same line: nothing learnt, nothing asked.
    EXPECT_TRUE(ask(p, kPage + 8, DemandOutcome::Hit).empty());
    EXPECT_EQ(ask(p, kPage + 10), (Lines{kPage + 12}));
}

TEST(PrefetchStride, DegreeAndDistanceCountInStrides) {
    // Stride 3 trusted at offset 9 (0, 3, 6, 9); distance 2, degree 3: 9 + 6, 9 + 9, 9 + 12.
    Prefetcher p(stride(3, 2, 2), kLineBits);
    for (Addr o : {0, 3, 6})
        EXPECT_TRUE(ask(p, kPage + o).empty());
    EXPECT_EQ(ask(p, kPage + 9), (Lines{kPage + 15, kPage + 18, kPage + 21}));
}

TEST(PrefetchStride, NegativeStridesAndThePageBoundary) {
    Prefetcher down(stride(3, 1, 2), kLineBits);
    for (Addr o : {60, 57, 54})
        EXPECT_TRUE(ask(down, kPage + o).empty());
    EXPECT_EQ(ask(down, kPage + 51), (Lines{kPage + 48, kPage + 45, kPage + 42}));
    // Near the bottom of the page: 6 - 3 = 3, 0, then -3 is in the page below.
    for (Addr o = 48; o > 6; o -= 3)
        ask(down, kPage + o);
    EXPECT_EQ(ask(down, kPage + 6), (Lines{kPage + 3, kPage + 0}));
    EXPECT_EQ(ask(down, kPage + 3), (Lines{kPage + 0})); // 0 - 3 is in the page below
    EXPECT_TRUE(ask(down, kPage + 0).empty());
}

TEST(PrefetchStride, AStreamEndingAtThePageTopAsksForNothingBeyondIt) {
    Prefetcher up(stride(2, 1, 1), kLineBits);
    for (Addr o : {50, 54})
        EXPECT_TRUE(ask(up, kPage + o).empty());
    EXPECT_EQ(ask(up, kPage + 58), (Lines{kPage + 62})); // 66 is in the next page
    EXPECT_TRUE(ask(up, kPage + 62).empty());
}

TEST(PrefetchStride, OneBreakOfThePatternLosesAllConfidence) {
    Prefetcher p(stride(1, 1, 2), kLineBits);
    for (Addr o : {0, 4, 8})
        ask(p, kPage + o);
    EXPECT_EQ(ask(p, kPage + 12), (Lines{kPage + 16}));
    EXPECT_TRUE(ask(p, kPage + 13).empty()); // stride 1 now, no repeat yet
    EXPECT_EQ(p.confidence_of(kPage), 0);
    EXPECT_TRUE(ask(p, kPage + 17).empty()); // stride 4 again: a new stride, 0 repeats
    EXPECT_TRUE(ask(p, kPage + 21).empty()); // 1 repeat
    EXPECT_EQ(ask(p, kPage + 25), (Lines{kPage + 29}));
}

// A deterministic pseudo-random stream of offsets in one page.
std::vector<Addr> random_offsets(std::size_t n, std::uint64_t seed) {
    std::vector<Addr> out;
    std::uint64_t x = seed;
    for (std::size_t i = 0; i < n; ++i) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        out.push_back((x >> 33) % 64);
    }
    return out;
}

TEST(PrefetchStride, ARandomStreamIssuesNothingOnceTrainedNegatively) {
    // Train a confident stream first, then feed random offsets in the same page.
    Prefetcher p(stride(2, 1, 2), kLineBits);
    for (Addr o : {0, 1, 2})
        ask(p, kPage + o);
    EXPECT_EQ(ask(p, kPage + 3), (Lines{kPage + 4, kPage + 5}));
    const std::vector<Addr> rnd = random_offsets(2000, 42);
    // The prefetcher may only speak where the stream itself shows a stride seen three times in
    // a row (two repeats), counting the step from offset 3. Count those places independently.
    std::size_t expected = 0;
    {
        Addr last = 3;
        std::int64_t d1 = 1, d2 = 1; // the two previous nonzero steps (the trained stride)
        bool first = true;
        for (Addr o : rnd) {
            const std::int64_t d = std::int64_t(o) - std::int64_t(last);
            if (d == 0) continue;
            last = o;
            if (!first && d == d1 && d1 == d2) ++expected;
            if (first && d == 1) ADD_FAILURE() << "the stream continues the trained stride";
            first = false;
            d2 = d1;
            d1 = d;
        }
    }
    std::size_t asked = 0;
    for (Addr o : rnd)
        asked += ask(p, kPage + o, DemandOutcome::Miss).empty() ? 0 : 1;
    EXPECT_EQ(asked, expected);
    EXPECT_EQ(expected, 0u) << "this seed's stream never repeats a step twice in a row";
}

TEST(PrefetchStride, RegionsAreTrackedApartUpToTheTableSize) {
    const Addr a = kPage, b = kPage + 64; // two pages
    // Interleaved streams in two pages, table of 2: both are detected.
    Prefetcher two(stride(1, 1, 1, 2), kLineBits);
    std::size_t asked = 0;
    for (Addr o = 0; o < 10; ++o) {
        asked += ask(two, a + o).size();
        asked += ask(two, b + 2 * o).size();
    }
    // Each stream prefetches from its third access on (confidence 1): 8 + 8.
    EXPECT_EQ(asked, 16u);
    // A table of 1: every access of one stream evicts the other's region; nothing is learnt.
    Prefetcher one(stride(1, 1, 1, 1), kLineBits);
    asked = 0;
    for (Addr o = 0; o < 10; ++o) {
        asked += ask(one, a + o).size();
        asked += ask(one, b + 2 * o).size();
    }
    EXPECT_EQ(asked, 0u);
}

// --- marks -------------------------------------------------------------------------------------

TEST(PrefetchMarks, MarkTakeAndResidentCount) {
    PrefetchMarks m(8);
    EXPECT_EQ(m.resident(), 0u);
    m.mark(3, 100, 40, ServedBy::Memory);
    m.mark(5, 120, 40, ServedBy::Llc);
    m.mark(5, 130, 50, ServedBy::Llc); // re-marked: still one line
    EXPECT_EQ(m.resident(), 2u);
    EXPECT_TRUE(m.marked(3));
    const PrefetchMarks::Mark t = m.take(5);
    EXPECT_TRUE(t.on);
    EXPECT_EQ(t.ready, 130u);
    EXPECT_EQ(t.trip, 50u);
    EXPECT_EQ(t.from, ServedBy::Llc);
    EXPECT_FALSE(m.take(5).on);
    EXPECT_EQ(m.resident(), 1u);
}

// --- configuration -----------------------------------------------------------------------------

std::string error_of(const CacheConfig& c, const std::string& path) {
    try {
        c.validate(path);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

TEST(PrefetchConfig, ValidationNamesTheDottedField) {
    CacheConfig c;
    EXPECT_EQ(error_of(c, "l2"), "");
    c.prefetch.kind = "stream";
    EXPECT_EQ(error_of(c, "l2"),
              "l2.prefetch.kind: must be one of none, next_line, stride, got 'stream'");
    c.prefetch.kind = "next_line";
    c.prefetch.degree = 0;
    EXPECT_EQ(error_of(c, "l2"),
              "l2.prefetch.degree: must be in [1, 64] (lines per trigger), got 0");
    c.prefetch.degree = 2;
    c.prefetch.distance = 65;
    EXPECT_EQ(error_of(c, "llc").rfind("llc.prefetch.distance: must be in [1, 64]", 0), 0u);
    c.prefetch.distance = 1;
    c.prefetch.table = 0;
    EXPECT_EQ(error_of(c, "l1d").rfind("l1d.prefetch.table: must be in [1, 1024]", 0), 0u);
    c.prefetch.table = 4;
    c.prefetch.confidence = 17;
    EXPECT_EQ(error_of(c, "l2").rfind("l2.prefetch.confidence: must be in [1, 16]", 0), 0u);
}

// --- the ghost's account -----------------------------------------------------------------------

constexpr TaskId kTask = 7;
constexpr Cycle kL1dLat = 4, kL2Lat = 10; // the ghost's levels below

// Source: L1D 4 sets x 2 ways, L2 8 sets x 4 ways; lines 0..3 in both, lines 8, 9 in the L2 only.
struct Src {
    TagArray l1d{4, 2, Replacement::Lru, 1};
    TagArray l2{8, 4, Replacement::Lru, 1};
    static void put(TagArray& t, Addr line) {
        const std::uint64_t set = t.set_of(line);
        const std::uint32_t w = t.victim(set);
        LineInfo& l = t.at(set, w);
        t.set_line(set, w, line);
        l.state = mesi::State::E;
        l.filler_task = kTask;
        t.touch(set, w);
    }
    Src() {
        for (Addr l : {8, 9})
            put(l2, l);
        for (Addr l : {0, 1, 2, 3}) {
            put(l2, l);
            put(l1d, l);
        }
    }
};

GhostCache make(const Src& s, GhostCache::Farther farther = {}) {
    GhostCache::Source lv[kNumGhostLevels];
    lv[int(GhostLevel::L1D)] = {&s.l1d, kL1dLat, true};
    lv[int(GhostLevel::L2)] = {&s.l2, kL2Lat, true};
    return GhostCache(
        lv, [](const LineInfo& l) { return l.filler_task == kTask; }, 100, 0, {},
        std::move(farther));
}

AccessRecord rec(Addr line, ServedBy served, Cycle latency, PrefetchUse pf = {}) {
    AccessRecord a;
    a.line = line;
    a.served = served;
    a.latency = latency;
    a.stall = latency - kL1dLat;
    a.now = 200;
    a.prefetch = pf;
    return a;
}

TEST(PrefetchGhost, AColdReloadServedByAPrefetchedLineAtTheGhostLevelIsHidden) {
    Src s;
    GhostCache g = make(s);
    // Line 8 is in the ghost L2 only. Real: an L2 hit on a prefetched line that came from
    // memory, late by 6 cycles (latency 4 + 10 + 6), the prefetch saved 120 cycles.
    g.observe(rec(8, ServedBy::L2, kL1dLat + kL2Lat + 6, {true, 120, ServedBy::Memory}));
    const ColdCost& c = g.cost();
    EXPECT_EQ(c.misses, 0u);
    EXPECT_EQ(c.prefetch_hidden, 1u);
    EXPECT_EQ(c.prefetch_hidden_by_kind[int(LineKind::User)], 1u);
    EXPECT_EQ(c.prefetch_hidden_cycles, 120u);
    EXPECT_EQ(c.prefetch_hidden_stall, 6u);
    EXPECT_EQ(c.prefetch_hidden_stall_by_kind[int(LineKind::User)], 6u);
    // Line 9 the same, on time: its stall beyond the ghost's L2 hit is 0.
    g.observe(rec(9, ServedBy::L2, kL1dLat + kL2Lat, {true, 90, ServedBy::PeerCache}));
    EXPECT_EQ(c.prefetch_hidden, 2u);
    EXPECT_EQ(c.prefetch_hidden_cycles, 210u);
    EXPECT_EQ(c.prefetch_hidden_stall, 6u);
    EXPECT_EQ(c.prefetch_eased, 0u);
    EXPECT_EQ(c.misses + c.prefetch_hidden, c.lines_touched);
}

TEST(PrefetchGhost, AColdMissEasedByAPrefetchedLineFartherThanTheGhostLevel) {
    Src s;
    GhostCache g = make(s);
    // Line 0 is in the ghost L1D; real: served by a prefetched line in the L2. Still cold (an
    // L1 miss the source would not have had), but the prefetch saved it 100 cycles.
    g.observe(rec(0, ServedBy::L2, kL1dLat + kL2Lat, {true, 100, ServedBy::Memory}));
    const ColdCost& c = g.cost();
    EXPECT_EQ(c.misses, 1u);
    EXPECT_EQ(c.misses_by_level[int(GhostLevel::L1D)], 1u);
    EXPECT_EQ(c.stall_cycles, kL2Lat);
    EXPECT_EQ(c.prefetch_eased, 1u);
    EXPECT_EQ(c.prefetch_eased_cycles, 100u);
    EXPECT_EQ(c.prefetch_hidden, 0u);
}

TEST(PrefetchGhost, NothingIsHiddenWhereTheLineWasNearAnywayOrNotLive) {
    Src s;
    GhostCache g = make(s);
    // A prefetched L2 line that the prefetch found in... the L2 itself cannot be; an L1
    // prefetch that found line 8 in the destination's L2: without it the access would have hit
    // that L2, as the ghost does. Not hidden, not cold.
    g.observe(rec(8, ServedBy::L1, kL1dLat, {true, kL2Lat, ServedBy::L2}));
    // A line the task never had (not live), served by a prefetched line: nothing.
    g.observe(rec(40, ServedBy::L2, kL1dLat + kL2Lat, {true, 100, ServedBy::Memory}));
    // The second access of line 9 after a prefetched first one: only the first counts.
    g.observe(rec(9, ServedBy::L2, kL1dLat + kL2Lat, {true, 100, ServedBy::Memory}));
    g.observe(rec(9, ServedBy::L1, kL1dLat));
    const ColdCost& c = g.cost();
    EXPECT_EQ(c.misses, 0u);
    EXPECT_EQ(c.prefetch_hidden, 1u); // line 9
    EXPECT_EQ(c.prefetch_eased, 0u);
}

TEST(PrefetchGhost, APrefetchedLinesFirstUseShiftsNothing) {
    // Past the ghost, the source would have found line 40 in memory at 200 cycles. Served by a
    // prefetched L2 line it took 14: no shift, as the source's own prefetcher would have done the
    // same. Line 41 from the other socket's memory in 230 instead does shift +30.
    Src s;
    GhostCache g = make(s, [](Addr) { return GhostCache::Elsewhere{ServedBy::Memory, 200}; });
    g.observe(rec(40, ServedBy::L2, kL1dLat + kL2Lat, {true, 186, ServedBy::Memory}));
    EXPECT_EQ(g.cost().shifted, 0u);
    EXPECT_EQ(g.cost().shift_stall, 0);
    g.observe(rec(41, ServedBy::RemoteMemory, 230));
    EXPECT_EQ(g.cost().shifted, 1u);
    EXPECT_EQ(g.cost().shift_stall, 30);
}

TEST(PrefetchGhost, AnOverlappedLatePrefetchIsChargedTheCoresWaitForIt) {
    // mlp > 1: line 8's load found a late prefetched line in the L2 at cycle 300; its data came
    // 20 cycles later (the ghost's L2 hit: 14) and the core went on. It is hidden at once; what
    // it still cost comes with the core's wait for it, 310..320: the source's data would have
    // been there at 314, so 6 cycles are the late prefetch's, none the cold stall's.
    Src s;
    GhostCache g = make(s);
    AccessRecord a = rec(8, ServedBy::L2, kL1dLat + kL2Lat + 6, {true, 120, ServedBy::Memory});
    a.overlapped = true;
    a.stall = 0;
    a.seq = 5;
    a.issued = 300;
    a.now = 304;
    g.observe(a);
    const ColdCost& c = g.cost();
    EXPECT_EQ(c.prefetch_hidden, 1u);
    EXPECT_EQ(c.prefetch_hidden_stall, 0u);
    g.observe_wait(WaitRecord{5, 310, 320, false});
    EXPECT_EQ(c.prefetch_hidden_stall, 6u);
    EXPECT_EQ(c.prefetch_hidden_stall_by_kind[int(LineKind::User)], 6u);
    EXPECT_EQ(c.stall_cycles, 0u);
    EXPECT_EQ(c.shift_stall, 0);
    EXPECT_EQ(c.misses, 0u);
}

} // namespace
} // namespace smp
