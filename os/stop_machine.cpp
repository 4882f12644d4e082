// The cpu stopper of Linux 4.7 (kernel/stop_machine.c "SM", kernel/smpboot.c "SB",
// kernel/sched/stop_task.c; reference §5.1-§5.3): the per-CPU smpboot thread migration/N in the
// stop class, stop_one_cpu / stop_one_cpu_nowait, and the stop works that carry out hotplug and
// (with the 2.6.10 balancer) active balancing when the migrator is the stopper.
#include "os/kernel.hpp"

namespace smp::os {

namespace {
constexpr int ENOENT_ = 2;
}

// smpboot_register_percpu_thread(&cpu_stop_threads): cpu_stop_create -> sched_set_stop_task
// (C :836-864): FIFO MAX_RT_PRIO-1 "for show", in the stop class; created parked-off (asleep).
Task& Kernel::new_stopper_thread(int cpu) {
    if (m_stoppers.size() < m_ncpus) m_stoppers.resize(m_ncpus);
    auto t = std::make_unique<Task>();
    t->pid = int(m_tasks.size());
    t->comm = "migration/" + std::to_string(cpu);
    t->kind = TaskKind::Migration;
    t->flags = PF_KTHREAD | PF_NOFREEZE;
    t->policy = Policy::Fifo;
    t->rt_priority = 99;
    t->prio = MAX_RT_PRIO - 1 - t->rt_priority;
    t->stop_class = true;
    t->state = TASK_INTERRUPTIBLE;
    t->cpus_allowed = CpuMask::of(m_ncpus, cpu);
    t->cpu = cpu;
    Task& st = *t;
    m_tasks.push_back(std::move(t));
    cpu_rq(cpu).stop = &st;
    CpuStopper& s = m_stoppers[std::size_t(cpu)];
    s.thread = &st;
    s.lock.addr = m_layout.stopper(cpu);
    s.enabled = true; // cpu_stop_unpark
    Runqueue& rq = cpu_rq(cpu);
    rq.active_balance_work.addr = m_layout.rq(cpu, RqLine::StopWork);
    return st;
}

// The stop class's runqueue holds at most rq->stop: enqueue_task_stop / dequeue_task_stop only
// count it in nr_running (kernel/sched/stop_task.c).
void Kernel::enqueue_stop(int cpu, Task& p, Runqueue& rq) {
    W(cpu, rq.lock.addr); // add_nr_running: nr_running shares the lock's line
    p.stop_queued = true;
    ++rq.nr_running;
    ev(Ev::Enqueue, cpu, p.pid, rq.cpu);
}

void Kernel::dequeue_stop(int cpu, Task& p, Runqueue& rq) {
    W(cpu, rq.lock.addr);
    p.stop_queued = false;
    --rq.nr_running;
    ev(Ev::Dequeue, cpu, p.pid, rq.cpu);
}

// pick_next_task_stop: the highest class, tried before every other (H :1287).
Task* Kernel::pick_next_task_stop(int cpu, Runqueue& rq) {
    R(cpu, m_layout.rq(rq.cpu, RqLine::Curr)); // rq->stop
    return rq.stop && rq.stop->stop_queued ? rq.stop : nullptr;
}

// smpboot_thread_fn (SB :105-166) with cpu_stop_should_run / cpu_stopper_thread.
void Kernel::smpboot_stopper(int cpu) {
    Task& self = current(cpu);
    for (;;) {
        W(cpu, m_layout.task(self.pid, TaskLine::Sched));
        self.state = TASK_INTERRUPTIBLE; // set_current_state before the check (no lost wake-up)
        text(cpu, Text::MigrationThread, Cost::migration_thread);
        if (!cpu_stop_should_run(cpu)) {
            schedule(cpu);
            continue;
        }
        W(cpu, m_layout.task(self.pid, TaskLine::Sched));
        self.state = TASK_RUNNING;
        cpu_stopper_thread(cpu);
    }
}

// cpu_stop_should_run (SM :425-432): lock the stopper, !list_empty(works).
bool Kernel::cpu_stop_should_run(int cpu) {
    CpuStopper& st = m_stoppers[std::size_t(cpu)];
    m_hal.irq_disable(cpu);
    spin_lock(cpu, st.lock);
    const bool run = !st.works.empty();
    spin_unlock_irq(cpu, st.lock);
    return run;
}

// cpu_stopper_thread (SM :434-468): take the first work under the lock, run fn with preemption
// disabled, signal its done; repeat until the list is empty.
void Kernel::cpu_stopper_thread(int cpu) {
    CpuStopper& st = m_stoppers[std::size_t(cpu)];
    for (;;) {
        CpuStopWork* work = nullptr;
        m_hal.irq_disable(cpu);
        spin_lock(cpu, st.lock);
        if (!st.works.empty()) {
            work = st.works.front();
            st.works.pop_front();
            R(cpu, work->addr); // list_del_init: the work's list_head (the requester's stack)
            W(cpu, work->addr);
            W(cpu, st.lock.addr); // the list head, on the stopper's line
        }
        spin_unlock_irq(cpu, st.lock);
        if (!work) return;
        text(cpu, Text::MigrationThread, Cost::stop_work);
        R(cpu, work->addr);            // fn, arg, done
        path_begin(cpu, work->path);   // the requester's migration path, on this CPU
        const int ret = work->fn(cpu); // preempt_count_inc(): never preempted, never sleeps
        ++m_stats.migration_requests_completed;
        if (work->done) {
            if (ret) {
                W(cpu, m_layout.stack(work->requester, Frame::StopDone));
                work->done->ret = ret;
            }
            cpu_stop_signal_done(cpu, *work->done, work->requester);
        }
        path_end(cpu);
    }
}

// cpu_stop_signal_done: atomic_dec_and_test(&done->nr_todo) -> complete(&done->completion).
void Kernel::cpu_stop_signal_done(int cpu, CpuStopDone& done, int requester) {
    A(cpu, done.completion.lock.addr);
    if (--done.nr_todo == 0) {
        ev(Ev::Complete, cpu, requester);
        complete(cpu, done.completion);
    }
}

// cpu_stop_queue_work (SM :79-94): under the stopper's lock, __cpu_stop_queue_work
// (list_add_tail + wake_up_process of the stopper) if it is enabled, else signal done at once.
bool Kernel::cpu_stop_queue_work(int cpu, int target, CpuStopWork& work) {
    CpuStopper& st = m_stoppers[std::size_t(target)];
    m_hal.irq_disable(cpu); // spin_lock_irqsave
    spin_lock(cpu, st.lock);
    const bool enabled = st.enabled;
    if (enabled) {
        if (!st.works.empty()) W(cpu, st.works.back()->addr); // the old tail's next pointer
        W(cpu, st.lock.addr);                                 // works.prev
        W(cpu, work.addr);
        st.works.push_back(&work);
        ++m_stats.migration_requests;
        ev(Ev::StopQueued, cpu, work.task, target);
        wake_up_process(cpu, *st.thread);
    } else if (work.done) {
        cpu_stop_signal_done(cpu, *work.done, work.requester);
    }
    spin_unlock_irq(cpu, st.lock);
    return enabled;
}

// stop_one_cpu (SM :120-130): cpu_stop_done and cpu_stop_work on the caller's stack; queue the
// work, then sleep on the completion until the stopper has run fn.
int Kernel::stop_one_cpu(int cpu, int target, CpuStopWork& work, PathScope* path) {
    Task& self = current(cpu);
    CpuStopDone done;
    done.nr_todo = 1;
    done.completion.lock.addr = m_layout.stack(self.pid, Frame::StopDone);
    W(cpu, done.completion.lock.addr); // cpu_stop_init_done
    work.addr = m_layout.stack(self.pid, Frame::Req);
    work.done = &done;
    work.requester = self.pid;
    W(cpu, work.addr);
    if (!cpu_stop_queue_work(cpu, target, work)) return -ENOENT_;
    if (path) path->close();
    wait_for_completion(self.cpu, self, done.completion);
    return done.ret;
}

// stop_one_cpu_nowait (SM :304-309): the caller provides the work buffer; nobody waits.
bool Kernel::stop_one_cpu_nowait(int cpu, int target, CpuStopWork& buf) {
    buf.done = nullptr;
    buf.requester = current(cpu).pid;
    W(cpu, buf.addr);
    return cpu_stop_queue_work(cpu, target, buf);
}

// The 2.6.10 active-balance kick with the stopper as migrator: busiest's stopper runs what
// migration_thread would (active_load_balance with busiest's runqueue locked), queued with
// stop_one_cpu_nowait on busiest->active_balance_work as 4.7's load_balance does.
void Kernel::active_balance_kick(int cpu, Runqueue& busiest) {
    CpuStopWork& work = busiest.active_balance_work;
    work.fn = [this](int c) {
        Runqueue& rq = cpu_rq(c);
        m_hal.irq_disable(c);
        spin_lock(c, rq.lock);
        R(c, m_layout.rq(c, RqLine::Migration));
        if (rq.active_balance) {
            active_load_balance(c);
            W(c, m_layout.rq(c, RqLine::Migration));
            rq.active_balance = 0;
        }
        spin_unlock_irq(c, rq.lock);
        return 0;
    };
    work.task = -1;
    work.path = -1;
    stop_one_cpu_nowait(cpu, busiest.cpu, work);
}

// cpu_down's stop_machine step with the stopper as migrator: take_cpu_down runs as a stop work on
// the dying CPU (after draining its wake list, as sched_cpu_dying does), which then parks its
// stopper (stop_machine_park: enabled = false). The rest of cpu_down (CPU_DEAD on the caller)
// is 2.6.10's; see Kernel::cpu_down.
void Kernel::stop_take_cpu_down(Task& self, int x) {
    CpuStopWork work;
    work.fn = [this](int c) {
        sched_ttwu_pending(c);
        Runqueue& rq = cpu_rq(c);
        m_hal.irq_disable(c);
        spin_lock(c, rq.lock);
        take_cpu_down(c);
        spin_unlock_irq(c, rq.lock);
        CpuStopper& st = m_stoppers[std::size_t(c)];
        m_hal.irq_disable(c);
        spin_lock(c, st.lock);
        W(c, st.lock.addr);
        st.enabled = false;
        spin_unlock_irq(c, st.lock);
        return 0;
    };
    stop_one_cpu(self.cpu, x, work);
}

// cpu_attach_domain on another CPU through its stopper (the 2.6.10 REQ_SET_DOMAIN request).
void Kernel::stop_set_domain(Task& self, int c, const std::vector<SchedDomain*>& doms) {
    CpuStopWork work;
    work.fn = [this, &doms](int on) {
        Runqueue& rq = cpu_rq(on);
        m_hal.irq_disable(on);
        spin_lock(on, rq.lock);
        W(on, m_layout.rq(on, RqLine::Migration)); // rq->sd = sd
        rq.domains = doms;
        spin_unlock_irq(on, rq.lock);
        return 0;
    };
    stop_one_cpu(self.cpu, c, work);
}

} // namespace smp::os
