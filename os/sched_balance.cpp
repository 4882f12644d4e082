// Load balancing (2.6.10, reference §3.4-§3.7): rebalance_tick, load_balance, find_busiest_*,
// move_tasks / can_migrate_task / pull_task, new-idle balancing, active balancing, sched_exec.
#include "os/kernel.hpp"

#include <algorithm>
#include <climits>

namespace smp::os {

// (long long)(now - last_ran) < cache_hot_time: a task switched out after `now` is hot.
bool Kernel::task_hot(const Task& p, Cycle now, const SchedDomain& sd) const {
    if (m_kind.hot_test == HotTest::JiffiesLastRun) {
        return task_hot_2421(p, static_cast<unsigned long>(now / m_tick_cycles));
    }
    return static_cast<long long>(now) - static_cast<long long>(p.last_ran) <
           static_cast<long long>(sd.cache_hot_time);
}

unsigned long Kernel::source_load(int cpu) const {
    const Runqueue& rq = *m_rqs[std::size_t(cpu)];
    return std::min(rq.cpu_load, rq.nr_running * SCHED_LOAD_SCALE);
}

unsigned long Kernel::target_load(int cpu) const {
    const Runqueue& rq = *m_rqs[std::size_t(cpu)];
    return std::max(rq.cpu_load, rq.nr_running * SCHED_LOAD_SCALE);
}

void Kernel::rebalance_tick(int cpu, IdleType idle) {
    if (m_kind.trigger == Trigger::TickModulo) return rebalance_tick_2421(cpu, idle);
    Runqueue& rq = cpu_rq(cpu);
    W(cpu, m_layout.rq(cpu, RqLine::L0));
    unsigned long old_load = rq.cpu_load;
    const unsigned long this_load = rq.nr_running * SCHED_LOAD_SCALE;
    if (this_load > old_load) ++old_load; // round up while the load rises
    rq.cpu_load = (old_load + this_load) / 2;

    R(cpu, m_layout.jiffies());
    const long nr = m_cfg.policy.nr_cpus > 0 ? long(m_cfg.policy.nr_cpus) : long(m_ncpus);
    const unsigned long offset =
        m_cfg.policy.stagger ? static_cast<unsigned long>(long(m_cfg.hz) * cpu / nr) : 0;
    const unsigned long j = jiffies(cpu) + offset;
    for (SchedDomain* sd : domains_of(cpu)) {
        if (!sd->params.load_balance) continue;
        R(cpu, sd->addr);
        unsigned long interval = sd->balance_interval;
        if (idle != IdleType::Idle) interval *= static_cast<unsigned long>(sd->params.busy_factor);
        interval = msecs_to_jiffies(interval);
        if (!interval) interval = 1;
        if (j - sd->last_balance >= interval) {
            if (load_balance(cpu, *sd, idle)) idle = IdleType::NotIdle;
            sd->last_balance += interval;
            W(cpu, sd->addr);
        }
    }
}

SchedGroup* Kernel::find_busiest_group(SchedDomain& sd, int this_cpu, unsigned long& imbalance,
                                       IdleType idle) {
    SchedGroup *busiest = nullptr, *local = nullptr;
    unsigned long max_load = 0, this_load = 0, total_load = 0, total_pwr = 0;
    for (SchedGroup* g : sd.groups) {
        R(this_cpu, g->addr);
        const bool local_group = g->cpumask.test(this_cpu);
        unsigned long avg = 0;
        int n = 0;
        for (int i : g->cpumask.cpus()) {
            R(this_cpu, m_layout.rq(i, RqLine::L0)); // nr_running and cpu_load: one line
            kcompute(this_cpu, Cost::balance_per_cpu);
            avg += local_group ? target_load(i) : source_load(i);
            ++n;
        }
        if (!n) continue;
        total_load += avg;
        total_pwr += g->cpu_power;
        avg = avg * SCHED_LOAD_SCALE / g->cpu_power;
        if (local_group) {
            this_load = avg;
            local = g;
        } else if (avg > max_load) {
            max_load = avg;
            busiest = g;
        }
    }
    auto balanced = [&]() -> SchedGroup* {
        if (busiest && (idle == IdleType::NewlyIdle ||
                        (idle == IdleType::Idle && max_load > SCHED_LOAD_SCALE))) {
            imbalance = 1;
            return busiest;
        }
        imbalance = 0;
        return nullptr;
    };
    if (!busiest || !local || this_load >= max_load) return balanced();
    const unsigned long avg_load = SCHED_LOAD_SCALE * total_load / total_pwr;
    if (this_load >= avg_load ||
        100 * max_load <= static_cast<unsigned long>(sd.params.imbalance_pct) * this_load) {
        return balanced();
    }
    imbalance = std::min(max_load - avg_load, avg_load - this_load);
    imbalance = imbalance * std::min(busiest->cpu_power, local->cpu_power) / SCHED_LOAD_SCALE;
    if (imbalance < SCHED_LOAD_SCALE - 1) {
        if (max_load - this_load >= SCHED_LOAD_SCALE * 2) {
            imbalance = 1;
            return busiest;
        }
        // Would moving one task raise the total CPU power used by an eighth of a CPU?
        unsigned long pwr_now = 0, pwr_move = 0;
        pwr_now += busiest->cpu_power * std::min(SCHED_LOAD_SCALE, max_load);
        pwr_now += local->cpu_power * std::min(SCHED_LOAD_SCALE, this_load);
        pwr_now /= SCHED_LOAD_SCALE;
        unsigned long tmp = SCHED_LOAD_SCALE * SCHED_LOAD_SCALE / busiest->cpu_power;
        if (max_load > tmp)
            pwr_move += busiest->cpu_power * std::min(SCHED_LOAD_SCALE, max_load - tmp);
        tmp = SCHED_LOAD_SCALE * SCHED_LOAD_SCALE / local->cpu_power;
        if (max_load < tmp) tmp = max_load;
        pwr_move += local->cpu_power * std::min(SCHED_LOAD_SCALE, this_load + tmp);
        pwr_move /= SCHED_LOAD_SCALE;
        if (pwr_move < pwr_now + SCHED_LOAD_SCALE / 8) return balanced();
        imbalance = 1;
        return busiest;
    }
    imbalance = (imbalance + 1) / SCHED_LOAD_SCALE;
    return busiest;
}

Runqueue* Kernel::find_busiest_queue(const SchedGroup& group) {
    unsigned long max_load = 0;
    Runqueue* busiest = nullptr;
    for (int i : group.cpumask.cpus()) {
        const unsigned long load = source_load(i);
        if (load > max_load) {
            max_load = load;
            busiest = &cpu_rq(i);
        }
    }
    return busiest;
}

// can_migrate_task, 2.6.9/2.6.10 form: the hot test applies when newly idle or while fewer than
// cache_nice_tries balances have failed.
bool Kernel::can_migrate_task(int exec, Task& p, Runqueue& rq, int this_cpu, SchedDomain& sd,
                              IdleType idle) {
    R(exec, m_layout.task(p.pid, TaskLine::Allowed));
    if (task_running(rq, p)) return false;
    if (!p.cpus_allowed.test(this_cpu)) return false;
    if (idle == IdleType::NewlyIdle ||
        sd.nr_balance_failed < static_cast<unsigned>(sd.params.cache_nice_tries)) {
        R(exec, m_layout.task(p.pid, TaskLine::Time));
        if (task_hot(p, rq.timestamp_last_tick, sd)) return false;
    }
    return true;
}

void Kernel::pull_task(int cpu, Runqueue& src, PrioArray& src_array, Task& p, Runqueue& dst,
                       PrioArray& dst_array, MigReason why, bool hot) {
    static const char* details[] = {"", "active_balance", "lb_tick", "lb_newidle"};
    const Cycle decided = now(cpu);
    const long e = record_migration(cpu, p, src.cpu, dst.cpu, why, details[std::min(int(why), 3)],
                                    why != MigReason::ActiveBalance        ? "balancer"
                                    : m_kind.migrator == Migrator::Stopper ? "stopper" // 4.7
                                                                           : "migration_thread",
                                    hot ? 1 : 0, decided);
    text(cpu, Text::Migrate, Cost::move_task);
    W(cpu, src.lock.addr);
    dequeue_task(cpu, p, src_array);
    --src.nr_running;
    m_migrations[std::size_t(e)].t_dequeue = now(cpu);
    set_task_cpu(cpu, p, dst.cpu);
    W(cpu, dst.lock.addr);
    enqueue_task(cpu, p, dst_array);
    ++dst.nr_running;
    m_migrations[std::size_t(e)].t_enqueue = now(cpu);
    R(cpu, m_layout.rq(dst.cpu, RqLine::Curr));
    if (task_preempts_curr(p, dst)) resched_task(cpu, *dst.curr);
}

// move_tasks: expired array first, highest priority first, each queue from its tail.
int Kernel::move_tasks(int exec, int this_cpu, Runqueue& this_rq, Runqueue& busiest,
                       unsigned long max_nr_move, SchedDomain& sd, IdleType idle, MigReason why) {
    int pulled = 0;
    if (max_nr_move == 0 || busiest.nr_running <= 1) return 0;
    const int b = busiest.cpu;
    R(exec, m_layout.array_header(b, busiest.expired->index));
    PrioArray* array;
    PrioArray* dst_array;
    if (busiest.expired->nr_active) {
        array = busiest.expired;
        dst_array = this_rq.expired;
    } else {
        R(exec, m_layout.array_header(b, busiest.active->index));
        array = busiest.active;
        dst_array = this_rq.active;
    }
    for (;;) {
        for (int idx = array->first_bit(); idx < MAX_PRIO; idx = array->next_bit(idx + 1)) {
            RunList& q = array->queue[idx];
            R(exec, m_layout.array_queue(b, array->index, idx));
            // Walk from the tail; collect first, since pulling changes the list.
            std::vector<Task*> order;
            for (auto it = q.rbegin(); it != q.rend(); ++it)
                order.push_back(&*it);
            for (Task* t : order) {
                R(exec, m_layout.task(t->pid, TaskLine::Sched));
                if (!can_migrate_task(exec, *t, busiest, this_cpu, sd, idle)) continue;
                const bool hot = task_hot(*t, busiest.timestamp_last_tick, sd);
                pull_task(exec, busiest, *array, *t, this_rq, *dst_array, why, hot);
                if (++pulled >= static_cast<int>(max_nr_move)) return pulled;
            }
        }
        if (array == busiest.expired && busiest.active->nr_active) {
            array = busiest.active;
            dst_array = this_rq.active;
            continue;
        }
        return pulled;
    }
}

int Kernel::load_balance(int this_cpu, SchedDomain& sd, IdleType idle) {
    Runqueue& this_rq = cpu_rq(this_cpu);
    PathScope path(*this, this_cpu);
    text(this_cpu, Text::Balance, Cost::load_balance);
    ++m_stats.load_balance;
    spin_lock(this_cpu, this_rq.lock);
    unsigned long imbalance = 0;
    SchedGroup* group = find_busiest_group(sd, this_cpu, imbalance, idle);
    Runqueue* busiest = group ? find_busiest_queue(*group) : nullptr;
    if (!busiest || busiest == &this_rq) {
        spin_unlock(this_cpu, this_rq.lock);
        if (sd.balance_interval < static_cast<unsigned long>(sd.params.max_interval))
            sd.balance_interval *= 2;
        ev(Ev::Balance, this_cpu, static_cast<int>(idle), sd.index, -1); // balanced
        return 0;
    }
    int nr_moved = 0;
    if (busiest->nr_running > 1) {
        double_lock_balance(this_cpu, this_rq, *busiest);
        nr_moved = move_tasks(this_cpu, this_cpu, this_rq, *busiest, imbalance, sd, idle,
                              MigReason::PeriodicBalance);
        spin_unlock(this_cpu, busiest->lock);
    }
    spin_unlock(this_cpu, this_rq.lock);
    ev(Ev::Balance, this_cpu, static_cast<int>(idle), sd.index, nr_moved);
    if (!nr_moved) {
        ++m_stats.load_balance_failed;
        ++sd.nr_balance_failed;
        if (m_kind.active_balance != ActiveBalance::None &&
            sd.nr_balance_failed > static_cast<unsigned>(sd.params.cache_nice_tries) + 2) {
            bool wake = false;
            spin_lock(this_cpu, busiest->lock);
            R(this_cpu, m_layout.rq(busiest->cpu, RqLine::Migration));
            if (!busiest->active_balance) {
                W(this_cpu, m_layout.rq(busiest->cpu, RqLine::Migration));
                busiest->active_balance = 1;
                busiest->push_cpu = this_cpu;
                wake = true;
            }
            spin_unlock(this_cpu, busiest->lock);
            if (wake) {
                ev(Ev::ActiveKick, this_cpu, -1, busiest->cpu);
                if (m_kind.migrator == Migrator::Stopper) { // 4.7 stop_one_cpu_nowait
                    active_balance_kick(this_cpu, *busiest);
                } else {
                    wake_up_process(this_cpu, *busiest->migration_thread);
                }
            }
            sd.nr_balance_failed = static_cast<unsigned>(sd.params.cache_nice_tries);
        }
        if (sd.balance_interval < static_cast<unsigned long>(sd.params.max_interval))
            ++sd.balance_interval;
    } else {
        sd.nr_balance_failed = 0;
        sd.balance_interval = static_cast<unsigned long>(sd.params.min_interval);
    }
    return nr_moved;
}

// Called from schedule() with this_rq locked.
int Kernel::load_balance_newidle(int this_cpu, SchedDomain& sd) {
    Runqueue& this_rq = cpu_rq(this_cpu);
    PathScope path(*this, this_cpu);
    text(this_cpu, Text::Balance, Cost::load_balance);
    ++m_stats.newidle_balance;
    unsigned long imbalance = 0;
    SchedGroup* group = find_busiest_group(sd, this_cpu, imbalance, IdleType::NewlyIdle);
    if (!group) return 0;
    Runqueue* busiest = find_busiest_queue(*group);
    if (!busiest || busiest == &this_rq) return 0;
    double_lock_balance(this_cpu, this_rq, *busiest);
    const int moved = move_tasks(this_cpu, this_cpu, this_rq, *busiest, imbalance, sd,
                                 IdleType::NewlyIdle, MigReason::NewidleBalance);
    spin_unlock(this_cpu, busiest->lock);
    ev(Ev::Balance, this_cpu, static_cast<int>(IdleType::NewlyIdle), sd.index, moved);
    return moved;
}

void Kernel::idle_balance(int this_cpu) {
    if (m_kind.imbalance_algo == ImbalanceAlgo::Cfs47) {
        idle_balance_47(this_cpu);
        return;
    }
    if (m_kind.imbalance_algo == ImbalanceAlgo::Cfs2624) {
        idle_balance_2624(this_cpu);
        return;
    }
    for (SchedDomain* sd : domains_of(this_cpu)) {
        if (sd->params.balance_newidle && load_balance_newidle(this_cpu, *sd)) break;
    }
}

// active_load_balance (2.6.10, Darren Hart's form): run by busiest's migration thread with its
// runqueue locked; push one queued task to the first idle CPU of each group not yet visited.
void Kernel::active_load_balance(int busiest_cpu) {
    if (m_kind.active_balance == ActiveBalance::PushCpuOne) {
        active_load_balance_2624(busiest_cpu);
        return;
    }
    Runqueue& busiest = cpu_rq(busiest_cpu);
    PathScope path(*this, busiest_cpu);
    ++m_stats.active_balance;
    CpuMask visited(m_ncpus);
    for (SchedDomain* sd : domains_of(busiest_cpu)) {
        if (!sd->params.load_balance || busiest.nr_running <= 1) break;
        for (SchedGroup* g : sd->groups) {
            if (busiest.nr_running <= 1) return;
            int target = -1;
            for (int c : g->cpumask.cpus()) {
                if (visited.test(c)) continue;
                visited.set(c);
                R(busiest_cpu, m_layout.rq(c, RqLine::Curr));
                if (c != busiest_cpu && cpu_and_siblings_are_idle(c)) {
                    target = c;
                    break;
                }
            }
            if (target < 0) continue;
            Runqueue& target_rq = cpu_rq(target);
            double_lock_balance(busiest_cpu, busiest, target_rq);
            move_tasks(busiest_cpu, target, target_rq, busiest, 1, *sd, IdleType::Idle,
                       MigReason::ActiveBalance);
            spin_unlock(busiest_cpu, target_rq.lock);
        }
    }
}

// find_idlest_cpu: the least target_load CPU of sd ∩ cpus_allowed, if the new task would
// otherwise leave an imbalance of half imbalance_pct.
int Kernel::find_idlest_cpu(const Task& p, int this_cpu, const SchedDomain& sd) {
    unsigned long min_load = ULONG_MAX;
    int min_cpu = this_cpu;
    const CpuMask mask = sd.span & p.cpus_allowed;
    for (int i : mask.cpus()) {
        R(this_cpu, m_layout.rq(i, RqLine::L0));
        const unsigned long load = target_load(i);
        if (load < min_load) {
            min_cpu = i;
            min_load = load;
            if (!min_load) break;
        }
    }
    const unsigned long this_load = source_load(this_cpu) + SCHED_LOAD_SCALE;
    const unsigned long pct = static_cast<unsigned long>(sd.params.imbalance_pct);
    if (min_load * (100 + (pct - 100) / 2) < this_load * 100) return min_cpu;
    return this_cpu;
}

void Kernel::sched_exec(Task& self) {
    if (m_kind.exec_balance == ExecBalance::None) return; // 2.4: fs/exec.c has no scheduler hook
    if (m_kind.exec_balance == ExecBalance::SelectTaskRq) return sched_exec_47(self); // 4.7
    if (m_kind.exec_balance == ExecBalance::BalanceSelf) {
        sched_exec_2624(self);
        return;
    }
    const int this_cpu = self.cpu;
    R(this_cpu, m_layout.rq(this_cpu, RqLine::L0));
    if (cpu_rq(this_cpu).nr_running <= 1) return;
    SchedDomain* sd = nullptr;
    for (SchedDomain* d : domains_of(this_cpu)) {
        if (d->params.balance_exec) sd = d;
    }
    if (!sd) return;
    const int new_cpu = find_idlest_cpu(self, this_cpu, *sd);
    if (new_cpu != this_cpu) sched_migrate_task(self, new_cpu);
}

} // namespace smp::os
