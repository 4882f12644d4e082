// Coherence invariants over the whole machine: single-writer/multiple-reader and inclusion.
#pragma once

#include "platform/system.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace smp {

// Reads cache states only; never changes them.
class CoherenceChecker {
public:
    explicit CoherenceChecker(System& sys) : m_sys(sys) {}

    // "" when the line (physical address) satisfies every invariant, else what is violated.
    std::string check_line(Addr paddr) const;
    // Checks every line held anywhere; throws SimulationError on the first violation.
    std::uint64_t check_all() const;
    // Checks the line of every bus transaction as it completes (check mode): the first violation
    // is reported once to on_violation ("coherence check failed at cycle C, line 0x...: what")
    // and the simulation stops.
    void watch(std::function<void(const std::string&)> on_violation);

private:
    System& m_sys;
    bool m_reported = false;
};

} // namespace smp
