// TLB misses walk the page table through the data caches: the walk's latency, its accounting
// apart from the task's own accesses, and the flush on a switch of address space.
//
// Expected numbers are computed by hand from model_fixture.hpp and the page-table layout of
// models/memory/address_map.hpp: the first walk of a space puts its PML4, PDPT, PD and PT in
// frames 0..3 of the space's slice; an entry with index i sits at byte 8 i of its table page.
#include "model_fixture.hpp"

#include <vector>

namespace smp::test {
namespace {

constexpr Cycle kL1Hit = kL1;                               // 3
constexpr Cycle kMemory = kL1 + kL2 + kSnoop + kLlc + kMem; // 148
constexpr Cycle kMiss = 7;                                  // tlb.miss_cycles

// PML4 index 8, PDPT 16, PD 24, PT 32: entries at byte 64, 128, 192, 256 of their tables, so the
// four lines fall in L1D sets 1, 2, 3 and 4; the data (page offset 0x400) in set 16.
constexpr Addr kVa = (Addr(8) << 39) | (Addr(16) << 30) | (Addr(24) << 21) | (Addr(32) << 12) | 0x400;

SystemConfig tlb_config(bool enabled) {
    SystemConfig c = reference_config();
    c.tlb.enabled = enabled;
    c.tlb.entries = 64;
    c.tlb.ways = 4;
    c.tlb.walk_levels = 4;
    c.tlb.miss_cycles = static_cast<std::int64_t>(kMiss);
    return c;
}

// One task in address space 0 on CPU 0 loads each address in turn; the loads' latencies.
std::vector<Cycle> loads(System& sys, TaskCounters& tc, const std::vector<Addr>& vaddrs) {
    AddressSpace as(0, false, nullptr);
    Core& c0 = sys.core(0);
    c0.set_context(0, &as, &tc);
    std::vector<Cycle> lat;
    sc_core::sc_spawn([&] {
        for (Addr va : vaddrs) lat.push_back(timed(c0, OpKind::Load, va));
    });
    sc_core::sc_start();
    return lat;
}

TEST(TlbWalk, MissWalksFourLevelsThroughTheCachesThenHits) {
    System sys(tlb_config(true));
    TaskCounters tc;
    // [0] cold walk, cold data; [1] TLB hit, L1 hit; [2] PT index 33: same PTE line;
    // [3] PT index 40: next PTE line.
    const std::vector<Cycle> lat = loads(sys, tc, {kVa, kVa, kVa + 4096, kVa + 8 * 4096});

    const Cycle walk0 = kMiss + 4 * kMemory;            // every level from memory
    const Cycle walk2 = kMiss + 4 * kL1Hit;             // every line in the L1D now
    const Cycle walk3 = kMiss + 3 * kL1Hit + kMemory;   // a new PTE line
    const std::vector<Cycle> expected = {walk0 + kMemory, kL1Hit, walk2 + kMemory,
                                         walk3 + kMemory};
    EXPECT_EQ(lat, expected);

    EXPECT_EQ(stat(sys, "system.cpu0.tlb.hits"), 1u);
    EXPECT_EQ(stat(sys, "system.cpu0.tlb.misses"), 3u);
    EXPECT_EQ(stat(sys, "system.cpu0.tlb.walk_cycles"), walk0 + walk2 + walk3);
    EXPECT_EQ(stat(sys, "system.cpu0.walk_accesses"), 12u);
    EXPECT_EQ(stat(sys, "system.cpu0.accesses"), 4u + 12u);
    EXPECT_EQ(stat(sys, "system.cpu0.l1d.accesses"), 4u + 12u);
    // The task's own counters hold its 4 accesses only, and its walks apart.
    EXPECT_EQ(tc.accesses, 4u);
    EXPECT_EQ(tc.l1_misses, 3u);
    EXPECT_EQ(tc.stall_cycles, 3 * (kMemory - kL1));
    EXPECT_EQ(tc.tlb_misses, 3u);
    EXPECT_EQ(tc.walk_cycles, walk0 + walk2 + walk3);
}

TEST(TlbWalk, DisabledTranslatesForFree) {
    System sys(tlb_config(false));
    TaskCounters tc;
    EXPECT_EQ(loads(sys, tc, {kVa, kVa + 8 * 4096}), (std::vector<Cycle>{kMemory, kMemory}));
    EXPECT_EQ(stat(sys, "system.cpu0.tlb.misses"), 0u);
    EXPECT_EQ(stat(sys, "system.cpu0.walk_accesses"), 0u);
    EXPECT_EQ(tc.tlb_misses, 0u);
}

TEST(TlbWalk, AnotherAddressSpaceFlushesAKernelThreadDoesNot) {
    System sys(tlb_config(true));
    AddressSpace a(0, false, nullptr), b(1, false, nullptr);
    Core& c0 = sys.core(0);
    std::vector<Cycle> lat;
    sc_core::sc_spawn([&] {
        c0.set_context(0, &a, nullptr);
        timed(c0, OpKind::Load, kVa);                // fills the TLB (first load: no flush)
        c0.set_context(5, nullptr, nullptr);         // a kernel thread: lazy, keeps a's TLB
        c0.set_context(0, &a, nullptr);
        lat.push_back(timed(c0, OpKind::Load, kVa)); // [0] still a TLB hit
        c0.set_context(1, &b, nullptr);              // flush 1
        c0.set_context(0, &a, nullptr);              // flush 2
        lat.push_back(timed(c0, OpKind::Load, kVa)); // [1] walk again, every line in the L1D
    });
    sc_core::sc_start();
    EXPECT_EQ(lat, (std::vector<Cycle>{kL1Hit, kMiss + 4 * kL1Hit + kL1Hit}));
    EXPECT_EQ(stat(sys, "system.cpu0.tlb.flushes"), 2u);
    EXPECT_EQ(stat(sys, "system.cpu0.tlb.misses"), 2u);
}

} // namespace
} // namespace smp::test
