// The Linux 2.6.24 kernel with a fake HAL (no SystemC, no threads): the migration-cost hot test,
// the CFS runqueue (pick order, min_vruntime, weighted vruntime, slices, wake-up placement),
// the granularity scaling, balance_tasks' scan limit, the 'balance' rule of rebalance_domains
// and the interval cap, each against values worked out by hand from kernel/sched.c and
// kernel/sched_fair.c of 2.6.24.
#include "os/kernel.hpp"
#include "fake_hal.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

namespace smp::os {
namespace {

constexpr std::uint64_t kM = static_cast<std::uint64_t>(-(std::int64_t(1) << 20)); // init_cfs_rq

struct Sched2624 : ::testing::Test {
    FakeHal hal;
    std::unique_ptr<Kernel> k;
    Cycle tick = 0;

    // A 2.6.24 kernel at 2 GHz (HZ = 250: one tick = 8,000,000 cycles = 4 ms).
    void make(unsigned sockets, unsigned cores, unsigned threads = 1,
              const std::function<void(SchedPolicy&)>& tweak = {}) {
        KernelConfig cfg;
        cfg.set_era("linux-2.6.24");
        cfg.trace = true;
        if (tweak) tweak(cfg.policy);
        MachineShape shape;
        shape.sockets = sockets;
        shape.cores_per_socket = cores;
        shape.threads_per_core = threads;
        shape.freq_ghz = 2.0;
        k = std::make_unique<Kernel>(hal, cfg, shape);
        tick = k->tick_cycles();
    }
    int add(const std::string& name, std::vector<int> cpus, int nice = 0) {
        TaskSpec s;
        s.name = name;
        s.cpus = std::move(cpus);
        s.nice = nice;
        return k->add_task(std::move(s));
    }
    Task& t(int pid) { return const_cast<Task&>(k->task_of(pid)); }
    void at_tick(unsigned long j) { hal.clock = Cycle(j) * tick; }
    // Balance events of a CPU as (level, result) in order.
    std::vector<std::pair<long long, long long>> balances(int cpu) {
        std::vector<std::pair<long long, long long>> out;
        for (const auto& e : k->trace()) {
            if (e.ev == Ev::Balance && e.cpu == cpu) out.emplace_back(e.a, e.b);
        }
        return out;
    }
};

TEST_F(Sched2624, TaskHotIsNowMinusExecStartBelowMigrationCost) {
    make(1, 2);
    const int a = add("a", {0});
    const std::uint64_t start = 123456789;
    t(a).se.exec_start = start;
    EXPECT_TRUE(k->task_hot_2624(t(a), start + 499999)) << "just below 500 us";
    EXPECT_FALSE(k->task_hot_2624(t(a), start + 500000)) << "500 us is no longer hot";
    EXPECT_TRUE(k->task_hot_2624(t(a), start)) << "delta 0";
    EXPECT_TRUE(k->task_hot_2624(t(a), start - 1000))
        << "a clock behind exec_start: negative delta, hot";
    Task& mt = *k->rq(0).migration_thread; // RT class: never hot
    mt.se.exec_start = start;
    EXPECT_FALSE(k->task_hot_2624(mt, start + 1));
}

TEST_F(Sched2624, MigrationCostMinusOneIsAlwaysHotAndZeroNever) {
    make(1, 2, 1, [](SchedPolicy& p) { p.migration_cost_ns = -1; });
    const int a = add("a", {0});
    t(a).se.exec_start = 1000;
    EXPECT_TRUE(k->task_hot_2624(t(a), 1000 + 1000000000000ULL));
    EXPECT_TRUE(k->task_hot_2624(t(a), 1000 + 500000));
    make(1, 2, 1, [](SchedPolicy& p) { p.migration_cost_ns = 0; });
    const int b = add("b", {0});
    t(b).se.exec_start = 1000;
    EXPECT_FALSE(k->task_hot_2624(t(b), 1000));
    EXPECT_FALSE(k->task_hot_2624(t(b), 1001));
}

// One CPU (granularity factor 1: latency 20 ms, 5 per period). a and c nice 0, b nice 5
// (weight 335). Each runs one tick (4 ms) and schedule() picks the leftmost: b's 4 ms count as
// 4e6 * 1024 / 335 = 12,226,866 ns of vruntime, so a and c alternate until they pass it.
TEST_F(Sched2624, PicksTasksInVruntimeOrderAndMinVruntimeNeverDecreases) {
    make(1, 1);
    const int a = add("a", {0}), b = add("b", {0}, 5), c = add("c", {0});
    k->boot();
    EXPECT_EQ(k->rq(0).cfs.min_vruntime, kM);
    k->schedule(0);
    std::vector<std::uint64_t> mins{k->rq(0).cfs.min_vruntime};
    for (unsigned long j = 1; j <= 9; ++j) {
        at_tick(j);
        k->scheduler_tick(0);
        mins.push_back(k->rq(0).cfs.min_vruntime);
        k->schedule(0);
        mins.push_back(k->rq(0).cfs.min_vruntime);
        ASSERT_EQ(k->check_invariants(false), "");
    }
    std::vector<int> picked;
    for (const auto& sw : hal.switches)
        picked.push_back(sw.second);
    EXPECT_EQ(picked, (std::vector<int>{a, b, c, a, c, a, c, a, c, b}));
    EXPECT_EQ(t(b).se.vruntime - kM, 12226866u) << "one tick of a nice-5 task";
    EXPECT_EQ(t(a).se.vruntime - kM, 15999999u) << "4 ticks less the boot clock's 1 ns";
    for (std::size_t i = 1; i < mins.size(); ++i) {
        EXPECT_GE(static_cast<std::int64_t>(mins[i] - mins[i - 1]), 0) << "step " << i;
    }
    // At the end: min(curr b, leftmost a at 15,999,999) -> a's, after c at 16,000,000 ran.
    EXPECT_EQ(mins.back() - kM, 12226866u);
    EXPECT_GT(static_cast<std::int64_t>(mins.back() - mins.front()), 12000000);
}

// Two CPUs, one task each: the second tick charges exactly 4 ms of wall time; nice 0 turns it
// into 4 ms of vruntime, nice 5 into calc_delta_mine(4e6, 1024, 335) through prio_to_wmult:
// (4,096,000,000 * 12,820,798 + 2^31) >> 32 = 12,226,866 (4e6 * 1024 / 335 = 12,226,865.7).
TEST_F(Sched2624, VruntimeAdvancesByDeltaTimesNice0WeightOverWeight) {
    make(1, 2);
    const int a = add("a", {0}), b = add("b", {1}, 5);
    k->boot();
    EXPECT_EQ(t(a).se.weight, 1024u);
    EXPECT_EQ(t(b).se.weight, 335u);
    k->schedule(0);
    k->schedule(1);
    at_tick(1);
    k->scheduler_tick(0);
    k->scheduler_tick(1);
    const std::uint64_t va = t(a).se.vruntime, vb = t(b).se.vruntime;
    const std::uint64_t sa = t(a).se.sum_exec_runtime, sb = t(b).se.sum_exec_runtime;
    at_tick(2);
    k->scheduler_tick(0);
    k->scheduler_tick(1);
    EXPECT_EQ(t(a).se.sum_exec_runtime - sa, 4000000u);
    EXPECT_EQ(t(b).se.sum_exec_runtime - sb, 4000000u);
    EXPECT_EQ(t(a).se.vruntime - va, 4000000u);
    EXPECT_EQ(t(b).se.vruntime - vb, 12226866u);
    EXPECT_EQ(calc_delta_mine(4000000, NICE_0_LOAD, 335, prio_to_wmult[25]), 12226866u);
    EXPECT_EQ(k->rq(1).cfs.min_vruntime, t(b).se.vruntime) << "alone: min_vruntime follows curr";
}

// sched_slice = period * weight / cfs load: two nice-0 tasks on one CPU get 10 ms each.
TEST_F(Sched2624, TickReschedulesAfterTheSliceOfThePeriod) {
    make(1, 1);
    const int a = add("a", {0}), b = add("b", {0});
    k->boot();
    k->schedule(0);
    ASSERT_EQ(k->rq(0).curr->pid, a);
    EXPECT_EQ(sched_slice(k->cfs_tunables(), k->rq(0).cfs, t(a).se), 10000000u);
    for (unsigned long j = 1; j <= 2; ++j) {
        at_tick(j);
        k->scheduler_tick(0);
        EXPECT_FALSE(t(a).need_resched) << "after " << j * 4 << " ms";
    }
    at_tick(3); // 12 ms - 1 ns > 10 ms
    k->scheduler_tick(0);
    EXPECT_TRUE(t(a).need_resched);
    (void)b;
}

// A task that slept while the other ran 24 ms is placed at min_vruntime - latency (it may not
// gain more than one latency); min_vruntime does not move back, and the wakee preempts because
// it is more than the wake-up granularity (10 ms) behind.
TEST_F(Sched2624, WokenTaskIsPlacedOneLatencyBeforeMinVruntime) {
    make(1, 1);
    const int a = add("a", {0}), b = add("b", {0});
    k->boot();
    k->schedule(0);
    ASSERT_EQ(k->rq(0).curr->pid, a);
    t(a).state = TASK_INTERRUPTIBLE;
    k->schedule(0); // a sleeps, b runs
    ASSERT_EQ(k->rq(0).curr->pid, b);
    for (unsigned long j = 1; j <= 6; ++j) {
        at_tick(j);
        k->scheduler_tick(0);
    }
    const std::uint64_t min_before = k->rq(0).cfs.min_vruntime;
    EXPECT_EQ(min_before, t(b).se.vruntime);
    EXPECT_FALSE(t(b).need_resched);
    EXPECT_EQ(k->try_to_wake_up(0, t(a), TASK_INTERRUPTIBLE, false), 1);
    EXPECT_EQ(t(a).se.vruntime, min_before - k->cfs_tunables().latency);
    EXPECT_EQ(k->rq(0).cfs.min_vruntime, min_before);
    EXPECT_TRUE(t(b).need_resched) << "a is 20 ms behind, more than the 10 ms granularity";
    at_tick(7); // update_curr: min(curr b, leftmost a) is a's, below min_vruntime: no change
    k->scheduler_tick(0);
    EXPECT_EQ(k->rq(0).cfs.min_vruntime, min_before);
    EXPECT_EQ(k->check_invariants(false), "");
}

TEST_F(Sched2624, GranularityScalesWithOnePlusLog2OfTheCpus) {
    SchedPolicy p = SchedPolicy::for_era("linux-2.6.24");
    const std::vector<std::pair<unsigned, std::uint64_t>> factor = {{1, 1}, {2, 2}, {4, 3}, {8, 4}};
    for (const auto& [cpus, f] : factor) {
        const CfsTunables t = sched_init_granularity(p, cpus);
        EXPECT_EQ(t.latency, 20000000u * f) << cpus << " CPUs";
        EXPECT_EQ(t.min_granularity, 4000000u * f) << cpus << " CPUs";
        EXPECT_EQ(t.wakeup_granularity, 10000000u * f) << cpus << " CPUs";
        EXPECT_EQ(t.nr_latency, 5u) << "not rescaled at boot";
    }
    // 1024 CPUs: factor 11, latency 220 ms capped at 200 ms; min_granularity 44 ms is not.
    const CfsTunables big = sched_init_granularity(p, 1024);
    EXPECT_EQ(big.latency, 200000000u);
    EXPECT_EQ(big.min_granularity, 44000000u);
    EXPECT_EQ(big.wakeup_granularity, 110000000u) << "the wake-up granularity has no cap";
    p.sched_latency_ns = 100e6; // 100 ms x 3 on 4 CPUs -> the 200 ms cap
    EXPECT_EQ(sched_init_granularity(p, 4).latency, 200000000u);
    p.granularity_scaling = "log_cap8";
    EXPECT_EQ(sched_init_granularity(p, 64).min_granularity, 4000000u * 4) << "ncpus capped at 8";
    make(1, 4);
    EXPECT_EQ(k->cfs_tunables().latency, 60000000u);
}

// 40 tasks queued on CPU 0 in pid order (equal vruntime, insertion order), all but one pinned
// there. balance_tasks stops at 'loops++ > sysctl_sched_nr_migrate': 33 tasks examined, so the
// movable task is pulled at position 33 and never reached at position 34.
TEST_F(Sched2624, BalancePassExaminesAtMostNrMigratePlusOneTasks) {
    for (const int position : {33, 34}) {
        SCOPED_TRACE(position);
        make(1, 2, 1, [](SchedPolicy& p) { p.migration_cost_ns = 0; }); // never hot
        std::vector<int> pids;
        for (int i = 1; i <= 40; ++i) {
            pids.push_back(add("t" + std::to_string(i),
                               i == position ? std::vector<int>{0, 1} : std::vector<int>{0}));
        }
        k->boot();
        at_tick(1);
        int balance = 1;
        const int moved =
            k->load_balance_2624(1, *k->rq(1).domains.back(), IdleType::Idle, balance);
        EXPECT_EQ(k->stats().max_tasks_examined, 33u);
        EXPECT_EQ(k->stats().tasks_examined, 33u) << "the rt pass found no task";
        const Task& movable = k->task_of(pids[std::size_t(position - 1)]);
        if (position == 33) {
            EXPECT_EQ(moved, 1);
            EXPECT_EQ(movable.cpu, 1);
            ASSERT_EQ(k->migrations().size(), 1u);
            EXPECT_EQ(k->migrations()[0].reason_detail, "lb_softirq");
            EXPECT_EQ(k->migrations()[0].mechanism, "balancer");
            EXPECT_EQ(k->migrations()[0].kernel_hot, 0);
        } else {
            EXPECT_EQ(moved, 0);
            EXPECT_EQ(movable.cpu, 0);
            EXPECT_TRUE(k->migrations().empty());
        }
        EXPECT_EQ(k->check_invariants(false), "");
    }
}

// 2 sockets x 2 cores x 2 threads: SMT {0,1}, MC {0..3} (groups: cores), NODE (groups:
// packages). CPU 1 shares its core with CPU 0: at the MC level only the first idle CPU of the
// core balances (CPU 0 when both idle), so CPU 1 stops there and never balances NODE.
TEST_F(Sched2624, OnlyTheFirstIdleCpuOfTheGroupBalancesTheParentLevel) {
    make(2, 2, 2);
    ASSERT_EQ(k->rq(1).domains.size(), 3u);
    at_tick(1); // every level is due (intervals of 1 ms)
    k->rebalance_domains(0, IdleType::Idle);
    k->rebalance_domains(1, IdleType::Idle);
    using B = std::vector<std::pair<long long, long long>>;
    EXPECT_EQ(balances(0), (B{{0, -1}, {1, -1}, {2, -1}})) << "CPU 0 balances every level";
    EXPECT_EQ(balances(1), (B{{0, -1}, {1, -2}})) << "CPU 1 stops at MC";
    EXPECT_EQ(k->rq(1).domains[1]->balance_interval, 2u) << "out_balanced doubles the interval";
}

TEST_F(Sched2624, TheFirstIdleCpuBalancesTheParentLevelWhenItsSiblingIsBusy) {
    make(2, 2, 2);
    add("x", {0});
    k->boot();
    k->schedule(0); // CPU 0 busy: CPU 1 is the first idle CPU of core {0,1} and of package {0..3}
    at_tick(1000);
    k->rebalance_domains(1, IdleType::Idle);
    using B = std::vector<std::pair<long long, long long>>;
    // SMT: nothing to pull, the sibling is busy (sd_idle 0): -1, CPU 1 counts as not idle.
    EXPECT_EQ(balances(1), (B{{0, -1}, {1, -1}, {2, -1}}));
    EXPECT_EQ(k->rq(1).domains[2]->last_balance, 1000u);
}

// rebalance_domains: interval = balance_interval x busy_factor (not idle) in jiffies, capped at
// HZ*NR_CPUS/10 = 250*4/10 = 100; next_balance is the earliest last_balance + interval.
TEST_F(Sched2624, RebalanceIntervalIsCappedAtHzTimesCpusOverTen) {
    for (const bool cap : {true, false}) {
        SCOPED_TRACE(cap);
        make(2, 2, 1, [cap](SchedPolicy& p) { p.interval_cap_div = cap ? 10 : 0; });
        const unsigned long j = 1000;
        at_tick(j);
        SchedDomain& mc = *k->rq(0).domains[0];
        SchedDomain& node = *k->rq(0).domains[1];
        mc.balance_interval = 4; // 4 x 64 = 256 ms = 64 jiffies
        mc.last_balance = j;
        node.balance_interval = 32; // 32 x 32 = 1024 ms = 256 jiffies, capped at 100
        node.last_balance = j - 50;
        k->rebalance_domains(0, IdleType::NotIdle);
        EXPECT_TRUE(balances(0).empty()) << "nothing due";
        EXPECT_EQ(k->rq(0).next_balance, cap ? j + 50 : j + 64);
    }
}

// sched_balance_self on 2 packages x 2 cores (MC and NODE both have SD_BALANCE_EXEC and
// SD_BALANCE_FORK; forkexec_idx 1 = cpu_load[0], the last tick's load). find_idlest_group keeps
// this group when 100 * this_load < 112 * min_load (imbalance_pct 125 halved).
TEST_F(Sched2624, ExecBalanceDescendsFromTheTopDomainToTheIdlestCpu) {
    auto run = [&](int on_cpu0, std::vector<int> allowed, int nice = 0) {
        make(2, 2);
        for (int i = 0; i < on_cpu0; ++i)
            add("x" + std::to_string(i), {0}, nice);
        add("y", {2});
        TaskSpec s; // not started: not queued anywhere
        s.name = "e";
        s.cpus = std::move(allowed);
        s.forked = true;
        const int e = k->add_task(std::move(s));
        k->boot();
        at_tick(1);
        for (int c = 0; c < 4; ++c)
            k->scheduler_tick(c); // cpu_load[0] = rq->load.weight
        const int exec = k->sched_balance_self(0, t(e), false);
        EXPECT_EQ(k->sched_balance_self(0, t(e), true), exec) << "fork: the same flags here";
        return exec;
    };
    // NODE: {0,1} at 3072 vs {2,3} at 1024 -> {2,3}, its idlest CPU 3; then MC of CPU 3:
    // 0 < 112 * 1024, stay.
    EXPECT_EQ(run(3, {0, 1, 2, 3}), 3);
    // Not allowed on CPU 3: CPU 2, whose MC level has no other allowed group.
    EXPECT_EQ(run(3, {0, 1, 2}), 2);
    // 1024 against 1024: 100 * 1024 < 112 * 1024 keeps package 0; at MC CPU 1 (0) beats CPU 0.
    EXPECT_EQ(run(1, {0, 1, 2, 3}), 1);
    // A nice -1 task (1277) against 1024: 127,700 >= 114,688, package 1 (at 125 it would stay).
    EXPECT_EQ(run(1, {0, 1, 2, 3}, -1), 3);
}

} // namespace
} // namespace smp::os
