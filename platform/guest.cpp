#include "platform/guest.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <numeric>

namespace smp {

namespace {

os::Irq to_os(IrqVector v) {
    switch (v) {
    case IrqVector::Timer:
        return os::Irq::Timer;
    case IrqVector::Reschedule:
        return os::Irq::Reschedule;
    case IrqVector::CallFunction:
        return os::Irq::CallFunction;
    case IrqVector::Stop:
        return os::Irq::Stop;
    case IrqVector::Action:
        return os::Irq::Action;
    }
    return os::Irq::Stop;
}

IrqVector to_hw(os::Irq v) {
    switch (v) {
    case os::Irq::Timer:
        return IrqVector::Timer;
    case os::Irq::Reschedule:
        return IrqVector::Reschedule;
    case os::Irq::CallFunction:
        return IrqVector::CallFunction;
    case os::Irq::Stop:
        return IrqVector::Stop;
    case os::Irq::Action:
        return IrqVector::Action;
    }
    return IrqVector::Stop;
}

os::Source to_source(ServedBy s) {
    switch (s) {
    case ServedBy::L1:
    case ServedBy::L2:
        return os::Source::Local;
    case ServedBy::PeerCache:
        return os::Source::Peer;
    case ServedBy::Llc:
        return os::Source::Shared;
    case ServedBy::RemoteCache:
        return os::Source::Remote;
    default:
        return os::Source::Memory;
    }
}

// Had a migrated task stayed on src, where would a line its private caches no longer hold come
// from? The caches to ask are fixed at the migration: the other agents of src's socket (not
// src's, whose copy the ghost has dropped, nor dst's, which holds the line only because the task
// moved), the socket's LLC, then the other sockets' agents and LLCs (again not dst's).
struct SourceView {
    unsigned socket;
    std::vector<const Cache*> peers; // every cache of each other agent's hierarchy
    const Cache* llc = nullptr;
    std::vector<const Cache*> remote;
    std::vector<CpuId> cores; // src's socket: whose latencies stand for src's

    SourceView(const System& sys, CpuId src, CpuId dst) : socket(sys.socket_of(src)) {
        const auto of = [&sys](const System::Agent& a, CpuId c) {
            const System::PrivateCaches& p = sys.private_caches(c);
            return std::any_of(a.hierarchy.begin(), a.hierarchy.end(), [&p](const Cache* h) {
                return h == p.l1i || h == p.l1d || (p.l2 && h == p.l2);
            });
        };
        for (const System::Agent& a : sys.agents()) {
            if (of(a, dst) || (a.socket == socket && of(a, src))) continue;
            if (a.socket == socket) {
                peers.insert(peers.end(), a.hierarchy.begin(), a.hierarchy.end());
            } else {
                remote.push_back(a.agent);
            }
        }
        const std::vector<Cache*> llcs = sys.llcs(); // one per socket, in socket order
        for (std::size_t s = 0; s < llcs.size(); ++s) {
            if (s == socket) {
                llc = llcs[s];
            } else {
                remote.push_back(llcs[s]);
            }
        }
        for (CpuId c = 0; c < sys.cpus(); ++c) {
            if (sys.socket_of(c) == socket) cores.push_back(c);
        }
    }

    // The supplier the buses would pick (a peer's M copy, or its E copy when the socket's LLC
    // lacks the line; the LLC; an E/M copy in another socket; the line's home memory) and the
    // lowest latency src's socket has seen from that supplier (0: none yet). The states are
    // those after the real access, which a read has already downgraded to S in every peer.
    GhostCache::Elsewhere elsewhere(const System& sys, Addr line, unsigned line_bits) const {
        const auto owns = [line](const Cache* c) { return mesi::is_exclusive(c->state_of(line)); };
        const bool in_llc = llc && llc->state_of(line) != mesi::State::I;
        const auto supplies = [line, in_llc](const Cache* c) {
            return mesi::supplies(c->state_of(line), in_llc);
        };
        ServedBy from;
        if (std::any_of(peers.begin(), peers.end(), supplies)) {
            from = ServedBy::PeerCache;
        } else if (in_llc) {
            from = ServedBy::Llc;
        } else if (std::any_of(remote.begin(), remote.end(), owns)) {
            from = ServedBy::RemoteCache;
        } else {
            const int home = sys.home_of(line << line_bits);
            from = home < 0 || unsigned(home) == socket ? ServedBy::Memory : ServedBy::RemoteMemory;
        }
        Cycle latency = kNever;
        for (CpuId c : cores)
            latency = std::min(latency, sys.core(c).min_latency(from));
        return {from, latency == kNever ? 0 : latency};
    }
};

} // namespace

GuestMachine::GuestMachine(System& sys, const SystemConfig& cfg)
    : m_sys(sys), m_cfg(cfg), m_frames(static_cast<std::uint64_t>(cfg.seed)) {
    os::MachineShape shape;
    shape.sockets = unsigned(cfg.topology.sockets);
    shape.cores_per_socket = unsigned(cfg.topology.cores_per_socket);
    shape.threads_per_core = unsigned(cfg.topology.threads_per_core);
    shape.freq_ghz = cfg.freq_ghz;
    // x86_cache_size: the second-level cache (the shared llc when there is no private l2).
    const CacheConfig& l2 = cfg.l2.enabled ? cfg.l2 : cfg.llc;
    shape.l2_kib = l2.enabled ? l2.size / 1024 : -1;
    // The last-level cache: the socket's llc, else the most shared of the l2 and the l1.
    if (cfg.llc.enabled) {
        shape.llc_cpus = 0;
    } else if (cfg.l2.enabled) {
        shape.llc_cpus = unsigned(std::max<std::int64_t>(cfg.l2.shared_by, 1));
    } else {
        shape.llc_cpus = unsigned(std::max<std::int64_t>(cfg.l1d.shared_by, 1));
    }
    m_kernel = std::make_unique<os::Kernel>(*this, cfg.kernel, shape);
    m_kernel->set_checking(cfg.check);
    // Named pipes and barriers, shared by every task, numbered in order of first mention.
    std::map<std::string, int> objects;
    std::function<void(const WorkloadConfig&)> declare = [&](const WorkloadConfig& w) {
        for (const auto& s : w.steps)
            declare(s);
        if (w.object.empty() || objects.count(w.object)) return;
        if (w.kind == "barrier") {
            objects[w.object] = m_kernel->add_barrier(unsigned(w.parties));
        } else if (w.kind == "pipe_read" || w.kind == "pipe_write") {
            objects[w.object] = m_kernel->add_pipe();
        }
    };
    for (const TaskConfig& t : cfg.tasks)
        declare(t.workload);
    ProgramEnv env;
    env.line_bytes = static_cast<std::uint32_t>(cfg.l1d.line);
    env.freq_ghz = cfg.freq_ghz;
    env.object = [objects](const std::string& name) {
        auto it = objects.find(name);
        return it == objects.end() ? -1 : it->second;
    };
    const int calibrator = cfg.kernel.calibration.enabled ? add_calibration(env, shape.l2_kib) : -1;
    std::vector<int> mm_of(cfg.tasks.size());
    std::vector<int> pid_of(cfg.tasks.size());
    for (std::size_t i = 0; i < cfg.tasks.size(); ++i) {
        const TaskConfig& t = cfg.tasks[i];
        os::TaskSpec spec;
        spec.name = t.name;
        const std::uint64_t seed = static_cast<std::uint64_t>(cfg.seed) * 0x100000001B3ull + i;
        spec.program = make_workload(t.workload, env, seed);
        for (auto c : t.cpus)
            spec.cpus.push_back(int(c));
        spec.nice = int(t.nice);
        if (t.threads_of.empty()) {
            mm_of[i] = new_space();
        } else {
            for (std::size_t k = 0; k < i; ++k) {
                if (cfg.tasks[k].name == t.threads_of) mm_of[i] = mm_of[k];
            }
        }
        spec.mm = mm_of[i];
        spec.forked = t.forked;
        for (std::size_t k = 0; k < i; ++k) {
            if (!t.start_after.empty() && cfg.tasks[k].name == t.start_after)
                spec.start_after = pid_of[k];
        }
        if (calibrator >= 0 && t.start_after.empty() && !t.forked) spec.start_after = calibrator;
        pid_of[i] = m_kernel->add_task(std::move(spec));
        thread(pid_of[i]).as = m_spaces[std::size_t(mm_of[i])].get();
        ++m_user_tasks;
    }
    for (const auto& a : cfg.actions)
        m_kernel->add_action(a);
    for (CpuId c = 0; c < sys.cpus(); ++c) {
        sys.core(c).set_irq_handler(
            [this](Core& core, const PendingIrq& irq) { interrupt(core, irq); });
    }
    m_ipis_pending.resize(sys.cpus());
    m_computing.assign(sys.cpus(), 0);
}

int GuestMachine::new_space() {
    m_spaces.push_back(std::make_unique<AddressSpace>(std::uint32_t(m_spaces.size()),
                                                      m_cfg.memory.mapping == "random", &m_frames));
    return int(m_spaces.size()) - 1;
}

int GuestMachine::add_calibration(const ProgramEnv& env, std::int64_t l2_kib) {
    const os::CalibrationConfig& cc = m_cfg.kernel.calibration;
    os::CalibrationParams p;
    // i386 smp_tune_scheduling: max_cache_size = x86_cache_size * 1024 (the CPUID L2).
    const std::int64_t l2_size = l2_kib >= 0 ? l2_kib * 1024 : 0;
    p.max_cache_size = unsigned(cc.max_cache_size >= 0 ? cc.max_cache_size : l2_size);
    p.ncpus = int(m_sys.cpus());
    os::Kernel* k = m_kernel.get();
    p.distance = [k](int a, int b) { return k->domain_distance(a, b); };
    p.freq_ghz = env.freq_ghz;
    p.hz = m_cfg.kernel.hz;
    p.jiffies_clock = cc.clock == "jiffies";
    p.migration_factor = int(cc.migration_factor * 128 / 100); // migration_factor= (percent)
    p.debug = int(cc.migration_debug);
    p.done = [this](const os::CalibrationResult& r) {
        m_calibration = r;
        m_calibration_done = true;
        m_kernel->set_migration_cost(r.migration_cost);
        for (const std::string& line : r.log)
            m_kernel->printk(r.end_cycle, line);
        if (m_on_boot_done) m_on_boot_done();
    };
    os::TaskSpec spec;
    spec.name = "init";
    for (int c = 0; c < p.ncpus; ++c)
        spec.cpus.push_back(c);
    spec.program = std::make_unique<os::MigrationCalibration>(std::move(p));
    spec.mm = new_space();
    const int pid = m_kernel->add_task(std::move(spec));
    thread(pid).as = m_spaces.back().get();
    ++m_user_tasks;
    return pid;
}

void GuestMachine::set_program(const std::string& name, std::unique_ptr<OpSource> program) {
    os::Task* t = m_kernel->find_task(name);
    if (!t || t->kind != os::TaskKind::User)
        throw ConfigError("tasks", "no user task '" + name + "'");
    t->program = std::move(program);
}

void GuestMachine::interrupt(Core& core, const PendingIrq& irq) {
    const int cpu = int(core.id());
    const Cycle now = core.local_cycle();
    if (irq.vector != IrqVector::Timer) { // IPI (or an experiment's action): taken now
        auto& pending = m_ipis_pending[std::size_t(cpu)];
        for (auto it = pending.begin(); it != pending.end(); ++it) {
            Timeline::Ipi& ipi = m_timeline.ipis[*it];
            if (ipi.arrival == irq.arrival && ipi.from == int(irq.from)) {
                ipi.taken = now;
                pending.erase(it);
                break;
            }
        }
    }
    if (!m_timeline.irq_edges.empty()) {
        auto& edges = m_timeline.irq_edges[std::size_t(cpu)];
        if (irq.vector == IrqVector::Timer || irq.from == kNoCpu)
            edges.emplace_back(irq.arrival, +1);
        edges.emplace_back(now, -1);
    }
    m_kernel->interrupt(cpu, to_os(irq.vector), now - m_sys.irqs().accept_cost()); // accepted
}

GuestMachine::~GuestMachine() = default;

GuestMachine::Thread& GuestMachine::thread(int pid) {
    while (m_threads.size() <= std::size_t(pid))
        m_threads.push_back(std::make_unique<Thread>());
    return *m_threads[std::size_t(pid)];
}

void GuestMachine::spawn() {
    m_kernel->set_counterfactual(long(m_cfg.measure.cf_migration));
    m_kernel->boot();
    if (!m_cfg.actions.empty() || m_cfg.measure.cf_migration >= 0) {
        sc_core::sc_spawn([this] { action_timer(); }, "action_timer");
    }
    if (m_cfg.watchdog_cycles > 0) sc_core::sc_spawn([this] { watchdog(); }, "watchdog");
}

// Issues each action at its cycle, in configuration order for equal cycles, as an Action
// interrupt on the CPU the kernel picks for it; in a counterfactual run, also the resumption of
// the held task (entry -1).
void GuestMachine::action_timer() {
    std::vector<std::pair<Cycle, long>> order;
    for (std::size_t i = 0; i < m_cfg.actions.size(); ++i) {
        order.emplace_back(static_cast<Cycle>(m_cfg.actions[i].at), long(i));
    }
    if (m_cfg.measure.cf_migration >= 0) order.emplace_back(Cycle(m_cfg.measure.cf_resume), -1);
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    const Clocked& clk = m_sys.clock();
    for (const auto& [at, i] : order) {
        if (at > clk.now_cycles()) sc_core::wait(clk.cycles(at - clk.now_cycles()));
        const int cpu =
            i < 0 ? m_kernel->cf_resume_target() : m_kernel->action_target(std::size_t(i));
        if (cpu < 0) continue;
        m_sys.irqs().apic(CpuId(cpu)).post(PendingIrq{clk.now_cycles(), IrqVector::Action, kNoCpu});
    }
}

// Every window: stuck when a kernel lock was held throughout it (same owner, no release), or
// when no operation retired on any CPU while a user task was runnable and none was computing.
// Stops watching when nothing else is pending (the run then ends, or idles to its `until`).
void GuestMachine::watchdog() {
    const Clocked& clk = m_sys.clock();
    const Cycle window = Cycle(m_cfg.watchdog_cycles);
    Counter ops = m_user_ops;
    std::vector<os::Kernel::HeldLock> locks = m_kernel->held_locks();
    for (;;) {
        sc_core::wait(clk.cycles(window));
        if (!m_failure.empty() || m_kernel->all_user_tasks_exited()) return;
        const Counter now_ops = m_user_ops;
        std::vector<os::Kernel::HeldLock> now_locks = m_kernel->held_locks();
        std::string stuck;
        for (const auto& l : now_locks) { // held at both ends of the window, never released
            const bool throughout = std::any_of(locks.begin(), locks.end(), [&l](const auto& b) {
                return l.name == b.name && l.owner == b.owner && l.releases == b.releases;
            });
            if (throughout) {
                stuck = l.name + " held by cpu " + std::to_string(l.owner) +
                        " throughout the last " + std::to_string(window) + " cycles";
                break;
            }
        }
        const bool computing =
            std::find(m_computing.begin(), m_computing.end(), 1) != m_computing.end();
        if (stuck.empty() && now_ops == ops && !computing && m_kernel->user_task_runnable()) {
            stuck = "no operation retired on any CPU in the last " + std::to_string(window) +
                    " cycles while a user task is runnable";
        }
        if (!stuck.empty()) {
            std::string dump = m_kernel->state_dump();
            for (std::size_t c = 0; c < m_ipis_pending.size(); ++c) {
                for (std::size_t i : m_ipis_pending[c]) {
                    const Timeline::Ipi& ipi = m_timeline.ipis[i];
                    dump += "cpu " + std::to_string(c) + ": IPI " + ipi.vector + " from cpu " +
                            std::to_string(ipi.from) + " pending since cycle " +
                            std::to_string(ipi.arrival) + "\n";
                }
            }
            fail("watchdog at cycle " + std::to_string(clk.now_cycles()) + ": " + stuck +
                 " (watchdog_cycles)\n" + dump);
            return;
        }
        if (!sc_core::sc_pending_activity()) return; // the run ends (or idles) without it
        ops = now_ops;
        locks = std::move(now_locks);
    }
}

void GuestMachine::migrated(int cpu, int pid, int src, int dst, long event) {
    const Cycle now = m_sys.core(CpuId(cpu)).local_cycle();
    Thread& t = thread(pid);
    close_measurements(t, GhostEnd::Migrated, now);
    if (m_costs.size() <= std::size_t(event)) {
        m_costs.resize(std::size_t(event) + 1);
        m_ghosts.resize(std::size_t(event) + 1);
    }
    if (!m_cfg.measure.ghost) return;
    const System::PrivateCaches& pc = m_sys.private_caches(CpuId(src));
    GhostCache::Source lv[kNumGhostLevels];
    if (pc.l1i) lv[int(GhostLevel::L1I)] = {&pc.l1i->tags(), Cycle(m_cfg.l1i.latency), true};
    if (pc.l1d) lv[int(GhostLevel::L1D)] = {&pc.l1d->tags(), Cycle(m_cfg.l1d.latency), true};
    if (pc.l2)
        lv[int(GhostLevel::L2)] = {&pc.l2->tags(), Cycle(m_cfg.l2.latency), m_cfg.l2.inclusive};
    // The task's lines: those it filled, or a thread of its address space did.
    const AddressSpace* as = t.as;
    const auto owned = [this, pid, as](const LineInfo& l) {
        if (l.filler_task == TaskId(pid)) return true;
        return as && l.filler_task < m_threads.size() && m_threads[l.filler_task]->as == as;
    };
    // Kernel objects and page tables live in [kBase, 2 kBase) (os/layout.hpp,
    // models/memory/address_map.hpp); everything else is user data.
    const unsigned line_bits = log2_floor(static_cast<std::uint64_t>(m_cfg.l1d.line));
    TlbSource tlb;
    if (m_cfg.tlb.enabled && as) tlb = {&m_sys.core(CpuId(src)).tlb(), as->asid()};
    m_ghosts[std::size_t(event)] = std::make_unique<GhostCache>(
        lv, owned, now, Cycle(m_cfg.measure.window),
        [line_bits](Addr l) {
            return (l << line_bits) < os::KLayout::kBase ||
                   (l << line_bits) >= 2 * os::KLayout::kBase;
        },
        [this, view = SourceView(m_sys, CpuId(src), CpuId(dst)), line_bits](Addr l) {
            return view.elsewhere(m_sys, l, line_bits);
        },
        tlb);
    m_costs[std::size_t(event)].ghost = true;
    t.ghost = m_ghosts[std::size_t(event)].get();
}

void GuestMachine::first_run(int cpu, int pid, long event) {
    Thread& t = thread(pid);
    t.stay = event;
    t.stay_accesses0 = t.counters->accesses;
    t.stay_stall0 = t.counters->stall_cycles;
    if (event == long(m_cfg.measure.cf_migration)) {
        t.probe = std::make_unique<StallProbe>(std::uint64_t(m_cfg.measure.cf_accesses),
                                               std::uint64_t(m_cfg.measure.cf_stay_accesses));
        m_probe_result.migration = event;
        m_probe_result.task = m_kernel->task_of(pid).comm;
        m_probe_result.resumed = m_sys.core(CpuId(cpu)).local_cycle();
    }
}

void GuestMachine::close_measurements(Thread& t, GhostEnd why, Cycle now) {
    if (t.ghost) t.ghost->end(why, now);
    t.ghost = nullptr;
    if (t.stay >= 0) {
        MigrationCost& c = m_costs[std::size_t(t.stay)];
        c.stay_accesses = t.counters->accesses - t.stay_accesses0;
        c.stay_user_stall = t.counters->stall_cycles - t.stay_stall0;
        t.stay = -1;
    }
}

void GuestMachine::finish(Cycle end) {
    m_kernel->finalize_paths();
    for (auto& tp : m_threads) {
        close_measurements(*tp, GhostEnd::EndOfRun, end);
        if (tp->probe) {
            m_probe_result.accesses = tp->probe->accesses();
            m_probe_result.user_stall = tp->probe->window_stall();
            m_probe_result.stay_user_stall = tp->probe->stay_stall();
            m_probe_result.complete = tp->probe->done();
        }
    }
    m_costs.resize(m_kernel->migrations().size());
    static const char* const kinds[] = {"idle", "migration", "control", "user"};
    m_timeline.tasks.clear();
    for (const auto& tp : m_kernel->tasks()) {
        if (m_timeline.tasks.size() <= std::size_t(tp->pid))
            m_timeline.tasks.resize(std::size_t(tp->pid) + 1);
        m_timeline.tasks[std::size_t(tp->pid)] = {tp->comm, kinds[int(tp->kind)]};
    }
    m_timeline.end = end;
    for (std::size_t e = 0; e < m_ghosts.size() && e < m_costs.size(); ++e) {
        if (m_ghosts[e]) m_costs[e].cold = m_ghosts[e]->cost();
    }
}

os::Source GuestMachine::access(int cpu, os::KAccess kind, Addr paddr) {
    static const OpKind kinds[] = {OpKind::Load, OpKind::Store, OpKind::Atomic, OpKind::IFetch};
    return to_source(m_sys.core(CpuId(cpu)).access_phys(kinds[int(kind)], paddr));
}

void GuestMachine::send_ipi(int from, int to, os::Irq vector) {
    m_sys.core(CpuId(from)).send_ipi(CpuId(to), to_hw(vector));
    const Cycle sent = m_sys.clock().now_cycles(); // send_ipi synchronised the sender
    const Cycle arrival = sent + m_sys.irqs().latency();
    m_ipis_pending[std::size_t(to)].push_back(m_timeline.ipis.size());
    m_timeline.ipis.push_back(Timeline::Ipi{from, to, os::irq_name(vector), sent, arrival, 0});
    if (!m_timeline.irq_edges.empty())
        m_timeline.irq_edges[std::size_t(to)].emplace_back(arrival, +1);
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
    m_computing[std::size_t(cpu)] = 1; // a long compute operation is progress (watchdog)
    if (!resumed) ++m_user_ops;
    const Cycle left = m_sys.core(CpuId(cpu)).compute_for(n, true, resumed);
    m_computing[std::size_t(cpu)] = 0;
    return left;
}

void GuestMachine::create_thread(int pid, std::function<void()> body) {
    thread(pid);
    sc_core::sc_spawn(
        [this, pid, body = std::move(body)] {
            Thread& t = *m_threads[std::size_t(pid)];
            while (!t.runnable)
                sc_core::wait(t.resume);
            t.runnable = false;
            body();
        },
        ("task_" + std::to_string(pid)).c_str());
}

// The core issues the accesses of `pid` from now on.
void GuestMachine::enter(int cpu, int pid) {
    Thread& t = thread(pid);
    const Cycle now = m_sys.core(CpuId(cpu)).local_cycle();
    m_timeline.runs.push_back(Timeline::Run{cpu, pid, now});
    m_sys.core(CpuId(cpu)).set_context(TaskId(pid), t.as, t.counters.get(), t.observer());
}

// pid's thread may run on cpu: the core issues its accesses from now on.
void GuestMachine::wake(int cpu, int pid) {
    enter(cpu, pid);
    Thread& t = thread(pid);
    t.runnable = true;
    t.resume.notify(sc_core::SC_ZERO_TIME);
}

void GuestMachine::start_thread(int cpu, int pid) {
    wake(cpu, pid);
}

void GuestMachine::switch_to(int cpu, int prev, int next) {
    m_sys.core(CpuId(cpu)).sync();
    wake(cpu, next);
    Thread& p = thread(prev);
    while (!p.runnable)
        sc_core::wait(p.resume);
    p.runnable = false;
}

void GuestMachine::exit_to(int cpu, int prev, int next) {
    m_sys.core(CpuId(cpu)).sync();
    close_measurements(thread(prev), GhostEnd::Exited, m_sys.core(CpuId(cpu)).local_cycle());
    wake(cpu, next);
    if (m_kernel->all_user_tasks_exited()) sc_core::sc_stop();
}

void GuestMachine::fail(const std::string& why) {
    if (m_failure.empty()) m_failure = why;
    sc_core::sc_stop();
}

void GuestMachine::register_stats(StatsRegistry& r) const {
    const os::KernelStats& s = m_kernel->stats();
    r.add("system.os.context_switches", &s.context_switches, "context switches (all CPUs)");
    r.add("system.os.migrations", &s.migrations, "changes of a task's CPU (all reasons)");
    for (int i = 0; i < static_cast<int>(os::MigReason::Count); ++i) {
        r.add(std::string("system.os.migrations.") + os::reason_name(static_cast<os::MigReason>(i)),
              &s.migrations_by[i],
              std::string("migrations for reason ") +
                  os::reason_name(static_cast<os::MigReason>(i)));
    }
    r.add("system.os.ipis_sent", &s.ipis_sent, "IPIs sent by guest kernel code");
    r.add("system.os.ticks", &s.ticks, "scheduler ticks handled");
    r.add("system.os.wakeups", &s.wakeups, "try_to_wake_up calls that woke a task");
    r.add("system.os.load_balance", &s.load_balance, "load_balance passes from the tick");
    r.add("system.os.load_balance_failed", &s.load_balance_failed,
          "passes that found an imbalance and moved nothing");
    r.add("system.os.newidle_balance", &s.newidle_balance,
          "load_balance_newidle passes (CPU about to idle)");
    r.add("system.os.active_balance", &s.active_balance,
          "active_load_balance runs (migration thread pushing a running task)");
    r.add("system.os.migration_requests", &s.migration_requests,
          "migration requests queued to a migration thread");
    r.add("system.os.migration_requests_completed", &s.migration_requests_completed,
          "migration requests completed");
    r.add("system.os.lock_spins", &s.lock_spins, "contended spin-lock acquisitions");
    r.add("system.os.lock_wait_cycles", &s.lock_wait_cycles,
          "cycles spent spinning for contended locks");
    r.add("system.os.balance_passes", &s.balance_passes,
          "balance_tasks passes (2.6.24: one per scheduling class per move_tasks)");
    r.add("system.os.tasks_examined", &s.tasks_examined, "tasks examined by balance_tasks passes");
    r.add("system.os.max_tasks_examined", &s.max_tasks_examined,
          "the most tasks one balance_tasks pass examined (nr_migrate + 1 at most)");
    r.add("system.os.newidle_skipped", &s.newidle_skipped,
          "4.7 idle_balance entries skipped: avg_idle below the migration cost, or no overload");
    r.add("system.os.newidle_cut", &s.newidle_cut,
          "4.7 idle_balance walks stopped at a level by avg_idle < cost so far + "
          "max_newidle_lb_cost");
}

} // namespace smp
