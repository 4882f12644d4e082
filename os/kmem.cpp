// Kernel primitives with the guest-memory accesses the real code makes (reference §7.4).
#include "os/kernel.hpp"

#include <stdexcept>

namespace smp::os {

Source Kernel::mem(int cpu, KAccess kind, Addr a) {
    Source s = Source::Local;
    on_path(cpu, &PathSplit::memory, [&] { s = m_hal.access(cpu, kind, a); });
    if (m_cfg.trace && (s == Source::Peer || s == Source::Remote)) {
        ev(Ev::LineXfer, cpu, -1, static_cast<long long>(s), static_cast<long long>(kind), a);
    }
    return s;
}

void Kernel::text(int cpu, Text t, Cost budget) {
    const std::int64_t n = cost_of(m_cfg.costs, budget);
    const unsigned lines = 1 + static_cast<unsigned>(std::min<std::int64_t>(n / 100, 3));
    on_path(cpu, &PathSplit::memory, [&] {
        for (unsigned i = 0; i < lines; ++i)
            m_hal.access(cpu, KAccess::Fetch, m_layout.text(t, i));
    });
    kcompute(cpu, budget);
}

// x86 TTAS byte lock: lock; decb, and on failure spin reading the line until it is free.
void Kernel::spin_lock(int cpu, SpinLock& l) {
    if (m_kind.lock == LockAlgo::Queued) return queued_spin_lock(cpu, l); // 4.7 (qspinlock.cpp)
    const Cycle t0 = now(cpu);
    bool contended = false;
    for (;;) {
        A(cpu, l.addr);
        if (l.owner < 0) {
            l.owner = cpu;
            break;
        }
        if (l.owner == cpu) {
            throw std::logic_error("guest kernel deadlock: cpu " + std::to_string(cpu) +
                                   " takes the lock at " + m_layout.describe(l.addr) +
                                   " that it already holds");
        }
        contended = true;
        kspin(cpu, [&l] { return l.owner < 0; });
        R(cpu, l.addr);
    }
    if (contended) {
        const Cycle waited = now(cpu) - t0;
        ++m_stats.lock_spins;
        m_stats.lock_wait_cycles += waited;
        if (OpenPath* path = open_path(cpu); path && l.runqueue) path->wait += waited;
    }
}

bool Kernel::spin_trylock(int cpu, SpinLock& l) {
    if (m_kind.lock == LockAlgo::Queued) return queued_spin_trylock(cpu, l);
    A(cpu, l.addr);
    if (l.owner >= 0) return false;
    l.owner = cpu;
    return true;
}

void Kernel::spin_unlock(int cpu, SpinLock& l) {
    W(cpu, l.addr);
    l.owner = -1;
    ++l.releases;
    m_hal.kick();
}

// task_rq_lock: read thread_info->cpu, lock that runqueue, retry if the task moved meanwhile.
// Interrupts are disabled by the caller.
Runqueue& Kernel::task_rq_lock(int cpu, Task& p) {
    for (;;) {
        R(cpu, m_layout.thread_info(p.pid));
        Runqueue& rq = cpu_rq(p.cpu);
        spin_lock(cpu, rq.lock);
        if (&rq == &cpu_rq(p.cpu)) return rq;
        spin_unlock(cpu, rq.lock);
    }
}

void Kernel::task_rq_unlock(int cpu, Runqueue& rq) {
    spin_unlock_irq(cpu, rq.lock);
}

void Kernel::spin_unlock_irq(int cpu, SpinLock& l) {
    spin_unlock(cpu, l);
    m_hal.irq_enable(cpu);
}

// Both locks, always in address order.
void Kernel::double_rq_lock(int cpu, Runqueue& a, Runqueue& b) {
    if (&a == &b) {
        spin_lock(cpu, a.lock);
        return;
    }
    Runqueue& first = a.lock.addr < b.lock.addr ? a : b;
    Runqueue& second = &first == &a ? b : a;
    spin_lock(cpu, first.lock);
    spin_lock(cpu, second.lock);
    if (m_kind.sched_class == SchedClassKind::Cfs) { // 2.6.24: update_rq_clock of both
        update_rq_clock(cpu, a);
        update_rq_clock(cpu, b);
    }
}

void Kernel::double_rq_unlock(int cpu, Runqueue& a, Runqueue& b) {
    spin_unlock(cpu, a.lock);
    if (&a != &b) spin_unlock(cpu, b.lock);
}

// this_rq is held: trylock busiest; on failure keep the address order, dropping this_rq if needed.
void Kernel::double_lock_balance(int cpu, Runqueue& this_rq, Runqueue& busiest) {
    if (spin_trylock(cpu, busiest.lock)) return;
    if (busiest.lock.addr < this_rq.lock.addr) {
        spin_unlock(cpu, this_rq.lock);
        spin_lock(cpu, busiest.lock);
        spin_lock(cpu, this_rq.lock);
    } else {
        spin_lock(cpu, busiest.lock);
    }
}

Addr Kernel::array_addr(const Task& p, int prio, const PrioArray& a) const {
    return m_layout.array_queue(a.cpu, a.index, prio);
}

// list_add_tail(&p->run_list, array->queue + p->prio); __set_bit; nr_active++.
void Kernel::enqueue_task(int cpu, Task& p, PrioArray& array) {
    RunList& q = array.queue[p.prio];
    W(cpu, array_addr(p, p.prio, array));
    if (m_pelt) pelt_enqueue(cpu, p, array.cpu); // 4.7 enqueue_entity_load_avg (sched_47.cpp)
    if (!q.empty()) W(cpu, m_layout.task(q.back().pid, TaskLine::Sched));
    W(cpu, m_layout.task(p.pid, TaskLine::Sched));
    W(cpu, m_layout.array_header(array.cpu, array.index));
    q.push_back(p);
    array.bitmap.set(std::size_t(p.prio));
    ++array.nr_active;
    p.array = &array;
    ev(Ev::Enqueue, cpu, p.pid, array.cpu);
}

// list_del(&p->run_list) touches both neighbours; the bit is cleared when the queue empties.
void Kernel::dequeue_task(int cpu, Task& p, PrioArray& array) {
    RunList& q = array.queue[p.prio];
    R(cpu, m_layout.task(p.pid, TaskLine::Sched));
    if (m_pelt) pelt_dequeue(cpu, p, array.cpu); // 4.7 dequeue_entity_load_avg (sched_47.cpp)
    auto it = q.iterator_to(p);
    const Addr head = array_addr(p, p.prio, array);
    const Addr prev = it == q.begin() ? head : m_layout.task(std::prev(it)->pid, TaskLine::Sched);
    auto nx = std::next(it);
    const Addr next = nx == q.end() ? head : m_layout.task(nx->pid, TaskLine::Sched);
    W(cpu, prev);
    if (next != prev) W(cpu, next);
    W(cpu, m_layout.array_header(array.cpu, array.index));
    q.erase(it);
    --array.nr_active;
    if (q.empty()) array.bitmap.reset(std::size_t(p.prio));
    p.array = nullptr;
    ev(Ev::Dequeue, cpu, p.pid, array.cpu);
}

// activate_task: write the timestamp (not modelled: nothing reads it), enqueue, nr_running++.
// CFS kernels: enqueue by class (a wake-up places the entity), nr_running and rq->load.
void Kernel::activate_task(int cpu, Task& p, Runqueue& rq, bool wakeup) {
    kcompute(cpu, Cost::enqueue);
    if (p.stop_class) return enqueue_stop(cpu, p, rq); // 4.7 stop class (stop_machine.cpp)
    if (m_kind.sched_class == SchedClassKind::Cfs) {
        W(cpu, rq.lock.addr); // nr_running and load share the lock's line
        enqueue_task_cfs(cpu, rq, p, wakeup);
        ++rq.nr_running;
        rq.load_weight += p.se.weight;
        if (rq.nr_running == 2 && m_kind.imbalance_algo == ImbalanceAlgo::Cfs47) { // add_nr_running
            R(cpu, m_layout.root_domain());
            if (!m_rd_overload) {
                W(cpu, m_layout.root_domain());
                m_rd_overload = true;
            }
        }
        return;
    }
    W(cpu, m_layout.task(p.pid, TaskLine::Time));
    W(cpu, rq.lock.addr); // nr_running shares the lock's line
    enqueue_task(cpu, p, *rq.active);
    ++rq.nr_running; // no simulated time between the enqueue and the count
}

void Kernel::deactivate_task(int cpu, Task& p, Runqueue& rq) {
    kcompute(cpu, Cost::enqueue);
    if (p.stop_class) return dequeue_stop(cpu, p, rq);
    if (m_kind.sched_class == SchedClassKind::Cfs) {
        W(cpu, rq.lock.addr);
        dequeue_task_cfs(cpu, rq, p);
        --rq.nr_running;
        rq.load_weight -= p.se.weight;
        return;
    }
    W(cpu, rq.lock.addr);
    dequeue_task(cpu, p, *p.array);
    --rq.nr_running;
}

// set_task_cpu: thread_info->cpu = new_cpu. CFS kernels first rebase the vruntime from the old
// cfs_rq's min_vruntime to the new one's (2.6.24 kernel/sched.c:1078-1105).
void Kernel::set_task_cpu(int cpu, Task& p, int new_cpu) {
    if (m_kind.sched_class == SchedClassKind::Cfs) {
        const Runqueue& old_rq = cpu_rq(p.cpu);
        const Runqueue& new_rq = cpu_rq(new_cpu);
        R(cpu, m_layout.rq(old_rq.cpu, RqLine::Curr)); // clock_offset (schedstats)
        R(cpu, m_layout.rq(new_rq.cpu, RqLine::Curr));
        R(cpu, m_layout.rq(old_rq.cpu, RqLine::Cfs));
        R(cpu, m_layout.rq(new_rq.cpu, RqLine::Cfs));
        p.se.vruntime -= old_rq.cfs.min_vruntime - new_rq.cfs.min_vruntime;
        W(cpu, m_layout.task(p.pid, TaskLine::Time));
    }
    W(cpu, m_layout.thread_info(p.pid));
    if (p.cpu != new_cpu) ev(Ev::SetCpu, cpu, p.pid, p.cpu, new_cpu);
    p.cpu = new_cpu;
}

void Kernel::set_need_resched(int cpu, Task& p) {
    W(cpu, m_layout.thread_info(p.pid));
    p.need_resched = true;
}

// 2.6.10 resched_task: test_and_set TIF_NEED_RESCHED; IPI iff it was clear, the target does not
// poll (HLT idle never does) and the task is on another CPU.
// 2.6.24 (CFS kernels): test_tsk_thread_flag first, return if already set.
void Kernel::resched_task(int cpu, Task& p) {
    if (m_kind.sched_class == SchedClassKind::Cfs) {
        R(cpu, m_layout.thread_info(p.pid));
        if (p.need_resched) return;
    }
    A(cpu, m_layout.thread_info(p.pid));
    const bool was = p.need_resched;
    p.need_resched = true;
    if (!was && p.cpu != cpu) send_resched_ipi(cpu, p.cpu);
}

void Kernel::send_resched_ipi(int from, int to) {
    ++m_stats.ipis_sent;
    if (OpenPath* path = open_path(from)) ++path->ipis;
    ev(Ev::IpiSent, from, -1, to);
    on_path(from, &PathSplit::ipi, [&] { m_hal.send_ipi(from, to, Irq::Reschedule); });
}

bool Kernel::cpu_and_siblings_are_idle(int cpu) const {
    const int t = static_cast<int>(m_shape.threads_per_core);
    const int first = cpu - cpu % t;
    for (int c = first; c < first + t; ++c) {
        if (!idle_cpu(c)) return false;
    }
    return true;
}

const char* ev_name(Ev e) {
    static const char* names[] = {
        "syscall",     "req_queued",  "ipi_sent", "irq",      "switch",    "dequeue",
        "enqueue",     "set_cpu",     "wakeup",   "complete", "first_run", "line_xfer",
        "balance",     "active_kick", "action",   "exit",     "cpu_down",  "cpu_up",
        "stop_queued", "wake_queued", "rq_lock",  "rq_unlock"};
    return names[static_cast<int>(e)];
}

const char* reason_name(MigReason r) {
    static const char* names[] = {"affinity",        "active_balance", "periodic_balance",
                                  "newidle_balance", "exec",           "fork",
                                  "wakeup",          "hotplug"};
    return names[static_cast<int>(r)];
}

} // namespace smp::os
