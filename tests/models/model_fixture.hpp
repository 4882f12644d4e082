// Shared helpers of the SystemC model testbenches (tests/models/*.cpp).
//
// Every test builds a small machine whose numbers make hand computation easy: freq_ghz = 1.0, so
// one ns is one core cycle, and every latency below is a whole number of ns. Expected values in
// the tests are always written out from these constants, never read back from the code under test.
#pragma once

#include "models/memory/address_map.hpp"
#include "platform/system.hpp"

#include <gtest/gtest.h>

#include <string>
#include <systemc>

namespace smp::test {

// Latencies of the reference machine (cycles == ns at 1 GHz).
constexpr Cycle kL1 = 3;     // l1d.latency
constexpr Cycle kL2 = 10;    // l2.latency
constexpr Cycle kLlc = 30;   // llc.latency
constexpr Cycle kSnoop = 5;  // bus.snoop_ns
constexpr Cycle kC2c = 7;    // bus.c2c_ns
constexpr Cycle kMem = 100;  // memory.latency_ns
constexpr Cycle kLink = 20;  // link.latency_ns (one way)

constexpr unsigned kLineBits = 6; // 64-byte lines everywhere

// Reference machine: L1D 4 KiB 2-way (32 sets, 2 KiB set stride), L2 16 KiB 8-way (32 sets,
// 2 KiB stride), LLC 64 KiB 8-way (128 sets, 8 KiB stride). Memory moves a line in 1 cycle
// (64 GB/s), so back-to-back requests never queue in these tests.
inline SystemConfig reference_config(int sockets = 1, int cores_per_socket = 2) {
    SystemConfig c;
    c.topology.sockets = sockets;
    c.topology.cores_per_socket = cores_per_socket;
    c.topology.threads_per_core = 1;
    c.freq_ghz = 1.0;
    c.l1i.size = 4 * 1024;
    c.l1i.ways = 2;
    c.l1i.latency = 3;
    c.l1d.size = 4 * 1024;
    c.l1d.ways = 2;
    c.l1d.latency = static_cast<std::int64_t>(kL1);
    c.l2.size = 16 * 1024;
    c.l2.ways = 8;
    c.l2.latency = static_cast<std::int64_t>(kL2);
    c.llc.size = 64 * 1024;
    c.llc.ways = 8;
    c.llc.latency = static_cast<std::int64_t>(kLlc);
    c.llc.shared_by = 0; // one per socket
    c.bus.snoop_ns = static_cast<double>(kSnoop);
    c.bus.c2c_ns = static_cast<double>(kC2c);
    c.bus.occupancy_ns = 1.0;
    c.link.latency_ns = static_cast<double>(kLink);
    c.memory.latency_ns = static_cast<double>(kMem);
    c.memory.bandwidth_gbps = 64.0;
    c.irq.tick_hz = 0;
    c.quantum_cycles = 1000000; // large: latencies are read from the local clocks
    c.tlb.enabled = false;      // the caches' own latencies (test_tlb_walk.cpp adds the walks)
    return c;
}

// Physical address of `vaddr` in the contiguous address space with asid 0 (address_map.cpp).
inline Addr paddr0(Addr vaddr) { return (Addr(1) << 47) | vaddr; }
inline Addr line0(Addr vaddr) { return paddr0(vaddr) >> kLineBits; }

// One access from `core`, synchronised afterwards; returns its latency in cycles.
inline Cycle timed(Core& core, OpKind kind, Addr vaddr) {
    const Cycle before = core.local_cycle();
    core.access(kind, vaddr, 8);
    core.sync();
    return core.local_cycle() - before;
}

inline Counter stat(System& sys, const std::string& name) {
    const auto snap = sys.stats().snapshot();
    const auto it = snap.find(name);
    if (it == snap.end()) {
        ADD_FAILURE() << "no statistic named " << name;
        return ~Counter(0);
    }
    return it->second;
}

// The cache instance registered as `stats_name` ("system.cpu0.l1d", "system.llc0", ...).
inline Cache& cache(System& sys, const std::string& stats_name) {
    for (const auto& ci : sys.caches()) {
        if (ci.stats_name == stats_name) return *ci.cache;
    }
    ADD_FAILURE() << "no cache named " << stats_name;
    return *sys.caches().front().cache;
}

} // namespace smp::test
