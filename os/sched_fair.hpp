// The CFS runqueue (Linux 2.6.24 kernel/sched_fair.c; reused by 4.7): the rb-tree of sched
// entities ordered by vruntime, min_vruntime, the load weights of the nice levels, and the
// granularity arithmetic. Kernel-side operations (with their guest-memory accesses) are Kernel
// members in sched_fair.cpp.
#pragma once

#include "os/sched_policy.hpp"
#include "os/task.hpp"

#include <boost/intrusive/set.hpp>

#include <cstdint>

namespace smp::os {

constexpr unsigned long SCHED_LOAD_SCALE_FUZZ = 1024; // = SCHED_LOAD_SCALE in 2.6.24
extern const std::uint32_t prio_to_wmult[40];         // kernel/sched.c prio_to_wmult[]

// rb-tree order: entity_key() = vruntime - min_vruntime compared as s64, equal keys to the right
// (multiset insertion at the upper bound keeps equal keys in insertion order, as __enqueue_entity).
struct ByVruntime {
    bool operator()(const Task& a, const Task& b) const {
        return static_cast<std::int64_t>(a.se.vruntime - b.se.vruntime) < 0;
    }
};
using CfsTree =
    boost::intrusive::multiset<Task, boost::intrusive::member_hook<Task, CfsHook, &Task::cfs_node>,
                               boost::intrusive::compare<ByVruntime>>;

// struct cfs_rq: queued fair entities but the running one (curr), their total weight and count.
struct CfsRq {
    CfsTree tasks_timeline;        // leftmost = begin()
    unsigned long load_weight = 0; // cfs_rq->load.weight (curr included)
    unsigned long nr_running = 0;  // curr included
    std::uint64_t min_vruntime =
        static_cast<std::uint64_t>(-(std::int64_t(1) << 20)); // init_cfs_rq
    Task* curr = nullptr;                                     // the running fair entity, or null
    // 4.7 (hot_test migration_cost_buddy): the next and last buddies, and rq->cfs_tasks.
    Task* next = nullptr;
    Task* last = nullptr;
    CfsTaskList cfs_tasks;

    CfsRq() = default;
    CfsRq(const CfsRq&) = delete;
    CfsRq& operator=(const CfsRq&) = delete;
    ~CfsRq() {
        tasks_timeline.clear();
        cfs_tasks.clear();
    }
};

// The sysctls after sched_init_granularity (2.6.24 kernel/sched.c:5024-5039), in ns.
struct CfsTunables {
    std::uint64_t latency = 20000000;            // sysctl_sched_latency
    std::uint64_t min_granularity = 4000000;     // sysctl_sched_min_granularity
    std::uint64_t wakeup_granularity = 10000000; // sysctl_sched_wakeup_granularity
    unsigned long nr_latency = 5;                // sched_nr_latency (not rescaled at boot)
};

// The granularity factor: none = 1, log = 1 + ilog2(ncpus), log_cap8 = 1 + ilog2(min(ncpus, 8)).
unsigned granularity_factor(GranScaling scaling, unsigned ncpus);
// sched_init_granularity: latency, min_granularity and wakeup granularity times the factor;
// "log" caps latency and min_granularity at 200 ms (2.6.24). nr_latency = latency / min_gran
// before scaling, rounded up (5 in 2.6.24, 8 in 4.7).
CfsTunables sched_init_granularity(const SchedPolicy& p, unsigned ncpus);

// calc_delta_mine (kernel/sched.c, 64-bit WMULT_CONST = 2^32): delta * weight / lw, through the
// inverse weight with shift-and-round, as the kernel computes it.
unsigned long calc_delta_mine(unsigned long delta, unsigned long weight, unsigned long lw_weight,
                              std::uint32_t lw_inv_weight);
inline unsigned long calc_delta_fair(unsigned long delta, const SchedEntity& se) {
    return calc_delta_mine(delta, NICE_0_LOAD, se.weight, se.inv_weight);
}
// __sched_period: latency, stretched when more than nr_latency entities share it.
std::uint64_t sched_period(const CfsTunables& t, unsigned long nr_running);
// sched_slice: the wall-time share of se of the period.
std::uint64_t sched_slice(const CfsTunables& t, const CfsRq& cfs, const SchedEntity& se);
// sched_vslice_add: the virtual-time slice of the period once se is added (START_DEBIT).
std::uint64_t sched_vslice_add(const CfsTunables& t, const CfsRq& cfs, const SchedEntity& se);
// set_load_weight: RT tasks weigh twice nice -20; others prio_to_weight[static_prio - 100].
void set_load_weight(Task& p);

inline std::uint64_t max_vruntime(std::uint64_t min_vruntime, std::uint64_t vruntime) {
    return static_cast<std::int64_t>(vruntime - min_vruntime) > 0 ? vruntime : min_vruntime;
}
inline std::uint64_t min_vruntime_of(std::uint64_t min_vruntime, std::uint64_t vruntime) {
    return static_cast<std::int64_t>(vruntime - min_vruntime) < 0 ? vruntime : min_vruntime;
}

} // namespace smp::os
