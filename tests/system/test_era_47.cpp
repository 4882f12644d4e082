// The Linux 4.7 migration and wake-up mechanisms (reference §5, §7.5 F1/F6, §7.9) as ablations
// of the 2.6.10 policy: the stopper migrator, caller_moves_queued_task, move_queued_task with
// one runqueue lock at a time, select_task_rq_fair with the remote wake list, queued locks.
#include "guest_fixture.hpp"

#include <set>

namespace smp::test {
namespace {

constexpr std::int64_t kMs = 2000000; // cycles per ms at 2 GHz
constexpr int R = 2, S = 0, D = 3;

// The 4.7 mechanism fields on top of the 2.6.10 preset, or (preset) the whole linux-4.7 era.
void mechanisms_47(SystemConfig& cfg, bool preset = false) {
    if (preset) {
        cfg.kernel.set_era("linux-4.7");
        return;
    }
    os::SchedPolicy& p = cfg.kernel.policy;
    p.migrator = "stopper";
    p.caller_moves_queued_task = true;
    p.hold_both_rq_locks = false;
    p.wake_policy = "select_task_rq_fair";
    p.ttwu_queue = true;
    p.exec_balance = "select_task_rq";
    p.fork_balance = "select_task_rq";
    p.lock = "queued";
}

std::string all_migrations(os::Kernel& k) {
    std::string s;
    for (const auto& m : k.migrations()) {
        s += m.task_name + " " + std::to_string(m.src) + "->" + std::to_string(m.dst) + " " +
             os::reason_name(m.reason) + "/" + m.reason_detail + " by " + m.mechanism +
             " t=" + std::to_string(m.t_decision) + "\n";
    }
    return s;
}

SystemConfig f1_config(bool era = false) {
    SystemConfig cfg = preset("quad");
    cfg.check = true;
    mechanisms_47(cfg, era);
    cfg.tasks.push_back(task("a", working_set(64 * 1024, 60), {S}));
    cfg.tasks.push_back(task("b", working_set(64 * 1024, 60), {1}));
    ActionConfig a = action("set_affinity", 600000, "a");
    a.cpus = {D};
    a.cpu = R;
    cfg.actions.push_back(a);
    return cfg;
}

// The flows that every configuration with the 4.7 mechanisms shares: as ablations of 2.6.10
// (O(1) runqueue) and as the linux-4.7 era (CFS, the 4.7 balancer).
struct Era47Both : ::testing::TestWithParam<bool> {};
INSTANTIATE_TEST_SUITE_P(, Era47Both, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& i) {
                             return i.param ? "Era47" : "Ablation2610";
                         });

// F1 (4.7): R locks T's runqueue, queues the stop work on S's stopper and wakes it (IPI to S);
// the stopper preempts T on S, move_queued_task dequeues T on S and enqueues it on D without
// holding both runqueue locks, IPIs D, completes; the requester is woken and T runs on D.
TEST_P(Era47Both, F1RunningTaskIsMovedByTheStopper) {
    Guest m(f1_config(GetParam()));
    m.run();
    const int T = m.pid("a");
    const int ctl = m.pid("taskset/2");
    const int stopper = m.pid("migration/0");
    const auto resched = static_cast<long long>(os::Irq::Reschedule);

    const long syscall = m.find(0, Ev::Syscall, R, ctl, int(os::SyscallNr::SchedSetaffinity));
    ASSERT_GE(syscall, 0) << m.dump();
    const long locked = m.find(syscall, Ev::RqLock, R, -2, S);
    ASSERT_GT(locked, syscall) << "R locks S's runqueue (task_rq_lock)\n" << m.dump(syscall);
    const long queued = m.find(locked, Ev::StopQueued, R, T, S);
    ASSERT_GT(queued, locked) << m.dump(syscall);
    const long ipi_s = m.find(queued, Ev::IpiSent, R, -2, S);
    ASSERT_GT(ipi_s, queued) << m.dump(syscall);
    const long irq_s = m.find(ipi_s, Ev::Irq, S, -2, resched);
    ASSERT_GT(irq_s, ipi_s) << m.dump(syscall);
    const long runs = m.find(irq_s, [&](const os::TraceEvent& e) {
        return e.ev == Ev::Switch && e.cpu == S && e.a == T && e.b == stopper;
    });
    ASSERT_GT(runs, irq_s) << "the stopper preempts T on S\n" << m.dump(syscall);
    EXPECT_GT(m.xfer(runs, S, "stack[" + std::to_string(ctl) + "].Req"), runs)
        << "the stopper reads the work on R's stack";
    const long deq = m.find(runs, Ev::Dequeue, S, T, S);
    ASSERT_GT(deq, runs) << m.dump(syscall);
    const long unlock_s = m.find(deq, Ev::RqUnlock, S, -2, S);
    const long lock_d = m.find(deq, Ev::RqLock, S, -2, D);
    const long enq = m.find(deq, Ev::Enqueue, S, T, D);
    ASSERT_GT(unlock_s, deq) << m.dump(runs);
    ASSERT_GT(lock_d, unlock_s) << "S's lock is released before D's is taken\n" << m.dump(runs);
    ASSERT_GT(enq, lock_d) << m.dump(runs);
    const long lock_s_before = m.find(runs, Ev::RqLock, S, -2, S);
    ASSERT_GE(lock_s_before, 0);
    EXPECT_LT(lock_s_before, deq) << "the dequeue is under S's lock";
    const long ipi_d = m.find(enq, Ev::IpiSent, S, -2, D);
    ASSERT_GT(ipi_d, enq) << "D is idle: reschedule IPI\n" << m.dump(runs);
    const long done = m.find(ipi_d, Ev::Complete, S, ctl);
    ASSERT_GT(done, ipi_d) << m.dump(runs);
    const long woken =
        m.find(done, [&](const os::TraceEvent& e) { return e.ev == Ev::Wakeup && e.pid == ctl; });
    ASSERT_GT(woken, done) << "complete() wakes the requester\n" << m.dump(runs);
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

    ASSERT_EQ(m.k().migrations().size(), 1u) << all_migrations(m.k());
    const os::MigrationEvent& e = m.k().migrations()[0];
    EXPECT_EQ(e.src, S);
    EXPECT_EQ(e.dst, D);
    EXPECT_EQ(e.reason, os::MigReason::Affinity);
    EXPECT_EQ(e.mechanism, "stopper");
    EXPECT_LT(e.t_decision, e.t_dequeue);
    EXPECT_LT(e.t_dequeue, e.t_enqueue);
    EXPECT_LT(e.t_enqueue, e.t_first_run);
    EXPECT_EQ(m.k().check_invariants(true), "");
    EXPECT_EQ(m.k().task_of(T).cpu, D);
}

// Whether any event in [from, to) matches.
bool any(Guest& m, long from, long to, const std::function<bool(const os::TraceEvent&)>& f) {
    const long i = m.find(from, f);
    return i >= 0 && (to < 0 || i < to);
}

// A task that is queued but not running is moved by the caller itself (move_queued_task): no
// stop work, the requester does not sleep, and it takes S's then D's runqueue lock.
TEST_P(Era47Both, QueuedTaskIsMovedByTheCaller) {
    SystemConfig cfg = preset("quad");
    cfg.check = true;
    mechanisms_47(cfg, GetParam());
    cfg.tasks.push_back(task("a", working_set(64 * 1024, 60), {S}));
    cfg.tasks.push_back(task("c", working_set(64 * 1024, 60), {S})); // queued behind a
    ActionConfig act = action("set_affinity", 600000, "c");
    act.cpus = {D};
    act.cpu = R;
    cfg.actions.push_back(act);
    Guest m(cfg);
    m.run();
    const int C = m.pid("c");
    const int ctl = m.pid("taskset/2");
    const long syscall = m.find(0, Ev::Syscall, R, ctl, int(os::SyscallNr::SchedSetaffinity));
    ASSERT_GE(syscall, 0) << m.dump();
    const long deq = m.find(syscall, Ev::Dequeue, R, C, S);
    ASSERT_GT(deq, syscall) << "R dequeues c from S itself\n" << m.dump(syscall, syscall + 80);
    const long unlock_s = m.find(deq, Ev::RqUnlock, R, -2, S);
    const long lock_d = m.find(deq, Ev::RqLock, R, -2, D);
    const long enq = m.find(deq, Ev::Enqueue, R, C, D);
    ASSERT_GT(unlock_s, deq);
    ASSERT_GT(lock_d, unlock_s) << "one runqueue lock at a time";
    ASSERT_GT(enq, lock_d);
    EXPECT_GT(m.find(enq, Ev::IpiSent, R, -2, D), enq) << "check_preempt_curr: D is idle";
    EXPECT_FALSE(any(m, syscall, -1, [](const os::TraceEvent& e) {
        return e.ev == Ev::StopQueued;
    })) << "no stop work";
    EXPECT_FALSE(any(m, syscall, enq, [&](const os::TraceEvent& e) {
        return e.ev == Ev::Dequeue && e.pid == ctl;
    })) << "the requester does not sleep";
    EXPECT_EQ(m.k().stats().migration_requests, 0u);
    ASSERT_EQ(m.k().migrations().size(), 1u) << all_migrations(m.k());
    const os::MigrationEvent& e = m.k().migrations()[0];
    EXPECT_EQ(e.task_name, "c");
    EXPECT_EQ(e.dst, D);
    EXPECT_EQ(e.reason, os::MigReason::Affinity);
    EXPECT_EQ(e.mechanism, "caller");
    EXPECT_GT(e.t_dequeue, 0u);
    EXPECT_EQ(m.k().task_of(C).cpu, D);
    EXPECT_EQ(m.k().check_invariants(true), "");
}

// A sleeping task is not moved by the affinity change: its next wake-up places it
// (select_task_rq finds its CPU not allowed and falls back to an allowed one).
TEST_P(Era47Both, SleepingTaskIsPlacedByItsNextWakeup) {
    SystemConfig cfg = preset("quad");
    cfg.check = true;
    mechanisms_47(cfg, GetParam());
    WorkloadConfig w;
    w.kind = "phases";
    WorkloadConfig nap;
    nap.kind = "sleep";
    nap.cycles = 2 * kMs;
    w.steps = {working_set(64 * 1024, 10), nap, working_set(64 * 1024, 10)};
    cfg.tasks.push_back(task("a", w, {S, 1, 2, 3}));
    ActionConfig act = action("set_affinity", kMs, "a"); // while it sleeps
    act.cpus = {2, D};
    act.cpu = 1;
    cfg.actions.push_back(act);
    Guest m(cfg);
    m.run();
    const int T = m.pid("a");
    const auto& r = m.k().action_results();
    ASSERT_EQ(r[0].result, 0) << r[0].message;
    ASSERT_EQ(m.k().migrations().size(), 1u) << all_migrations(m.k());
    const os::MigrationEvent& e = m.k().migrations()[0];
    EXPECT_GT(e.t_decision, r[0].executed) << "not at the affinity change";
    EXPECT_EQ(e.src, S);
    EXPECT_EQ(e.dst, 2) << "select_fallback_rq: the first allowed online CPU of the node";
    EXPECT_EQ(e.reason, os::MigReason::Affinity);
    EXPECT_EQ(e.reason_detail, "select_fallback_rq");
    EXPECT_EQ(e.mechanism, "wakeup");
    EXPECT_EQ(e.t_dequeue, 0u) << "it was asleep";
    const long woken = m.find(0, Ev::Wakeup, -2, T, 2);
    ASSERT_GE(woken, 0) << m.dump();
    EXPECT_FALSE(any(m, 0, -1, [](const os::TraceEvent& t) { return t.ev == Ev::StopQueued; }));
    EXPECT_EQ(m.k().check_invariants(true), "");
}

// Two tasks pinned to CPU 0 wait at a barrier; the last party, on CPU 1, wakes both. With no
// shared cache between the CPUs the wake-ups go on CPU 0's wake list; only the first (the list
// was empty) sends an IPI, and CPU 0 activates both in scheduler_ipi. The IPI latency is long
// enough that both are queued before it arrives.
SystemConfig barrier_wake(const std::string& machine, bool era) {
    SystemConfig cfg = preset(machine);
    cfg.check = true;
    mechanisms_47(cfg, era);
    cfg.irq.ipi_latency_ns = 20000.0;
    auto party = [](std::int64_t before) {
        WorkloadConfig w;
        w.kind = "phases";
        WorkloadConfig b;
        b.kind = "barrier";
        b.object = "bar";
        b.parties = 3;
        w.steps = {spin(before), b, spin(100000)};
        return w;
    };
    cfg.tasks.push_back(task("x", party(10000), {0}));
    cfg.tasks.push_back(task("y", party(20000), {0}));
    cfg.tasks.push_back(task("z", party(kMs), {1}));
    return cfg;
}

TEST_P(Era47Both, RemoteLlcWakeupsArriveByIpiAndTheWakeList) {
    Guest m(barrier_wake("athlon_x2", GetParam()));
    m.run();
    const int X = m.pid("x"), Y = m.pid("y");
    const long qx = m.find(0, Ev::WakeQueued, 1, X, 0);
    ASSERT_GE(qx, 0) << m.dump();
    EXPECT_EQ(m.trace()[std::size_t(qx)].b, 1) << "the list was empty";
    const long ipi = m.find(qx, Ev::IpiSent, 1, -2, 0);
    const long qy = m.find(qx, Ev::WakeQueued, 1, Y, 0);
    ASSERT_GT(ipi, qx);
    ASSERT_GT(qy, ipi) << m.dump(qx);
    EXPECT_EQ(m.trace()[std::size_t(qy)].b, 0) << "y joins a non-empty list";
    const long irq = m.find(qy, Ev::Irq, 0, -2, static_cast<long long>(os::Irq::Reschedule));
    ASSERT_GT(irq, qy);
    EXPECT_FALSE(any(m, ipi + 1, irq,
                     [](const os::TraceEvent& e) { return e.ev == Ev::IpiSent && e.a == 0; }))
        << "one IPI for the two wake-ups\n"
        << m.dump(qx, irq + 1);
    // scheduler_ipi -> sched_ttwu_pending on CPU 0: newest first, under CPU 0's own lock.
    const long lock = m.find(irq, Ev::RqLock, 0, -2, 0);
    const long wy = m.find(irq, Ev::Wakeup, 0, Y, 0);
    const long wx = m.find(irq, Ev::Wakeup, 0, X, 0);
    ASSERT_GT(lock, irq) << m.dump(irq);
    ASSERT_GT(wy, lock) << m.dump(irq);
    ASSERT_GT(wx, wy) << m.dump(irq);
    EXPECT_FALSE(any(m, 0, -1, [](const os::TraceEvent& e) {
        return e.ev == Ev::Wakeup && e.cpu == 1 && e.a == 0;
    })) << "the waker never activates on CPU 0 itself";
    EXPECT_TRUE(m.k().all_user_tasks_exited());
    EXPECT_EQ(m.k().check_invariants(true), "");
}

// The same on a machine whose CPUs share the last-level cache: the waker locks CPU 0's runqueue
// and activates both there itself (no wake list).
TEST_P(Era47Both, SameLlcWakeupsEnqueueDirectly) {
    Guest m(barrier_wake("quad", GetParam()));
    m.run();
    const int X = m.pid("x"), Y = m.pid("y");
    const long wx = m.find(0, Ev::Wakeup, 1, X, 0);
    ASSERT_GE(wx, 0) << m.dump();
    const long wy = m.find(wx, Ev::Wakeup, 1, Y, 0);
    ASSERT_GT(wy, wx);
    EXPECT_GT(wx, m.find(0, Ev::RqLock, 1, -2, 0)) << "under CPU 0's lock, taken by CPU 1";
    EXPECT_FALSE(any(m, 0, -1, [](const os::TraceEvent& e) { return e.ev == Ev::WakeQueued; }));
    EXPECT_TRUE(m.k().all_user_tasks_exited());
    EXPECT_EQ(m.k().check_invariants(true), "");
}

// §5.5: a task moving itself (sched_setaffinity(0, ...)) queues migration_cpu_stop on its own
// CPU's stopper (woken locally: no IPI) and waits. With PREEMPT_NONE it blocks first, the
// stopper finds it dequeued and does nothing, and the wake-up from complete() places it; with
// PREEMPT_VOLUNTARY might_sleep() lets the stopper in while it is still queued and the stopper
// moves it (it never sleeps).
SystemConfig self_affinity(const std::string& preempt) {
    SystemConfig cfg = preset("quad");
    cfg.check = true;
    mechanisms_47(cfg);
    cfg.kernel.policy.preempt = preempt;
    cfg.tasks.push_back(task("a", working_set(64 * 1024, 40), {S}));
    ActionConfig act = action("set_affinity", kMs / 5, "a");
    act.cpus = {2};
    act.by = "a";
    cfg.actions.push_back(act);
    return cfg;
}

TEST(Era47, SelfMigrationPreemptNoneIsPlacedByTheWakeup) {
    Guest m(self_affinity("none"));
    m.run();
    const int T = m.pid("a");
    const int stopper = m.pid("migration/0");
    const long sys = m.find(0, Ev::Syscall, S, T, int(os::SyscallNr::SchedSetaffinity));
    ASSERT_GE(sys, 0) << m.dump();
    const long queued = m.find(sys, Ev::StopQueued, S, T, S);
    ASSERT_GT(queued, sys);
    EXPECT_FALSE(any(m, sys, -1, [](const os::TraceEvent& e) {
        return e.ev == Ev::IpiSent && e.a == S;
    })) << "the stopper is woken locally";
    const long slept = m.find(queued, Ev::Dequeue, S, T, S);
    const long runs = m.find(queued, [&](const os::TraceEvent& e) {
        return e.ev == Ev::Switch && e.cpu == S && e.b == stopper;
    });
    ASSERT_GT(slept, queued);
    ASSERT_GT(runs, slept) << "T blocks before the stopper runs\n" << m.dump(sys);
    const long done = m.find(runs, Ev::Complete, S, T);
    ASSERT_GT(done, runs);
    const long woken = m.find(done, Ev::Wakeup, S, T, 2);
    ASSERT_GT(woken, done) << "complete()'s wake-up enqueues T on CPU 2\n" << m.dump(sys);
    ASSERT_EQ(m.k().migrations().size(), 1u) << all_migrations(m.k());
    const os::MigrationEvent& e = m.k().migrations()[0];
    EXPECT_EQ(e.mechanism, "wakeup") << "migration_cpu_stop found T dequeued";
    EXPECT_EQ(e.reason, os::MigReason::Affinity);
    EXPECT_EQ(e.reason_detail, "select_task_rq") << "T may only run on CPU 2";
    EXPECT_EQ(e.t_dequeue, 0u);
    EXPECT_EQ(m.k().task_of(T).cpu, 2);
    EXPECT_EQ(m.k().check_invariants(true), "");
}

TEST(Era47, SelfMigrationPreemptVoluntaryIsMovedByTheStopper) {
    Guest m(self_affinity("voluntary"));
    m.run();
    const int T = m.pid("a");
    const int stopper = m.pid("migration/0");
    const long sys = m.find(0, Ev::Syscall, S, T, int(os::SyscallNr::SchedSetaffinity));
    ASSERT_GE(sys, 0) << m.dump();
    const long runs = m.find(sys, [&](const os::TraceEvent& e) {
        return e.ev == Ev::Switch && e.cpu == S && e.a == T && e.b == stopper;
    });
    ASSERT_GT(runs, sys) << "might_sleep: T is preempted by the stopper\n" << m.dump(sys);
    const long deq = m.find(runs, Ev::Dequeue, S, T, S);
    const long enq = m.find(deq, Ev::Enqueue, S, T, 2);
    ASSERT_GT(deq, runs) << "still queued: the stopper dequeues it\n" << m.dump(sys);
    ASSERT_GT(enq, deq);
    ASSERT_EQ(m.k().migrations().size(), 1u) << all_migrations(m.k());
    const os::MigrationEvent& e = m.k().migrations()[0];
    EXPECT_EQ(e.mechanism, "stopper");
    EXPECT_EQ(e.reason, os::MigReason::Affinity);
    EXPECT_GT(e.t_dequeue, 0u);
    EXPECT_FALSE(any(m, sys, enq, [&](const os::TraceEvent& t) {
        return t.ev == Ev::Wakeup && t.pid == T;
    })) << "T never slept";
    EXPECT_EQ(m.k().task_of(T).cpu, 2);
    EXPECT_EQ(m.k().check_invariants(true), "");
}

// Exec placement (§5.6): select_task_rq_fair(SD_BALANCE_EXEC) sends a lone task to an idle CPU
// (4.7 has no nr_running > 1 test); under PREEMPT_VOLUNTARY the stopper carries that out.
TEST(Era47, ExecPlacementThroughTheStopper) {
    SystemConfig cfg = preset("quad");
    cfg.check = true;
    mechanisms_47(cfg);
    cfg.kernel.policy.preempt = "voluntary";
    cfg.tasks.push_back(task("a", working_set(64 * 1024, 40), {0, 1, 2, 3}));
    cfg.actions = {action("exec", kMs / 4, "a")};
    Guest m(cfg);
    m.run();
    ASSERT_EQ(m.k().migrations().size(), 1u) << all_migrations(m.k());
    const os::MigrationEvent& e = m.k().migrations()[0];
    EXPECT_EQ(e.reason, os::MigReason::Exec);
    EXPECT_EQ(e.reason_detail, "sched_exec");
    EXPECT_EQ(e.mechanism, "stopper");
    EXPECT_EQ(e.src, 0);
    EXPECT_EQ(e.dst, 1) << "every idle CPU went idle at boot: the first one";
    EXPECT_EQ(m.k().check_invariants(true), "");
}

// With PREEMPT_NONE the exec-balance destination is not remembered (§5.5): the task blocks, the
// stopper finds it dequeued, and complete()'s wake-up (waker: the stopper on CPU 0, which is
// therefore not idle) places it through select_idle_sibling.
TEST(Era47, ExecPlacementPreemptNoneIsLeftToTheWakeup) {
    SystemConfig cfg = preset("quad");
    cfg.check = true;
    mechanisms_47(cfg);
    cfg.tasks.push_back(task("a", working_set(64 * 1024, 40), {0, 1, 2, 3}));
    cfg.actions = {action("exec", kMs / 4, "a")};
    Guest m(cfg);
    m.run();
    const int T = m.pid("a");
    EXPECT_GE(m.find(0, Ev::StopQueued, 0, T, 0), 0) << "sched_exec queued migration_cpu_stop";
    ASSERT_EQ(m.k().migrations().size(), 1u) << all_migrations(m.k());
    const os::MigrationEvent& e = m.k().migrations()[0];
    EXPECT_EQ(e.reason, os::MigReason::Wakeup);
    EXPECT_EQ(e.reason_detail, "select_idle_sibling");
    EXPECT_EQ(e.mechanism, "wakeup");
    EXPECT_EQ(e.dst, 1);
    EXPECT_EQ(m.k().check_invariants(true), "");
}

// Fork placement (§5.6): wake_up_new_task places the child with select_task_rq(SD_BALANCE_FORK)
// on an idle CPU when the domain has SD_BALANCE_FORK, else it starts on the parent's CPU.
std::vector<os::MigrationEvent> fork_case(bool balance_fork) {
    SystemConfig cfg = preset("quad");
    cfg.check = true;
    mechanisms_47(cfg);
    cfg.kernel.policy.cpu.balance_fork = balance_fork;
    cfg.tasks.push_back(task("parent", working_set(64 * 1024, 40), {0, 1, 2, 3}));
    TaskConfig child = task("child", working_set(64 * 1024, 20), {0, 1, 2, 3});
    child.forked = true;
    cfg.tasks.push_back(child);
    ActionConfig f = action("fork", kMs / 4, "parent");
    f.child = "child";
    cfg.actions = {f};
    Guest m(cfg);
    m.run();
    EXPECT_EQ(m.k().action_results()[0].result, 0) << m.k().action_results()[0].message;
    EXPECT_TRUE(m.k().all_user_tasks_exited());
    EXPECT_EQ(m.k().check_invariants(true), "");
    return m.k().migrations();
}

TEST(Era47, ForkPlacementWithSdBalanceFork) {
    const auto moves = fork_case(true);
    ASSERT_EQ(moves.size(), 1u);
    EXPECT_EQ(moves[0].task_name, "child");
    EXPECT_EQ(moves[0].reason, os::MigReason::Fork);
    EXPECT_EQ(moves[0].src, 0);
    EXPECT_EQ(moves[0].dst, 1);
}

TEST(Era47, ForkWithoutSdBalanceForkStaysOnTheParentsCpu) {
    const auto moves = fork_case(false); // the 2.6.10 domains have no SD_BALANCE_FORK
    EXPECT_TRUE(moves.empty());
}

// Hotplug with the stopper: the take-down step and the domain attach run as stop works; the
// offline CPU's stopper is parked (its works are refused) and unparked when it is back.
TEST(Era47, HotplugThroughTheStopper) {
    SystemConfig cfg = preset("quad");
    cfg.check = true;
    mechanisms_47(cfg);
    cfg.tasks.push_back(task("a", working_set(64 * 1024, 300), {2, 3}));
    cfg.tasks.push_back(task("p", working_set(64 * 1024, 300), {2}));
    cfg.tasks.push_back(task("q", working_set(64 * 1024, 300), {3}));
    ActionConfig off = action("cpu_offline", kMs / 2);
    off.cpu = 2;
    ActionConfig on = action("cpu_online", 3 * kMs);
    on.cpu = 2;
    cfg.actions = {off, on};
    Guest m(cfg);
    m.run(6 * kMs);
    const auto& r = m.k().action_results();
    EXPECT_EQ(r[0].result, 0) << r[0].message;
    EXPECT_EQ(r[1].result, 0) << r[1].message;
    const int ctl_cpu = r[0].cpu;
    const long down = m.find(0, Ev::CpuDown, 2);
    ASSERT_GE(down, 0) << m.dump();
    const int stopper2 = m.pid("migration/2");
    const long queued = m.find(0, Ev::StopQueued, ctl_cpu, -1, 2);
    ASSERT_GE(queued, 0);
    EXPECT_LT(queued, down) << "take_cpu_down is a stop work on CPU 2";
    EXPECT_GT(down, m.find(queued, [&](const os::TraceEvent& e) {
        return e.ev == Ev::Switch && e.cpu == 2 && e.b == stopper2;
    }));
    for (int c : {0, 1, 3}) { // cpu_attach_domain through each other CPU's stopper
        if (c == ctl_cpu) continue;
        EXPECT_GT(m.find(down, Ev::StopQueued, ctl_cpu, -1, c), down) << "cpu " << c;
    }
    EXPECT_TRUE(m.k().stopper(2).enabled) << "unparked";
    EXPECT_FALSE(m.k().task_of(stopper2).exited);
    EXPECT_EQ(m.k().task_of(stopper2).cpu, 2) << "a stopper never leaves its CPU";
    std::set<std::string> moved;
    for (const auto& e : m.k().migrations()) {
        if (e.reason == os::MigReason::Hotplug && e.src == 2) moved.insert(e.task_name);
    }
    EXPECT_TRUE(moved.count("a")) << all_migrations(m.k());
    EXPECT_TRUE(moved.count("p")) << all_migrations(m.k());
    EXPECT_EQ(m.k().rq(3).domains.back()->span.cpus(), (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(m.k().check_invariants(false), "");
}

// The 2.6.10 balancer with the stopper as migrator: the active-balance kick is a
// stop_one_cpu_nowait on busiest->active_balance_work and busiest's stopper pushes the task.
TEST(Era47, ActiveBalanceKickUsesStopOneCpuNowait) {
    SystemConfig cfg = preset("quad");
    cfg.check = true;
    cfg.kernel.policy.migrator = "stopper";
    cfg.kernel.policy.cpu.cache_nice_tries = 0;
    cfg.tasks.push_back(task("a", working_set(64 * 1024, 400), {0, 1}));
    cfg.tasks.push_back(task("b", working_set(64 * 1024, 400), {0}));
    Guest m(cfg);
    m.run(20 * kMs);
    const long kick = m.find(0, Ev::ActiveKick, -2, -2, 0);
    ASSERT_GE(kick, 0) << all_migrations(m.k());
    const int kicker = m.trace()[std::size_t(kick)].cpu;
    const long queued = m.find(kick, Ev::StopQueued, kicker, -1, 0);
    ASSERT_GT(queued, kick);
    std::vector<const os::MigrationEvent*> pushes;
    for (const auto& e : m.k().migrations()) {
        if (e.reason == os::MigReason::ActiveBalance) pushes.push_back(&e);
    }
    ASSERT_EQ(pushes.size(), 1u) << all_migrations(m.k());
    EXPECT_EQ(pushes[0]->task_name, "a");
    EXPECT_EQ(pushes[0]->dst, 1);
    EXPECT_EQ(pushes[0]->mechanism, "stopper");
    EXPECT_EQ(m.k().stats().active_balance, 1u);
    EXPECT_EQ(m.k().check_invariants(false), "");
}

// 2.6.10's sched_exec (find_idlest_cpu) with the stopper as migrator: the move is a
// migration_cpu_stop on the task's own CPU. The task blocks first (PREEMPT_NONE); since 2.6.10's
// try_to_wake_up has no select_fallback_rq, the stopper moves the sleeping task as 2.6's
// __migrate_task does, and the wake-up from complete() enqueues it on the new CPU.
TEST(Era47, Exec2610WithTheStopperMigrator) {
    SystemConfig cfg = preset("quad");
    cfg.check = true;
    cfg.kernel.policy.migrator = "stopper";
    cfg.tasks.push_back(task("a", working_set(64 * 1024, 40), {0, 1, 2, 3}));
    cfg.tasks.push_back(task("b", working_set(64 * 1024, 40), {0, 1, 2, 3}));
    cfg.actions = {action("exec", kMs / 4, "a")};
    Guest m(cfg);
    m.run(kMs / 2);
    const int T = m.pid("a");
    const long queued = m.find(0, Ev::StopQueued, 0, T, 0);
    ASSERT_GE(queued, 0) << m.dump();
    const long slept = m.find(queued, Ev::Dequeue, 0, T, 0);
    const long woken = m.find(slept, Ev::Wakeup, -2, T, 1);
    ASSERT_GT(slept, queued);
    ASSERT_GT(woken, slept) << m.dump(queued);
    ASSERT_EQ(m.k().migrations().size(), 1u) << all_migrations(m.k());
    const os::MigrationEvent& e = m.k().migrations()[0];
    EXPECT_EQ(e.reason, os::MigReason::Exec);
    EXPECT_EQ(e.mechanism, "stopper");
    EXPECT_EQ(e.dst, 1) << "find_idlest_cpu: the first CPU with zero load";
    EXPECT_EQ(e.t_dequeue, 0u) << "moved while asleep";
    EXPECT_EQ(m.k().task_of(T).cpu, 1);
}

// §7.9 (4.7): no new-idle balance while avg_idle < sysctl_sched_migration_cost. core2_duo,
// linux-4.7 with a migration cost of 100 ms: two tasks on CPU 0 (allowed on both CPUs, always
// hot, cache_nice_tries high enough that no failure count lets them go) keep the root domain
// overloaded; a task pinned to CPU 1 sleeps twelve times (a 100 us sleep ends at the next tick:
// timers are jiffy-granular, so each idle period is about 4 ms). avg_idle starts at 2 x 100 ms
// and each wake-up adds (idle - avg_idle) / 8: 4 + 196 x (7/8)^n ms stays >= 100 ms for the
// first 6 idle entries (n = 5: 104.5 ms) and falls below from the 7th (91.9 ms). CPU 1 balances
// newly idle 6 times (moving nothing) and skips every later entry.
TEST(Era47, NoNewIdleBalanceWhileTheAverageIdleIsBelowTheMigrationCost) {
    SystemConfig cfg = preset("core2_duo");
    cfg.check = true;
    cfg.kernel.set_era("linux-4.7");
    cfg.kernel.policy.migration_cost_ns = 100000000;
    cfg.kernel.policy.cpu.cache_nice_tries = 1000;
    WorkloadConfig w;
    w.kind = "phases";
    WorkloadConfig nap;
    nap.kind = "sleep";
    nap.cycles = 200000; // 100 us at 2 GHz
    for (int i = 0; i < 12; ++i) {
        w.steps.push_back(spin(20000));
        w.steps.push_back(nap);
    }
    cfg.tasks.push_back(task("s", w, {1}));
    cfg.tasks.push_back(task("a", spin(40 * kMs), {0, 1}));
    cfg.tasks.push_back(task("b", spin(40 * kMs), {0, 1}));
    Guest m(cfg);
    m.run();
    std::vector<long> newidle; // the idle entries of CPU 1 that balanced
    for (const auto& e : m.trace()) {
        if (e.ev == Ev::Balance && e.cpu == 1 && e.pid == static_cast<int>(os::IdleType::NewlyIdle)) {
            newidle.push_back(long(e.t));
        }
    }
    EXPECT_EQ(newidle.size(), 6u) << "skipped " << m.k().stats().newidle_skipped << " cut " << m.k().stats().newidle_cut;
    EXPECT_GE(m.k().stats().newidle_skipped, 7u) << "every later idle entry of CPU 1";
    EXPECT_TRUE(m.k().migrations().empty()) << all_migrations(m.k());
    EXPECT_TRUE(m.k().all_user_tasks_exited());
    EXPECT_EQ(m.k().check_invariants(true), "");
}

} // namespace
} // namespace smp::test
