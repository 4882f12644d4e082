// Operations a task issues to its core, and the source interface workloads implement.
#pragma once

#include "models/common/types.hpp"

namespace smp {

enum class OpKind : std::uint8_t { Compute, Load, Store, Atomic, IFetch };

struct Op {
    OpKind kind = OpKind::Compute;
    std::uint32_t size = 0; // bytes (accesses)
    Addr addr = 0;          // virtual address (accesses)
    Cycle cycles = 0;       // compute cycles
};

// A task's program: yields operations until it returns false (the task exits).
class OpSource {
public:
    virtual ~OpSource() = default;
    virtual bool next(Op& op) = 0;
};

} // namespace smp
