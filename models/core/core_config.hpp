// Configuration of a core (hardware thread): miss parallelism, store buffer, fixed costs.
#pragma once

#include "models/common/config_error.hpp"

#include <cstdint>

namespace smp {

struct CoreConfig {
    std::int64_t mlp = 1;            // outstanding load misses; 1 = blocking (in-order core)
    std::int64_t store_buffer = 0;   // store buffer entries; 0 = stores block until done
    std::int64_t atomic_cycles = 20; // extra cycles of a locked read-modify-write

    void validate(const std::string& path) const {
        require_range<std::int64_t>(join(path, "mlp"), mlp, 1, 64, "1 = blocking");
        require_range<std::int64_t>(join(path, "store_buffer"), store_buffer, 0, 256,
                                    "0 = stores block");
        require_range<std::int64_t>(join(path, "atomic_cycles"), atomic_cycles, 0, 100000);
    }
};

} // namespace smp
