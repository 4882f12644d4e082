// The one place where cycles become SystemC time: a clock period that is an integral number of ps.
#pragma once

#include "models/common/types.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <systemc>

namespace smp {

// The current simulation time, as sc_time_stamp() gives it, read inline through the simulation
// context kept by the reader: sc_time_stamp() is a call into the SystemC library, and
// sc_get_curr_simcontext() reads and tests a variable of the library on every call, several
// times per simulated access. A process has one context (one elaboration per process).
class SimTime {
public:
    SimTime() : m_ctx(sc_core::sc_get_curr_simcontext()) {}
    const sc_core::sc_time& now() const { return m_ctx->time_stamp(); }

private:
    sc_core::sc_simcontext* m_ctx;
};

// Every model counts in cycles; sc_time is always cycles * period, so times stay integral in cycles.
class Clocked {
public:
    explicit Clocked(double freq_ghz)
        : m_freq_ghz(freq_ghz),
          m_period(static_cast<double>(std::llround(1000.0 / freq_ghz)), sc_core::SC_PS),
          m_inverse(inverse(m_period.value(), freq_ghz)) {}

    double freq_ghz() const { return m_freq_ghz; }
    // A latency in ns as whole cycles of this clock, rounded up.
    Cycle ns(double latency_ns) const { return ns_to_cycles(latency_ns, m_freq_ghz); }

    const sc_core::sc_time& period() const { return m_period; }
    sc_core::sc_time cycles(Cycle n) const {
        return sc_core::sc_time::from_value(m_period.value() * n); // exact: integral ps
    }
    // t / period without a division: t * ceil(2^64 / period) / 2^64 equals the quotient for
    // every t below 2^64 / period (beyond 10^4 s of simulated time at 2 GHz).
    Cycle to_cycles(const sc_core::sc_time& t) const {
        return static_cast<Cycle>((static_cast<unsigned __int128>(t.value()) * m_inverse) >> 64);
    }
    const sc_core::sc_time& now() const { return m_time.now(); }
    Cycle now_cycles() const { return to_cycles(now()); }

private:
    // ceil(2^64 / period): 2^64 / 1 has no 64-bit ceiling, and 0 ps no inverse.
    static std::uint64_t inverse(std::uint64_t period_ps, double freq_ghz) {
        if (period_ps < 2) {
            throw std::invalid_argument("a clock period below 2 ps (" + std::to_string(freq_ghz) +
                                        " GHz)");
        }
        return ~std::uint64_t(0) / period_ps + 1;
    }

    double m_freq_ghz;
    sc_core::sc_time m_period;
    std::uint64_t m_inverse; // ceil(2^64 / period in ps)
    SimTime m_time;
};

} // namespace smp
