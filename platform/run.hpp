// One simulation from a SystemConfig to results on disk: elaborate, sc_start, collect, write.
#pragma once

#include "models/ghost/ghost_stats.hpp"
#include "os/migration_calibration.hpp"
#include "os/trace.hpp"
#include "platform/system_config.hpp"
#include "platform/timeline.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace smp {

struct RunOptions {
    std::string out_dir;          // "" = write nothing
    std::int64_t until_cycles = 0; // 0 = until every task has exited
    // Progress: every progress_every simulated cycles, "<cycle> <operations>" is written to
    // progress_path (replaced whole), for a live status line; "" = none.
    std::string progress_path;
    std::int64_t progress_every = 0;
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
    std::uint64_t tlb_misses = 0;   // its translations the TLB missed (each a page walk) ...
    std::uint64_t walk_cycles = 0;  // ... and the walks' cycles (not in accesses nor stall)
    bool exited = false;
    bool started = true;
    std::uint64_t migrations = 0;   // guest kernel: CPU changes
    std::uint64_t switches = 0;     // guest kernel: times switched in
    std::vector<std::pair<std::string, std::uint64_t>> marks; // Mark steps: label, guest cycle
};

// What became of one timed action.
struct ActionOutcome {
    std::string kind;
    std::string task;
    std::uint64_t at = 0;           // cycle it was issued
    std::uint64_t executed = 0;     // cycle the guest performed it (0: never)
    std::int64_t cpu = -1;          // CPU that performed it
    std::int64_t result = 0;        // 0 or -errno as the guest saw it
    std::string message;
};

struct RunResult {
    std::map<std::string, std::uint64_t> stats;
    std::map<std::string, std::string> stat_descriptions; // one line per stat, for stats.txt
    std::vector<TaskResult> tasks;
    std::vector<os::MigrationEvent> migrations;
    std::vector<MigrationCost> costs;  // one per migration (ghost attribution, stay window)
    ProbeResult probe;                 // counterfactual runs only
    std::vector<ActionOutcome> actions;
    Timeline timeline;                 // what ran where, IPIs, per-CPU access samples
    std::vector<std::pair<std::uint64_t, std::string>> kernel_log; // printk lines and cycles
    bool calibrated = false;           // cfg.kernel.calibration ran to its end:
    os::CalibrationResult calibration; //   its outcome
    std::uint64_t sim_cycles = 0;
    std::uint64_t stats_since = 0; // the last stats reset (warm-up end), 0: none
    double host_seconds = 0.0;
    std::uint64_t peak_rss_kb = 0; // the simulating process's peak resident memory
    std::uint64_t ops = 0;
};

// Validates, simulates in this process (SystemC allows one elaboration per process) and, when
// out_dir is set, writes config.json, stats.json, stats.txt, result.json, trace.json,
// samples.csv, (with the guest kernel) migrations.csv and (cfg.vcd) trace.vcd there.
// Throws ConfigError on bad configuration, SimulationError on a failure inside the simulation.
RunResult simulate(const SystemConfig& cfg, const RunOptions& opts);

} // namespace smp
