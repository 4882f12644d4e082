// Counters of one cache instance.
#pragma once

#include "models/common/stats.hpp"

#include <string>

namespace smp {

struct CacheStats {
    Counter accesses = 0;      // requests from above (reads, writes, upgrades)
    Counter hits = 0;
    Counter misses = 0;
    Counter writebacks = 0;    // dirty lines sent below
    Counter writebacks_in = 0; // dirty lines received from above
    Counter evictions = 0;     // valid lines replaced
    Counter back_invalidations = 0; // lines above invalidated because this inclusive level evicted
    Counter snoops = 0;        // snoops received from below
    Counter snoop_hits = 0;
    Counter invalidations = 0; // lines invalidated by snoops
    Counter supplied = 0;      // lines supplied to another cache (cache-to-cache)
    Counter mshr_stall_cycles = 0;

    void register_stats(StatsRegistry& r, const std::string& p) const {
        r.add(p + ".accesses", &accesses);
        r.add(p + ".hits", &hits);
        r.add(p + ".misses", &misses);
        r.add(p + ".writebacks", &writebacks);
        r.add(p + ".writebacks_in", &writebacks_in);
        r.add(p + ".evictions", &evictions);
        r.add(p + ".back_invalidations", &back_invalidations);
        r.add(p + ".snoops", &snoops);
        r.add(p + ".snoop_hits", &snoop_hits);
        r.add(p + ".invalidations", &invalidations);
        r.add(p + ".supplied", &supplied);
        r.add(p + ".mshr_stall_cycles", &mshr_stall_cycles);
    }
};

} // namespace smp
