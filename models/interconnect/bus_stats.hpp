// Counters of a socket's snoop bus and of the socket-to-socket fabric.
#pragma once

#include "models/common/stats.hpp"

#include <string>

namespace smp {

struct BusStats {
    Counter transactions = 0;   // requests that were broadcast (reads, read-for-ownership, upgrades)
    Counter c2c_transfers = 0;  // lines supplied by another cache on this bus
    Counter upgrades = 0;
    Counter writebacks = 0;     // dirty lines passed below (evictions and M->S downgrades)
    Counter busy_cycles = 0;    // occupancy
    Counter wait_cycles = 0;    // cycles requests waited for the bus
    Counter snoops_from_below = 0;
    Counter flushes = 0;        // Flush requests broadcast as invalidations

    void register_stats(StatsRegistry& r, const std::string& p) const {
        r.add(p + ".transactions", &transactions,
              "requests broadcast on the bus (reads, reads-for-ownership, upgrades)");
        r.add(p + ".c2c_transfers", &c2c_transfers,
              "lines supplied by another cache on this bus");
        r.add(p + ".upgrades", &upgrades,
              "shared-to-modified upgrades (invalidations without data)");
        r.add(p + ".writebacks", &writebacks,
              "dirty lines passed below (evictions and M-to-S downgrades)");
        r.add(p + ".busy_cycles", &busy_cycles,
              "cycles the bus was occupied");
        r.add(p + ".wait_cycles", &wait_cycles,
              "cycles requests waited for the bus");
        r.add(p + ".snoops_from_below", &snoops_from_below,
              "snoops forwarded to this bus from the socket fabric");
        r.add(p + ".flushes", &flushes,
              "flush requests (clflush, wbinvd) broadcast as invalidations");
    }
};

struct FabricStats {
    Counter requests = 0;
    Counter remote_snoops = 0;   // requests that probe the other sockets
    Counter remote_c2c = 0;      // lines supplied by a cache in another socket
    Counter remote_memory = 0;   // requests served by another socket's memory

    void register_stats(StatsRegistry& r, const std::string& p) const {
        r.add(p + ".requests", &requests,
              "requests that left their socket");
        r.add(p + ".remote_snoops", &remote_snoops,
              "requests that probe the other sockets");
        r.add(p + ".remote_c2c", &remote_c2c,
              "lines supplied by a cache in another socket");
        r.add(p + ".remote_memory", &remote_memory,
              "requests served by another socket's memory");
    }
};

} // namespace smp
