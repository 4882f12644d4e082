// The Linux 4.7 balancer with a fake HAL: the hot test with CACHE_HOT_BUDDY, detach_tasks'
// order (head of cfs_tasks, skipped tasks rotated to the tail, loop_max), the imbalance of
// find_busiest_group, should_we_balance, the avg_idle gate of idle_balance, avg_idle's update
// and active balancing through the stopper, each against values worked out by hand from
// kernel/sched/fair.c and kernel/sched/core.c of 4.7.
#include "os/kernel.hpp"
#include "fake_hal.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace smp::os {
namespace {

struct Sched47Balance : ::testing::Test {
    FakeHal hal;
    std::unique_ptr<Kernel> k;
    Cycle tick = 0;

    // The linux-4.7 preset at 2 GHz (HZ = 250: one tick = 8,000,000 cycles = 4 ms).
    void make(unsigned sockets, unsigned cores, const std::function<void(SchedPolicy&)>& tweak = {}) {
        KernelConfig cfg;
        cfg.set_era("linux-4.7");
        cfg.trace = true;
        if (tweak) tweak(cfg.policy);
        MachineShape shape;
        shape.sockets = sockets;
        shape.cores_per_socket = cores;
        shape.freq_ghz = 2.0;
        k = std::make_unique<Kernel>(hal, cfg, shape);
        tick = k->tick_cycles();
    }
    int add(const std::string& name, std::vector<int> cpus) {
        TaskSpec s;
        s.name = name;
        s.cpus = std::move(cpus);
        return k->add_task(std::move(s));
    }
    Task& t(int pid) { return const_cast<Task&>(k->task_of(pid)); }
    std::vector<std::string> cfs_tasks(int cpu) {
        std::vector<std::string> out;
        for (const Task& p : k->rq(cpu).cfs.cfs_tasks) out.push_back(p.comm);
        return out;
    }
    std::vector<std::string> moved() {
        std::vector<std::string> out;
        for (const auto& m : k->migrations()) out.push_back(m.task_name);
        return out;
    }
    std::vector<std::pair<long long, long long>> balances(int cpu) {
        std::vector<std::pair<long long, long long>> out;
        for (const auto& e : k->trace()) {
            if (e.ev == Ev::Balance && e.cpu == cpu) out.emplace_back(e.a, e.b);
        }
        return out;
    }
    int balance_idle(int cpu) {
        int cont = 1;
        return k->load_balance_47(cpu, *k->rq(cpu).domains.back(), IdleType::Idle, cont);
    }
};

using Names = std::vector<std::string>;

TEST_F(Sched47Balance, TaskHotIsABuddyWhileTheDestinationHasTasksElseTheMigrationCost) {
    make(1, 2);
    const int a = add("a", {0, 1});
    Runqueue& src = k->rq(0);
    Runqueue& dst = k->rq(1);
    t(a).se.exec_start = 1000000;
    src.clock = 1000000 + 499999;
    EXPECT_TRUE(k->task_hot_47(t(a), src, dst)) << "ran 499.999 us ago";
    src.clock = 1000000 + 500000;
    EXPECT_FALSE(k->task_hot_47(t(a), src, dst)) << "500 us ago: cold";
    src.cfs.last = &t(a);
    EXPECT_FALSE(k->task_hot_47(t(a), src, dst)) << "a buddy, but the destination is empty";
    dst.nr_running = 1;
    EXPECT_TRUE(k->task_hot_47(t(a), src, dst)) << "the last buddy, the destination has a task";
    src.cfs.last = nullptr;
    src.cfs.next = &t(a);
    EXPECT_TRUE(k->task_hot_47(t(a), src, dst)) << "the next buddy";
    src.cfs.next = nullptr;
    EXPECT_FALSE(k->task_hot_47(t(a), src, dst));
    EXPECT_FALSE(k->task_hot_47(*src.stop, src, dst)) << "the stop class is never hot";
    dst.nr_running = 0;
}

TEST_F(Sched47Balance, MigrationCostMinusOneIsAlwaysHotAndZeroNever) {
    for (const std::int64_t cost : {-1, 0}) {
        make(1, 2, [cost](SchedPolicy& p) { p.migration_cost_ns = cost; });
        const int a = add("a", {0, 1});
        t(a).se.exec_start = 0;
        k->rq(0).clock = 1000000000000ULL;
        EXPECT_EQ(k->task_hot_47(t(a), k->rq(0), k->rq(1)), cost == -1);
        k->rq(0).clock = 0;
        EXPECT_EQ(k->task_hot_47(t(a), k->rq(0), k->rq(1)), cost == -1);
    }
}

// Three new tasks on CPU 0 (PELT load 1024 each), CPU 1 idle: avg loads 3072 and 0, the domain's
// 1536; CPU 0 is overloaded and CPU 1 has room, so the balance is forced; imbalance =
// min(3072 - 1536, 1536 - 0) = 1536. From the head of cfs_tasks (newest first): c (1024/2 <=
// 1536, imbalance 512), b (512 <= 512, imbalance -512): two tasks move, a stays.
TEST_F(Sched47Balance, DetachTasksTakesTheHeadOfCfsTasksUntilTheImbalanceIsMet) {
    make(1, 2, [](SchedPolicy& p) { p.migration_cost_ns = 0; }); // never hot
    add("a", {0, 1});
    add("b", {0, 1});
    add("c", {0, 1});
    k->boot();
    EXPECT_EQ(cfs_tasks(0), (Names{"c", "b", "a"})) << "list_add: the newest at the head";
    EXPECT_EQ(k->weighted_cpuload(0), 3072u);
    EXPECT_TRUE(k->rd_overload()) << "two or more tasks on a runqueue";
    EXPECT_EQ(balance_idle(1), 2);
    EXPECT_EQ(moved(), (Names{"c", "b"}));
    EXPECT_EQ(cfs_tasks(1), (Names{"c", "b"})) << "attached newest-detached first: b, then c";
    EXPECT_EQ(cfs_tasks(0), (Names{"a"}));
    for (const auto& m : k->migrations()) {
        EXPECT_EQ(m.reason_detail, "lb_softirq");
        EXPECT_EQ(m.mechanism, "balancer");
    }
    EXPECT_EQ(k->stats().tasks_examined, 2u);
    EXPECT_EQ(k->check_invariants(false), "");
}

// Pinned tasks at the head are rotated to the tail; loop_max = min(nr_migrate, nr_running) = 3
// ends the walk after a is moved although 512 of the imbalance is left.
TEST_F(Sched47Balance, SkippedTasksRotateToTheTailAndLoopMaxIsTheQueueLength) {
    make(1, 2, [](SchedPolicy& p) { p.migration_cost_ns = 0; });
    add("a", {0, 1});
    add("b", {0});
    add("c", {0});
    k->boot();
    EXPECT_EQ(balance_idle(1), 1);
    EXPECT_EQ(moved(), (Names{"a"}));
    EXPECT_EQ(cfs_tasks(0), (Names{"c", "b"})) << "c and b went to the tail in the order skipped";
    EXPECT_EQ(k->stats().tasks_examined, 3u);
}

// Every task pinned: LBF_ALL_PINNED drops the busiest CPU and, with no other, ends out_all_pinned
// with the interval doubled (sd_weight 2 ms -> 4 ms) and nr_balance_failed reset.
TEST_F(Sched47Balance, AllPinnedDoublesTheIntervalAndMovesNothing) {
    make(1, 2, [](SchedPolicy& p) { p.migration_cost_ns = 0; });
    add("a", {0});
    add("b", {0});
    k->boot();
    SchedDomain& sd = *k->rq(1).domains.back();
    EXPECT_EQ(sd.balance_interval, 2u) << "sd_init: balance_interval = sd_weight";
    sd.nr_balance_failed = 2;
    EXPECT_EQ(balance_idle(1), 0);
    EXPECT_TRUE(k->migrations().empty());
    EXPECT_EQ(sd.balance_interval, 4u);
    EXPECT_EQ(sd.nr_balance_failed, 0u);
}

// Hot tasks stay while nr_balance_failed <= cache_nice_tries (1 at this level): the first two
// balances fail, the third moves one.
TEST_F(Sched47Balance, HotTasksMoveOnceTheFailuresExceedCacheNiceTries) {
    make(1, 2, [](SchedPolicy& p) { p.migration_cost_ns = -1; }); // always hot
    add("a", {0, 1});
    add("b", {0, 1});
    k->boot();
    SchedDomain& sd = *k->rq(1).domains.back();
    EXPECT_EQ(balance_idle(1), 0);
    EXPECT_EQ(balance_idle(1), 0);
    EXPECT_EQ(sd.nr_balance_failed, 2u);
    EXPECT_EQ(balance_idle(1), 1);
    EXPECT_EQ(sd.nr_balance_failed, 0u);
    ASSERT_EQ(k->migrations().size(), 1u);
    EXPECT_EQ(k->migrations()[0].kernel_hot, 1);
}

// The running task is the only one that could come: each balance fails; after
// cache_nice_tries + 2 = 3 failures the fourth queues active_load_balance_cpu_stop on CPU 0's
// stopper (nowait), sets nr_balance_failed = cache_nice_tries + 1 = 2 and doubles the interval.
TEST_F(Sched47Balance, RepeatedFailuresKickTheStopperOfTheBusiestCpu) {
    make(1, 2);
    add("a", {0, 1});
    add("b", {0}); // queued, pinned
    k->boot();
    k->schedule(0);
    ASSERT_EQ(k->rq(0).curr->comm, "a");
    SchedDomain& sd = *k->rq(1).domains.back();
    for (unsigned i = 1; i <= 3; ++i) {
        EXPECT_EQ(balance_idle(1), 0);
        EXPECT_EQ(sd.nr_balance_failed, i);
        EXPECT_TRUE(k->stopper(0).works.empty());
    }
    EXPECT_EQ(balance_idle(1), 0);
    EXPECT_EQ(k->rq(0).active_balance, 1);
    EXPECT_EQ(k->rq(0).push_cpu, 1);
    ASSERT_EQ(k->stopper(0).works.size(), 1u);
    EXPECT_EQ(k->stopper(0).works.front(), &k->rq(0).active_balance_work);
    EXPECT_EQ(sd.nr_balance_failed, 2u);
    EXPECT_EQ(sd.balance_interval, 4u) << "an active balance doubles it (max 2 * sd_weight)";
    EXPECT_TRUE(k->migrations().empty()) << "the stopper moves it once it runs";
}

// 2 sockets x 2 cores: MC {0,1} (groups: CPUs), NODE (groups: packages). At the NODE level only
// the first idle CPU of the local package balances: CPU 1 stops there (continue_balancing 0).
TEST_F(Sched47Balance, OnlyTheFirstIdleCpuOfTheLocalGroupBalances) {
    make(2, 2);
    ASSERT_EQ(k->rq(1).domains.size(), 2u);
    hal.clock = 1000 * tick; // every level due
    k->rebalance_domains_47(1, IdleType::Idle);
    using B = std::vector<std::pair<long long, long long>>;
    EXPECT_EQ(balances(1), (B{{0, -1}, {1, -2}})) << "CPU 0 is the first idle CPU of package {0,1}";
    k->rebalance_domains_47(0, IdleType::Idle);
    EXPECT_EQ(balances(0), (B{{0, -1}, {1, -1}})) << "CPU 0 balances both levels";
}

// idle_balance: skipped while avg_idle < sysctl_sched_migration_cost (500 us), or when no
// runqueue is overloaded; otherwise a newly-idle balance runs (and here pulls one task).
TEST_F(Sched47Balance, NewIdleBalanceOnlyWhenTheAverageIdleCoversTheMigrationCost) {
    make(1, 2, [](SchedPolicy& p) { p.migration_cost_ns = 0; });
    add("a", {0, 1});
    add("b", {0, 1});
    k->boot();
    Runqueue& rq = k->rq(1);
    EXPECT_EQ(rq.avg_idle, 0u) << "migration cost 0: 2 * 0";
    make(1, 2);
    add("a", {0, 1});
    add("b", {0, 1});
    k->boot();
    Runqueue& rq1 = k->rq(1);
    EXPECT_EQ(rq1.avg_idle, 1000000u) << "sched_init: 2 * sysctl_sched_migration_cost";
    rq1.avg_idle = 499999;
    rq1.lock.owner = 1; // schedule() holds it
    EXPECT_EQ(k->idle_balance_47(1), 0);
    EXPECT_EQ(k->stats().newidle_skipped, 1u);
    EXPECT_TRUE(balances(1).empty()) << "no new-idle balance";
    rq1.avg_idle = 500000;
    EXPECT_EQ(k->idle_balance_47(1), 0) << "new tasks are hot (exec_start 0 = the rq clock)";
    EXPECT_EQ(k->stats().newidle_skipped, 1u);
    using B = std::vector<std::pair<long long, long long>>;
    EXPECT_EQ(balances(1), (B{{0, 0}})) << "balanced newly idle, moved nothing";
    EXPECT_EQ(rq1.lock.owner, 1) << "the runqueue lock is taken again";
}

// sysctl_sched_migration_cost is an unsigned int: -1 is 4294967295 ns where it is compared as a
// time. sched_init's 2 * -1 wraps to 4294967294 (< the threshold), so idle_balance never runs.
TEST_F(Sched47Balance, MigrationCostMinusOneMeansNoNewIdleBalance) {
    make(1, 2, [](SchedPolicy& p) { p.migration_cost_ns = -1; });
    add("a", {0, 1});
    add("b", {0, 1});
    k->boot();
    Runqueue& rq = k->rq(1);
    EXPECT_EQ(rq.avg_idle, 4294967294u);
    EXPECT_EQ(rq.max_idle_balance_cost, 4294967295u);
    rq.lock.owner = 1;
    EXPECT_EQ(k->idle_balance_47(1), 0);
    EXPECT_EQ(k->stats().newidle_skipped, 1u);
    EXPECT_TRUE(balances(1).empty());
}

// ttwu_do_wakeup: avg_idle += (idle period - avg_idle) >> 3, capped at 2 * max_idle_balance_cost.
TEST_F(Sched47Balance, AverageIdleIsAnEighthWeightedMeanCappedAtTwiceTheBalanceCost) {
    make(1, 2);
    Runqueue& rq = k->rq(1);
    rq.avg_idle = 800000;
    rq.idle_stamp = 2000; // cycles: 1 us
    hal.clock = 2000 + 400000 * 2; // 400 us idle
    k->update_avg_idle(0, rq);
    EXPECT_EQ(rq.avg_idle, 800000u - 400000u / 8);
    rq.idle_stamp = 2000;
    hal.clock = 2000 + 100000000; // 50 ms idle: the mean would pass the cap
    k->update_avg_idle(0, rq);
    EXPECT_EQ(rq.avg_idle, 2 * rq.max_idle_balance_cost);
    EXPECT_EQ(rq.max_idle_balance_cost, 500000u);
}

} // namespace
} // namespace smp::os
