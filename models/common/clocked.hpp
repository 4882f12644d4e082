// The one place where cycles become SystemC time: a clock period that is an integral number of ps.
#pragma once

#include "models/common/types.hpp"

#include <cmath>
#include <systemc>

namespace smp {

// Every model counts in cycles; sc_time is always cycles * period, so times stay integral in cycles.
class Clocked {
public:
    explicit Clocked(double freq_ghz)
        : m_freq_ghz(freq_ghz),
          m_period(static_cast<double>(std::llround(1000.0 / freq_ghz)), sc_core::SC_PS) {}

    double freq_ghz() const { return m_freq_ghz; }
    // A latency in ns as whole cycles of this clock, rounded up.
    Cycle ns(double latency_ns) const { return ns_to_cycles(latency_ns, m_freq_ghz); }

    const sc_core::sc_time& period() const { return m_period; }
    sc_core::sc_time cycles(Cycle n) const { return m_period * static_cast<double>(n); }
    Cycle to_cycles(const sc_core::sc_time& t) const {
        return static_cast<Cycle>(t.value() / m_period.value());
    }
    Cycle now_cycles() const { return to_cycles(sc_core::sc_time_stamp()); }

private:
    double m_freq_ghz;
    sc_core::sc_time m_period;
};

} // namespace smp
