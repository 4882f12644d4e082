// The Linux 2.4.21 (RHEL3 2.4.21-4) scheduler with a fake HAL (no SystemC, no threads):
// timeslices, cache_decay_ticks, the jiffies hot rule with BUSY_STEAL / AGRESSIVE_IDLE_STEAL,
// find_busiest_queue's min filter, 25% test and halving, the pull order and count of
// load_balance, the tick-modulo trigger, sync-only wake-up pulls and wake_up_cpu, each against
// values worked out by hand from RHEL3 kernel/sched.c (reference §2).
#include "os/kernel.hpp"
#include "fake_hal.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace smp::os {
namespace {

struct Sched2421 : ::testing::Test {
    FakeHal hal;
    std::unique_ptr<Kernel> k;
    KernelConfig cfg;
    Cycle tick = 0;

    Sched2421() {
        cfg.set_era("linux-2.4.21");
        cfg.trace = true;
    }
    void make(std::int64_t l2_kib = 256) {
        MachineShape shape;
        shape.cores_per_socket = 4;
        shape.freq_ghz = 2.0;
        shape.l2_kib = l2_kib;
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
    void at_jiffy(unsigned long j, Cycle extra = 1) { hal.clock = Cycle(j) * tick + extra; }
    // nr_running of cpu, and this_cpu's memory of it (the min filter then passes it through).
    void load(int this_cpu, int cpu, unsigned long nr) {
        k->rq(cpu).nr_running = nr;
        auto& prev = k->rq(this_cpu).prev_cpu_load;
        prev.resize(4, 0);
        prev[std::size_t(cpu)] = long(nr);
    }
    // find_busiest_queue with this_cpu's runqueue locked; releases both locks after.
    int busiest(int this_cpu, bool idle, long& imbalance) {
        k->rq(this_cpu).lock.owner = this_cpu;
        Runqueue* b = k->find_busiest_queue_2421(this_cpu, idle, imbalance, CpuMask::all(4));
        k->rq(this_cpu).lock.owner = -1;
        if (!b) return -1;
        EXPECT_EQ(b->lock.owner, this_cpu) << "busiest comes back locked";
        b->lock.owner = -1;
        return b->cpu;
    }
    std::vector<std::string> moved() {
        std::vector<std::string> out;
        for (const auto& m : k->migrations())
            out.push_back(m.task_name);
        return out;
    }
    // Balance events of cpu: IdleType as recorded (0 busy tick, 1 idle tick, 2 schedule()).
    std::vector<std::pair<unsigned long, int>> balances(int cpu) {
        std::vector<std::pair<unsigned long, int>> out;
        for (const auto& e : k->trace()) {
            if (e.ev == Ev::Balance && e.cpu == cpu) out.emplace_back(e.t / tick, e.pid);
        }
        return out;
    }
};

TEST_F(Sched2421, TimeslicesFollowBaseTimeslice) {
    make();
    ASSERT_EQ(tick, 20000000u) << "HZ = 100 at 2 GHz";
    const int a = add("a", {0}, -20), b = add("b", {0}, 0), c = add("c", {0}, 19),
              d = add("d", {0}, 10);
    // 1 + 19 * (139 - static_prio) / 39 ticks.
    EXPECT_EQ(k->task_timeslice(t(a)), 20u); // 200 ms
    EXPECT_EQ(k->task_timeslice(t(b)), 10u); // 1 + 361 / 39 = 10: 100 ms
    EXPECT_EQ(k->task_timeslice(t(c)), 1u);  // 10 ms
    EXPECT_EQ(k->task_timeslice(t(d)), 5u);  // 1 + 171 / 39
    EXPECT_EQ(t(b).time_slice, 10u);
}

TEST_F(Sched2421, CacheDecayTicksFromTheL2Size) {
    // (2000000 >> 10) * (512 << 10) / 350 = 2925527 cycles; / 2000000 = 1 ms; * 100 / 1000 = 0.
    EXPECT_EQ(Kernel::smpboot_cache_decay_ticks(2.0, 512, 100), 0u);
    // 8 MiB: 1953 * 8388608 / 350 = 46808432 cycles = 23 ms: 2 ticks at HZ = 100, 23 at 1000.
    EXPECT_EQ(Kernel::smpboot_cache_decay_ticks(2.0, 8192, 100), 2u);
    EXPECT_EQ(Kernel::smpboot_cache_decay_ticks(2.0, 8192, 1000), 23u);
    // Unknown size: 16 KB at 100 MB/s, 319979 cycles: 0.
    EXPECT_EQ(Kernel::smpboot_cache_decay_ticks(2.0, -1, 1000), 0u);
    make(8192);
    EXPECT_EQ(k->cache_decay_ticks(), 2u) << "policy -1: the formula on the machine's L2";
    cfg.policy.cache_decay_ticks = 5;
    make(8192);
    EXPECT_EQ(k->cache_decay_ticks(), 5u);
}

TEST_F(Sched2421, HotMeansLeftACpuNoMoreThanCacheDecayTicksAgo) {
    cfg.policy.cache_decay_ticks = 2;
    make();
    const int a = add("a", {0});
    t(a).last_run = 10;
    EXPECT_TRUE(k->task_hot_2421(t(a), 10));
    EXPECT_TRUE(k->task_hot_2421(t(a), 12));
    EXPECT_FALSE(k->task_hot_2421(t(a), 13)) << "13 - 10 > 2";
}

// R3-4: AGRESSIVE_IDLE_STEAL = 0, so an idle pull needs jiffies - last_run > 0; BUSY_STEAL = 1.
TEST_F(Sched2421, SameJiffyTaskIsHotForIdlePullsButBusyStealIgnoresIt) {
    make(); // 256 KiB at 2 GHz: cache_decay_ticks 0
    ASSERT_EQ(k->cache_decay_ticks(), 0u);
    const int a = add("a", {0, 1}), b = add("b", {0, 1}), c = add("c", {0, 1});
    k->boot();
    k->schedule(0); // a runs
    at_jiffy(5);
    t(b).last_run = t(c).last_run = 5; // both left a CPU in this jiffy
    EXPECT_EQ(k->rebalance_2421(1, true), 0) << "idle: both waiting tasks are hot";
    EXPECT_EQ(balances(1).back().second, int(IdleType::Idle));
    EXPECT_EQ(k->rebalance_2421(1, false), 1) << "busy: BUSY_STEAL ignores hotness";
    ASSERT_EQ(moved(), std::vector<std::string>{"c"}) << "the tail of the queue";
    const MigrationEvent& m = k->migrations()[0];
    EXPECT_EQ(m.kernel_hot, 1) << "the record keeps what the hot rule said";
    EXPECT_EQ(m.reason, MigReason::PeriodicBalance);
    EXPECT_EQ(m.reason_detail, "lb_tick");
    EXPECT_EQ(m.mechanism, "balancer");
    at_jiffy(6);
    EXPECT_EQ(k->rebalance_2421(1, true), 1) << "a jiffy later b is cold";
    EXPECT_EQ(t(b).cpu, 1);
    EXPECT_EQ(k->migrations()[1].kernel_hot, 0);
    EXPECT_EQ(t(a).cpu, 0) << "the running task stays";
    EXPECT_EQ(k->check_invariants(false), "");
}

// schedule() stamps prev->last_run = jiffies: a task switched out in this jiffy cannot be
// pulled by an idle CPU (R3-4, cache_decay_ticks 0) until the next one.
TEST_F(Sched2421, ScheduleStampsLastRunWithTheJiffy) {
    make();
    const int a = add("a", {0, 1}, 19), b = add("b", {0, 1}, 19); // 1-tick timeslices
    k->boot();
    at_jiffy(6);
    k->schedule(0); // a runs
    at_jiffy(7);
    k->scheduler_tick(0); // a expires
    k->schedule(0);
    ASSERT_EQ(k->rq(0).curr->pid, b);
    EXPECT_EQ(t(a).last_run, 7u);
    EXPECT_EQ(k->rebalance_2421(1, true), 0) << "a left CPU 0 in this jiffy";
    at_jiffy(8);
    EXPECT_EQ(k->rebalance_2421(1, true), 1);
    EXPECT_EQ(t(a).cpu, 1);
}

TEST_F(Sched2421, From9IdlePullsIgnoreHotnessToo) {
    cfg.policy.rhel3_update1 = true; // AGRESSIVE_IDLE_STEAL = 1
    make();
    add("a", {0, 1});
    const int b = add("b", {0, 1});
    k->boot();
    k->schedule(0); // a runs, b waits
    at_jiffy(5);
    t(b).last_run = 5;
    EXPECT_EQ(k->rebalance_2421(1, true), 1);
    EXPECT_EQ(t(b).cpu, 1);
}

TEST_F(Sched2421, BusiestNeedsA25PercentImbalanceAndHalvesIt) {
    make();
    long imb = -99;
    load(1, 1, 4);
    load(1, 0, 5);
    EXPECT_EQ(busiest(1, false, imb), -1) << "busy: (5 - 4) * 4 < 5";
    EXPECT_EQ(imb, 1) << "set before the 25% test";
    EXPECT_EQ(busiest(1, true, imb), 0) << "idle: no 25% test";
    EXPECT_EQ(imb, 0) << "1 / 2";
    load(1, 1, 3);
    load(1, 0, 4);
    EXPECT_EQ(busiest(1, false, imb), 0) << "(4 - 3) * 4 >= 4";
    EXPECT_EQ(imb, 0);
    load(1, 1, 0);
    load(1, 0, 8);
    load(1, 2, 9);
    EXPECT_EQ(busiest(1, false, imb), 2) << "the largest load";
    EXPECT_EQ(imb, 4) << "9 / 2";
    load(1, 2, 8);
    EXPECT_EQ(busiest(1, false, imb), 0) << "a tie keeps the first";
    load(1, 0, 1);
    load(1, 2, 0);
    EXPECT_EQ(busiest(1, true, imb), -1) << "max_load starts at 1: one task is never busiest";
}

TEST_F(Sched2421, PrevCpuLoadIsAMinFilter) {
    make();
    long imb = 0;
    load(1, 1, 1);
    load(1, 0, 4);
    k->rq(1).prev_cpu_load[0] = 1; // CPU 0 had 1 task at CPU 1's last balance
    EXPECT_EQ(busiest(1, false, imb), -1) << "busy: min(4, 1) = 1";
    EXPECT_EQ(k->rq(1).prev_cpu_load[0], 4) << "remembered for the next balance";
    EXPECT_EQ(busiest(1, false, imb), 0) << "4 twice in a row";
    EXPECT_EQ(imb, 1) << "(4 - 1) / 2";
    k->rq(1).prev_cpu_load[0] = 1;
    EXPECT_EQ(busiest(1, true, imb), 0) << "idle: the current length";
    // This CPU's own load is the larger of now and before: 4, so 5 is not 25% more.
    load(1, 0, 5);
    k->rq(1).prev_cpu_load[1] = 4;
    EXPECT_EQ(busiest(1, false, imb), -1);
    k->rq(1).prev_cpu_load[1] = 1;
    EXPECT_EQ(busiest(1, false, imb), 0);
    EXPECT_EQ(imb, 2);
}

// Nice 19 tasks have 1-tick timeslices: a and b expire in turn, c runs, d and e wait.
TEST_F(Sched2421, PullOrderIsExpiredFirstThenActiveEachFromTheTail) {
    make();
    const int a = add("a", {0, 1}, 19), b = add("b", {0, 1}, 19), c = add("c", {0, 1}, 19);
    add("d", {0, 1}, 19);
    add("e", {0, 1}, 19);
    k->boot();
    k->schedule(0);
    for (unsigned long j = 1; j <= 2; ++j) {
        at_jiffy(j);
        k->scheduler_tick(0);
        k->schedule(0);
    }
    Runqueue& rq0 = k->rq(0);
    ASSERT_EQ(rq0.curr->pid, c);
    ASSERT_EQ(t(a).array, rq0.expired);
    ASSERT_EQ(t(b).array, rq0.expired);
    at_jiffy(3); // a and b left CPU 0 in jiffies 1 and 2: cold
    EXPECT_EQ(k->rebalance_2421(1, true), 1) << "an idle balance pulls exactly one";
    EXPECT_EQ(t(b).array, k->rq(1).active) << "into the ACTIVE array, though it was expired";
    EXPECT_EQ(k->rebalance_2421(1, true), 1);
    EXPECT_EQ(k->rebalance_2421(1, true), 1);
    EXPECT_EQ(moved(), (std::vector<std::string>{"b", "a", "e"}));
    // CPU 1 now has 3, CPU 0 has 2: busiest by load (2 > 1) but the recheck under the lock
    // finds 2 <= 3.
    EXPECT_EQ(k->rebalance_2421(1, true), 0);
    EXPECT_EQ(balances(1).size(), 4u);
    EXPECT_EQ(k->check_invariants(false), "");
}

TEST_F(Sched2421, BusyPullsHalfTheImbalance) {
    make();
    for (const char* n : {"a", "b", "c", "d", "e"})
        add(n, {0, 1});
    k->boot();
    k->schedule(0); // a runs, four wait
    at_jiffy(3);
    load(1, 0, 5); // seen at the last balance too
    EXPECT_EQ(k->rebalance_2421(1, false), 2) << "(5 - 0) / 2";
    EXPECT_EQ(moved(), (std::vector<std::string>{"e", "d"}));
}

// (3 - 2) * 4 >= 3 passes, 1 / 2 = 0, and --imbalance = -1 is not zero: every migratable task.
TEST_F(Sched2421, BusyImbalanceHalvedToZeroPullsEveryMigratableTask) {
    make();
    const int x = add("x", {1}), y = add("y", {1});
    const int a = add("a", {0, 1}), b = add("b", {0, 1}), c = add("c", {0, 1});
    k->boot();
    k->schedule(0);
    k->schedule(1);
    ASSERT_EQ(k->rq(1).curr->pid, x);
    at_jiffy(3);
    load(1, 0, 3);
    load(1, 1, 2);
    EXPECT_EQ(k->rebalance_2421(1, false), 2);
    EXPECT_EQ(moved(), (std::vector<std::string>{"c", "b"}));
    EXPECT_EQ(t(a).cpu, 0);
    EXPECT_EQ(k->rq(1).nr_running, 4u);
    (void)y;
    (void)b;
    (void)c;
}

TEST_F(Sched2421, BalancingRunsOnTheGlobalJiffiesModulo) {
    make();
    for (unsigned long j = 1; j <= 60; ++j) {
        at_jiffy(j, 500);
        k->rebalance_tick(0, IdleType::NotIdle);
        k->rebalance_tick(1, IdleType::Idle);
    }
    std::vector<unsigned long> busy;
    for (auto [j, kind] : balances(0)) {
        EXPECT_EQ(kind, int(IdleType::NotIdle));
        busy.push_back(j);
    }
    EXPECT_EQ(busy, (std::vector<unsigned long>{20, 40, 60})) << "BUSY_REBALANCE_TICK = HZ / 5";
    const auto idle = balances(1);
    ASSERT_EQ(idle.size(), 60u) << "IDLE_REBALANCE_TICK = 1 and the idle branch returns (R3-4)";
    for (std::size_t i = 0; i < idle.size(); ++i) {
        EXPECT_EQ(idle[i], std::make_pair(i + 1, int(IdleType::Idle)));
    }
}

TEST_F(Sched2421, From9AnIdleCpuAlsoDoesTheBusyBalance) {
    cfg.policy.rhel3_update1 = true;
    make();
    for (unsigned long j = 1; j <= 40; ++j) {
        at_jiffy(j, 500);
        k->rebalance_tick(1, IdleType::Idle);
    }
    std::vector<unsigned long> busy;
    for (auto [j, kind] : balances(1)) {
        if (kind == int(IdleType::NotIdle)) busy.push_back(j);
    }
    EXPECT_EQ(balances(1).size(), 42u);
    EXPECT_EQ(busy, (std::vector<unsigned long>{20, 40}));
}

TEST_F(Sched2421, IdleTaskIsMarkedNeedReschedEveryTick) {
    make();
    k->boot();
    at_jiffy(1);
    Task& idle = *k->rq(2).idle;
    EXPECT_FALSE(idle.need_resched);
    k->scheduler_tick(2);
    EXPECT_TRUE(idle.need_resched) << "never on the active array";
    EXPECT_EQ(balances(2).size(), 1u);
    k->schedule(2); // an empty runqueue balances again (idle = 1) and stays idle
    EXPECT_FALSE(idle.need_resched);
    const auto b = balances(2);
    ASSERT_EQ(b.size(), 2u);
    EXPECT_EQ(b[1].second, int(IdleType::NewlyIdle));
    EXPECT_EQ(k->rq(2).curr, &idle);
}

TEST_F(Sched2421, SyncWakeupPullsToTheWakerNonSyncStays) {
    make();
    const int p = add("p", {0, 1, 2, 3}), q = add("q", {0, 1, 2, 3});
    t(p).state = t(q).state = TASK_INTERRUPTIBLE; // asleep on CPU 0 (never booted)
    at_jiffy(4);
    EXPECT_EQ(k->try_to_wake_up(2, t(p), TASK_INTERRUPTIBLE, true), 1);
    EXPECT_EQ(t(p).cpu, 2);
    EXPECT_EQ(t(p).array, k->rq(2).active);
    ASSERT_EQ(k->migrations().size(), 1u);
    const MigrationEvent& m = k->migrations()[0];
    EXPECT_EQ(m.reason, MigReason::Wakeup);
    EXPECT_EQ(m.reason_detail, "sync_wakeup");
    EXPECT_EQ(m.mechanism, "wakeup");
    EXPECT_EQ((std::pair{m.src, m.dst}), (std::pair{0, 2}));
    EXPECT_TRUE(hal.ipis.empty()) << "R3-4: a sync wake-up activates without wake_up_cpu";
    EXPECT_EQ(k->try_to_wake_up(2, t(q), TASK_INTERRUPTIBLE, false), 1);
    EXPECT_EQ(t(q).cpu, 0) << "a non-sync wake-up stays on task_cpu";
    EXPECT_EQ(k->migrations().size(), 1u);
    EXPECT_TRUE(k->rq(0).idle->need_resched);
    EXPECT_EQ(hal.ipis, (std::vector<std::pair<int, int>>{{2, 0}})) << "wake_up_cpu: idle CPU 0";
}

TEST_F(Sched2421, SyncWakeupOfAPinnedTaskKicksNoCpuUntil9) {
    make();
    const int p = add("p", {0});
    t(p).state = TASK_INTERRUPTIBLE;
    EXPECT_EQ(k->try_to_wake_up(2, t(p), TASK_INTERRUPTIBLE, true), 1);
    EXPECT_EQ(t(p).cpu, 0);
    EXPECT_TRUE(hal.ipis.empty());
    EXPECT_FALSE(k->rq(0).idle->need_resched) << "it waits for CPU 0's next tick";

    cfg.policy.rhel3_update1 = true; // -9: __activate_task only on the waker's CPU
    make();
    const int r = add("r", {0});
    t(r).state = TASK_INTERRUPTIBLE;
    hal.ipis.clear();
    EXPECT_EQ(k->try_to_wake_up(2, t(r), TASK_INTERRUPTIBLE, true), 1);
    EXPECT_EQ(hal.ipis, (std::vector<std::pair<int, int>>{{2, 0}}));
}

// wake_up_cpu: resched the current task for a better priority, or the same priority and more
// timeslice left.
TEST_F(Sched2421, WakeUpCpuComparesPriorityThenTimeslice) {
    make();
    const int a = add("a", {0});
    const int q = add("q", {0}), r = add("r", {0}, -5);
    t(q).state = t(r).state = TASK_INTERRUPTIBLE;
    k->boot();
    k->schedule(0);
    ASSERT_EQ(k->rq(0).curr->pid, a);
    t(a).time_slice = 10;
    t(q).time_slice = 10;
    k->try_to_wake_up(1, t(q), TASK_INTERRUPTIBLE, false);
    EXPECT_FALSE(t(a).need_resched) << "same priority, no more timeslice";
    EXPECT_TRUE(hal.ipis.empty());
    k->try_to_wake_up(1, t(r), TASK_INTERRUPTIBLE, false);
    EXPECT_TRUE(t(a).need_resched) << "better priority";
    EXPECT_EQ(hal.ipis, (std::vector<std::pair<int, int>>{{1, 0}}));

    make();
    const int a2 = add("a", {0});
    const int q2 = add("q", {0});
    t(q2).state = TASK_INTERRUPTIBLE;
    k->boot();
    k->schedule(0);
    t(a2).time_slice = 3;
    hal.ipis.clear();
    k->try_to_wake_up(1, t(q2), TASK_INTERRUPTIBLE, false);
    EXPECT_TRUE(t(a2).need_resched) << "same priority, 10 ticks left against 3";
}

TEST_F(Sched2421, AffinityOfASleepingTaskRetargetsToTheLowestAllowedCpu) {
    make();
    const int p = add("p", {0});
    t(p).state = TASK_INTERRUPTIBLE;
    CpuMask m(4);
    m.set(3);
    m.set(2);
    EXPECT_EQ(k->set_cpus_allowed(1, t(p), m, MigReason::Affinity), 0);
    EXPECT_EQ(t(p).cpu, 2) << "__ffs(cpus_allowed)";
    ASSERT_EQ(k->migrations().size(), 1u);
    EXPECT_EQ(k->migrations()[0].mechanism, "caller");
    EXPECT_EQ(k->migrations()[0].reason_detail, "set_cpus_allowed");
    EXPECT_EQ(k->set_cpus_allowed(1, t(p), CpuMask(4), MigReason::Affinity), -EINVAL_);
}

} // namespace
} // namespace smp::os
