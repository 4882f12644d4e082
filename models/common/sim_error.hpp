// A failure inside the simulation (violated invariant, no progress): becomes smpsim.SimulationError.
#pragma once

#include <stdexcept>
#include <string>

namespace smp {

class SimulationError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace smp
