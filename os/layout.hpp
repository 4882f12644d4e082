// Guest-physical addresses of the kernel's objects (reference §7.3): runqueue lines, task_struct
// lines, thread_info and kernel stacks, sched domains and groups, mm_structs, kernel text.
#pragma once

#include "models/common/types.hpp"

#include <string>

namespace smp::os {

// L0: lock, nr_running, cpu_load[], load; Curr: curr, idle, clock, next_balance, idle_at_tick;
// Cfs (2.6.24 / 4.7): the cfs_rq (rb root and leftmost, min_vruntime, load, nr_running), on the
// first line after the two prio arrays (lines 3..40); 2.4.21's prev_cpu_load[] overlays it.
enum class RqLine : unsigned {
    L0 = 0, Curr = 1, Migration = 2, Arrays = 3, Cfs = 41,
    // Linux 4.7: the wake_list head, the runnable load average (PELT), active_balance_work.
    Wake = 60, Pelt = 61, StopWork = 62,
};
// Linux 4.7 adds Pi (pi_lock, on_cpu, wake_cpu, wake_entry) and Avg (se.avg, its own line).
enum class TaskLine : unsigned { Sched = 0, Time = 1, Allowed = 2, Mm = 3, Thread = 4, Pi = 5, Avg = 6 };
// Frames on a task's kernel stack (lines below the top): syscall / irq entry, switch_to,
// migration_req_t of a requester (4.7: cpu_stop_work and migration_arg), its wait-queue entry;
// 4.7: the requester's cpu_stop_done.
enum class Frame : unsigned { Entry = 1, Switch = 2, StopDone = 5, Req = 6, Wait = 7 };
// Kernel text: one region per primitive.
enum class Text : unsigned {
    Irq, Tick, Schedule, Switch, Enqueue, Wakeup, Balance, Migrate, MigrationThread, Syscall,
    Completion, Exec, Fork, Idle, Hotplug, Pipe, Futex, Softirq, Count
};

class KLayout {
public:
    static constexpr Addr kBase = Addr(1) << 46;       // above every user frame, below user spaces
    static constexpr unsigned kLine = 64;
    static constexpr unsigned kStackBytes = 8192;     // thread_info at the base of the stack
    static constexpr unsigned kArrayLines = 19;       // prio_array: header + 140 queue heads

    Addr text(Text t, unsigned line) const { return kBase + unsigned(t) * 512 + line * kLine; }
    Addr jiffies() const { return kBase + 0x10000; }
    Addr online_map() const { return kBase + 0x10040; }
    Addr tasklist_lock() const { return kBase + 0x10080; }
    Addr balancing_lock() const { return kBase + 0x100c0; } // 2.6.24 'balancing' (SD_SERIALIZE)
    Addr root_domain() const { return kBase + 0x10100; }    // 4.7 rd->overload
    // Linux 4.7: struct cpu_stopper of each CPU, and each CPU's line of qspinlock MCS nodes.
    Addr stopper(int cpu) const { return kBase + 0x20000 + Addr(cpu) * kLine; }
    Addr mcs_node(int cpu) const { return kBase + 0x60000 + Addr(cpu) * kLine; }
    Addr rq(int cpu, RqLine l) const { return rq_base(cpu) + unsigned(l) * kLine; }
    // prio_array a (0/1) of cpu: line 0 = nr_active + bitmap, then the queue heads (8 bytes each).
    Addr array_header(int cpu, int a) const { return rq(cpu, RqLine::Arrays) + a * kArrayLines * kLine; }
    Addr array_queue(int cpu, int a, int prio) const {
        return array_header(cpu, a) + kLine + (unsigned(prio) * 8 / kLine) * kLine;
    }
    // Linux 2.4.21: rq->prev_cpu_load[i] (ints after the two prio arrays; 368 CPUs fit).
    Addr rq_prev_cpu_load(int cpu, int i) const {
        return rq(cpu, RqLine::Arrays) + 2 * kArrayLines * kLine + (unsigned(i) * 4 / kLine) * kLine;
    }
    Addr domain(int cpu, int level) const { return kBase + 0x2000000 + (Addr(cpu) * 4 + level) * kLine; }
    Addr group(int level, int index) const { return kBase + 0x3000000 + (Addr(level) * 4096 + index) * kLine; }
    Addr task(int pid, TaskLine l) const { return kBase + 0x4000000 + Addr(pid) * 1024 + unsigned(l) * kLine; }
    Addr thread_info(int pid) const { return kBase + 0x8000000 + Addr(pid) * kStackBytes; }
    Addr stack(int pid, Frame f) const { return thread_info(pid) + kStackBytes - unsigned(f) * kLine; }
    Addr mm(int mm) const { return kBase + 0x10000000 + Addr(mm) * kLine; }
    // Pipe id: line 0 i_sem, line 1 the wait queue head, line 2 start/len; the data page after.
    Addr pipe(int id, unsigned line) const { return kBase + 0x20000000 + Addr(id) * 8192 + line * kLine; }
    Addr pipe_page(int id) const { return kBase + 0x20000000 + Addr(id) * 8192 + 4096; }
    // Barrier id: line 0 the count word, line 1 its futex hash bucket.
    Addr barrier(int id, unsigned line) const { return kBase + 0x30000000 + Addr(id) * 128 + line * kLine; }

    // Human-readable name of a kernel line ("rq[1].L0", "task[5].Sched", "stack[3].Req").
    std::string describe(Addr paddr) const;

private:
    static Addr rq_base(int cpu) { return kBase + 0x100000 + Addr(cpu) * 4096; }
};

} // namespace smp::os
