// The watchdog (cfg.watchdog_cycles) against two stuck runs made by test-only faults: a runqueue
// lock that is never released, and a runnable task that is queued nowhere. Each run stops with
// a failure naming the stall and a state dump instead of running for ever; a run that only
// computes or sleeps for many windows is left alone.
#include "guest_fixture.hpp"

namespace smp::test {
namespace {

constexpr std::int64_t kMs = 2000000; // cycles per ms at 2 GHz
constexpr std::int64_t kWindow = kMs; // 1 ms windows

SystemConfig quad() {
    SystemConfig cfg = preset("quad");
    cfg.watchdog_cycles = kWindow;
    return cfg;
}

WorkloadConfig phases(std::vector<WorkloadConfig> steps) {
    WorkloadConfig w;
    w.kind = "phases";
    w.steps = std::move(steps);
    return w;
}

// At cycle `at`, runs `fault` from a SystemC thread of the test.
void at(Cycle when, Guest& m, std::function<void()> fault) {
    sc_core::sc_spawn([&m, when, fault] {
        sc_core::wait(m.sys->clock().cycles(when));
        fault();
    });
}

TEST(Watchdog, RunqueueLockNeverReleasedStopsTheRun) {
    SystemConfig cfg = quad();
    cfg.tasks.push_back(task("a", working_set(64 * 1024, 400), {1}));
    Guest m(cfg);
    at(Cycle(kMs / 2), m, [&m] { m.k().rq(1).lock.owner = 99; }); // a holder that never returns
    m.run(Cycle(40 * kMs));
    const std::string& f = m.g->failure();
    ASSERT_NE(f, "") << "the run went on for 40 windows";
    EXPECT_NE(f.find("watchdog at cycle "), std::string::npos) << f;
    EXPECT_NE(f.find("rq[1].lock held by cpu 99 throughout the last 2000000 cycles"),
              std::string::npos)
        << f;
    EXPECT_NE(f.find("cpu 1: current "), std::string::npos) << f; // the state dump
    EXPECT_NE(f.find("rq lock held by cpu 99"), std::string::npos) << f;
    EXPECT_LT(m.sys->clock().now_cycles(), Cycle(5 * kMs)) << "caught within a few windows";
}

TEST(Watchdog, RunnableTaskQueuedNowhereStopsTheRun) {
    SystemConfig cfg = quad();
    WorkloadConfig w = working_set(16 * 1024, 4);
    WorkloadConfig sleep;
    sleep.kind = "sleep";
    sleep.cycles = 2 * kMs;
    cfg.tasks.push_back(task("a", phases({w, sleep, w}), {0}));
    Guest m(cfg);
    // Asleep at 0.5 ms: marked runnable without being queued, so its timer cannot wake it and
    // nothing ever runs it.
    at(Cycle(kMs / 2), m, [&m] { m.k().find_task("a")->state = os::TASK_RUNNING; });
    m.run(Cycle(40 * kMs));
    const std::string& f = m.g->failure();
    ASSERT_NE(f, "") << m.k().state_dump();
    EXPECT_NE(f.find("no operation retired on any CPU in the last 2000000 cycles while a user "
                     "task is runnable"),
              std::string::npos)
        << f;
    EXPECT_NE(f.find("(a): running on or queued for cpu 0"), std::string::npos) << f;
}

TEST(Watchdog, LongComputeAndLongSleepAreProgress) {
    SystemConfig cfg = quad();
    cfg.tasks.push_back(task("computes", spin(6 * kWindow), {0}));
    WorkloadConfig sleep;
    sleep.kind = "sleep";
    sleep.cycles = 4 * kWindow;
    cfg.tasks.push_back(task("sleeps", phases({sleep}), {1}));
    Guest m(cfg);
    m.run();
    EXPECT_EQ(m.g->failure(), "");
    EXPECT_TRUE(m.k().all_user_tasks_exited());
}

} // namespace
} // namespace smp::test
