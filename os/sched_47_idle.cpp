// Linux 4.7's balancing triggers (reference §5.8, §5.10, kernel/sched/fair.c of 4.7, "F"):
// rebalance_domains from SCHED_SOFTIRQ, and idle_balance behind the average idle time
// (rq->avg_idle, updated at each wake-up that ends an idle period). load_balance itself is in
// sched_47_balance.cpp.
#include "os/kernel.hpp"

#include <algorithm>
#include <climits>

namespace smp::os {

namespace {
bool time_after(unsigned long a, unsigned long b) {
    return static_cast<long>(b - a) < 0;
}
} // namespace

// rebalance_domains (F :7995-8096): max_newidle_lb_cost decays by 253/256 a second; each due
// level, serialised ones under 'balancing'; intervals capped at HZ * online CPUs / 10.
void Kernel::rebalance_domains_47(int cpu, IdleType idle) {
    Runqueue& rq = cpu_rq(cpu);
    R(cpu, m_layout.jiffies());
    const unsigned long j = jiffies(cpu);
    int continue_balancing = 1;
    unsigned long next_balance = j + 60 * static_cast<unsigned long>(m_cfg.hz);
    bool update_next_balance = false, need_decay = false;
    std::uint64_t max_cost = 0;
    const long nr = m_policy.nr_cpus > 0 ? long(m_policy.nr_cpus) : long(m_online.weight());
    for (SchedDomain* sd : domains_of(cpu)) {
        R(cpu, sd->addr);
        if (time_after(j, sd->next_decay_max_lb_cost)) {
            sd->max_newidle_lb_cost = sd->max_newidle_lb_cost * 253 / 256;
            sd->next_decay_max_lb_cost = j + static_cast<unsigned long>(m_cfg.hz);
            W(cpu, sd->addr);
            need_decay = true;
        }
        max_cost += sd->max_newidle_lb_cost;
        if (!sd->params.load_balance) continue;
        if (!continue_balancing) {
            if (need_decay) continue;
            break;
        }
        auto interval_of = [&](bool busy) {
            unsigned long interval = sd->balance_interval;
            if (busy) interval *= static_cast<unsigned long>(sd->params.busy_factor);
            interval = msecs_to_jiffies(interval);
            const unsigned long cap = std::max<unsigned long>(
                m_policy.interval_cap_div > 0 ? static_cast<unsigned long>(m_cfg.hz * nr / m_policy.interval_cap_div)
                                              : ULONG_MAX,
                1);
            return std::clamp<unsigned long>(interval, 1, cap);
        };
        unsigned long interval = interval_of(idle != IdleType::Idle);
        bool serialized = false;
        if (sd->params.serialize) {
            if (!spin_trylock(cpu, m_balancing)) goto out;
            serialized = true;
        }
        if (!time_after(sd->last_balance + interval, jiffies(cpu))) { // time_after_eq(jiffies, ..)
            if (load_balance_47(cpu, *sd, idle, continue_balancing)) {
                idle = idle_cpu_47(cpu, cpu) ? IdleType::Idle : IdleType::NotIdle;
            }
            sd->last_balance = jiffies(cpu);
            W(cpu, sd->addr);
            interval = interval_of(idle != IdleType::Idle);
        }
        if (serialized) spin_unlock(cpu, m_balancing);
    out:
        if (time_after(next_balance, sd->last_balance + interval)) {
            next_balance = sd->last_balance + interval;
            update_next_balance = true;
        }
    }
    if (need_decay) rq.max_idle_balance_cost = std::max<std::uint64_t>(migration_cost_ns(), max_cost);
    if (update_next_balance) {
        W(cpu, m_layout.rq(cpu, RqLine::Curr));
        rq.next_balance = next_balance;
    }
}

// sysctl_sched_migration_cost is an unsigned int: -1 reads as 4294967295 ns (4.29 s) wherever it
// is compared as a time, so with it idle_balance practically never runs (task_hot tests -1 itself).
std::uint64_t Kernel::migration_cost_ns() const {
    return static_cast<std::uint32_t>(m_policy.migration_cost_ns);
}

// idle_balance (F :7678-7770), from schedule() with this runqueue locked and nothing to run:
// skipped while avg_idle < sysctl_sched_migration_cost or no runqueue is overloaded; else the
// lock is dropped and each level balanced newly idle, bottom-up, while the expected idle time
// covers the cost so far plus the level's max_newidle_lb_cost, until a task is pulled.
int Kernel::idle_balance_47(int this_cpu) {
    Runqueue& this_rq = cpu_rq(this_cpu);
    const unsigned long j = jiffies(this_cpu);
    unsigned long next_balance = j + static_cast<unsigned long>(m_cfg.hz);
    int pulled_task = 0;
    std::uint64_t curr_cost = 0;
    auto update_next = [&](const SchedDomain& sd) {
        unsigned long interval = sd.balance_interval * static_cast<unsigned long>(sd.params.busy_factor);
        interval = std::max<unsigned long>(msecs_to_jiffies(interval), 1);
        if (time_after(next_balance, sd.last_balance + interval)) next_balance = sd.last_balance + interval;
    };
    R(this_cpu, m_layout.rq(this_cpu, RqLine::Curr));
    R(this_cpu, m_layout.root_domain());
    if (this_rq.avg_idle < migration_cost_ns() || !m_rd_overload) {
        ++m_stats.newidle_skipped;
        const auto doms = domains_of(this_cpu);
        if (!doms.empty()) update_next(*doms.front());
    } else {
        spin_unlock(this_cpu, this_rq.lock);
        for (SchedDomain* sd : domains_of(this_cpu)) {
            R(this_cpu, sd->addr);
            if (!sd->params.load_balance) continue;
            if (this_rq.avg_idle < curr_cost + sd->max_newidle_lb_cost) {
                ++m_stats.newidle_cut;
                update_next(*sd);
                break;
            }
            if (sd->params.balance_newidle) {
                const std::uint64_t t0 = sched_clock(this_cpu);
                int continue_balancing = 1;
                pulled_task = load_balance_47(this_cpu, *sd, IdleType::NewlyIdle, continue_balancing);
                const std::uint64_t cost = sched_clock(this_cpu) - t0;
                if (cost > sd->max_newidle_lb_cost) {
                    sd->max_newidle_lb_cost = cost;
                    W(this_cpu, sd->addr);
                }
                curr_cost += cost;
            }
            update_next(*sd);
            if (pulled_task || this_rq.nr_running > 0) break;
        }
        spin_lock(this_cpu, this_rq.lock);
        if (curr_cost > this_rq.max_idle_balance_cost) this_rq.max_idle_balance_cost = curr_cost;
        if (this_rq.cfs.nr_running && !pulled_task) pulled_task = 1; // a task arrived meanwhile
    }
    if (time_after(this_rq.next_balance, next_balance)) {
        W(this_cpu, m_layout.rq(this_cpu, RqLine::Curr));
        this_rq.next_balance = next_balance;
    }
    if (this_rq.nr_running != this_rq.cfs.nr_running) pulled_task = -1; // a higher class is queued
    return pulled_task;
}

// ttwu_do_wakeup's average idle time (C :1740-1752): update_avg over the idle period that this
// wake-up ends, capped at twice the most a new-idle balance cost.
void Kernel::update_avg_idle(int cpu, Runqueue& rq) {
    if (!rq.idle_stamp || m_kind.imbalance_algo != ImbalanceAlgo::Cfs47) return;
    const std::uint64_t delta = cycles_to_ns(now(cpu) > rq.idle_stamp ? now(cpu) - rq.idle_stamp : 0);
    const std::uint64_t max = 2 * rq.max_idle_balance_cost;
    const auto diff = static_cast<std::int64_t>(delta - rq.avg_idle);
    rq.avg_idle = static_cast<std::uint64_t>(static_cast<std::int64_t>(rq.avg_idle) + (diff >> 3));
    if (rq.avg_idle > max) rq.avg_idle = max;
    W(cpu, m_layout.rq(rq.cpu, RqLine::Curr));
}

} // namespace smp::os
