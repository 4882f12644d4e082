// Basic scalar types shared by every layer (no SystemC here).
#pragma once

#include <cstdint>

namespace smp {

using Addr = std::uint64_t;   // virtual or physical byte address
using Cycle = std::uint64_t;  // core clock cycles
using CpuId = std::uint32_t;  // hardware thread (logical CPU) number
using TaskId = std::uint32_t; // guest task id

constexpr TaskId kNoTask = 0xffffffffu;
constexpr CpuId kNoCpu = 0xffffffffu;

constexpr bool is_pow2(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

constexpr unsigned log2_floor(std::uint64_t v) {
    unsigned r = 0;
    while (v >>= 1) ++r;
    return r;
}

// Converts a duration in nanoseconds to whole core cycles, rounding up (a latency is never shortened).
inline Cycle ns_to_cycles(double ns, double freq_ghz) {
    double c = ns * freq_ghz;
    auto whole = static_cast<Cycle>(c);
    return (static_cast<double>(whole) < c - 1e-9) ? whole + 1 : whole;
}

} // namespace smp
