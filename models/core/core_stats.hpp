// Counters of one core (hardware thread), and the per-task counters a core updates.
#pragma once

#include "models/common/mem_payload.hpp"
#include "models/common/stats.hpp"

#include <string>

namespace smp {

struct CoreStats {
    Counter cycles = 0;        // cycles of the run (set at the end)
    Counter idle_cycles = 0;   // cycles halted with nothing to run
    Counter ops = 0;           // operations executed (compute blocks and accesses)
    Counter accesses = 0;      // memory accesses (one per line touched)
    Counter stall_cycles = 0;  // access cycles beyond the L1 hit latency (mlp > 1: cycles waited)
    Counter atomics = 0;
    Counter irqs = 0;          // interrupts taken
    Counter ipis_received = 0;
    Counter kernel_accesses = 0; // accesses made by guest kernel code (also in accesses)
    Counter kernel_cycles = 0;   // cycles those accesses took
    Counter spin_cycles = 0;     // cycles busy-waiting on a lock
    Counter flushes = 0;         // lines flushed (clflush, wbinvd)
    Counter walk_accesses = 0;   // page-table reads of TLB misses (also in accesses)
    Counter overlapped = 0;      // misses left in flight (mlp > 1) and stores buffered
    Counter mshr_merges = 0;     // loads of a line whose miss was still in flight
    Counter mshr_full_cycles = 0; // cycles waiting for a free MSHR
    Counter dep_cycles = 0;      // cycles a dependent load waited for the previous load
    Counter store_buffer_full_cycles = 0;
    Counter drain_cycles = 0;    // cycles waiting for misses in flight (kernel, irq, fence)

    void register_stats(StatsRegistry& r, const std::string& p) const {
        r.add(p + ".cycles", &cycles,
              "cycles of the run on this CPU");
        r.add(p + ".idle_cycles", &idle_cycles,
              "cycles halted with nothing to run");
        r.add(p + ".ops", &ops,
              "operations executed (compute blocks and memory accesses)");
        r.add(p + ".accesses", &accesses,
              "memory accesses, one per cache line touched (user and kernel)");
        r.add(p + ".stall_cycles", &stall_cycles,
              "access cycles beyond the L1 hit latency (overlapped misses: the cycles waited)");
        r.add(p + ".atomics", &atomics,
              "locked read-modify-write accesses");
        r.add(p + ".irqs", &irqs,
              "interrupts taken (timer ticks and IPIs)");
        r.add(p + ".ipis_received", &ipis_received,
              "inter-processor interrupts taken");
        r.add(p + ".kernel_accesses", &kernel_accesses,
              "accesses made by guest kernel code (included in accesses)");
        r.add(p + ".kernel_cycles", &kernel_cycles,
              "cycles the kernel accesses took");
        r.add(p + ".spin_cycles", &spin_cycles,
              "cycles busy-waiting on a lock or a condition");
        r.add(p + ".flushes", &flushes, "lines this core flushed (clflush, wbinvd)");
        r.add(p + ".walk_accesses", &walk_accesses,
              "page-table reads of the page walks (included in accesses)");
        r.add(p + ".overlapped", &overlapped,
              "misses left in flight (mlp > 1) and stores put into the store buffer");
        r.add(p + ".mshr_merges", &mshr_merges, "loads of a line whose miss was still in flight");
        r.add(p + ".mshr_full_cycles", &mshr_full_cycles, "cycles waiting for a free MSHR");
        r.add(p + ".dep_cycles", &dep_cycles,
              "cycles dependent loads waited for the previous load's data");
        r.add(p + ".store_buffer_full_cycles", &store_buffer_full_cycles,
              "cycles waiting for a store buffer entry");
        r.add(p + ".drain_cycles", &drain_cycles,
              "cycles waiting for misses in flight before kernel code, an interrupt or a fence");
    }
};

// Accesses of one interval of a core's local time, by where they were served (trace counters).
struct CoreSample {
    Cycle start = 0;
    Counter accesses = 0;
    Counter served[kNumServedBy] = {};
};

// What the running task did on this core; the owner of the task supplies the struct. The
// access counts are of its own lines; its page walks are counted apart (tlb_misses, walk_cycles).
struct TaskCounters {
    Counter ops = 0;
    Counter accesses = 0;
    Counter l1_misses = 0;
    Counter stall_cycles = 0;
    Counter served[kNumServedBy] = {};
    Counter tlb_misses = 0;
    Counter walk_cycles = 0;
};

} // namespace smp
