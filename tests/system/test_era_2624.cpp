// The Linux 2.6.24 kernel on whole machines: the forced migration F1 of the reference (§7.5)
// as an event sequence, a periodic pull through SCHED_SOFTIRQ (F3) and a new-idle pull (F4),
// each checked by the kernel's records (reason, reason_detail, mechanism) and the trace.
#include "guest_fixture.hpp"

namespace smp::test {
namespace {

constexpr std::int64_t kMs = 2000000; // cycles per ms at 2 GHz
constexpr int R = 2, S = 0, D = 3;

SystemConfig quad_2624() {
    SystemConfig cfg = preset("quad");
    cfg.check = true;
    cfg.kernel.set_era("linux-2.6.24");
    return cfg;
}

std::string all_migrations(os::Kernel& k) {
    std::string s;
    for (const auto& m : k.migrations()) {
        s += m.task_name + " " + std::to_string(m.src) + "->" + std::to_string(m.dst) + " " +
             os::reason_name(m.reason) + "/" + m.reason_detail + " by " + m.mechanism +
             " hot=" + std::to_string(m.kernel_hot) + " t=" + std::to_string(m.t_decision) + "\n";
    }
    return s;
}

// F1: a control task on R sets the mask of T running on S; migration/S (FIFO 99, woken through
// the rt class: check_preempt_wakeup reschedules the fair T) moves T to D = any_online_cpu(mask).
TEST(Era2624, ForcedMigrationFollowsTheReferenceFlowF1) {
    SystemConfig cfg = quad_2624();
    cfg.tasks.push_back(task("a", working_set(64 * 1024, 60), {S}));
    cfg.tasks.push_back(task("b", working_set(64 * 1024, 60), {1}));
    ActionConfig a = action("set_affinity", 600000, "a"); // 0.3 ms
    a.cpus = {D};
    a.cpu = R;
    cfg.actions.push_back(a);
    Guest m(cfg);
    m.run();
    const int T = m.pid("a");
    const int ctl = m.pid("taskset/2");
    const int mt = m.pid("migration/0");
    const auto resched = static_cast<long long>(os::Irq::Reschedule);

    const long syscall = m.find(0, Ev::Syscall, R, ctl, int(os::SyscallNr::SchedSetaffinity));
    ASSERT_GE(syscall, 0) << m.dump();
    EXPECT_GE(m.xfer(syscall, R, "rq[0].L0"), 0) << "S's runqueue lock line moves to R";
    const long queued = m.find(syscall, Ev::ReqQueued, R, T, D);
    ASSERT_GT(queued, syscall) << m.dump(syscall);
    const long ipi_s = m.find(queued, Ev::IpiSent, R, -2, S);
    ASSERT_GT(ipi_s, queued) << "the RT wakee preempts the fair T\n" << m.dump(syscall);
    const long irq_s = m.find(ipi_s, Ev::Irq, S, -2, resched);
    ASSERT_GT(irq_s, ipi_s) << m.dump(syscall);
    const long runs = m.find(irq_s, [&](const os::TraceEvent& e) {
        return e.ev == Ev::Switch && e.cpu == S && e.a == T && e.b == mt;
    });
    ASSERT_GT(runs, irq_s) << "migration/S preempts T on S\n" << m.dump(syscall);
    EXPECT_GT(m.xfer(runs, S, "stack[" + std::to_string(ctl) + "].Req"), runs)
        << "migration/S reads the request on R's stack";
    const long deq = m.find(runs, Ev::Dequeue, S, T, S);
    ASSERT_GT(deq, runs) << m.dump(syscall);
    const long enq = m.find(deq, Ev::Enqueue, S, T, D);
    ASSERT_GT(enq, deq) << m.dump(syscall);
    const long ipi_d = m.find(enq, Ev::IpiSent, S, -2, D);
    ASSERT_GT(ipi_d, enq) << "D is idle: check_preempt_curr_idle, reschedule IPI\n"
                          << m.dump(syscall);
    const long done = m.find(ipi_d, Ev::Complete, S, ctl);
    ASSERT_GT(done, ipi_d) << m.dump(syscall);
    const long woken = m.find(done, Ev::Wakeup, S, ctl);
    ASSERT_GT(woken, done) << "complete() wakes the requester\n" << m.dump(syscall);
    const long irq_d = m.find(ipi_d, Ev::Irq, D, -2, resched);
    ASSERT_GT(irq_d, ipi_d);
    const long first = m.find(irq_d, Ev::FirstRun, D, T);
    ASSERT_GT(first, irq_d) << m.dump(syscall);
    EXPECT_GT(m.find(woken,
                     [&](const os::TraceEvent& e) {
                         return e.ev == Ev::Switch && e.cpu == R && e.b == ctl;
                     }),
              woken)
        << "the requester runs again on R";
    EXPECT_GT(m.xfer(enq, D, "thread_info[" + std::to_string(T) + "]"), enq)
        << m.dump(enq, first + 40);
    EXPECT_GT(m.xfer(enq, D, "task[" + std::to_string(T) + "].Sched"), enq)
        << m.dump(enq, first + 40);

    ASSERT_EQ(m.k().migrations().size(), 1u) << all_migrations(m.k());
    const os::MigrationEvent& e = m.k().migrations()[0];
    EXPECT_EQ(e.src, S);
    EXPECT_EQ(e.dst, D);
    EXPECT_EQ(e.reason, os::MigReason::Affinity);
    EXPECT_EQ(e.reason_detail, "set_cpus_allowed");
    EXPECT_EQ(e.mechanism, "migration_thread");
    // T stopped running on S a few microseconds before migration/S read S's clock: hot (500 us).
    EXPECT_EQ(e.kernel_hot, 1);
    EXPECT_LT(e.t_decision, e.t_dequeue);
    EXPECT_LT(e.t_dequeue, e.t_enqueue);
    EXPECT_LT(e.t_enqueue, e.t_first_run);
    EXPECT_EQ(m.k().check_invariants(true), "");
    EXPECT_EQ(m.k().task_of(T).cpu, D);
}

// hot_verdict of 2.6.24: rq->clock(S) - exec_start < 500 us. T and U share CPU 0 (60 ms
// latency on 4 CPUs: 30 ms slices), so T is switched out at the tick of 32 ms; 2 ms later its
// affinity changes and migration/0 moves the queued T: cold, although T left the CPU after the
// CPU's last tick (which 2.6.10's tick-granular rule would call hot).
TEST(Era2624, AffinityMoveOfAWaitingTaskIsColdAfterTheMigrationCost) {
    SystemConfig cfg = quad_2624();
    cfg.tasks.push_back(task("t", spin(200 * kMs), {0}));
    cfg.tasks.push_back(task("u", spin(200 * kMs), {0}));
    ActionConfig a = action("set_affinity", 34 * kMs, "t");
    a.cpus = {2};
    a.cpu = 1;
    cfg.actions.push_back(a);
    Guest m(cfg);
    m.run(40 * kMs);
    const int T = m.pid("t"), U = m.pid("u");
    const long out = m.find(0, [&](const os::TraceEvent& e) {
        return e.ev == Ev::Switch && e.cpu == 0 && e.a == T && e.b == U;
    });
    ASSERT_GE(out, 0) << m.dump();
    const Cycle t_out = m.trace()[std::size_t(out)].t;
    EXPECT_GT(t_out, 32 * kMs);
    EXPECT_LT(t_out, 33 * kMs) << "switched out at the tick that ended its slice";
    ASSERT_EQ(m.k().migrations().size(), 1u) << all_migrations(m.k()) << m.dump(out);
    const os::MigrationEvent& e = m.k().migrations()[0];
    EXPECT_EQ(e.task, T);
    EXPECT_EQ(e.mechanism, "migration_thread");
    EXPECT_GT(e.t_dequeue, 0u) << "moved while queued";
    EXPECT_GT(e.t_decision - t_out, Cycle(kMs)) << "decided well over 500 us after T last ran";
    EXPECT_EQ(e.kernel_hot, 0);
    EXPECT_EQ(m.k().check_invariants(false), "");
}

// F3: a and b start on CPU 0; at a tick an idle CPU raises SCHED_SOFTIRQ (jiffies >=
// next_balance) and, at the interrupt's exit, rebalance_domains pulls the waiting task b.
TEST(Era2624, PeriodicPullThroughSchedSoftirq) {
    SystemConfig cfg = quad_2624();
    cfg.tasks.push_back(task("a", spin(60 * kMs), {0, 1, 2, 3}));
    cfg.tasks.push_back(task("b", spin(60 * kMs), {0, 1, 2, 3}));
    Guest m(cfg);
    m.run(20 * kMs);
    ASSERT_GE(m.k().migrations().size(), 1u) << all_migrations(m.k());
    const os::MigrationEvent& e = m.k().migrations()[0];
    EXPECT_EQ(e.task_name, "b") << "the waiting task, not the running one\n"
                                << all_migrations(m.k());
    EXPECT_EQ(e.src, 0);
    EXPECT_EQ(e.reason, os::MigReason::PeriodicBalance);
    EXPECT_EQ(e.reason_detail, "lb_softirq");
    EXPECT_EQ(e.mechanism, "balancer");
    EXPECT_EQ(e.kernel_hot, 0) << "b never ran: exec_start 0, far behind CPU 0's clock";
    const int dst = e.dst, b = m.pid("b");
    ASSERT_NE(dst, 0);
    const auto timer = static_cast<long long>(os::Irq::Timer);
    const long deq = m.find(0, Ev::Dequeue, dst, b, 0);
    ASSERT_GE(deq, 0) << m.dump();
    // The pull runs in the interrupt of a tick on dst: after its timer Irq, with no other Irq on
    // dst in between, as an idle balance (pid = IdleType::Idle) at the MC level that moved one
    // task.
    long irq = -1;
    for (long i = m.find(0, Ev::Irq, dst, -2, timer); i >= 0 && i < deq;
         i = m.find(i + 1, Ev::Irq, dst, -2, timer))
        irq = i;
    ASSERT_GE(irq, 0) << m.dump(0, deq + 1);
    const long next_irq =
        m.find(irq + 1, [&](const os::TraceEvent& x) { return x.ev == Ev::Irq && x.cpu == dst; });
    EXPECT_TRUE(next_irq < 0 || next_irq > deq) << "pulled at the exit of that tick's interrupt";
    const long bal = m.find(irq, Ev::Balance, dst, int(os::IdleType::Idle), 0);
    ASSERT_GT(bal, deq) << "the balance event follows the pull it made\n" << m.dump(irq, deq + 5);
    EXPECT_EQ(m.trace()[std::size_t(bal)].b, 1);
    const long enq = m.find(deq, Ev::Enqueue, dst, b, dst);
    ASSERT_GT(enq, deq);
    EXPECT_EQ(m.find(irq, Ev::IpiSent, dst, -2, 0), -1) << "S gets no IPI: its lines are stolen";
    EXPECT_GT(m.find(enq, Ev::FirstRun, dst, b), enq);
    EXPECT_GE(m.k().stats().balance_passes, 2u);
    EXPECT_LE(m.k().stats().max_tasks_examined, 33u);
    EXPECT_EQ(m.k().check_invariants(false), "");
}

// F4: a (pinned to CPU 1) exits after 6 ms; CPU 1's schedule() finds its runqueue empty and
// idle_balance pulls c, waiting on CPU 0 behind b (b and c may not run on CPUs 2 and 3, so the
// idle CPUs' periodic balancing finds them all pinned).
TEST(Era2624, NewIdlePullWhenACpuRunsOutOfWork) {
    SystemConfig cfg = quad_2624();
    cfg.tasks.push_back(task("a", spin(6 * kMs), {1}));
    cfg.tasks.push_back(task("b", spin(20 * kMs), {0, 1}));
    cfg.tasks.push_back(task("c", spin(20 * kMs), {0, 1}));
    Guest m(cfg);
    m.run();
    ASSERT_GE(m.k().migrations().size(), 1u) << all_migrations(m.k());
    const os::MigrationEvent& e = m.k().migrations()[0];
    EXPECT_EQ(e.task_name, "c") << all_migrations(m.k());
    EXPECT_EQ(e.src, 0);
    EXPECT_EQ(e.dst, 1);
    EXPECT_EQ(e.reason, os::MigReason::NewidleBalance);
    EXPECT_EQ(e.reason_detail, "lb_newidle");
    EXPECT_EQ(e.mechanism, "balancer");
    const int a = m.pid("a"), c = m.pid("c");
    const long exit = m.find(0, Ev::Exit, 1, a);
    ASSERT_GE(exit, 0) << m.dump();
    const long deq = m.find(exit, Ev::Dequeue, 1, c, 0);
    ASSERT_GT(deq, exit) << m.dump(exit);
    const long enq = m.find(deq, Ev::Enqueue, 1, c, 1);
    ASSERT_GT(enq, deq);
    const long bal = m.find(enq, Ev::Balance, 1, int(os::IdleType::NewlyIdle), 0);
    ASSERT_GT(bal, enq) << m.dump(exit, enq + 10);
    EXPECT_EQ(m.trace()[std::size_t(bal)].b, 1);
    const long sw = m.find(bal, [&](const os::TraceEvent& x) {
        return x.ev == Ev::Switch && x.cpu == 1 && x.a == a && x.b == c;
    });
    ASSERT_GT(sw, bal) << "the dying task's CPU switches straight to the pulled one\n"
                       << m.dump(exit, enq + 10);
    EXPECT_GT(m.find(sw, Ev::FirstRun, 1, c), sw);
    EXPECT_EQ(m.k().task_of(m.pid("b")).cpu, 0);
    EXPECT_EQ(m.k().check_invariants(true), "");
}

// F5 on two packages (opteron_2x2: MC {0,1} and {2,3}, NODE with cache_nice_tries 2): a on
// CPU 0 and b on CPU 1 each run alone, package 1 is idle. CPU 2 (the first idle CPU of its
// package) finds package 0 busiest at the NODE level, but its busiest runqueue has one task:
// nothing to move, a failure. After cache_nice_tries + 3 = 5 failures in a row it kicks
// migration/0, which pushes a (queued behind it) to push_cpu 2 with move_one_task.
TEST(Era2624, ActiveBalancePushesARunningTaskToTheIdlePackage) {
    SystemConfig cfg = preset("opteron_2x2");
    cfg.check = true;
    cfg.kernel.set_era("linux-2.6.24");
    const std::int64_t ms = 2200000; // 2.2 GHz
    cfg.tasks.push_back(task("a", spin(120 * ms), {0, 2}));
    cfg.tasks.push_back(task("b", spin(120 * ms), {1, 2}));
    Guest m(cfg);
    m.run(100 * ms);
    const int A = m.pid("a");
    const int mt = m.pid("migration/0");
    ASSERT_EQ(m.k().migrations().size(), 1u) << all_migrations(m.k());
    const os::MigrationEvent& e = m.k().migrations()[0];
    EXPECT_EQ(e.task, A);
    EXPECT_EQ(e.src, 0);
    EXPECT_EQ(e.dst, 2);
    EXPECT_EQ(e.reason, os::MigReason::ActiveBalance);
    EXPECT_EQ(e.reason_detail, "active_balance");
    EXPECT_EQ(e.mechanism, "migration_thread");
    EXPECT_EQ(e.kernel_hot, 1) << "hot, moved because nr_balance_failed > cache_nice_tries";
    EXPECT_EQ(m.k().stats().active_balance, 1u);
    const long kick = m.find(0, Ev::ActiveKick, 2, -2, 0);
    ASSERT_GE(kick, 0) << all_migrations(m.k());
    std::vector<long long> node_results; // CPU 2's NODE-level passes before the kick
    for (long i = 0; i < kick; ++i) {
        const auto& x = m.trace()[std::size_t(i)];
        if (x.ev == Ev::Balance && x.cpu == 2 && x.a == 1) node_results.push_back(x.b);
    }
    ASSERT_GE(node_results.size(), 5u);
    EXPECT_EQ(std::vector<long long>(node_results.end() - 5, node_results.end()),
              (std::vector<long long>{0, 0, 0, 0, 0}))
        << "five failures in a row";
    if (node_results.size() > 5) {
        EXPECT_NE(node_results[node_results.size() - 6], 0);
    }
    const long ipi = m.find(kick, Ev::IpiSent, 2, -2, 0);
    ASSERT_GT(ipi, kick) << "waking migration/0 (RT) preempts a on CPU 0";
    const long sw = m.find(ipi, [&](const os::TraceEvent& x) {
        return x.ev == Ev::Switch && x.cpu == 0 && x.a == A && x.b == mt;
    });
    ASSERT_GT(sw, ipi);
    const long deq = m.find(sw, Ev::Dequeue, 0, A, 0);
    ASSERT_GT(deq, sw);
    const long enq = m.find(deq, Ev::Enqueue, 0, A, 2);
    ASSERT_GT(enq, deq);
    EXPECT_GT(m.find(enq, Ev::IpiSent, 0, -2, 2), enq) << "CPU 2 is idle";
    EXPECT_GT(m.find(enq, Ev::FirstRun, 2, A), enq);
    EXPECT_EQ(m.k().task_of(m.pid("b")).cpu, 1);
    EXPECT_EQ(m.k().check_invariants(false), "");
}

} // namespace
} // namespace smp::test
