// Coherence invariants over the whole machine: single-writer/multiple-reader and inclusion.
#pragma once

#include "platform/system.hpp"

#include <cstdint>
#include <string>

namespace smp {

// Reads cache states only; never changes them.
class CoherenceChecker {
public:
    explicit CoherenceChecker(const System& sys) : m_sys(sys) {}

    // "" when the line (physical address) satisfies every invariant, else what is violated.
    std::string check_line(Addr paddr) const;
    // Checks every line held anywhere; throws SimulationError on the first violation.
    std::uint64_t check_all() const;

private:
    const System& m_sys;
};

} // namespace smp
