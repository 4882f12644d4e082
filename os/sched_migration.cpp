// Migration threads and requests, set_cpus_allowed, sched_migrate_task, CPU hotplug, the
// freezer, fork / nanosleep, and the actions of an experiment (reference §3.2-§3.4, §3.10).
#include "os/kernel.hpp"

#include <algorithm>

namespace smp::os {

std::vector<SchedDomain*> Kernel::domains_of(int cpu) {
    return cpu_rq(cpu).domains;
}

int Kernel::hot_verdict(const Task& p, int src, int dst, int cpu) {
    if (m_kind.hot_test == HotTest::JiffiesLastRun) return task_hot_2421(p, jiffies(cpu)) ? 1 : 0;
    if (m_kind.hot_test == HotTest::MigrationCost)
        return task_hot_2624(p, cpu_rq(src).clock) ? 1 : 0;
    for (SchedDomain* sd : domains_of(src)) {
        if (sd->span.test(dst)) return task_hot(p, cpu_rq(src).timestamp_last_tick, *sd) ? 1 : 0;
    }
    return -1;
}

// migrate_task: a sleeping task just changes CPU; otherwise queue a request (at the head) on
// the task's runqueue for its migration thread. Called with the task's runqueue locked.
bool Kernel::migrate_task(int cpu, Task& p, int dest_cpu, MigrationReq& req) {
    Runqueue& rq = cpu_rq(p.cpu);
    if (!task_queued(p) && !task_running(rq, p)) {
        const auto why = static_cast<MigReason>(req.reason);
        const char* detail = why == MigReason::Exec ? "sched_exec" : "set_cpus_allowed";
        move_or_hold(cpu, p, p.cpu, dest_cpu, why, detail, "caller", req.decision);
        return false;
    }
    req.type = MigrationReq::MoveTask;
    req.task = &p;
    req.dest_cpu = dest_cpu;
    queue_request(cpu, rq, req);
    return true;
}

// list_add(&req->list, &rq->migration_queue), with rq locked: head insertion.
void Kernel::queue_request(int cpu, Runqueue& rq, MigrationReq& req) {
    req.done.done = 0;
    W(cpu, req.addr); // init_completion and the request fields, on the requester's stack
    W(cpu, m_layout.rq(rq.cpu, RqLine::Migration));
    rq.migration_queue.push_front(&req);
    ++m_stats.migration_requests;
    ev(Ev::ReqQueued, cpu, req.task ? req.task->pid : -1, req.dest_cpu, rq.cpu);
}

// With rq locked and req queued on it: unlock, wake rq's migration thread, sleep until done.
// The requester's part of the migration path ends where it blocks.
void Kernel::wake_and_wait(int cpu, Task& self, Runqueue& rq, MigrationReq& req, PathScope* path) {
    Task* mt = rq.migration_thread;
    task_rq_unlock(cpu, rq);
    wake_up_process(cpu, *mt);
    if (path) path->close();
    wait_for_completion(self.cpu, self, req.done);
}

MigrationReq Kernel::make_req(const Task& requester, MigReason why, Cycle decided) {
    MigrationReq req;
    req.addr = m_layout.stack(requester.pid, Frame::Req);
    req.done.lock.addr = req.addr;
    req.requester = requester.pid;
    req.reason = int(why);
    req.decision = decided;
    return req;
}

int Kernel::set_cpus_allowed(int cpu, Task& p, const CpuMask& mask, MigReason why) {
    if (m_kind.migrator == Migrator::Stopper) return set_cpus_allowed_ptr(cpu, p, mask, why); // 4.7
    if (m_kind.affinity_dest == AffinityDest::LowestAllowedOnline) {
        return set_cpus_allowed_2421(cpu, p, mask, why);
    }
    Task& self = current(cpu);
    const long id = path_new();
    PathScope path(*this, cpu, id);
    text(cpu, Text::Syscall, Cost::set_cpus_allowed);
    const Cycle decided = now(cpu);
    m_hal.irq_disable(cpu);
    Runqueue& rq = task_rq_lock(cpu, p);
    R(cpu, m_layout.online_map());
    if (!mask.intersects(m_online)) {
        task_rq_unlock(cpu, rq);
        return -EINVAL_;
    }
    W(cpu, m_layout.task(p.pid, TaskLine::Allowed));
    p.cpus_allowed = mask;
    MigrationReq req = make_req(self, why, decided);
    req.path = id;
    if (!mask.test(p.cpu) && migrate_task(cpu, p, (mask & m_online).first(), req)) {
        wake_and_wait(cpu, self, rq, req, &path);
    } else {
        task_rq_unlock(cpu, rq);
    }
    return 0;
}

void Kernel::sched_migrate_task(Task& self, int dest_cpu) {
    if (m_kind.migrator == Migrator::Stopper)
        return sched_migrate_task_stopper(self, dest_cpu); // 4.7
    const int cpu = self.cpu;
    const long id = path_new();
    PathScope path(*this, cpu, id);
    const Cycle decided = now(cpu);
    m_hal.irq_disable(cpu);
    Runqueue& rq = task_rq_lock(cpu, self);
    R(cpu, m_layout.task(self.pid, TaskLine::Allowed));
    MigrationReq req = make_req(self, MigReason::Exec, decided);
    req.path = id;
    if (self.cpus_allowed.test(dest_cpu) && m_online.test(dest_cpu) &&
        migrate_task(cpu, self, dest_cpu, req)) {
        wake_and_wait(cpu, self, rq, req, &path);
    } else {
        task_rq_unlock(cpu, rq);
    }
}

// Records the move of p from src to dst and sets its CPU; in a counterfactual run, the move that
// is due is held instead (cf_hold). Returns the record, -1 when held.
long Kernel::move_or_hold(int cpu, Task& p, int src, int dst, MigReason why, const char* detail,
                          const char* mechanism, Cycle decided) {
    if (cf_due()) {
        cf_hold(cpu, p, src, dst, why, detail, mechanism, decided);
        return -1;
    }
    const long e = record_migration(cpu, p, src, dst, why, detail, mechanism,
                                    hot_verdict(p, src, dst, cpu), decided);
    set_task_cpu(cpu, p, dst);
    return e;
}

// __migrate_task: move p from src to dest under both runqueue locks (interrupts are off).
void Kernel::migrate_task_now(int cpu, Task& p, int src, int dest, MigReason why,
                              const char* detail, const char* mechanism, Cycle decided) {
    if (!m_policy.hold_both_rq_locks) { // 4.7: one runqueue lock at a time (sched_47.cpp)
        migrate_task_unlocked(cpu, p, src, dest, why, detail, mechanism, decided);
        return;
    }
    if (!m_online.test(dest)) return;
    text(cpu, Text::Migrate, Cost::move_task);
    Runqueue& rq_src = cpu_rq(src);
    Runqueue& rq_dest = cpu_rq(dest);
    double_rq_lock(cpu, rq_src, rq_dest);
    R(cpu, m_layout.thread_info(p.pid));
    R(cpu, m_layout.task(p.pid, TaskLine::Allowed));
    if (p.cpu == src && p.cpus_allowed.test(dest) && m_kind.sched_class == SchedClassKind::Cfs) {
        migrate_task_cfs(cpu, p, rq_src, rq_dest, why, detail, mechanism, decided);
    } else if (p.cpu == src && p.cpus_allowed.test(dest)) {
        const long e = move_or_hold(cpu, p, src, dest, why, detail, mechanism, decided);
        if (e >= 0 && p.array) {
            deactivate_task(cpu, p, rq_src);
            m_migrations[std::size_t(e)].t_dequeue = now(cpu);
            activate_task(cpu, p, rq_dest);
            m_migrations[std::size_t(e)].t_enqueue = now(cpu);
            R(cpu, m_layout.rq(dest, RqLine::Curr));
            if (task_preempts_curr(p, rq_dest)) resched_task(cpu, *rq_dest.curr);
        }
    }
    double_rq_unlock(cpu, rq_src, rq_dest);
}

// Counterfactual: instead of moving p, keep it on src (its mask is widened to allow that) and,
// if it is queued, take it off the runqueue until cf_resume_target()'s interrupt wakes it there.
// Recorded (marked suppressed) so that the records keep their indices; its first run is the
// resumption.
void Kernel::cf_hold(int cpu, Task& p, int src, int dst, MigReason why, const char* detail,
                     const char* mechanism, Cycle decided) {
    const long e = record_migration(cpu, p, src, dst, why, detail, mechanism,
                                    hot_verdict(p, src, dst, cpu), decided);
    m_migrations[std::size_t(e)].suppressed = true;
    W(cpu, m_layout.task(p.pid, TaskLine::Allowed));
    p.cpus_allowed.set(src);
    if (task_queued(p) && !m_cf_resumed) {
        deactivate_task(cpu, p, cpu_rq(src));
        m_migrations[std::size_t(e)].t_dequeue = now(cpu);
        p.state = TASK_UNINTERRUPTIBLE;
        m_cf_held = &p;
    }
}

int Kernel::cf_resume_target() {
    m_cf_resumed = true;
    if (!m_cf_held) return -1;
    m_cf_pending = m_cf_held->cpu;
    return m_cf_pending;
}

// migration_thread (2.6.10 = 2.6.9 form): serves requests LIFO, runs active balancing.
void Kernel::migration_thread(int cpu) {
    Task& self = current(cpu);
    self.state = TASK_INTERRUPTIBLE;
    while (!self.should_stop) {
        if (self.flags & PF_FREEZE) refrigerator(self); // never: PF_NOFREEZE
        Runqueue& rq = cpu_rq(cpu);
        text(cpu, Text::MigrationThread, Cost::migration_thread);
        m_hal.irq_disable(cpu);
        spin_lock(cpu, rq.lock);
        if (!m_online.test(cpu)) {
            spin_unlock_irq(cpu, rq.lock);
            break; // wait_to_die
        }
        R(cpu, m_layout.rq(cpu, RqLine::Migration));
        if (rq.active_balance) {
            active_load_balance(cpu);
            W(cpu, m_layout.rq(cpu, RqLine::Migration));
            rq.active_balance = 0;
        }
        if (rq.migration_queue.empty()) {
            spin_unlock_irq(cpu, rq.lock);
            schedule(cpu);
            self.state = TASK_INTERRUPTIBLE;
            continue;
        }
        MigrationReq* req = rq.migration_queue.front();
        rq.migration_queue.pop_front();
        W(cpu, m_layout.rq(cpu, RqLine::Migration));
        R(cpu, req->addr); // list_del_init: the request on the requester's stack
        W(cpu, req->addr);
        const bool move = req->type == MigrationReq::MoveTask;
        if (move) {
            path_begin(cpu, req->path); // the requester's path, on this CPU
            spin_unlock(cpu, rq.lock);
            if (m_kind.affinity_dest == AffinityDest::LowestAllowedOnline) {
                migration_move_2421(cpu, *req); // 2.4 migration_task
            } else {
                migrate_task_now(
                    cpu, *req->task, cpu, req->dest_cpu, static_cast<MigReason>(req->reason),
                    req->reason == int(MigReason::Exec) ? "sched_exec" : "set_cpus_allowed",
                    "migration_thread", req->decision);
            }
            m_hal.irq_enable(cpu);
        } else if (req->type == MigrationReq::SetDomain) {
            W(cpu, m_layout.rq(cpu, RqLine::Migration)); // rq->sd = req->sd
            rq.domains = *req->domains;
            spin_unlock_irq(cpu, rq.lock);
        } else { // TakeDown: the stop_machine step of cpu_down, run on the dying CPU
            take_cpu_down(cpu);
            spin_unlock_irq(cpu, rq.lock);
        }
        ++m_stats.migration_requests_completed;
        ev(Ev::Complete, cpu, req->requester);
        complete(cpu, req->done);
        if (move) path_end(cpu);
    }
    // wait_to_die: sleep until kthread_stop (after CPU_DEAD, on whatever CPU it was moved to).
    self.state = TASK_INTERRUPTIBLE;
    while (!self.should_stop) {
        schedule(self.cpu);
        self.state = TASK_INTERRUPTIBLE;
    }
    self.state = TASK_RUNNING;
    do_exit(self);
}

// take_cpu_down: clear the online bit, then sched_idle_next puts the idle task at the head of
// the runqueue with FIFO-99 priority. Called with the dying CPU's runqueue locked.
void Kernel::take_cpu_down(int cpu) {
    Runqueue& rq = cpu_rq(cpu);
    W(cpu, m_layout.online_map());
    m_online.clear(cpu);
    Task& idle = *rq.idle;
    idle.policy = Policy::Fifo;
    idle.prio = 0;
    W(cpu, rq.lock.addr);
    enqueue_task(cpu, idle, *rq.active);
    RunList& q = rq.active->queue[0];
    q.erase(q.iterator_to(idle)); // enqueue_task_head
    q.push_front(idle);
    ++rq.nr_running;
    ev(Ev::CpuDown, cpu, -1);
}

void Kernel::control_task(int home) {
    Task& self = current(home);
    for (;;) {
        W(self.cpu, m_layout.task(self.pid, TaskLine::Sched));
        self.state = TASK_INTERRUPTIBLE;
        if (m_control_work[std::size_t(home)].empty()) schedule(self.cpu);
        self.state = TASK_RUNNING;
        while (!m_control_work[std::size_t(home)].empty()) {
            const std::size_t i = m_control_work[std::size_t(home)].front();
            m_control_work[std::size_t(home)].pop_front();
            perform(self, i);
        }
    }
}

void Kernel::perform(Task& self, std::size_t i) {
    const ActionConfig& a = m_actions[i];
    ActionResult& r = m_action_results[i];
    int cpu = self.cpu;
    r.cpu = cpu;
    r.executed = now(cpu);
    Task* t = a.task.empty() ? nullptr : find_task(a.task);
    text(cpu, Text::Syscall, Cost::syscall);
    if (a.kind == "set_affinity") {
        ev(Ev::Syscall, cpu, self.pid, int(SyscallNr::SchedSetaffinity), t ? t->pid : -1);
        if (!t || t->exited) {
            r.result = -ESRCH_;
            r.message = "task has exited";
        } else {
            CpuMask m(m_ncpus);
            for (auto c : a.cpus)
                m.set(int(c));
            r.result = set_cpus_allowed(cpu, *t, m, MigReason::Affinity);
            r.message =
                r.result ? "EINVAL: no online CPU in " + m.str() : "cpus_allowed = " + m.str();
        }
    } else if (a.kind == "exec") {
        ev(Ev::Syscall, cpu, self.pid, int(SyscallNr::Execve));
        text(cpu, Text::Exec, Cost::exec);
        const int before = self.cpu;
        sched_exec(self);
        r.message = self.cpu != before ? "moved to cpu " + std::to_string(self.cpu) : "stayed";
    } else if (a.kind == "fork") {
        Task* child = find_task(a.child);
        if (!child || child->started || child->state != TASK_STOPPED) {
            r.result = -EINVAL_;
            r.message = "child '" + a.child + "' is already running";
        } else {
            do_fork(self, *child);
            r.message = "child on cpu " + std::to_string(child->cpu);
        }
    } else if (a.kind == "sleep") {
        nanosleep(self, static_cast<Cycle>(a.duration));
    } else if (a.kind == "cpu_offline") {
        r.result = cpu_down(self, int(a.cpu));
        r.message = r.result == -EBUSY_ ? "EBUSY: the last online CPU"
                    : r.result          ? "EINVAL: not online"
                                        : "offline";
    } else if (a.kind == "cpu_online") {
        r.result = cpu_up(self, int(a.cpu));
        r.message = r.result ? "EINVAL: already online" : "online";
    } else if (a.kind == "freeze" || a.kind == "thaw") {
        const bool freeze = a.kind == "freeze";
        for (std::size_t k = 0; k < m_tasks.size(); ++k) {
            Task& x = *m_tasks[k];
            if (x.kind != TaskKind::User || x.exited || (x.flags & PF_NOFREEZE)) continue;
            R(self.cpu, m_layout.task(x.pid, TaskLine::Sched));
            if (freeze && !(x.flags & PF_FROZEN)) {
                W(self.cpu, m_layout.task(x.pid, TaskLine::Sched));
                x.flags |= PF_FREEZE;
                x.sigpending = true; // signal_wake_up
                if (!try_to_wake_up(self.cpu, x, TASK_INTERRUPTIBLE, false) && x.cpu != self.cpu &&
                    cpu_rq(x.cpu).curr == &x) {
                    send_resched_ipi(self.cpu, x.cpu); // kick_process
                }
            } else if (!freeze && (x.flags & (PF_FROZEN | PF_FREEZE))) {
                W(self.cpu, m_layout.task(x.pid, TaskLine::Sched));
                x.flags &= ~(PF_FROZEN | PF_FREEZE);
                wake_up_process(self.cpu, x);
            }
        }
        r.message = freeze ? "frozen" : "thawed";
    }
    ev(Ev::Action, self.cpu, self.pid, static_cast<long long>(i), r.result);
}

void Kernel::refrigerator(Task& p) {
    W(p.cpu, m_layout.task(p.pid, TaskLine::Sched));
    p.flags = (p.flags & ~PF_FREEZE) | PF_FROZEN;
    while (p.flags & PF_FROZEN) {
        p.state = TASK_UNINTERRUPTIBLE;
        schedule(p.cpu);
    }
    p.state = TASK_RUNNING;
}

// copy_process + wake_up_new_task: the child starts on the parent's CPU (2.6.10: no fork
// balancing), or on its first allowed CPU when the parent's is not allowed.
void Kernel::do_fork(Task& parent, Task& child) {
    const int cpu = parent.cpu;
    ev(Ev::Syscall, cpu, parent.pid, int(SyscallNr::Fork), child.pid);
    text(cpu, Text::Fork, Cost::fork);
    for (unsigned l = 0; l <= unsigned(TaskLine::Thread); ++l)
        W(cpu, m_layout.task(child.pid, TaskLine(l)));
    W(cpu, m_layout.thread_info(child.pid));
    W(cpu, m_layout.stack(child.pid, Frame::Switch));
    if (m_kind.fork_balance == ForkBalance::BalanceSelf) {
        sched_fork_2624(parent, child);
    } else {
        child.cpu = child.cpus_allowed.test(cpu) ? cpu : (child.cpus_allowed & m_online).first();
    }
    wake_up_new_task(cpu, child);
}

void Kernel::nanosleep(Task& self, Cycle duration) {
    const int cpu = self.cpu;
    ev(Ev::Syscall, cpu, self.pid, int(SyscallNr::Nanosleep));
    // timespec_to_jiffies rounds up, and sys_nanosleep adds one jiffy for the partial one.
    const Cycle ticks = (duration + m_tick_cycles - 1) / m_tick_cycles + 1;
    self.sleep_until_jiffy = jiffies(cpu) + ticks;
    m_timers[std::size_t(cpu)].push_back(self.pid);
    W(cpu, m_layout.task(self.pid, TaskLine::Sched));
    self.state = TASK_INTERRUPTIBLE;
    schedule(cpu);
}

// cpu_down (2.6.10 kernel/cpu.c, simplified stop_machine: only the dying CPU's migration thread
// runs take_cpu_down; the other CPUs are not stopped).
int Kernel::cpu_down(Task& self, int x) {
    ev(Ev::Syscall, self.cpu, self.pid, int(SyscallNr::CpuDown), x);
    R(self.cpu, m_layout.online_map());
    if (x < 0 || x >= int(m_ncpus) || !m_online.test(x)) return -EINVAL_;
    if (m_online.weight() == 1) return -EBUSY_;
    text(self.cpu, Text::Hotplug, Cost::syscall);
    for (auto& rq : m_rqs)
        rq->domains.clear(); // CPU_DOWN_PREPARE: detach to the dummy domain
    const CpuMask old = self.cpus_allowed;
    CpuMask others = CpuMask::all(m_ncpus);
    others.clear(x);
    set_cpus_allowed(self.cpu, self, others, MigReason::Hotplug);

    Runqueue& rqx = cpu_rq(x);
    if (m_kind.migrator == Migrator::Stopper) { // 4.7: a stop work on x (stop_machine.cpp)
        stop_take_cpu_down(self, x);
    } else {
        MigrationReq req = make_req(self, MigReason::Hotplug, now(self.cpu));
        req.type = MigrationReq::TakeDown;
        m_hal.irq_disable(self.cpu);
        spin_lock(self.cpu, rqx.lock);
        queue_request(self.cpu, rqx, req);
        wake_and_wait(self.cpu, self, rqx, req);
    }
    // while (!idle_cpu(cpu)) yield(): wait until the CPU has parked.
    kspin(self.cpu, [this, x] { return m_dead[std::size_t(x)] != 0; });
    R(self.cpu, m_layout.rq(x, RqLine::Curr));

    // CPU_DEAD, on this CPU.
    migrate_live_tasks(self.cpu, x);
    if (Task* mt = rqx.migration_thread) { // (the 4.7 stopper is parked instead)
        rqx.migration_thread = nullptr;
        mt->should_stop = true; // kthread_stop
        wake_up_process(self.cpu, *mt);
    }
    m_hal.irq_disable(self.cpu);
    spin_lock(self.cpu, rqx.lock);
    Task& idle = *rqx.idle;
    if (idle.array) {
        W(self.cpu, rqx.lock.addr);
        dequeue_task(self.cpu, idle, *idle.array);
        --rqx.nr_running;
    }
    idle.policy = Policy::Normal;
    idle.prio = MAX_PRIO;
    std::vector<MigrationReq*> pending(rqx.migration_queue.begin(), rqx.migration_queue.end());
    rqx.migration_queue.clear();
    spin_unlock_irq(self.cpu, rqx.lock);
    for (MigrationReq* r : pending) { // completed without moving
        ++m_stats.migration_requests_completed;
        complete(self.cpu, r->done);
    }
    attach_domains(self, build_domains(jiffies(self.cpu)));
    set_cpus_allowed(self.cpu, self, old, MigReason::Hotplug);
    return 0;
}

void Kernel::migrate_live_tasks(int cpu, int dead) {
    const Cycle decided = now(cpu);
    m_hal.irq_disable(cpu);
    spin_lock(cpu, m_tasklist_lock);
    for (std::size_t k = 0; k < m_tasks.size(); ++k) {
        Task& t = *m_tasks[k];
        if (&t == &current(cpu) || t.kind == TaskKind::Idle || t.exited || t.cpu != dead) continue;
        if (t.stop_class) continue; // the 4.7 stopper stays, parked, on its CPU
        R(cpu, m_layout.task(t.pid, TaskLine::Sched));
        int dest = (t.cpus_allowed & m_online).first();
        if (dest >= int(m_ncpus)) { // no longer affine: any online CPU
            W(cpu, m_layout.task(t.pid, TaskLine::Allowed));
            t.cpus_allowed = CpuMask::all(m_ncpus);
            dest = m_online.first();
        }
        PathScope path(*this, cpu);
        migrate_task_now(cpu, t, dead, dest, MigReason::Hotplug, "migrate_live_tasks", "caller",
                         decided);
    }
    spin_unlock_irq(cpu, m_tasklist_lock);
    // migrate_timers (CPU_DEAD): the dead CPU's pending timers now run on this CPU.
    auto& dead_timers = m_timers[std::size_t(dead)];
    auto& here = m_timers[std::size_t(cpu)];
    here.insert(here.end(), dead_timers.begin(), dead_timers.end());
    dead_timers.clear();
}

int Kernel::cpu_up(Task& self, int x) {
    const int cpu = self.cpu;
    ev(Ev::Syscall, cpu, self.pid, int(SyscallNr::CpuUp), x);
    R(cpu, m_layout.online_map());
    if (x < 0 || x >= int(m_ncpus) || m_online.test(x) || !m_dead[std::size_t(x)]) return -EINVAL_;
    text(cpu, Text::Hotplug, Cost::syscall);
    // CPU_UP_PREPARE: kthread_create(migration_thread, "migration/%d"), bound to the CPU
    // (4.7: the parked stopper is unparked instead).
    Task* mt = nullptr;
    if (m_kind.migrator == Migrator::Stopper) {
        W(cpu, m_stoppers[std::size_t(x)].lock.addr);
        m_stoppers[std::size_t(x)].enabled = true;
    } else {
        mt = &new_migration_thread(x);
        m_hal.create_thread(mt->pid, [this, mt] {
            finish_task_switch(mt->cpu, *cpu_rq(mt->cpu).prev_task);
            migration_thread(mt->cpu);
        });
    }
    // __cpu_up: the CPU leaves play_dead.
    W(cpu, m_layout.online_map());
    m_online.set(x);
    on_path(cpu, &PathSplit::ipi, [&] { m_hal.send_ipi(cpu, x, Irq::Stop); });
    ev(Ev::CpuUp, x, -1);
    if (mt) wake_up_process(cpu, *mt); // CPU_ONLINE
    attach_domains(self, build_domains(jiffies(cpu)));
    return 0;
}

void Kernel::attach_domains(Task& self, const std::vector<std::vector<SchedDomain*>>& fresh) {
    for (int c = 0; c < int(m_ncpus); ++c) {
        if (!m_online.test(c)) continue;
        Runqueue& rq = cpu_rq(c);
        if (c == self.cpu || (!rq.migration_thread && !rq.stop)) {
            W(self.cpu, m_layout.rq(c, RqLine::Migration));
            rq.domains = fresh[std::size_t(c)];
            continue;
        }
        if (m_kind.migrator == Migrator::Stopper) { // 4.7: through c's stopper
            stop_set_domain(self, c, fresh[std::size_t(c)]);
            continue;
        }
        MigrationReq req = make_req(self, MigReason::Hotplug, now(self.cpu));
        req.type = MigrationReq::SetDomain;
        req.domains = &fresh[std::size_t(c)];
        m_hal.irq_disable(self.cpu);
        spin_lock(self.cpu, rq.lock);
        queue_request(self.cpu, rq, req);
        wake_and_wait(self.cpu, self, rq, req);
    }
}

// Chooses the CPU that takes action i now (host decision, like an interrupt's routing).
int Kernel::action_target(std::size_t i) {
    const ActionConfig& a = m_actions[i];
    if (a.kind == "reset_stats") return -1; // the platform's (the stats baseline), not the guest's
    Task* t = a.task.empty() ? nullptr : find_task(a.task);
    int cpu;
    if (a.kind == "wake") {
        cpu = a.cpu >= 0 ? int(a.cpu) : (t ? t->cpu : 0);
    } else if (a.by_control_task()) {
        const int exclude = a.kind == "set_affinity" ? (t ? t->cpu : -1)
                            : (a.kind == "cpu_offline" || a.kind == "cpu_online") ? int(a.cpu)
                                                                                  : -1;
        if (a.kind == "set_affinity" && a.cpu >= 0) {
            cpu = int(a.cpu);
        } else {
            cpu = -1;
            for (int c = m_online.first(); c < int(m_ncpus) && cpu < 0; c = m_online.next(c + 1)) {
                if (c != exclude && idle_cpu(c)) cpu = c;
            }
            for (int c = m_online.first(); c < int(m_ncpus) && cpu < 0; c = m_online.next(c + 1)) {
                if (c != exclude) cpu = c;
            }
            if (cpu < 0) cpu = m_online.first();
        }
    } else {
        cpu = t ? t->cpu : m_online.first();
    }
    if (!m_online.test(cpu)) cpu = m_online.first();
    m_inbox[std::size_t(cpu)].push_back(i);
    ++m_actions_issued;
    return cpu;
}

// Non-empty when no user task can ever run again: every one not exited sleeps without a timer
// (frozen, or asleep with nobody to wake it) and no action is still to come.
std::string Kernel::blocked_forever() {
    if (m_user_alive == 0 || m_actions_issued < m_actions.size()) return {};
    for (unsigned c = 0; c < m_ncpus; ++c) {
        if (!m_inbox[c].empty() || !m_control_work[c].empty()) return {};
        // A kernel thread on a CPU (a migration thread running a request it took off the queue,
        // in TASK_INTERRUPTIBLE as Linux's is) may still wake a user task: not stuck.
        const Runqueue& rq = *m_rqs[c];
        if (!rq.migration_queue.empty() || !rq.wake_list.empty()) return {};
        if (rq.curr && rq.curr->kind != TaskKind::Idle) return {};
    }
    for (const auto& tp : m_tasks) {
        const Task& t = *tp;
        if (t.kind == TaskKind::Idle || t.kind == TaskKind::User || t.exited) continue;
        if (t.state == TASK_RUNNING || t.state == TASK_WAKING) return {};
    }
    std::string who;
    for (const auto& tp : m_tasks) {
        const Task& t = *tp;
        if (t.kind != TaskKind::User || t.exited) continue;
        if (t.state == TASK_RUNNING || t.state == TASK_WAKING || t.sleep_until_jiffy) return {};
        who += (who.empty() ? "" : ", ") + t.comm +
               (t.state == TASK_STOPPED ? " (never started)"
                : (t.flags & PF_FROZEN) ? " (frozen)"
                                        : " (asleep)");
    }
    if (who.empty()) return {};
    return "no user task can run again and no action is left to wake one: " + who;
}

} // namespace smp::os
