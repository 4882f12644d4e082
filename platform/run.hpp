// One simulation from a SystemConfig to results on disk: elaborate, sc_start, collect, write.
#pragma once

#include "platform/system_config.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace smp {

struct RunOptions {
    std::string out_dir;          // "" = write nothing
    std::int64_t until_cycles = 0; // 0 = until every task has exited
};

struct TaskResult {
    std::string name;
    std::int64_t cpu = -1;        // CPU it ran on (bare-metal)
    std::uint64_t start_cycle = 0;
    std::uint64_t end_cycle = 0;
    std::uint64_t cycles = 0;     // end - start
    std::uint64_t ops = 0;        // operations issued (compute blocks and accesses)
    std::uint64_t accesses = 0;   // memory accesses (loads, stores, atomics, fetches)
    std::uint64_t l1_misses = 0;
    std::uint64_t stall_cycles = 0; // cycles beyond the L1 hit latency spent on accesses
    std::uint64_t served[7] = {};   // accesses by ServedBy (l1 ... remote_memory)
    bool exited = false;
};

struct RunResult {
    std::map<std::string, std::uint64_t> stats;
    std::vector<TaskResult> tasks;
    std::uint64_t sim_cycles = 0;
    double host_seconds = 0.0;
    std::uint64_t ops = 0;
};

// Validates, simulates in this process (SystemC allows one elaboration per process) and, when
// out_dir is set, writes config.json, stats.json, stats.txt and result.json there.
// Throws ConfigError on bad configuration, SimulationError on a failure inside the simulation.
RunResult simulate(const SystemConfig& cfg, const RunOptions& opts);

} // namespace smp
