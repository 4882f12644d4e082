// The scheduling policy of the guest kernel (reference §7.7): one struct whose fields select each
// era's mechanism and constants. cfg.kernel.era fills every field; each may then be overridden
// (ablations, e.g. the 2.6.24 policy with the 4.7 stopper as migrator).
#pragma once

#include "models/common/config_error.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace smp::os {

// One sched-domain level (SD_SIBLING_INIT / SD_CPU_INIT / SD_NODE_INIT of the era).
struct DomainParams {
    std::int64_t min_interval = 1;     // ms
    std::int64_t max_interval = 4;     // ms
    std::int64_t busy_factor = 64;
    std::int64_t imbalance_pct = 125;
    double cache_hot_time_ns = 2500.0; // 2.6.10 only
    std::int64_t cache_nice_tries = 1;
    std::int64_t per_cpu_gain = 100;
    bool load_balance = true;          // SD_LOAD_BALANCE
    bool balance_newidle = true;       // SD_BALANCE_NEWIDLE
    bool balance_exec = true;          // SD_BALANCE_EXEC
    bool wake_idle = false;            // SD_WAKE_IDLE
    bool wake_affine = true;           // SD_WAKE_AFFINE
    bool wake_balance = true;          // SD_WAKE_BALANCE
    bool share_cpupower = false;       // SD_SHARE_CPUPOWER
    bool balance_fork = false;         // SD_BALANCE_FORK (2.6.24, 4.7)
    // Indices into rq->cpu_load[] (2.6.24, 4.7): busy, idle, newly idle, wake-up, fork/exec.
    std::int64_t busy_idx = 0;
    std::int64_t idle_idx = 0;
    std::int64_t newidle_idx = 0;
    std::int64_t wake_idx = 0;
    std::int64_t forkexec_idx = 0;
    bool serialize = false;            // SD_SERIALIZE: balanced under the global 'balancing' lock (2.6.24)

    void validate(const std::string& path) const;
};

// Values of the string-valued fields, each resolved once by the kernel at construction.
enum class SchedClassKind : std::uint8_t { O1, Cfs };
enum class Trigger : std::uint8_t { TickModulo, TickDomains, Softirq };
enum class LoadMetric : std::uint8_t { NrMinFilter, CpuLoadAvg2, CpuLoadIdx, Pelt };
enum class ImbalanceAlgo : std::uint8_t { O1Pct25Half, Sd2610, Cfs2624, Cfs47 };
enum class PickOrder : std::uint8_t { ExpiredFirstTail, RbLeftmost, CfsTasksHead };
enum class HotTest : std::uint8_t { JiffiesLastRun, SdCacheHotTime, MigrationCost, MigrationCostBuddy };
enum class HotBypass : std::uint8_t { NewidleOrFewFail, UnlessManyFail };
enum class ActiveBalance : std::uint8_t { None, Visited2610, PushCpuOne };
enum class Migrator : std::uint8_t { Kthread, Stopper };
enum class WakePolicy : std::uint8_t { SyncPull, Affine2610, Affine2624, SelectTaskRqFair };
enum class ExecBalance : std::uint8_t { None, FindIdlest, BalanceSelf, SelectTaskRq };
enum class ForkBalance : std::uint8_t { ParentCpu, BalanceSelf, SelectTaskRq };
enum class Preempt : std::uint8_t { None, Voluntary };
enum class LockAlgo : std::uint8_t { Ttas, Queued };
enum class Timeslice : std::uint8_t { Rhel3, Linux26 };
enum class GranScaling : std::uint8_t { None, Log, LogCap8 };
enum class AffinityDest : std::uint8_t { LowestAllowedOnline, FirstOnlineInMask };

struct SchedPolicy {
    // Runqueue and time base.
    std::string sched_class = "o1";        // o1: prio arrays + timeslices | cfs: vruntime rb-tree
    std::string timeslice = "linux-2.6";   // o1 timeslices: linux-2.4 (10..200 ms) | linux-2.6 (5..800 ms)
    double sched_latency_ns = 20e6;        // CFS sysctl_sched_latency (before scaling)
    double min_granularity_ns = 4e6;       // CFS sysctl_sched_min_granularity
    double wakeup_granularity_ns = 10e6;   // CFS sysctl_sched_wakeup_granularity
    std::string granularity_scaling = "log"; // none | log (x 1+ilog2 ncpus) | log_cap8 (ncpus <= 8)
    bool child_runs_first = false;         // sysctl_sched_child_runs_first (CFS)

    // When balancing runs.
    std::string trigger = "tick_domains";  // tick_modulo (2.4) | tick_domains (2.6.10) | softirq
    std::int64_t idle_rebalance_ticks = 1; // tick_modulo: IDLE_REBALANCE_TICK
    std::int64_t busy_rebalance_ticks = 20; // tick_modulo: BUSY_REBALANCE_TICK (on global jiffies)
    bool rhel3_update1 = false;            // 2.4.21-9+: idle CPUs also do the busy balance, and
                                           // AGRESSIVE_IDLE_STEAL = 1
    bool idle_resched_every_tick = false;  // 2.4: the idle task is marked need_resched each tick
    std::int64_t nr_cpus = 0;              // NR_CPUS in CPU_OFFSET(cpu) = HZ*cpu/NR_CPUS (0: CPU count)
    bool stagger = true;                   // CPU_OFFSET staggering of rebalance_tick (2.6.10)
    bool first_idle_cpu_balances_upper = false; // 2.6.24 'balance' / 4.7 should_we_balance
    std::int64_t interval_cap_div = 0;     // interval cap HZ*ncpus/div (0: none)

    // What balancing does.
    std::string load_metric = "cpu_load_avg2"; // nr_minfilter | cpu_load_avg2 | cpu_load_idx | pelt
    std::string imbalance_algo = "sd_2610";    // o1_25pct_half | sd_2610 | cfs_2624 | cfs_47
    std::string pick_order = "expired_first_tail"; // expired_first_tail | rb_leftmost | cfs_tasks_head
    std::int64_t nr_migrate = 0;           // tasks examined per pass (0: unlimited)
    std::string hot_test = "sd_cache_hot_time"; // jiffies_last_run | sd_cache_hot_time |
                                                // migration_cost | migration_cost_buddy
    std::int64_t migration_cost_ns = 500000; // sysctl_sched_migration_cost (-1: always hot, 0: never)
    std::int64_t cache_decay_ticks = -1;   // 2.4 (-1: from the L2 size, smpboot.c formula)
    bool busy_steal_ignores_hot = false;   // 2.4 BUSY_STEAL
    bool idle_steal_ignores_hot = false;   // 2.4 AGRESSIVE_IDLE_STEAL
    std::string hot_bypass = "newidle_or_fewfail"; // newidle_or_fewfail (2.6.10) | unless_manyfail
    std::string active_balance = "visited_2610";   // none | visited_2610 | push_cpu_one
    std::int64_t nr_failed_reset_offset = 0; // nr_balance_failed = cache_nice_tries + this on a kick
    bool newidle_counts_failures = true;   // false in 4.7

    // How tasks move.
    std::string migrator = "kthread";      // kthread: migration_thread + request | stopper (4.7)
    bool caller_moves_queued_task = false; // 4.7 __set_cpus_allowed_ptr: move_queued_task by caller
    bool hold_both_rq_locks = true;        // double_rq_lock (<= 2.6.24) | move_queued_task (4.7)
    std::string affinity_dest = "first_online_in_mask"; // where an affinity change sends a task:
                                           // lowest_allowed_online (2.4: migration_task picks
                                           // __ffs(allowed & online) when it serves the request) |
                                           // first_online_in_mask (2.6: fixed in the request)
    std::string wake_policy = "affine_2610"; // sync_pull (2.4) | affine_2610 | affine_2624 |
                                             // select_task_rq_fair (4.7)
    bool ttwu_queue = false;               // 4.7 TTWU_QUEUE: remote-LLC wake-ups via wake_list + IPI
    std::string exec_balance = "find_idlest"; // none | find_idlest (2.6.10) | balance_self | select_task_rq
    std::string fork_balance = "parent_cpu";  // parent_cpu | balance_self | select_task_rq
    std::string preempt = "none";          // none | voluntary (might_sleep reschedules)
    std::string lock = "ttas";             // ttas byte lock (<= 2.6.24) | queued (4.7)

    // Domains: smt = siblings; cpu = the package (2.6.10 CPU, 2.6.24 / 4.7 MC);
    // node = across packages (2.6.10 NODE, 2.6.24 CPU / NODE, 4.7 DIE / NUMA).
    bool node_level = true;                // a level above the package when sockets > 1
    DomainParams smt;
    DomainParams cpu;
    DomainParams node;

    void validate(const std::string& path) const;

    SchedClassKind sched_class_kind() const;
    Timeslice timeslice_kind() const;
    GranScaling granularity_scaling_kind() const;
    Trigger trigger_kind() const;
    LoadMetric load_metric_kind() const;
    ImbalanceAlgo imbalance_algo_kind() const;
    PickOrder pick_order_kind() const;
    HotTest hot_test_kind() const;
    HotBypass hot_bypass_kind() const;
    ActiveBalance active_balance_kind() const;
    Migrator migrator_kind() const;
    WakePolicy wake_policy_kind() const;
    ExecBalance exec_balance_kind() const;
    ForkBalance fork_balance_kind() const;
    Preempt preempt_kind() const;
    LockAlgo lock_kind() const;
    AffinityDest affinity_dest_kind() const;

    // The preset of an era: hz and every field. Unknown names throw ConfigError on "era".
    static SchedPolicy for_era(const std::string& era, std::int64_t* hz = nullptr);
};

template <class P, class V> void visit_fields(P& d, V&& v) { // DomainParams
    v("min_interval", d.min_interval);
    v("max_interval", d.max_interval);
    v("busy_factor", d.busy_factor);
    v("imbalance_pct", d.imbalance_pct);
    v("cache_hot_time_ns", d.cache_hot_time_ns);
    v("cache_nice_tries", d.cache_nice_tries);
    v("per_cpu_gain", d.per_cpu_gain);
    v("load_balance", d.load_balance);
    v("balance_newidle", d.balance_newidle);
    v("balance_exec", d.balance_exec);
    v("wake_idle", d.wake_idle);
    v("wake_affine", d.wake_affine);
    v("wake_balance", d.wake_balance);
    v("share_cpupower", d.share_cpupower);
    v("balance_fork", d.balance_fork);
    v("busy_idx", d.busy_idx);
    v("idle_idx", d.idle_idx);
    v("newidle_idx", d.newidle_idx);
    v("wake_idx", d.wake_idx);
    v("forkexec_idx", d.forkexec_idx);
    v("serialize", d.serialize);
}

template <class P, class V> void visit_policy(P& p, V&& v) { // SchedPolicy, scalar fields
    v("sched_class", p.sched_class);
    v("timeslice", p.timeslice);
    v("sched_latency_ns", p.sched_latency_ns);
    v("min_granularity_ns", p.min_granularity_ns);
    v("wakeup_granularity_ns", p.wakeup_granularity_ns);
    v("granularity_scaling", p.granularity_scaling);
    v("child_runs_first", p.child_runs_first);
    v("trigger", p.trigger);
    v("idle_rebalance_ticks", p.idle_rebalance_ticks);
    v("busy_rebalance_ticks", p.busy_rebalance_ticks);
    v("rhel3_update1", p.rhel3_update1);
    v("idle_resched_every_tick", p.idle_resched_every_tick);
    v("nr_cpus", p.nr_cpus);
    v("stagger", p.stagger);
    v("first_idle_cpu_balances_upper", p.first_idle_cpu_balances_upper);
    v("interval_cap_div", p.interval_cap_div);
    v("load_metric", p.load_metric);
    v("imbalance_algo", p.imbalance_algo);
    v("pick_order", p.pick_order);
    v("nr_migrate", p.nr_migrate);
    v("hot_test", p.hot_test);
    v("migration_cost_ns", p.migration_cost_ns);
    v("cache_decay_ticks", p.cache_decay_ticks);
    v("busy_steal_ignores_hot", p.busy_steal_ignores_hot);
    v("idle_steal_ignores_hot", p.idle_steal_ignores_hot);
    v("hot_bypass", p.hot_bypass);
    v("active_balance", p.active_balance);
    v("nr_failed_reset_offset", p.nr_failed_reset_offset);
    v("newidle_counts_failures", p.newidle_counts_failures);
    v("migrator", p.migrator);
    v("caller_moves_queued_task", p.caller_moves_queued_task);
    v("hold_both_rq_locks", p.hold_both_rq_locks);
    v("affinity_dest", p.affinity_dest);
    v("wake_policy", p.wake_policy);
    v("ttwu_queue", p.ttwu_queue);
    v("exec_balance", p.exec_balance);
    v("fork_balance", p.fork_balance);
    v("preempt", p.preempt);
    v("lock", p.lock);
    v("node_level", p.node_level);
}

} // namespace smp::os
