// Operations a task issues to its core, and the source interface workloads implement.
#pragma once

#include "models/common/types.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace smp {

enum class OpKind : std::uint8_t { Compute, Load, Store, Atomic, IFetch, Sys };

// What a Sys operation asks for: a system call of the guest kernel (sleep, set_affinity, the
// pipe and barrier calls) or a special instruction of the core (wbinvd, clflush, clock = rdtsc,
// mark = rdtsc kept under a label).
enum class SysOp : std::uint8_t {
    Sleep, SetAffinity, Wbinvd, Clflush, Clock, Mark, PipeWrite, PipeRead, Barrier
};

struct Op {
    OpKind kind = OpKind::Compute;
    std::uint32_t size = 0; // bytes (accesses; Sys: pipe bytes, clflush range)
    Addr addr = 0;          // virtual address (accesses; Sys: user buffer, clflush start)
    Cycle cycles = 0;       // compute cycles (Sys: sleep duration)
    bool dep = false;       // a load whose address comes from the previous load (pointer chasing)
    SysOp sys = SysOp::Clock;
    int obj = -1;                            // Sys: pipe or barrier id
    const std::vector<int>* cpus = nullptr;  // Sys SetAffinity: the new mask (owned by the source)
    const std::string* label = nullptr;      // Sys Mark (owned by the source)
};

// A task's program: yields operations until it returns false (the task exits). After a Sys
// operation, result() receives its value before the next call of next(): the guest clock for
// Clock and Mark, bytes moved for the pipe calls, 0 or -errno for SetAffinity, 0 otherwise.
class OpSource {
public:
    virtual ~OpSource() = default;
    virtual bool next(Op& op) = 0;
    virtual void result(std::int64_t value) { (void)value; }
    // The next 1 to `max` (>= 1) operations into `out`, as next() gives them one by one; 0 when
    // the program has ended. By default one: a source that answers Sys results or may fail
    // mid-run (a trace's bad record, after the records before it ran) keeps its exact order.
    // A source with neither gives more, and saves the caller a virtual call per operation.
    virtual std::size_t next_batch(Op* out, std::size_t max) {
        (void)max;
        return next(out[0]) ? 1 : 0;
    }
};

// Runs run(op) on each of the program's operations in order until it ends, taking them from
// next_batch up to 32 at a time: one virtual call per batch, and each operation read well after
// it was written.
template <typename Run> void for_each_op(OpSource& src, Run run) {
    constexpr std::size_t kBatch = 32;
    Op ops[kBatch];
    for (std::size_t n; (n = src.next_batch(ops, kBatch)) > 0;) {
        for (std::size_t i = 0; i < n; ++i)
            run(ops[i]);
    }
}

} // namespace smp
