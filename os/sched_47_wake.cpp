// The Linux 4.7 wake-up path on any runqueue type (kernel/sched/core.c "C", fair.c "F";
// reference §5.7, §5.11): try_to_wake_up with p->pi_lock and p->on_cpu, select_task_rq and
// select_fallback_rq, select_task_rq_fair (record_wakee / wake_wide, wake_affine,
// select_idle_sibling, find_idlest_group / find_idlest_cpu), ttwu_queue with the remote wake
// list drained by scheduler_ipi, check_preempt_curr and resched_curr. Loads are PELT's.
#include "os/kernel.hpp"

#include <algorithm>
#include <climits>

namespace smp::os {

namespace {
constexpr unsigned long SCHED_CAPACITY_SCALE = 1024;
constexpr unsigned long SMT_GAIN = 1178; // sd->smt_gain of SD_SHARE_CPUCAPACITY levels
} // namespace

unsigned Kernel::llc_size() const {
    return m_shape.llc_cpus ? m_shape.llc_cpus
                            : m_shape.cores_per_socket * m_shape.threads_per_core;
}

// cpus_share_cache: sd_llc_id(a) == sd_llc_id(b), from the platform's cache topology.
bool Kernel::cpus_share_cache(int a, int b) const {
    const int n = static_cast<int>(llc_size());
    return a / n == b / n;
}

// sd_llc: the highest domain of cpu whose span lies within cpu's last-level cache (single-CPU
// domains are degenerate in 4.7 and do not count).
const SchedDomain* Kernel::sd_llc(int cpu) const {
    const int n = static_cast<int>(llc_size());
    CpuMask llc(m_ncpus);
    for (int c = cpu - cpu % n; c < cpu - cpu % n + n && c < int(m_ncpus); ++c)
        llc.set(c);
    const SchedDomain* best = nullptr;
    for (const SchedDomain* d : m_rqs[std::size_t(cpu)]->domains) {
        if (!((d->span & llc) == d->span)) break;
        if (d->span.weight() > 1) best = d;
    }
    return best;
}

// rq->cpu_capacity: SCHED_CAPACITY_SCALE, or smt_gain shared among SMT siblings
// (default_scale_cpu_capacity); no RT or IRQ time is taken out.
unsigned long Kernel::capacity_of(int cpu) const {
    const auto& doms = m_rqs[std::size_t(cpu)]->domains;
    if (!doms.empty() && doms.front()->params.share_cpupower && doms.front()->span.weight() > 1) {
        return SMT_GAIN / doms.front()->span.weight();
    }
    return SCHED_CAPACITY_SCALE;
}

// idle_cpu (C :3597-3613): the idle task runs, nothing is queued and no wake-up is pending.
bool Kernel::idle_cpu_47(int exec, int cpu) {
    const Runqueue& rq = cpu_rq(cpu);
    R(exec, m_layout.rq(cpu, RqLine::Curr));
    if (rq.curr != rq.idle) return false;
    R(exec, m_layout.rq(cpu, RqLine::L0));
    if (rq.nr_running) return false;
    R(exec, m_layout.rq(cpu, RqLine::Wake));
    return rq.wake_list.empty();
}

// resched_curr (C :480-502): nothing if need_resched is already set; locally set it; remotely
// set_nr_and_not_polling and an IPI (a HLT idle CPU never polls).
void Kernel::resched_curr(int cpu, Runqueue& rq) {
    Task& curr = *rq.curr;
    R(cpu, m_layout.thread_info(curr.pid));
    if (curr.need_resched) return;
    if (rq.cpu == cpu) {
        W(cpu, m_layout.thread_info(curr.pid));
        curr.need_resched = true;
        return;
    }
    A(cpu, m_layout.thread_info(curr.pid));
    curr.need_resched = true;
    send_resched_ipi(cpu, rq.cpu);
}

// ttwu_do_activate (C :1773-1790): activate_task, on_rq = QUEUED, then ttwu_do_wakeup:
// check_preempt_curr and p->state = TASK_RUNNING (the CPU stops counting as idle since then).
void Kernel::ttwu_do_activate(int cpu, Runqueue& rq, Task& p) {
    activate_task(cpu, p, rq);
    W(cpu, m_layout.task(p.pid, TaskLine::Sched)); // p->on_rq = TASK_ON_RQ_QUEUED
    if (p.first_run_event >= 0 && m_migrations[std::size_t(p.first_run_event)].t_enqueue == 0) {
        m_migrations[std::size_t(p.first_run_event)].t_enqueue = now(cpu);
    }
    ev(Ev::Wakeup, cpu, p.pid, rq.cpu);
    check_preempt_curr(cpu, rq, p);
    p.state = TASK_RUNNING;
    update_avg_idle(cpu, rq);
    rq.idle_stamp = 0;
}

// sched_ttwu_pending (C :1791-1811): take the whole wake list (xchg), then under the own
// runqueue's lock activate every queued wakee, newest first.
void Kernel::sched_ttwu_pending(int cpu) {
    Runqueue& rq = cpu_rq(cpu);
    A(cpu, m_layout.rq(cpu, RqLine::Wake)); // llist_del_all
    if (rq.wake_list.empty()) return;
    std::deque<Task*> list;
    list.swap(rq.wake_list);
    m_hal.irq_disable(cpu);
    rq_lock(cpu, rq);
    for (Task* p : list) {
        R(cpu, m_layout.task(p->pid, TaskLine::Pi)); // the wake_entry's next
        ttwu_do_activate(cpu, rq, *p);
    }
    rq_unlock(cpu, rq);
    m_hal.irq_enable(cpu);
}

// scheduler_ipi (C :1813-1850), from the reschedule interrupt: drain the wake list if any.
void Kernel::scheduler_ipi(int cpu) {
    R(cpu, m_layout.rq(cpu, RqLine::Wake)); // llist_empty
    if (cpu_rq(cpu).wake_list.empty()) return;
    sched_ttwu_pending(cpu);
}

// ttwu_queue (C :1873-1891): across last-level caches (TTWU_QUEUE) the wakee goes on the
// target's wake list and an IPI is sent only if the list was empty; otherwise the waker locks
// the target runqueue and activates it there.
void Kernel::ttwu_queue(int cpu, Task& p, int target) {
    Runqueue& rq = cpu_rq(target);
    if (m_policy.ttwu_queue && !cpus_share_cache(cpu, target)) {
        W(cpu, m_layout.task(p.pid, TaskLine::Pi)); // p->wake_entry
        A(cpu, m_layout.rq(target, RqLine::Wake));  // llist_add (cmpxchg of the head)
        const bool first = rq.wake_list.empty();
        rq.wake_list.push_front(&p);
        ev(Ev::WakeQueued, cpu, p.pid, target, first ? 1 : 0);
        if (first) send_resched_ipi(cpu, target); // !set_nr_if_polling: HLT idle never polls
        return;
    }
    rq_lock(cpu, rq);
    ttwu_do_activate(cpu, rq, p);
    rq_unlock(cpu, rq);
}

// record_wakee (F :5003-5018): the waker's wakee_flips count changes of wakee, halved each second.
void Kernel::record_wakee(int cpu, Task& p) {
    Task& waker = current(cpu);
    R(cpu, m_layout.task(waker.pid, TaskLine::Pi));
    const unsigned long j = jiffies(cpu);
    if (j > waker.wakee_flip_decay_ts + static_cast<unsigned long>(m_cfg.hz)) {
        waker.wakee_flips >>= 1;
        waker.wakee_flip_decay_ts = j;
        W(cpu, m_layout.task(waker.pid, TaskLine::Pi));
    }
    if (waker.last_wakee != &p) {
        waker.last_wakee = &p;
        ++waker.wakee_flips;
        W(cpu, m_layout.task(waker.pid, TaskLine::Pi));
    }
}

// wake_wide (F :5037-5048): a 1:N waker/wakee pattern wider than the LLC is not pulled affine.
bool Kernel::wake_wide(int cpu, const Task& p) {
    R(cpu, m_layout.task(p.pid, TaskLine::Pi));
    unsigned master = current(cpu).wakee_flips, slave = p.wakee_flips;
    const SchedDomain* llc = sd_llc(cpu);
    const unsigned factor = llc ? llc->span.weight() : 1; // sd_llc_size
    if (master < slave) std::swap(master, slave);
    return !(slave < factor || master < slave * factor);
}

// wake_affine (F :5050-5114), no group scheduling (effective_load returns its wl): affine iff
// 100*cap(prev)*(this_load + w_p) <= (100 + (pct-100)/2)*cap(this)*load_prev, this_load less the
// waker's load on a sync wake-up; only the capacities are compared if this_load <= 0.
bool Kernel::wake_affine(int cpu, const SchedDomain& sd, const Task& p, bool sync) {
    const int this_cpu = cpu, prev_cpu = p.cpu;
    R(cpu, m_layout.rq(prev_cpu, RqLine::Pelt));
    R(cpu, m_layout.rq(this_cpu, RqLine::Pelt));
    const long long load = static_cast<long long>(weighted_cpuload(prev_cpu)); // wake_idx 0
    long long this_load = static_cast<long long>(weighted_cpuload(this_cpu));
    if (sync) {
        R(cpu, m_layout.task(current(cpu).pid, TaskLine::Avg));
        this_load -= static_cast<long long>(current(cpu).avg.load_avg);
    }
    R(cpu, m_layout.task(p.pid, TaskLine::Avg));
    const long long weight = static_cast<long long>(p.avg.load_avg);
    long long this_eff = 100LL * static_cast<long long>(capacity_of(prev_cpu));
    long long prev_eff =
        (100 + (sd.params.imbalance_pct - 100) / 2) * static_cast<long long>(capacity_of(this_cpu));
    if (this_load > 0) {
        this_eff *= this_load + weight;
        prev_eff *= load;
    }
    return this_eff <= prev_eff;
}

// select_idle_sibling (F :5226-5283): target if idle; else the task's previous CPU if it shares
// target's cache and is idle; else the first group of target's LLC domain (and the domains
// below it) that is wholly idle and allowed; else target.
int Kernel::select_idle_sibling(int cpu, const Task& p, int target) {
    if (idle_cpu_47(cpu, target)) return target;
    const int prev = p.cpu;
    if (prev != target && cpus_share_cache(prev, target) && idle_cpu_47(cpu, prev)) return prev;
    const SchedDomain* llc = sd_llc(target);
    if (!llc) return target;
    const auto& doms = cpu_rq(target).domains;
    for (int lvl = llc->index; lvl >= 0; --lvl) { // for_each_lower_domain
        const SchedDomain& sd = *doms[std::size_t(lvl)];
        R(cpu, sd.addr);
        for (const SchedGroup* sg : sd.groups) {
            R(cpu, sg->addr);
            if (!sg->cpumask.intersects(p.cpus_allowed)) continue;
            bool idle = true;
            for (int i : sg->cpumask.cpus()) {
                if (i == target || !idle_cpu_47(cpu, i)) {
                    idle = false;
                    break;
                }
            }
            if (idle) return (sg->cpumask & p.cpus_allowed).first();
        }
    }
    return target;
}

// find_idlest_group (F :5116-5175): the least loaded allowed group (capacity-scaled), unless the
// local group is within half the imbalance percentage of it.
SchedGroup* Kernel::find_idlest_group_47(int cpu, const SchedDomain& sd, const Task& p,
                                         int this_cpu) {
    SchedGroup* idlest = nullptr;
    unsigned long min_load = ULONG_MAX, this_load = 0;
    const unsigned long imbalance =
        static_cast<unsigned long>(100 + (sd.params.imbalance_pct - 100) / 2);
    for (SchedGroup* g : sd.groups) {
        R(cpu, g->addr);
        if (!g->cpumask.intersects(p.cpus_allowed)) continue;
        const bool local = g->cpumask.test(this_cpu);
        unsigned long avg = 0, capacity = 0;
        for (int i : g->cpumask.cpus()) { // source_load / target_load at forkexec_idx 0
            R(cpu, m_layout.rq(i, RqLine::Pelt));
            kcompute(cpu, Cost::balance_per_cpu);
            avg += weighted_cpuload(i);
            capacity += capacity_of(i);
        }
        avg = avg * SCHED_CAPACITY_SCALE / std::max<unsigned long>(capacity, 1);
        if (local) {
            this_load = avg;
        } else if (avg < min_load) {
            min_load = avg;
            idlest = g;
        }
    }
    if (!idlest || 100 * this_load < imbalance * min_load) return nullptr;
    return idlest;
}

// find_idlest_cpu (F :5177-5224), no cpuidle driver: the idle CPU that went idle last, else the
// least loaded one (this_cpu on ties).
int Kernel::find_idlest_group_cpu(int cpu, const SchedGroup& group, const Task& p, int this_cpu) {
    unsigned long min_load = ULONG_MAX;
    Cycle latest_idle = 0;
    int least_loaded = this_cpu, shallowest_idle = -1;
    for (int i : (group.cpumask & p.cpus_allowed).cpus()) {
        if (idle_cpu_47(cpu, i)) {
            if (cpu_rq(i).idle_stamp > latest_idle) {
                latest_idle = cpu_rq(i).idle_stamp;
                shallowest_idle = i;
            }
        } else if (shallowest_idle == -1) {
            R(cpu, m_layout.rq(i, RqLine::Pelt));
            const unsigned long load = weighted_cpuload(i);
            if (load < min_load || (load == min_load && i == this_cpu)) {
                min_load = load;
                least_loaded = i;
            }
        }
    }
    return shallowest_idle != -1 ? shallowest_idle : least_loaded;
}

namespace {
// The domain flag a placement looks for: SD_BALANCE_WAKE is off in 4.7's default flags (C :6456)
// and is not a knob here; SD_BALANCE_EXEC / SD_BALANCE_FORK are the level's parameters.
bool sd_has(const SchedDomain& sd, Kernel::SdFlag f) {
    if (f == Kernel::SdFlag::Exec) return sd.params.balance_exec;
    if (f == Kernel::SdFlag::Fork) return sd.params.balance_fork;
    return false;
}
} // namespace

// select_task_rq_fair (F :5332-5413): wake-ups look for an affine domain (both CPUs in its
// span) and then an idle sibling; exec and fork descend from the highest domain with their
// flag through find_idlest_group / find_idlest_cpu.
Kernel::Placement Kernel::select_task_rq_fair(int cpu, Task& p, int prev_cpu, SdFlag flag,
                                              bool sync) {
    int new_cpu = prev_cpu;
    const char* detail = nullptr;
    bool want_affine = false;
    if (flag == SdFlag::Wake) {
        record_wakee(cpu, p);
        want_affine = !wake_wide(cpu, p) && p.cpus_allowed.test(cpu);
    }
    const SchedDomain* affine_sd = nullptr;
    const SchedDomain* sd = nullptr;
    for (const SchedDomain* tmp : cpu_rq(cpu).domains) {
        R(cpu, tmp->addr);
        if (!tmp->params.load_balance) break;
        if (want_affine && tmp->params.wake_affine && tmp->span.test(prev_cpu)) {
            affine_sd = tmp;
            break;
        }
        if (sd_has(*tmp, flag)) {
            sd = tmp;
        } else if (!want_affine) {
            break;
        }
    }
    if (affine_sd) {
        sd = nullptr; // prefer wake_affine over the balance flags
        if (cpu != prev_cpu && wake_affine(cpu, *affine_sd, p, sync)) {
            new_cpu = cpu;
            detail = "wake_affine";
        }
    }
    if (!sd) {
        if (flag == SdFlag::Wake) {
            const int idle = select_idle_sibling(cpu, p, new_cpu);
            if (idle != new_cpu) detail = "select_idle_sibling";
            new_cpu = idle;
        }
        return {new_cpu, detail ? detail : "select_idle_sibling"};
    }
    int c = cpu; // the descent's CPU: sd is one of its domains
    auto child = [this](int of, const SchedDomain* d) -> const SchedDomain* {
        return d->index > 0 ? cpu_rq(of).domains[std::size_t(d->index - 1)] : nullptr;
    };
    while (sd) {
        if (!sd_has(*sd, flag)) {
            sd = child(c, sd);
            continue;
        }
        const SchedGroup* group = find_idlest_group_47(cpu, *sd, p, c);
        if (!group) {
            sd = child(c, sd);
            continue;
        }
        new_cpu = find_idlest_group_cpu(cpu, *group, p, c);
        if (new_cpu == -1 || new_cpu == c) {
            sd = child(c, sd);
            continue;
        }
        c = new_cpu; // now balance at the lower levels of new_cpu
        const unsigned weight = sd->span.weight();
        sd = nullptr;
        for (const SchedDomain* tmp : cpu_rq(c).domains) {
            if (weight <= tmp->span.weight()) break;
            if (sd_has(*tmp, flag)) sd = tmp;
        }
    }
    return {new_cpu, "find_idlest_group"};
}

// select_fallback_rq (C :1515-1583): an allowed online CPU of the same node, else any allowed
// online CPU, else the task is no longer affine and may run anywhere.
int Kernel::select_fallback_rq(int cpu, Task& p, int from) {
    const int per_socket = int(m_shape.cores_per_socket * m_shape.threads_per_core);
    R(cpu, m_layout.online_map());
    R(cpu, m_layout.task(p.pid, TaskLine::Allowed));
    const int node0 = from - from % per_socket;
    for (int c = node0; c < node0 + per_socket && c < int(m_ncpus); ++c) {
        if (m_online.test(c) && p.cpus_allowed.test(c)) return c;
    }
    for (int c : p.cpus_allowed.cpus()) {
        if (m_online.test(c)) return c;
    }
    W(cpu, m_layout.task(p.pid, TaskLine::Allowed)); // do_set_cpus_allowed(p, cpu_possible_mask)
    p.cpus_allowed = CpuMask::all(m_ncpus);
    return m_online.first();
}

// select_task_rq (C :1589-1613): the class's choice for a task allowed on several CPUs (stop
// tasks never move), then select_fallback_rq if that CPU is not allowed or not online.
int Kernel::select_task_rq(int cpu, Task& p, SdFlag flag, bool sync, const char*& detail) {
    if (p.stop_class) return p.cpu; // select_task_rq_stop
    text(cpu, Text::Wakeup, Cost::select_rq);
    R(cpu, m_layout.task(p.pid, TaskLine::Allowed));
    int c = p.cpu;
    if (p.cpus_allowed.weight() > 1 && pelt_tracked(p)) {
        const Placement pl = select_task_rq_fair(cpu, p, p.cpu, flag, sync);
        c = pl.cpu;
        detail = pl.detail;
    } else if (p.cpus_allowed.weight() <= 1) {
        c = p.cpus_allowed.first(); // cpumask_any
        detail = "select_task_rq";
    }
    R(cpu, m_layout.online_map());
    if (!p.cpus_allowed.test(c) || !m_online.test(c)) {
        c = select_fallback_rq(cpu, p, p.cpu);
        detail = "select_fallback_rq";
    }
    return c;
}

// try_to_wake_up (C :2000-2073) under p->pi_lock: a still-queued task is only marked running
// (ttwu_remote); otherwise wait until its CPU has switched it out (p->on_cpu), mark it
// TASK_WAKING, place it (select_task_rq, SD_BALANCE_WAKE) and queue it there (ttwu_queue).
int Kernel::try_to_wake_up_47(int cpu, Task& p, long state, bool sync) {
    PathScope path(*this, cpu);
    text(cpu, Text::Wakeup, Cost::wakeup);
    m_hal.irq_disable(cpu);
    spin_lock(cpu, pi_lock(p));
    R(cpu, m_layout.task(p.pid, TaskLine::Sched)); // p->state, p->on_rq
    int success = 0;
    if (p.state & state) {
        success = 1;
        const Cycle decided = now(cpu);
        bool woken = false;
        if (task_queued(p) || p.migrating) { // ttwu_remote
            Runqueue& rq = task_rq_lock_only(cpu, p);
            if (task_queued(p)) {
                check_preempt_curr(cpu, rq, p);
                W(cpu, m_layout.task(p.pid, TaskLine::Sched));
                p.state = TASK_RUNNING;
                woken = true;
            }
            rq_unlock(cpu, rq);
        }
        if (!woken) {
            R(cpu, m_layout.task(p.pid, TaskLine::Pi)); // smp_cond_acquire(!p->on_cpu)
            if (p.on_cpu) {
                kspin(cpu, [&p] { return !p.on_cpu; });
                R(cpu, m_layout.task(p.pid, TaskLine::Pi));
            }
            W(cpu, m_layout.task(p.pid, TaskLine::Sched));
            p.state = TASK_WAKING;
            ++m_stats.wakeups;
            const int from = p.cpu;
            // The reason of a move is what forced it, if anything: an offline CPU or a mask.
            const MigReason why = !m_online.test(from)         ? MigReason::Hotplug
                                  : !p.cpus_allowed.test(from) ? MigReason::Affinity
                                                               : MigReason::Wakeup;
            const char* detail = "select_idle_sibling";
            // counterfactual: the held task resumes where it was held, unplaced
            int target =
                &p == m_cf_waking ? from : select_task_rq(cpu, p, SdFlag::Wake, sync, detail);
            if (target != from && cf_due()) { // counterfactual: it wakes where it slept instead
                cf_hold(cpu, p, from, target, why, detail, "wakeup", decided);
                target = from;
            }
            if (target != from) { // WF_MIGRATED
                record_migration(cpu, p, from, target, why, detail, "wakeup", -1, decided);
                set_task_cpu_47(cpu, p, target);
            }
            ttwu_queue(cpu, p, target);
        }
    }
    spin_unlock(cpu, p.pi_lock);
    m_hal.irq_enable(cpu);
    return success;
}

} // namespace smp::os
