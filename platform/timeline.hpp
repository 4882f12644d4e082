// What ran where and when, the IPIs, and each CPU's access counts over time: the record behind
// trace.json, trace.vcd and the report's plots.
#pragma once

#include "models/common/types.hpp"
#include "models/core/core_stats.hpp"

#include <string>
#include <utility>
#include <vector>

namespace smp {

struct Timeline {
    struct Run { // `pid` starts running on `cpu` (it runs until the next Run there)
        int cpu = -1;
        int pid = -1; // -1: nothing (bare metal, after a task ends)
        Cycle start = 0;
    };
    struct Ipi { // sent by `from` at `sent`, arrives at `to` at `arrival`
        int from = -1;
        int to = -1;
        std::string vector;
        Cycle sent = 0;
        Cycle arrival = 0;
        Cycle taken = 0; // when `to` took it (0: never)
    };
    struct Task {
        std::string name;
        std::string kind; // user, idle, migration, control
    };
    std::vector<Task> tasks;                      // by pid
    std::vector<Run> runs;                        // in the order they happened on each CPU
    std::vector<Ipi> ipis;                        // in send order
    std::vector<std::vector<CoreSample>> samples; // per CPU (empty when sampling is off)
    // Recorded for trace.vcd only (cfg.vcd): per CPU, the interrupt line's edges (cycle, +1 when
    // an interrupt arrives, -1 when it is taken), unordered; per bus, its busy intervals
    // [start, end), in order and merged where they touch.
    std::vector<std::vector<std::pair<Cycle, int>>> irq_edges;
    std::vector<std::vector<std::pair<Cycle, Cycle>>> bus_busy;
    Cycle end = 0;
};

} // namespace smp
