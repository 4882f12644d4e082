// Linux 4.7 load balancing (reference §5.8-§5.10, kernel/sched/fair.c of 4.7, "F"): the hot test
// with CACHE_HOT_BUDDY, should_we_balance, find_busiest_group with group types and capacities,
// calculate_imbalance / fix_small_imbalance, find_busiest_queue, detach_tasks from the head of
// rq->cfs_tasks with loop_max and the breather, attach_tasks, LBF_DST_PINNED / SOME_PINNED /
// ALL_PINNED and active balancing through stop_one_cpu_nowait (rebalance_domains and
// idle_balance are in sched_47_idle.cpp). Without CONFIG_NO_HZ_COMMON (every CPU ticks) and
// without group scheduling; PELT tracks load only, so a group's utilisation is read as its
// running-task count (see group_has_capacity).
#include "os/kernel.hpp"

#include <algorithm>
#include <climits>

namespace smp::os {

namespace {
constexpr unsigned long CAPACITY = 1024; // SCHED_CAPACITY_SCALE
constexpr int NR_MIGRATE_BREAK = 32;     // sched_nr_migrate_break (F :6192)

// struct sg_lb_stats (F :6556-6572).
enum GroupType { GroupOther = 0, GroupImbalanced, GroupOverloaded };
struct SgStats {
    unsigned long avg_load = 0, group_load = 0, sum_weighted_load = 0, load_per_task = 0;
    unsigned long group_capacity = 0;
    unsigned sum_nr_running = 0, idle_cpus = 0, group_weight = 0;
    GroupType group_type = GroupOther;
    bool group_no_capacity = false;
};
} // namespace

// The 4.7 balancing state of one load_balance call (struct lb_env, F :5955-5980).
struct Kernel::LbEnv {
    SchedDomain* sd = nullptr;
    int src_cpu = -1, dst_cpu = -1, new_dst_cpu = -1;
    Runqueue* src_rq = nullptr;
    Runqueue* dst_rq = nullptr;
    const CpuMask* dst_grpmask = nullptr; // the local group (null when newly idle)
    IdleType idle = IdleType::NotIdle;
    long imbalance = 0;
    CpuMask cpus;
    bool all_pinned = false, some_pinned = false, dst_pinned = false, need_break = false;
    int loop = 0, loop_break = NR_MIGRATE_BREAK, loop_max = 0;
    std::vector<Task*> tasks; // detached, newest first (list_add)
};

// task_hot (F :5984-6012): only fair tasks; a buddy of its cfs_rq is hot while the destination
// has tasks (CACHE_HOT_BUDDY); then the migration cost against the source's last clock update.
bool Kernel::task_hot_47(const Task& p, const Runqueue& src, const Runqueue& dst) const {
    if (!fair_task(p)) return false;
    if (m_kind.hot_test == HotTest::MigrationCostBuddy && dst.nr_running &&
        (src.cfs.next == &p || src.cfs.last == &p)) {
        return true;
    }
    return task_hot_2624(p, src.clock);
}

// can_migrate_task (F :6073-6148).
bool Kernel::can_migrate_task_47(int exec, Task& p, LbEnv& env) {
    R(exec, m_layout.task(p.pid, TaskLine::Allowed));
    if (!p.cpus_allowed.test(env.dst_cpu)) {
        env.some_pinned = true;
        if (!env.dst_grpmask || env.dst_pinned) return false;
        for (int c : env.dst_grpmask->cpus()) { // another CPU of the local group may take it
            if (env.cpus.test(c) && p.cpus_allowed.test(c)) {
                env.dst_pinned = true;
                env.new_dst_cpu = c;
                break;
            }
        }
        return false;
    }
    env.all_pinned = false;
    if (task_running(*env.src_rq, p)) return false;
    R(exec, m_layout.task(p.pid, TaskLine::Time));
    return !task_hot_47(p, *env.src_rq, *env.dst_rq) ||
           env.sd->nr_balance_failed > static_cast<unsigned>(env.sd->params.cache_nice_tries);
}

// detach_task: on_rq = MIGRATING, deactivate, set_task_cpu (migrate_task_rq_fair included).
void Kernel::detach_task_47(int exec, Task& p, LbEnv& env, MigReason why) {
    const long e = record_migration(exec, p, env.src_cpu, env.dst_cpu, why, cfs_balance_detail(why),
                                    why == MigReason::ActiveBalance ? "stopper" : "balancer",
                                    task_hot_47(p, *env.src_rq, *env.dst_rq) ? 1 : 0, now(exec));
    text(exec, Text::Migrate, Cost::move_task);
    W(exec, m_layout.task(p.pid, TaskLine::Sched)); // p->on_rq = TASK_ON_RQ_MIGRATING
    p.migrating = true;
    deactivate_task(exec, p, *env.src_rq);
    m_migrations[std::size_t(e)].t_dequeue = now(exec);
    set_task_cpu_47(exec, p, env.dst_cpu);
    p.balance_event = e;
}

// attach_task: activate on the destination (locked), on_rq = QUEUED, check_preempt_curr.
void Kernel::attach_task_47(int exec, Runqueue& dst, Task& p) {
    activate_task(exec, p, dst, false);
    W(exec, m_layout.task(p.pid, TaskLine::Sched));
    p.migrating = false;
    if (p.balance_event >= 0) m_migrations[std::size_t(p.balance_event)].t_enqueue = now(exec);
    p.balance_event = -1;
    check_preempt_curr(exec, dst, p);
}

// detach_tasks (F :6200-6281): from the head of cfs_tasks, rotating skipped tasks to the tail;
// at most loop_max looks, a breather every sched_nr_migrate_break; a task whose load is more
// than twice the imbalance left stays. Returns the number detached.
int Kernel::detach_tasks_47(int exec, LbEnv& env, MigReason why) {
    if (env.imbalance <= 0) return 0;
    Runqueue& src = *env.src_rq;
    CfsTaskList& tasks = src.cfs.cfs_tasks;
    int detached = 0;
    std::uint64_t examined = 0;
    R(exec, m_layout.rq(src.cpu, RqLine::Cfs));
    while (!tasks.empty()) {
        if (env.idle != IdleType::NotIdle && src.nr_running <= 1) break;
        Task& p = tasks.front();
        R(exec, m_layout.task(p.pid, TaskLine::Time));
        if (++env.loop > env.loop_max) break;
        if (env.loop > env.loop_break) {
            env.loop_break += NR_MIGRATE_BREAK;
            env.need_break = true;
            break;
        }
        ++examined;
        const long load = static_cast<long>(p.avg.load_avg); // task_h_load without groups
        if (can_migrate_task_47(exec, p, env) && load / 2 <= env.imbalance) {
            detach_task_47(exec, p, env, why);
            env.tasks.insert(env.tasks.begin(), &p);
            ++detached;
            env.imbalance -= load;
            if (env.imbalance <= 0) break;
            continue;
        }
        // list_move_tail
        W(exec, m_layout.task(p.pid, TaskLine::Time));
        W(exec, m_layout.task(tasks.back().pid, TaskLine::Time));
        tasks.splice(tasks.end(), tasks, tasks.begin());
    }
    ++m_stats.balance_passes;
    m_stats.tasks_examined += examined;
    m_stats.max_tasks_examined = std::max(m_stats.max_tasks_examined, examined);
    return detached;
}

// attach_tasks: lock the destination and attach every detached task, newest first.
void Kernel::attach_tasks_47(int exec, LbEnv& env) {
    Runqueue& dst = *env.dst_rq;
    rq_lock(exec, dst);
    update_rq_clock(exec, dst);
    for (Task* p : env.tasks)
        attach_task_47(exec, dst, *p);
    env.tasks.clear();
    rq_unlock(exec, dst);
}

// should_we_balance (F :7347-7380): newly idle always; else the first idle CPU of the local
// group, or its first CPU when none is idle.
bool Kernel::should_we_balance_47(int exec, const LbEnv& env) {
    if (env.idle == IdleType::NewlyIdle) return true;
    const SchedGroup& sg = *env.sd->groups.front();
    R(exec, sg.addr);
    for (int c : sg.cpumask.cpus()) {
        if (env.cpus.test(c) && idle_cpu_47(exec, c)) return c == env.dst_cpu;
    }
    return sg.cpumask.first() == env.dst_cpu;
}

namespace {
// group_has_capacity / group_is_overloaded (F :6929-6966) with utilisation read as one full CPU
// per running task: a group has spare capacity while it runs fewer tasks than it has CPUs.
bool group_has_capacity(const SgStats& s) {
    return s.sum_nr_running < s.group_weight;
}
bool group_is_overloaded(const SgStats& s) {
    return s.sum_nr_running > s.group_weight;
}
} // namespace

// find_busiest_group (F :7150-7232) with update_sd_lb_stats / update_sg_lb_stats /
// update_sd_pick_busiest, calculate_imbalance and fix_small_imbalance (F :6970-7135).
SchedGroup* Kernel::find_busiest_group_47(int exec, LbEnv& env) {
    SchedDomain& sd = *env.sd;
    const DomainParams& prm = sd.params;
    const int load_idx = int(env.idle == IdleType::NotIdle     ? prm.busy_idx
                             : env.idle == IdleType::NewlyIdle ? prm.newidle_idx
                                                               : prm.idle_idx);
    const bool prefer_sibling = sd.index > 0 && cpu_rq(env.dst_cpu)
                                                    .domains[std::size_t(sd.index - 1)]
                                                    ->params.share_cpupower; // SD_PREFER_SIBLING
    SchedGroup* busiest_group = nullptr;
    SgStats local, busiest;
    bool have_local = false, overload = false;
    unsigned long total_load = 0, total_capacity = 0;
    for (SchedGroup* g : sd.groups) {
        R(exec, g->addr);
        const bool local_group = g->cpumask.test(env.dst_cpu);
        SgStats s;
        for (int i : g->cpumask.cpus()) {
            if (!env.cpus.test(i)) continue;
            R(exec, m_layout.rq(i, RqLine::L0));
            R(exec, m_layout.rq(i, RqLine::Pelt));
            kcompute(exec, Cost::balance_per_cpu);
            const Runqueue& rq = cpu_rq(i);
            s.group_load +=
                local_group ? target_load_idx(i, load_idx) : source_load_idx(i, load_idx);
            s.sum_nr_running += unsigned(rq.cfs.nr_running);
            if (rq.nr_running > 1) overload = true;
            s.sum_weighted_load += weighted_cpuload(i);
            if (idle_cpu_47(exec, i)) ++s.idle_cpus;
            s.group_capacity += capacity_of(i);
            ++s.group_weight;
        }
        if (!s.group_weight) continue;
        s.avg_load = s.group_load * CAPACITY / s.group_capacity;
        if (s.sum_nr_running) s.load_per_task = s.sum_weighted_load / s.sum_nr_running;
        s.group_no_capacity = group_is_overloaded(s);
        s.group_type = s.group_no_capacity ? GroupOverloaded
                       : g->imbalance      ? GroupImbalanced
                                           : GroupOther;
        total_load += s.group_load;
        total_capacity += s.group_capacity;
        if (local_group) {
            local = s;
            have_local = true;
            continue;
        }
        // A child domain that prefers siblings: a remote group with more than one task is
        // treated as full while the local group has room.
        if (prefer_sibling && have_local && group_has_capacity(local) && s.sum_nr_running > 1) {
            s.group_no_capacity = true;
            s.group_type = GroupOverloaded;
        }
        const bool pick = !busiest_group || s.group_type > busiest.group_type ||
                          (s.group_type == busiest.group_type && s.avg_load > busiest.avg_load);
        if (pick) {
            busiest = s;
            busiest_group = g;
        }
    }
    if (!sd.parent) { // the root domain's overload flag
        R(exec, m_layout.root_domain());
        if (m_rd_overload != overload) {
            W(exec, m_layout.root_domain());
            m_rd_overload = overload;
        }
    }
    env.imbalance = 0;
    if (!busiest_group || !have_local || busiest.sum_nr_running == 0) return nullptr;
    const unsigned long sds_avg = CAPACITY * total_load / total_capacity;
    const bool force =
        busiest.group_type == GroupImbalanced ||
        (env.idle != IdleType::NotIdle && group_has_capacity(local) && busiest.group_no_capacity);
    if (!force) {
        if (local.avg_load >= busiest.avg_load) return nullptr;
        if (local.avg_load >= sds_avg) return nullptr;
        if (env.idle == IdleType::Idle) {
            if (busiest.group_type != GroupOverloaded && local.idle_cpus <= busiest.idle_cpus + 1)
                return nullptr;
        } else if (100 * busiest.avg_load <=
                   static_cast<unsigned long>(prm.imbalance_pct) * local.avg_load) {
            return nullptr;
        }
    }
    // calculate_imbalance
    if (busiest.group_type == GroupImbalanced)
        busiest.load_per_task = std::min(busiest.load_per_task, sds_avg);
    bool small = busiest.avg_load <= sds_avg || local.avg_load >= sds_avg;
    if (!small) {
        unsigned long load_above_capacity = ULONG_MAX;
        if (busiest.group_type == GroupOverloaded && local.group_type == GroupOverloaded) {
            load_above_capacity = busiest.sum_nr_running * CAPACITY;
            if (load_above_capacity > busiest.group_capacity) {
                load_above_capacity -= busiest.group_capacity;
                load_above_capacity = load_above_capacity * NICE_0_LOAD / busiest.group_capacity;
            } else {
                load_above_capacity = ULONG_MAX;
            }
        }
        const unsigned long max_pull = std::min(busiest.avg_load - sds_avg, load_above_capacity);
        env.imbalance =
            static_cast<long>(std::min(max_pull * busiest.group_capacity,
                                       (sds_avg - local.avg_load) * local.group_capacity) /
                              CAPACITY);
        small = env.imbalance < static_cast<long>(busiest.load_per_task);
    }
    if (small) { // fix_small_imbalance
        unsigned imbn = 2;
        if (!local.sum_nr_running) {
            local.load_per_task = cpu_avg_load_per_task(env.dst_cpu);
        } else if (busiest.load_per_task > local.load_per_task) {
            imbn = 1;
        }
        const unsigned long scaled = busiest.load_per_task * CAPACITY / busiest.group_capacity;
        if (busiest.avg_load + scaled >= local.avg_load + scaled * imbn) {
            env.imbalance = static_cast<long>(busiest.load_per_task);
            return busiest_group;
        }
        unsigned long pwr_now = 0, pwr_move = 0;
        pwr_now += busiest.group_capacity * std::min(busiest.load_per_task, busiest.avg_load);
        pwr_now += local.group_capacity * std::min(local.load_per_task, local.avg_load);
        pwr_now /= CAPACITY;
        unsigned long tmp = busiest.load_per_task * CAPACITY / busiest.group_capacity;
        if (busiest.avg_load > tmp)
            pwr_move +=
                busiest.group_capacity * std::min(busiest.load_per_task, busiest.avg_load - tmp);
        if (busiest.avg_load * busiest.group_capacity < busiest.load_per_task * CAPACITY) {
            tmp = busiest.avg_load * busiest.group_capacity / local.group_capacity;
        } else {
            tmp = busiest.load_per_task * CAPACITY / local.group_capacity;
        }
        pwr_move += local.group_capacity * std::min(local.load_per_task, local.avg_load + tmp);
        pwr_move /= CAPACITY;
        if (pwr_move > pwr_now) env.imbalance = static_cast<long>(busiest.load_per_task);
    }
    return busiest_group;
}

// find_busiest_queue (F :7237-7305): the largest weighted load per capacity, skipping a single
// task heavier than the imbalance.
Runqueue* Kernel::find_busiest_queue_47(const LbEnv& env, const SchedGroup& group) {
    Runqueue* busiest = nullptr;
    unsigned long busiest_load = 0, busiest_capacity = 1;
    for (int i : group.cpumask.cpus()) {
        if (!env.cpus.test(i)) continue;
        Runqueue& rq = cpu_rq(i);
        const unsigned long capacity = capacity_of(i);
        const unsigned long wl = weighted_cpuload(i);
        if (rq.nr_running == 1 && static_cast<long>(wl) > env.imbalance) continue;
        if (wl * busiest_capacity > busiest_load * capacity) {
            busiest_load = wl;
            busiest_capacity = capacity;
            busiest = &rq;
        }
    }
    return busiest;
}

unsigned long Kernel::min_interval_47(const SchedDomain& sd) const {
    return sd.params.min_interval > 0 ? static_cast<unsigned long>(sd.params.min_interval)
                                      : sd.span.weight();
}
unsigned long Kernel::max_interval_47(const SchedDomain& sd) const {
    return sd.params.max_interval > 0 ? static_cast<unsigned long>(sd.params.max_interval)
                                      : 2 * sd.span.weight();
}

// load_balance (F :7387-7645). continue_balancing is cleared when another CPU of the local
// group balances this level.
int Kernel::load_balance_47(int this_cpu, SchedDomain& sd, IdleType idle, int& continue_balancing) {
    PathScope path(*this, this_cpu);
    text(this_cpu, Text::Balance, Cost::load_balance);
    if (idle == IdleType::NewlyIdle) {
        ++m_stats.newidle_balance;
    } else {
        ++m_stats.load_balance;
    }
    const MigReason why =
        idle == IdleType::NewlyIdle ? MigReason::NewidleBalance : MigReason::PeriodicBalance;
    SchedDomain* sd_parent = sd.parent;
    LbEnv env;
    env.sd = &sd;
    env.dst_cpu = this_cpu;
    env.dst_rq = &cpu_rq(this_cpu);
    env.dst_grpmask = idle == IdleType::NewlyIdle ? nullptr : &sd.groups.front()->cpumask;
    env.idle = idle;
    env.cpus = m_online;
    int ld_moved = 0, active_balance = 0;
    Runqueue* busiest = nullptr;
    for (;;) { // redo
        if (!should_we_balance_47(this_cpu, env)) {
            continue_balancing = 0;
            ev(Ev::Balance, this_cpu, static_cast<int>(idle), sd.index, -2);
            goto out_balanced;
        }
        SchedGroup* group = find_busiest_group_47(this_cpu, env);
        busiest = group ? find_busiest_queue_47(env, *group) : nullptr;
        if (!busiest) {
            ev(Ev::Balance, this_cpu, static_cast<int>(idle), sd.index, -1);
            goto out_balanced;
        }
        env.src_cpu = busiest->cpu;
        env.src_rq = busiest;
        ld_moved = 0;
        if (busiest->nr_running > 1) {
            env.all_pinned = true;
            env.loop_max =
                int(std::min<long long>(m_policy.nr_migrate, (long long)busiest->nr_running));
            for (;;) { // more_balance
                m_hal.irq_disable(this_cpu);
                rq_lock(this_cpu, *busiest);
                const int cur = detach_tasks_47(this_cpu, env, why);
                rq_unlock(this_cpu, *busiest);
                if (cur) {
                    attach_tasks_47(this_cpu, env);
                    ld_moved += cur;
                }
                m_hal.irq_enable(this_cpu);
                if (env.need_break) {
                    env.need_break = false;
                    continue;
                }
                if (env.dst_pinned && env.imbalance > 0) { // try another CPU of the local group
                    env.cpus.clear(env.dst_cpu);
                    env.dst_cpu = env.new_dst_cpu;
                    env.dst_rq = &cpu_rq(env.dst_cpu);
                    env.dst_pinned = false;
                    env.loop = 0;
                    env.loop_break = NR_MIGRATE_BREAK;
                    continue;
                }
                break;
            }
            if (sd_parent && env.some_pinned && env.imbalance > 0) {
                W(this_cpu, sd_parent->groups.front()->addr);
                sd_parent->groups.front()->imbalance = 1;
            }
            if (env.all_pinned) {
                env.cpus.clear(busiest->cpu);
                if (!env.cpus.empty()) {
                    env.loop = 0;
                    env.loop_break = NR_MIGRATE_BREAK;
                    continue;
                }
                ev(Ev::Balance, this_cpu, static_cast<int>(idle), sd.index, 0);
                goto out_all_pinned;
            }
        }
        break;
    }
    ev(Ev::Balance, this_cpu, static_cast<int>(idle), sd.index, ld_moved);
    if (!ld_moved) {
        ++m_stats.load_balance_failed;
        if (idle != IdleType::NewlyIdle) ++sd.nr_balance_failed;
        // need_active_balance: without asymmetric packing or reduced capacities, only the
        // failure count.
        if (sd.nr_balance_failed > static_cast<unsigned>(sd.params.cache_nice_tries) + 2) {
            m_hal.irq_disable(this_cpu);
            rq_lock(this_cpu, *busiest);
            R(this_cpu, m_layout.rq(busiest->cpu, RqLine::Curr));
            R(this_cpu, m_layout.task(busiest->curr->pid, TaskLine::Allowed));
            if (!busiest->curr->cpus_allowed.test(this_cpu)) {
                rq_unlock(this_cpu, *busiest);
                m_hal.irq_enable(this_cpu);
                env.all_pinned = true;
                goto out_one_pinned;
            }
            R(this_cpu, m_layout.rq(busiest->cpu, RqLine::StopWork));
            if (!busiest->active_balance) {
                W(this_cpu, m_layout.rq(busiest->cpu, RqLine::StopWork));
                busiest->active_balance = 1;
                busiest->push_cpu = this_cpu;
                active_balance = 1;
            }
            rq_unlock(this_cpu, *busiest);
            if (active_balance) {
                ev(Ev::ActiveKick, this_cpu, -1, busiest->cpu);
                active_balance_kick_47(this_cpu, *busiest);
            }
            m_hal.irq_enable(this_cpu);
            sd.nr_balance_failed = static_cast<unsigned>(sd.params.cache_nice_tries) + 1;
        }
    } else {
        sd.nr_balance_failed = 0;
    }
    if (!active_balance) {
        sd.balance_interval = min_interval_47(sd);
    } else if (sd.balance_interval < max_interval_47(sd)) {
        sd.balance_interval *= 2;
    }
    return ld_moved;
out_balanced:
    if (sd_parent && sd_parent->groups.front()->imbalance) {
        W(this_cpu, sd_parent->groups.front()->addr);
        sd_parent->groups.front()->imbalance = 0;
    }
out_all_pinned:
    sd.nr_balance_failed = 0;
out_one_pinned:
    if ((env.all_pinned && sd.balance_interval < 512) ||
        sd.balance_interval < max_interval_47(sd)) {
        sd.balance_interval *= 2; // MAX_PINNED_INTERVAL = 512
    }
    return 0;
}

// active_load_balance_cpu_stop (F :7778-7845) queued with stop_one_cpu_nowait in the busiest
// runqueue's active_balance_work: on the busiest CPU's stopper, detach the first migratable task
// of cfs_tasks toward push_cpu (CPU_IDLE), then attach it there.
void Kernel::active_balance_kick_47(int cpu, Runqueue& busiest) {
    CpuStopWork& work = busiest.active_balance_work;
    work.fn = [this](int c) {
        Runqueue& rq = cpu_rq(c);
        PathScope path(*this, c);
        ++m_stats.active_balance;
        m_hal.irq_disable(c);
        rq_lock(c, rq);
        R(c, m_layout.rq(c, RqLine::StopWork));
        const int target = rq.push_cpu;
        Task* moved = nullptr;
        LbEnv env;
        if (rq.active_balance && rq.nr_running > 1) {
            for (SchedDomain* d : domains_of(target)) {
                R(c, d->addr);
                if (!d->params.load_balance || !d->span.test(c)) continue;
                env.sd = d;
                env.dst_cpu = target;
                env.dst_rq = &cpu_rq(target);
                env.src_cpu = c;
                env.src_rq = &rq;
                env.idle = IdleType::Idle;
                env.cpus = m_online;
                update_rq_clock(c, rq);
                for (Task& p : rq.cfs.cfs_tasks) { // detach_one_task
                    R(c, m_layout.task(p.pid, TaskLine::Time));
                    if (!can_migrate_task_47(c, p, env)) continue;
                    detach_task_47(c, p, env, MigReason::ActiveBalance);
                    moved = &p;
                    d->nr_balance_failed = 0;
                    break;
                }
                break;
            }
        }
        W(c, m_layout.rq(c, RqLine::StopWork));
        rq.active_balance = 0;
        rq_unlock(c, rq);
        if (moved) {
            Runqueue& dst = cpu_rq(target);
            rq_lock(c, dst);
            update_rq_clock(c, dst);
            attach_task_47(c, dst, *moved);
            rq_unlock(c, dst);
        }
        m_hal.irq_enable(c);
        return 0;
    };
    work.task = -1;
    work.path = -1;
    stop_one_cpu_nowait(cpu, busiest.cpu, work);
}

} // namespace smp::os
