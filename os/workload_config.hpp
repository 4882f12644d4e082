// Description of a task's program (plain data). The generator that turns it into operations is
// in os/workload.hpp.
#pragma once

#include "models/common/config_error.hpp"

#include <cstdint>
#include <string>

namespace smp {

struct WorkloadConfig {
    std::string kind = "working_set"; // working_set | spin
    // working_set
    std::int64_t size = 64 * 1024;    // bytes
    std::string pattern = "sequential"; // sequential | strided | random | pointer_chase
    std::int64_t stride = 64;         // bytes between accesses (sequential uses the access size)
    std::int64_t access_size = 8;     // bytes per access
    std::int64_t passes = 1;          // sweeps over the working set
    double write_ratio = 0.0;         // fraction of accesses that are stores
    std::int64_t compute_per_access = 0; // cycles of compute after each access
    std::int64_t base = 0x10000000;   // virtual base address of the working set
    // spin
    std::int64_t cycles = 0;

    void validate(const std::string& path) const {
        if (kind != "working_set" && kind != "spin") {
            throw ConfigError(join(path, "kind"),
                              "must be 'working_set' or 'spin', got '" + kind + "'");
        }
        if (kind == "spin") {
            require_range<std::int64_t>(join(path, "cycles"), cycles, 0, std::int64_t(1) << 50);
            return;
        }
        require_range<std::int64_t>(join(path, "size"), size, 1, std::int64_t(1) << 40);
        if (pattern != "sequential" && pattern != "strided" && pattern != "random" &&
            pattern != "pointer_chase") {
            throw ConfigError(join(path, "pattern"),
                              "must be one of sequential, strided, random, pointer_chase, got '" +
                                  pattern + "'");
        }
        require_range<std::int64_t>(join(path, "access_size"), access_size, 1, 64);
        require_range<std::int64_t>(join(path, "stride"), stride, 1, std::int64_t(1) << 30);
        require_range<std::int64_t>(join(path, "passes"), passes, 0, std::int64_t(1) << 40);
        require_range(join(path, "write_ratio"), write_ratio, 0.0, 1.0);
        require_range<std::int64_t>(join(path, "compute_per_access"), compute_per_access, 0,
                                    std::int64_t(1) << 30);
        require_range<std::int64_t>(join(path, "base"), base, 0, std::int64_t(1) << 46,
                                    "user virtual addresses are below 2^46");
        if (base + size > (std::int64_t(1) << 47)) {
            throw ConfigError(join(path, "size"), "base + size must stay below 2^47");
        }
    }
};

} // namespace smp
