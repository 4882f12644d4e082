// Configuration of memory: one controller per socket, placement of pages (times in ns).
#pragma once

#include "models/common/config_error.hpp"
#include "models/memory/dram_config.hpp"

#include <string>

namespace smp {

struct MemoryConfig {
    std::string model = "fixed";  // fixed (latency_ns + bandwidth_gbps) | dram (banks: `dram`)
    double latency_ns = 60.0;     // fixed: controller + DRAM access, unloaded
    double bandwidth_gbps = 12.8; // fixed: per controller, GB/s; each line transfer occupies it
    std::string mapping = "contiguous"; // contiguous | random (4 KiB frames drawn from the seed)
    std::string numa = "first_touch";   // first_touch | interleave
    DramConfig dram;                    // dram: banks, row buffers and their timings

    void validate(const std::string& path) const {
        if (model != "fixed" && model != "dram") {
            throw ConfigError(join(path, "model"),
                              "must be 'fixed' or 'dram', got '" + model + "'");
        }
        require_range(join(path, "latency_ns"), latency_ns, 0.0, 1e6);
        require_range(join(path, "bandwidth_gbps"), bandwidth_gbps, 0.001, 1e5);
        if (mapping != "contiguous" && mapping != "random") {
            throw ConfigError(join(path, "mapping"),
                              "must be 'contiguous' or 'random', got '" + mapping + "'");
        }
        if (numa != "first_touch" && numa != "interleave") {
            throw ConfigError(join(path, "numa"),
                              "must be 'first_touch' or 'interleave', got '" + numa + "'");
        }
        dram.validate(join(path, "dram"));
    }
};

} // namespace smp
