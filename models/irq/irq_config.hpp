// Configuration of the interrupt controller: IPI costs and the per-CPU local timer. The IPI
// costs are [ASSUMED], bounded by the sources in docs/calibration.md section 2.
#pragma once

#include "models/common/config_error.hpp"

#include <cstdint>

namespace smp {

struct IrqConfig {
    std::int64_t ipi_send_cycles = 100;   // sender: writing the interrupt command register
    double ipi_latency_ns = 500.0;        // from send to arrival at the target's local controller
    std::int64_t ipi_accept_cycles = 150; // target: interrupt entry before the handler runs
    std::int64_t tick_hz = 0;             // local timer frequency (0 = off; the kernel sets HZ)

    void validate(const std::string& path) const {
        require_range<std::int64_t>(join(path, "ipi_send_cycles"), ipi_send_cycles, 0, 10000000);
        require_range(join(path, "ipi_latency_ns"), ipi_latency_ns, 0.0, 1e9);
        require_range<std::int64_t>(join(path, "ipi_accept_cycles"), ipi_accept_cycles, 0,
                                    10000000);
        require_range<std::int64_t>(join(path, "tick_hz"), tick_hz, 0, 1000000);
    }
};

} // namespace smp
