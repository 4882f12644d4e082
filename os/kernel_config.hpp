// Guest kernel configuration: era, HZ, the scheduling policy (domain parameters) and the
// instruction budgets of the kernel primitives; plus the timed actions of an experiment.
#pragma once

#include "models/common/config_error.hpp"
#include "os/sched_policy.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace smp::os {

// The primitives of KernelCosts, in its field order (kCostFields maps each to its field).
enum class Cost : unsigned {
    irq_entry,
    irq_exit,
    tick,
    schedule,
    context_switch,
    enqueue,
    wakeup,
    load_balance,
    balance_per_cpu,
    move_task,
    migration_thread,
    syscall,
    set_cpus_allowed,
    completion,
    exec,
    fork,
    idle_entry,
    pipe,
    futex,
    softirq,
    stop_work,
    select_rq,
    Count
};

// Straight-line cycles of each kernel primitive, on top of the memory accesses it makes (those
// are timed by the memory system). Relative sizes [ASSUMED]; presets scale them as a whole
// against a published direct context-switch cost where one exists (docs/calibration.md).
struct KernelCosts {
    std::int64_t irq_entry = 120; // interrupt entry to the handler
    std::int64_t irq_exit = 60;
    std::int64_t tick = 250;            // update_process_times + scheduler_tick
    std::int64_t schedule = 250;        // schedule() without the switch
    std::int64_t context_switch = 150;  // switch_mm + switch_to
    std::int64_t enqueue = 30;          // activate_task / deactivate_task (enqueue/dequeue)
    std::int64_t wakeup = 120;          // try_to_wake_up
    std::int64_t load_balance = 150;    // one load_balance pass, without the per-CPU scan
    std::int64_t balance_per_cpu = 20;  // find_busiest_group per CPU scanned
    std::int64_t move_task = 60;        // pull_task / __migrate_task
    std::int64_t migration_thread = 80; // one loop of migration_thread
    std::int64_t syscall = 120;         // system call entry and exit
    std::int64_t set_cpus_allowed = 150;
    std::int64_t completion = 40; // complete() / wait_for_completion()
    std::int64_t exec = 2000;     // do_execve up to sched_exec
    std::int64_t fork = 5000;     // copy_process
    std::int64_t idle_entry = 50; // idle loop iteration before HLT
    std::int64_t pipe = 200;      // pipe_read / pipe_write without the copies
    std::int64_t futex = 150;     // futex wait / wake without the hash-bucket accesses
    std::int64_t softirq = 100;   // do_softirq entry and exit (SCHED_SOFTIRQ)
    std::int64_t stop_work = 60;  // cpu_stopper_thread: one cpu_stop_work taken and run
    std::int64_t select_rq = 100; // select_task_rq / sched_balance_self without the scans

    void validate(const std::string& path) const;
};

inline constexpr std::int64_t KernelCosts::*kCostFields[] = {
    &KernelCosts::irq_entry,
    &KernelCosts::irq_exit,
    &KernelCosts::tick,
    &KernelCosts::schedule,
    &KernelCosts::context_switch,
    &KernelCosts::enqueue,
    &KernelCosts::wakeup,
    &KernelCosts::load_balance,
    &KernelCosts::balance_per_cpu,
    &KernelCosts::move_task,
    &KernelCosts::migration_thread,
    &KernelCosts::syscall,
    &KernelCosts::set_cpus_allowed,
    &KernelCosts::completion,
    &KernelCosts::exec,
    &KernelCosts::fork,
    &KernelCosts::idle_entry,
    &KernelCosts::pipe,
    &KernelCosts::futex,
    &KernelCosts::softirq,
    &KernelCosts::stop_work,
    &KernelCosts::select_rq,
};
static_assert(sizeof(kCostFields) / sizeof(kCostFields[0]) == unsigned(Cost::Count));
inline std::int64_t cost_of(const KernelCosts& c, Cost k) {
    return c.*kCostFields[unsigned(k)];
}
const char* cost_name(Cost k); // the field's name ("context_switch")

// Linux 2.6.16-2.6.22's boot-time calibration of each domain level's cache_hot_time
// (calibrate_migration_costs; os/migration_calibration.hpp), with its boot parameters.
struct CalibrationConfig {
    bool enabled = false;                // run it at boot, before every task
    std::int64_t max_cache_size = -1;    // bytes; -1: the CPU's L2 as i386 reports it, 0: unknown
    std::int64_t migration_factor = 100; // percent (migration_factor=)
    std::int64_t migration_debug = 0; // 1: a line per size, 2: per measure_one (migration_debug=)
    std::string clock = "tsc";        // sched_clock(): tsc | jiffies (an unstable TSC)

    void validate(const std::string& path) const;
};

struct KernelConfig {
    bool enabled = true; // false: bare-metal, each task runs alone on its first CPU
    std::string era = "linux-2.6.10";
    std::int64_t hz = 1000;
    SchedPolicy policy;
    KernelCosts costs;
    bool trace = false; // record the kernel event trace (tests, trace output)
    CalibrationConfig calibration;

    KernelConfig() { set_era(era); }
    // Selects an era and fills hz and every policy field with that era's values.
    void set_era(const std::string& name);
    void validate(const std::string& path) const;
};

// One timed action of an experiment (smpsim.actions.*), applied in the guest.
struct ActionConfig {
    std::int64_t at = 0;            // cycle at which it is issued
    std::string kind;               // set_affinity exec fork sleep wake cpu_offline cpu_online
                                    // freeze thaw reset_stats (the platform's: end of warm-up)
    std::string task;               // the task acted on
    std::vector<std::int64_t> cpus; // set_affinity: the new mask
    std::string by;                 // set_affinity: "" = a control task on another CPU (F1),
                                    // the task's own name = the task itself (F2)
    std::int64_t cpu = -1;          // offline/online: the CPU; wake: the waker's CPU;
                                    // control actions: where the control task runs (-1: auto)
    std::int64_t duration = 0;      // sleep: cycles
    std::string child;              // fork: the child task (a task with forked = True)

    static const std::vector<std::string>& kinds();
    // Issued by a control task (taskset/N) rather than by the task itself or an interrupt.
    bool by_control_task() const;
};

// Field visitors: each struct's fields listed once, for JSON and the bindings.
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
    v("softirq", c.softirq);
    v("stop_work", c.stop_work);
    v("select_rq", c.select_rq);
}

template <class C, class V> void visit_calibration(C& c, V&& v) { // CalibrationConfig
    v("enabled", c.enabled);
    v("max_cache_size", c.max_cache_size);
    v("migration_factor", c.migration_factor);
    v("migration_debug", c.migration_debug);
    v("clock", c.clock);
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
