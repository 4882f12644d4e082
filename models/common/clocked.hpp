// The one place where cycles become SystemC time: a clock period that is an integral number of ps.
#pragma once

#include "models/common/types.hpp"

#include <cmath>
#include <systemc>

namespace smp {

// The current simulation time, as sc_time_stamp() gives it, read inline: sc_time_stamp() is a
// call into the SystemC library, made several times per simulated access.
inline const sc_core::sc_time& sim_now() {
    return sc_core::sc_get_curr_simcontext()->time_stamp();
}

// Every model counts in cycles; sc_time is always cycles * period, so times stay integral in cycles.
class Clocked {
public:
    explicit Clocked(double freq_ghz)
        : m_freq_ghz(freq_ghz),
          m_period(static_cast<double>(std::llround(1000.0 / freq_ghz)), sc_core::SC_PS),
          m_inverse(m_period.value() > 1 ? ~std::uint64_t(0) / m_period.value() + 1 : 0) {}

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
        if (m_inverse == 0) return static_cast<Cycle>(t.value());
        return static_cast<Cycle>((static_cast<unsigned __int128>(t.value()) * m_inverse) >> 64);
    }
    Cycle now_cycles() const { return to_cycles(sim_now()); }

private:
    double m_freq_ghz;
    sc_core::sc_time m_period;
    std::uint64_t m_inverse; // ceil(2^64 / period in ps); 0 for a 1 ps period
};

} // namespace smp
