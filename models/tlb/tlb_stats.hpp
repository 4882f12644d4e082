// Counters of one TLB.
#pragma once

#include "models/common/stats.hpp"

#include <string>

namespace smp {

struct TlbStats {
    Counter hits = 0;
    Counter misses = 0;      // each one walk of walk_levels page-table reads
    Counter walk_cycles = 0; // cycles of the walks (fixed miss cycles and the reads)
    Counter flushes = 0;     // switches to another address space

    void register_stats(StatsRegistry& r, const std::string& p) const {
        r.add(p + ".hits", &hits,
              "translations the TLB held (one per page an access touches)");
        r.add(p + ".misses", &misses,
              "translations the TLB missed, each a page walk");
        r.add(p + ".walk_cycles", &walk_cycles,
              "cycles of the page walks (fixed miss cycles plus the page-table reads)");
        r.add(p + ".flushes", &flushes,
              "TLB flushes: user code of another address space than the last loaded started");
    }
};

} // namespace smp
