// Unit tests for the set-associative tag store (models/cache/tag_array.hpp).
// Expected victims, hit/miss counts and orders are derived by hand in the comments.
#include "models/cache/tag_array.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <random>
#include <set>
#include <stdexcept>
#include <vector>

namespace smp {
namespace {

using mesi::State;

// Fills (set, way) with `line` the way a cache does: write the tag and state, then touch.
void fill(TagArray& t, std::uint64_t set, std::uint32_t way, Addr line,
          State state = State::E) {
    t.set_line(set, way, line);
    t.at(set, way).state = state;
    t.touch(set, way);
}

// Minimal cache driver: lookup via find; on a hit touch; on a miss pick a victim, fill, touch.
struct Driver {
    explicit Driver(TagArray& tags) : t(tags) {}

    bool access(Addr line) {
        const std::uint64_t set = line % t.sets(); // computed independently of set_of()
        const int way = t.find(line);
        if (way >= 0) {
            t.touch(set, static_cast<std::uint32_t>(way));
            ++hits;
            return true;
        }
        const std::uint32_t v = t.victim(set);
        EXPECT_LT(v, t.ways());
        fill(t, set, v, line);
        ++misses;
        return false;
    }

    TagArray& t;
    int hits = 0;
    int misses = 0;
};

// ---- Indexing and lookup -----------------------------------------------------------------

TEST(TagArray, GeometryAndSetIndexIsLowLineBits) {
    TagArray t(16, 2, Replacement::Lru, 1);
    EXPECT_EQ(t.sets(), 16u);
    EXPECT_EQ(t.ways(), 2u);
    EXPECT_EQ(t.set_of(0), 0u);
    EXPECT_EQ(t.set_of(5), 5u);
    EXPECT_EQ(t.set_of(15), 15u);
    EXPECT_EQ(t.set_of(16), 0u);
    EXPECT_EQ(t.set_of(0x123), 0x3u);
    EXPECT_EQ(t.set_of(0xABCDEF), 0xFu);
    EXPECT_EQ(t.set_of(0xFFFFFFFFFFFFFFF7ull), 7u);

    TagArray dm(1, 4, Replacement::Lru, 1); // fully associative: everything in set 0
    EXPECT_EQ(dm.set_of(0x12345), 0u);
}

TEST(TagArray, EmptyArrayFindsNothingNotEvenLineZero) {
    TagArray t(8, 4, Replacement::Lru, 1);
    EXPECT_EQ(t.count_valid(), 0u);
    for (Addr line : {Addr(0), Addr(1), Addr(8), Addr(0x1000)}) EXPECT_EQ(t.find(line), -1);
    for (std::uint64_t s = 0; s < 8; ++s) {
        for (std::uint32_t w = 0; w < 4; ++w) {
            EXPECT_FALSE(t.at(s, w).valid());
            EXPECT_EQ(t.at(s, w).state, State::I);
        }
    }
}

TEST(TagArray, FindHitsAfterFillAndMissesOtherwise) {
    TagArray t(16, 2, Replacement::Lru, 1);
    // 0x35 lives in set 5; fill it into way 1.
    fill(t, 5, 1, 0x35);
    EXPECT_EQ(t.find(0x35), 1);
    EXPECT_EQ(t.find(0x25), -1); // same set, different tag
    EXPECT_EQ(t.find(0x36), -1); // different set
    EXPECT_EQ(t.count_valid(), 1u);

    fill(t, 5, 0, 0x25, State::S);
    EXPECT_EQ(t.find(0x25), 0);
    EXPECT_EQ(t.find(0x35), 1);
    fill(t, 6, 0, 0x36, State::M);
    EXPECT_EQ(t.find(0x36), 0);
    EXPECT_EQ(t.count_valid(), 3u);

    // A line written into the wrong set is not found by find (it looks only in set_of(line)).
    fill(t, 7, 0, 0x38);
    EXPECT_EQ(t.find(0x38), -1);

    // Invalidating makes the tag invisible even though the address is still stored.
    t.at(5, 1).state = State::I;
    EXPECT_EQ(t.find(0x35), -1);
    EXPECT_EQ(t.count_valid(), 3u);
    const TagArray& ct = t;
    EXPECT_EQ(ct.line_at(6, 0), 0x36u);
    EXPECT_EQ(ct.at(6, 0).state, State::M);
}

TEST(TagArray, VictimPrefersLowestInvalidWayForEveryPolicy) {
    for (Replacement p : {Replacement::Lru, Replacement::Plru, Replacement::Random}) {
        TagArray t(4, 4, p, 7);
        const std::uint64_t set = 2;
        for (std::uint32_t w = 0; w < 4; ++w) {
            ASSERT_EQ(t.victim(set), w) << "policy " << static_cast<int>(p);
            fill(t, set, w, 4 * (w + 1) + set);
        }
        EXPECT_EQ(t.count_valid(), 4u);
        // Invalidate ways 3 and 1: the lowest invalid way, 1, comes first, whatever the policy.
        t.at(set, 3).state = State::I;
        t.at(set, 1).state = State::I;
        EXPECT_EQ(t.victim(set), 1u) << "policy " << static_cast<int>(p);
        fill(t, set, 1, 0x41 * 4 + set);
        EXPECT_EQ(t.victim(set), 3u) << "policy " << static_cast<int>(p);
        // Other sets are untouched and still empty.
        EXPECT_EQ(t.victim(0), 0u);
        EXPECT_EQ(t.victim(3), 0u);
    }
}

TEST(TagArray, ParseReplacement) {
    EXPECT_EQ(parse_replacement("lru"), Replacement::Lru);
    EXPECT_EQ(parse_replacement("plru"), Replacement::Plru);
    EXPECT_EQ(parse_replacement("random"), Replacement::Random);
    EXPECT_THROW(parse_replacement("fifo"), std::invalid_argument);
    EXPECT_THROW(parse_replacement(""), std::invalid_argument);
}

// ---- LRU ---------------------------------------------------------------------------------

TEST(TagArrayLru, VictimIsLeastRecentlyUsedAndOrderIsMostToLeast) {
    TagArray t(2, 4, Replacement::Lru, 1);
    for (std::uint32_t w = 0; w < 4; ++w) fill(t, 0, w, 2 * w); // recency: 3 2 1 0
    EXPECT_EQ(t.lru_order(0), (std::vector<std::uint32_t>{3, 2, 1, 0}));
    EXPECT_EQ(t.victim(0), 0u);

    t.touch(0, 2); // 2 3 1 0
    t.touch(0, 0); // 0 2 3 1
    t.touch(0, 3); // 3 0 2 1
    EXPECT_EQ(t.lru_order(0), (std::vector<std::uint32_t>{3, 0, 2, 1}));
    EXPECT_EQ(t.victim(0), 1u);

    t.touch(0, 1); // 1 3 0 2
    EXPECT_EQ(t.lru_order(0), (std::vector<std::uint32_t>{1, 3, 0, 2}));
    EXPECT_EQ(t.victim(0), 2u);

    // Activity in set 1 does not change set 0's order.
    for (std::uint32_t w = 0; w < 4; ++w) fill(t, 1, w, 2 * w + 1);
    t.touch(1, 0);
    EXPECT_EQ(t.lru_order(0), (std::vector<std::uint32_t>{1, 3, 0, 2}));
    EXPECT_EQ(t.victim(0), 2u);
    EXPECT_EQ(t.lru_order(1), (std::vector<std::uint32_t>{0, 3, 2, 1}));
    EXPECT_EQ(t.victim(1), 1u);
}

TEST(TagArrayLru, HandTracedReferenceString) {
    // One 4-way set; a..e are distinct lines. Trace (MRU first):
    //   a M [a]        b M [b a]      c M [c b a]    d M [d c b a]  a H [a d c b]
    //   e M -b [e a d c]  b M -c [b e a d]  a H [a b e d]  c M -d [c a b e]  d M -e [d c a b]
    TagArray t(1, 4, Replacement::Lru, 1);
    Driver d(t);
    const Addr a = 10, b = 20, c = 30, dd = 40, e = 50;
    const Addr seq[] = {a, b, c, dd, a, e, b, a, c, dd};
    const bool expect_hit[] = {false, false, false, false, true, false, false, true, false, false};
    for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(d.access(seq[i]), expect_hit[i]) << "i=" << i;
    EXPECT_EQ(d.misses, 8);
    EXPECT_EQ(d.hits, 2);
    EXPECT_EQ(t.find(e), -1);
    std::vector<Addr> mru_to_lru;
    for (std::uint32_t w : t.lru_order(0))
        mru_to_lru.push_back(t.line_at(0, w));
    EXPECT_EQ(mru_to_lru, (std::vector<Addr>{dd, c, a, b}));
}

TEST(TagArrayLru, CyclicPatternOfWaysPlusOneMissesEveryTime) {
    // Direct-mapped, 8 sets: lines 3 and 11 both map to set 3 and evict each other.
    {
        TagArray t(8, 1, Replacement::Lru, 1);
        Driver d(t);
        for (int i = 0; i < 1000; ++i) d.access(i % 2 == 0 ? 3 : 11);
        EXPECT_EQ(d.misses, 1000);
        EXPECT_EQ(d.hits, 0);
    }
    // 4-way, 16 sets: 5 lines of set 7 (7, 23, 39, 55, 71) cycled 200 times: 1000 misses.
    {
        TagArray t(16, 4, Replacement::Lru, 1);
        Driver d(t);
        for (int i = 0; i < 1000; ++i) d.access(7 + 16 * static_cast<Addr>(i % 5));
        EXPECT_EQ(d.misses, 1000);
        EXPECT_EQ(d.hits, 0);
        EXPECT_EQ(t.count_valid(), 4u);
    }
    // Control: a cycle of exactly `ways` lines only takes the 4 compulsory misses.
    {
        TagArray t(16, 4, Replacement::Lru, 1);
        Driver d(t);
        for (int i = 0; i < 1000; ++i) d.access(7 + 16 * static_cast<Addr>(i % 4));
        EXPECT_EQ(d.misses, 4);
        EXPECT_EQ(d.hits, 996);
    }
    // Control: in a direct-mapped array, lines in different sets do not conflict.
    {
        TagArray t(8, 1, Replacement::Lru, 1);
        Driver d(t);
        for (int i = 0; i < 1000; ++i) d.access(i % 8);
        EXPECT_EQ(d.misses, 8);
    }
}

// find() and victim() have unrolled forms for 8 and 16 ways and a loop for the others: each
// form skips invalid ways that still hold a tag, finds a line past such a stale copy of its own
// tag, and fills the lowest invalid way first.
TEST(TagArray, EveryAssociativityFindsOnlyValidWaysAndFillsTheLowestInvalidOne) {
    for (std::uint32_t ways : {1u, 3u, 7u, 8u, 9u, 16u, 17u}) {
        SCOPED_TRACE(ways);
        const std::uint64_t sets = 4, set = 3;
        TagArray t(sets, ways, Replacement::Lru, 1);
        auto line_of = [&](std::uint32_t w) { return Addr(100 + w) * sets + set; };
        for (std::uint32_t w = 0; w < ways; ++w) {
            ASSERT_EQ(t.victim(set), w);
            fill(t, set, w, line_of(w));
        }
        for (std::uint32_t w = 0; w < ways; ++w) ASSERT_EQ(t.find(line_of(w)), int(w));
        EXPECT_EQ(t.find(line_of(ways)), -1); // never filled
        // The middle and the last way invalidated: their tags stay, unseen, and the lower of
        // the two is filled first.
        const std::uint32_t last = ways - 1, mid = ways / 2;
        t.at(set, last).state = State::I;
        t.at(set, mid).state = State::I;
        EXPECT_EQ(t.find(line_of(last)), -1);
        EXPECT_EQ(t.find(line_of(mid)), -1);
        EXPECT_EQ(t.victim(set), mid);
        if (mid < last) {
            // The middle way's line put back in the last way: found there, past its stale tag.
            fill(t, set, last, line_of(mid));
            EXPECT_EQ(t.find(line_of(mid)), int(last));
            EXPECT_EQ(t.victim(set), mid);
        }
    }
}

// find_hinted() tries first the way a line was last found or filled in (a hint per line address,
// its low bits, 8 bits wide). Lines sharing a hint, lines moved to another way, ways invalidated
// under their hint and ways past 255 must not change its answers: each is checked against a
// search of every way through the public accessors, over random fills, invalidations and lookups.
TEST(TagArray, HintedFindAnswersTheSameWhicheverWayItTriesFirst) {
    for (std::uint32_t ways : {2u, 8u, 300u}) {
        SCOPED_TRACE(ways);
        const std::uint64_t sets = 2;
        TagArray t(sets, ways, Replacement::Lru, 1);
        std::mt19937 rng(7u + ways);
        // 4 * ways lines per set: hints of 2 * ways rounded up entries are shared by several.
        std::uniform_int_distribution<Addr> pick_line(0, sets * 4 * ways - 1);
        std::uniform_int_distribution<std::uint32_t> pick_way(0, ways - 1), pick_op(0, 3);
        auto search = [&](Addr line) {
            const std::uint64_t set = line % sets;
            for (std::uint32_t w = 0; w < ways; ++w)
                if (t.line_at(set, w) == line && t.at(set, w).valid()) return int(w);
            return -1;
        };
        int found = 0, moved = 0;
        for (int i = 0; i < 20000; ++i) {
            const Addr line = pick_line(rng);
            const std::uint64_t set = line % sets;
            const std::uint32_t way = pick_way(rng);
            const std::uint32_t op = pick_op(rng);
            if (op == 0) { // fill `line` into `way`, leaving the way it was in, as a cache would
                const int was = search(line);
                if (was >= 0) t.at(set, std::uint32_t(was)).state = State::I;
                moved += was >= 0 && std::uint32_t(was) != way;
                fill(t, set, way, line);
            } else if (op == 1) { // invalidate a way; its tag stays
                t.at(set, way).state = State::I;
            } else {
                const int want = search(line);
                ASSERT_EQ(t.find_hinted(line), want) << "lookup " << i << " of line " << line;
                ASSERT_EQ(t.find(line), want);
                found += want >= 0;
            }
        }
        EXPECT_GT(found, 500); // the lookups did find lines, and lines did move
        EXPECT_GT(moved, 100);
    }
}

// Reference: per set, a list of lines from MRU to LRU, capacity `ways`. Up to 16 ways the
// order is kept packed in one word per set, beyond that as a stamp per line: both must match it.
void check_against_reference_lru(std::uint32_t ways) {
    SCOPED_TRACE(ways);
    const std::uint64_t sets = 4;
    TagArray t(sets, ways, Replacement::Lru, 1);
    Driver d(t);
    std::vector<std::deque<Addr>> ref(sets);
    std::mt19937 rng(12345u + ways);
    std::uniform_int_distribution<Addr> pick(0, sets * 2 * ways - 1); // 2 * ways lines per set
    int ref_misses = 0;
    for (int i = 0; i < 20000; ++i) {
        const Addr line = pick(rng);
        auto& lst = ref[line % sets];
        auto it = std::find(lst.begin(), lst.end(), line);
        const bool ref_hit = it != lst.end();
        if (ref_hit) lst.erase(it);
        else {
            ++ref_misses;
            if (lst.size() == ways) lst.pop_back();
        }
        lst.push_front(line);
        ASSERT_EQ(d.access(line), ref_hit) << "access " << i;
        std::vector<Addr> got;
        for (std::uint32_t w : t.lru_order(line % sets)) {
            if (t.at(line % sets, w).valid()) got.push_back(t.line_at(line % sets, w));
        }
        ASSERT_EQ(got, std::vector<Addr>(lst.begin(), lst.end())) << "access " << i;
    }
    EXPECT_EQ(d.misses, ref_misses);
}

TEST(TagArrayLru, MatchesAReferenceLruListOnRandomAccesses) {
    for (std::uint32_t ways : {1u, 2u, 3u, 4u, 8u, 15u, 16u, 17u, 32u}) {
        check_against_reference_lru(ways);
    }
}

TEST(TagArrayLru, NeverTouchedWaysAreTheLeastRecentInIndexOrder) {
    // Valid lines that were never touched: way 0 is the victim, then 1 once 0 is touched.
    for (std::uint32_t ways : {4u, 16u, 17u}) {
        SCOPED_TRACE(ways);
        TagArray t(1, ways, Replacement::Lru, 1);
        for (std::uint32_t w = 0; w < ways; ++w) {
            t.set_line(0, w, 100 + w);
            t.at(0, w).state = State::S;
        }
        EXPECT_EQ(t.victim(0), 0u);
        t.touch(0, 0);
        EXPECT_EQ(t.victim(0), 1u);
        t.touch(0, 2);
        EXPECT_EQ(t.victim(0), 1u);
        t.touch(0, 1);
        EXPECT_EQ(t.victim(0), 3u);
    }
}

TEST(TagArrayLru, InvalidatedWaysAreFilledFirstLowestIndexFirst) {
    // 16 ways (packed order) and 17 (stamps): after every way is filled and used, invalidating
    // ways 9 and 5 makes 5 the victim, then 9, then the least recently used again.
    for (std::uint32_t ways : {16u, 17u}) {
        SCOPED_TRACE(ways);
        TagArray t(1, ways, Replacement::Lru, 1);
        for (std::uint32_t w = 0; w < ways; ++w)
            fill(t, 0, w, 100 + w);
        t.touch(0, 0); // way 1 is now the least recently used
        EXPECT_EQ(t.victim(0), 1u);
        t.at(0, 9).state = State::I;
        t.at(0, 5).state = State::I;
        EXPECT_EQ(t.victim(0), 5u);
        fill(t, 0, 5, 500);
        EXPECT_EQ(t.victim(0), 9u);
        fill(t, 0, 9, 900);
        EXPECT_EQ(t.victim(0), 1u);
    }
}

// ---- Tree-PLRU ---------------------------------------------------------------------------

// 4 ways: root bit chooses {0,1} vs {2,3}; one bit per pair. Bits point to the victim side;
// touching a way makes every bit on its path point away from it.
TEST(TagArrayPlru, FourWayHandDerivedVictims) {
    TagArray t(1, 4, Replacement::Plru, 1);
    // Fill 0,1,2,3 (each fill touches): root->left, pair01->0, pair23->2.
    for (std::uint32_t w = 0; w < 4; ++w) fill(t, 0, w, 100 + w);
    EXPECT_EQ(t.victim(0), 0u);
    t.touch(0, 0); // root->right, pair01->1; right pair still ->2
    EXPECT_EQ(t.victim(0), 2u);
    t.touch(0, 2); // root->left, pair23->3; left pair ->1
    EXPECT_EQ(t.victim(0), 1u);
    t.touch(0, 1); // root->right, pair01->0; right pair ->3
    EXPECT_EQ(t.victim(0), 3u);
    t.touch(0, 3); // root->left, pair23->2; left pair ->0
    EXPECT_EQ(t.victim(0), 0u);
    // victim() does not change the state: asking twice gives the same answer.
    EXPECT_EQ(t.victim(0), 0u);
}

TEST(TagArrayPlru, FourWayDiffersFromTrueLru) {
    // Fill 0,1,2,3 then touch 2,3,0. True LRU order (MRU first): 0 3 2 1 -> LRU victim 1.
    // PLRU: touch 2: root->left, pair23->3; touch 3: root->left, pair23->2;
    //       touch 0: root->right, pair01->1.  Victim: right, then pair23 -> 2.
    TagArray plru(1, 4, Replacement::Plru, 1);
    TagArray lru(1, 4, Replacement::Lru, 1);
    for (TagArray* t : {&plru, &lru}) {
        for (std::uint32_t w = 0; w < 4; ++w) fill(*t, 0, w, 100 + w);
        for (std::uint32_t w : {2u, 3u, 0u}) t->touch(0, w);
    }
    EXPECT_EQ(plru.victim(0), 2u);
    EXPECT_EQ(lru.victim(0), 1u);
}

TEST(TagArrayPlru, FourWayReplacementThroughTheDriver) {
    // Lines 0..3 fill ways 0..3 of set 0 (1 set). Then: access 0 (hit), 4 (miss).
    // After fills: root->left, pair01->0, pair23->2. Hit on 0: root->right, pair01->1.
    // Miss on 4 -> victim 2 (line 2 evicted); touch 2: root->left, pair23->3.
    // Miss on 5 -> victim 1 (line 1 evicted); touch 1: root->right, pair01->0.
    // Miss on 6 -> victim 3 (line 3 evicted).
    TagArray t(1, 4, Replacement::Plru, 1);
    Driver d(t);
    for (Addr l = 0; l < 4; ++l) d.access(l);
    EXPECT_TRUE(d.access(0));
    EXPECT_FALSE(d.access(4));
    EXPECT_EQ(t.find(2), -1);
    EXPECT_EQ(t.find(4), 2);
    EXPECT_FALSE(d.access(5));
    EXPECT_EQ(t.find(1), -1);
    EXPECT_EQ(t.find(5), 1);
    EXPECT_FALSE(d.access(6));
    EXPECT_EQ(t.find(3), -1);
    EXPECT_EQ(t.find(6), 3);
    EXPECT_EQ(t.find(0), 0);
    EXPECT_EQ(d.misses, 7);
    EXPECT_EQ(d.hits, 1);
}

TEST(TagArrayPlru, EightWayVictimAvoidsRecentlyTouchedWays) {
    // Properties of tree-PLRU that hold for any history once the set is full:
    //  - the victim is never the most recently touched way, and lies in the other root half
    //    (the root bit points away from the last access);
    //  - more generally the log2(ways) = 3 most recently touched distinct ways are never the
    //    victim (each level of the victim path points away from the most recent of them
    //    inside its subtree, so one is excluded per level).
    const std::uint64_t sets = 4;
    TagArray t(sets, 8, Replacement::Plru, 1);
    for (std::uint64_t s = 0; s < sets; ++s) {
        for (std::uint32_t w = 0; w < 8; ++w) fill(t, s, w, 1000 + 8 * s + w);
    }
    std::mt19937 rng(777u);
    std::uniform_int_distribution<std::uint32_t> pick_way(0, 7);
    std::uniform_int_distribution<std::uint64_t> pick_set(0, sets - 1);
    std::vector<std::vector<std::uint32_t>> recent(sets); // most recent first, distinct
    std::set<std::uint32_t> victims_seen;
    for (int i = 0; i < 20000; ++i) {
        const std::uint64_t s = pick_set(rng);
        const std::uint32_t w = pick_way(rng);
        t.touch(s, w);
        auto& r = recent[s];
        r.erase(std::remove(r.begin(), r.end(), w), r.end());
        r.insert(r.begin(), w);
        const std::uint32_t v = t.victim(s);
        ASSERT_LT(v, 8u);
        ASSERT_NE(v, w) << "step " << i;
        ASSERT_NE(v / 4, w / 4) << "step " << i << ": victim in the same half as the MRU way";
        for (std::size_t k = 0; k < std::min<std::size_t>(3, r.size()); ++k) {
            ASSERT_NE(v, r[k]) << "step " << i << ": victim among the 3 most recent ways";
        }
        victims_seen.insert(v);
    }
    EXPECT_EQ(victims_seen.size(), 8u); // every way gets victimised at some point
}

TEST(TagArrayPlru, TwoWayEqualsLru) {
    TagArray plru(2, 2, Replacement::Plru, 1);
    TagArray lru(2, 2, Replacement::Lru, 1);
    for (TagArray* t : {&plru, &lru}) {
        for (std::uint64_t s = 0; s < 2; ++s) {
            fill(*t, s, 0, 10 + s);
            fill(*t, s, 1, 20 + s);
        }
    }
    std::mt19937 rng(99u);
    std::uniform_int_distribution<std::uint32_t> pick(0, 3);
    for (int i = 0; i < 5000; ++i) {
        const std::uint32_t r = pick(rng);
        const std::uint64_t s = r / 2;
        const std::uint32_t w = r % 2;
        plru.touch(s, w);
        lru.touch(s, w);
        ASSERT_EQ(plru.victim(s), lru.victim(s)) << "step " << i;
        ASSERT_EQ(plru.victim(s), 1 - w) << "step " << i; // with two ways: the other one
    }
}

TEST(TagArrayPlru, DirectMappedAlwaysVictimisesWayZero) {
    TagArray t(4, 1, Replacement::Plru, 1);
    Driver d(t);
    for (int i = 0; i < 100; ++i) d.access(i % 2 == 0 ? 1 : 5); // both map to set 1
    EXPECT_EQ(d.misses, 100);
    EXPECT_EQ(t.victim(1), 0u);
}

// ---- Random ------------------------------------------------------------------------------

std::vector<std::uint32_t> random_victims(std::uint64_t seed, std::uint32_t ways, int n) {
    TagArray t(2, ways, Replacement::Random, seed);
    for (std::uint32_t w = 0; w < ways; ++w) fill(t, 1, w, 2 * w + 1);
    std::vector<std::uint32_t> out;
    for (int i = 0; i < n; ++i) out.push_back(t.victim(1));
    return out;
}

TEST(TagArrayRandom, VictimsStayInRangeAndCoverAllWays) {
    for (std::uint32_t ways : {2u, 4u, 5u, 8u, 16u}) {
        const auto v = random_victims(3, ways, 2000);
        std::vector<int> hist(ways, 0);
        for (std::uint32_t x : v) {
            ASSERT_LT(x, ways);
            ++hist[x];
        }
        for (std::uint32_t w = 0; w < ways; ++w) {
            EXPECT_GT(hist[w], 0) << "way " << w << " of " << ways << " never chosen";
        }
    }
}

TEST(TagArrayRandom, DeterministicForTheSameSeed) {
    for (std::uint64_t seed : {0ull, 1ull, 42ull, 0xDEADBEEFull}) {
        EXPECT_EQ(random_victims(seed, 8, 1000), random_victims(seed, 8, 1000)) << seed;
    }
}

TEST(TagArrayRandom, DifferentSeedsGiveDifferentSequences) {
    const auto a = random_victims(1, 8, 1000);
    const auto b = random_victims(2, 8, 1000);
    const auto c = random_victims(3, 8, 1000);
    EXPECT_NE(a, b);
    EXPECT_NE(a, c);
    EXPECT_NE(b, c);
    // Not merely shifted copies of each other either: many positions differ.
    int diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff += a[i] != b[i] ? 1 : 0;
    EXPECT_GT(diff, 500);
}

TEST(TagArrayRandom, DriverNeverLosesTrackOfContents) {
    // Whatever the victims, the set never holds more than `ways` lines, lines are unique,
    // and a just-accessed line is always found.
    TagArray t(4, 4, Replacement::Random, 5);
    Driver d(t);
    std::mt19937 rng(31u);
    std::uniform_int_distribution<Addr> pick(0, 63);
    for (int i = 0; i < 10000; ++i) {
        const Addr line = pick(rng);
        d.access(line);
        ASSERT_GE(t.find(line), 0);
        const std::uint64_t s = line % 4;
        std::set<Addr> lines;
        for (std::uint32_t w = 0; w < 4; ++w) {
            if (t.at(s, w).valid()) {
                ASSERT_TRUE(lines.insert(t.line_at(s, w)).second);
            }
        }
    }
    EXPECT_EQ(t.count_valid(), 16u);
    EXPECT_EQ(d.hits + d.misses, 10000);
}

} // namespace
} // namespace smp
