// schedule(), context switch, scheduler_tick, try_to_wake_up, completions, interrupt entry,
// the idle loop and the user-mode loop (2.6.10 kernel/sched.c, reference §3 and §7.2).
#include "os/kernel.hpp"

#include <stdexcept>

namespace smp::os {

// schedule(): PREEMPT_NONE, so only explicit calls and the return to user come here.
void Kernel::schedule(int cpu) {
    for (;;) {
        Runqueue& rq = cpu_rq(cpu);
        Task& prev = *rq.curr;
        text(cpu, Text::Schedule, Cost::schedule);
        if (m_kind.hot_test == HotTest::JiffiesLastRun) stamp_last_run_2421(cpu, prev);
        m_hal.irq_disable(cpu);
        const bool cfs = m_kind.sched_class == SchedClassKind::Cfs;
        if (cfs) update_rq_clock_raw(cpu, rq); // 2.6.24: outside the rq lock
        spin_lock(cpu, rq.lock);
        const Cycle t = now(cpu);
        if (cfs) { // 2.6.24 clears TIF_NEED_RESCHED before idle_balance, which may set it again
            W(cpu, m_layout.thread_info(prev.pid));
            prev.need_resched = false;
        }
        if (prev.state != TASK_RUNNING && task_queued(prev)) deactivate_task(cpu, prev, rq);
        Task* next = nullptr;
        if (!cfs && m_kind.migrator == Migrator::Stopper)
            next = pick_next_task_stop(cpu, rq); // 4.7
        if (rq.nr_running == 0) {
            if (m_pelt) rq.idle_stamp = t; // 4.7 idle_balance: the CPU goes idle now
            if (m_kind.imbalance_algo == ImbalanceAlgo::O1Pct25Half) {
                load_balance_2421(cpu, true, m_online, MigReason::NewidleBalance);
            } else {
                idle_balance(cpu);
            }
            if (rq.nr_running == 0) {
                next = rq.idle;
            } else if (m_pelt) {
                rq.idle_stamp = 0;
            }
        }
        if (cfs) {
            next = &pick_next_task_cfs(cpu, rq, prev); // put_prev_task + pick_next_task by class
        } else if (!next) {
            R(cpu, m_layout.array_header(cpu, rq.active->index));
            if (rq.active->nr_active == 0) { // switch the arrays
                W(cpu, m_layout.rq(cpu, RqLine::Curr));
                std::swap(rq.active, rq.expired);
                R(cpu, m_layout.array_header(cpu, rq.active->index));
            }
            const int idx = rq.active->first_bit();
            if (idx >= MAX_PRIO)
                throw std::logic_error("schedule: nr_running > 0 but no queued task on cpu " +
                                       std::to_string(cpu));
            R(cpu, m_layout.array_queue(cpu, rq.active->index, idx));
            next = &rq.active->queue[idx].front();
            R(cpu, m_layout.task(next->pid, TaskLine::Sched));
        }
        if (!cfs) {
            W(cpu, m_layout.thread_info(prev.pid)); // clear_tsk_need_resched
            prev.need_resched = false;
        }
        prev.last_ran = t;
        W(cpu, m_layout.task(prev.pid, TaskLine::Time));
        if (next == &prev) {
            spin_unlock_irq(cpu, rq.lock);
        } else {
            ++m_stats.context_switches;
            ++next->switches;
            W(cpu, m_layout.rq(cpu, RqLine::Curr));
            rq.curr = next;
            ev(Ev::Switch, cpu, -1, prev.pid, next->pid);
            if (next->first_run_event >= 0) {
                next->switch_path = m_event_path[std::size_t(next->first_run_event)];
                if (next->switch_path >= 0) { // the switch into it is part of its path
                    path_begin(cpu, next->switch_path);
                    m_open[std::size_t(cpu)].back().switch_in = true;
                }
                m_migrations[std::size_t(next->first_run_event)].t_first_run = now(cpu);
                m_hal.first_run(cpu, next->pid, next->first_run_event);
                ev(Ev::FirstRun, cpu, next->pid);
                next->first_run_event = -1;
            }
            const bool dead = prev.state == EXIT_DEAD;
            context_switch(cpu, rq, prev, *next);
            if (dead) return; // the thread of an exited task ends here
            cpu = prev.cpu;   // prev runs again, possibly on another CPU
        }
        if (!prev.need_resched) return;
    }
}

void Kernel::context_switch(int cpu, Runqueue& rq, Task& prev, Task& next) {
    text(cpu, Text::Switch, Cost::context_switch);
    next.on_cpu = true; // prepare_lock_switch (4.7 p->on_cpu)
    R(cpu, m_layout.task(next.pid, TaskLine::Mm));
    if (next.mm < 0) {
        next.active_mm = prev.active_mm;    // lazy TLB: borrow the previous mm
    } else if (next.mm != prev.active_mm) { // switch_mm: cpu_vm_mask bits, CR3 load
        if (prev.active_mm >= 0) A(cpu, m_layout.mm(prev.active_mm));
        A(cpu, m_layout.mm(next.mm));
        next.active_mm = next.mm;
    }
    if (prev.mm < 0) prev.active_mm = -1;
    // switch_to: save prev's registers and stack pointer, load next's.
    W(cpu, m_layout.stack(prev.pid, Frame::Switch));
    W(cpu, m_layout.task(prev.pid, TaskLine::Thread));
    R(cpu, m_layout.task(next.pid, TaskLine::Thread));
    R(cpu, m_layout.thread_info(next.pid)); // current_thread_info(): flags, preempt_count
    R(cpu, m_layout.stack(next.pid, Frame::Switch));
    rq.prev_task = &prev;
    if (prev.state == EXIT_DEAD) {
        m_hal.exit_to(cpu, prev.pid, next.pid);
        return;
    }
    m_hal.switch_to(cpu, prev.pid, next.pid);
    // Back in prev, on whatever CPU switched it in: finish the switch that CPU started.
    const int here = prev.cpu;
    finish_task_switch(here, *cpu_rq(here).prev_task);
}

void Kernel::finish_task_switch(int cpu, Task& prev) {
    Task& cur = current(cpu);
    if (cur.switch_path >= 0) { // closes the switch-in frame opened in schedule()
        const OpenPath* top = open_path(cpu);
        if (!top || !top->switch_in || top->id != cur.switch_path) {
            throw std::logic_error("guest kernel: the switch into task " + std::to_string(cur.pid) +
                                   " on cpu " + std::to_string(cpu) + " left its path frame");
        }
        path_end(cpu);
    }
    cur.switch_path = -1;
    if (m_kind.wake_policy == WakePolicy::SelectTaskRqFair) { // 4.7 finish_lock_switch
        W(cpu, m_layout.task(prev.pid, TaskLine::Pi));        // smp_store_release(&prev->on_cpu, 0)
    }
    prev.on_cpu = false;
    spin_unlock_irq(cpu, cpu_rq(cpu).lock);
    sched_checkpoint(cpu, "a context switch");
}

// scheduler_tick (2.6.10): timeslices of SCHED_NORMAL tasks; every task is treated as
// non-interactive (static priority, no sleep_avg bonus), so an expired task goes to the
// expired array. Ends with rebalance_tick.
void Kernel::scheduler_tick(int cpu) {
    if (m_kind.sched_class == SchedClassKind::Cfs) {
        scheduler_tick_cfs(cpu);
        return;
    }
    if (m_kind.trigger == Trigger::TickModulo) return scheduler_tick_2421(cpu);
    Runqueue& rq = cpu_rq(cpu);
    Task& p = *rq.curr;
    text(cpu, Text::Tick, Cost::tick);
    W(cpu, m_layout.rq(cpu, RqLine::Curr));
    rq.timestamp_last_tick = now(cpu);
    ++m_stats.ticks;
    if (m_pelt) pelt_tick(cpu); // 4.7 entity_tick: update_load_avg (sched_47.cpp)
    if (&p == rq.idle) {
        rebalance_tick(cpu, IdleType::Idle);
        if (m_policy.idle_resched_every_tick) set_need_resched(cpu, p);
        return;
    }
    if (p.stop_class) { // 4.7 task_tick_stop: nothing
        rebalance_tick(cpu, IdleType::NotIdle);
        return;
    }
    R(cpu, m_layout.task(p.pid, TaskLine::Sched));
    if (p.array != rq.active) {
        set_need_resched(cpu, p);
    } else {
        spin_lock(cpu, rq.lock);
        task_tick_o1(cpu, rq, p);
        spin_unlock(cpu, rq.lock);
    }
    rebalance_tick(cpu, IdleType::NotIdle);
}

// The O(1) timeslice step of scheduler_tick (2.4.21 and 2.6.10), with rq locked: an RR task
// rotates within its priority; a SCHED_NORMAL task that used its slice goes to the expired
// array (never TASK_INTERACTIVE here).
void Kernel::task_tick_o1(int cpu, Runqueue& rq, Task& p) {
    if (p.rt()) {
        if (p.policy == Policy::RR && --p.time_slice == 0) {
            p.time_slice = task_timeslice(p);
            set_need_resched(cpu, p);
            dequeue_task(cpu, p, *rq.active);
            enqueue_task(cpu, p, *rq.active);
        }
    } else {
        W(cpu, m_layout.task(p.pid, TaskLine::Sched));
        if (--p.time_slice == 0) {
            dequeue_task(cpu, p, *rq.active);
            set_need_resched(cpu, p);
            p.prio = p.static_prio;
            p.time_slice = task_timeslice(p);
            enqueue_task(cpu, p, *rq.expired);
        }
    }
}

// try_to_wake_up (2.6.10, reference §3.8): wake-affine and passive balancing, wake_idle on SMT.
int Kernel::try_to_wake_up(int cpu, Task& p, long state, bool sync) {
    const int woken = try_to_wake_up_era(cpu, p, state, sync);
    sched_checkpoint(cpu, "a wake-up");
    return woken;
}

int Kernel::try_to_wake_up_era(int cpu, Task& p, long state, bool sync) {
    if (m_kind.wake_policy == WakePolicy::Affine2624)
        return try_to_wake_up_2624(cpu, p, state, sync);
    if (m_kind.wake_policy == WakePolicy::SyncPull) return try_to_wake_up_2421(cpu, p, state, sync);
    if (m_kind.wake_policy == WakePolicy::SelectTaskRqFair)
        return try_to_wake_up_47(cpu, p, state, sync);
    PathScope path(*this, cpu);
    text(cpu, Text::Wakeup, Cost::wakeup);
    m_hal.irq_disable(cpu);
    Runqueue* rq = &task_rq_lock(cpu, p);
    R(cpu, m_layout.task(p.pid, TaskLine::Sched));
    int success = 0;
    long old_state = p.state;
    int this_cpu = cpu;
    int c = p.cpu;
    int new_cpu = c;
    const Cycle decided = now(cpu);
    const char* detail = nullptr;
    int hot = -1;
    if (!(old_state & state)) goto out;
    if (task_queued(p)) goto out_running;
    if (task_running(*rq, p)) goto out_activate;
    ++m_stats.wakeups;
    if (c == this_cpu || !p.cpus_allowed.test(this_cpu) || !m_online.test(this_cpu))
        goto out_set_cpu;
    {
        R(cpu, m_layout.rq(c, RqLine::L0));
        R(cpu, m_layout.rq(this_cpu, RqLine::L0));
        const unsigned long load = source_load(c);
        unsigned long this_load = target_load(this_cpu);
        if (sync) this_load = this_load > SCHED_LOAD_SCALE ? this_load - SCHED_LOAD_SCALE : 0;
        if (load < SCHED_LOAD_SCALE / 2 && this_load > SCHED_LOAD_SCALE / 2) goto out_set_cpu;
        new_cpu = this_cpu;
        for (SchedDomain* sd : domains_of(this_cpu)) {
            const long long pct = sd->params.imbalance_pct;
            const unsigned long imbalance = static_cast<unsigned long>(pct + (pct - 100) / 2);
            R(cpu, sd->addr);
            const bool is_hot = task_hot(p, rq->timestamp_last_tick, *sd);
            if (sd->params.wake_affine && !is_hot) {
                if (sd->span.test(c)) {
                    detail = "wake_affine";
                    hot = 0;
                    goto out_set_cpu;
                }
            } else if (sd->params.wake_balance && imbalance * this_load <= 100 * load) {
                if (sd->span.test(c)) {
                    detail = "wake_balance";
                    hot = is_hot ? 1 : 0;
                    goto out_set_cpu;
                }
            }
        }
        new_cpu = c;
    }
out_set_cpu : { // wake_idle: the first idle CPU of the lowest domain, when it has SD_WAKE_IDLE
    const Runqueue& nrq = cpu_rq(new_cpu);
    if (!idle_cpu(new_cpu) && !nrq.domains.empty() && nrq.domains.front()->params.wake_idle) {
        const CpuMask cand = nrq.domains.front()->span & p.cpus_allowed;
        for (int i = cand.first(); i < int(m_ncpus); i = cand.next(i + 1)) {
            R(cpu, m_layout.rq(i, RqLine::Curr));
            if (idle_cpu(i)) {
                new_cpu = i;
                detail = "wake_idle";
                break;
            }
        }
    }
}
    if (new_cpu != c && p.cpus_allowed.test(new_cpu)) {
        record_migration(cpu, p, c, new_cpu, MigReason::Wakeup, detail ? detail : "wake_affine",
                         "wakeup", hot, decided);
        set_task_cpu(cpu, p, new_cpu);
        spin_unlock(cpu, rq->lock);
        rq = &task_rq_lock(cpu, p);
        old_state = p.state;
        if (!(old_state & state)) goto out;
        if (task_queued(p)) goto out_running;
        this_cpu = cpu;
        c = p.cpu;
    }
out_activate:
    activate_task(cpu, p, *rq);
    if (p.first_run_event >= 0 && m_migrations[std::size_t(p.first_run_event)].t_enqueue == 0) {
        m_migrations[std::size_t(p.first_run_event)].t_enqueue = now(cpu);
    }
    ev(Ev::Wakeup, cpu, p.pid, p.cpu);
    if (!sync || c != this_cpu) {
        R(cpu, m_layout.rq(p.cpu, RqLine::Curr));
        if (task_preempts_curr(p, *rq)) resched_task(cpu, *rq->curr);
    }
    success = 1;
out_running:
    p.state = TASK_RUNNING;
out:
    spin_unlock_irq(cpu, rq->lock);
    return success;
}

// wake_up_new_task: the child starts on the CPU copy_process gave it (no fork balancing in
// 2.6.10); it preempts the current task there if it has a better priority.
void Kernel::wake_up_new_task(int cpu, Task& p) {
    if (m_kind.fork_balance == ForkBalance::SelectTaskRq) return wake_up_new_task_47(cpu, p);
    if (m_kind.sched_class == SchedClassKind::Cfs) {
        wake_up_new_task_cfs(cpu, p);
        return;
    }
    m_hal.irq_disable(cpu);
    Runqueue& rq = task_rq_lock(cpu, p);
    p.state = TASK_RUNNING;
    p.time_slice = task_timeslice(p);
    activate_task(cpu, p, rq);
    R(cpu, m_layout.rq(p.cpu, RqLine::Curr));
    if (task_preempts_curr(p, rq)) resched_task(cpu, *rq.curr);
    spin_unlock_irq(cpu, rq.lock);
}

// complete(): under the completion's lock (a line on the waiter's stack) count and wake.
void Kernel::complete(int cpu, Completion& x) {
    text(cpu, Text::Completion, Cost::completion);
    m_hal.irq_disable(cpu);
    spin_lock(cpu, x.lock);
    W(cpu, x.lock.addr); // x->done++
    ++x.done;
    for (Task* w : std::deque<Task*>(x.waiters)) {
        R(cpu, m_layout.stack(w->pid, Frame::Wait)); // the wait-queue entry
        try_to_wake_up(cpu, *w, TASK_UNINTERRUPTIBLE | TASK_INTERRUPTIBLE, false);
    }
    spin_unlock_irq(cpu, x.lock);
}

void Kernel::wait_for_completion(int cpu, Task& self, Completion& x) {
    if (m_kind.preempt == Preempt::Voluntary) { // 4.7 might_sleep (sched_47.cpp)
        might_sleep(self);
        cpu = self.cpu;
    }
    text(cpu, Text::Completion, Cost::completion);
    m_hal.irq_disable(cpu);
    spin_lock(cpu, x.lock);
    if (!x.done) {
        W(cpu, m_layout.stack(self.pid, Frame::Wait));
        x.waiters.push_back(&self);
        do {
            W(cpu, m_layout.task(self.pid, TaskLine::Sched));
            self.state = TASK_UNINTERRUPTIBLE;
            spin_unlock_irq(cpu, x.lock);
            schedule(cpu);
            cpu = self.cpu;
            m_hal.irq_disable(cpu);
            spin_lock(cpu, x.lock);
        } while (!x.done);
        x.waiters.erase(std::find(x.waiters.begin(), x.waiters.end(), &self));
    }
    --x.done;
    spin_unlock_irq(cpu, x.lock);
}

// Interrupt entry, on the interrupted thread with interrupts disabled.
void Kernel::interrupt(int cpu, Irq vector, Cycle accepted) {
    Task& curr = current(cpu);
    PathScope barrier(*this, cpu, kIrqBarrier, accepted); // from its acceptance, no path's time
    text(cpu, Text::Irq, Cost::irq_entry);
    W(cpu, m_layout.stack(curr.pid, Frame::Entry)); // pt_regs
    ev(Ev::Irq, cpu, curr.pid, static_cast<long long>(vector));
    switch (vector) {
    case Irq::Timer:
        if (cpu == m_online.first()) { // do_timer
            W(cpu, m_layout.jiffies());
            const std::string stuck = blocked_forever();
            if (!stuck.empty()) {
                m_hal.fail(stuck + " (cycle " + std::to_string(now(cpu)) + ")" +
                           (m_checking ? "; last kernel events:" + recent_events() : ""));
            }
        }
        scheduler_tick(cpu);
        run_timers(cpu);
        break;
    case Irq::Action: {
        if (m_cf_pending == cpu && m_cf_held) { // counterfactual: the same-CPU resumption
            Task* held = m_cf_held;
            m_cf_held = nullptr;
            m_cf_pending = -1;
            m_cf_waking = held; // resumed where it was held: no wake-up placement
            try_to_wake_up(cpu, *held, TASK_UNINTERRUPTIBLE, false);
            m_cf_waking = nullptr;
        }
        std::vector<std::size_t> due;
        due.swap(m_inbox[std::size_t(cpu)]);
        for (std::size_t i : due) {
            const ActionConfig& a = m_actions[i];
            Task* t = find_task(a.task);
            if (a.kind == "wake") {
                const int r = t ? try_to_wake_up(cpu, *t, TASK_INTERRUPTIBLE, false) : 0;
                m_action_results[i] =
                    ActionResult{now(cpu), cpu, 0, r ? "woken" : "was not sleeping"};
            } else if (a.by_control_task() && m_control[std::size_t(cpu)]) {
                m_control_work[std::size_t(cpu)].push_back(i);
                wake_up_process(cpu, *m_control[std::size_t(cpu)]);
            } else if (t && !t->exited) { // the task does it itself at its return to user
                t->pending.push_back(i);
                t->sigpending = true;
            } else {
                m_action_results[i] = ActionResult{now(cpu), cpu, -ESRCH_, "task has exited"};
            }
            ev(Ev::Action, cpu, t ? t->pid : -1, static_cast<long long>(i));
        }
        break;
    }
    case Irq::Reschedule: // 2.6: only acknowledged, need_resched was set before the IPI
        if (m_policy.ttwu_queue) scheduler_ipi(cpu); // 4.7: drains the wake list
        break;
    default:
        break;
    }
    if (cpu_rq(cpu).softirq_pending) { // irq_exit -> do_softirq: SCHED_SOFTIRQ (2.6.24)
        cpu_rq(cpu).softirq_pending = false;
        text(cpu, Text::Softirq, Cost::softirq);
        run_rebalance_domains(cpu);
    }
    kcompute(cpu, Cost::irq_exit);
    m_irq_taken[std::size_t(cpu)] = 1;
    sched_checkpoint(cpu, "an interrupt");
}

void Kernel::run_timers(int cpu) {
    auto& list = m_timers[std::size_t(cpu)];
    if (list.empty()) return;
    const unsigned long j = jiffies(cpu);
    std::vector<int> due;
    for (auto it = list.begin(); it != list.end();) {
        Task& t = *m_tasks[std::size_t(*it)];
        if (t.sleep_until_jiffy <= j) {
            due.push_back(*it);
            it = list.erase(it);
        } else {
            ++it;
        }
    }
    for (int pid : due) {
        m_tasks[std::size_t(pid)]->sleep_until_jiffy = 0;
        try_to_wake_up(cpu, *m_tasks[std::size_t(pid)], TASK_INTERRUPTIBLE, false);
    }
}

// cpu_idle with HLT: sleep until an interrupt; schedule() when need_resched is set.
void Kernel::idle_loop(int cpu) {
    Task& idle = *cpu_rq(cpu).idle;
    for (;;) {
        for (;;) {
            m_irq_taken[std::size_t(cpu)] = 0;
            if (idle.need_resched) break;
            if (!m_online.test(cpu) && cpu_rq(cpu).curr == &idle) { // play_dead
                m_hal.irq_disable(cpu);
                m_hal.timer(cpu, false);
                m_dead[std::size_t(cpu)] = 1;
                m_hal.kick();
                m_hal.halt(cpu, [this, cpu] { return m_online.test(cpu); });
                m_dead[std::size_t(cpu)] = 0;
                m_hal.timer(cpu, true);
                m_hal.irq_enable(cpu);
                continue;
            }
            text(cpu, Text::Idle, Cost::idle_entry);
            m_hal.halt(cpu, [this, cpu] { return m_irq_taken[std::size_t(cpu)] != 0; });
        }
        schedule(cpu);
    }
}

// Return to user mode after an interrupt or a system call: reschedule, pending actions, freezer.
void Kernel::ret_to_user(Task& p) {
    for (;;) {
        const int cpu = p.cpu;
        R(cpu, m_layout.thread_info(p.pid));
        if (p.need_resched) {
            schedule(cpu);
            continue;
        }
        if (p.sigpending) {
            p.sigpending = false;
            while (!p.pending.empty()) {
                const std::size_t i = p.pending.front();
                p.pending.pop_front();
                perform(p, i);
            }
            continue;
        }
        if (p.flags & PF_FREEZE) {
            refrigerator(p);
            continue;
        }
        break;
    }
    if (!p.cpus_allowed.test(p.cpu)) ++p.ret_outside_mask;
}

void Kernel::user_main(Task& p) {
    p.started = true;
    p.start = now(p.cpu);
    if (p.sigpending) ret_to_user(p); // actions that arrived before its first run
    for_each_op(*p.program, [this, &p](const Op& op) { user_op(p, op); });
    do_exit(p);
}

void Kernel::user_op(Task& p, const Op& op) {
    if (op.kind == OpKind::Compute) {
        Cycle left = op.cycles;
        bool resumed = false;
        while (left > 0) {
            left = m_hal.user_compute(p.cpu, left, resumed);
            resumed = true;
            if (m_irq_taken[std::size_t(p.cpu)]) {
                m_irq_taken[std::size_t(p.cpu)] = 0;
                ret_to_user(p);
            }
        }
        return;
    }
    if (op.kind == OpKind::Sys) {
        p.program->result(user_sys(p, op));
    } else {
        m_hal.user_access(p.cpu, op);
    }
    if (m_irq_taken[std::size_t(p.cpu)]) {
        m_irq_taken[std::size_t(p.cpu)] = 0;
        ret_to_user(p);
    }
}

void Kernel::do_exit(Task& p) {
    const int cpu = p.cpu;
    text(cpu, Text::Syscall, Cost::syscall);
    ev(Ev::Exit, cpu, p.pid);
    p.exited = true;
    if (p.kind == TaskKind::User) {
        p.end = now(cpu);
        --m_user_alive;
        if (std::size_t(p.pid) < m_start_after.size()) {
            for (int pid : m_start_after[std::size_t(p.pid)])
                wake_up_new_task(cpu, *m_tasks[std::size_t(pid)]);
        }
    }
    W(cpu, m_layout.task(p.pid, TaskLine::Sched));
    p.state = EXIT_DEAD;
    schedule(cpu);
}

} // namespace smp::os
