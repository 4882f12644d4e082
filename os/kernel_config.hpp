// Guest kernel configuration: era, HZ, the scheduling policy (domain parameters) and the
// instruction budgets of the kernel primitives; plus the timed actions of an experiment.
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
    double cache_hot_time_ns = 2500.0;
    std::int64_t cache_nice_tries = 1;
    std::int64_t per_cpu_gain = 100;
    bool load_balance = true;          // SD_LOAD_BALANCE
    bool balance_newidle = true;       // SD_BALANCE_NEWIDLE
    bool balance_exec = true;          // SD_BALANCE_EXEC
    bool wake_idle = false;            // SD_WAKE_IDLE
    bool wake_affine = true;           // SD_WAKE_AFFINE
    bool wake_balance = true;          // SD_WAKE_BALANCE
    bool share_cpupower = false;       // SD_SHARE_CPUPOWER

    void validate(const std::string& path) const;
};

// Straight-line cycles of each kernel primitive, on top of the memory accesses it makes.
// [ASSUMED] until calibrated; the accesses themselves are timed by the memory system.
struct KernelCosts {
    std::int64_t irq_entry = 120;        // interrupt entry to the handler
    std::int64_t irq_exit = 60;
    std::int64_t tick = 250;             // update_process_times + scheduler_tick
    std::int64_t schedule = 250;         // schedule() without the switch
    std::int64_t context_switch = 150;   // switch_mm + switch_to
    std::int64_t enqueue = 30;           // enqueue_task / dequeue_task
    std::int64_t wakeup = 120;           // try_to_wake_up
    std::int64_t load_balance = 150;     // one load_balance pass, without the per-CPU scan
    std::int64_t balance_per_cpu = 20;   // find_busiest_group per CPU scanned
    std::int64_t move_task = 60;         // pull_task / __migrate_task
    std::int64_t migration_thread = 80;  // one loop of migration_thread
    std::int64_t syscall = 120;          // system call entry and exit
    std::int64_t set_cpus_allowed = 150;
    std::int64_t completion = 40;        // complete() / wait_for_completion()
    std::int64_t exec = 2000;            // do_execve up to sched_exec
    std::int64_t fork = 5000;            // copy_process
    std::int64_t idle_entry = 50;        // idle loop iteration before HLT
    std::int64_t pipe = 200;             // pipe_read / pipe_write without the copies
    std::int64_t futex = 150;            // futex wait / wake without the hash-bucket accesses

    void validate(const std::string& path) const;
};

struct SchedPolicy {
    std::int64_t nr_cpus = 0;          // NR_CPUS in CPU_OFFSET(cpu) = HZ*cpu/NR_CPUS (0: CPU count)
    bool stagger = true;               // CPU_OFFSET staggering of rebalance_tick
    bool node_level = true;            // a NODE domain above the CPU level when sockets > 1
    DomainParams smt;                  // SD_SIBLING_INIT
    DomainParams cpu;                  // SD_CPU_INIT
    DomainParams node;                 // SD_NODE_INIT

    void validate(const std::string& path) const;
};

struct KernelConfig {
    bool enabled = true;               // false: bare-metal, each task runs alone on its first CPU
    std::string era = "linux-2.6.10";
    std::int64_t hz = 1000;
    SchedPolicy policy;
    KernelCosts costs;
    bool trace = false;                // record the kernel event trace (tests, trace output)

    KernelConfig() { set_era(era); }
    // Selects an era and fills hz and every policy field with that era's values.
    void set_era(const std::string& name);
    void validate(const std::string& path) const;
};

// One timed action of an experiment (smpsim.actions.*), applied in the guest.
struct ActionConfig {
    std::int64_t at = 0;               // cycle at which it is issued
    std::string kind;                  // set_affinity exec fork sleep wake cpu_offline cpu_online
                                       // freeze thaw
    std::string task;                  // the task acted on
    std::vector<std::int64_t> cpus;    // set_affinity: the new mask
    std::string by;                    // set_affinity: "" = a control task on another CPU (F1),
                                       // the task's own name = the task itself (F2)
    std::int64_t cpu = -1;             // offline/online: the CPU; wake: the waker's CPU;
                                       // control actions: where the control task runs (-1: auto)
    std::int64_t duration = 0;         // sleep: cycles
    std::string child;                 // fork: the child task (a task with forked = True)

    static const std::vector<std::string>& kinds();
    // Issued by a control task (taskset/N) rather than by the task itself or an interrupt.
    bool by_control_task() const;
};

// Field visitors: each struct's fields listed once, for JSON and the bindings.
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
}

template <class C, class V> void visit_costs(C& c, V&& v) { // KernelCosts
    v("irq_entry", c.irq_entry);
    v("irq_exit", c.irq_exit);
    v("tick", c.tick);
    v("schedule", c.schedule);
    v("context_switch", c.context_switch);
    v("enqueue", c.enqueue);
    v("wakeup", c.wakeup);
    v("load_balance", c.load_balance);
    v("balance_per_cpu", c.balance_per_cpu);
    v("move_task", c.move_task);
    v("migration_thread", c.migration_thread);
    v("syscall", c.syscall);
    v("set_cpus_allowed", c.set_cpus_allowed);
    v("completion", c.completion);
    v("exec", c.exec);
    v("fork", c.fork);
    v("idle_entry", c.idle_entry);
    v("pipe", c.pipe);
    v("futex", c.futex);
}

template <class A, class V> void visit_action(A& a, V&& v) { // ActionConfig
    v("at", a.at);
    v("kind", a.kind);
    v("task", a.task);
    v("cpus", a.cpus);
    v("by", a.by);
    v("cpu", a.cpu);
    v("duration", a.duration);
    v("child", a.child);
}

} // namespace smp::os
