// Flow F1 of the reference (§7.5): a control task on R changes the affinity of task T running
// on S; migration/S moves it to D. Checked as an event sequence and as coherence transfers, and
// identical at quantum 1 and at the default quantum.
#include "guest_fixture.hpp"

#include <sstream>

namespace smp::test {
namespace {

constexpr int R = 2, S = 0, D = 3;

SystemConfig f1_config(std::int64_t quantum) {
    SystemConfig cfg = preset("quad");
    cfg.quantum_cycles = quantum;
    cfg.check = true;
    cfg.tasks.push_back(task("a", working_set(64 * 1024, 60), {S}));
    cfg.tasks.push_back(task("b", working_set(64 * 1024, 60), {1}));
    ActionConfig a = action("set_affinity", 600000, "a"); // 0.3 ms at 2 GHz
    a.cpus = {D};
    a.cpu = R;
    cfg.actions.push_back(a);
    return cfg;
}

TEST(ForcedMigration, FollowsTheReferenceFlowF1) {
    Guest m(f1_config(1000));
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
    ASSERT_GT(ipi_s, queued) << m.dump(syscall);
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
    ASSERT_GT(ipi_d, enq) << "D is idle: reschedule IPI\n" << m.dump(syscall);
    const long done = m.find(ipi_d, Ev::Complete, S, ctl);
    ASSERT_GT(done, ipi_d) << m.dump(syscall);
    const long woken = m.find(done, Ev::Wakeup, S, ctl);
    ASSERT_GT(woken, done) << "complete() wakes the requester\n" << m.dump(syscall);
    const long irq_d = m.find(ipi_d, Ev::Irq, D, -2, resched);
    ASSERT_GT(irq_d, ipi_d);
    const long first = m.find(irq_d, Ev::FirstRun, D, T);
    ASSERT_GT(first, irq_d) << m.dump(syscall);
    EXPECT_GT(m.find(woken, [&](const os::TraceEvent& e) { return e.ev == Ev::Switch && e.cpu == R && e.b == ctl; }),
              woken) << "the requester runs again on R";
    // D pulls T's thread_info and task_struct lines out of S's cache.
    EXPECT_GT(m.xfer(enq, D, "thread_info[" + std::to_string(T) + "]"), enq) << m.dump(enq, first + 40);
    EXPECT_GT(m.xfer(enq, D, "task[" + std::to_string(T) + "].Sched"), enq) << m.dump(enq, first + 40);

    ASSERT_EQ(m.k().migrations().size(), 1u);
    const os::MigrationEvent& e = m.k().migrations()[0];
    EXPECT_EQ(e.src, S);
    EXPECT_EQ(e.dst, D);
    EXPECT_EQ(e.reason, os::MigReason::Affinity);
    EXPECT_EQ(e.mechanism, "migration_thread");
    EXPECT_LT(e.t_decision, e.t_dequeue);
    EXPECT_LT(e.t_dequeue, e.t_enqueue);
    EXPECT_LT(e.t_enqueue, e.t_first_run);
    EXPECT_EQ(m.k().check_invariants(true), "");
    EXPECT_EQ(m.k().task_of(T).cpu, D);
}

// The decisions and the order of events, as text: each CPU's trace events but the line
// transfers (events of different CPUs at the same cycle have no meaningful order), then every
// migration.
std::string decisions(std::int64_t quantum) {
    Guest m(f1_config(quantum));
    m.run();
    std::ostringstream os;
    for (unsigned cpu = 0; cpu < m.k().nr_cpus(); ++cpu) {
        os << "cpu " << cpu << '\n';
        for (const auto& e : m.trace()) {
            if (e.ev == Ev::LineXfer || e.cpu != int(cpu)) continue;
            os << os::ev_name(e.ev) << ' ' << e.pid << ' ' << e.a << ' ' << e.b << '\n';
        }
    }
    for (const auto& g : m.k().migrations()) {
        os << "migration " << g.task << ' ' << g.src << ' ' << g.dst << ' ' << int(g.reason) << '\n';
    }
    return os.str();
}

TEST(ForcedMigration, SameDecisionsAtQuantumOneAndDefault) {
    const std::string lockstep = in_child([] { return decisions(1); });
    const std::string decoupled = in_child([] { return decisions(1000); });
    ASSERT_NE(lockstep.find("migration "), std::string::npos) << lockstep;
    ASSERT_EQ(lockstep.find("exception"), std::string::npos) << lockstep;
    EXPECT_EQ(lockstep, decoupled);
}

TEST(ForcedMigration, MaskWithoutOnlineCpuIsEinvalNotACrash) {
    SystemConfig cfg = f1_config(1000);
    cfg.actions[0].cpus = {3};
    ActionConfig off = action("cpu_offline", 300000);
    off.cpu = 3;
    cfg.actions.insert(cfg.actions.begin(), off);
    Guest m(cfg);
    m.run();
    const auto& r = m.k().action_results();
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].result, 0) << r[0].message;
    EXPECT_EQ(r[1].result, -os::EINVAL_) << r[1].message;
    EXPECT_GT(r[1].executed, 0u);
    EXPECT_EQ(m.k().task_of(m.pid("a")).cpu, S);
    EXPECT_TRUE(m.k().all_user_tasks_exited());
    EXPECT_EQ(m.k().check_invariants(true), "");
}

} // namespace
} // namespace smp::test
