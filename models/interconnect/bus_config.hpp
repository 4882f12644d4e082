// Configuration of the per-socket snooping bus and of the socket-to-socket link (times in ns).
#pragma once

#include "models/common/config_error.hpp"

namespace smp {

struct BusConfig {
    double snoop_ns = 5.0;      // request arbitration + snoop broadcast + combined response
    double c2c_ns = 15.0;       // data transfer when another core's cache supplies the line
    double occupancy_ns = 2.0;  // bus busy time per transaction (contention)
    // Snoop only the agents, and across sockets only the sockets, that may hold the line (snoop
    // filters), instead of broadcasting: the same coherence outcomes and timing, fewer snoops
    // (cache and bus stats count the snoops received).
    bool snoop_filter = false;

    void validate(const std::string& path) const {
        require_range(join(path, "snoop_ns"), snoop_ns, 0.0, 1e6);
        require_range(join(path, "c2c_ns"), c2c_ns, 0.0, 1e6);
        require_range(join(path, "occupancy_ns"), occupancy_ns, 0.0, 1e6);
    }
};

struct LinkConfig {
    double latency_ns = 40.0;   // one way, socket to socket (request or data)

    void validate(const std::string& path) const {
        require_range(join(path, "latency_ns"), latency_ns, 0.0, 1e6);
    }
};

} // namespace smp
