// Linux 2.4.21 (RHEL3 2.4.21-4) on the quad preset: flow F1 of the reference (§7.5) as an event
// sequence, with the destination chosen by migration_task as the lowest allowed online CPU,
// and the validation checks of §7.9: busy CPUs balance only on jiffies ≡ 0 mod 20, all on the
// same ticks; an idle CPU attempts two balances per tick (the tick, then schedule()).
#include "guest_fixture.hpp"

#include <map>
#include <set>
#include <sstream>

namespace smp::test {
namespace {

constexpr int R = 1, S = 0, D = 2;
constexpr std::int64_t kTick = 20000000; // cycles per jiffy: 2 GHz, HZ = 100

SystemConfig era_2421() {
    SystemConfig cfg = preset("quad");
    cfg.kernel.set_era("linux-2.4.21");
    cfg.check = true;
    return cfg;
}

SystemConfig f1_config(std::int64_t quantum) {
    SystemConfig cfg = era_2421();
    cfg.quantum_cycles = quantum;
    cfg.tasks.push_back(task("a", working_set(64 * 1024, 60), {S}));
    cfg.tasks.push_back(task("b", working_set(64 * 1024, 60), {3}));
    ActionConfig a = action("set_affinity", 600000, "a"); // 0.3 ms at 2 GHz, before any tick
    a.cpus = {3, D};
    a.cpu = R;
    cfg.actions.push_back(a);
    return cfg;
}

TEST(Era2421, ForcedMigrationFollowsF1ToTheLowestAllowedCpu) {
    Guest m(f1_config(1000));
    ASSERT_EQ(m.k().tick_cycles(), Cycle(kTick));
    m.run();
    const int T = m.pid("a");
    const int ctl = m.pid("taskset/1");
    const int mt = m.pid("migration/0");
    const auto resched = static_cast<long long>(os::Irq::Reschedule);

    const long syscall = m.find(0, Ev::Syscall, R, ctl, int(os::SyscallNr::SchedSetaffinity));
    ASSERT_GE(syscall, 0) << m.dump();
    // The request carries no destination (a = -1) and is queued on S's migration queue (b).
    const long queued = m.find(syscall, [&](const os::TraceEvent& e) {
        return e.ev == Ev::ReqQueued && e.cpu == R && e.pid == T && e.a == -1 && e.b == S;
    });
    ASSERT_GT(queued, syscall) << m.dump(syscall);
    const long ipi_s = m.find(queued, Ev::IpiSent, R, -2, S);
    ASSERT_GT(ipi_s, queued) << "wake_up_cpu: migration/S has the better priority\n"
                             << m.dump(syscall);
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
    ASSERT_GT(enq, deq) << "onto the lowest allowed CPU of {2, 3}\n" << m.dump(syscall);
    const long ipi_d = m.find(enq, Ev::IpiSent, S, -2, D);
    ASSERT_GT(ipi_d, enq) << "wake_up_cpu: D is idle\n" << m.dump(syscall);
    const long done = m.find(ipi_d, Ev::Complete, S, ctl);
    ASSERT_GT(done, ipi_d) << m.dump(syscall);
    const long woken = m.find(done, Ev::Wakeup, S, ctl);
    ASSERT_GT(woken, done) << "complete() wakes the requester\n" << m.dump(syscall);
    EXPECT_GT(m.find(woken, Ev::IpiSent, S, -2, R), woken) << "R went idle: wake_up_cpu kicks it";
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
    EXPECT_EQ(m.find(0, Ev::Enqueue, -2, T, 3), -1) << "never on CPU 3";

    ASSERT_EQ(m.k().migrations().size(), 1u);
    const os::MigrationEvent& e = m.k().migrations()[0];
    EXPECT_EQ(e.src, S);
    EXPECT_EQ(e.dst, D);
    EXPECT_EQ(e.reason, os::MigReason::Affinity);
    EXPECT_EQ(e.reason_detail, "set_cpus_allowed");
    EXPECT_EQ(e.mechanism, "migration_thread");
    EXPECT_EQ(e.kernel_hot, 1) << "T left S in this jiffy and cache_decay_ticks is 0";
    EXPECT_LT(e.t_decision, e.t_dequeue);
    EXPECT_LT(e.t_dequeue, e.t_enqueue);
    EXPECT_LT(e.t_enqueue, e.t_first_run);
    EXPECT_EQ(m.k().stats().ipis_sent, 3u);
    EXPECT_EQ(m.k().check_invariants(true), "");
    EXPECT_EQ(m.k().task_of(T).cpu, D);
}

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
        os << "migration " << g.task << ' ' << g.src << ' ' << g.dst << ' ' << int(g.reason)
           << '\n';
    }
    return os.str();
}

TEST(Era2421, SameDecisionsAtQuantumOneAndDefault) {
    const std::string lockstep = in_child([] { return decisions(1); });
    const std::string decoupled = in_child([] { return decisions(1000); });
    ASSERT_NE(lockstep.find("migration "), std::string::npos) << lockstep;
    ASSERT_EQ(lockstep.find("exception"), std::string::npos) << lockstep;
    EXPECT_EQ(lockstep, decoupled);
}

// Balance events of each CPU by jiffy: pid = IdleType (0 busy tick, 1 idle tick, 2 schedule()).
std::map<int, std::vector<std::pair<long, int>>> balances(Guest& m) {
    std::map<int, std::vector<std::pair<long, int>>> out;
    for (const auto& e : m.trace()) {
        if (e.ev == Ev::Balance) out[e.cpu].emplace_back(long(e.t / Cycle(kTick)), e.pid);
    }
    return out;
}

// Two tasks pinned on every CPU and two more that may run anywhere, all on CPU 0 at first:
// no CPU is ever idle. 62 jiffies.
TEST(Era2421, BusyCpusBalanceTogetherOnJiffiesMultipleOf20) {
    SystemConfig cfg = era_2421();
    for (int c = 0; c < 4; ++c) {
        for (int i = 0; i < 2; ++i) {
            cfg.tasks.push_back(
                task("p" + std::to_string(c) + std::to_string(i), spin(80 * kTick), {c}));
        }
    }
    cfg.tasks.push_back(task("x", spin(80 * kTick), {0, 1, 2, 3}));
    cfg.tasks.push_back(task("y", spin(80 * kTick), {0, 1, 2, 3}));
    Guest m(cfg);
    m.run(62 * kTick + kTick / 2);
    const auto by_cpu = balances(m);
    ASSERT_EQ(by_cpu.size(), 4u);
    for (const auto& [cpu, list] : by_cpu) {
        std::vector<long> ticks;
        for (auto [j, kind] : list) {
            EXPECT_EQ(kind, int(os::IdleType::NotIdle))
                << "cpu " << cpu << " jiffy " << j << ": never idle";
            ticks.push_back(j);
        }
        EXPECT_EQ(ticks, (std::vector<long>{20, 40, 60})) << "cpu " << cpu;
    }
    // The first busy balance sees prev_cpu_load = 0 everywhere (the min filter); at jiffy 40
    // CPU 0 has 4 tasks against 2: (4 - 2) * 4 >= 4, half of 2 is 1 task pulled.
    const auto& migs = m.k().migrations();
    ASSERT_FALSE(migs.empty());
    std::set<long> when;
    for (const auto& g : migs) {
        EXPECT_EQ(g.reason, os::MigReason::PeriodicBalance);
        EXPECT_EQ(g.reason_detail, "lb_tick");
        EXPECT_EQ(g.mechanism, "balancer");
        EXPECT_TRUE(g.task_name == "x" || g.task_name == "y") << g.task_name;
        when.insert(long(g.t_decision / Cycle(kTick)));
    }
    EXPECT_EQ(*when.begin(), 40);
    for (long j : when)
        EXPECT_EQ(j % 20, 0) << j;
    EXPECT_EQ(m.k().check_invariants(false), "");
}

// One task pinned on CPU 0; CPUs 1-3 idle for 10 jiffies: each balances at its tick (idle = 1)
// and again in schedule() with an empty runqueue, because the tick marked the idle task
// need_resched. With idle_resched_every_tick off, only the tick's balance remains.
std::string idle_balances(bool resched_every_tick) {
    SystemConfig cfg = era_2421();
    cfg.kernel.policy.idle_resched_every_tick = resched_every_tick;
    cfg.tasks.push_back(task("a", spin(40 * kTick), {0}));
    Guest m(cfg);
    m.run(10 * kTick + kTick / 2);
    const auto by_cpu = balances(m);
    std::ostringstream out;
    if (by_cpu.count(0)) out << "cpu 0 balanced before jiffy 20\n";
    for (int cpu = 1; cpu < 4; ++cpu) {
        std::vector<std::pair<long, int>> want;
        for (long j = 1; j <= 10; ++j) {
            want.emplace_back(j, int(os::IdleType::Idle));
            if (resched_every_tick) want.emplace_back(j, int(os::IdleType::NewlyIdle));
        }
        const auto it = by_cpu.find(cpu);
        const auto got = it == by_cpu.end() ? std::vector<std::pair<long, int>>{} : it->second;
        if (got != want) {
            out << "cpu " << cpu << ":";
            for (auto [j, kind] : got)
                out << " " << j << "/" << kind;
            out << "\n";
        }
    }
    if (!m.k().migrations().empty()) out << "a migration happened\n";
    const std::string inv = m.k().check_invariants(false);
    if (!inv.empty()) out << inv << "\n";
    return out.str();
}

TEST(Era2421, IdleCpuBalancesTwicePerTick) {
    EXPECT_EQ(in_child([] { return idle_balances(true); }), "");
}

TEST(Era2421, IdleCpuBalancesOncePerTickWithoutTheResched) {
    EXPECT_EQ(in_child([] { return idle_balances(false); }), "");
}

} // namespace
} // namespace smp::test
