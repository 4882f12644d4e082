// What the guest kernel records: an event trace (for tests and trace output), one
// MigrationEvent per change of a task's CPU, and the kernel's counters.
#pragma once

#include "models/common/types.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace smp::os {

enum class Ev : std::uint8_t {
    Syscall,    // pid enters a syscall; a = SyscallNr
    ReqQueued,  // migration_req queued on cpu's queue; pid = task to move, a = dest
    IpiSent,    // cpu sends a reschedule IPI to a
    Irq,        // cpu takes interrupt a (Irq)
    Switch,     // cpu switches from a to b (pids)
    Dequeue,    // pid dequeued from cpu's runqueue
    Enqueue,    // pid enqueued on cpu's runqueue
    SetCpu,     // pid's CPU changes from a to b (set_task_cpu); cpu = the CPU doing it
    Wakeup,     // pid woken (try_to_wake_up) onto a, by cpu
    Complete,   // complete() by cpu on pid's request
    FirstRun,   // pid runs for the first time on cpu after a migration
    LineXfer,   // kernel access by cpu to addr supplied by another cache; a = Source, b = KAccess
    Balance,    // load_balance on cpu; a = level index, b = tasks moved (-1: balanced;
                // -2: another CPU of the group balances this level, 2.6.24); pid = IdleType
    ActiveKick, // cpu kicks active balancing on a
    Action,     // action a applied on cpu; b = result
    Exit,       // pid exits on cpu
    CpuDown,    // cpu goes offline
    CpuUp,      // cpu comes online
    // Linux 4.7 mechanisms.
    StopQueued, // cpu_stop_queue_work by cpu on a's stopper; pid = the task it moves (or -1)
    WakeQueued, // pid queued by cpu on a's wake_list (ttwu_queue_remote); b = 1 if it was empty
    RqLock,     // cpu takes the runqueue lock of a (4.7 paths)
    RqUnlock,   // cpu releases the runqueue lock of a (4.7 paths)
};
const char* ev_name(Ev e);

enum class SyscallNr : std::uint8_t {
    SchedSetaffinity,
    Execve,
    Fork,
    Nanosleep,
    CpuDown,
    CpuUp,
    Read,
    Write,
    Futex,
    Wbinvd
};

struct TraceEvent {
    Cycle t = 0;
    Ev ev = Ev::Syscall;
    int cpu = -1;
    int pid = -1;
    long long a = 0;
    long long b = 0;
    Addr addr = 0;
};

enum class MigReason : std::uint8_t {
    Affinity,
    ActiveBalance,
    PeriodicBalance,
    NewidleBalance,
    Exec,
    Fork,
    Wakeup,
    Hotplug,
    Count
};
const char* reason_name(MigReason r);

// Where a migration path's cycles went, summing to them exactly: the straight-line budgets of the
// kernel primitives (KernelCosts), the kernel's memory accesses (instruction fetches included),
// sending IPIs, and spinning on locks or flags. Interrupts taken meanwhile are no path's.
struct PathSplit {
    Cycle budget = 0;
    Cycle memory = 0;
    Cycle ipi = 0;
    Cycle spin = 0;
    Cycle total() const { return budget + memory + ipi + spin; }
    PathSplit& operator+=(const PathSplit& o) {
        budget += o.budget, memory += o.memory, ipi += o.ipi, spin += o.spin;
        return *this;
    }
};

struct MigrationEvent {
    int task = -1;
    std::string task_name;
    int src = -1;
    int dst = -1;
    MigReason reason = MigReason::Affinity;
    std::string reason_detail; // the era's finer name: lb_tick, wake_affine, ...
    std::string mechanism;     // migration_thread, balancer, wakeup, caller
    int kernel_hot = -1;       // task_hot() at the decision (-1: not evaluated)
    // The age the era's hot test compares, at the decision (ns): now - exec_start on the
    // source's rq clock (2.6.24, 4.7), timestamp_last_tick - last_ran (2.6.10), jiffies since
    // last_run (2.4.21); -1 for a task that never ran.
    long long since_ran_ns = -1;
    Cycle t_decision = 0;
    Cycle t_dequeue = 0;     // 0 when the task was not queued (sleeping)
    Cycle t_enqueue = 0;     // when it was queued on dst (0: not yet)
    Cycle t_first_run = 0;   // first run on dst (0: not yet)
    bool suppressed = false; // counterfactual run: replaced by a same-CPU resumption
    // The migration path (its share when one path moved several tasks, e.g. one balance pass):
    int ipis = 0;                  // IPIs sent along it
    Cycle rq_lock_wait_cycles = 0; // cycles spun waiting for runqueue locks
    Cycle path_cycles = 0;         // cycles of kernel code on the path, all CPUs
    std::vector<Cycle> path_cycles_by_cpu;
    PathSplit split;    // path_cycles by kind
    int path_moves = 0; // migrations sharing the path (its share is 1/path_moves)
    std::vector<std::uint32_t> path_calls; // the whole path's primitives, per Cost
};

// One migration path: the kernel code that decided and carried out one or more moves, on every
// CPU it ran on (requester, migration thread or balancer, and the switch-in on the destination).
struct MigPath {
    std::vector<Cycle> cycles; // per CPU
    int ipis = 0;
    Cycle lock_wait = 0;
    PathSplit split;
    std::vector<std::uint32_t> calls; // primitives charged, per Cost
    std::vector<long> events;         // migration records it made
};

struct KernelStats {
    std::uint64_t context_switches = 0;
    std::uint64_t migrations = 0;
    std::uint64_t migrations_by[static_cast<int>(MigReason::Count)] = {};
    std::uint64_t ipis_sent = 0;
    std::uint64_t ticks = 0;
    std::uint64_t wakeups = 0;
    std::uint64_t load_balance = 0;        // load_balance() passes (tick)
    std::uint64_t load_balance_failed = 0; // passes that found an imbalance and moved nothing
    std::uint64_t newidle_balance = 0;
    std::uint64_t active_balance = 0; // active_load_balance runs
    std::uint64_t migration_requests = 0;
    std::uint64_t migration_requests_completed = 0;
    std::uint64_t lock_spins = 0; // contended lock acquisitions
    std::uint64_t lock_wait_cycles = 0;
    // 2.6.24 balance_tasks passes (one per class per move_tasks) and the tasks they examined.
    std::uint64_t balance_passes = 0;
    std::uint64_t tasks_examined = 0;
    std::uint64_t max_tasks_examined = 0; // the most tasks one pass examined
    // 4.7 idle_balance: new-idle entries skipped because avg_idle < sysctl_sched_migration_cost
    // (or no runqueue was overloaded), and levels cut by avg_idle < cost + max_newidle_lb_cost.
    std::uint64_t newidle_skipped = 0;
    std::uint64_t newidle_cut = 0;
};

} // namespace smp::os
