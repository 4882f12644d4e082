// Flows F2-F8 of the reference (§7.5) on the quad preset, each checked by the kernel's own
// records (migrations with reason and mechanism) and the event trace.
#include "guest_fixture.hpp"

#include <set>

namespace smp::test {
namespace {

constexpr std::int64_t kMs = 2000000; // cycles per ms at 2 GHz

SystemConfig quad() {
    SystemConfig cfg = preset("quad");
    cfg.check = true;
    return cfg;
}

std::vector<const os::MigrationEvent*> of_reason(os::Kernel& k, os::MigReason r) {
    std::vector<const os::MigrationEvent*> out;
    for (const auto& m : k.migrations()) {
        if (m.reason == r) out.push_back(&m);
    }
    return out;
}

std::string all_migrations(os::Kernel& k) {
    std::string s;
    for (const auto& m : k.migrations()) {
        s += m.task_name + " " + std::to_string(m.src) + "->" + std::to_string(m.dst) + " " +
             os::reason_name(m.reason) + "/" + m.reason_detail + " by " + m.mechanism + " hot=" +
             std::to_string(m.kernel_hot) + " t=" + std::to_string(m.t_decision) + "\n";
    }
    return s;
}

// F2: the task changes its own affinity; migration/S is woken locally (no IPI to S), the task
// sleeps on the completion, and complete()'s wake-up enqueues it on D with an IPI to D.
TEST(Flows, F2SelfMigration) {
    SystemConfig cfg = quad();
    cfg.tasks.push_back(task("a", working_set(64 * 1024, 40), {0}));
    ActionConfig a = action("set_affinity", kMs / 5, "a");
    a.cpus = {2};
    a.by = "a";
    cfg.actions.push_back(a);
    Guest m(cfg);
    m.run();
    const int T = m.pid("a");
    const long sys = m.find(0, Ev::Syscall, 0, T, int(os::SyscallNr::SchedSetaffinity));
    ASSERT_GE(sys, 0) << m.dump();
    const long queued = m.find(sys, Ev::ReqQueued, 0, T, 2);
    ASSERT_GT(queued, sys);
    const long complete = m.find(queued, Ev::Complete, 0, T);
    ASSERT_GT(complete, queued) << m.dump(sys);
    EXPECT_EQ(m.find(sys, [](const os::TraceEvent& e) { return e.ev == Ev::IpiSent && e.a == 0; }), -1)
        << "no IPI to S: the migration thread is woken locally\n" << m.dump(sys);
    const long wake = m.find(complete, Ev::Wakeup, 0, T, 2);
    ASSERT_GT(wake, complete) << "the wake-up enqueues T on D\n" << m.dump(sys);
    EXPECT_GT(m.find(wake, Ev::IpiSent, 0, -2, 2), wake);
    EXPECT_GT(m.find(wake, Ev::FirstRun, 2, T), wake);
    ASSERT_EQ(m.k().migrations().size(), 1u) << all_migrations(m.k());
    const auto& e = m.k().migrations()[0];
    EXPECT_EQ(e.mechanism, "migration_thread");
    EXPECT_EQ(e.t_dequeue, 0u) << "T was asleep on the completion, not queued";
    EXPECT_GT(e.t_enqueue, e.t_decision);
    EXPECT_EQ(m.k().task_of(T).cpu, 2);
    EXPECT_EQ(m.k().check_invariants(true), "");
}

// F3: an idle CPU pulls a waiting task at its tick (periodic balance), without an IPI to S.
TEST(Flows, F3PeriodicPull) {
    SystemConfig cfg = quad();
    cfg.tasks.push_back(task("a", working_set(64 * 1024, 400), {0, 1, 2, 3}));
    cfg.tasks.push_back(task("b", working_set(64 * 1024, 400), {0, 1, 2, 3}));
    Guest m(cfg);
    m.run(4 * kMs);
    const auto pulls = of_reason(m.k(), os::MigReason::PeriodicBalance);
    ASSERT_EQ(m.k().migrations().size(), 1u) << all_migrations(m.k());
    ASSERT_EQ(pulls.size(), 1u);
    const os::MigrationEvent& e = *pulls[0];
    EXPECT_EQ(e.task_name, "b") << "the waiting task, not the running one";
    EXPECT_EQ(e.src, 0);
    EXPECT_NE(e.dst, 0);
    EXPECT_EQ(e.mechanism, "balancer");
    EXPECT_EQ(e.kernel_hot, 0) << "b never ran: cold";
    EXPECT_LT(e.t_decision % m.k().tick_cycles(), 20000u) << "decided in the puller's tick";
    // Pulled by D in its own tick: the trace has D's balance with one task moved, and no IPI
    // to S anywhere around it.
    const long bal = m.find(0, [&](const os::TraceEvent& t) { return t.ev == Ev::Balance && t.cpu == e.dst && t.b == 1; });
    ASSERT_GE(bal, 0);
    EXPECT_EQ(m.find(0, [](const os::TraceEvent& t) { return t.ev == Ev::IpiSent && t.a == 0; }), -1);
    EXPECT_EQ(m.k().check_invariants(false), "");
}

// F4: a CPU that goes idle pulls from schedule() (new-idle balance), not at a tick.
TEST(Flows, F4NewIdlePull) {
    SystemConfig cfg = quad();
    cfg.tasks.push_back(task("a", working_set(64 * 1024, 400), {0, 1}));
    cfg.tasks.push_back(task("b", working_set(64 * 1024, 400), {0, 1}));
    cfg.tasks.push_back(task("c", spin(5 * kMs / 2), {1}));
    Guest m(cfg);
    m.run(4 * kMs);
    const auto pulls = of_reason(m.k(), os::MigReason::NewidleBalance);
    ASSERT_EQ(pulls.size(), 1u) << all_migrations(m.k());
    EXPECT_EQ(pulls[0]->src, 0);
    EXPECT_EQ(pulls[0]->dst, 1);
    EXPECT_EQ(pulls[0]->task_name, "b");
    const auto& c = m.k().task_of(m.pid("c"));
    ASSERT_TRUE(c.exited);
    EXPECT_GE(pulls[0]->t_decision, c.end) << "pulled when c's exit left CPU 1 idle";
    EXPECT_LT(pulls[0]->t_decision - c.end, 20000u);
    EXPECT_EQ(m.k().migrations().size(), 1u) << all_migrations(m.k());
}

// F5: repeated failures (the waiting task is pinned to S, the other is running) kick
// migration/S, which pushes a queued task to the idle CPU. With cache_nice_tries = 0 the
// push ignores hotness.
TEST(Flows, F5ActivePush) {
    SystemConfig cfg = quad();
    cfg.kernel.policy.cpu.cache_nice_tries = 0;
    cfg.tasks.push_back(task("a", working_set(64 * 1024, 400), {0, 1}));
    cfg.tasks.push_back(task("b", working_set(64 * 1024, 400), {0}));
    Guest m(cfg);
    m.run(20 * kMs);
    const auto pushes = of_reason(m.k(), os::MigReason::ActiveBalance);
    ASSERT_EQ(pushes.size(), 1u) << all_migrations(m.k());
    EXPECT_EQ(pushes[0]->task_name, "a");
    EXPECT_EQ(pushes[0]->src, 0);
    EXPECT_EQ(pushes[0]->dst, 1);
    EXPECT_EQ(pushes[0]->mechanism, "migration_thread");
    // Three failed balances by the kicking CPU (cache_nice_tries + 2 = 2 exceeded), then the
    // kick (CPUs 2 and 3 fail too: neither task may run there).
    long kick = m.find(0, Ev::ActiveKick, -2, -2, 0);
    ASSERT_GE(kick, 0);
    const int kicker = m.trace()[std::size_t(kick)].cpu;
    int failures = 0;
    for (long i = 0; i < kick; ++i) {
        const auto& t = m.trace()[std::size_t(i)];
        if (t.ev == Ev::Balance && t.cpu == kicker && t.b == 0 && t.pid == int(os::IdleType::Idle)) ++failures;
    }
    EXPECT_EQ(failures, 3) << "kicker " << kicker;
    const int mt = m.pid("migration/0");
    const long runs = m.find(kick, [&](const os::TraceEvent& t) { return t.ev == Ev::Switch && t.cpu == 0 && t.b == mt; });
    ASSERT_GT(runs, kick);
    EXPECT_GT(m.find(runs, Ev::Enqueue, 0, m.pid("a"), 1), runs) << "migration/0 enqueues a on CPU 1";
    EXPECT_EQ(m.k().stats().active_balance, 1u);
}

// With the 2.6.10 defaults the kick happens but nothing moves: the task just preempted by
// migration/S is hot against S's own domain (nr_balance_failed 0 < cache_nice_tries 1).
TEST(Flows, F5DefaultParamsKickButTheHotTaskStays) {
    SystemConfig cfg = quad();
    cfg.tasks.push_back(task("a", working_set(64 * 1024, 400), {0, 1}));
    cfg.tasks.push_back(task("b", working_set(64 * 1024, 400), {0}));
    Guest m(cfg);
    m.run(20 * kMs);
    EXPECT_GE(m.k().stats().active_balance, 2u);
    EXPECT_TRUE(of_reason(m.k(), os::MigReason::ActiveBalance).empty()) << all_migrations(m.k());
    EXPECT_GE(m.find(0, Ev::ActiveKick, -2, -2, 0), 0);
}

// F6: a wake-up from another CPU; the 2.6.10 placement rules.
struct WakeCase {
    std::int64_t sleep_at, wake_at;
    bool waker_busy;
    int expect_cpu;
    const char* detail;
    int hot;
};

void wake_case(const WakeCase& w) {
    SystemConfig cfg = quad();
    cfg.tasks.push_back(task("a", working_set(64 * 1024, 300), {0, 1, 2, 3}));
    if (w.waker_busy) cfg.tasks.push_back(task("w", working_set(64 * 1024, 300), {2}));
    ActionConfig s = action("sleep", w.sleep_at, "a");
    s.duration = 10 * kMs;
    ActionConfig k = action("wake", w.wake_at, "a");
    k.cpu = 2;
    cfg.actions = {s, k};
    Guest m(cfg);
    m.run(w.wake_at + kMs / 2);
    const auto wakes = of_reason(m.k(), os::MigReason::Wakeup);
    if (w.expect_cpu == 0) {
        EXPECT_TRUE(wakes.empty()) << all_migrations(m.k());
    } else {
        ASSERT_EQ(wakes.size(), 1u) << all_migrations(m.k());
        EXPECT_EQ(wakes[0]->dst, w.expect_cpu);
        EXPECT_EQ(wakes[0]->reason_detail, w.detail);
        EXPECT_EQ(wakes[0]->kernel_hot, w.hot);
        EXPECT_EQ(wakes[0]->mechanism, "wakeup");
    }
    EXPECT_EQ(m.k().task_of(m.pid("a")).cpu, w.expect_cpu);
}

TEST(Flows, F6WakeAffineWhenCold) { // a tick on CPU 0 since a slept: cold, affine to the waker
    wake_case({kMs / 5, 3 * kMs / 2, false, 2, "wake_affine", 0});
}

TEST(Flows, F6WakeBalanceWhenHot) { // no tick since: hot; both loads 0 → passive balance
    wake_case({kMs / 5, kMs / 2, false, 2, "wake_balance", 1});
}

TEST(Flows, F6NoPullOntoABusyWaker) { // S idle, waker busy: stays on S
    wake_case({kMs / 5, 3 * kMs / 2, true, 0, "", -1});
}

// F7: execve with another task queued: find_idlest_cpu picks an idle CPU, then F2.
TEST(Flows, F7ExecBalancing) {
    SystemConfig cfg = quad();
    cfg.tasks.push_back(task("a", working_set(64 * 1024, 40), {0, 1, 2, 3}));
    cfg.tasks.push_back(task("b", working_set(64 * 1024, 40), {0, 1, 2, 3}));
    cfg.actions = {action("exec", kMs / 4, "a")};
    Guest m(cfg);
    m.run(kMs / 2);
    const auto ex = of_reason(m.k(), os::MigReason::Exec);
    ASSERT_EQ(ex.size(), 1u) << all_migrations(m.k());
    EXPECT_EQ(ex[0]->task_name, "a");
    EXPECT_EQ(ex[0]->src, 0);
    EXPECT_EQ(ex[0]->dst, 1) << "the first CPU with zero load";
    EXPECT_EQ(ex[0]->mechanism, "migration_thread");
    EXPECT_EQ(m.k().task_of(m.pid("a")).cpu, 1);
}

TEST(Flows, F7ExecAloneStays) { // nr_running <= 1: stays
    SystemConfig cfg = quad();
    cfg.tasks.push_back(task("a", working_set(64 * 1024, 40), {0, 1, 2, 3}));
    cfg.actions = {action("exec", kMs / 4, "a")};
    Guest m(cfg);
    m.run();
    EXPECT_TRUE(m.k().migrations().empty()) << all_migrations(m.k());
    EXPECT_EQ(m.k().action_results()[0].message, "stayed");
}

// F8: offlining CPU 2 moves its tasks away (migrate_live_tasks, run by the caller on another
// CPU), also a task pinned there (no longer affine); migration/2 exits; CPU 2 comes back.
TEST(Flows, F8HotplugOfflineAndOnline) {
    SystemConfig cfg = quad();
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
    const auto hp = of_reason(m.k(), os::MigReason::Hotplug);
    ASSERT_GE(hp.size(), 2u) << all_migrations(m.k());
    std::set<std::string> moved;
    for (const auto* e : hp) {
        if (e->src == 2) moved.insert(e->task_name);
        EXPECT_EQ(e->reason_detail, "migrate_live_tasks");
        EXPECT_EQ(e->mechanism, "caller");
        EXPECT_NE(e->dst, 2);
    }
    EXPECT_TRUE(moved.count("a"));
    EXPECT_TRUE(moved.count("p"));
    EXPECT_EQ(m.k().task_of(m.pid("p")).cpus_allowed.weight(), 4u) << "no longer affine: any CPU";
    const long down = m.find(0, Ev::CpuDown, 2);
    const long up = m.find(0, Ev::CpuUp, 2);
    ASSERT_GE(down, 0);
    ASSERT_GT(up, down);
    // Between down and up nothing but its idle task runs on CPU 2.
    for (long i = down; i < up; ++i) {
        const auto& e = m.trace()[std::size_t(i)];
        if (e.ev == Ev::Switch && e.cpu == 2) {
            EXPECT_EQ(e.b, 2) << m.dump(i - 5, i + 5);
        }
    }
    const os::Task* old_mt = nullptr;
    for (const auto& t : m.k().tasks()) {
        if (t->comm == "migration/2" && t->exited) old_mt = t.get();
    }
    EXPECT_NE(old_mt, nullptr) << "the old migration/2 exited (kthread_stop)";
    // cpu_attach_domain: every other online CPU's migration thread installs its new domains
    // (REQ_SET_DOMAIN) and completes the request of the control task.
    const int ctl_cpu = r[0].cpu;
    const int ctl = m.pid("taskset/" + std::to_string(ctl_cpu));
    for (int c : {0, 1, 3}) {
        if (c == ctl_cpu) continue;
        // The control task queues REQ_SET_DOMAIN (no task, dest -1) on cpu c's runqueue.
        const long q = m.find(down, [&](const os::TraceEvent& e) {
            return e.ev == Ev::ReqQueued && e.cpu == ctl_cpu && e.pid == -1 && e.a == -1 && e.b == c;
        });
        ASSERT_GE(q, 0) << "cpu " << c << m.dump(down, down + 50);
        EXPECT_GT(m.find(down, Ev::Complete, c, ctl), down) << "cpu " << c;
    }
    EXPECT_EQ(m.k().rq(3).domains.back()->span.cpus(), (std::vector<int>{0, 1, 2, 3}))
        << "after CPU 2 is back every CPU's domain spans all four";
    EXPECT_EQ(m.k().check_invariants(false), "");
}

TEST(Flows, OfflineTheLastCpuIsEbusy) {
    SystemConfig cfg = quad();
    cfg.tasks.push_back(task("a", working_set(64 * 1024, 100), {0, 1, 2, 3}));
    const int order[] = {1, 2, 3, 0};
    for (int i = 0; i < 4; ++i) {
        ActionConfig off = action("cpu_offline", kMs / 4 + i * kMs / 10);
        off.cpu = order[i];
        cfg.actions.push_back(off);
    }
    Guest m(cfg);
    m.run();
    const auto& r = m.k().action_results();
    EXPECT_EQ(r[0].result, 0) << r[0].message;
    EXPECT_EQ(r[1].result, 0) << r[1].message;
    EXPECT_EQ(r[2].result, 0) << r[2].message;
    EXPECT_EQ(r[3].result, -os::EBUSY_) << r[3].message;
    EXPECT_TRUE(m.k().all_user_tasks_exited());
    EXPECT_EQ(m.k().check_invariants(true), "");
}

} // namespace
} // namespace smp::test
