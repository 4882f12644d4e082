// struct runqueue (per CPU) and the sched-domain hierarchy built from the platform topology.
#pragma once

#include "os/kernel_config.hpp"
#include "os/sched_fair.hpp"
#include "os/stop_machine.hpp"
#include "os/task.hpp"

#include <deque>
#include <vector>

namespace smp::os {

constexpr unsigned long SCHED_LOAD_SCALE = 128;

struct SchedGroup {
    CpuMask cpumask;
    unsigned long cpu_power = SCHED_LOAD_SCALE;
    Addr addr = 0;
    int imbalance = 0; // 4.7 sgc->imbalance: a balance below failed for affinity (shared)
};

enum class Level : std::uint8_t { Smt, Cpu, Node };

// One per CPU per level: runtime fields are written only by their owner CPU.
struct SchedDomain {
    Level level = Level::Cpu;
    int index = 0;                       // 0 = lowest level of this CPU
    SchedDomain* parent = nullptr;
    std::vector<SchedGroup*> groups;     // circular, starting with the local group
    CpuMask span;
    DomainParams params;
    Cycle cache_hot_time = 0;            // cycles
    unsigned long last_balance = 0;      // jiffies
    unsigned long balance_interval = 1;  // ms
    unsigned nr_balance_failed = 0;
    Addr addr = 0;
    // 4.7: the most one new-idle balance of this level cost (ns), decayed 253/256 per second.
    std::uint64_t max_newidle_lb_cost = 0;
    unsigned long next_decay_max_lb_cost = 0; // jiffies
};

struct Runqueue {
    int cpu = 0;
    SpinLock lock;
    unsigned long nr_running = 0;
    unsigned long cpu_load = 0;
    Cycle timestamp_last_tick = 0;
    Task* curr = nullptr;
    Task* idle = nullptr;
    PrioArray arrays[2];
    PrioArray* active = &arrays[0];
    PrioArray* expired = &arrays[1];
    std::vector<SchedDomain*> domains;   // bottom-up (rq->sd and its parents)
    int active_balance = 0;
    int push_cpu = 0;
    Task* migration_thread = nullptr;
    std::deque<MigrationReq*> migration_queue;
    Task* prev_task = nullptr;           // the task switched out last (finish_task_switch)
    // Linux 2.4.21: this runqueue's memory of every CPU's nr_running at its last balance
    // (int prev_cpu_load[NR_CPUS], the min filter of find_busiest_queue); sized on first use.
    std::vector<long> prev_cpu_load;

    // --- Linux 2.6.24 / 4.7 (CFS): rq->cfs, rq->load, cpu_load[], the rq clock, SCHED_SOFTIRQ.
    // RT tasks stay in arrays[0] (rq->rt.active); the fair class is cfs.
    CfsRq cfs;
    unsigned long load_weight = 0;       // rq->load.weight: all queued tasks (L0)
    unsigned long cpu_loads[5] = {};     // rq->cpu_load[CPU_LOAD_IDX_MAX] (L0)
    std::uint64_t clock = 1;             // rq->clock, ns (sched_init: 1)
    std::uint64_t prev_clock_raw = 0;
    std::uint64_t tick_timestamp = 0;
    unsigned long next_balance = 0;      // jiffies (sched_init: jiffies)
    bool idle_at_tick = false;
    bool softirq_pending = false;        // SCHED_SOFTIRQ raised on this CPU

    // Linux 4.7 mechanisms (stop_machine.cpp, sched_47*.cpp, pelt.cpp).
    Task* stop = nullptr;                // rq->stop: the stopper, picked before every class
    std::deque<Task*> wake_list;         // llist of remotely queued wake-ups, newest first
    CpuStopWork active_balance_work;     // the stop_one_cpu_nowait buffer of active balancing
    SchedAvg runnable;                   // cfs_rq runnable_load_sum / runnable_load_avg
    unsigned long pelt_weight = 0;       // cfs_rq->load.weight of the queued tracked tasks
    std::uint64_t avg_idle = 0;          // 4.7 rq->avg_idle (ns), update_avg of idle periods
    std::uint64_t max_idle_balance_cost = 0; // ns
    Cycle idle_stamp = 0;                // when schedule() last found nothing to run (0: since
                                         // then a task was woken onto it)

    Runqueue() { arrays[1].index = 1; }
    Runqueue(const Runqueue&) = delete;
    Runqueue& operator=(const Runqueue&) = delete;
};

} // namespace smp::os
