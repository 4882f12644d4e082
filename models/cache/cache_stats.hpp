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
    Counter flushes = 0;       // Flush requests from above (clflush, wbinvd)

    void register_stats(StatsRegistry& r, const std::string& p) const {
        r.add(p + ".accesses", &accesses,
              "requests from above (reads, writes, upgrades)");
        r.add(p + ".hits", &hits,
              "requests served by this cache");
        r.add(p + ".misses", &misses,
              "requests passed below (including upgrades of shared lines)");
        r.add(p + ".writebacks", &writebacks,
              "dirty lines written back below");
        r.add(p + ".writebacks_in", &writebacks_in,
              "dirty lines received from above");
        r.add(p + ".evictions", &evictions,
              "valid lines replaced");
        r.add(p + ".back_invalidations", &back_invalidations,
              "lines invalidated above because this inclusive cache evicted them");
        r.add(p + ".snoops", &snoops,
              "snoops received from below");
        r.add(p + ".snoop_hits", &snoop_hits,
              "snoops that found the line here");
        r.add(p + ".invalidations", &invalidations,
              "lines invalidated by snoops");
        r.add(p + ".supplied", &supplied,
              "lines supplied to another cache (cache-to-cache transfers)");
        r.add(p + ".mshr_stall_cycles", &mshr_stall_cycles,
              "cycles requests waited for a free miss-status register");
        r.add(p + ".flushes", &flushes,
              "flush requests from above (clflush, wbinvd); the line leaves this cache");
    }
};

} // namespace smp
