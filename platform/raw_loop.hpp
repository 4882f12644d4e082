// The raw-loop baseline of the benchmark: a configuration's access streams through the same tag
// arrays and MESI transition function, with no SystemC, no TLM and no timing (issue: speed).
#pragma once

#include "platform/system_config.hpp"

#include <cstdint>

namespace smp {

struct RawLoopResult {
    std::uint64_t accesses = 0;  // user accesses of every task
    std::uint64_t l1_misses = 0; // L1D misses (the simulator's system.cpuN.l1d.misses, summed)
    std::uint64_t l2_misses = 0;
    std::uint64_t llc_misses = 0;
    std::uint64_t invalidations = 0; // copies invalidated in other cores' caches
    double seconds = 0.0;            // host time of the loop alone
};

// Runs every task's workload (bare metal: each on its first CPU; the tasks interleaved one
// access at a time, as cores running side by side) through per-CPU L1D and L2 tag arrays and a
// per-socket LLC, with the simulator's fill, eviction and invalidation rules in their simplest
// (inclusive, no back-invalidation timing) form. Workloads other than access streams are
// skipped. Same streams as the simulator: same workload sources and seeds.
RawLoopResult raw_loop(const SystemConfig& cfg);

} // namespace smp
