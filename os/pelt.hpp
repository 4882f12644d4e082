// Per-entity load tracking (PELT) of Linux 4.7 kernel/sched/fair.c, as simplified by reference
// §7.9: time runnable, weighted, accumulates in 1024 ns units and decays by y per period of 1024
// units, with y^32 = 1/2; load_avg = load_sum / LOAD_AVG_MAX. No frequency or capacity scaling
// (both scales are 1024, so cap_scale is the identity) and no utilisation sum.
#pragma once

#include <cstdint>

namespace smp::os {

constexpr std::uint32_t LOAD_AVG_PERIOD = 32; // y^LOAD_AVG_PERIOD = 1/2
constexpr std::uint64_t LOAD_AVG_MAX = 47742; // the largest load_sum / weight (F :667)
constexpr std::uint32_t LOAD_AVG_MAX_N = 345; // periods after which a sum has reached it
constexpr unsigned long NICE_0_LOAD = 1024; // SCHED_LOAD_SCALE (2.6.24 sched.h:653-656)

// struct sched_avg: a task's se.avg, or a runqueue's runnable load (runnable_load_sum/avg).
struct SchedAvg {
    std::uint64_t last_update_time = 0; // ns; 0 for a task: detached (new, or just migrated)
    std::uint64_t load_sum = 0;         // weight x time, decayed
    unsigned long load_avg = 0;         // load_sum / LOAD_AVG_MAX
    std::uint32_t period_contrib = 0;   // units of the current period already accumulated
};

// val * y^n (decay_load: halve per LOAD_AVG_PERIOD, then the fixed-point y^(n mod 32)).
std::uint64_t decay_load(std::uint64_t val, std::uint64_t n);
// sum_{i=1..n} 1024 y^i (__compute_runnable_contrib).
std::uint32_t compute_runnable_contrib(std::uint64_t n);
// __update_load_avg: brings sa to `now` (ns), counting `weight` for the time since its last
// update. Returns true when a period boundary was crossed (load_avg recomputed then).
bool update_load_avg(SchedAvg& sa, std::uint64_t now, unsigned long weight);
// init_entity_runnable_average: a new task starts with its full weight as load.
void init_runnable_average(SchedAvg& sa, unsigned long weight);
// prio_to_weight[] (2.6.24 kernel/sched.c, 4.7 sched_prio_to_weight): 1024 at nice 0, about
// 1.25x per nice level; nice_to_weight clamps nice to [-20, 19].
extern const unsigned long prio_to_weight[40];
unsigned long nice_to_weight(int nice);

} // namespace smp::os
