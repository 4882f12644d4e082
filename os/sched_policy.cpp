#include "os/sched_policy.hpp"

#include <algorithm>
#include <utility>

namespace smp::os {

namespace {

// The allowed names of a string field, in the order of its enum.
template <class E> E pick(const std::string& value, std::initializer_list<const char*> names) {
    int i = 0;
    for (const char* n : names) {
        if (value == n) return static_cast<E>(i);
        ++i;
    }
    return static_cast<E>(-1);
}

void require_one_of(const std::string& field, const std::string& value,
                    std::initializer_list<const char*> names) {
    std::string list;
    for (const char* n : names) {
        if (value == n) return;
        list += (list.empty() ? "" : ", ") + std::string(n);
    }
    throw ConfigError(field, "must be one of " + list + ", got '" + value + "'");
}

#define SMP_POLICY_NAMES(field, ...)                                                               \
    const std::initializer_list<const char*> k_##field = {__VA_ARGS__}

SMP_POLICY_NAMES(sched_class, "o1", "cfs");
SMP_POLICY_NAMES(timeslice, "linux-2.4", "linux-2.6");
SMP_POLICY_NAMES(granularity_scaling, "none", "log", "log_cap8");
SMP_POLICY_NAMES(trigger, "tick_modulo", "tick_domains", "softirq");
SMP_POLICY_NAMES(load_metric, "nr_minfilter", "cpu_load_avg2", "cpu_load_idx", "pelt");
SMP_POLICY_NAMES(imbalance_algo, "o1_25pct_half", "sd_2610", "cfs_2624", "cfs_47");
SMP_POLICY_NAMES(pick_order, "expired_first_tail", "rb_leftmost", "cfs_tasks_head");
SMP_POLICY_NAMES(hot_test, "jiffies_last_run", "sd_cache_hot_time", "migration_cost",
                 "migration_cost_buddy");
SMP_POLICY_NAMES(hot_bypass, "newidle_or_fewfail", "unless_manyfail");
SMP_POLICY_NAMES(active_balance, "none", "visited_2610", "push_cpu_one");
SMP_POLICY_NAMES(migrator, "kthread", "stopper");
SMP_POLICY_NAMES(wake_policy, "sync_pull", "affine_2610", "affine_2624", "select_task_rq_fair");
SMP_POLICY_NAMES(exec_balance, "none", "find_idlest", "balance_self", "select_task_rq");
SMP_POLICY_NAMES(fork_balance, "parent_cpu", "balance_self", "select_task_rq");
SMP_POLICY_NAMES(preempt, "none", "voluntary");
SMP_POLICY_NAMES(lock, "ttas", "queued");
SMP_POLICY_NAMES(affinity_dest, "lowest_allowed_online", "first_online_in_mask");

#undef SMP_POLICY_NAMES

} // namespace

void DomainParams::validate(const std::string& path) const {
    require_range<std::int64_t>(join(path, "min_interval"), min_interval, 0, 100000,
                                "ms; 0 = the domain's CPU count (4.7 sd_init)");
    if (min_interval > 0 || max_interval > 0) {
        require_range<std::int64_t>(join(path, "max_interval"), max_interval,
                                    std::max<std::int64_t>(min_interval, 1), 100000,
                                    "ms, at least min_interval");
    }
    require_range<std::int64_t>(join(path, "busy_factor"), busy_factor, 1, 100000);
    require_range<std::int64_t>(join(path, "imbalance_pct"), imbalance_pct, 100, 1000);
    require_range(join(path, "cache_hot_time_ns"), cache_hot_time_ns, 0.0, 1e12);
    require_range<std::int64_t>(join(path, "cache_nice_tries"), cache_nice_tries, 0, 1000);
    require_range<std::int64_t>(join(path, "per_cpu_gain"), per_cpu_gain, 0, 100);
    for (auto [name, v] : {std::pair{"busy_idx", busy_idx}, {"idle_idx", idle_idx},
                           {"newidle_idx", newidle_idx}, {"wake_idx", wake_idx},
                           {"forkexec_idx", forkexec_idx}}) {
        require_range<std::int64_t>(join(path, name), v, 0, 4, "an index into cpu_load[5]");
    }
}

void SchedPolicy::validate(const std::string& path) const {
    require_one_of(join(path, "sched_class"), sched_class, k_sched_class);
    require_one_of(join(path, "timeslice"), timeslice, k_timeslice);
    require_range(join(path, "sched_latency_ns"), sched_latency_ns, 1e3, 1e10);
    require_range(join(path, "min_granularity_ns"), min_granularity_ns, 1e3, 1e10);
    require_range(join(path, "wakeup_granularity_ns"), wakeup_granularity_ns, 0.0, 1e10);
    require_one_of(join(path, "granularity_scaling"), granularity_scaling, k_granularity_scaling);
    require_one_of(join(path, "trigger"), trigger, k_trigger);
    require_range<std::int64_t>(join(path, "idle_rebalance_ticks"), idle_rebalance_ticks, 1, 100000);
    require_range<std::int64_t>(join(path, "busy_rebalance_ticks"), busy_rebalance_ticks, 1, 100000);
    require_range<std::int64_t>(join(path, "nr_cpus"), nr_cpus, 0, 4096, "0 = the CPU count");
    require_range<std::int64_t>(join(path, "interval_cap_div"), interval_cap_div, 0, 1000, "0 = no cap");
    require_one_of(join(path, "load_metric"), load_metric, k_load_metric);
    require_one_of(join(path, "imbalance_algo"), imbalance_algo, k_imbalance_algo);
    require_one_of(join(path, "pick_order"), pick_order, k_pick_order);
    require_range<std::int64_t>(join(path, "nr_migrate"), nr_migrate, 0, 1000000, "0 = unlimited");
    require_one_of(join(path, "hot_test"), hot_test, k_hot_test);
    require_range<std::int64_t>(join(path, "migration_cost_ns"), migration_cost_ns, -1,
                                4294967295, "an unsigned int; -1 = always hot, 0 = never");
    require_range<std::int64_t>(join(path, "cache_decay_ticks"), cache_decay_ticks, -1, 1000000,
                                "-1 = from the L2 size");
    require_one_of(join(path, "hot_bypass"), hot_bypass, k_hot_bypass);
    require_one_of(join(path, "active_balance"), active_balance, k_active_balance);
    require_range<std::int64_t>(join(path, "nr_failed_reset_offset"), nr_failed_reset_offset, 0, 1000);
    require_one_of(join(path, "migrator"), migrator, k_migrator);
    require_one_of(join(path, "wake_policy"), wake_policy, k_wake_policy);
    require_one_of(join(path, "exec_balance"), exec_balance, k_exec_balance);
    require_one_of(join(path, "fork_balance"), fork_balance, k_fork_balance);
    require_one_of(join(path, "preempt"), preempt, k_preempt);
    require_one_of(join(path, "lock"), lock, k_lock);
    require_one_of(join(path, "affinity_dest"), affinity_dest, k_affinity_dest);
    const bool cfs = sched_class == "cfs";
    if (cfs && pick_order == "expired_first_tail") {
        throw ConfigError(join(path, "pick_order"), "'expired_first_tail' needs sched_class 'o1' "
                                                    "(CFS has no expired array)");
    }
    if (!cfs && pick_order != "expired_first_tail") {
        throw ConfigError(join(path, "pick_order"), "'" + pick_order + "' needs sched_class 'cfs'");
    }
    if (!cfs && (hot_test == "migration_cost" || hot_test == "migration_cost_buddy")) {
        throw ConfigError(join(path, "hot_test"), "'" + hot_test + "' needs sched_class 'cfs' "
                                                  "(se.exec_start)");
    }
    smt.validate(join(path, "smt"));
    cpu.validate(join(path, "cpu"));
    node.validate(join(path, "node"));
}

SchedClassKind SchedPolicy::sched_class_kind() const { return pick<SchedClassKind>(sched_class, k_sched_class); }
Timeslice SchedPolicy::timeslice_kind() const { return pick<Timeslice>(timeslice, k_timeslice); }
GranScaling SchedPolicy::granularity_scaling_kind() const {
    return pick<GranScaling>(granularity_scaling, k_granularity_scaling);
}
Trigger SchedPolicy::trigger_kind() const { return pick<Trigger>(trigger, k_trigger); }
LoadMetric SchedPolicy::load_metric_kind() const { return pick<LoadMetric>(load_metric, k_load_metric); }
ImbalanceAlgo SchedPolicy::imbalance_algo_kind() const {
    return pick<ImbalanceAlgo>(imbalance_algo, k_imbalance_algo);
}
PickOrder SchedPolicy::pick_order_kind() const { return pick<PickOrder>(pick_order, k_pick_order); }
HotTest SchedPolicy::hot_test_kind() const { return pick<HotTest>(hot_test, k_hot_test); }
HotBypass SchedPolicy::hot_bypass_kind() const { return pick<HotBypass>(hot_bypass, k_hot_bypass); }
ActiveBalance SchedPolicy::active_balance_kind() const {
    return pick<ActiveBalance>(active_balance, k_active_balance);
}
Migrator SchedPolicy::migrator_kind() const { return pick<Migrator>(migrator, k_migrator); }
WakePolicy SchedPolicy::wake_policy_kind() const { return pick<WakePolicy>(wake_policy, k_wake_policy); }
ExecBalance SchedPolicy::exec_balance_kind() const { return pick<ExecBalance>(exec_balance, k_exec_balance); }
ForkBalance SchedPolicy::fork_balance_kind() const { return pick<ForkBalance>(fork_balance, k_fork_balance); }
Preempt SchedPolicy::preempt_kind() const { return pick<Preempt>(preempt, k_preempt); }
LockAlgo SchedPolicy::lock_kind() const { return pick<LockAlgo>(lock, k_lock); }
AffinityDest SchedPolicy::affinity_dest_kind() const {
    return pick<AffinityDest>(affinity_dest, k_affinity_dest);
}

namespace {

// Linux 2.6.10, i386 (reference §3.11): SD_SIBLING_INIT, SD_CPU_INIT, SD_NODE_INIT.
SchedPolicy policy_2610() {
    SchedPolicy p;
    p.smt = DomainParams{1, 2, 8, 110, 0.0, 0, 25, true, true, true, true, true, false, true};
    p.cpu = DomainParams{1, 4, 64, 125, 2500.0, 1, 100, true, true, true, false, true, true, false};
    p.node = DomainParams{8, 32, 32, 125, 10000.0, 1, 100, true, false, true, false, false, true, false};
    return p;
}

// RHEL3 2.4.21-4 (reference §2, §2.10): O(1) arrays, pull-only balancing from the tick on the
// global jiffies, nr_running min filter, the 25% test, BUSY_STEAL, sync-only wake pull, HZ=100.
// No sched domains; the domain fields are kept at 2.6.10's values and unused.
SchedPolicy policy_2421() {
    SchedPolicy p = policy_2610();
    p.timeslice = "linux-2.4";
    p.trigger = "tick_modulo";
    p.idle_rebalance_ticks = 1;
    p.busy_rebalance_ticks = 20;
    p.rhel3_update1 = false;
    p.idle_resched_every_tick = true;
    p.stagger = false;
    p.load_metric = "nr_minfilter";
    p.imbalance_algo = "o1_25pct_half";
    p.hot_test = "jiffies_last_run";
    p.cache_decay_ticks = -1;
    p.busy_steal_ignores_hot = true;
    p.idle_steal_ignores_hot = false;
    p.active_balance = "none";
    p.wake_policy = "sync_pull";
    p.exec_balance = "none";
    p.affinity_dest = "lowest_allowed_online";
    p.node_level = false;
    return p;
}

// The domain levels of 2.6.24 x86: smt = SD_SIBLING_INIT and cpu = SD_MC_INIT of
// include/linux/topology.h with the 2.6.24-rc1 fine-tuning (checked against the initializers as
// the pre-2.6.26 tree still had them: the removed side of the March 2008 SD_*_INIT cleanup patch),
// node = SD_NODE_INIT of include/asm-x86/topology_64.h:31-54.
SchedPolicy policy_2624() {
    SchedPolicy p;
    p.sched_class = "cfs";
    p.sched_latency_ns = 20e6;      // kernel/sched_fair.c:35-46 sysctl_sched_latency
    p.min_granularity_ns = 4e6;     // and sysctl_sched_min_granularity
    p.wakeup_granularity_ns = 10e6; // sched_fair.c:80 sysctl_sched_wakeup_granularity
    p.granularity_scaling = "log";  // kernel/sched.c:5024-5039 sched_init_granularity
    p.child_runs_first = true;      // sched_fair.c sysctl_sched_child_runs_first
    p.trigger = "softirq";
    p.stagger = false;
    p.first_idle_cpu_balances_upper = true;
    p.interval_cap_div = 10;        // rebalance_domains: interval <= HZ*NR_CPUS/10
    p.load_metric = "cpu_load_idx";
    p.imbalance_algo = "cfs_2624";
    p.pick_order = "rb_leftmost";
    p.nr_migrate = 32;              // kernel/sched.c:477 sysctl_sched_nr_migrate
    p.hot_test = "migration_cost";
    p.migration_cost_ns = 500000;   // sched_fair.c:82 sysctl_sched_migration_cost
    p.hot_bypass = "unless_manyfail";
    p.active_balance = "push_cpu_one";
    p.nr_failed_reset_offset = 1;   // load_balance: nr_balance_failed = cache_nice_tries+1
    p.newidle_counts_failures = true;
    p.wake_policy = "affine_2624";
    p.exec_balance = "balance_self";
    p.fork_balance = "balance_self";
    auto d = [](std::int64_t mn, std::int64_t mx, std::int64_t busy, std::int64_t pct, std::int64_t tries) {
        DomainParams x;
        x.min_interval = mn;
        x.max_interval = mx;
        x.busy_factor = busy;
        x.imbalance_pct = pct;
        x.cache_hot_time_ns = 0.0;
        x.cache_nice_tries = tries;
        return x;
    };
    // SD_SIBLING_INIT: 1, 2, 64, 110, tries 0, every index 0; LOAD_BALANCE | BALANCE_NEWIDLE |
    // BALANCE_FORK | BALANCE_EXEC | WAKE_AFFINE | WAKE_IDLE | SHARE_CPUPOWER.
    p.smt = d(1, 2, 64, 110, 0);
    p.smt.wake_idle = true;
    p.smt.wake_balance = false;
    p.smt.share_cpupower = true;
    p.smt.balance_fork = true;
    p.smt.newidle_idx = 0; // 0 since 2.6.24-rc1 ("fine-tune SD_SIBLING_INIT"; 1 before)
    // SD_MC_INIT: 1, 4, 64, 125, tries 1, busy_idx 2, idle/newidle 0, wake/forkexec 1;
    // LOAD_BALANCE | BALANCE_NEWIDLE | BALANCE_FORK | BALANCE_EXEC | WAKE_AFFINE | WAKE_IDLE |
    // SHARE_PKG_RESOURCES | BALANCE_FOR_MC_POWER (no power savings: 0).
    p.cpu = d(1, 4, 64, 125, 1);
    p.cpu.wake_idle = true;
    p.cpu.wake_balance = false;
    p.cpu.balance_fork = true;
    p.cpu.busy_idx = 2;
    p.cpu.wake_idx = 1;
    p.cpu.forkexec_idx = 1;
    // SD_NODE_INIT (x86_64): 8, 32, 32, 125, tries 2, busy 3, idle 2, newidle 0, wake 1,
    // forkexec 1; LOAD_BALANCE | BALANCE_FORK | BALANCE_EXEC | SERIALIZE | WAKE_BALANCE.
    p.node = d(8, 32, 32, 125, 2);
    p.node.balance_newidle = false;
    p.node.wake_affine = false;
    p.node.balance_fork = true;
    p.node.serialize = true;
    p.node.busy_idx = 3;
    p.node.idle_idx = 2;
    p.node.wake_idx = 1;
    p.node.forkexec_idx = 1;
    return p;
}

// Linux 4.7 (reference §5.13, sd_init): intervals from the span (0 = sd_weight ms, 2·sd_weight),
// busy_factor 32; smt = SMT, cpu = MC, node = NUMA.
SchedPolicy policy_47() {
    SchedPolicy p = policy_2624();
    p.sched_latency_ns = 6e6;
    p.min_granularity_ns = 0.75e6;
    p.wakeup_granularity_ns = 1e6;
    p.granularity_scaling = "log_cap8";
    p.child_runs_first = false;
    p.load_metric = "pelt";
    p.imbalance_algo = "cfs_47";
    p.pick_order = "cfs_tasks_head";
    p.hot_test = "migration_cost_buddy";
    p.newidle_counts_failures = false;
    p.migrator = "stopper";
    p.caller_moves_queued_task = true;
    p.hold_both_rq_locks = false;
    p.wake_policy = "select_task_rq_fair";
    p.ttwu_queue = true;
    p.exec_balance = "select_task_rq";
    p.fork_balance = "select_task_rq";
    p.lock = "queued";
    auto d = [](std::int64_t pct, std::int64_t tries, std::int64_t busy, std::int64_t idle) {
        DomainParams x;
        x.min_interval = 0;
        x.max_interval = 0;
        x.busy_factor = 32;
        x.imbalance_pct = pct;
        x.cache_hot_time_ns = 0.0;
        x.cache_nice_tries = tries;
        x.wake_idle = false;
        x.wake_balance = false;
        x.balance_fork = true;
        x.busy_idx = busy;
        x.idle_idx = idle;
        return x;
    };
    p.smt = d(110, 0, 0, 0);
    p.smt.share_cpupower = true;
    p.cpu = d(117, 1, 2, 0);
    p.node = d(125, 2, 3, 2);
    return p;
}

} // namespace

SchedPolicy SchedPolicy::for_era(const std::string& era, std::int64_t* hz) {
    std::int64_t h = 1000;
    SchedPolicy p;
    if (era == "linux-2.4.21") {
        h = 100;
        p = policy_2421();
    } else if (era == "linux-2.6.10") {
        h = 1000;
        p = policy_2610();
    } else if (era == "linux-2.6.24") {
        h = 250;
        p = policy_2624();
    } else if (era == "linux-4.7") {
        h = 250;
        p = policy_47();
    } else {
        throw ConfigError("era", "must be one of linux-2.4.21, linux-2.6.10, linux-2.6.24, "
                                 "linux-4.7, got '" + era + "'");
    }
    if (hz) *hz = h;
    return p;
}

} // namespace smp::os
