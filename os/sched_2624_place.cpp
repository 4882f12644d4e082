// Linux 2.6.24 placement (reference §4.3, §4.4, §4.8, §4.9; kernel/sched.c of 2.6.24):
// try_to_wake_up with wake_affine / passive balancing / wake_idle, sched_balance_self for exec
// and fork (find_idlest_group, find_idlest_cpu), and __migrate_task of the migration thread.
#include "os/kernel.hpp"

#include <climits>

namespace smp::os {

// wake_idle (:1450-1485): a busy target with a single task hands the wakee to the first idle
// CPU of the SD_WAKE_IDLE domains around it (span & cpus_allowed), bottom-up.
int Kernel::wake_idle_2624(int cpu, int target, const Task& p) {
    R(cpu, m_layout.rq(target, RqLine::Curr));
    R(cpu, m_layout.rq(target, RqLine::L0));
    if (idle_cpu(target) || cpu_rq(target).nr_running > 1) return target;
    for (SchedDomain* sd : domains_of(target)) {
        R(cpu, sd->addr);
        if (!sd->params.wake_idle) break;
        const CpuMask tmp = sd->span & p.cpus_allowed;
        for (int i : tmp.cpus()) {
            R(cpu, m_layout.rq(i, RqLine::Curr));
            if (idle_cpu(i)) return i;
        }
    }
    return target;
}

// try_to_wake_up (:1507-1656). The affine test reads the task's old runqueue clock as last
// updated there (not refreshed before the test).
int Kernel::try_to_wake_up_2624(int cpu, Task& p, long state, bool sync) {
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
    if (p.se.on_rq) goto out_running;
    if (task_running(*rq, p)) goto out_activate;
    ++m_stats.wakeups;
    if (&p == m_cf_waking) goto out_activate; // counterfactual: resumed where it was held
    if (c == this_cpu) goto out_set_cpu;
    {
        SchedDomain* this_sd = nullptr;
        for (SchedDomain* sd : domains_of(this_cpu)) {
            R(cpu, sd->addr);
            if (sd->span.test(c)) {
                this_sd = sd;
                break;
            }
        }
        R(cpu, m_layout.task(p.pid, TaskLine::Allowed));
        if (!p.cpus_allowed.test(this_cpu)) goto out_set_cpu;
        if (this_sd) {
            const int idx = int(this_sd->params.wake_idx);
            const unsigned long pct = static_cast<unsigned long>(this_sd->params.imbalance_pct);
            const unsigned long imbalance = 100 + (pct - 100) / 2;
            R(cpu, m_layout.rq(c, RqLine::L0));
            R(cpu, m_layout.rq(this_cpu, RqLine::L0));
            const unsigned long load = source_load_idx(c, idx);
            const unsigned long this_load = target_load_idx(this_cpu, idx);
            new_cpu = this_cpu;
            if (this_sd->params.wake_affine) {
                unsigned long tl = this_load;
                if (sync) { // attract cache-cold tasks on sync wake-ups
                    R(cpu, m_layout.task(p.pid, TaskLine::Time));
                    hot = task_hot_at(p, *rq, *this_sd) ? 1 : 0;
                    if (!hot) {
                        detail = "sync_wakeup";
                        goto out_set_cpu;
                    }
                }
                const unsigned long tl_per_task = cpu_avg_load_per_task(this_cpu);
                if (sync) tl -= current(cpu).se.weight; // unsigned, as the kernel's
                if ((tl <= load && tl + target_load_idx(c, idx) <= tl_per_task) ||
                    100 * (tl + p.se.weight) <= imbalance * load) {
                    detail = "wake_affine";
                    goto out_set_cpu;
                }
            }
            if (this_sd->params.wake_balance && imbalance * this_load <= 100 * load) {
                detail = "wake_balance"; // passive balancing at half the imbalance_pct
                goto out_set_cpu;
            }
        }
        new_cpu = c;
    }
out_set_cpu:
    if (const int idle_target = wake_idle_2624(cpu, new_cpu, p); idle_target != new_cpu) {
        new_cpu = idle_target;
        detail = "wake_idle";
    }
    if (new_cpu != c) {
        record_migration(cpu, p, c, new_cpu, MigReason::Wakeup, detail ? detail : "wake_affine",
                         "wakeup", hot, decided);
        set_task_cpu(cpu, p, new_cpu);
        spin_unlock(cpu, rq->lock); // interrupts stay off until the final unlock
        rq = &task_rq_lock(cpu, p);
        old_state = p.state;
        if (!(old_state & state)) goto out;
        if (p.se.on_rq) goto out_running;
        this_cpu = cpu;
        c = p.cpu;
    }
out_activate:
    update_rq_clock(cpu, *rq);
    activate_task(cpu, p, *rq, true);
    if (p.first_run_event >= 0 && m_migrations[std::size_t(p.first_run_event)].t_enqueue == 0) {
        m_migrations[std::size_t(p.first_run_event)].t_enqueue = now(cpu);
    }
    ev(Ev::Wakeup, cpu, p.pid, p.cpu);
    check_preempt_curr(cpu, *rq, p);
    success = 1;
out_running:
    p.state = TASK_RUNNING;
out:
    spin_unlock_irq(cpu, rq->lock);
    return success;
}

// find_idlest_group (threshold at :1303): the least loaded allowed group by forkexec_idx, unless
// this group is within half the imbalance_pct of it.
SchedGroup* Kernel::find_idlest_group(const SchedDomain& sd, const Task& p, int this_cpu) {
    SchedGroup *idlest = nullptr, *local = nullptr;
    unsigned long min_load = ULONG_MAX, this_load = 0;
    const int load_idx = int(sd.params.forkexec_idx);
    const unsigned long imbalance =
        100 + (static_cast<unsigned long>(sd.params.imbalance_pct) - 100) / 2;
    for (SchedGroup* g : sd.groups) {
        R(this_cpu, g->addr);
        if (!g->cpumask.intersects(p.cpus_allowed)) continue;
        const bool local_group = g->cpumask.test(this_cpu);
        unsigned long avg_load = 0;
        for (int i : g->cpumask.cpus()) {
            R(this_cpu, m_layout.rq(i, RqLine::L0));
            avg_load += local_group ? source_load_idx(i, load_idx) : target_load_idx(i, load_idx);
        }
        const auto r = static_cast<std::uint32_t>(((std::uint64_t(1) << 32) + g->cpu_power - 1) /
                                                  g->cpu_power);
        avg_load = static_cast<std::uint32_t>(
            (std::uint64_t(static_cast<std::uint32_t>(avg_load * NICE_0_LOAD)) * r) >> 32);
        if (local_group) {
            this_load = avg_load;
            local = g;
        } else if (avg_load < min_load) {
            min_load = avg_load;
            idlest = g;
        }
    }
    (void)local;
    if (!idlest || 100 * this_load < imbalance * min_load) return nullptr;
    return idlest;
}

// find_idlest_cpu: the allowed CPU of the group with the least weighted load,
// this CPU on a tie.
int Kernel::find_idlest_cpu_2624(const SchedGroup& group, const Task& p, int this_cpu) {
    unsigned long min_load = ULONG_MAX;
    int idlest = -1;
    for (int i : (group.cpumask & p.cpus_allowed).cpus()) {
        R(this_cpu, m_layout.rq(i, RqLine::L0));
        const unsigned long load = weighted_cpuload(i);
        if (load < min_load || (load == min_load && i == this_cpu)) {
            min_load = load;
            idlest = i;
        }
    }
    return idlest;
}

// sched_balance_self (:1384-1437): from the highest domain with the flag down, move to the
// idlest CPU of the idlest group, then continue in the new CPU's domains below that span.
int Kernel::sched_balance_self(int cpu, const Task& p, bool fork) {
    text(cpu, fork ? Text::Fork : Text::Exec, Cost::select_rq);
    const int exec = cpu;
    auto has_flag = [fork](const SchedDomain& d) {
        return fork ? d.params.balance_fork : d.params.balance_exec;
    };
    auto child = [this](int owner, const SchedDomain* d) -> SchedDomain* {
        return d->index > 0 ? cpu_rq(owner).domains[std::size_t(d->index - 1)] : nullptr;
    };
    SchedDomain* sd = nullptr;
    int owner = cpu;
    for (SchedDomain* d : domains_of(cpu)) {
        R(exec, d->addr);
        if (has_flag(*d)) sd = d;
    }
    while (sd) {
        if (!has_flag(*sd)) {
            sd = child(owner, sd);
            continue;
        }
        const unsigned weight = sd->span.weight();
        SchedGroup* group = find_idlest_group(*sd, p, cpu);
        if (!group) {
            sd = child(owner, sd);
            continue;
        }
        const int new_cpu = find_idlest_cpu_2624(*group, p, cpu);
        if (new_cpu == -1 || new_cpu == cpu) {
            sd = child(owner, sd);
            continue;
        }
        cpu = new_cpu;
        owner = cpu;
        sd = nullptr;
        for (SchedDomain* d : domains_of(cpu)) {
            R(exec, d->addr);
            if (weight <= d->span.weight()) break;
            if (has_flag(*d)) sd = d;
        }
    }
    return cpu;
}

// sched_exec (:2185-2192): no nr_running shortcut; the move goes through sched_migrate_task.
void Kernel::sched_exec_2624(Task& self) {
    const int this_cpu = self.cpu;
    const int new_cpu = sched_balance_self(this_cpu, self, false);
    if (new_cpu != this_cpu) sched_migrate_task(self, new_cpu);
}

// sched_fork (:1713-1743): the child (on the parent's CPU, as dup_task_struct copies it) goes
// to sched_balance_self(SD_BALANCE_FORK). Masks are the child's. Returns the child's CPU.
int Kernel::sched_fork_2624(Task& parent, Task& child) {
    const int cpu = parent.cpu;
    child.cpu = cpu;                        // dup_task_struct: the parent's thread_info->cpu
    child.se.vruntime = parent.se.vruntime; // and its sched_entity
    int target = sched_balance_self(cpu, child, true);
    if (!child.cpus_allowed.test(target) ||
        !m_online.test(target)) { // a mask without the parent's CPU
        child.cpu = child.cpus_allowed.test(cpu) ? cpu : (child.cpus_allowed & m_online).first();
        return child.cpu;
    }
    if (target != cpu) {
        record_migration(cpu, child, cpu, target, MigReason::Fork, "sched_balance_self", "caller",
                         -1, now(cpu));
        set_task_cpu(cpu, child, target);
    }
    return child.cpu;
}

// __migrate_task (:5111-5143) with both runqueues locked: deactivate, set_task_cpu, activate,
// check_preempt_curr. In a counterfactual run the due move is held instead.
void Kernel::migrate_task_cfs(int cpu, Task& p, Runqueue& rq_src, Runqueue& rq_dest, MigReason why,
                              const char* detail, const char* mechanism, Cycle decided) {
    const bool on_rq = task_queued(p);
    if (cf_due()) {
        cf_hold(cpu, p, rq_src.cpu, rq_dest.cpu, why, detail, mechanism, decided);
        return;
    }
    const long e = record_migration(cpu, p, rq_src.cpu, rq_dest.cpu, why, detail, mechanism,
                                    hot_verdict(p, rq_src.cpu, rq_dest.cpu, cpu), decided);
    if (on_rq) {
        deactivate_task(cpu, p, rq_src);
        m_migrations[std::size_t(e)].t_dequeue = now(cpu);
    }
    set_task_cpu(cpu, p, rq_dest.cpu);
    if (on_rq) {
        activate_task(cpu, p, rq_dest, false);
        m_migrations[std::size_t(e)].t_enqueue = now(cpu);
        check_preempt_curr(cpu, rq_dest, p);
    }
}

} // namespace smp::os
