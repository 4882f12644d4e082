// The Linux 4.7 migration and wake-up mechanisms (reference §5, §7.5 F1/F6, §7.9) as ablations
// of the 2.6.10 policy: the stopper migrator, caller_moves_queued_task, move_queued_task with
// one runqueue lock at a time, select_task_rq_fair with the remote wake list, queued locks.
#include "guest_fixture.hpp"

namespace smp::test {
namespace {

constexpr std::int64_t kMs = 2000000; // cycles per ms at 2 GHz
constexpr int R = 2, S = 0, D = 3;

// The 4.7 mechanism fields on top of the 2.6.10 preset.
void mechanisms_47(SystemConfig& cfg) {
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

SystemConfig f1_config() {
    SystemConfig cfg = preset("quad");
    cfg.check = true;
    mechanisms_47(cfg);
    cfg.tasks.push_back(task("a", working_set(64 * 1024, 60), {S}));
    cfg.tasks.push_back(task("b", working_set(64 * 1024, 60), {1}));
    ActionConfig a = action("set_affinity", 600000, "a");
    a.cpus = {D};
    a.cpu = R;
    cfg.actions.push_back(a);
    return cfg;
}

// F1 (4.7): R locks T's runqueue, queues the stop work on S's stopper and wakes it (IPI to S);
// the stopper preempts T on S, move_queued_task dequeues T on S and enqueues it on D without
// holding both runqueue locks, IPIs D, completes; the requester is woken and T runs on D.
TEST(Era47, F1RunningTaskIsMovedByTheStopper) {
    Guest m(f1_config());
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

} // namespace
} // namespace smp::test
