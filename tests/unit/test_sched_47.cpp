// The Linux 4.7 placement and load arithmetic with a fake HAL: wake_affine's formula,
// select_idle_sibling's choices, select_task_rq_fair's exec descent, PELT's decay and
// accumulation, and the queued spinlock's FIFO hand-over order, each against values worked out
// by hand from kernel/sched/fair.c and kernel/locking/qspinlock.c.
#include "os/kernel.hpp"
#include "fake_hal.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <stdexcept>
#include <vector>

namespace smp::os {
namespace {

struct Sched47 : ::testing::Test {
    FakeHal hal;
    std::unique_ptr<Kernel> k;

    // The 2.6.10 preset with the 4.7 placement; `llc` CPUs share a last-level cache (0: all).
    void make(unsigned cpus = 4, unsigned threads = 1, unsigned llc = 0,
              const std::string& lock = "ttas") {
        KernelConfig cfg;
        cfg.trace = true;
        cfg.policy.wake_policy = "select_task_rq_fair";
        cfg.policy.ttwu_queue = true;
        cfg.policy.exec_balance = "select_task_rq";
        cfg.policy.fork_balance = "select_task_rq";
        cfg.policy.lock = lock;
        MachineShape shape;
        shape.cores_per_socket = cpus / threads;
        shape.threads_per_core = threads;
        shape.freq_ghz = 2.0;
        shape.llc_cpus = llc;
        k = std::make_unique<Kernel>(hal, cfg, shape);
    }
    int add(const std::string& name, std::vector<int> cpus) {
        TaskSpec s;
        s.name = name;
        s.cpus = std::move(cpus);
        return k->add_task(std::move(s));
    }
    Task& t(int pid) { return const_cast<Task&>(k->task_of(pid)); }
    const SchedDomain& top(int cpu) { return *k->rq(cpu).domains.back(); }
    void busy(int cpu, int pid) { k->rq(cpu).curr = &t(pid); } // the CPU runs pid: not idle
};

// wake_affine without group scheduling: affine iff
// 100*cap(prev)*(this_load + w_p) <= (100 + (pct-100)/2)*cap(this)*load(prev); the CPU domain
// of 2.6.10 has imbalance_pct 125, so the factor is 112.
TEST_F(Sched47, WakeAffineFormula) {
    make();
    const int p = add("p", {0, 1, 2, 3});
    t(p).cpu = 0; // prev = 0, the waker runs on 1
    const SchedDomain& sd = top(1);
    ASSERT_EQ(sd.params.imbalance_pct, 125);
    auto load = [&](int cpu, unsigned long l) { k->rq(cpu).runnable.load_avg = l; };
    // this_load = 0: only the capacities count, 100*1024 <= 112*1024, whatever prev's load.
    load(0, 0);
    load(1, 0);
    t(p).avg.load_avg = 1024;
    EXPECT_TRUE(k->wake_affine(1, sd, t(p), false));
    // 100*(1024 + 1024) = 204800 > 112*1024 = 114688: stays.
    load(0, 1024);
    load(1, 1024);
    EXPECT_FALSE(k->wake_affine(1, sd, t(p), false));
    // The boundary: 100*(360 + 200) = 56000 = 112*500 is affine, 100*(361 + 200) is not.
    load(0, 500);
    load(1, 360);
    t(p).avg.load_avg = 200;
    EXPECT_TRUE(k->wake_affine(1, sd, t(p), false));
    load(1, 361);
    EXPECT_FALSE(k->wake_affine(1, sd, t(p), false));
    // A sync wake-up takes the waker's own load off this CPU: 1024 - 1024 = 0 -> affine.
    const int w = add("w", {1});
    t(w).avg.load_avg = 1024;
    busy(1, w);
    load(0, 600);
    load(1, 1024);
    EXPECT_FALSE(k->wake_affine(1, sd, t(p), false)); // 100*1224 > 112*600
    EXPECT_TRUE(k->wake_affine(1, sd, t(p), true));
    // 100*(1100 - 1024 + 200) = 27600 <= 112*600 = 67200.
    load(1, 1100);
    EXPECT_TRUE(k->wake_affine(1, sd, t(p), true));
}

TEST_F(Sched47, SmtCapacityIsSmtGainShared) {
    make(4, 2);
    EXPECT_EQ(k->capacity_of(0), 1178u / 2);
    make(4, 1);
    EXPECT_EQ(k->capacity_of(0), 1024u);
}

// select_idle_sibling: target if idle; prev if it shares target's cache and is idle; else the
// first wholly idle, allowed group of target's LLC domain (groups in ring order from target's).
TEST_F(Sched47, SelectIdleSibling) {
    make();
    const int p = add("p", {0, 1, 2, 3});
    const int x = add("x", {0, 1, 2, 3});
    t(p).cpu = 3;
    EXPECT_EQ(k->select_idle_sibling(0, t(p), 1), 1) << "target idle";
    busy(1, x);
    EXPECT_EQ(k->select_idle_sibling(0, t(p), 1), 3) << "prev idle, same LLC (before the scan's 2)";
    busy(3, x);
    EXPECT_EQ(k->select_idle_sibling(0, t(p), 1), 2) << "ring from target's group: {1},{2},{3},{0}";
    busy(2, x);
    EXPECT_EQ(k->select_idle_sibling(0, t(p), 1), 0);
    t(p).cpus_allowed = CpuMask(4);
    for (int c : {1, 2, 3})
        t(p).cpus_allowed.set(c);
    EXPECT_EQ(k->select_idle_sibling(0, t(p), 1), 1) << "0 is not allowed: target";
    t(p).cpus_allowed = CpuMask::all(4);
    k->rq(0).wake_list.push_front(&t(x)); // a queued remote wake-up: not idle
    EXPECT_EQ(k->select_idle_sibling(0, t(p), 1), 1) << "nothing idle: target";
    k->rq(0).wake_list.clear();
}

TEST_F(Sched47, SelectIdleSiblingWithoutASharedCache) {
    make(4, 1, 1); // every cache private (athlon_x2 / opteron_2x2)
    const int p = add("p", {0, 1, 2, 3});
    const int x = add("x", {0, 1, 2, 3});
    t(p).cpu = 2;
    busy(1, x);
    EXPECT_FALSE(k->cpus_share_cache(1, 2));
    EXPECT_TRUE(k->cpus_share_cache(2, 2));
    EXPECT_EQ(k->sd_llc(1), nullptr);
    EXPECT_EQ(k->select_idle_sibling(0, t(p), 1), 1) << "prev idle but not sharing target's cache";
}

TEST_F(Sched47, SelectIdleSiblingScansIdleCoresThenThreads) {
    make(4, 2); // cores {0,1} and {2,3}, one LLC
    const int p = add("p", {0, 1, 2, 3});
    const int x = add("x", {0, 1, 2, 3});
    t(p).cpu = 0;
    busy(0, x);
    ASSERT_NE(k->sd_llc(0), nullptr);
    EXPECT_EQ(k->sd_llc(0)->span.weight(), 4u);
    EXPECT_EQ(k->select_idle_sibling(0, t(p), 0), 2) << "the first wholly idle core";
    busy(3, x);
    EXPECT_EQ(k->select_idle_sibling(0, t(p), 0), 1)
        << "no idle core: the SMT level, target's sibling";
}

// select_task_rq_fair for exec: the descent from the highest SD_BALANCE_EXEC domain takes the
// least loaded group (capacity-scaled) unless the local one is within 12% of it
// (100*this < 112*min), then find_idlest_cpu in it.
TEST_F(Sched47, ExecDescentFindsTheIdlestGroup) {
    make();
    const int p = add("p", {0, 1, 2, 3});
    const int x = add("x", {0, 1, 2, 3});
    t(p).cpu = 0;
    busy(0, p);
    busy(1, x);
    auto load = [&](int cpu, unsigned long l) { k->rq(cpu).runnable.load_avg = l; };
    load(0, 1024);
    load(1, 512);
    // An idle CPU that never went idle through schedule() (idle_stamp 0) is not picked.
    EXPECT_EQ(k->select_task_rq_fair(0, t(p), 0, Kernel::SdFlag::Exec, false).cpu, 0);
    for (int c = 0; c < 4; ++c)
        k->rq(c).idle_stamp = 1; // as after boot
    Kernel::Placement pl = k->select_task_rq_fair(0, t(p), 0, Kernel::SdFlag::Exec, false);
    EXPECT_EQ(pl.cpu, 2) << "{2} and {3} both load 0: the first";
    EXPECT_STREQ(pl.detail, "find_idlest_group");
    // All busy at 95 and the local CPU at 100: 100*100 = 10000 < 112*95 = 10640 -> stay.
    busy(2, x);
    busy(3, x);
    load(0, 100);
    for (int c : {1, 2, 3})
        load(c, 95);
    EXPECT_EQ(k->select_task_rq_fair(0, t(p), 0, Kernel::SdFlag::Exec, false).cpu, 0);
    // At 89 the local one is more than 12% above: 10000 >= 112*89 = 9968 -> the first least
    // loaded group, then its least loaded CPU.
    for (int c : {1, 2, 3})
        load(c, 89);
    load(2, 80);
    EXPECT_EQ(k->select_task_rq_fair(0, t(p), 0, Kernel::SdFlag::Exec, false).cpu, 2);
}

// find_idlest_cpu without a cpuidle driver: the idle CPU that went idle last (idle_stamp), else
// the least loaded one, this_cpu winning ties.
TEST_F(Sched47, FindIdlestCpuPrefersTheLatestIdle) {
    make(4, 2);
    const int p = add("p", {0, 1, 2, 3});
    const int x = add("x", {0, 1, 2, 3});
    const SchedGroup& core1 = *top(2).groups.front(); // {2,3}
    ASSERT_EQ(core1.cpumask.cpus(), (std::vector<int>{2, 3}));
    k->rq(2).idle_stamp = 100;
    k->rq(3).idle_stamp = 50;
    EXPECT_EQ(k->find_idlest_group_cpu(0, core1, t(p), 0), 2);
    k->rq(3).idle_stamp = 150;
    EXPECT_EQ(k->find_idlest_group_cpu(0, core1, t(p), 0), 3);
    busy(2, x);
    busy(3, x);
    k->rq(2).runnable.load_avg = 300;
    k->rq(3).runnable.load_avg = 200;
    EXPECT_EQ(k->find_idlest_group_cpu(0, core1, t(p), 0), 3) << "least loaded";
    k->rq(2).runnable.load_avg = 200;
    EXPECT_EQ(k->find_idlest_group_cpu(0, core1, t(p), 3), 3) << "tie: this_cpu";
    EXPECT_EQ(k->find_idlest_group_cpu(0, core1, t(p), 0), 2)
        << "tie, this_cpu elsewhere: the first";
}

// ---- PELT: 1024 ns units, periods of 1024 units, y^32 = 1/2 ----

constexpr std::uint64_t kPeriodNs = 1024 * 1024;

TEST(Pelt47, SleepingHalvesTheLoadEvery32Periods) {
    SchedAvg sa;
    init_runnable_average(sa, 1024);
    sa.period_contrib = 0;
    sa.last_update_time = 1; // attached
    const std::uint64_t before = sa.load_sum;
    EXPECT_EQ(before, 1024 * LOAD_AVG_MAX);
    EXPECT_TRUE(update_load_avg(sa, 1 + 32 * kPeriodNs, 0)); // asleep: weight 0
    // decay_load(x, 32) = (x >> 1) * (2^32 - 1) / 2^32: half, less at most one.
    EXPECT_LE(sa.load_sum, before / 2);
    EXPECT_GE(sa.load_sum, before / 2 - 1);
    EXPECT_NEAR(double(sa.load_avg), 512.0, 1.0);
    EXPECT_TRUE(update_load_avg(sa, 1 + 64 * kPeriodNs, 0));
    EXPECT_NEAR(double(sa.load_avg), 256.0, 1.0);
    // Below one unit (1024 ns) nothing changes.
    const SchedAvg same = sa;
    EXPECT_FALSE(update_load_avg(sa, 1 + 64 * kPeriodNs + 1023, 0));
    EXPECT_EQ(sa.load_sum, same.load_sum);
}

// Running from an empty average, each completed period adds 1024 and then decays with the
// others: after n periods load_sum = w * 1024 * (y + ... + y^n) = w * 1024*y*(1 - y^n)/(1 - y);
// an instant before the n-th boundary the current period still counts whole, which is the
// 1024*(1 - y^n)/(1 - y) of the reference. Both stay below w * 1024/(1 - y), and at period
// boundaries below w * LOAD_AVG_MAX. (One update spanning LOAD_AVG_MAX_N periods or more
// counts LOAD_AVG_MAX for them, as the kernel does; the tick keeps updates far closer.)
TEST(Pelt47, RunningConvergesGeometricallyToTheMax) {
    const double y = std::pow(0.5, 1.0 / 32);
    const unsigned long w = 1024;
    const double limit = w * 1024.0 / (1 - y);
    for (unsigned n : {1u, 2u, 10u, 32u, 100u, 300u}) {
        const double tol = w * double(n < 32 ? n : 32) + 1; // floors of the tables, per use
        SchedAvg one;                                       // one update over n periods
        one.last_update_time = 1;
        update_load_avg(one, 1 + n * kPeriodNs, w);
        const double expect = w * 1024.0 * y * (1 - std::pow(y, n)) / (1 - y);
        EXPECT_NEAR(double(one.load_sum), expect, tol) << n;
        EXPECT_LE(one.load_sum, w * LOAD_AVG_MAX) << n;
        SchedAvg before; // 1023 units into the n-th period
        before.last_update_time = 1;
        update_load_avg(before, 1 + n * kPeriodNs - 1024, w);
        const double whole = w * 1024.0 * (1 - std::pow(y, n)) / (1 - y);
        EXPECT_NEAR(double(before.load_sum), whole, tol + w) << n;
        EXPECT_LE(double(before.load_sum), limit) << n;
    }
    SchedAvg step; // an update every period (the tick does more often)
    step.last_update_time = 1;
    for (unsigned i = 1; i <= 1000; ++i) {
        update_load_avg(step, 1 + i * kPeriodNs, w);
        ASSERT_LE(step.load_sum, w * LOAD_AVG_MAX) << i;
    }
    EXPECT_NEAR(double(step.load_sum), w * 1024.0 * y / (1 - y), w * 64.0);
    EXPECT_GE(step.load_avg, w * 46000 / LOAD_AVG_MAX) << "converged near the weight";
    EXPECT_LE(step.load_avg, w);
    EXPECT_EQ(compute_runnable_contrib(LOAD_AVG_MAX_N), LOAD_AVG_MAX);
    EXPECT_EQ(nice_to_weight(0), 1024u);
    EXPECT_EQ(nice_to_weight(-20), 88761u);
    EXPECT_EQ(nice_to_weight(19), 15u);
}

// The runqueue's runnable load is its queued tasks': a new task starts at its full weight,
// a queued task keeps it, and a dequeued one is taken out at once.
TEST_F(Sched47, RunqueueLoadFollowsItsQueuedTasks) {
    make();
    const int a = add("a", {0});
    const int b = add("b", {0});
    k->boot();
    EXPECT_EQ(k->rq(0).runnable.load_avg, 2048u) << "init_entity_runnable_average: full weight";
    EXPECT_EQ(t(a).avg.load_avg, 1024u);
    k->schedule(0); // a runs, b waits: both queued
    for (int i = 1; i <= 200; ++i) {
        hal.clock = Cycle(i) * k->tick_cycles();
        k->pelt_tick(0);
    }
    EXPECT_GT(k->weighted_cpuload(0), 2000u) << "two always-runnable tasks";
    EXPECT_LE(k->weighted_cpuload(0), 2048u);
    EXPECT_EQ(k->weighted_cpuload(1), 0u);
    const unsigned long total = k->weighted_cpuload(0);
    t(a).state = TASK_INTERRUPTIBLE; // a sleeps: dequeued, its load leaves the runqueue
    k->schedule(0);                  // (at the same instant as the last tick: no decay)
    ASSERT_EQ(k->rq(0).curr->pid, b);
    EXPECT_GE(t(a).avg.load_avg, 1000u);
    EXPECT_EQ(k->weighted_cpuload(0), total - t(a).avg.load_avg);
    EXPECT_EQ(k->rq(0).pelt_weight, 1024u);
}

// try_to_wake_up (4.7) from an idle CPU sharing the cache: want_affine, wake_affine succeeds
// (this_load 0), select_idle_sibling keeps the idle waker's CPU; the waker enqueues directly.
TEST_F(Sched47, WakeupIsAffineToAnIdleWaker) {
    make();
    const int a = add("a", {0, 1, 2, 3});
    const int b = add("b", {0, 1, 2, 3});
    t(b).cpu = 0;
    k->boot();
    k->schedule(0); // a runs on 0, b waits
    t(a).state = TASK_INTERRUPTIBLE;
    k->schedule(0); // a sleeps, b runs
    ASSERT_EQ(k->rq(0).curr->pid, b);
    EXPECT_EQ(k->try_to_wake_up(1, t(a), TASK_INTERRUPTIBLE, false), 1);
    ASSERT_EQ(k->migrations().size(), 1u);
    EXPECT_EQ(k->migrations()[0].dst, 1);
    EXPECT_EQ(k->migrations()[0].reason, MigReason::Wakeup);
    EXPECT_EQ(k->migrations()[0].reason_detail, "wake_affine");
    EXPECT_EQ(k->migrations()[0].mechanism, "wakeup");
    EXPECT_EQ(t(a).state, TASK_RUNNING);
    EXPECT_EQ(t(a).array, k->rq(1).active);
    EXPECT_TRUE(k->rq(1).wake_list.empty());
    EXPECT_TRUE(hal.ipis.empty()) << "local: need_resched only";
    EXPECT_TRUE(k->rq(1).idle->need_resched);
    EXPECT_EQ(k->check_invariants(false), "");
}

// A task that has been dequeued but is still being switched out (p->on_cpu) is not placed
// until its CPU has finished the switch: the waker spins on on_cpu (smp_cond_acquire).
TEST_F(Sched47, WakeupWaitsUntilTheTaskIsSwitchedOut) {
    make();
    const int a = add("a", {0, 1, 2, 3});
    const int b = add("b", {0, 1, 2, 3});
    t(b).cpu = 0;
    k->boot();
    k->schedule(0);
    t(a).state = TASK_INTERRUPTIBLE;
    k->schedule(0); // a dequeued, b runs
    ASSERT_EQ(t(a).array, nullptr);
    EXPECT_FALSE(t(a).on_cpu) << "finish_task_switch cleared it";
    t(a).on_cpu = true; // as if CPU 0 were still in the middle of switching a out
    EXPECT_THROW(k->try_to_wake_up(1, t(a), TASK_INTERRUPTIBLE, false), std::logic_error)
        << "the waker spins (the fake HAL cannot)";
    EXPECT_EQ(t(a).state, TASK_INTERRUPTIBLE) << "nothing decided yet";
    EXPECT_TRUE(k->migrations().empty());
    t(a).pi_lock.owner = -1; // undo the interrupted wake-up
    t(a).on_cpu = false;
    EXPECT_EQ(k->try_to_wake_up(1, t(a), TASK_INTERRUPTIBLE, false), 1);
    EXPECT_EQ(t(a).state, TASK_RUNNING);
}

// Across last-level caches the wakee goes on the target's wake list with one IPI, and the
// target's reschedule interrupt activates it there (scheduler_ipi -> sched_ttwu_pending).
TEST_F(Sched47, RemoteWakeupGoesThroughTheWakeList) {
    make(4, 1, 1); // no shared cache
    const int a = add("a", {0, 1, 2, 3});
    const int b = add("b", {0, 1, 2, 3});
    const int c = add("c", {1});
    t(b).cpu = 0;
    k->boot();
    k->schedule(0);
    k->schedule(1); // c runs on 1: the waker's CPU is loaded
    t(a).state = TASK_INTERRUPTIBLE;
    k->schedule(0);
    ASSERT_EQ(k->rq(0).curr->pid, b);
    ASSERT_GT(k->weighted_cpuload(1), 0u);
    EXPECT_EQ(k->try_to_wake_up(1, t(a), TASK_INTERRUPTIBLE, false), 1);
    EXPECT_TRUE(k->migrations().empty()) << "wake_affine fails: a stays on 0";
    EXPECT_EQ(t(a).state, TASK_WAKING);
    ASSERT_EQ(k->rq(0).wake_list.size(), 1u);
    EXPECT_EQ(t(a).array, nullptr);
    ASSERT_EQ(hal.ipis.size(), 1u);
    EXPECT_EQ(hal.ipis[0], std::make_pair(1, 0));
    k->interrupt(0, Irq::Reschedule);
    EXPECT_TRUE(k->rq(0).wake_list.empty());
    EXPECT_EQ(t(a).state, TASK_RUNNING);
    EXPECT_EQ(t(a).array, k->rq(0).active);
    EXPECT_EQ(k->check_invariants(false), "");
    (void)c;
}

// ---- Queued spinlock: the lock word's transitions and the FIFO hand-over ----

// CPU 0 holds the lock; CPUs 1, 2, 3 contend in that order: 1 takes the pending bit, 2 and 3
// queue as MCS nodes. The lock goes 0 -> 1 -> 2 -> 3, and no newcomer can take it on the fast
// path while anyone waits.
TEST(QSpin47, ThreeContendersAreServedFifo) {
    QSpin q;
    int owner = -1;
    std::vector<int> order;
    ASSERT_TRUE(q.trylock(owner, 0)); // 0,0,0 -> 0,0,1: one cmpxchg
    order.push_back(owner);
    EXPECT_FALSE(q.trylock(owner, 1));
    EXPECT_EQ(q.trylock_or_pending(owner, 1), QSpin::Slow::Pending); // 0,0,1 -> 0,1,1
    EXPECT_FALSE(q.trylock(owner, 2));
    EXPECT_EQ(q.trylock_or_pending(owner, 2), QSpin::Slow::Queue); // pending seen: queue
    EXPECT_EQ(q.enqueue(2), -1) << "the first node is the head";
    EXPECT_EQ(q.trylock_or_pending(owner, 3), QSpin::Slow::Queue);
    EXPECT_EQ(q.enqueue(3), 2) << "xchg_tail returns the previous tail";
    EXPECT_FALSE(q.next_linked() && q.queue.size() == 2 && q.queue[1].linked);
    q.node(3)->linked = true; // WRITE_ONCE(prev->next, node)

    owner = -1; // 0 releases
    EXPECT_FALSE(q.trylock(owner, 4)) << "a newcomer cannot barge in";
    EXPECT_FALSE(q.head_may_claim(owner)) << "the head waits for the pending waiter";
    q.take_pending(owner, 1); // clear_pending_set_locked
    order.push_back(owner);

    owner = -1; // 1 releases
    ASSERT_TRUE(q.head_may_claim(owner));
    EXPECT_FALSE(q.node(3)->locked) << "3 still spins on its own node";
    EXPECT_FALSE(q.claim(owner, 2)) << "not alone: set_locked, then hand over";
    order.push_back(owner);
    ASSERT_TRUE(q.next_linked());
    q.grant_next(); // arch_mcs_spin_unlock_contended(&next->locked)
    EXPECT_TRUE(q.node(3)->locked);

    owner = -1; // 2 releases
    ASSERT_TRUE(q.head_may_claim(owner));
    EXPECT_TRUE(q.claim(owner, 3)) << "alone: the cmpxchg clears the tail";
    order.push_back(owner);
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
    owner = -1;
    EXPECT_TRUE(q.word_free(owner));
}

// While a pending waiter takes over (owner gone, pending set, no tail) a newcomer waits for the
// hand-over and then becomes the pending waiter itself.
TEST(QSpin47, PendingHandoverThenPending) {
    QSpin q;
    int owner = -1;
    ASSERT_TRUE(q.trylock(owner, 0));
    ASSERT_EQ(q.trylock_or_pending(owner, 1), QSpin::Slow::Pending);
    owner = -1;
    EXPECT_TRUE(q.pending_handover(owner));
    q.take_pending(owner, 1);
    EXPECT_FALSE(q.pending_handover(owner));
    EXPECT_EQ(q.trylock_or_pending(owner, 2), QSpin::Slow::Pending);
}

// Through the kernel, an uncontended acquisition is one atomic on the lock word (and the
// release one write), with no MCS node touched.
TEST_F(Sched47, UncontendedQueuedLockIsOneAtomic) {
    make(4, 1, 0, "queued");
    k->boot();
    hal.access_log.clear();
    k->schedule(1); // idle CPU: lock and unlock its runqueue
    const Addr lock = k->layout().rq(1, RqLine::L0);
    int atomics = 0, mcs = 0;
    for (const auto& [kind, addr] : hal.access_log) {
        atomics += kind == KAccess::Atomic && addr == lock;
        mcs += k->layout().describe(addr).rfind("mcs[", 0) == 0;
    }
    EXPECT_EQ(atomics, 1);
    EXPECT_EQ(mcs, 0);
    EXPECT_EQ(k->stats().lock_spins, 0u);
}

} // namespace
} // namespace smp::os
