// Linux 2.6.24 balancing (reference §4, kernel/sched.c of 2.6.24): the migration-cost hot test,
// the scheduler tick with cpu_load[] and SCHED_SOFTIRQ, rebalance_domains, load_balance with
// find_busiest_group / find_busiest_queue, move_tasks iterating the classes through
// balance_tasks (at most sysctl_sched_nr_migrate tasks), new-idle and active balancing.
// Wake-up, exec and fork placement are in sched_2624_place.cpp.
#include "os/kernel.hpp"

#include <algorithm>
#include <climits>

namespace smp::os {

namespace {
bool time_after_eq(unsigned long a, unsigned long b) {
    return static_cast<long>(a - b) >= 0;
}
bool time_after(unsigned long a, unsigned long b) {
    return static_cast<long>(b - a) < 0;
}
} // namespace

// task_hot (:1060-1075): only fair tasks; -1 always hot, 0 never; else now - exec_start < cost.
bool Kernel::task_hot_2624(const Task& p, std::uint64_t now_ns) const {
    if (!fair_task(p)) return false;
    const std::int64_t cost = m_policy.migration_cost_ns;
    if (cost == -1) return true;
    if (cost == 0) return false;
    return static_cast<std::int64_t>(now_ns - p.se.exec_start) < cost;
}

// The policy's hot test against the source runqueue's time base (its clock as last updated).
bool Kernel::task_hot_at(const Task& p, const Runqueue& src, const SchedDomain& sd) const {
    if (m_kind.hot_test == HotTest::SdCacheHotTime) return task_hot(p, src.timestamp_last_tick, sd);
    return task_hot_2624(p, src.clock);
}

unsigned long Kernel::source_load_idx(int cpu, int type) const {
    const unsigned long total = weighted_cpuload(cpu);
    if (type == 0) return total;
    return std::min(m_rqs[std::size_t(cpu)]->cpu_loads[type - 1], total);
}

unsigned long Kernel::target_load_idx(int cpu, int type) const {
    const unsigned long total = weighted_cpuload(cpu);
    if (type == 0) return total;
    return std::max(m_rqs[std::size_t(cpu)]->cpu_loads[type - 1], total);
}

unsigned long Kernel::cpu_avg_load_per_task(int cpu) const {
    const unsigned long n = m_rqs[std::size_t(cpu)]->nr_running;
    return n ? weighted_cpuload(cpu) / n : NICE_0_LOAD;
}

// update_cpu_load (:2052-2076): cpu_load[i] = (old * (2^i - 1) + new) / 2^i, rounded up while
// rising.
void Kernel::update_cpu_load_idx(Runqueue& rq) {
    const unsigned long this_load = weighted_cpuload(rq.cpu); // 4.7: PELT's runnable load
    for (unsigned i = 0, scale = 1; i < 5; ++i, scale += scale) {
        const unsigned long old_load = rq.cpu_loads[i];
        unsigned long new_load = this_load;
        if (new_load > old_load) new_load += scale - 1;
        rq.cpu_loads[i] = (old_load * (scale - 1) + new_load) >> i;
    }
}

// scheduler_tick (:3476-3500): clock (at least one tick on), cpu_load[], the class tick, then
// trigger_load_balance: SCHED_SOFTIRQ iff jiffies >= rq->next_balance.
void Kernel::scheduler_tick_cfs(int cpu) {
    Runqueue& rq = cpu_rq(cpu);
    Task& curr = *rq.curr;
    text(cpu, Text::Tick, Cost::tick);
    ++m_stats.ticks;
    const std::uint64_t next_tick = rq.tick_timestamp + tick_nsec();
    spin_lock(cpu, rq.lock);
    update_rq_clock_raw(cpu, rq);
    if (rq.clock < next_tick) rq.clock = next_tick;
    rq.tick_timestamp = rq.clock;
    rq.timestamp_last_tick = now(cpu); // the time base of hot_test sd_cache_hot_time (ablations)
    W(cpu, rq.lock.addr);              // cpu_load[] shares the lock's line
    update_cpu_load_idx(rq);
    if (&curr != rq.idle) {
        R(cpu, m_layout.task(curr.pid, TaskLine::Sched));
        if (fair_task(curr)) {
            entity_tick(cpu, rq, curr);
        } else { // task_tick_rt: FIFO tasks have no timeslice; RR requeue after DEF_TIMESLICE
            update_curr_rt(rq);
            if (curr.policy == Policy::RR && curr.time_slice && --curr.time_slice == 0) {
                curr.time_slice = static_cast<unsigned>(std::max<long>(100L * m_cfg.hz / 1000, 1));
                RunList& q = rq.active->queue[curr.prio];
                if (q.size() > 1) {
                    dequeue_task(cpu, curr, *rq.active);
                    enqueue_task(cpu, curr, *rq.active);
                    set_need_resched(cpu, curr);
                }
            }
        }
    }
    spin_unlock(cpu, rq.lock);
    W(cpu, m_layout.rq(cpu, RqLine::Curr));
    rq.idle_at_tick = idle_cpu(cpu);
    if (m_kind.trigger == Trigger::Softirq) {
        R(cpu, m_layout.jiffies());
        if (time_after_eq(jiffies(cpu), rq.next_balance)) rq.softirq_pending = true;
    }
}

void Kernel::run_rebalance_domains(int cpu) {
    R(cpu, m_layout.rq(cpu, RqLine::Curr));
    const IdleType idle = cpu_rq(cpu).idle_at_tick ? IdleType::Idle : IdleType::NotIdle;
    if (m_kind.imbalance_algo == ImbalanceAlgo::Cfs47) return rebalance_domains_47(cpu, idle);
    rebalance_domains(cpu, idle);
}

// rebalance_domains (:3141-3207): each due domain bottom-up; intervals x busy_factor when not
// idle, capped at HZ*NR_CPUS/interval_cap_div; SD_SERIALIZE levels under the global
// 'balancing' trylock; stop above a level where another CPU of the group balances.
void Kernel::rebalance_domains(int cpu, IdleType idle) {
    Runqueue& rq = cpu_rq(cpu);
    R(cpu, m_layout.jiffies());
    const unsigned long j = jiffies(cpu);
    int balance = 1;
    unsigned long next_balance = j + 60 * static_cast<unsigned long>(m_cfg.hz);
    bool update_next_balance = false;
    const long nr = m_policy.nr_cpus > 0 ? long(m_policy.nr_cpus) : long(m_ncpus);
    for (SchedDomain* sd : domains_of(cpu)) {
        if (!sd->params.load_balance) continue;
        R(cpu, sd->addr);
        unsigned long interval = sd->balance_interval;
        if (idle != IdleType::Idle) interval *= static_cast<unsigned long>(sd->params.busy_factor);
        interval = msecs_to_jiffies(interval);
        if (!interval) interval = 1;
        if (m_policy.interval_cap_div > 0) {
            const auto cap = static_cast<unsigned long>(m_cfg.hz * nr / m_policy.interval_cap_div);
            if (interval > cap) interval = cap;
        }
        bool serialized = false;
        if (sd->params.serialize) {
            if (!spin_trylock(cpu, m_balancing)) goto out;
            serialized = true;
        }
        if (time_after_eq(jiffies(cpu), sd->last_balance + interval)) {
            if (load_balance_2624(cpu, *sd, idle, balance)) idle = IdleType::NotIdle;
            sd->last_balance = jiffies(cpu);
            W(cpu, sd->addr);
        }
        if (serialized) spin_unlock(cpu, m_balancing);
    out:
        if (time_after(next_balance, sd->last_balance + interval)) {
            next_balance = sd->last_balance + interval;
            update_next_balance = true;
        }
        if (!balance) break;
    }
    if (update_next_balance) {
        W(cpu, m_layout.rq(cpu, RqLine::Curr));
        rq.next_balance = next_balance;
    }
}

namespace {
// sg_div_cpu_power: load / __cpu_power through the group's reciprocal (reciprocal_divide).
unsigned long sg_div_cpu_power(const SchedGroup& g, unsigned long load) {
    const auto r =
        static_cast<std::uint32_t>(((std::uint64_t(1) << 32) + g.cpu_power - 1) / g.cpu_power);
    return static_cast<std::uint32_t>((std::uint64_t(static_cast<std::uint32_t>(load)) * r) >> 32);
}
constexpr unsigned long SCALE = NICE_0_LOAD;
} // namespace

// find_busiest_group (:2400-2696) without the power-savings branch.
SchedGroup* Kernel::find_busiest_group_2624(SchedDomain& sd, int this_cpu, unsigned long& imbalance,
                                            IdleType idle, int& sd_idle, const CpuMask& cpus,
                                            int* balance) {
    SchedGroup *busiest = nullptr, *local = nullptr;
    unsigned long max_load = 0, this_load = 0, total_load = 0, total_pwr = 0;
    unsigned long busiest_load_per_task = 0, busiest_nr_running = 0;
    unsigned long this_load_per_task = 0, this_nr_running = 0;
    int group_imb = 0;
    const DomainParams& prm = sd.params;
    const int load_idx = int(idle == IdleType::NotIdle     ? prm.busy_idx
                             : idle == IdleType::NewlyIdle ? prm.newidle_idx
                                                           : prm.idle_idx);
    imbalance = 0;
    for (SchedGroup* g : sd.groups) {
        R(this_cpu, g->addr);
        const bool local_group = g->cpumask.test(this_cpu);
        int balance_cpu = local_group ? g->cpumask.first() : -1;
        bool first_idle_cpu = false;
        unsigned long sum_weighted_load = 0, sum_nr_running = 0, avg_load = 0;
        unsigned long max_cpu_load = 0, min_cpu_load = ULONG_MAX;
        for (int i : g->cpumask.cpus()) {
            if (!cpus.test(i)) continue;
            R(this_cpu, m_layout.rq(i, RqLine::L0));
            kcompute(this_cpu, Cost::balance_per_cpu);
            const Runqueue& rq = cpu_rq(i);
            if (sd_idle && rq.nr_running) sd_idle = 0;
            unsigned long load;
            if (local_group) {
                R(this_cpu, m_layout.rq(i, RqLine::Curr));
                if (idle_cpu(i) && !first_idle_cpu) {
                    first_idle_cpu = true;
                    balance_cpu = i;
                }
                load = target_load_idx(i, load_idx);
            } else {
                load = source_load_idx(i, load_idx);
                max_cpu_load = std::max(max_cpu_load, load);
                min_cpu_load = std::min(min_cpu_load, load);
            }
            avg_load += load;
            sum_nr_running += rq.nr_running;
            sum_weighted_load += weighted_cpuload(i);
        }
        // Only the first idle CPU of the local group (or its first CPU) balances this level.
        if (idle != IdleType::NewlyIdle && local_group && balance_cpu != this_cpu && balance) {
            *balance = 0;
            return nullptr;
        }
        total_load += avg_load;
        total_pwr += g->cpu_power;
        avg_load = sg_div_cpu_power(*g, avg_load * SCALE);
        const int this_group_imb = (max_cpu_load - min_cpu_load) > SCALE ? 1 : 0;
        const unsigned long group_capacity = g->cpu_power / SCALE;
        if (local_group) {
            this_load = avg_load;
            local = g;
            this_nr_running = sum_nr_running;
            this_load_per_task = sum_weighted_load;
        } else if (avg_load > max_load && (sum_nr_running > group_capacity || this_group_imb)) {
            max_load = avg_load;
            busiest = g;
            busiest_nr_running = sum_nr_running;
            busiest_load_per_task = sum_weighted_load;
            group_imb = this_group_imb;
        }
    }
    if (!busiest || !local || this_load >= max_load || busiest_nr_running == 0) return nullptr;
    const unsigned long avg_load = SCALE * total_load / total_pwr;
    if (this_load >= avg_load ||
        100 * max_load <= static_cast<unsigned long>(prm.imbalance_pct) * this_load) {
        return nullptr;
    }
    busiest_load_per_task /= busiest_nr_running;
    if (group_imb) busiest_load_per_task = std::min(busiest_load_per_task, avg_load);
    if (max_load <= busiest_load_per_task) return nullptr;
    if (max_load >= avg_load) {
        const unsigned long max_pull =
            std::min(max_load - avg_load, max_load - busiest_load_per_task);
        imbalance =
            std::min(max_pull * busiest->cpu_power, (avg_load - this_load) * local->cpu_power) /
            SCALE;
        if (imbalance >= busiest_load_per_task) return busiest;
    }
    // small_imbalance: move one task if the gap is worth one (imbn 1 or 2), or if it raises
    // the CPU power used.
    unsigned imbn = 2;
    if (this_nr_running) {
        this_load_per_task /= this_nr_running;
        if (busiest_load_per_task > this_load_per_task) imbn = 1;
    } else {
        this_load_per_task = SCALE;
    }
    if (max_load - this_load + SCHED_LOAD_SCALE_FUZZ >= busiest_load_per_task * imbn) {
        imbalance = busiest_load_per_task;
        return busiest;
    }
    unsigned long pwr_now = 0, pwr_move = 0;
    pwr_now += busiest->cpu_power * std::min(busiest_load_per_task, max_load);
    pwr_now += local->cpu_power * std::min(this_load_per_task, this_load);
    pwr_now /= SCALE;
    unsigned long tmp = sg_div_cpu_power(*busiest, busiest_load_per_task * SCALE);
    if (max_load > tmp)
        pwr_move += busiest->cpu_power * std::min(busiest_load_per_task, max_load - tmp);
    if (max_load * busiest->cpu_power < busiest_load_per_task * SCALE) {
        tmp = sg_div_cpu_power(*local, max_load * busiest->cpu_power);
    } else {
        tmp = sg_div_cpu_power(*local, busiest_load_per_task * SCALE);
    }
    pwr_move += local->cpu_power * std::min(this_load_per_task, this_load + tmp);
    pwr_move /= SCALE;
    if (pwr_move > pwr_now) imbalance = busiest_load_per_task;
    return busiest;
}

// find_busiest_queue (:2702-2728): the largest weighted load, skipping a single task heavier
// than the imbalance.
Runqueue* Kernel::find_busiest_queue_2624(const SchedGroup& group, unsigned long imbalance,
                                          const CpuMask& cpus) {
    Runqueue* busiest = nullptr;
    unsigned long max_load = 0;
    for (int i : group.cpumask.cpus()) {
        if (!cpus.test(i)) continue;
        Runqueue& rq = cpu_rq(i);
        const unsigned long wl = weighted_cpuload(i);
        if (rq.nr_running == 1 && wl > imbalance) continue;
        if (wl > max_load) {
            max_load = wl;
            busiest = &rq;
        }
    }
    return busiest;
}

// load_balance (:2740-2884). Returns tasks moved, or -1 on an SMT level without an idle sibling
// (the SD_SHARE_CPUPOWER sd_idle rule), which the caller counts as "not idle any more".
int Kernel::load_balance_2624(int this_cpu, SchedDomain& sd, IdleType idle, int& balance) {
    Runqueue& this_rq = cpu_rq(this_cpu);
    PathScope path(*this, this_cpu);
    text(this_cpu, Text::Balance, Cost::load_balance);
    ++m_stats.load_balance;
    const bool share = sd.params.share_cpupower;
    int sd_idle = idle != IdleType::NotIdle && share ? 1 : 0;
    int all_pinned = 0, active_balance = 0, ld_moved = 0;
    CpuMask cpus = CpuMask::all(m_ncpus);
    unsigned long imbalance = 0;
    Runqueue* busiest = nullptr;
    int* balance_flag = m_policy.first_idle_cpu_balances_upper ? &balance : nullptr;
    for (;;) { // redo
        SchedGroup* group =
            find_busiest_group_2624(sd, this_cpu, imbalance, idle, sd_idle, cpus, balance_flag);
        if (balance == 0) {
            ev(Ev::Balance, this_cpu, static_cast<int>(idle), sd.index, -2);
            goto out_balanced;
        }
        busiest = group ? find_busiest_queue_2624(*group, imbalance, cpus) : nullptr;
        if (!busiest) {
            ev(Ev::Balance, this_cpu, static_cast<int>(idle), sd.index, -1);
            goto out_balanced;
        }
        ld_moved = 0;
        if (busiest->nr_running > 1) {
            m_hal.irq_disable(this_cpu); // local_irq_save
            double_rq_lock(this_cpu, this_rq, *busiest);
            ld_moved = move_tasks_2624(this_cpu, this_cpu, this_rq, *busiest, imbalance, sd, idle,
                                       all_pinned, MigReason::PeriodicBalance);
            double_rq_unlock(this_cpu, this_rq, *busiest);
            m_hal.irq_enable(this_cpu); // local_irq_restore
            if (all_pinned) {
                cpus.clear(busiest->cpu);
                if (!cpus.empty()) continue;
                ev(Ev::Balance, this_cpu, static_cast<int>(idle), sd.index, 0);
                goto out_balanced;
            }
        }
        break;
    }
    ev(Ev::Balance, this_cpu, static_cast<int>(idle), sd.index, ld_moved);
    if (!ld_moved) {
        ++m_stats.load_balance_failed;
        ++sd.nr_balance_failed;
        if (sd.nr_balance_failed > static_cast<unsigned>(sd.params.cache_nice_tries) + 2) {
            spin_lock(this_cpu, busiest->lock);
            R(this_cpu, m_layout.rq(busiest->cpu, RqLine::Curr));
            R(this_cpu, m_layout.task(busiest->curr->pid, TaskLine::Allowed));
            if (!busiest->curr->cpus_allowed.test(this_cpu)) { // the running task cannot come here
                spin_unlock(this_cpu, busiest->lock);
                all_pinned = 1;
                goto out_one_pinned;
            }
            R(this_cpu, m_layout.rq(busiest->cpu, RqLine::Migration));
            if (!busiest->active_balance) {
                W(this_cpu, m_layout.rq(busiest->cpu, RqLine::Migration));
                busiest->active_balance = 1;
                busiest->push_cpu = this_cpu;
                active_balance = 1;
            }
            spin_unlock(this_cpu, busiest->lock);
            if (active_balance) {
                ev(Ev::ActiveKick, this_cpu, -1, busiest->cpu);
                if (m_kind.migrator == Migrator::Stopper) { // the 4.7 stopper as migrator
                    active_balance_kick(this_cpu, *busiest);
                } else {
                    wake_up_process(this_cpu, *busiest->migration_thread);
                }
            }
            sd.nr_balance_failed =
                static_cast<unsigned>(sd.params.cache_nice_tries + m_policy.nr_failed_reset_offset);
        }
    } else {
        sd.nr_balance_failed = 0;
    }
    if (!active_balance) {
        sd.balance_interval = static_cast<unsigned long>(sd.params.min_interval);
    } else if (sd.balance_interval < static_cast<unsigned long>(sd.params.max_interval)) {
        sd.balance_interval *= 2;
    }
    if (!ld_moved && !sd_idle && share) return -1;
    return ld_moved;
out_balanced:
    sd.nr_balance_failed = 0;
out_one_pinned:
    if ((all_pinned && sd.balance_interval < 512) ||
        sd.balance_interval < static_cast<unsigned long>(sd.params.max_interval)) {
        sd.balance_interval *= 2; // MAX_PINNED_INTERVAL = 512
    }
    if (!sd_idle && share) return -1;
    return 0;
}

// load_balance_newidle (:2894-2970), called from schedule() with this_rq locked.
int Kernel::load_balance_newidle_2624(int this_cpu, SchedDomain& sd) {
    Runqueue& this_rq = cpu_rq(this_cpu);
    PathScope path(*this, this_cpu);
    text(this_cpu, Text::Balance, Cost::load_balance);
    ++m_stats.newidle_balance;
    const bool share = sd.params.share_cpupower;
    int sd_idle = share ? 1 : 0;
    int all_pinned = 0, ld_moved = 0;
    CpuMask cpus = CpuMask::all(m_ncpus);
    unsigned long imbalance = 0;
    for (;;) { // redo
        SchedGroup* group = find_busiest_group_2624(sd, this_cpu, imbalance, IdleType::NewlyIdle,
                                                    sd_idle, cpus, nullptr);
        Runqueue* busiest = group ? find_busiest_queue_2624(*group, imbalance, cpus) : nullptr;
        if (!busiest) {
            ev(Ev::Balance, this_cpu, static_cast<int>(IdleType::NewlyIdle), sd.index, -1);
            if (!sd_idle && share) return -1;
            sd.nr_balance_failed = 0;
            return 0;
        }
        ld_moved = 0;
        if (busiest->nr_running > 1) {
            double_lock_balance(this_cpu, this_rq, *busiest);
            ld_moved = move_tasks_2624(this_cpu, this_cpu, this_rq, *busiest, imbalance, sd,
                                       IdleType::NewlyIdle, all_pinned, MigReason::NewidleBalance);
            spin_unlock(this_cpu, busiest->lock);
            if (all_pinned) {
                cpus.clear(busiest->cpu);
                if (!cpus.empty()) continue;
            }
        }
        break;
    }
    ev(Ev::Balance, this_cpu, static_cast<int>(IdleType::NewlyIdle), sd.index, ld_moved);
    if (!ld_moved) {
        if (!sd_idle && share) return -1;
    } else {
        sd.nr_balance_failed = 0;
    }
    return ld_moved;
}

// idle_balance (:2976-3006): new-idle domains bottom-up until one pulls (a level without
// SD_BALANCE_NEWIDLE keeps the previous result, -1 at first); next_balance from the intervals.
void Kernel::idle_balance_2624(int this_cpu) {
    Runqueue& this_rq = cpu_rq(this_cpu);
    int pulled_task = -1;
    const unsigned long j = jiffies(this_cpu);
    unsigned long next_balance = j + static_cast<unsigned long>(m_cfg.hz);
    for (SchedDomain* sd : domains_of(this_cpu)) {
        if (!sd->params.load_balance) continue;
        R(this_cpu, sd->addr);
        if (sd->params.balance_newidle) pulled_task = load_balance_newidle_2624(this_cpu, *sd);
        const unsigned long interval = msecs_to_jiffies(sd->balance_interval);
        if (time_after(next_balance, sd->last_balance + interval))
            next_balance = sd->last_balance + interval;
        if (pulled_task) break;
    }
    if (pulled_task || time_after(jiffies(this_cpu), this_rq.next_balance)) {
        W(this_cpu, m_layout.rq(this_cpu, RqLine::Curr));
        this_rq.next_balance = next_balance;
    }
}

// active_load_balance (:3016-3057), run by busiest's migration thread with its runqueue locked:
// move one task (classes in order, leftmost first) to push_cpu.
void Kernel::active_load_balance_2624(int busiest_cpu) {
    Runqueue& busiest = cpu_rq(busiest_cpu);
    PathScope path(*this, busiest_cpu);
    ++m_stats.active_balance;
    R(busiest_cpu, m_layout.rq(busiest_cpu, RqLine::Migration));
    const int target_cpu = busiest.push_cpu;
    if (busiest.nr_running <= 1) return;
    Runqueue& target = cpu_rq(target_cpu);
    double_lock_balance(busiest_cpu, busiest, target);
    update_rq_clock(busiest_cpu, busiest);
    update_rq_clock(busiest_cpu, target);
    SchedDomain* sd = nullptr;
    for (SchedDomain* d : domains_of(target_cpu)) {
        R(busiest_cpu, d->addr);
        if (d->params.load_balance && d->span.test(busiest_cpu)) {
            sd = d;
            break;
        }
    }
    if (sd) move_one_task(busiest_cpu, target_cpu, target, busiest, *sd, IdleType::Idle);
    spin_unlock(busiest_cpu, target.lock);
}

// The class iterators of load balancing, pre-iterating so that the returned task may be pulled:
// rt = highest priority first, each queue from its tail; fair = rb order from the leftmost.
struct Kernel::BalanceIter {
    Kernel& k;
    int exec;
    Runqueue& rq;
    bool fair;
    Task* cursor = nullptr; // the next task to return (rt: within queue idx)
    int idx = MAX_PRIO;

    Task* start() {
        if (fair) {
            k.R(exec, k.m_layout.rq(rq.cpu, RqLine::Cfs));
            return step(k.first_fair(rq));
        }
        k.R(exec, k.m_layout.array_header(rq.cpu, rq.active->index));
        idx = rq.active->first_bit();
        return idx < MAX_RT_PRIO ? rt_queue_tail() : nullptr;
    }
    Task* next() {
        if (fair) return step(cursor);
        if (cursor) return step_rt(cursor);
        idx = rq.active->next_bit(idx + 1);
        return idx < MAX_RT_PRIO ? rt_queue_tail() : nullptr;
    }

private:
    Task* step(Task* p) {
        if (!p) return nullptr;
        k.R(exec, k.m_layout.task(p->pid, TaskLine::Sched));
        cursor = k.next_fair(rq, *p);
        return p;
    }
    Task* rt_queue_tail() {
        k.R(exec, k.m_layout.array_queue(rq.cpu, rq.active->index, idx));
        return step_rt(&rq.active->queue[idx].back());
    }
    Task* step_rt(Task* p) {
        k.R(exec, k.m_layout.task(p->pid, TaskLine::Sched));
        RunList& q = rq.active->queue[idx];
        auto it = q.iterator_to(*p);
        cursor = it == q.begin() ? nullptr : &*std::prev(it);
        return p;
    }
};

// can_migrate_task (:2215-2258): allowed here, not running, and cold unless too many balances
// failed (hot_bypass unless_manyfail); newidle_or_fewfail is the 2.6.10 rule, for ablations.
bool Kernel::can_migrate_task_2624(int exec, Task& p, Runqueue& rq, int this_cpu, SchedDomain& sd,
                                   IdleType idle, int& all_pinned) {
    R(exec, m_layout.task(p.pid, TaskLine::Allowed));
    if (!p.cpus_allowed.test(this_cpu)) return false;
    all_pinned = 0;
    if (task_running(rq, p)) return false;
    R(exec, m_layout.task(p.pid, TaskLine::Time));
    const bool hot = task_hot_at(p, rq, sd);
    const auto tries = static_cast<unsigned>(sd.params.cache_nice_tries);
    if (m_kind.hot_bypass == HotBypass::UnlessManyFail) return !hot || sd.nr_balance_failed > tries;
    return !(hot && (idle == IdleType::NewlyIdle || sd.nr_balance_failed < tries));
}

// pull_task: deactivate, set_task_cpu, activate on this runqueue, check_preempt_curr.
void Kernel::pull_task_2624(int exec, Runqueue& src, Task& p, Runqueue& dst, MigReason why,
                            bool hot) {
    const char* detail = cfs_balance_detail(why);
    const long e = record_migration(
        exec, p, src.cpu, dst.cpu, why, detail,
        why == MigReason::ActiveBalance ? "migration_thread" : "balancer", hot ? 1 : 0, now(exec));
    text(exec, Text::Migrate, Cost::move_task);
    deactivate_task(exec, p, src);
    m_migrations[std::size_t(e)].t_dequeue = now(exec);
    set_task_cpu(exec, p, dst.cpu);
    activate_task(exec, p, dst, false);
    m_migrations[std::size_t(e)].t_enqueue = now(exec);
    check_preempt_curr(exec, dst, p);
}

// balance_tasks (:2261-2320): at most sysctl_sched_nr_migrate + 1 tasks (the test is
// 'loops++ > nr_migrate'); a task heavier than twice the load still to move is skipped unless
// it would be the best priority here; stop once the load is moved. Returns the load moved.
unsigned long Kernel::balance_tasks(int exec, int this_cpu, Runqueue& this_rq, Runqueue& busiest,
                                    unsigned long max_load_move, SchedDomain& sd, IdleType idle,
                                    int& all_pinned, int& this_best_prio, BalanceIter& it,
                                    MigReason why) {
    int loops = 0, pinned = 0;
    std::uint64_t examined = 0;
    long long rem_load_move = static_cast<long long>(max_load_move);
    const long long nr_migrate = m_policy.nr_migrate;
    if (max_load_move != 0) {
        pinned = 1;
        Task* p = it.start();
        while (p && !(nr_migrate > 0 && loops++ > nr_migrate)) {
            ++examined;
            const bool skip_for_load =
                (p->se.weight >> 1) >
                static_cast<unsigned long>(rem_load_move + long(SCHED_LOAD_SCALE_FUZZ));
            if ((skip_for_load && p->prio >= this_best_prio) ||
                !can_migrate_task_2624(exec, *p, busiest, this_cpu, sd, idle, pinned)) {
                p = it.next();
                continue;
            }
            pull_task_2624(exec, busiest, *p, this_rq, why, task_hot_at(*p, busiest, sd));
            rem_load_move -= static_cast<long long>(p->se.weight);
            if (rem_load_move <= 0) break;
            this_best_prio = std::min(this_best_prio, p->prio);
            p = it.next();
        }
        ++m_stats.balance_passes;
        m_stats.tasks_examined += examined;
        m_stats.max_tasks_examined = std::max(m_stats.max_tasks_examined, examined);
    }
    all_pinned = pinned;
    return static_cast<unsigned long>(static_cast<long long>(max_load_move) - rem_load_move);
}

// move_tasks (:2329-2392, with move_one_task): the classes in order (rt, fair; idle moves nothing)
// until the load is moved. Returns the number of tasks pulled.
int Kernel::move_tasks_2624(int exec, int this_cpu, Runqueue& this_rq, Runqueue& busiest,
                            unsigned long max_load_move, SchedDomain& sd, IdleType idle,
                            int& all_pinned, MigReason why) {
    const std::uint64_t before = m_stats.migrations;
    int this_best_prio = this_rq.curr->prio;
    unsigned long total_load_moved = 0;
    for (const bool fair : {false, true}) {
        BalanceIter it{*this, exec, busiest, fair};
        total_load_moved +=
            balance_tasks(exec, this_cpu, this_rq, busiest, max_load_move - total_load_moved, sd,
                          idle, all_pinned, this_best_prio, it, why);
        if (max_load_move <= total_load_moved) break;
    }
    return static_cast<int>(m_stats.migrations - before);
}

// move_one_task (:2382-2392): the first task of any class (rt, then fair from the leftmost)
// that may move.
int Kernel::move_one_task(int exec, int this_cpu, Runqueue& this_rq, Runqueue& busiest,
                          SchedDomain& sd, IdleType idle) {
    for (const bool fair : {false, true}) {
        BalanceIter it{*this, exec, busiest, fair};
        int pinned = 0;
        for (Task* p = it.start(); p; p = it.next()) {
            if (can_migrate_task_2624(exec, *p, busiest, this_cpu, sd, idle, pinned)) {
                pull_task_2624(exec, busiest, *p, this_rq, MigReason::ActiveBalance,
                               task_hot_at(*p, busiest, sd));
                return 1;
            }
        }
    }
    return 0;
}

} // namespace smp::os
