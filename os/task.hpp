// task_struct, spinlock_t, completions and the O(1) prio_array (2.6.10 kernel/sched.c).
#pragma once

#include "models/common/op.hpp"
#include "os/cpumask.hpp"
#include "os/pelt.hpp"
#include "os/qspinlock.hpp"

#include <boost/intrusive/list.hpp>
#include <boost/intrusive/set_hook.hpp>

#include <bitset>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace smp::os {

constexpr int MAX_RT_PRIO = 100;
constexpr int MAX_PRIO = 140;
constexpr long TASK_RUNNING = 0, TASK_INTERRUPTIBLE = 1, TASK_UNINTERRUPTIBLE = 2,
               TASK_STOPPED = 4, EXIT_ZOMBIE = 16, EXIT_DEAD = 32;
constexpr long TASK_WAKING = 256; // Linux 4.7: between try_to_wake_up's placement and the enqueue
constexpr unsigned PF_KTHREAD = 1, PF_NOFREEZE = 2, PF_FREEZE = 4, PF_FROZEN = 8;

enum class Policy : std::uint8_t { Normal, Fifo, RR };
enum class TaskKind : std::uint8_t { Idle, Migration, Control, User };

struct PrioArray;
class Kernel;

// spinlock_t: the lock word has a guest address; owner is the CPU holding it (-1: free).
struct SpinLock {
    Addr addr = 0;
    int owner = -1;
    bool runqueue = false;            // a runqueue's lock (its waits are charged to the path)
    std::uint64_t releases = 0;       // times released (the watchdog tells a held lock apart)
    QSpin q;                          // Linux 4.7 queued spinlock: pending bit and MCS queue
};

using RunHook = boost::intrusive::list_member_hook<>;

// --- Linux 2.6.24 / 4.7 (CFS) -------------------------------------------------------------
using CfsHook = boost::intrusive::set_member_hook<>; // se.run_node in the cfs_rq's rb-tree

// struct sched_entity (2.6.24 include/linux/sched.h): the fair class's per-task state; times in ns.
struct SchedEntity {
    unsigned long weight = 1024;      // load.weight: prio_to_weight[nice] (RT: 2 * nice -20)
    std::uint32_t inv_weight = 0;     // load.inv_weight: prio_to_wmult[nice]
    std::uint64_t vruntime = 0;
    std::uint64_t exec_start = 0;     // rq->clock when it last started or was accounted on a CPU
    std::uint64_t sum_exec_runtime = 0;
    std::uint64_t prev_sum_exec_runtime = 0;
    bool on_rq = false;               // queued on a runqueue (fair or rt class), or running
};

struct Task {
    int pid = 0;
    std::string comm;
    TaskKind kind = TaskKind::User;
    long state = TASK_RUNNING;
    unsigned flags = 0;
    Policy policy = Policy::Normal;
    int rt_priority = 0;
    int static_prio = 120;
    int prio = 120;
    unsigned time_slice = 0;          // ticks
    PrioArray* array = nullptr;       // the prio_array it is queued on, or null
    RunHook run_list;
    Cycle last_ran = 0;
    unsigned long last_run = 0;       // Linux 2.4.21: jiffies at its last schedule() as prev
    CpuMask cpus_allowed;
    int cpu = 0;                      // thread_info->cpu
    bool need_resched = false;        // TIF_NEED_RESCHED
    bool sigpending = false;          // TIF_SIGPENDING: actions to run at return to user
    int mm = -1;                      // address space (-1: kernel thread)
    int active_mm = -1;
    bool should_stop = false;         // kthread_should_stop()
    std::unique_ptr<OpSource> program; // user tasks
    std::deque<int> pending;          // actions this task performs itself (indices)
    Cycle sleep_until_jiffy = 0;      // nanosleep timer (0: none)

    // Accounting (host-side, not guest state).
    bool started = false, exited = false;
    Cycle start = 0, end = 0;
    std::uint64_t switches = 0, migrations = 0;
    long first_run_event = -1;        // migration waiting for its first run on the new CPU
    long balance_event = -1;          // 4.7: the migration of a detached task, until attached
    std::vector<std::pair<std::string, Cycle>> marks; // Mark steps: label, guest cycle
    long switch_path = -1;            // path whose switch-in on the new CPU is being timed
    std::uint64_t ret_outside_mask = 0;     // returns to user on a CPU outside cpus_allowed (checker)

    // Linux 2.6.24 / 4.7 (CFS): the sched entity and its rb-tree node.
    SchedEntity se;
    CfsHook cfs_node;
    // Linux 4.7 migration and wake-up mechanisms (stop_machine.cpp, sched_47*.cpp, pelt.cpp).
    bool stop_class = false;          // p->sched_class == &stop_sched_class (it is rq->stop)
    bool stop_queued = false;         // queued in the stop class (rq->stop runnable)
    bool migrating = false;           // on_rq == TASK_ON_RQ_MIGRATING (inside move_queued_task)
    bool on_cpu = false;              // p->on_cpu: running, or not yet fully switched out
    SpinLock pi_lock;                 // p->pi_lock: serialises wake-ups and affinity changes
    SchedAvg avg;                     // se.avg (PELT)
    unsigned wakee_flips = 0;         // record_wakee / wake_wide
    unsigned long wakee_flip_decay_ts = 0; // jiffies
    const Task* last_wakee = nullptr;
    RunHook group_node;               // se.group_node: on rq->cfs_tasks (4.7 balancer's scan list)

    bool rt() const { return prio < MAX_RT_PRIO; }
};

using RunList = boost::intrusive::list<Task, boost::intrusive::member_hook<Task, RunHook, &Task::run_list>>;
// rq->cfs_tasks (4.7): every queued fair task, the newest at the head.
using CfsTaskList =
    boost::intrusive::list<Task, boost::intrusive::member_hook<Task, RunHook, &Task::group_node>>;

struct PrioArray {
    unsigned nr_active = 0;
    std::bitset<MAX_PRIO + 1> bitmap; // bit MAX_PRIO is the delimiter, always set
    RunList queue[MAX_PRIO];
    int index = 0;                    // 0 or 1 within its runqueue (guest address)
    int cpu = 0;                      // owning runqueue

    PrioArray() { bitmap.set(MAX_PRIO); }
    int first_bit() const { return next_bit(0); } // sched_find_first_bit
    int next_bit(int from) const {
        for (int i = from; i <= MAX_PRIO; ++i) {
            if (bitmap.test(std::size_t(i))) return i;
        }
        return MAX_PRIO;
    }
    ~PrioArray() {
        for (auto& q : queue) q.clear();
    }
};

// struct completion: done counter and wait queue; lives in guest memory at addr (its lock word).
struct Completion {
    unsigned done = 0;
    SpinLock lock;
    std::deque<Task*> waiters;
};

struct SchedDomain;

// migration_req_t, on the requester's kernel stack.
struct MigrationReq {
    enum Type { MoveTask, SetDomain, TakeDown } type = MoveTask;
    Task* task = nullptr;
    int dest_cpu = -1;
    const std::vector<SchedDomain*>* domains = nullptr; // SetDomain: the CPU's new hierarchy
    Completion done;
    Addr addr = 0;
    int requester = -1;               // pid
    int reason = 0;                   // MigReason of the resulting move
    Cycle decision = 0;
    long path = -1;                   // migration path of the requester (MigPath index)
};

} // namespace smp::os
