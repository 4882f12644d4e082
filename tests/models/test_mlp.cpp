// Memory-level parallelism and the store buffer (core.mlp, core.store_buffer).
//
// A core with mlp = m leaves up to m load misses in flight: it goes on once the lookups on the way
// have found the miss (a memory miss synchronises with the bus after L1 + L2, 13 cycles), and
// waits only when every MSHR is busy. The expected times below come from a small recurrence
// written out here from the reference machine's constants: miss i issues at
//   t_i = max(t_{i-1} + 13, c_{i-m})          (the previous issue, and the m-th older completion)
// reaches memory at t_i + 13 + snoop 5 + LLC 30, waits for the channel (one line per `transfer`
// cycles), and its data is back at c_i = start_i + 100.
#include "model_fixture.hpp"

#include <algorithm>
#include <vector>

namespace smp::test {
namespace {

constexpr Cycle kToBus = kL1 + kL2;                 // 13: where a memory miss is found
constexpr Cycle kToMemory = kToBus + kSnoop + kLlc; // 48: the request reaches the controller
constexpr Cycle kMemory = kToMemory + kMem;         // 148: a blocking miss

// Lines 4 KiB + 64 B apart, in a shuffled order: every access is a cold miss to memory, no two
// share a set of the L1 (32 sets) more than N / 32 times, and no line repeats.
std::vector<Addr> cold_lines(unsigned n) {
    std::vector<Addr> v;
    for (unsigned i = 0; i < n; ++i)
        v.push_back(0x100000 + Addr(i) * (4096 + 64));
    for (unsigned i = 0; i < n; ++i)
        std::swap(v[i], v[(i * 7919u + 13u) % n]); // fixed shuffle
    return v;
}

// The recurrence above: the cycle the last miss's data arrives, from the first issue.
Cycle expected_reload(unsigned n, unsigned m, Cycle transfer) {
    std::vector<Cycle> t(n), c(n);
    Cycle channel_free = 0;
    for (unsigned i = 0; i < n; ++i) {
        t[i] = i == 0 ? 0 : t[i - 1] + kToBus;
        if (i >= m) t[i] = std::max(t[i], c[i - m]);
        const Cycle arrive = t[i] + kToMemory;
        const Cycle start = std::max(arrive, channel_free);
        channel_free = start + transfer;
        c[i] = start + kMem;
    }
    return c[n - 1];
}

struct Reload {
    Cycle cycles = 0;
    Counter waited = 0;
};

// n independent (or dependent) loads of cold lines on core 0, then a fence; the elapsed cycles.
Reload reload(unsigned mlp, unsigned n, double bandwidth_gbps = 64.0, bool dep = false,
              OpKind kind = OpKind::Load, unsigned store_buffer = 0) {
    SystemConfig cfg = reference_config();
    cfg.core.mlp = mlp;
    cfg.core.store_buffer = store_buffer;
    cfg.memory.bandwidth_gbps = bandwidth_gbps;
    System sys(cfg);
    AddressSpace as(0, false, nullptr);
    TaskCounters tc;
    Core& c0 = sys.core(0);
    c0.set_context(0, &as, &tc);
    Reload r;
    const auto lines = cold_lines(n);
    sc_core::sc_spawn([&] {
        const Cycle t0 = c0.local_cycle();
        for (Addr a : lines)
            c0.access(kind, a, 8, dep);
        c0.fence();
        r.cycles = c0.local_cycle() - t0;
    });
    sc_core::sc_start();
    EXPECT_EQ(tc.served[static_cast<int>(ServedBy::Memory)], n) << "every line from memory";
    r.waited = c0.stats.stall_cycles;
    return r;
}

constexpr unsigned kN = 256;

TEST(Mlp, BlockingCoreWaitsForEveryMiss) {
    const Reload r = reload(1, kN);
    EXPECT_EQ(r.cycles, kN * kMemory);
    EXPECT_EQ(r.cycles, expected_reload(kN, 1, 1));
    EXPECT_EQ(r.waited, kN * (kMemory - kL1));
}

TEST(Mlp, FourMissesInFlightReloadAboutFourTimesFaster) {
    const Reload r = reload(4, kN);
    // Groups of four issued 13 cycles apart, one group per memory latency: 63 * 148 + 39 + 148.
    EXPECT_EQ(r.cycles, 63 * kMemory + 3 * kToBus + kMemory);
    EXPECT_EQ(r.cycles, expected_reload(kN, 4, 1));
    const double speedup = double(kN * kMemory) / double(r.cycles);
    EXPECT_GT(speedup, 3.9);
    EXPECT_LT(speedup, 4.0);
}

TEST(Mlp, EightMissesInFlightFollowTheRecurrence) {
    const Reload r = reload(8, kN);
    EXPECT_EQ(r.cycles, expected_reload(kN, 8, 1));
    // 8 * 13 = 104 < 148: still latency-bound, about eight times faster.
    const double speedup = double(kN * kMemory) / double(r.cycles);
    EXPECT_GT(speedup, 7.5);
    EXPECT_LE(speedup, 8.0);
}

// 1.28 GB/s moves a 64-byte line in 50 ns: the channel, not the MSHRs, bounds the reload at
// about one line per 50 cycles however many misses are in flight.
TEST(Mlp, TheMemoryChannelBoundsTheSpeedUp) {
    const Reload r = reload(8, kN, 1.28);
    EXPECT_EQ(r.cycles, expected_reload(kN, 8, 50));
    EXPECT_GE(r.cycles, kN * 50);
    EXPECT_LT(r.cycles, kN * 50 + kMemory + 8 * kToBus);
}

TEST(Mlp, OneMissAtATimeNeverWaitsForTheSlowChannel) {
    const Reload r = reload(1, kN, 1.28);
    EXPECT_EQ(r.cycles, kN * kMemory);
}

TEST(Mlp, PointerChasingGainsNothing) {
    const Reload r = reload(8, kN, 64.0, /*dep=*/true);
    EXPECT_EQ(r.cycles, kN * kMemory);
}

TEST(Mlp, WithoutAStoreBufferStoreMissesBlock) {
    const Reload r = reload(1, kN, 64.0, false, OpKind::Store, 0);
    EXPECT_EQ(r.cycles, kN * kMemory);
}

TEST(Mlp, StoreBufferOverlapsStoreMissesAndRetiresInOrder) {
    // Four entries: the same recurrence as four MSHRs (in-order retirement of equal latencies).
    const Reload r = reload(1, kN, 64.0, false, OpKind::Store, 4);
    EXPECT_EQ(r.cycles, expected_reload(kN, 4, 1));
}

// A second load of a line whose miss is in flight gets its data with that miss; a dependent load
// after it waits for that data; an atomic waits for the store buffer to drain.
TEST(Mlp, MergesDependentLoadsAndAtomicsWaitForTheDataInFlight) {
    SystemConfig cfg = reference_config();
    cfg.core.mlp = 4;
    cfg.core.store_buffer = 4;
    System sys(cfg);
    AddressSpace as(0, false, nullptr);
    TaskCounters tc;
    Core& c0 = sys.core(0);
    c0.set_context(0, &as, &tc);
    std::vector<Cycle> at;
    sc_core::sc_spawn([&] {
        const Cycle t0 = c0.local_cycle();
        c0.access(OpKind::Load, 0x200000, 8);       // miss: data at 148
        at.push_back(c0.local_cycle() - t0);        // 13: found the miss, goes on
        c0.access(OpKind::Load, 0x200008, 8);       // same line: merges, an L1 lookup
        at.push_back(c0.local_cycle() - t0);        // 16
        c0.access(OpKind::Load, 0x300000, 8, true); // depends on the last load: waits for 148
        at.push_back(c0.local_cycle() - t0);        // 148 + 13
        c0.access(OpKind::Store, 0x400040, 8);      // store miss (another L1 set) into the buffer
        at.push_back(c0.local_cycle() - t0);        // 161 + 13 = 174; it retires at 161 + 148
        c0.access(OpKind::Atomic, 0x200000, 8);     // waits for the buffer, then an L1 hit + 20
        at.push_back(c0.local_cycle() - t0);
    });
    sc_core::sc_start();
    const Cycle store_done = kMemory + kToBus + kMemory; // issued at 161, retires at 309
    const std::vector<Cycle> expected = {kToBus, kToBus + kL1, kMemory + kToBus,
                                         kMemory + 2 * kToBus, store_done + kL1 + 20};
    EXPECT_EQ(at, expected);
    EXPECT_EQ(c0.stats.mshr_merges, 1u);
    EXPECT_EQ(c0.stats.overlapped, 3u); // two load misses and the store miss
    EXPECT_EQ(c0.stats.dep_cycles, kMemory - kToBus - kL1);
}

} // namespace
} // namespace smp::test
