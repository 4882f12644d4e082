// The guest kernel (Linux 2.6.10 model): decisions as in kernel/sched.c, every step issued as the
// memory accesses the real code makes, on the simulated core that runs it (reference §3, §7).
//
// Simplifications, each chosen so that which task moves when stays as in 2.6.10:
//  - every task is non-interactive: priority = static priority (nice), no sleep_avg bonus, an
//    expired task always goes to the expired array (reference §7.9);
//  - PREEMPT_NONE: kernel code is preempted only at explicit schedule() calls and on the return
//    to user mode; the idle loop halts (HLT), so remote wake-ups of idle CPUs send an IPI;
//  - stop_machine in cpu_down runs take_cpu_down on the dying CPU's migration thread without
//    stopping the other CPUs; kthread_stop does not wait for the thread's exit;
//  - fork: the child starts on the parent's CPU (2.6.10 has no fork balancing) without the
//    child-runs-first requeue;
//  - the local timers of all CPUs tick in the same cycle; jiffies = cycle / tick period.
//
// Linux 4.7's migration and wake-up mechanisms (cpu stopper, __set_cpus_allowed_ptr with
// move_queued_task, select_task_rq_fair with the remote wake list, queued spinlocks, PELT,
// PREEMPT_VOLUNTARY's might_sleep) run on this runqueue when the policy selects them; see the
// block "Linux 4.7 migration and wake-up mechanisms" below and stop_machine.cpp, sched_47*.cpp.
#pragma once

#include "os/hal.hpp"
#include "os/ipc.hpp"
#include "os/kernel_config.hpp"
#include "os/layout.hpp"
#include "os/runqueue.hpp"
#include "os/trace.hpp"

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace smp::os {

struct MachineShape {
    unsigned sockets = 1;
    unsigned cores_per_socket = 1;
    unsigned threads_per_core = 1;
    double freq_ghz = 2.0;
    // Size of the second-level cache as CPUID reports it (x86_cache_size), in KiB; -1: unknown.
    // Linux 2.4.21's cache_decay_ticks is computed from it (smpboot.c).
    std::int64_t l2_kib = -1;
    // CPUs sharing one last-level cache, numbered consecutively (0: a whole socket); 1 when every
    // cache is private (Linux 4.7 cpus_share_cache / sd_llc).
    unsigned llc_cpus = 0;
    unsigned cpus() const { return sockets * cores_per_socket * threads_per_core; }
};

// A user task as the experiment defines it.
struct TaskSpec {
    std::string name;
    std::unique_ptr<OpSource> program;
    std::vector<int> cpus; // cpus_allowed
    int nice = 0;
    int mm = 0;           // address space id
    bool forked = false;  // created later by a fork action
    int start_after = -1; // pid of a task whose exit starts this one
};

struct ActionResult {
    Cycle executed = 0; // 0: not (yet) executed
    int cpu = -1;
    int result = 0; // 0 or -errno
    std::string message;
};

enum class IdleType : std::uint8_t { NotIdle, Idle, NewlyIdle };

// The policy's string fields resolved once (SchedPolicy::*_kind), for the decision points.
struct PolicyKinds {
    SchedClassKind sched_class;
    Timeslice timeslice;
    GranScaling granularity_scaling;
    Trigger trigger;
    LoadMetric load_metric;
    ImbalanceAlgo imbalance_algo;
    PickOrder pick_order;
    HotTest hot_test;
    HotBypass hot_bypass;
    ActiveBalance active_balance;
    Migrator migrator;
    WakePolicy wake_policy;
    ExecBalance exec_balance;
    ForkBalance fork_balance;
    Preempt preempt;
    LockAlgo lock;
    AffinityDest affinity_dest;

    explicit PolicyKinds(const SchedPolicy& p)
        : sched_class(p.sched_class_kind()), timeslice(p.timeslice_kind()),
          granularity_scaling(p.granularity_scaling_kind()), trigger(p.trigger_kind()),
          load_metric(p.load_metric_kind()), imbalance_algo(p.imbalance_algo_kind()),
          pick_order(p.pick_order_kind()), hot_test(p.hot_test_kind()),
          hot_bypass(p.hot_bypass_kind()), active_balance(p.active_balance_kind()),
          migrator(p.migrator_kind()), wake_policy(p.wake_policy_kind()),
          exec_balance(p.exec_balance_kind()), fork_balance(p.fork_balance_kind()),
          preempt(p.preempt_kind()), lock(p.lock_kind()), affinity_dest(p.affinity_dest_kind()) {}
};

constexpr int EINVAL_ = 22, EBUSY_ = 16, ESRCH_ = 3;

class Kernel {
public:
    Kernel(Hal& hal, const KernelConfig& cfg, const MachineShape& shape);
    Kernel(const Kernel&) = delete;
    Kernel& operator=(const Kernel&) = delete;

    // Set-up, before boot().
    int add_task(TaskSpec spec);
    int add_pipe();                    // returns the pipe's id
    int add_barrier(unsigned parties); // returns the barrier's id
    void add_action(const ActionConfig& a);
    void boot();

    // Hardware entry points.
    static constexpr Cycle kAtNow = ~Cycle(0); // a cycle argument meaning "now"
    // On the thread running on cpu, irqs off; `accepted`: the cycle the CPU began taking it
    // (before the hardware's acceptance cost), by default now.
    void interrupt(int cpu, Irq vector, Cycle accepted = kAtNow);
    int action_target(std::size_t index); // which CPU takes action `index` now
    // Counterfactual run: migration record `index` is replaced by holding the task off-CPU on
    // its source until resume; cf_resume_target() names the CPU that then takes an Action
    // interrupt to wake it (-1: nothing is held).
    void set_counterfactual(long index) { m_cf_migration = index; }
    int cf_resume_target();

    // Observation.
    const std::vector<std::unique_ptr<Task>>& tasks() const { return m_tasks; }
    Task* find_task(const std::string& comm) const;
    const Task& task_of(int pid) const { return *m_tasks[std::size_t(pid)]; }
    Runqueue& rq(int cpu) { return *m_rqs[std::size_t(cpu)]; }
    const KLayout& layout() const { return m_layout; }
    const std::vector<TraceEvent>& trace() const { return m_trace; }
    const std::vector<MigrationEvent>& migrations() const { return m_migrations; }
    const std::vector<ActionResult>& action_results() const { return m_action_results; }
    const std::vector<ActionConfig>& actions() const { return m_actions; }
    const KernelStats& stats() const { return m_stats; }
    const Pipe& pipe(int id) const { return *m_pipes[std::size_t(id)]; }
    unsigned nr_cpus() const { return m_ncpus; }
    bool all_user_tasks_exited() const { return m_user_alive == 0; }
    unsigned long jiffies(int cpu) const {
        return static_cast<unsigned long>(m_hal.now(cpu) / m_tick_cycles);
    }
    unsigned long msecs_to_jiffies(unsigned long ms) const {
        return (ms * static_cast<unsigned long>(m_cfg.hz) + 999) / 1000;
    }
    // reason_detail of a CFS balancer move (2.6.24 and 4.7): lb_softirq, lb_newidle,
    // active_balance.
    static const char* cfs_balance_detail(MigReason why) {
        return why == MigReason::PeriodicBalance  ? "lb_softirq"
               : why == MigReason::NewidleBalance ? "lb_newidle"
                                                  : "active_balance";
    }
    Cycle tick_cycles() const { return m_tick_cycles; }
    // domain_distance (2.6.20 kernel/sched.c): the levels of cpu1's hierarchy climbed before
    // one spans cpu2.
    int domain_distance(int cpu1, int cpu2) const;
    // MigrationEvent::since_ran_ns: the age of p the era's hot test sees on src.
    long long since_ran_ns(const Task& p, int src) const;
    // calibrate_migration_costs' second pass: each CPU's level d gets cache_hot_time
    // cost_ns[d] (-1: never hot), kept for the domains built later (CPU hotplug).
    void set_migration_cost(const std::vector<long long>& cost_ns);
    // printk: a line of the kernel log (res.kernel_log), stamped with the cycle.
    void printk(Cycle at, std::string line) { m_log.emplace_back(at, std::move(line)); }
    const std::vector<std::pair<Cycle, std::string>>& log() const { return m_log; }
    // Conservation and affinity invariants; empty when they hold, else the first violation.
    // quiescent: the run ended with every user task exited (all requests must be complete).
    std::string check_invariants(bool quiescent) const;
    // Check mode: the invariants above after every scheduler operation (a switch, a wake-up, an
    // interrupt) that leaves no runqueue locked and no task in transit; the first violation
    // stops the run (Hal::fail) naming the cycle, the CPU, the operation and the last events.
    void set_checking(bool on) { m_checking = on; }
    // Check mode: the last kernel events, oldest first (" [cycle cpuN event pid P]" each).
    std::string recent_events() const;
    // Watchdog support: the kernel locks held now (name, owner CPU, times released so far), and
    // the state a stuck run reports (per CPU: current task, runqueue, lock owner; every task
    // that is not asleep).
    struct HeldLock {
        std::string name;
        int owner;
        std::uint64_t releases;
    };
    std::vector<HeldLock> held_locks() const;
    std::string state_dump() const;
    bool user_task_runnable() const; // some user task is TASK_RUNNING (queued or running)
    // Shares every migration path's cycles, IPIs and lock waits evenly among the records it
    // made (call once, at the end of the run, before reading migrations()).
    void finalize_paths();

    // Scheduler internals, public for the unit tests (fake HAL) and the platform.
    bool task_hot(const Task& p, Cycle now, const SchedDomain& sd) const;
    unsigned long source_load(int cpu) const;
    unsigned long target_load(int cpu) const;
    SchedGroup* find_busiest_group(SchedDomain& sd, int this_cpu, unsigned long& imbalance,
                                   IdleType idle);
    Runqueue* find_busiest_queue(const SchedGroup& group);
    int find_idlest_cpu(const Task& p, int this_cpu, const SchedDomain& sd);
    int load_balance(int this_cpu, SchedDomain& sd, IdleType idle);
    void rebalance_tick(int cpu, IdleType idle);
    unsigned task_timeslice(const Task& p) const;
    void scheduler_tick(int cpu);
    void task_tick_o1(int cpu, Runqueue& rq, Task& p); // the timeslice step, rq locked
    int try_to_wake_up(int cpu, Task& p, long state, bool sync); // the era's, then checked
    int try_to_wake_up_era(int cpu, Task& p, long state, bool sync);
    int set_cpus_allowed(int cpu, Task& p, const CpuMask& mask, MigReason why);
    void schedule(int cpu);
    // list_add(&req->list, &rq->migration_queue) with rq locked: head insertion (LIFO).
    void queue_request(int cpu, Runqueue& rq, MigrationReq& req);

    // Linux 2.4.21, RHEL3 O(1) backport (sched_2421.cpp), public for the unit tests.
    unsigned task_timeslice_2421(const Task& p) const;
    // i386 smp_tune_scheduling (RHEL3 integer form): cacheflush_time / cpu_khz * HZ / 1000.
    static unsigned long smpboot_cache_decay_ticks(double freq_ghz, std::int64_t cache_kib,
                                                   std::int64_t hz);
    unsigned long cache_decay_ticks() const; // the policy's value, or the smpboot formula
    // !(jiffies - p->last_run > cache_decay_ticks): the task left a CPU too recently.
    bool task_hot_2421(const Task& p, unsigned long jiffies) const;
    // With this_cpu's runqueue locked; returns the busiest runqueue locked too (or null).
    Runqueue* find_busiest_queue_2421(int this_cpu, bool idle, long& imbalance,
                                      const CpuMask& mask);
    // The tick's balance pass: this_rq locked around load_balance(cpu_online_map).
    int rebalance_2421(int this_cpu, bool idle);

    // --- CFS class (sched_fair.cpp; Linux 2.6.24 kernel/sched_fair.c, reused by 4.7) ---------
    // The rq clock (ns): sched_clock of a CPU, __update_rq_clock, and update_rq_clock (only on
    // the runqueue's own CPU, as the kernel's).
    std::uint64_t sched_clock(int cpu) { return cycles_to_ns(now(cpu)); }
    std::uint64_t cycles_to_ns(Cycle c) const;
    std::uint64_t tick_nsec() const { return cycles_to_ns(m_tick_cycles); }
    void update_rq_clock_raw(int cpu, Runqueue& rq);
    void update_rq_clock(int cpu, Runqueue& rq);
    const CfsTunables& cfs_tunables() const { return m_cfs; }
    bool fair_task(const Task& p) const { return p.kind != TaskKind::Idle && !p.rt(); }
    // Queued on a runqueue of any class (O(1) array, rt array or cfs_rq) or running on a CFS rq
    // (task_on_rq_queued; the 4.7 stop class too).
    bool task_queued(const Task& p) const {
        return p.array != nullptr || p.se.on_rq || p.stop_queued;
    }
    void update_curr(int cpu, Runqueue& rq);
    void place_entity(int cpu, Runqueue& rq, Task& p, bool initial);
    void enqueue_entity(int cpu, Runqueue& rq, Task& p, bool wakeup);
    void dequeue_entity(int cpu, Runqueue& rq, Task& p);
    void set_next_entity(int cpu, Runqueue& rq, Task& p);
    void put_prev_entity(int cpu, Runqueue& rq, Task& prev);
    void entity_tick(int cpu, Runqueue& rq, Task& curr);
    void check_preempt_tick(int cpu, Runqueue& rq, Task& curr);
    void check_preempt_wakeup(int cpu, Runqueue& rq, Task& p);
    void clear_buddies(int cpu, Runqueue& rq, const Task& p);
    bool buddy_preferred(const Task& se, const Task& left) const;
    void task_new_fair(int cpu, Runqueue& rq, Task& p);
    Task* first_fair(Runqueue& rq);         // leftmost queued entity (not curr)
    Task* next_fair(Runqueue& rq, Task& p); // rb_next
    // The class dispatch of a CFS kernel: rt (prio array) before fair before idle.
    void enqueue_task_cfs(int cpu, Runqueue& rq, Task& p, bool wakeup);
    void dequeue_task_cfs(int cpu, Runqueue& rq, Task& p);
    void update_curr_rt(Runqueue& rq);
    Task& pick_next_task_cfs(int cpu, Runqueue& rq, Task& prev); // put_prev_task + pick_next_task
    // check_preempt_curr by the class of rq->curr (O(1) kernels and the 4.7 stop class:
    // TASK_PREEMPTS_CURR with resched_curr).
    void check_preempt_curr(int cpu, Runqueue& rq, Task& p);
    void wake_up_new_task_cfs(int cpu, Task& p);

    // --- Linux 2.6.24 (sched_2624.cpp): hot test, softirq balancing, wake-up and exec/fork ------
    bool task_hot_2624(const Task& p, std::uint64_t now_ns) const;
    // rq->load.weight (2.6.24), or PELT's runnable_load_avg when a 4.7 placement or balancer
    // reads it (4.7 cfs_rq_runnable_load_avg; on the O(1) runqueue too, which has no weights).
    unsigned long weighted_cpuload(int cpu) const {
        const Runqueue& rq = *m_rqs[std::size_t(cpu)];
        return m_pelt && m_kind.load_metric != LoadMetric::CpuLoadIdx ? rq.runnable.load_avg
                                                                      : rq.load_weight;
    }
    unsigned long source_load_idx(int cpu, int type) const;
    unsigned long target_load_idx(int cpu, int type) const;
    unsigned long cpu_avg_load_per_task(int cpu) const;
    void update_cpu_load_idx(Runqueue& rq);
    void scheduler_tick_cfs(int cpu);
    void run_rebalance_domains(int cpu);
    void rebalance_domains(int cpu, IdleType idle);
    // balance: the 'balance' flag of rebalance_domains (null: newly idle).
    int load_balance_2624(int this_cpu, SchedDomain& sd, IdleType idle, int& balance);
    SchedGroup* find_busiest_group_2624(SchedDomain& sd, int this_cpu, unsigned long& imbalance,
                                        IdleType idle, int& sd_idle, const CpuMask& cpus,
                                        int* balance);
    Runqueue* find_busiest_queue_2624(const SchedGroup& group, unsigned long imbalance,
                                      const CpuMask& cpus);
    int load_balance_newidle_2624(int this_cpu, SchedDomain& sd);
    void idle_balance_2624(int this_cpu);
    void active_load_balance_2624(int busiest_cpu);
    int try_to_wake_up_2624(int cpu, Task& p, long state, bool sync);
    int wake_idle_2624(int cpu, int target, const Task& p);
    SchedGroup* find_idlest_group(const SchedDomain& sd, const Task& p, int this_cpu);
    int find_idlest_cpu_2624(const SchedGroup& group, const Task& p, int this_cpu);
    int sched_balance_self(int cpu, const Task& p, bool fork);

    // --- Linux 4.7 balancing (sched_47_balance.cpp) ---------------------------------------------
    struct LbEnv;
    bool task_hot_47(const Task& p, const Runqueue& src, const Runqueue& dst) const;
    bool can_migrate_task_47(int exec, Task& p, LbEnv& env);
    void detach_task_47(int exec, Task& p, LbEnv& env, MigReason why);
    void attach_task_47(int exec, Runqueue& dst, Task& p);
    int detach_tasks_47(int exec, LbEnv& env, MigReason why);
    void attach_tasks_47(int exec, LbEnv& env);
    bool should_we_balance_47(int exec, const LbEnv& env);
    SchedGroup* find_busiest_group_47(int exec, LbEnv& env);
    Runqueue* find_busiest_queue_47(const LbEnv& env, const SchedGroup& group);
    unsigned long min_interval_47(const SchedDomain& sd) const; // 0 in the policy: sd_weight ms
    unsigned long max_interval_47(const SchedDomain& sd) const; // 0: 2 * sd_weight ms
    int load_balance_47(int this_cpu, SchedDomain& sd, IdleType idle, int& continue_balancing);
    void active_balance_kick_47(int cpu, Runqueue& busiest);
    void rebalance_domains_47(int cpu, IdleType idle);
    int idle_balance_47(int this_cpu);
    void update_avg_idle(int cpu, Runqueue& rq);
    std::uint64_t migration_cost_ns() const;
    bool rd_overload() const { return m_rd_overload; }
    // ---- Linux 4.7 migration and wake-up mechanisms (phase 1: any runqueue type) ----
    // Placement of select_task_rq_fair (sched_47_wake.cpp), public for the unit tests.
    enum class SdFlag : std::uint8_t { Wake, Exec, Fork }; // SD_BALANCE_WAKE / _EXEC / _FORK
    struct Placement {
        int cpu;
        const char* detail; // the function that chose cpu (wake_affine, select_idle_sibling, ...)
    };
    Placement select_task_rq_fair(int cpu, Task& p, int prev_cpu, SdFlag flag, bool sync);
    bool wake_affine(int cpu, const SchedDomain& sd, const Task& p, bool sync);
    int select_idle_sibling(int cpu, const Task& p, int target);
    // cpu runs the code; this_cpu is the descent's CPU (find_idlest_group(sd, p, this_cpu, ...)).
    SchedGroup* find_idlest_group_47(int cpu, const SchedDomain& sd, const Task& p, int this_cpu);
    int find_idlest_group_cpu(int cpu, const SchedGroup& group, const Task& p, int this_cpu);
    bool cpus_share_cache(int a, int b) const;
    unsigned llc_size() const;                // CPUs per last-level cache
    const SchedDomain* sd_llc(int cpu) const; // the highest domain within cpu's LLC, or null
    unsigned long capacity_of(int cpu) const; // 1024, or smt_gain / siblings
    bool idle_cpu_47(int exec, int cpu);      // curr is idle, nothing queued, no pending wake-ups
    const CpuStopper& stopper(int cpu) const { return m_stoppers[std::size_t(cpu)]; }
    void pelt_tick(int cpu); // entity_tick's update_load_avg of curr and rq

private:
    friend struct KernelAccess;
    // Primitives with their access scripts (kmem.cpp).
    Source R(int cpu, Addr a) { return mem(cpu, KAccess::Read, a); }
    Source W(int cpu, Addr a) { return mem(cpu, KAccess::Write, a); }
    Source A(int cpu, Addr a) { return mem(cpu, KAccess::Atomic, a); }
    Source mem(int cpu, KAccess kind, Addr a);
    void text(int cpu, Text t, Cost budget); // instruction fetches, then the budget
    void spin_lock(int cpu, SpinLock& l);
    bool spin_trylock(int cpu, SpinLock& l);
    void spin_unlock(int cpu, SpinLock& l);
    void spin_unlock_irq(int cpu, SpinLock& l); // and interrupts back on
    Runqueue& task_rq_lock(int cpu, Task& p);
    void double_rq_lock(int cpu, Runqueue& a, Runqueue& b);
    void double_rq_unlock(int cpu, Runqueue& a, Runqueue& b);
    void double_lock_balance(int cpu, Runqueue& this_rq, Runqueue& busiest);
    void enqueue_task(int cpu, Task& p, PrioArray& array);
    void dequeue_task(int cpu, Task& p, PrioArray& array);
    void activate_task(int cpu, Task& p, Runqueue& rq,
                       bool wakeup = false); // wakeup: CFS place_entity
    void deactivate_task(int cpu, Task& p, Runqueue& rq);
    void set_task_cpu(int cpu, Task& p, int new_cpu);
    void resched_task(int cpu, Task& p);
    void set_need_resched(int cpu, Task& p);
    void send_resched_ipi(int from, int to);
    // TASK_PREEMPTS_CURR; the 4.7 stop class preempts everything and is preempted by nothing.
    bool task_preempts_curr(const Task& p, const Runqueue& rq) const {
        if (rq.curr->stop_class || p.stop_class) return !rq.curr->stop_class;
        return p.prio < rq.curr->prio;
    }
    bool task_running(const Runqueue& rq, const Task& p) const { return rq.curr == &p; }
    bool idle_cpu(int cpu) const {
        return m_rqs[std::size_t(cpu)]->curr == m_rqs[std::size_t(cpu)]->idle;
    }
    bool cpu_and_siblings_are_idle(int cpu) const;
    Addr array_addr(const Task& p, int prio, const PrioArray& a) const;

    // Core scheduler (sched_core.cpp).
    void context_switch(int cpu, Runqueue& rq, Task& prev, Task& next);
    void finish_task_switch(int cpu, Task& prev);
    int wake_up_process(int cpu, Task& p) {
        return try_to_wake_up(cpu, p, TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE, false);
    }
    void wake_up_new_task(int cpu, Task& p);
    void complete(int cpu, Completion& x);
    void wait_for_completion(int cpu, Task& self, Completion& x);
    void ret_to_user(Task& p);
    void do_exit(Task& p);
    void run_timers(int cpu);

    // Balancing (sched_balance.cpp).
    // `exec` is the CPU running the code, this_cpu the one receiving tasks.
    int move_tasks(int exec, int this_cpu, Runqueue& this_rq, Runqueue& busiest,
                   unsigned long max_nr_move, SchedDomain& sd, IdleType idle, MigReason why);

    // Linux 2.6.24 balancing internals (sched_2624.cpp). `exec` is the CPU running the code.
    struct BalanceIter;
    int move_tasks_2624(int exec, int this_cpu, Runqueue& this_rq, Runqueue& busiest,
                        unsigned long max_load_move, SchedDomain& sd, IdleType idle,
                        int& all_pinned, MigReason why);
    unsigned long balance_tasks(int exec, int this_cpu, Runqueue& this_rq, Runqueue& busiest,
                                unsigned long max_load_move, SchedDomain& sd, IdleType idle,
                                int& all_pinned, int& this_best_prio, BalanceIter& it,
                                MigReason why);
    bool can_migrate_task_2624(int exec, Task& p, Runqueue& rq, int this_cpu, SchedDomain& sd,
                               IdleType idle, int& all_pinned);
    bool task_hot_at(const Task& p, const Runqueue& src, const SchedDomain& sd) const;
    void pull_task_2624(int exec, Runqueue& src, Task& p, Runqueue& dst, MigReason why, bool hot);
    int move_one_task(int exec, int this_cpu, Runqueue& this_rq, Runqueue& busiest, SchedDomain& sd,
                      IdleType idle);
    void sched_exec_2624(Task& self);
    int sched_fork_2624(Task& parent, Task& child);
    void migrate_task_cfs(int cpu, Task& p, Runqueue& rq_src, Runqueue& rq_dest, MigReason why,
                          const char* detail, const char* mechanism, Cycle decided);
    bool can_migrate_task(int exec, Task& p, Runqueue& rq, int this_cpu, SchedDomain& sd,
                          IdleType idle);
    void pull_task(int cpu, Runqueue& src, PrioArray& src_array, Task& p, Runqueue& dst,
                   PrioArray& dst_array, MigReason why, bool hot);
    int load_balance_newidle(int this_cpu, SchedDomain& sd);
    void idle_balance(int this_cpu);
    void active_load_balance(int busiest_cpu);
    void sched_exec(Task& self);
    void sched_migrate_task(Task& self, int dest_cpu);

    // Migration threads, affinity, hotplug, freezer, actions (sched_migration.cpp).
    bool migrate_task(int cpu, Task& p, int dest_cpu, MigrationReq& req);
    void migrate_task_now(int cpu, Task& p, int src, int dest, MigReason why, const char* detail,
                          const char* mechanism, Cycle decided);
    MigrationReq make_req(const Task& requester, MigReason why, Cycle decided);
    class PathScope;
    void wake_and_wait(int cpu, Task& self, Runqueue& rq, MigrationReq& req,
                       PathScope* path = nullptr);
    void task_rq_unlock(int cpu, Runqueue& rq);
    void take_cpu_down(int cpu);
    std::vector<SchedDomain*> domains_of(int cpu);
    // The era's hot test for the record of a move decided on `cpu` (-1: not evaluated).
    int hot_verdict(const Task& p, int src, int dst, int cpu);
    Task& new_migration_thread(int cpu);
    void migration_thread(int cpu);
    void idle_loop(int cpu);
    void control_task(int cpu);
    void user_main(Task& p);
    void user_op(Task& p, const Op& op); // one operation of user_main, interrupts after it
    void perform(Task& self, std::size_t action);
    int cpu_down(Task& self, int cpu);
    int cpu_up(Task& self, int cpu);
    void migrate_live_tasks(int self_cpu, int dead_cpu);
    void refrigerator(Task& p);
    void do_fork(Task& parent, Task& child);
    void nanosleep(Task& self, Cycle duration);

    // System operations of user programs (ipc.cpp): returns the value handed to the program.
    std::int64_t user_sys(Task& self, const Op& op);
    long pipe_read(Task& self, Pipe& pipe, Addr buf, unsigned count);
    long pipe_write(Task& self, Pipe& pipe, Addr buf, unsigned count);
    void barrier_wait(Task& self, Barrier& b);
    // Drops pipe->sem, sleeps on the pipe's wait queue until woken, takes the sem again.
    void pipe_wait(Task& self, Pipe& pipe);
    // __wake_up: every waiter of q through try_to_wake_up (sync: the waker is about to sleep).
    void wake_up(int cpu, WaitQueue& q, bool sync);
    // copy_to_user / copy_from_user between a user buffer and a kernel area, line by line.
    void copy_user(int cpu, Addr user, Addr kernel, unsigned n, bool to_user);
    // Counterfactual run: the record about to be made is the one to hold instead.
    bool cf_due() const {
        return m_cf_migration >= 0 && long(m_migrations.size()) == m_cf_migration;
    }
    long move_or_hold(int cpu, Task& p, int src, int dst, MigReason why, const char* detail,
                      const char* mechanism, Cycle decided);
    void cf_hold(int cpu, Task& p, int src, int dst, MigReason why, const char* detail,
                 const char* mechanism, Cycle decided);
    // Records a change of p's CPU decided by code running on `cpu`; returns the record's index.
    long record_migration(int cpu, Task& p, int src, int dst, MigReason why, const char* detail,
                          const char* mechanism, int hot, Cycle decision);
    // arch_init_sched_domains for the online CPUs: each CPU's new hierarchy (not installed).
    std::vector<std::vector<SchedDomain*>> build_domains(unsigned long now_jiffies);
    // cpu_attach_domain for every online CPU: directly on this CPU, through a REQ_SET_DOMAIN
    // request to the migration thread of every other one.
    void attach_domains(Task& self, const std::vector<std::vector<SchedDomain*>>& fresh);
    void attach_domains(int cpu);

    // Migration paths. A path is opened on a CPU around code that may move tasks; it becomes
    // real (a MigPath) when a move is recorded under it; otherwise its cycles, IPIs and waits go
    // to the enclosing open path on that CPU, if any. Paths never stay open across a block.
    // An interrupt opens a barrier (id kIrqBarrier): its time is no path's.
    // Each path's cycles are split by kind (PathSplit): time passes on a path only in the timed
    // primitives below, so the parts sum to the path's cycles.
    struct OpenPath {
        long id = -1;
        bool switch_in = false; // the switch into a migrated task (closed by finish_task_switch)
        Cycle begin = 0;
        Cycle t0 = 0;
        Cycle acc = 0;
        Cycle framed0 = 0; // m_framed[cpu] at begin
        int ipis = 0;
        Cycle wait = 0;
        PathSplit split;
        std::array<std::uint32_t, unsigned(Cost::Count)> calls{};
    };
    static constexpr long kIrqBarrier = -2;
    OpenPath* open_path(int cpu) {
        auto& open = m_open[std::size_t(cpu)];
        return open.empty() ? nullptr : &open.back();
    }
    // Opens a path frame at cycle t (default: now); an interrupt's barrier opens where the CPU
    // began accepting it.
    void path_begin(int cpu, long id = -1, Cycle t = kAtNow);
    void path_end(int cpu);
    // Runs f, charging the cycles it takes on `cpu` (less any nested path frames, i.e.
    // interrupts taken meanwhile) to `part` of the open path, if any.
    template <class F> void on_path(int cpu, Cycle PathSplit::*part, F&& f) {
        const OpenPath* top = open_path(cpu);
        if (!top || top->id == kIrqBarrier) return void(f());
        const Cycle t0 = now(cpu), framed0 = m_framed[std::size_t(cpu)];
        f();
        open_path(cpu)->split.*part += now(cpu) - t0 - (m_framed[std::size_t(cpu)] - framed0);
    }
    void kcompute(int cpu, Cost c);                           // a primitive's straight-line budget
    void kspin(int cpu, const std::function<bool()>& until) { // busy-waits until until()
        on_path(cpu, &PathSplit::spin, [&] { m_hal.spin(cpu, until); });
    }
    long path_new();
    class PathScope {
    public:
        PathScope(Kernel& k, int cpu, long id = -1, Cycle t = kAtNow) : m_k(k), m_cpu(cpu) {
            k.path_begin(cpu, id, t);
        }
        ~PathScope() { close(); }
        void close() {
            if (m_cpu >= 0) m_k.path_end(m_cpu);
            m_cpu = -1;
        }
        PathScope(const PathScope&) = delete;
        PathScope& operator=(const PathScope&) = delete;

    private:
        Kernel& m_k;
        int m_cpu;
    };

    // Tracing.
    // Records a trace event when cfg.trace is on (the check is here, not at the call sites).
    void ev(Ev e, int cpu, int pid, long long a = 0, long long b = 0, Addr addr = 0) {
        if (!m_cfg.trace && !m_checking) return;
        const TraceEvent t{cpu >= 0 ? m_hal.now(cpu) : 0, e, cpu, pid, a, b, addr};
        if (m_cfg.trace) m_trace.push_back(t);
        if (m_checking) remember(t);
    }
    void remember(const TraceEvent& e); // check mode: keeps the last kRecentEvents
    void sched_checkpoint(int cpu, const char* after);
    static constexpr std::size_t kRecentEvents = 12;
    bool m_checking = false;
    bool m_check_failed = false;
    std::vector<TraceEvent> m_recent; // ring of the last kRecentEvents events
    std::size_t m_recent_next = 0;
    Cycle now(int cpu) { return m_hal.now(cpu); }
    Task& current(int cpu) { return *m_rqs[std::size_t(cpu)]->curr; }
    Runqueue& cpu_rq(int cpu) { return *m_rqs[std::size_t(cpu)]; }

    Hal& m_hal;
    KernelConfig m_cfg;
    const SchedPolicy& m_policy = m_cfg.policy; // the era's fields (m_cfg.policy)
    PolicyKinds m_kind{m_cfg.policy};
    CfsTunables m_cfs;           // CFS sysctls after sched_init_granularity
    SpinLock m_balancing;        // 2.6.24 'balancing' (SD_SERIALIZE levels)
    bool m_rd_overload = false;  // 4.7 rd->overload: some runqueue has 2+ tasks
    Task* m_cf_waking = nullptr; // counterfactual: the held task being resumed
    MachineShape m_shape;
    unsigned m_ncpus;
    Cycle m_tick_cycles;
    KLayout m_layout;
    CpuMask m_online;
    std::vector<std::unique_ptr<Task>> m_tasks;
    std::vector<std::unique_ptr<Runqueue>> m_rqs; // after m_tasks: destroyed (queues cleared) first
    std::vector<std::unique_ptr<SchedDomain>> m_domains;
    std::vector<std::unique_ptr<SchedGroup>> m_groups;
    std::vector<Task*> m_control;                        // control task per CPU (or null)
    std::vector<std::vector<std::size_t>> m_inbox;       // actions delivered to each CPU
    std::vector<std::deque<std::size_t>> m_control_work; // actions waiting for ctl/N
    std::vector<ActionConfig> m_actions;
    std::vector<ActionResult> m_action_results;
    std::vector<std::vector<int>> m_start_after; // pid -> tasks started at its exit
    std::vector<long long> m_migration_cost;     // ns per domain level, once calibrated
    std::vector<std::pair<Cycle, std::string>> m_log;
    std::vector<std::vector<int>> m_timers;      // per CPU: pids with a nanosleep timer
    std::vector<char> m_irq_taken;               // per CPU: an interrupt was taken (HLT, ret)
    std::vector<char> m_dead;                    // per CPU: parked in play_dead
    SpinLock m_tasklist_lock;
    std::vector<TraceEvent> m_trace;
    std::vector<std::unique_ptr<Pipe>> m_pipes;
    std::vector<std::unique_ptr<Barrier>> m_barriers;
    std::vector<MigrationEvent> m_migrations;
    KernelStats m_stats;
    unsigned m_user_alive = 0;
    std::size_t m_actions_issued = 0;
    std::vector<MigPath> m_paths;
    std::vector<std::vector<OpenPath>> m_open; // per CPU: nested open paths
    std::vector<long> m_event_path;            // per migration record: its path (or -1)
    std::vector<Cycle> m_framed;               // per CPU: cycles of closed path frames
    long m_cf_migration = -1;                  // counterfactual: the record to suppress
    Task* m_cf_held = nullptr;                 // the task held off-CPU in its place
    int m_cf_pending = -1;                     // CPU that wakes it at its next Action interrupt
    bool m_cf_resumed = false; // the resumption time came (before the hold, if ever)
    std::string blocked_forever();

    // Linux 2.4.21, RHEL3 O(1) backport (sched_2421.cpp).
    void stamp_last_run_2421(int cpu, Task& prev);
    void scheduler_tick_2421(int cpu);
    void rebalance_tick_2421(int cpu, IdleType idle);
    // Called with this_rq locked (from the tick or from schedule() with an empty runqueue).
    int load_balance_2421(int this_cpu, bool idle, const CpuMask& mask, MigReason why);
    long double_lock_balance_2421(int cpu, Runqueue& this_rq, Runqueue& busiest, bool idle,
                                  long nr_running);
    bool can_migrate_task_2421(int cpu, Task& p, Runqueue& rq, int this_cpu, bool idle);
    void pull_task_2421(int cpu, Runqueue& src, PrioArray& src_array, Task& p, Runqueue& dst,
                        MigReason why);
    void wake_up_cpu_2421(int cpu, Runqueue& rq, int target, Task& p);
    void activate_task_nostat_2421(int cpu, Task& p, Runqueue& rq); // __activate_task
    int try_to_wake_up_2421(int cpu, Task& p, long state, bool sync);
    int set_cpus_allowed_2421(int cpu, Task& p, const CpuMask& mask, MigReason why);
    void migration_move_2421(int cpu, MigrationReq& req); // migration_task's move of one request
    // ---- Linux 4.7 migration and wake-up mechanisms (phase 1: any runqueue type) ----
    // Stop class and cpu stopper (stop_machine.cpp).
    Task& new_stopper_thread(int cpu);
    void smpboot_stopper(int cpu); // smpboot_thread_fn of migration/N
    bool cpu_stop_should_run(int cpu);
    void cpu_stopper_thread(int cpu);
    bool cpu_stop_queue_work(int cpu, int target, CpuStopWork& work);
    void cpu_stop_signal_done(int cpu, CpuStopDone& done, int requester);
    // stop_one_cpu: work (fn, task, path set by the caller) and done on the caller's stack; the
    // caller's part of the path ends where it blocks. Returns fn's result, -ENOENT if offline.
    int stop_one_cpu(int cpu, int target, CpuStopWork& work, PathScope* path = nullptr);
    bool stop_one_cpu_nowait(int cpu, int target, CpuStopWork& buf);
    void enqueue_stop(int cpu, Task& p, Runqueue& rq);
    void dequeue_stop(int cpu, Task& p, Runqueue& rq);
    Task* pick_next_task_stop(int cpu, Runqueue& rq);
    void active_balance_kick(int cpu, Runqueue& busiest); // 2.6.10 active balance via the stopper
    void stop_take_cpu_down(Task& self, int x);           // cpu_down's stop_machine step
    void stop_set_domain(Task& self, int c, const std::vector<SchedDomain*>& doms);
    // Affinity, move_queued_task, exec and fork placement, voluntary preemption (sched_47.cpp).
    int set_cpus_allowed_ptr(int cpu, Task& p, const CpuMask& mask, MigReason why);
    int migration_cpu_stop(int cpu, Task& p, int dest, MigReason why, const char* detail,
                           Cycle decided);
    // move_queued_task with rq (p's) locked: returns the destination's runqueue, locked.
    Runqueue& move_queued_task(int cpu, Runqueue& rq, Task& p, int new_cpu, MigReason why,
                               const char* detail, const char* mechanism, Cycle decided);
    void migrate_task_unlocked(int cpu, Task& p, int src, int dest, MigReason why,
                               const char* detail, const char* mechanism, Cycle decided);
    void set_task_cpu_47(int cpu, Task& p, int new_cpu);
    SpinLock& pi_lock(Task& p);
    Runqueue& task_rq_lock_47(int cpu, Task& p); // p->pi_lock, then its runqueue
    void task_rq_unlock_47(int cpu, Runqueue& rq, Task& p);
    Runqueue& task_rq_lock_only(int cpu, Task& p); // __task_rq_lock (pi_lock already held)
    void rq_lock(int cpu, Runqueue& rq);           // traced runqueue lock of the 4.7 paths
    void rq_unlock(int cpu, Runqueue& rq);
    void sched_exec_47(Task& self);
    void sched_migrate_task_stopper(Task& self, int dest);
    void wake_up_new_task_47(int cpu, Task& p);
    void might_sleep(Task& self); // cond_resched under PREEMPT_VOLUNTARY
    bool wakeup_falls_back() const { return m_kind.wake_policy == WakePolicy::SelectTaskRqFair; }
    // PELT of the tracked (SCHED_NORMAL user) tasks and their runqueues.
    bool pelt_tracked(const Task& p) const {
        return p.policy == Policy::Normal && p.kind == TaskKind::User && !p.stop_class;
    }
    std::uint64_t clock_ns(int cpu);
    void pelt_enqueue(int cpu, Task& p, int rq_cpu);
    void pelt_dequeue(int cpu, Task& p, int rq_cpu);
    void pelt_boot(Task& t);
    // Wake-up path (sched_47_wake.cpp).
    int try_to_wake_up_47(int cpu, Task& p, long state, bool sync);
    int select_task_rq(int cpu, Task& p, SdFlag flag, bool sync, const char*& detail);
    int select_fallback_rq(int cpu, Task& p, int from);
    void ttwu_queue(int cpu, Task& p, int target);
    void ttwu_do_activate(int cpu, Runqueue& rq, Task& p);
    void sched_ttwu_pending(int cpu);
    void scheduler_ipi(int cpu);
    void resched_curr(int cpu, Runqueue& rq);
    void record_wakee(int cpu, Task& p);
    bool wake_wide(int cpu, const Task& p);
    // Queued spinlocks (qspinlock.cpp).
    void queued_spin_lock(int cpu, SpinLock& l);
    bool queued_spin_trylock(int cpu, SpinLock& l);

    std::vector<CpuStopper> m_stoppers; // per CPU (migrator "stopper")
    // PELT is kept when a 4.7 placement reads it (or the balancer's metric is PELT).
    const bool m_pelt = m_kind.wake_policy == WakePolicy::SelectTaskRqFair ||
                        m_kind.exec_balance == ExecBalance::SelectTaskRq ||
                        m_kind.fork_balance == ForkBalance::SelectTaskRq ||
                        m_kind.load_metric == LoadMetric::Pelt;
};

} // namespace smp::os
