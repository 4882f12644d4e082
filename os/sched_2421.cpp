// Linux 2.4.21, the RHEL3 2.4.21-4 O(1) backport (reference §2): timeslices, the tick-modulo
// balancing trigger, find_busiest_queue / load_balance / pull_task with the prev_cpu_load min
// filter, CAN_MIGRATE_TASK on jiffies - last_run, try_to_wake_up with the sync-only pull and
// wake_up_cpu, set_cpus_allowed and migration_task. Line numbers cite R3-4 kernel/sched.c
// unless stated; "-9" is RHEL3 2.4.21-9.EL (the rhel3_update1 policy field).
//
// Not modelled: the SMT shared runqueue (CONFIG_SHARE_RUNQUEUE, :152-174) and its active
// balance (active_load_balance / do_active_balance, :1043-1133); every CPU has its own runqueue,
// so the sibling loops of wake_up_cpu and schedule() have nothing to visit (policy
// active_balance = "none"). Interactivity (sleep_avg, TASK_INTERACTIVE) is not modelled either:
// prio = static_prio and an expired task always goes to the expired array (reference §7.9).
#include "os/kernel.hpp"

#include <cmath>
#include <vector>

namespace smp::os {

// BASE_TIMESLICE (:125-126): MIN + (MAX - MIN) * (MAX_PRIO - 1 - static_prio) / (MAX_USER_PRIO -
// 1), MIN_TIMESLICE = 10 ms, MAX_TIMESLICE = 200 ms in ticks (:63-64).
unsigned Kernel::task_timeslice_2421(const Task& p) const {
    constexpr long MAX_USER_PRIO = MAX_PRIO - MAX_RT_PRIO;
    const long min = 10L * m_cfg.hz / 1000;
    const long max = 200L * m_cfg.hz / 1000;
    const long slice = min + (max - min) * (MAX_PRIO - 1 - p.static_prio) / (MAX_USER_PRIO - 1);
    return static_cast<unsigned>(std::max(slice, 1L)); // 0 only below HZ = 100
}

// arch/i386/kernel/smpboot.c smp_tune_scheduling (reference §2.11): cacheflush_time =
// (cpu_khz >> 10) * (cachesize << 10) / bandwidth cycles, bandwidth 350 MB/s (16 KB at 100 MB/s
// when the cache size is unknown); cache_decay_ticks = cacheflush_time / cpu_khz * HZ / 1000.
unsigned long Kernel::smpboot_cache_decay_ticks(double freq_ghz, std::int64_t cache_kib,
                                                std::int64_t hz) {
    const auto cpu_khz = static_cast<std::uint64_t>(std::llround(freq_ghz * 1e6));
    if (cpu_khz == 0) return 0; // no TSC: cacheflush_time = 0 and cache_decay_ticks is left 0
    std::uint64_t size = static_cast<std::uint64_t>(cache_kib);
    std::uint64_t bandwidth = 350;
    if (cache_kib < 0) {
        size = 16; // "Pentiums, 2x8kB cache"
        bandwidth = 100;
    }
    const std::uint64_t cacheflush_time = (cpu_khz >> 10) * (size << 10) / bandwidth;
    return static_cast<unsigned long>(cacheflush_time / cpu_khz * static_cast<std::uint64_t>(hz) /
                                      1000);
}

unsigned long Kernel::cache_decay_ticks() const {
    if (m_policy.cache_decay_ticks >= 0)
        return static_cast<unsigned long>(m_policy.cache_decay_ticks);
    return smpboot_cache_decay_ticks(m_shape.freq_ghz, m_shape.l2_kib, m_cfg.hz);
}

// The hot half of CAN_MIGRATE_TASK (:1016-1019): hot unless jiffies - p->last_run >
// cache_decay_ticks, so with cache_decay_ticks = 0 a task that left a CPU in this jiffy is hot.
// Signed: a CPU whose local clock trails the one that stamped last_run sees "hot", not a wrap.
bool Kernel::task_hot_2421(const Task& p, unsigned long j) const {
    return !(static_cast<long>(j - p.last_run) > static_cast<long>(cache_decay_ticks()));
}

// schedule() (:1365): prev->last_run = jiffies, before the runqueue is locked.
void Kernel::stamp_last_run_2421(int cpu, Task& prev) {
    R(cpu, m_layout.jiffies());
    W(cpu, m_layout.task(prev.pid, TaskLine::Time));
    prev.last_run = jiffies(cpu);
}

// scheduler_tick (:1259-1342): the idle task balances (rebalance_tick idle) and, never being on
// the active array, is marked need_resched, so the idle CPU runs schedule() every tick (where
// an empty runqueue balances again). A running task uses its timeslice and balances busy at
// the end; one already off the active array only gets need_resched (no rebalance_tick).
void Kernel::scheduler_tick_2421(int cpu) {
    Runqueue& rq = cpu_rq(cpu);
    Task& p = *rq.curr;
    text(cpu, Text::Tick, Cost::tick);
    rq.timestamp_last_tick = now(cpu); // not a 2.4 field: for a 2.6.10 hot test in an ablation
    ++m_stats.ticks;
    if (&p == rq.idle) rebalance_tick(cpu, IdleType::Idle);
    spin_lock(cpu, rq.lock);
    R(cpu, m_layout.task(p.pid, TaskLine::Sched));
    if (p.array != rq.active) { // :1288-1297
        if (&p != rq.idle || m_policy.idle_resched_every_tick) set_need_resched(cpu, p);
        spin_unlock(cpu, rq.lock);
        return;
    }
    task_tick_o1(cpu, rq, p);
    spin_unlock(cpu, rq.lock);
    rebalance_tick(cpu, IdleType::NotIdle);
}

// rebalance_tick (:1184-1209) on the GLOBAL jiffies: an idle CPU balances every
// IDLE_REBALANCE_TICK (1 jiffy) and returns; a busy one every BUSY_REBALANCE_TICK (20 jiffies),
// so all busy CPUs balance on the same tick. From -9 (R3-9 :1196-1207) the idle branch does not
// return and the 20-jiffy balance (idle = 0) runs on idle CPUs too.
void Kernel::rebalance_tick_2421(int cpu, IdleType idle) {
    R(cpu, m_layout.jiffies());
    const unsigned long j = jiffies(cpu);
    if (idle != IdleType::NotIdle) {
        if (j % static_cast<unsigned long>(m_policy.idle_rebalance_ticks) == 0)
            rebalance_2421(cpu, true);
        if (!m_policy.rhel3_update1) return;
    }
    if (j % static_cast<unsigned long>(m_policy.busy_rebalance_ticks) == 0)
        rebalance_2421(cpu, false);
}

int Kernel::rebalance_2421(int this_cpu, bool idle) {
    Runqueue& rq = cpu_rq(this_cpu);
    spin_lock(this_cpu, rq.lock);
    R(this_cpu, m_layout.online_map()); // cpu_to_node_mask(cpu) == cpu_online_map (:36)
    const CpuMask mask = m_online;
    const int moved = load_balance_2421(this_cpu, idle, mask, MigReason::PeriodicBalance);
    spin_unlock(this_cpu, rq.lock);
    return moved;
}

// double_lock_balance (:826-846): trylock busiest; on failure keep the address order, and if
// this_rq's lock was dropped, recalculate nr_running from this_rq (it may have changed).
long Kernel::double_lock_balance_2421(int cpu, Runqueue& this_rq, Runqueue& busiest, bool idle,
                                      long nr_running) {
    if (spin_trylock(cpu, busiest.lock)) return nr_running;
    if (busiest.lock.addr < this_rq.lock.addr) {
        spin_unlock(cpu, this_rq.lock);
        spin_lock(cpu, busiest.lock);
        spin_lock(cpu, this_rq.lock);
        R(cpu, m_layout.rq_prev_cpu_load(this_rq.cpu, this_rq.cpu));
        const long prev = this_rq.prev_cpu_load[std::size_t(this_rq.cpu)];
        return (idle || long(this_rq.nr_running) > prev) ? long(this_rq.nr_running) : prev;
    }
    spin_lock(cpu, busiest.lock);
    return nr_running;
}

// find_busiest_queue (:859-937). Loads are nr_running, min-filtered with this runqueue's
// prev_cpu_load[] (the smaller of now and the last balance) unless idle; this CPU's own load is
// the larger of the two. The scan reads every runqueue's L0 line without its lock.
Runqueue* Kernel::find_busiest_queue_2421(int this_cpu, bool idle, long& imbalance,
                                          const CpuMask& mask) {
    Runqueue& this_rq = cpu_rq(this_cpu);
    auto& prev = this_rq.prev_cpu_load;
    if (prev.size() < m_ncpus) prev.resize(m_ncpus, 0);
    R(this_cpu, m_layout.rq_prev_cpu_load(this_cpu, this_cpu));
    long nr_running = (idle || long(this_rq.nr_running) > prev[std::size_t(this_cpu)])
                          ? long(this_rq.nr_running)
                          : prev[std::size_t(this_cpu)];
    Runqueue* busiest = nullptr;
    long max_load = 1;
    for (int i : mask.cpus()) {
        Runqueue& rq_src = cpu_rq(i);
        R(this_cpu, m_layout.rq(i, RqLine::L0)); // lockless
        kcompute(this_cpu, Cost::balance_per_cpu);
        const long nr = long(rq_src.nr_running);
        const long load = (idle || nr < prev[std::size_t(i)]) ? nr : prev[std::size_t(i)];
        W(this_cpu, m_layout.rq_prev_cpu_load(this_cpu, i));
        prev[std::size_t(i)] = nr;
        if (load > max_load && &rq_src != &this_rq) {
            busiest = &rq_src;
            max_load = load;
        }
    }
    if (!busiest) return nullptr;
    imbalance = max_load - nr_running;
    if (!idle && imbalance * 4 < max_load) return nullptr; // needs a ~25% imbalance when busy
    nr_running = double_lock_balance_2421(this_cpu, this_rq, *busiest, idle, nr_running);
    if (long(busiest->nr_running) <= nr_running) { // changed since the lockless look
        spin_unlock(this_cpu, busiest->lock);
        busiest = nullptr;
    }
    imbalance /= 2; // steal half the imbalance
    return busiest;
}

// CAN_MIGRATE_TASK (:1016-1019): ((!idle && BUSY_STEAL) || (idle && AGRESSIVE_IDLE_STEAL) ||
// jiffies - p->last_run > cache_decay_ticks) && !task_running(p) && task_allowed(p, cpu).
// AGRESSIVE_IDLE_STEAL is 0 in -4 and 1 from -9 on.
bool Kernel::can_migrate_task_2421(int cpu, Task& p, Runqueue& rq, int this_cpu, bool idle) {
    const bool steal = idle ? (m_policy.idle_steal_ignores_hot || m_policy.rhel3_update1)
                            : m_policy.busy_steal_ignores_hot;
    if (!steal) {
        R(cpu, m_layout.task(p.pid, TaskLine::Time)); // p->last_run
        if (hot_verdict(p, rq.cpu, this_cpu, cpu) == 1) return false;
    }
    R(cpu, m_layout.rq(rq.cpu, RqLine::Curr)); // task_running: CPU_CURR_PTR(task_cpu(p)) == p
    if (task_running(rq, p)) return false;
    R(cpu, m_layout.task(p.pid, TaskLine::Allowed));
    return p.cpus_allowed.test(this_cpu);
}

// pull_task (:943-951): always onto this runqueue's ACTIVE array (even from the expired one),
// then wake_up_cpu for this CPU.
void Kernel::pull_task_2421(int cpu, Runqueue& src, PrioArray& src_array, Task& p, Runqueue& dst,
                            MigReason why) {
    const Cycle decided = now(cpu);
    const long e = record_migration(cpu, p, src.cpu, dst.cpu, why,
                                    why == MigReason::PeriodicBalance ? "lb_tick" : "lb_newidle",
                                    "balancer", hot_verdict(p, src.cpu, dst.cpu, cpu), decided);
    text(cpu, Text::Migrate, Cost::move_task);
    W(cpu, src.lock.addr);
    dequeue_task(cpu, p, src_array);
    --src.nr_running;
    m_migrations[std::size_t(e)].t_dequeue = now(cpu);
    set_task_cpu(cpu, p, dst.cpu);
    W(cpu, dst.lock.addr);
    ++dst.nr_running;
    enqueue_task(cpu, p, *dst.active);
    m_migrations[std::size_t(e)].t_enqueue = now(cpu);
    wake_up_cpu_2421(cpu, dst, dst.cpu, p);
}

// load_balance (:961-1040), called with this_rq locked: the expired array of the busiest
// runqueue first, then its active one; highest priority first; each list from its tail. An
// idle balance pulls exactly one task; a busy one continues while --imbalance is non-zero, so
// an imbalance halved to 0 goes to -1 and keeps pulling every migratable task (as written).
int Kernel::load_balance_2421(int this_cpu, bool idle, const CpuMask& mask, MigReason why) {
    Runqueue& this_rq = cpu_rq(this_cpu);
    PathScope path(*this, this_cpu);
    text(this_cpu, Text::Balance, Cost::load_balance);
    const bool tick = why == MigReason::PeriodicBalance;
    ++(tick ? m_stats.load_balance : m_stats.newidle_balance);
    const auto kind = static_cast<int>(!tick  ? IdleType::NewlyIdle
                                       : idle ? IdleType::Idle
                                              : IdleType::NotIdle);
    long imbalance = 0;
    Runqueue* busiest = find_busiest_queue_2421(this_cpu, idle, imbalance, mask);
    if (!busiest) {
        ev(Ev::Balance, this_cpu, kind, 0, -1);
        return 0;
    }
    const int b = busiest->cpu;
    R(this_cpu, m_layout.array_header(b, busiest->expired->index));
    PrioArray* array = busiest->expired;
    if (!array->nr_active) {
        array = busiest->active;
        R(this_cpu, m_layout.array_header(b, array->index));
    }
    int pulled = 0;
    for (;;) {
        for (int idx = array->first_bit(); idx < MAX_PRIO; idx = array->next_bit(idx + 1)) {
            RunList& q = array->queue[idx];
            R(this_cpu, m_layout.array_queue(b, array->index, idx));
            std::vector<Task*> order; // from the tail; pulled tasks were already passed
            for (auto it = q.rbegin(); it != q.rend(); ++it)
                order.push_back(&*it);
            for (Task* t : order) {
                R(this_cpu, m_layout.task(t->pid, TaskLine::Sched));
                if (!can_migrate_task_2421(this_cpu, *t, *busiest, this_cpu, idle)) continue;
                pull_task_2421(this_cpu, *busiest, *array, *t, this_rq, why);
                ++pulled;
                if (idle || --imbalance == 0) goto out_unlock;
            }
        }
        if (array != busiest->expired) break;
        array = busiest->active;
        R(this_cpu, m_layout.array_header(b, array->index));
    }
out_unlock:
    spin_unlock(this_cpu, busiest->lock);
    ev(Ev::Balance, this_cpu, kind, 0, pulled);
    if (!pulled) ++m_stats.load_balance_failed;
    return pulled;
}

// wake_up_cpu (:470-503) without shared-runqueue siblings: an idle CPU is rescheduled;
// otherwise the current task is if p has a better priority, or the same priority and more
// timeslice left.
void Kernel::wake_up_cpu_2421(int cpu, Runqueue& rq, int target, Task& p) {
    R(cpu, m_layout.rq(target, RqLine::Curr));
    Task& curr = *rq.curr;
    if (&curr == rq.idle) {
        resched_task(cpu, curr); // resched_cpu
        return;
    }
    R(cpu, m_layout.task(curr.pid, TaskLine::Sched));
    if (p.prio < curr.prio || (p.prio == curr.prio && p.time_slice > curr.time_slice)) {
        resched_task(cpu, curr);
    }
}

// __activate_task (:333-337): enqueue on the active array's tail, nr_running++.
void Kernel::activate_task_nostat_2421(int cpu, Task& p, Runqueue& rq) {
    kcompute(cpu, Cost::enqueue);
    W(cpu, rq.lock.addr);
    enqueue_task(cpu, p, *rq.active);
    ++rq.nr_running;
}

// try_to_wake_up(p, state, sync, kick=0) (:520-581): only a sync wake-up moves a sleeping
// task, to the waker's CPU (if it is not running, is elsewhere and may run here); everything
// else wakes on task_cpu(p). R3-4 activates a sync wake-up without wake_up_cpu; from -9
// (R3-9 :547) only when it is on the waker's CPU.
int Kernel::try_to_wake_up_2421(int cpu, Task& p, long state, bool sync) {
    PathScope path(*this, cpu);
    text(cpu, Text::Wakeup, Cost::wakeup);
    const Cycle decided = now(cpu);
    int success = 0;
    for (;;) {
        m_hal.irq_disable(cpu);
        Runqueue& rq = task_rq_lock(cpu, p);
        R(cpu, m_layout.task(p.pid, TaskLine::Sched));
        if (p.state & state) {
            if (!p.array) {
                R(cpu, m_layout.rq(p.cpu, RqLine::Curr));
                if (sync && !task_running(rq, p) && p.cpu != cpu) {
                    R(cpu, m_layout.task(p.pid, TaskLine::Allowed));
                    if (p.cpus_allowed.test(cpu)) { // fast-migrate to the waker (:537-545)
                        record_migration(cpu, p, p.cpu, cpu, MigReason::Wakeup, "sync_wakeup",
                                         "wakeup", hot_verdict(p, p.cpu, cpu, cpu), decided);
                        set_task_cpu(cpu, p, cpu);
                        task_rq_unlock(cpu, rq);
                        continue; // repeat_lock_task
                    }
                }
                ++m_stats.wakeups;
                // __activate_task, without wake_up_cpu: R3-4 any sync wake-up, -9 one here.
                const bool quiet = sync && (p.cpu == cpu || !m_policy.rhel3_update1);
                if (quiet) {
                    activate_task_nostat_2421(cpu, p, rq);
                } else {
                    activate_task(cpu, p, rq);
                }
                if (p.first_run_event >= 0 &&
                    m_migrations[std::size_t(p.first_run_event)].t_enqueue == 0) {
                    m_migrations[std::size_t(p.first_run_event)].t_enqueue = now(cpu);
                }
                ev(Ev::Wakeup, cpu, p.pid, p.cpu);
                if (!quiet) wake_up_cpu_2421(cpu, rq, p.cpu, p);
                success = 1;
            }
            p.state = TASK_RUNNING;
        }
        task_rq_unlock(cpu, rq);
        return success;
    }
}

// sys_sched_setaffinity (:1977-2021) + set_cpus_allowed (:2387-2427): the mask is ANDed with
// cpu_online_map (EINVAL when empty); a sleeping task is just retargeted to __ffs(mask); a
// queued or running one gets a migration_req_t (on the requester's stack, no destination)
// queued at the HEAD of its CPU's migration queue, migration/N is woken and the requester
// sleeps on the completion.
int Kernel::set_cpus_allowed_2421(int cpu, Task& p, const CpuMask& new_mask, MigReason why) {
    Task& self = current(cpu);
    const long id = path_new();
    PathScope path(*this, cpu, id);
    text(cpu, Text::Syscall, Cost::set_cpus_allowed);
    const Cycle decided = now(cpu);
    R(cpu, m_layout.online_map());
    const CpuMask mask = new_mask & m_online;
    if (mask.empty()) return -EINVAL_;
    m_hal.irq_disable(cpu);
    Runqueue& rq = task_rq_lock(cpu, p);
    W(cpu, m_layout.task(p.pid, TaskLine::Allowed));
    p.cpus_allowed = mask;
    if (mask.test(p.cpu)) {
        task_rq_unlock(cpu, rq);
        return 0;
    }
    R(cpu, m_layout.rq(p.cpu, RqLine::Curr));
    if (!p.array && !task_running(rq, p)) {
        move_or_hold(cpu, p, p.cpu, mask.first(), why, "set_cpus_allowed", "caller", decided);
        task_rq_unlock(cpu, rq);
        return 0;
    }
    MigrationReq req = make_req(self, why, decided);
    req.path = id;
    req.type = MigrationReq::MoveTask;
    req.task = &p;
    req.dest_cpu = -1; // migration_task picks the destination
    queue_request(cpu, rq, req);
    wake_and_wait(cpu, self, rq, req, &path);
    return 0;
}

// migration_task's move (:2480-2513), with this CPU's runqueue unlocked and interrupts off:
// cpu_dest = __ffs(p->cpus_allowed & cpu_online_map), the lowest allowed online CPU, read now;
// lock both runqueues, retry if the task changed CPU meanwhile, and move it only if it is still
// on this CPU's runqueue: deactivate, __activate_task on the destination, wake_up_cpu.
// A request that carries a destination (sched_exec in an ablation) keeps it.
void Kernel::migration_move_2421(int cpu, MigrationReq& req) {
    Task& p = *req.task;
    const auto why = static_cast<MigReason>(req.reason);
    const char* detail = why == MigReason::Exec ? "sched_exec" : "set_cpus_allowed";
    text(cpu, Text::Migrate, Cost::move_task);
    R(cpu, m_layout.task(p.pid, TaskLine::Allowed));
    R(cpu, m_layout.online_map());
    const int dest = req.dest_cpu >= 0 ? req.dest_cpu : (p.cpus_allowed & m_online).first();
    if (dest >= int(m_ncpus) || !m_online.test(dest)) return;
    Runqueue& rq = cpu_rq(cpu);
    Runqueue& rq_dest = cpu_rq(dest);
    for (;;) {
        R(cpu, m_layout.thread_info(p.pid));
        const int src = p.cpu;
        Runqueue& rq_src = cpu_rq(src);
        double_rq_lock(cpu, rq_src, rq_dest);
        R(cpu, m_layout.thread_info(p.pid));
        if (p.cpu != src) {
            double_rq_unlock(cpu, rq_src, rq_dest);
            continue; // repeat
        }
        if (&rq_src == &rq) {
            // set_task_cpu(p, cpu_dest); the same CPU (the mask changed back) only requeues.
            const long e = dest != src ? move_or_hold(cpu, p, src, dest, why, detail,
                                                      "migration_thread", req.decision)
                                       : -2;
            if (e != -1 && p.array) {
                deactivate_task(cpu, p, rq_src);
                if (e >= 0) m_migrations[std::size_t(e)].t_dequeue = now(cpu);
                activate_task_nostat_2421(cpu, p, rq_dest);
                if (e >= 0) m_migrations[std::size_t(e)].t_enqueue = now(cpu);
                wake_up_cpu_2421(cpu, rq_dest, dest, p);
            }
        }
        double_rq_unlock(cpu, rq_src, rq_dest);
        return;
    }
}

} // namespace smp::os
