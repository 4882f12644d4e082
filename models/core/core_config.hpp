// Configuration of a core (hardware thread): miss parallelism and fixed operation costs.
#pragma once

#include "models/common/config_error.hpp"

#include <cstdint>

namespace smp {

struct CoreConfig {
    std::int64_t mlp = 1;            // outstanding misses; 1 = blocking (the only mode modelled yet)
    std::int64_t atomic_cycles = 20; // extra cycles of a locked read-modify-write

    void validate(const std::string& path) const {
        require_range<std::int64_t>(join(path, "mlp"), mlp, 1, 1,
                                    "only the blocking core (1) is modelled in this version");
        require_range<std::int64_t>(join(path, "atomic_cycles"), atomic_cycles, 0, 100000);
    }
};

} // namespace smp
