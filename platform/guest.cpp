#include "platform/guest.hpp"

#include <algorithm>
#include <numeric>

namespace smp {

namespace {

os::Irq to_os(IrqVector v) {
    switch (v) {
    case IrqVector::Timer: return os::Irq::Timer;
    case IrqVector::Reschedule: return os::Irq::Reschedule;
    case IrqVector::CallFunction: return os::Irq::CallFunction;
    case IrqVector::Stop: return os::Irq::Stop;
    case IrqVector::Action: return os::Irq::Action;
    }
    return os::Irq::Stop;
}

IrqVector to_hw(os::Irq v) {
    switch (v) {
    case os::Irq::Timer: return IrqVector::Timer;
    case os::Irq::Reschedule: return IrqVector::Reschedule;
    case os::Irq::CallFunction: return IrqVector::CallFunction;
    case os::Irq::Stop: return IrqVector::Stop;
    case os::Irq::Action: return IrqVector::Action;
    }
    return IrqVector::Stop;
}

os::Source to_source(ServedBy s) {
    switch (s) {
    case ServedBy::L1:
    case ServedBy::L2: return os::Source::Local;
    case ServedBy::PeerCache: return os::Source::Peer;
    case ServedBy::Llc: return os::Source::Shared;
    case ServedBy::RemoteCache: return os::Source::Remote;
    default: return os::Source::Memory;
    }
}

} // namespace

GuestMachine::GuestMachine(System& sys, const SystemConfig& cfg)
    : m_sys(sys), m_cfg(cfg), m_frames(static_cast<std::uint64_t>(cfg.seed)) {
    os::MachineShape shape;
    shape.sockets = unsigned(cfg.topology.sockets);
    shape.cores_per_socket = unsigned(cfg.topology.cores_per_socket);
    shape.threads_per_core = unsigned(cfg.topology.threads_per_core);
    shape.freq_ghz = cfg.freq_ghz;
    m_kernel = std::make_unique<os::Kernel>(*this, cfg.kernel, shape);
    const bool random = cfg.memory.mapping == "random";
    std::vector<int> mm_of(cfg.tasks.size());
    std::vector<int> pid_of(cfg.tasks.size());
    for (std::size_t i = 0; i < cfg.tasks.size(); ++i) {
        const TaskConfig& t = cfg.tasks[i];
        os::TaskSpec spec;
        spec.name = t.name;
        const std::uint64_t seed = static_cast<std::uint64_t>(cfg.seed) * 0x100000001B3ull + i;
        spec.program = make_workload(t.workload, static_cast<std::uint32_t>(cfg.l1d.line), seed);
        for (auto c : t.cpus) spec.cpus.push_back(int(c));
        spec.nice = int(t.nice);
        if (t.threads_of.empty()) {
            mm_of[i] = int(m_spaces.size());
            m_spaces.push_back(std::make_unique<AddressSpace>(std::uint32_t(m_spaces.size()), random, &m_frames));
        } else {
            for (std::size_t k = 0; k < i; ++k) {
                if (cfg.tasks[k].name == t.threads_of) mm_of[i] = mm_of[k];
            }
        }
        spec.mm = mm_of[i];
        spec.forked = t.forked;
        for (std::size_t k = 0; k < i; ++k) {
            if (!t.start_after.empty() && cfg.tasks[k].name == t.start_after) spec.start_after = pid_of[k];
        }
        pid_of[i] = m_kernel->add_task(std::move(spec));
        thread(pid_of[i]).as = m_spaces[std::size_t(mm_of[i])].get();
        ++m_user_tasks;
    }
    for (const auto& a : cfg.actions) m_kernel->add_action(a);
    for (CpuId c = 0; c < sys.cpus(); ++c) {
        sys.core(c).set_irq_handler([this](Core& core, const PendingIrq& irq) {
            m_kernel->interrupt(int(core.id()), to_os(irq.vector));
        });
    }
}

GuestMachine::~GuestMachine() = default;

GuestMachine::Thread& GuestMachine::thread(int pid) {
    while (m_threads.size() <= std::size_t(pid)) m_threads.push_back(std::make_unique<Thread>());
    return *m_threads[std::size_t(pid)];
}

void GuestMachine::spawn() {
    m_kernel->boot();
    if (!m_cfg.actions.empty()) sc_core::sc_spawn([this] { action_timer(); }, "action_timer");
}

// Issues each action at its cycle, in configuration order for equal cycles, as an Action
// interrupt on the CPU the kernel picks for it.
void GuestMachine::action_timer() {
    std::vector<std::size_t> order(m_cfg.actions.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) {
        return m_cfg.actions[a].at < m_cfg.actions[b].at;
    });
    const Clocked& clk = m_sys.clock();
    for (std::size_t i : order) {
        const Cycle at = static_cast<Cycle>(m_cfg.actions[i].at);
        if (at > clk.now_cycles()) sc_core::wait(clk.cycles(at - clk.now_cycles()));
        const int cpu = m_kernel->action_target(i);
        m_sys.irqs().apic(CpuId(cpu)).post(PendingIrq{clk.now_cycles(), IrqVector::Action, kNoCpu});
    }
}

os::Source GuestMachine::access(int cpu, os::KAccess kind, Addr paddr) {
    static const OpKind kinds[] = {OpKind::Load, OpKind::Store, OpKind::Atomic, OpKind::IFetch};
    return to_source(m_sys.core(CpuId(cpu)).access_phys(kinds[int(kind)], paddr));
}

void GuestMachine::send_ipi(int from, int to, os::Irq vector) {
    m_sys.core(CpuId(from)).send_ipi(CpuId(to), to_hw(vector));
}

void GuestMachine::halt(int cpu, const std::function<bool()>& until) {
    m_sys.core(CpuId(cpu)).halt_until(m_never, until);
}

void GuestMachine::spin(int cpu, const std::function<bool()>& until) {
    m_sys.core(CpuId(cpu)).halt_until(m_kick, until, false);
}

void GuestMachine::timer(int cpu, bool on) {
    Core& core = m_sys.core(CpuId(cpu));
    core.sync();
    m_sys.irqs().apic(CpuId(cpu)).set_timer(on, core.local_cycle());
}

Cycle GuestMachine::user_compute(int cpu, Cycle n, bool resumed) {
    return m_sys.core(CpuId(cpu)).compute_for(n, true, resumed);
}

void GuestMachine::create_thread(int pid, std::function<void()> body) {
    thread(pid);
    sc_core::sc_spawn(
        [this, pid, body = std::move(body)] {
            Thread& t = *m_threads[std::size_t(pid)];
            while (!t.runnable) sc_core::wait(t.resume);
            t.runnable = false;
            body();
        },
        ("task_" + std::to_string(pid)).c_str());
}

// The core issues the accesses of `pid` from now on.
void GuestMachine::enter(int cpu, int pid) {
    Thread& t = thread(pid);
    m_sys.core(CpuId(cpu)).set_context(TaskId(pid), t.as, t.counters.get());
}

// pid's thread may run on cpu: the core issues its accesses from now on.
void GuestMachine::wake(int cpu, int pid) {
    enter(cpu, pid);
    Thread& t = thread(pid);
    t.runnable = true;
    t.resume.notify(sc_core::SC_ZERO_TIME);
}

void GuestMachine::start_thread(int cpu, int pid) { wake(cpu, pid); }

void GuestMachine::switch_to(int cpu, int prev, int next) {
    m_sys.core(CpuId(cpu)).sync();
    wake(cpu, next);
    Thread& p = thread(prev);
    while (!p.runnable) sc_core::wait(p.resume);
    p.runnable = false;
}

void GuestMachine::exit_to(int cpu, int prev, int next) {
    m_sys.core(CpuId(cpu)).sync();
    wake(cpu, next);
    if (m_kernel->all_user_tasks_exited()) sc_core::sc_stop();
}

void GuestMachine::fail(const std::string& why) {
    if (m_failure.empty()) m_failure = why;
    sc_core::sc_stop();
}

void GuestMachine::register_stats(StatsRegistry& r) const {
    const os::KernelStats& s = m_kernel->stats();
    r.add("system.os.context_switches", &s.context_switches);
    r.add("system.os.migrations", &s.migrations);
    for (int i = 0; i < static_cast<int>(os::MigReason::Count); ++i) {
        r.add(std::string("system.os.migrations.") + os::reason_name(static_cast<os::MigReason>(i)),
              &s.migrations_by[i]);
    }
    r.add("system.os.ipis_sent", &s.ipis_sent);
    r.add("system.os.ticks", &s.ticks);
    r.add("system.os.wakeups", &s.wakeups);
    r.add("system.os.load_balance", &s.load_balance);
    r.add("system.os.load_balance_failed", &s.load_balance_failed);
    r.add("system.os.newidle_balance", &s.newidle_balance);
    r.add("system.os.active_balance", &s.active_balance);
    r.add("system.os.migration_requests", &s.migration_requests);
    r.add("system.os.migration_requests_completed", &s.migration_requests_completed);
    r.add("system.os.lock_spins", &s.lock_spins);
    r.add("system.os.lock_wait_cycles", &s.lock_wait_cycles);
}

} // namespace smp
