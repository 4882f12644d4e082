// Counters of one memory controller.
#pragma once

#include "models/common/stats.hpp"

#include <string>

namespace smp {

struct MemoryStats {
    Counter reads = 0;
    Counter writes = 0;
    Counter queue_cycles = 0; // cycles requests waited behind earlier transfers

    void register_stats(StatsRegistry& r, const std::string& p) const {
        r.add(p + ".reads", &reads,
              "line reads");
        r.add(p + ".writes", &writes,
              "line writes (writebacks)");
        r.add(p + ".queue_cycles", &queue_cycles,
              "cycles requests waited behind earlier transfers");
    }
};

} // namespace smp
