// The guest scheduler with a fake HAL (no SystemC, no threads): runqueues, priorities and
// timeslices, the 2.6.10 imbalance arithmetic, the hot test, staggered and backed-off balancing,
// and the active-balance trigger, each against values worked out by hand from kernel/sched.c.
#include "fake_hal.hpp"
#include "os/kernel.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace smp::os {
namespace {

struct Sched : ::testing::Test {
    FakeHal hal;
    std::unique_ptr<Kernel> k;
    Cycle tick = 0;

    void make(unsigned cpus = 4, unsigned threads = 1) {
        KernelConfig cfg;
        cfg.trace = true;
        MachineShape shape;
        shape.cores_per_socket = cpus / threads;
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
    SchedDomain& cpu_domain(int cpu) { return *k->rq(cpu).domains.back(); }
    int balances(int cpu) {
        int n = 0;
        for (const auto& e : k->trace())
            n += e.ev == Ev::Balance && e.cpu == cpu;
        return n;
    }
};

TEST_F(Sched, TimeslicesFollowNiceAsIn269) {
    make();
    const int a = add("a", {0}, -20), b = add("b", {0}, 0), c = add("c", {0}, 19),
              d = add("d", {0}, -5);
    // SCALE_PRIO(DEF_TIMESLICE [x4 below nice 0], prio) = base * (140 - prio) / 20, >= 5 ms.
    EXPECT_EQ(k->task_timeslice(t(a)), 800u);
    EXPECT_EQ(k->task_timeslice(t(b)), 100u);
    EXPECT_EQ(k->task_timeslice(t(c)), 5u);
    EXPECT_EQ(k->task_timeslice(t(d)), 400u * 25 / 20);
    EXPECT_EQ(t(a).prio, 100);
    EXPECT_EQ(t(c).prio, 139);
}

TEST_F(Sched, ScheduleRunsTheBestPriorityFirstInFifoOrder) {
    make();
    const int a = add("a", {0}, 0), b = add("b", {0}, -5), c = add("c", {0}, -5);
    k->boot();
    EXPECT_EQ(k->rq(0).nr_running, 3u);
    k->schedule(0);
    EXPECT_EQ(k->rq(0).curr->pid, b);
    ASSERT_EQ(hal.switches.size(), 1u);
    EXPECT_EQ(hal.switches[0], std::make_pair(0, b)); // from swapper/0
    (void)a;
    (void)c;
    EXPECT_EQ(k->check_invariants(false), "");
}

TEST_F(Sched, ExpiredTaskGoesToTheExpiredArrayAndArraysSwap) {
    make();
    const int a = add("a", {0}, 19), b = add("b", {0}, 19); // 5-tick timeslices
    k->boot();
    k->schedule(0);
    ASSERT_EQ(k->rq(0).curr->pid, a);
    for (int i = 1; i <= 5; ++i) {
        hal.clock = Cycle(i) * tick;
        k->scheduler_tick(0);
    }
    EXPECT_TRUE(t(a).need_resched);
    EXPECT_EQ(t(a).array, k->rq(0).expired);
    EXPECT_EQ(k->rq(0).expired->nr_active, 1u);
    k->schedule(0);
    EXPECT_EQ(k->rq(0).curr->pid, b);
    for (int i = 6; i <= 10; ++i) {
        hal.clock = Cycle(i) * tick;
        k->scheduler_tick(0);
    }
    PrioArray* old_expired = k->rq(0).expired;
    k->schedule(0); // active is empty: the arrays swap
    EXPECT_EQ(k->rq(0).active, old_expired);
    EXPECT_EQ(k->rq(0).curr->pid, a);
}

TEST_F(Sched, HotOnlyUntilTheOldCpusNextTick) {
    make();
    const int a = add("a", {0});
    const SchedDomain& sd = cpu_domain(0); // cache_hot_time 2.5 us = 5000 cycles at 2 GHz
    ASSERT_EQ(sd.cache_hot_time, 5000u);
    const Cycle last_tick = 10 * tick;
    t(a).last_ran = last_tick + 1000; // switched out after the last tick
    EXPECT_TRUE(k->task_hot(t(a), last_tick, sd)) << "negative delta: hot";
    EXPECT_FALSE(k->task_hot(t(a), last_tick + tick, sd)) << "the next tick makes it cold";
    t(a).last_ran = last_tick - 4999;
    EXPECT_TRUE(k->task_hot(t(a), last_tick, sd));
    t(a).last_ran = last_tick - 5000;
    EXPECT_FALSE(k->task_hot(t(a), last_tick, sd));
}

// calibrate_migration_costs' second pass (2.6.20): level d of every CPU gets the cost measured at
// domain distance d; -1 (a level no pair measured) is never hot, compared as a long long.
TEST_F(Sched, CalibratedMigrationCostIsEachLevelsCacheHotTime) {
    KernelConfig cfg;
    MachineShape shape;
    shape.sockets = 2;
    shape.cores_per_socket = 2;
    shape.freq_ghz = 2.0;
    k = std::make_unique<Kernel>(hal, cfg, shape);
    EXPECT_EQ(k->domain_distance(0, 1), 0);
    EXPECT_EQ(k->domain_distance(2, 3), 0);
    EXPECT_EQ(k->domain_distance(0, 2), 1);
    EXPECT_EQ(k->domain_distance(3, 1), 1);
    k->set_migration_cost({100000, 300000}); // ns
    for (int c = 0; c < 4; ++c) {
        ASSERT_EQ(k->rq(c).domains.size(), 2u);
        EXPECT_EQ(k->rq(c).domains[0]->cache_hot_time, 200000u); // 100 us at 2 GHz
        EXPECT_EQ(k->rq(c).domains[1]->cache_hot_time, 600000u);
    }
    const int a = add("a", {0, 1, 2, 3});
    const Cycle now = 1000000;
    t(a).last_ran = now - 199999;
    EXPECT_TRUE(k->task_hot(t(a), now, *k->rq(0).domains[0]));
    t(a).last_ran = now - 200000;
    EXPECT_FALSE(k->task_hot(t(a), now, *k->rq(0).domains[0]));
    EXPECT_TRUE(k->task_hot(t(a), now, *k->rq(0).domains[1])); // across the sockets: 300 us
    k->set_migration_cost({100000, -1});
    t(a).last_ran = now - 1;
    EXPECT_FALSE(k->task_hot(t(a), now, *k->rq(0).domains[1])) << "-1: never hot";
}

// find_busiest_group on four single-CPU groups of power 128, loads set by hand.
TEST_F(Sched, ImbalanceArithmetic) {
    make();
    auto load = [&](int cpu, unsigned long nr) {
        k->rq(cpu).nr_running = nr;
        k->rq(cpu).cpu_load = nr * SCHED_LOAD_SCALE;
    };
    unsigned long imb = 99;
    // Two tasks on CPU 0, CPU 1 idle: avg 64, min(192, 64) = 64 < 127, but max - this >= 256.
    load(0, 2);
    SchedGroup* g = k->find_busiest_group(cpu_domain(1), 1, imb, IdleType::Idle);
    ASSERT_NE(g, nullptr);
    EXPECT_TRUE(g->cpumask.test(0));
    EXPECT_EQ(imb, 1u);
    // Eight tasks on CPU 0: avg 256, imbalance min(768, 256) = 256 -> (256 + 1) / 128 = 2.
    load(0, 8);
    g = k->find_busiest_group(cpu_domain(1), 1, imb, IdleType::NotIdle);
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(imb, 2u);
    // One task each on CPUs 0 and 1: balanced ...
    load(0, 1);
    load(1, 1);
    EXPECT_EQ(k->find_busiest_group(cpu_domain(1), 1, imb, IdleType::NotIdle), nullptr);
    EXPECT_EQ(imb, 0u);
    // ... but a newly idle CPU still gets the busiest group with imbalance 1.
    load(1, 0);
    k->rq(1).cpu_load = 128;
    g = k->find_busiest_group(cpu_domain(1), 1, imb, IdleType::NewlyIdle);
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(imb, 1u);
    // Three tasks on CPU 0 and one on CPU 1: 100*384 > 125*128, avg 128 = this_load -> balanced.
    load(0, 3);
    load(1, 1);
    EXPECT_EQ(k->find_busiest_group(cpu_domain(1), 1, imb, IdleType::NotIdle), nullptr);
    // Three on CPU 0, none elsewhere: avg 96, imbalance min(288, 96) = 96 < 127; max - this
    // = 384 >= 256 -> 1.
    load(1, 0);
    g = k->find_busiest_group(cpu_domain(1), 1, imb, IdleType::NotIdle);
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(imb, 1u);
}

TEST_F(Sched, BalanceIntervalDoublesWhileBalanced) {
    make();
    SchedDomain& sd = cpu_domain(1);
    ASSERT_EQ(sd.balance_interval, 1u);
    std::vector<unsigned long> seen;
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(k->load_balance(1, sd, IdleType::Idle), 0);
        seen.push_back(sd.balance_interval);
    }
    EXPECT_EQ(seen, (std::vector<unsigned long>{2, 4, 4, 4})); // max_interval 4 ms
}

// rebalance_tick: CPU c is due when jiffies + HZ*c/NR_CPUS - last_balance >= interval.
TEST_F(Sched, BalancingIsStaggeredByCpuOffset) {
    make();
    const unsigned long L = 1000;
    for (int c = 0; c < 4; ++c) {
        k->rq(c).domains.back()->last_balance = L;
        k->rq(c).domains.back()->balance_interval = 4; // busy: 4 * 64 = 256 jiffies
    }
    std::vector<long> first(4, -1);
    for (unsigned long j = L + 1; j <= L + 300; ++j) {
        hal.clock = j * tick;
        for (int c = 0; c < 4; ++c) {
            const int before = balances(c);
            k->rebalance_tick(c, IdleType::NotIdle);
            if (first[std::size_t(c)] < 0 && balances(c) > before)
                first[std::size_t(c)] = long(j - L);
        }
    }
    // Offsets 0, 250, 500, 750: CPU 0 waits the whole 256, CPU 1 six jiffies, 2 and 3 are due.
    EXPECT_EQ(first, (std::vector<long>{256, 6, 1, 1}));
}

TEST_F(Sched, ActiveBalanceAfterCacheNiceTriesPlusTwoFailures) {
    make();
    const int a = add("a", {0, 1});
    const int b = add("b", {0}); // pinned: cannot be pulled
    k->boot();
    k->schedule(0);
    ASSERT_EQ(k->rq(0).curr->pid, a);
    hal.clock = 5 * tick;
    k->rq(0).cpu_load = 256;
    SchedDomain& sd = cpu_domain(1);
    Task& mt = *k->rq(0).migration_thread;
    for (unsigned i = 1; i <= 3; ++i) {
        EXPECT_EQ(k->load_balance(1, sd, IdleType::Idle), 0);
        EXPECT_EQ(sd.nr_balance_failed, i);
        EXPECT_EQ(k->rq(0).active_balance, 0);
    }
    EXPECT_EQ(sd.balance_interval, 4u);                   // 1 + one per failure, up to max_interval
    EXPECT_EQ(k->load_balance(1, sd, IdleType::Idle), 0); // 4 > cache_nice_tries + 2
    EXPECT_EQ(k->rq(0).active_balance, 1);
    EXPECT_EQ(k->rq(0).push_cpu, 1);
    EXPECT_EQ(sd.nr_balance_failed, 1u) << "reset to cache_nice_tries";
    EXPECT_EQ(mt.state, TASK_RUNNING) << "migration/0 woken";
    EXPECT_NE(mt.array, nullptr);
    EXPECT_TRUE(t(a).need_resched) << "FIFO-99 preempts the running task";
    ASSERT_EQ(hal.ipis.size(), 1u);
    EXPECT_EQ(hal.ipis[0], std::make_pair(1, 0));
    (void)b;
}

TEST_F(Sched, PullSkipsRunningPinnedAndHotTasks) {
    make();
    const int a = add("a", {0, 1}), b = add("b", {0, 1}), c = add("c", {0});
    k->boot();
    k->schedule(0); // a runs
    hal.clock = 3 * tick;
    k->rq(0).timestamp_last_tick = 3 * tick;
    k->rq(0).cpu_load = 384;
    t(b).last_ran = 3 * tick + 10; // switched out after CPU 0's last tick: hot
    EXPECT_EQ(k->load_balance(1, cpu_domain(1), IdleType::Idle), 0);
    // After the next tick on CPU 0, b is cold and gets pulled (the only candidate).
    k->rq(0).timestamp_last_tick = 4 * tick;
    hal.clock = 4 * tick;
    EXPECT_EQ(k->load_balance(1, cpu_domain(1), IdleType::Idle), 1);
    EXPECT_EQ(t(b).cpu, 1);
    EXPECT_EQ(t(a).cpu, 0);
    EXPECT_EQ(t(c).cpu, 0);
    ASSERT_EQ(k->migrations().size(), 1u);
    EXPECT_EQ(k->migrations()[0].reason, MigReason::PeriodicBalance);
    EXPECT_EQ(k->migrations()[0].kernel_hot, 0);
    EXPECT_EQ(k->check_invariants(false), "");
}

TEST_F(Sched, MigrationRequestsAreServedNewestFirst) {
    make();
    MigrationReq first, second;
    k->queue_request(0, k->rq(1), first);
    k->queue_request(0, k->rq(1), second);
    ASSERT_EQ(k->rq(1).migration_queue.size(), 2u);
    EXPECT_EQ(k->rq(1).migration_queue.front(), &second) << "list_add inserts at the head";
    k->rq(1).migration_queue.clear();
}

TEST_F(Sched, PullTakesExpiredTasksFirst) {
    make();
    const int a = add("a", {0, 1}, 19), b = add("b", {0, 1}, 19), c = add("c", {0, 1}, 19);
    k->boot();
    k->schedule(0); // a runs and uses up its 5-tick timeslice
    for (int i = 1; i <= 5; ++i) {
        hal.clock = Cycle(i) * tick;
        k->scheduler_tick(0);
    }
    k->schedule(0); // b runs; a is on the expired array, c waits on the active one
    ASSERT_EQ(k->rq(0).curr->pid, b);
    ASSERT_EQ(t(a).array, k->rq(0).expired);
    hal.clock = 7 * tick; // a tick later both waiting tasks are cold
    k->rq(0).timestamp_last_tick = 7 * tick;
    k->rq(0).cpu_load = 384;
    EXPECT_EQ(k->load_balance(1, cpu_domain(1), IdleType::Idle), 1);
    EXPECT_EQ(t(a).cpu, 1) << "the expired task moves, not the active one";
    EXPECT_EQ(t(a).array, k->rq(1).expired) << "into the same kind of array";
    EXPECT_EQ(t(c).cpu, 0);
}

TEST_F(Sched, DomainsFromTopology) {
    make(4, 2); // 2 cores x 2 threads: SMT then CPU level
    ASSERT_EQ(k->rq(1).domains.size(), 2u);
    EXPECT_EQ(k->rq(1).domains[0]->level, Level::Smt);
    EXPECT_EQ(k->rq(1).domains[0]->span.cpus(), (std::vector<int>{0, 1}));
    EXPECT_EQ(k->rq(1).domains[1]->span.cpus(), (std::vector<int>{0, 1, 2, 3}));
    ASSERT_EQ(k->rq(1).domains[1]->groups.size(), 2u);
    EXPECT_EQ(k->rq(1).domains[1]->groups[0]->cpu_power, 128u + 128u / 10);
    EXPECT_TRUE(k->rq(1).domains[1]->groups[0]->cpumask.test(1)) << "local group first";
    EXPECT_EQ(k->rq(2).domains[1]->groups[0]->cpumask.cpus(), (std::vector<int>{2, 3}));
}

// Check mode: the scheduler invariants run after each operation; a corrupted runqueue count is
// reported after the next one, with the cycle, the CPU, the operation and the last events.
TEST_F(Sched, CheckModeCatchesAViolationAfterTheNextOperation) {
    make();
    add("a", {0});
    add("b", {0});
    k->boot();
    k->set_checking(true);
    k->schedule(0); // a healthy switch: checked, nothing to report
    hal.clock = 777;
    ++k->rq(1).nr_running; // one task too many, queued nowhere
    try {
        k->interrupt(0, Irq::Reschedule);
        FAIL() << "the violation was not reported";
    } catch (const std::logic_error& e) { // FakeHal::fail throws
        const std::string what = e.what();
        EXPECT_NE(what.find("kernel invariant violated at cycle 777 on cpu 0 after an interrupt: "
                            "cpu 1: nr_running 1 but 0 tasks queued"),
                  std::string::npos)
            << what;
        EXPECT_NE(what.find("last events: ["), std::string::npos) << what;
        EXPECT_NE(what.find(" switch pid "), std::string::npos) << what; // the earlier switch
    }
}

// The Cost enum, kCostFields and visit_costs list KernelCosts' fields in one order, so a path's
// primitive counts name the budgets they were charged.
TEST(KernelCostTable, NamesAndFieldsFollowTheVisitor) {
    KernelCosts c;
    std::int64_t v = 1;
    visit_costs(c, [&v](const char*, std::int64_t& f) { f = v++; });
    unsigned i = 0;
    visit_costs(c, [&](const char* name, std::int64_t& f) {
        EXPECT_STREQ(cost_name(Cost(i)), name);
        EXPECT_EQ(cost_of(c, Cost(i)), f);
        ++i;
    });
    EXPECT_EQ(i, unsigned(Cost::Count));
}

} // namespace
} // namespace smp::os
