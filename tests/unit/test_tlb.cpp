// Unit tests for the TLB (models/tlb/tlb.hpp), the page-table layout of an address space
// (models/memory/address_map.hpp) and the ghost TLB (models/ghost/ghost_tlb.hpp). Expected sets,
// victims and addresses are worked out by hand from the x86-64 layout in the comments.
#include "models/ghost/ghost_cache.hpp"
#include "models/ghost/ghost_tlb.hpp"
#include "models/memory/address_map.hpp"
#include "models/tlb/tlb.hpp"
#include "models/tlb/tlb_config.hpp"
#include "os/layout.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace smp {
namespace {

constexpr Addr kPage = 4096;

// --- the TLB -------------------------------------------------------------------------------------

TEST(Tlb, GeometryAndSetIndexIsThePageModuloTheSets) {
    Tlb t(64, 4);
    EXPECT_EQ(t.sets(), 16u);
    EXPECT_EQ(t.ways(), 4u);
    EXPECT_EQ(t.set_of(0), 0u);
    EXPECT_EQ(t.set_of(17), 1u);
    EXPECT_EQ(t.set_of(35), 3u);

    Tlb odd(48, 4); // 12 sets: not a power of two
    EXPECT_EQ(odd.sets(), 12u);
    EXPECT_EQ(odd.set_of(11), 11u);
    EXPECT_EQ(odd.set_of(12), 0u);
    EXPECT_EQ(odd.set_of(25), 1u);
    EXPECT_EQ(odd.set_of(0x123456789ull), std::uint32_t(0x123456789ull % 12));
    EXPECT_FALSE(odd.access(1, 25)); // set 1, not set 25 & 11 = 9
    EXPECT_TRUE(odd.contains(1, 25));
    EXPECT_EQ(odd.at(1, 0).vpage, 25u);

    Tlb full(32, 32); // one set
    EXPECT_EQ(full.set_of(0x12345), 0u);
}

TEST(Tlb, MissFillsThenHits) {
    Tlb t(8, 2);
    EXPECT_FALSE(t.access(1, 5));
    EXPECT_TRUE(t.contains(1, 5));
    EXPECT_TRUE(t.access(1, 5));
    EXPECT_FALSE(t.contains(2, 5)); // another address space's page 5 is another entry
    EXPECT_FALSE(t.access(2, 5));
    EXPECT_TRUE(t.access(1, 5));    // 2 ways: both fit in set 1
}

TEST(Tlb, LruVictimWithinOneSet) {
    Tlb t(8, 2); // 4 sets; pages 0, 4, 8 share set 0
    Tlb::Entry ev;
    EXPECT_FALSE(t.access(0, 0, &ev));
    EXPECT_FALSE(ev.valid()); // an invalid way was free
    EXPECT_FALSE(t.access(0, 4, &ev));
    EXPECT_FALSE(ev.valid());
    EXPECT_TRUE(t.access(0, 0));       // 0 is now the most recent; 4 the LRU
    EXPECT_FALSE(t.access(0, 8, &ev)); // evicts 4
    EXPECT_TRUE(ev.valid());
    EXPECT_EQ(ev.vpage, 4u);
    EXPECT_TRUE(t.contains(0, 0));
    EXPECT_FALSE(t.contains(0, 4));
    EXPECT_TRUE(t.contains(0, 1) == false && t.contains(0, 8));
    // The other sets are untouched by set 0's traffic.
    EXPECT_FALSE(t.access(0, 1));
    EXPECT_TRUE(t.contains(0, 0) && t.contains(0, 8));
}

TEST(Tlb, CyclicSweepLargerThanASetMissesEveryTime) {
    Tlb t(4, 4); // fully associative, 4 entries: a cycle of 5 pages never hits under LRU
    int hits = 0;
    for (int pass = 0; pass < 3; ++pass) {
        for (Addr p = 0; p < 5; ++p) hits += t.access(0, p);
    }
    EXPECT_EQ(hits, 0);
    Tlb u(4, 4); // ... and a cycle of 4 hits from the second pass on
    for (int pass = 0; pass < 3; ++pass) {
        for (Addr p = 0; p < 4; ++p) hits += u.access(0, p);
    }
    EXPECT_EQ(hits, 8);
}

TEST(Tlb, FlushEmptiesEverySet) {
    Tlb t(16, 4);
    for (Addr p = 0; p < 16; ++p) t.access(3, p);
    EXPECT_EQ(t.entries_of(3).size(), 16u);
    t.flush();
    EXPECT_TRUE(t.entries_of(3).empty());
    for (Addr p = 0; p < 16; ++p) EXPECT_FALSE(t.contains(3, p));
    EXPECT_FALSE(t.access(3, 0));
}

TEST(Tlb, EntriesOfOneSpaceInLruOrder) {
    Tlb t(16, 4);
    for (Addr p : {7, 2, 9}) t.access(1, p);
    t.access(2, 5);
    t.access(1, 2); // 2 becomes the most recent
    std::vector<Addr> order;
    for (const Tlb::Entry& e : t.entries_of(1)) order.push_back(e.vpage);
    EXPECT_EQ(order, (std::vector<Addr>{7, 9, 2}));
}

TEST(TlbConfig, ValidateNamesTheField) {
    TlbConfig c;
    EXPECT_NO_THROW(c.validate("tlb"));
    c.ways = 3; // does not divide 64
    try {
        c.validate("tlb");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.field(), "tlb.ways");
    }
    c = TlbConfig{};
    c.entries = 0;
    EXPECT_THROW(c.validate("tlb"), ConfigError);
    c = TlbConfig{};
    c.walk_levels = 5;
    try {
        c.validate("tlb");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.field(), "tlb.walk_levels");
    }
}

// --- page tables ---------------------------------------------------------------------------------

TEST(PageTable, EntriesOfConsecutivePagesShareAPteLineEightPerLine) {
    AddressSpace as(0, false, nullptr);
    const Addr base = 0x40000000; // 1 GiB: a 2 MiB-aligned region, PTE index 0 for its first page
    std::set<Addr> pte_lines, upper;
    for (Addr p = 0; p < 64; ++p) {
        const auto e = as.walk(base + p * kPage);
        pte_lines.insert(e[3] / 64);
        EXPECT_EQ(e[3] % 8, 0u);
        if (p > 0) { // adjacent entries
            EXPECT_EQ(e[3], as.walk(base + (p - 1) * kPage)[3] + 8);
        }
        for (int l = 0; l < 3; ++l) upper.insert(e[std::size_t(l)]);
    }
    EXPECT_EQ(pte_lines.size(), 64u / 8); // 8 entries of 8 bytes per 64-byte line
    EXPECT_EQ(upper.size(), 3u);          // one PML4E, PDPTE and PDE cover them all
}

TEST(PageTable, TheFourLevelsIndexTheirTablesByTheVirtualAddressBits) {
    AddressSpace as(2, false, nullptr);
    // PML4 index 1, PDPT index 2, PD index 3, PT index 4.
    const Addr va = (Addr(1) << 39) | (Addr(2) << 30) | (Addr(3) << 21) | (Addr(4) << 12) | 0x123;
    const auto e = as.walk(va);
    const Addr slice = kPageTableBase + 2 * kPageTableSpan;
    // First walk of the space: tables take frames 0..3 in level order.
    EXPECT_EQ(e[0], slice + 0 * kPage + 1 * 8);
    EXPECT_EQ(e[1], slice + 1 * kPage + 2 * 8);
    EXPECT_EQ(e[2], slice + 2 * kPage + 3 * 8);
    EXPECT_EQ(e[3], slice + 3 * kPage + 4 * 8);
    EXPECT_EQ(as.table_pages(), 4u);
    // A page in the next 2 MiB region needs a new PT only (frame 4); same PML4, PDPT and PD.
    const auto f = as.walk(va + (Addr(1) << 21));
    EXPECT_EQ(f[0], e[0]);
    EXPECT_EQ(f[1], e[1]);
    EXPECT_EQ(f[2], e[2] + 8);
    EXPECT_EQ(f[3], slice + 4 * kPage + 4 * 8);
    EXPECT_EQ(as.table_pages(), 5u);
    // Back to the first region: its tables are found again, nothing new.
    EXPECT_EQ(as.walk(va)[3], e[3]);
    EXPECT_EQ(as.table_pages(), 5u);
}

TEST(PageTable, DeterministicInFirstTouchOrder) {
    const std::vector<Addr> touches = {0x7fff0000, 0x1000, 0x40201000, 0x1000, 0x80000000};
    AddressSpace a(1, false, nullptr), b(1, false, nullptr);
    for (Addr va : touches) EXPECT_EQ(a.walk(va), b.walk(va));
    // Another space touching the same pages in the same order: the same offsets in its slice.
    AddressSpace c(5, false, nullptr);
    for (Addr va : touches) {
        const auto x = a.walk(va), y = c.walk(va);
        for (int l = 0; l < 4; ++l) {
            EXPECT_EQ(y[std::size_t(l)] - x[std::size_t(l)], 4 * kPageTableSpan);
        }
    }
}

TEST(PageTable, NeverCollidesWithUserDataKernelObjectsOrOtherSpaces) {
    FramePool pool(7);
    std::vector<std::unique_ptr<AddressSpace>> spaces;
    for (std::uint32_t asid = 0; asid < 3; ++asid) {
        spaces.push_back(std::make_unique<AddressSpace>(asid, asid == 2, &pool));
    }
    const std::vector<Addr> vas = {0, 0x1000, 0x20000000, 0x7ffffffff000, 0x40000000};
    std::set<Addr> table_pages;
    for (auto& as : spaces) {
        const Addr lo = kPageTableBase + as->asid() * kPageTableSpan;
        for (Addr va : vas) {
            for (Addr pte : as->walk(va)) {
                EXPECT_GE(pte, lo);
                EXPECT_LT(pte, lo + kPageTableSpan); // its own slice: no other space's
                table_pages.insert(pte / kPage);
            }
            const Addr user = as->translate(va); // contiguous or random frame
            EXPECT_TRUE(user < kPageTableBase || user >= Addr(1) << 47) << std::hex << user;
        }
    }
    // The kernel's objects (os/layout.hpp) end far below the page-table region.
    const os::KLayout k;
    EXPECT_GE(k.mm(1 << 20), k.kBase);
    EXPECT_LT(k.mm(1 << 20), kPageTableBase);
    EXPECT_LT(k.thread_info(1 << 20), kPageTableBase);
    // The region ends where the first contiguous user space begins.
    // (2^17 slices: every asid a contiguous user space at (asid + 1) << 47 can have.)
    EXPECT_EQ(kPageTableBase + (Addr(1) << 17) * kPageTableSpan, Addr(1) << 47);
}

// --- the ghost TLB -------------------------------------------------------------------------------

TEST(GhostTlb, CountsRealMissesOnLiveSourceEntriesOnce) {
    Tlb src(8, 8); // fully associative
    for (Addr p : {1, 2, 3}) src.access(4, p);
    src.access(9, 7); // another space's entry: not copied
    GhostTlb g(src, 4);
    EXPECT_EQ(g.footprint, 3u);
    const auto tr = [](Addr p, bool hit) { return TranslationRecord{4, p, hit, 50, 0}; };
    EXPECT_TRUE(g.translate(tr(2, false)));  // the source held it, the destination missed
    EXPECT_FALSE(g.translate(tr(2, false))); // no longer live
    EXPECT_FALSE(g.translate(tr(3, true)));  // the destination hit: nothing lost
    EXPECT_FALSE(g.translate(tr(5, false))); // never in the source
    EXPECT_EQ(g.live(), 1u);                 // page 1 left
}

TEST(GhostTlb, EvictionInLruOrderLosesTheOldestSourceEntryFirst) {
    Tlb src(2, 2);
    src.access(0, 10);
    src.access(0, 11); // 10 is the LRU
    GhostTlb g(src, 0);
    EXPECT_FALSE(g.translate(TranslationRecord{0, 12, false, 1, 0})); // evicts 10
    EXPECT_EQ(g.lost, 1u);
    EXPECT_FALSE(g.translate(TranslationRecord{0, 10, false, 1, 0})); // lost: would miss anyway
    EXPECT_TRUE(g.translate(TranslationRecord{0, 12, false, 1, 0}) == false);
    EXPECT_EQ(g.live(), 0u); // 11 was evicted by 10's refill
    EXPECT_EQ(g.lost, 2u);
}

TEST(GhostTlb, KeepsTheGhostOpenWhileItHasLiveEntries) {
    Tlb src(8, 8);
    src.access(3, 100);
    src.access(3, 101);
    const GhostCache::Source none[kNumGhostLevels] = {}; // no cache lines to follow
    const auto owned = [](const LineInfo&) { return true; };
    GhostCache without(none, owned, 0, 0);
    EXPECT_FALSE(without.open()); // nothing to lose
    GhostCache g(none, owned, 0, 0, {}, {}, TlbSource{&src, 3});
    ASSERT_TRUE(g.open());
    EXPECT_EQ(g.cost().tlb_footprint, 2u);
    EXPECT_TRUE(g.observe_translation(TranslationRecord{3, 100, false, 40, 10}));
    EXPECT_EQ(g.cost().tlb_cold_misses, 1u);
    EXPECT_EQ(g.cost().tlb_cold_walk_cycles, 40u);
    // The destination held 101 (its hit costs nothing): the last live entry is used, the ghost ends.
    EXPECT_FALSE(g.observe_translation(TranslationRecord{3, 101, true, 0, 20}));
    EXPECT_EQ(g.cost().ended, GhostEnd::NoLiveLines);
    EXPECT_EQ(g.cost().end, 20u);
    EXPECT_EQ(g.cost().tlb_cold_misses, 1u);
}

} // namespace
} // namespace smp
