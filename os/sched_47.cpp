// Linux 4.7 migration mechanisms on any runqueue type (kernel/sched/core.c "C", fair.c "F";
// reference §5.4-§5.6): __set_cpus_allowed_ptr, migration_cpu_stop, move_queued_task,
// sched_exec and fork placement through select_task_rq, might_sleep under PREEMPT_VOLUNTARY,
// pi_lock / task_rq_lock, and the PELT bookkeeping of enqueue, dequeue and the tick.
#include "os/kernel.hpp"

#include <algorithm>

namespace smp::os {

SpinLock& Kernel::pi_lock(Task& p) {
    if (!p.pi_lock.addr) p.pi_lock.addr = m_layout.task(p.pid, TaskLine::Pi);
    return p.pi_lock;
}

void Kernel::rq_lock(int cpu, Runqueue& rq) {
    spin_lock(cpu, rq.lock);
    ev(Ev::RqLock, cpu, -1, rq.cpu);
}

void Kernel::rq_unlock(int cpu, Runqueue& rq) {
    ev(Ev::RqUnlock, cpu, -1, rq.cpu);
    spin_unlock(cpu, rq.lock);
}

// __task_rq_lock (C :~90): lock task_rq(p); retry if p moved or is being moved
// (TASK_ON_RQ_MIGRATING: move_queued_task holds neither lock for a moment).
Runqueue& Kernel::task_rq_lock_only(int cpu, Task& p) {
    for (;;) {
        R(cpu, m_layout.thread_info(p.pid));
        Runqueue& rq = cpu_rq(p.cpu);
        rq_lock(cpu, rq);
        R(cpu, m_layout.task(p.pid, TaskLine::Sched)); // p->on_rq
        if (&rq == &cpu_rq(p.cpu) && !p.migrating) return rq;
        rq_unlock(cpu, rq);
        kspin(cpu, [&p] { return !p.migrating; });
    }
}

// task_rq_lock (C :~110): p->pi_lock, then p's runqueue. Interrupts are disabled here.
Runqueue& Kernel::task_rq_lock_47(int cpu, Task& p) {
    m_hal.irq_disable(cpu);
    spin_lock(cpu, pi_lock(p));
    return task_rq_lock_only(cpu, p);
}

void Kernel::task_rq_unlock_47(int cpu, Runqueue& rq, Task& p) {
    rq_unlock(cpu, rq);
    spin_unlock(cpu, p.pi_lock);
    m_hal.irq_enable(cpu);
}

// set_task_cpu (C :1205-1250): migrate_task_rq_fair (the PELT average is detached from the old
// runqueue: it is attached, undecayed, at the next enqueue), nr_migrations++, __set_task_cpu
// (thread_info->cpu, p->wake_cpu).
void Kernel::set_task_cpu_47(int cpu, Task& p, int new_cpu) {
    if (p.cpu != new_cpu && m_pelt && pelt_tracked(p)) {
        update_load_avg(p.avg, clock_ns(cpu), 0);
        p.avg.last_update_time = 0;
        W(cpu, m_layout.task(p.pid, TaskLine::Avg));
    }
    if (p.cpu != new_cpu && m_kind.sched_class == SchedClassKind::Cfs && fair_task(p)) {
        p.se.exec_start = 0; // migrate_task_rq_fair: no longer cache hot
    }
    set_task_cpu(cpu, p, new_cpu);
    W(cpu, m_layout.task(p.pid, TaskLine::Pi)); // p->wake_cpu
}

// move_queued_task (C :990-1008), p's runqueue locked: dequeue with on_rq = MIGRATING, change its
// CPU, release the source lock, then take the destination's: never both runqueue locks.
Runqueue& Kernel::move_queued_task(int cpu, Runqueue& rq, Task& p, int new_cpu, MigReason why,
                                   const char* detail, const char* mechanism, Cycle decided) {
    if (cf_due()) { // counterfactual: held on its CPU instead
        cf_hold(cpu, p, rq.cpu, new_cpu, why, detail, mechanism, decided);
        return rq;
    }
    text(cpu, Text::Migrate, Cost::move_task);
    W(cpu, m_layout.task(p.pid, TaskLine::Sched)); // p->on_rq = TASK_ON_RQ_MIGRATING
    p.migrating = true;
    const long e = record_migration(cpu, p, rq.cpu, new_cpu, why, detail, mechanism,
                                    hot_verdict(p, rq.cpu, new_cpu, cpu), decided);
    deactivate_task(cpu, p, rq);
    m_migrations[std::size_t(e)].t_dequeue = now(cpu);
    set_task_cpu_47(cpu, p, new_cpu);
    rq_unlock(cpu, rq);
    Runqueue& dst = cpu_rq(new_cpu);
    rq_lock(cpu, dst);
    activate_task(cpu, p, dst);
    W(cpu, m_layout.task(p.pid, TaskLine::Sched)); // p->on_rq = TASK_ON_RQ_QUEUED
    p.migrating = false;
    m_hal.kick();
    m_migrations[std::size_t(e)].t_enqueue = now(cpu);
    check_preempt_curr(cpu, dst, p);
    return dst;
}

// 2.6.x __migrate_task when the policy holds one runqueue lock at a time: lock src, re-check,
// move_queued_task if queued, else just change the sleeping task's CPU (2.6 semantics).
void Kernel::migrate_task_unlocked(int cpu, Task& p, int src, int dest, MigReason why,
                                   const char* detail, const char* mechanism, Cycle decided) {
    if (!m_online.test(dest)) return;
    Runqueue* rq = &cpu_rq(src);
    rq_lock(cpu, *rq);
    R(cpu, m_layout.thread_info(p.pid));
    R(cpu, m_layout.task(p.pid, TaskLine::Allowed));
    if (p.cpu == src && p.cpus_allowed.test(dest)) {
        if (task_queued(p)) {
            rq = &move_queued_task(cpu, *rq, p, dest, why, detail, mechanism, decided);
        } else {
            move_or_hold(cpu, p, src, dest, why, detail, mechanism, decided);
        }
    }
    rq_unlock(cpu, *rq);
}

// migration_cpu_stop (C :1043-1075), in the stopper of the task's old CPU: flush the remote
// wake-ups, then under p->pi_lock and this runqueue's lock move p if it is still queued here.
// With a wake-up path that has no select_fallback_rq (2.6.x try_to_wake_up), a task found asleep
// is moved too, as 2.6.x __migrate_task does; 4.7 leaves it to its next wake-up.
int Kernel::migration_cpu_stop(int cpu, Task& p, int dest, MigReason why, const char* detail,
                               Cycle decided) {
    m_hal.irq_disable(cpu); // local_irq_disable
    sched_ttwu_pending(cpu);
    spin_lock(cpu, pi_lock(p));
    Runqueue& rq = cpu_rq(cpu);
    rq_lock(cpu, rq);
    R(cpu, m_layout.thread_info(p.pid));
    R(cpu, m_layout.task(p.pid, TaskLine::Sched));
    const bool here = &cpu_rq(p.cpu) == &rq;
    const bool queued = task_queued(p);
    if (here && (queued || !wakeup_falls_back())) {
        R(cpu, m_layout.task(p.pid, TaskLine::Allowed)); // __migrate_task: cpu_active, allowed
        if (m_online.test(dest) && p.cpus_allowed.test(dest)) {
            if (!m_policy.hold_both_rq_locks) {
                Runqueue* locked = &rq;
                if (queued) {
                    locked = &move_queued_task(cpu, rq, p, dest, why, detail, "stopper", decided);
                } else {
                    move_or_hold(cpu, p, cpu, dest, why, detail, "stopper", decided);
                }
                rq_unlock(cpu, *locked);
            } else { // 2.6.x __migrate_task under double_rq_lock
                rq_unlock(cpu, rq);
                migrate_task_now(cpu, p, cpu, dest, why, detail, "stopper", decided);
            }
            spin_unlock(cpu, p.pi_lock);
            m_hal.irq_enable(cpu);
            return 0;
        }
    }
    rq_unlock(cpu, rq);
    spin_unlock(cpu, p.pi_lock);
    m_hal.irq_enable(cpu);
    return 0;
}

// __set_cpus_allowed_ptr (C :1125-1197): a running or waking task is moved by its CPU's stopper
// (the caller sleeps in stop_one_cpu); a queued one by the caller itself (move_queued_task, no
// stopper, no sleep) when caller_moves_queued_task; a sleeping one is placed by its next
// wake-up (select_task_rq -> select_fallback_rq), or moved now when the wake-up path cannot.
int Kernel::set_cpus_allowed_ptr(int cpu, Task& p, const CpuMask& mask, MigReason why) {
    const long id = path_new();
    PathScope path(*this, cpu, id);
    text(cpu, Text::Syscall, Cost::set_cpus_allowed);
    const Cycle decided = now(cpu);
    Runqueue* rq = &task_rq_lock_47(cpu, p);
    R(cpu, m_layout.online_map()); // cpu_active_mask (online for kernel threads)
    R(cpu, m_layout.task(p.pid, TaskLine::Allowed));
    if (p.cpus_allowed == mask) {
        task_rq_unlock_47(cpu, *rq, p);
        return 0;
    }
    if (!mask.intersects(m_online)) {
        task_rq_unlock_47(cpu, *rq, p);
        return -EINVAL_;
    }
    // do_set_cpus_allowed: the class keeps p's place (DEQUEUE_SAVE / ENQUEUE_RESTORE), so on
    // this runqueue it only writes the mask.
    W(cpu, m_layout.task(p.pid, TaskLine::Allowed));
    p.cpus_allowed = mask;
    if (mask.test(p.cpu)) {
        task_rq_unlock_47(cpu, *rq, p);
        return 0;
    }
    const int dest = (mask & m_online).first(); // cpumask_any_and(cpu_valid_mask, new_mask)
    R(cpu, m_layout.task(p.pid, TaskLine::Sched));
    if (task_running(*rq, p) || p.state == TASK_WAKING ||
        (task_queued(p) && !m_policy.caller_moves_queued_task)) {
        const int src = rq->cpu;
        task_rq_unlock_47(cpu, *rq, p);
        CpuStopWork work;
        work.task = p.pid;
        work.path = id;
        work.fn = [this, &p, dest, why, decided](int c) {
            return migration_cpu_stop(c, p, dest, why, "set_cpus_allowed", decided);
        };
        stop_one_cpu(cpu, src, work, &path);
        return 0;
    }
    if (task_queued(p)) {
        rq = &move_queued_task(cpu, *rq, p, dest, why, "set_cpus_allowed", "caller", decided);
    } else if (!wakeup_falls_back()) {
        move_or_hold(cpu, p, p.cpu, dest, why, "set_cpus_allowed", "caller", decided);
    }
    task_rq_unlock_47(cpu, *rq, p);
    return 0;
}

// sched_exec (C :2940-2960): select_task_rq_fair(SD_BALANCE_EXEC) under p->pi_lock, then the
// stopper of the task's CPU moves it (F2 semantics, reference §5.5 on PREEMPT_NONE). As for
// 2.6.10's sched_exec, the move's path starts after the choice.
void Kernel::sched_exec_47(Task& self) {
    const int cpu = self.cpu;
    text(cpu, Text::Exec, Cost::select_rq);
    m_hal.irq_disable(cpu);
    spin_lock(cpu, pi_lock(self));
    int dest = cpu;
    if (pelt_tracked(self))
        dest = select_task_rq_fair(cpu, self, self.cpu, SdFlag::Exec, false).cpu;
    R(cpu, m_layout.online_map());
    spin_unlock(cpu, self.pi_lock);
    m_hal.irq_enable(cpu);
    if (dest == cpu || !m_online.test(dest)) return;
    sched_migrate_task(self, dest); // the stopper's (below) or the migration thread's
}

// sched_exec's move with the stopper as migrator: stop_one_cpu(task_cpu(p), migration_cpu_stop,
// {p, dest}) (C :2955-2958); also the move of 2.6.10's sched_exec under this migrator.
void Kernel::sched_migrate_task_stopper(Task& self, int dest) {
    const int cpu = self.cpu;
    const long id = path_new();
    PathScope path(*this, cpu, id);
    const Cycle decided = now(cpu);
    CpuStopWork work;
    work.task = self.pid;
    work.path = id;
    work.fn = [this, &self, dest, decided](int c) {
        return migration_cpu_stop(c, self, dest, MigReason::Exec, "sched_exec", decided);
    };
    stop_one_cpu(cpu, self.cpu, work, &path);
}

// wake_up_new_task (C :2527-2562): fork placement by select_task_rq(SD_BALANCE_FORK) under
// p->pi_lock, then activate on that runqueue and check_preempt_curr.
void Kernel::wake_up_new_task_47(int cpu, Task& p) {
    PathScope path(*this, cpu);
    text(cpu, Text::Fork, Cost::select_rq);
    const Cycle decided = now(cpu);
    m_hal.irq_disable(cpu);
    spin_lock(cpu, pi_lock(p));
    const int from = p.cpu;
    const char* detail = "wake_up_new_task";
    const int dest = select_task_rq(cpu, p, SdFlag::Fork, false, detail);
    if (dest != from) {
        record_migration(cpu, p, from, dest, MigReason::Fork, "wake_up_new_task", "wakeup", -1,
                         decided);
        set_task_cpu_47(cpu, p, dest);
    }
    Runqueue& rq = task_rq_lock_only(cpu, p);
    p.state = TASK_RUNNING;
    p.time_slice = task_timeslice(p);
    activate_task(cpu, p, rq);
    check_preempt_curr(cpu, rq, p);
    task_rq_unlock_47(cpu, rq, p);
}

// might_sleep() under CONFIG_PREEMPT_VOLUNTARY (include/linux/kernel.h:176-197): _cond_resched,
// a preemption while still queued (state TASK_RUNNING) when need_resched is set.
void Kernel::might_sleep(Task& self) {
    if (m_kind.preempt != Preempt::Voluntary) return;
    R(self.cpu, m_layout.thread_info(self.pid)); // should_resched
    if (self.need_resched && self.state == TASK_RUNNING) schedule(self.cpu);
}

// ---- PELT (enqueue_entity_load_avg, dequeue_entity_load_avg, entity_tick; F :2900-3000) ----

std::uint64_t Kernel::clock_ns(int cpu) {
    return static_cast<std::uint64_t>(double(now(cpu)) / m_shape.freq_ghz);
}

void Kernel::pelt_enqueue(int cpu, Task& p, int rq_cpu) {
    if (!pelt_tracked(p)) return;
    Runqueue& rq = cpu_rq(rq_cpu);
    const std::uint64_t t = clock_ns(cpu);
    const bool attach = p.avg.last_update_time == 0; // new or migrated: attached undecayed
    if (!attach) update_load_avg(p.avg, t, 0);       // it was asleep: decay only
    update_load_avg(rq.runnable, t, rq.pelt_weight);
    if (attach) p.avg.last_update_time = std::max<std::uint64_t>(rq.runnable.last_update_time, 1);
    rq.runnable.load_avg += p.avg.load_avg;
    rq.runnable.load_sum += p.avg.load_sum;
    rq.pelt_weight += nice_to_weight(p.static_prio - 120);
    W(cpu, m_layout.task(p.pid, TaskLine::Avg));
    W(cpu, m_layout.rq(rq_cpu, RqLine::Pelt));
}

void Kernel::pelt_dequeue(int cpu, Task& p, int rq_cpu) {
    if (!pelt_tracked(p)) return;
    Runqueue& rq = cpu_rq(rq_cpu);
    const std::uint64_t t = clock_ns(cpu);
    const unsigned long w = nice_to_weight(p.static_prio - 120);
    update_load_avg(p.avg, t, w);
    update_load_avg(rq.runnable, t, rq.pelt_weight);
    rq.runnable.load_avg -= std::min(rq.runnable.load_avg, p.avg.load_avg);
    rq.runnable.load_sum -= std::min(rq.runnable.load_sum, p.avg.load_sum);
    rq.pelt_weight -= std::min(rq.pelt_weight, w);
    W(cpu, m_layout.task(p.pid, TaskLine::Avg));
    W(cpu, m_layout.rq(rq_cpu, RqLine::Pelt));
}

void Kernel::pelt_tick(int cpu) {
    Runqueue& rq = cpu_rq(cpu);
    const std::uint64_t t = clock_ns(cpu);
    Task& curr = *rq.curr;
    if (pelt_tracked(curr) && task_queued(curr)) {
        update_load_avg(curr.avg, t, nice_to_weight(curr.static_prio - 120));
        W(cpu, m_layout.task(curr.pid, TaskLine::Avg));
    }
    update_load_avg(rq.runnable, t, rq.pelt_weight);
    W(cpu, m_layout.rq(cpu, RqLine::Pelt));
}

// init_entity_runnable_average for every user task; those queued at boot are attached to their
// runqueue at time 0.
void Kernel::pelt_boot(Task& t) {
    if (!pelt_tracked(t)) return;
    const unsigned long w = nice_to_weight(t.static_prio - 120);
    init_runnable_average(t.avg, w);
    if (!task_queued(t)) return;
    Runqueue& rq = cpu_rq(t.cpu);
    rq.runnable.load_avg += t.avg.load_avg;
    rq.runnable.load_sum += t.avg.load_sum;
    rq.pelt_weight += w;
}

} // namespace smp::os
