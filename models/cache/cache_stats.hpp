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
    // This level's prefetcher (docs/prefetch.md); registered only when it has one, so that the
    // statistics of a machine without prefetchers are unchanged.
    // issued == useful + useless + Cache::prefetched_resident() at any time.
    Counter prefetch_issued = 0;      // prefetch requests sent below
    Counter prefetch_useful = 0;      // prefetched lines a request used before they left
    Counter prefetch_late = 0;        // ... of which the request came before the data and waited
    Counter prefetch_late_cycles = 0; // the cycles those requests waited
    Counter prefetch_useless = 0;     // prefetched lines evicted or invalidated unused
    Counter prefetch_dropped = 0;     // candidates not issued: no miss-status register free

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

    void register_prefetch_stats(StatsRegistry& r, const std::string& p) const {
        r.add(p + ".prefetch_issued", &prefetch_issued, "prefetch requests sent below");
        r.add(p + ".prefetch_useful", &prefetch_useful,
              "prefetched lines a request used before they left");
        r.add(p + ".prefetch_late", &prefetch_late,
              "useful prefetches whose data arrived after the request that used them");
        r.add(p + ".prefetch_late_cycles", &prefetch_late_cycles,
              "cycles requests waited for the data of late prefetches");
        r.add(p + ".prefetch_useless", &prefetch_useless,
              "prefetched lines evicted or invalidated before any use");
        r.add(p + ".prefetch_dropped", &prefetch_dropped,
              "prefetch candidates not issued for want of a free miss-status register");
    }
};

} // namespace smp
