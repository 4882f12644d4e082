// The cpu stopper's objects (Linux 4.7 kernel/stop_machine.c, include/linux/stop_machine.h,
// reference §5.1): per-CPU stopper, stop works and their completion, the migration argument.
#pragma once

#include "os/task.hpp"

#include <deque>
#include <functional>

namespace smp::os {

// struct cpu_stop_done, on the requester's stack: nr_todo, ret and the completion it waits on.
struct CpuStopDone {
    int nr_todo = 0;
    int ret = 0;
    Completion completion; // its lock word is the line of the struct
};

// struct cpu_stop_work: fn(arg) to run on a CPU's stopper; on the requester's stack
// (stop_one_cpu) or in a caller's buffer (stop_one_cpu_nowait, e.g. rq->active_balance_work).
struct CpuStopWork {
    std::function<int(int cpu)> fn; // runs on the stopper's CPU, non-preemptible, never sleeps
    CpuStopDone* done = nullptr;    // null: nobody waits (nowait)
    Addr addr = 0;                  // the work's line (list_head, fn, arg, done)
    int task = -1;                  // the task it moves (trace), or -1
    int requester = -1;             // pid that queued it
    long path = -1;                 // the requester's migration path
};

// struct cpu_stopper: one per CPU; lock, enabled and the works list share one line.
struct CpuStopper {
    Task* thread = nullptr; // migration/N, the CPU's stop-class task
    SpinLock lock;
    bool enabled = false;           // false while parked (CPU offline)
    std::deque<CpuStopWork*> works; // list_add_tail order
};

} // namespace smp::os
