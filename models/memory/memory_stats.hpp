// Counters of one memory controller.
#pragma once

#include "models/common/stats.hpp"

#include <string>

namespace smp {

// The DRAM counters are registered only when the controller models DRAM (memory.model = "dram"),
// so the fixed model's statistics stay as they were.
struct MemoryStats {
    Counter reads = 0;
    Counter writes = 0;
    Counter queue_cycles = 0; // cycles requests waited behind earlier transfers
    // memory.model = "dram": every access (reads and writes) is one of hits, misses, conflicts.
    bool dram = false;
    Counter row_hits = 0;         // the row was open
    Counter row_misses = 0;       // the bank was precharged: ACT first
    Counter row_conflicts = 0;    // another row was open: PRE, then ACT
    Counter bank_wait_cycles = 0; // reads: cycles waiting for the bank (earlier commands, tRAS)
    Counter bus_wait_cycles = 0;  // reads: cycles waiting for the channel's data bus

    void register_stats(StatsRegistry& r, const std::string& p) const {
        r.add(p + ".reads", &reads, "line reads");
        r.add(p + ".writes", &writes, "line writes (writebacks)");
        r.add(p + ".queue_cycles", &queue_cycles,
              "cycles requests waited behind earlier transfers");
        if (!dram) return;
        r.add(p + ".row_hits", &row_hits, "DRAM accesses (reads and writes) to the open row");
        r.add(p + ".row_misses", &row_misses, "DRAM accesses to a precharged bank (ACT first)");
        r.add(p + ".row_conflicts", &row_conflicts,
              "DRAM accesses while another row was open (PRE, then ACT)");
        r.add(p + ".bank_wait_cycles", &bank_wait_cycles,
              "cycles reads waited for their DRAM bank (earlier commands, tRAS)");
        r.add(p + ".bus_wait_cycles", &bus_wait_cycles,
              "cycles reads waited for their DRAM channel's data bus");
    }
};

} // namespace smp
