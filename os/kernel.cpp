// Kernel set-up: tasks, kernel threads, runqueues, sched domains; invariants; migration records.
#include "os/kernel.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace smp::os {

Kernel::Kernel(Hal& hal, const KernelConfig& cfg, const MachineShape& shape)
    : m_hal(hal), m_cfg(cfg), m_shape(shape), m_ncpus(shape.cpus()),
      m_tick_cycles(static_cast<Cycle>(std::llround(shape.freq_ghz * 1e9 / double(cfg.hz)))),
      m_online(CpuMask::all(shape.cpus())), m_control(shape.cpus(), nullptr), m_inbox(shape.cpus()),
      m_control_work(shape.cpus()), m_timers(shape.cpus()), m_irq_taken(shape.cpus(), 0),
      m_dead(shape.cpus(), 0), m_open(shape.cpus()), m_framed(shape.cpus(), 0) {
    for (unsigned c = 0; c < m_ncpus; ++c) {
        auto rq = std::make_unique<Runqueue>();
        rq->cpu = int(c);
        rq->lock.addr = m_layout.rq(int(c), RqLine::L0);
        rq->lock.runqueue = true;
        rq->arrays[0].cpu = rq->arrays[1].cpu = int(c);
        m_rqs.push_back(std::move(rq));
    }
    // Idle tasks are pids 0..N-1, the migration threads N..2N-1.
    for (unsigned c = 0; c < m_ncpus; ++c) {
        auto t = std::make_unique<Task>();
        t->pid = int(c);
        t->comm = "swapper/" + std::to_string(c);
        t->kind = TaskKind::Idle;
        t->flags = PF_KTHREAD | PF_NOFREEZE;
        t->prio = t->static_prio = MAX_PRIO;
        t->cpus_allowed = CpuMask::of(m_ncpus, int(c));
        t->cpu = int(c);
        m_rqs[c]->curr = m_rqs[c]->idle = t.get();
        m_tasks.push_back(std::move(t));
    }
    for (unsigned c = 0; c < m_ncpus; ++c) {
        if (m_kind.migrator == Migrator::Stopper) {
            new_stopper_thread(int(c)); // 4.7 migration/N in the stop class (stop_machine.cpp)
        } else {
            new_migration_thread(int(c));
        }
    }
    m_tasklist_lock.addr = m_layout.tasklist_lock();
    m_cfs = sched_init_granularity(m_cfg.policy, m_ncpus);
    for (auto& rq : m_rqs) { // 4.7 sched_init
        // 2 * sysctl_sched_migration_cost in unsigned int arithmetic (wraps for -1).
        rq->avg_idle = static_cast<std::uint32_t>(2 * migration_cost_ns());
        rq->max_idle_balance_cost = migration_cost_ns();
    }
    m_balancing.addr = m_layout.balancing_lock();
    auto fresh = build_domains(0);
    for (unsigned c = 0; c < m_ncpus; ++c)
        m_rqs[c]->domains = fresh[c];
}

unsigned Kernel::task_timeslice(const Task& p) const {
    if (m_kind.timeslice == Timeslice::Rhel3) return task_timeslice_2421(p);
    // SCALE_PRIO(DEF_TIMESLICE[*4 if nice < 0], static_prio), at least MIN_TIMESLICE (2.6.9).
    const long def = std::max<long>(100L * m_cfg.hz / 1000, 1);
    const long min = std::max<long>(5L * m_cfg.hz / 1000, 1);
    const long base = p.static_prio < 120 ? def * 4 : def;
    return static_cast<unsigned>(std::max<long>(base * (MAX_PRIO - p.static_prio) / 20, min));
}

int Kernel::add_task(TaskSpec spec) {
    auto t = std::make_unique<Task>();
    t->pid = int(m_tasks.size());
    t->comm = spec.name;
    t->kind = TaskKind::User;
    t->static_prio = t->prio = 120 + spec.nice;
    t->cpus_allowed = CpuMask(m_ncpus);
    for (int c : spec.cpus)
        t->cpus_allowed.set(c);
    t->cpu = t->cpus_allowed.first();
    t->mm = t->active_mm = spec.mm;
    t->program = std::move(spec.program);
    t->time_slice = task_timeslice(*t);
    // Not yet started: forked later, or started when another task exits.
    t->state = (spec.forked || spec.start_after >= 0) ? TASK_STOPPED : TASK_RUNNING;
    if (spec.start_after >= 0) {
        if (m_start_after.size() <= std::size_t(spec.start_after))
            m_start_after.resize(std::size_t(spec.start_after) + 1);
        m_start_after[std::size_t(spec.start_after)].push_back(t->pid);
    }
    ++m_user_alive;
    m_tasks.push_back(std::move(t));
    return m_tasks.back()->pid;
}

void Kernel::add_action(const ActionConfig& a) {
    m_actions.push_back(a);
    m_action_results.emplace_back();
    if (!a.by_control_task()) return;
    for (unsigned c = 0; c < m_ncpus; ++c) { // one control task per CPU, created once
        if (m_control[c]) continue;
        auto t = std::make_unique<Task>();
        t->pid = int(m_tasks.size());
        t->comm = "taskset/" + std::to_string(c);
        t->kind = TaskKind::Control;
        t->flags = PF_NOFREEZE;
        t->policy = Policy::Fifo;
        t->rt_priority = 50;
        t->prio = MAX_RT_PRIO - 1 - t->rt_priority;
        t->state = TASK_INTERRUPTIBLE;
        t->cpus_allowed = CpuMask::of(m_ncpus, int(c));
        t->cpu = int(c);
        m_control[c] = t.get();
        m_tasks.push_back(std::move(t));
    }
}

Task* Kernel::find_task(const std::string& comm) const {
    for (const auto& t : m_tasks) {
        if (t->comm == comm) return t.get();
    }
    return nullptr;
}

void Kernel::boot() {
    for (auto& tp : m_tasks) {
        Task& t = *tp;
        set_load_weight(t);
        if (t.kind == TaskKind::User && t.state == TASK_RUNNING &&
            m_kind.sched_class == SchedClassKind::Cfs) { // CFS: queued at min_vruntime, untimed
            Runqueue& rq = cpu_rq(t.cpu);
            t.se.vruntime = rq.cfs.min_vruntime;
            rq.cfs.tasks_timeline.insert(t);
            if (m_kind.pick_order == PickOrder::CfsTasksHead) rq.cfs.cfs_tasks.push_front(t);
            rq.cfs.load_weight += t.se.weight;
            ++rq.cfs.nr_running;
            t.se.on_rq = true;
            ++rq.nr_running;
            rq.load_weight += t.se.weight;
        } else if (t.kind == TaskKind::User &&
                   t.state == TASK_RUNNING) { // initial placement, untimed
            Runqueue& rq = cpu_rq(t.cpu);
            rq.active->queue[t.prio].push_back(t);
            rq.active->bitmap.set(std::size_t(t.prio));
            ++rq.active->nr_active;
            t.array = rq.active;
            ++rq.nr_running;
        }
        if (m_pelt) pelt_boot(t); // 4.7 init_entity_runnable_average (sched_47.cpp)
        if (t.kind == TaskKind::Idle) {
            m_hal.create_thread(t.pid, [this, &t] { idle_loop(t.cpu); });
            continue;
        }
        m_hal.create_thread(t.pid, [this, &t] {
            finish_task_switch(t.cpu, *cpu_rq(t.cpu).prev_task); // schedule_tail
            switch (t.kind) {
            case TaskKind::Migration:
                if (t.stop_class) {
                    smpboot_stopper(t.cpu);
                } else {
                    migration_thread(t.cpu);
                }
                break;
            case TaskKind::Control:
                control_task(t.cpu);
                break;
            default:
                user_main(t);
                break;
            }
        });
    }
    for (unsigned c = 0; c < m_ncpus; ++c) {
        Runqueue& rq = *m_rqs[c];
        // 4.7 add_nr_running: the tasks queued at boot were activated, two on one CPU overload.
        if (m_kind.imbalance_algo == ImbalanceAlgo::Cfs47 && rq.nr_running >= 2)
            m_rd_overload = true;
        rq.idle->need_resched = rq.nr_running > 0;
        rq.idle->on_cpu = true;
        if (m_pelt) rq.idle_stamp = 1; // 4.7: every CPU went idle once while booting
        m_hal.start_thread(int(c), rq.idle->pid);
    }
}

// arch_init_sched_domains (2.6.10): [SMT: siblings] -> [CPU: the node] -> [NODE: all], one
// domain per CPU per level; groups are shared. cpu_power: SMT group 128; physical group
// 128 + 128*(n-1)/10; node group = sum of its packages.
namespace {
// A calibrated cost (ns) as a cache_hot_time in cycles; -1 stays -1, which task_hot compares as
// a long long: never hot.
Cycle hot_time_cycles(long long ns, double ghz) {
    return ns < 0 ? static_cast<Cycle>(ns) : static_cast<Cycle>(std::llround(double(ns) * ghz));
}
} // namespace

int Kernel::domain_distance(int cpu1, int cpu2) const {
    constexpr int MAX_DOMAIN_DISTANCE = 32;
    int distance = 0;
    for (const SchedDomain* sd : m_rqs[std::size_t(cpu1)]->domains) {
        if (sd->span.test(cpu2)) return distance;
        ++distance;
    }
    return std::min(distance, MAX_DOMAIN_DISTANCE - 1);
}

void Kernel::set_migration_cost(const std::vector<long long>& cost_ns) {
    m_migration_cost = cost_ns;
    for (auto& rq : m_rqs) {
        for (SchedDomain* sd : rq->domains) {
            if (std::size_t(sd->index) < cost_ns.size())
                sd->cache_hot_time =
                    hot_time_cycles(cost_ns[std::size_t(sd->index)], m_shape.freq_ghz);
        }
    }
}

std::vector<std::vector<SchedDomain*>> Kernel::build_domains(unsigned long now_jiffies) {
    // Earlier domains stay allocated: a CPU may be in the middle of walking them.
    std::vector<std::vector<SchedDomain*>> fresh(m_ncpus);
    const int t = int(m_shape.threads_per_core);
    const int per_socket = int(m_shape.cores_per_socket) * t;
    const bool smt = t > 1;
    const bool node = m_cfg.policy.node_level && m_shape.sockets > 1;
    auto online = [this](CpuMask m) { return m & m_online; };
    auto phys_power = [](unsigned n) { return SCHED_LOAD_SCALE + SCHED_LOAD_SCALE * (n - 1) / 10; };
    // 2.6.24 init_sched_groups_power: a group of the lowest level, or of a level whose child
    // shares CPU power or the package (SMT, MC), counts as one CPU: every group here is 1024.
    const bool cfs = m_kind.sched_class == SchedClassKind::Cfs;

    auto make = [this, cfs](int level, const CpuMask& m, unsigned long power) {
        auto g = std::make_unique<SchedGroup>();
        g->cpumask = m;
        g->cpu_power = cfs ? NICE_0_LOAD : power;
        g->addr = m_layout.group(level, int(m_groups.size()));
        m_groups.push_back(std::move(g));
        return m_groups.back().get();
    };
    std::vector<SchedGroup*> smt_list, phys_list, node_list;
    for (int c = 0; c < int(m_ncpus); ++c) {
        if (smt) {
            CpuMask m = online(CpuMask::of(m_ncpus, c));
            if (!m.empty()) smt_list.push_back(make(0, m, SCHED_LOAD_SCALE));
        }
        if (c % t == 0) {
            CpuMask m(m_ncpus);
            for (int s = c; s < c + t; ++s)
                m.set(s);
            m = online(m);
            if (!m.empty()) phys_list.push_back(make(1, m, phys_power(m.weight())));
        }
        if (c % per_socket == 0 && node) {
            CpuMask m(m_ncpus);
            for (int s = c; s < c + per_socket; ++s)
                m.set(s);
            m = online(m);
            unsigned long power = 0;
            for (int s = c; s < c + per_socket; s += t) {
                CpuMask pm(m_ncpus);
                for (int k = s; k < s + t; ++k)
                    pm.set(k);
                pm = online(pm);
                if (!pm.empty()) power += phys_power(pm.weight());
            }
            if (!m.empty()) node_list.push_back(make(2, m, power));
        }
    }
    // The groups of a level inside a span, as a ring starting at the group holding `cpu`.
    auto ring = [](const std::vector<SchedGroup*>& all, const CpuMask& span, int cpu) {
        std::vector<SchedGroup*> in;
        for (SchedGroup* g : all) {
            if (span.intersects(g->cpumask)) in.push_back(g);
        }
        auto local = std::find_if(in.begin(), in.end(),
                                  [cpu](SchedGroup* g) { return g->cpumask.test(cpu); });
        if (local != in.end()) std::rotate(in.begin(), local, in.end());
        return in;
    };
    for (int c = 0; c < int(m_ncpus); ++c) {
        if (!m_online.test(c)) continue;
        std::vector<SchedDomain*>& doms = fresh[std::size_t(c)];
        auto add = [&](Level lvl, const DomainParams& p, const CpuMask& span,
                       const std::vector<SchedGroup*>& groups) {
            auto sd = std::make_unique<SchedDomain>();
            sd->level = lvl;
            sd->index = int(doms.size());
            sd->params = p;
            sd->span = span;
            sd->groups = ring(groups, span, c);
            sd->cache_hot_time =
                static_cast<Cycle>(std::llround(p.cache_hot_time_ns * m_shape.freq_ghz));
            if (doms.size() < m_migration_cost.size())
                sd->cache_hot_time =
                    hot_time_cycles(m_migration_cost[doms.size()], m_shape.freq_ghz);
            sd->balance_interval =
                p.min_interval == 0 ? span.weight() : 1; // 4.7 sd_init: sd_weight
            sd->next_decay_max_lb_cost = now_jiffies;
            sd->last_balance = now_jiffies;
            sd->addr = m_layout.domain(c, sd->index);
            if (!doms.empty()) doms.back()->parent = sd.get();
            doms.push_back(sd.get());
            m_domains.push_back(std::move(sd));
        };
        const int core0 = c - c % t;
        const int sock0 = c - c % per_socket;
        if (smt) {
            CpuMask span(m_ncpus);
            for (int s = core0; s < core0 + t; ++s)
                span.set(s);
            add(Level::Smt, m_cfg.policy.smt, online(span), smt_list);
        }
        CpuMask cpu_span(m_ncpus);
        if (node) {
            for (int s = sock0; s < sock0 + per_socket; ++s)
                cpu_span.set(s);
        } else {
            cpu_span = CpuMask::all(m_ncpus);
        }
        add(Level::Cpu, m_cfg.policy.cpu, online(cpu_span), phys_list);
        if (node) add(Level::Node, m_cfg.policy.node, online(CpuMask::all(m_ncpus)), node_list);
    }
    return fresh;
}

long long Kernel::since_ran_ns(const Task& p, int src) const {
    if (!p.started) return -1;
    const Runqueue& rq = *m_rqs[std::size_t(src)];
    switch (m_kind.hot_test) {
    case HotTest::JiffiesLastRun:
        return static_cast<long long>(jiffies(src) - p.last_run) * (1000000000LL / m_cfg.hz);
    case HotTest::MigrationCost:
        return static_cast<long long>(rq.clock - p.se.exec_start);
    default:
        return std::llround(double(static_cast<long long>(rq.timestamp_last_tick - p.last_ran)) /
                            m_shape.freq_ghz);
    }
}

long Kernel::record_migration(int cpu, Task& p, int src, int dst, MigReason why, const char* detail,
                              const char* mechanism, int hot, Cycle decision) {
    MigrationEvent e;
    e.task = p.pid;
    e.task_name = p.comm;
    e.src = src;
    e.dst = dst;
    e.reason = why;
    e.reason_detail = detail;
    e.mechanism = mechanism;
    e.kernel_hot = hot;
    e.t_decision = decision;
    e.since_ran_ns = since_ran_ns(p, src);
    m_migrations.push_back(e);
    ++m_stats.migrations;
    ++m_stats.migrations_by[static_cast<int>(why)];
    ++p.migrations;
    p.first_run_event = long(m_migrations.size()) - 1;
    long path = -1;
    if (OpenPath* top = open_path(cpu)) {
        if (top->id == -1) top->id = path_new();
        if (top->id >= 0) {
            path = top->id;
            m_paths[std::size_t(path)].events.push_back(p.first_run_event);
        }
    }
    m_event_path.push_back(path);
    m_hal.migrated(cpu, p.pid, src, dst, p.first_run_event);
    return p.first_run_event;
}

// kthread_create(migration_thread, "migration/%d") bound to cpu, SCHED_FIFO 99, not yet running.
Task& Kernel::new_migration_thread(int cpu) {
    auto t = std::make_unique<Task>();
    t->pid = int(m_tasks.size());
    t->comm = "migration/" + std::to_string(cpu);
    t->kind = TaskKind::Migration;
    t->flags = PF_KTHREAD | PF_NOFREEZE;
    t->policy = Policy::Fifo;
    t->rt_priority = 99;
    t->prio = MAX_RT_PRIO - 1 - t->rt_priority;
    t->state = TASK_INTERRUPTIBLE;
    t->cpus_allowed = CpuMask::of(m_ncpus, cpu);
    t->cpu = cpu;
    set_load_weight(*t);
    Task& mt = *t;
    m_tasks.push_back(std::move(t));
    cpu_rq(cpu).migration_thread = &mt;
    return mt;
}

long Kernel::path_new() {
    m_paths.emplace_back();
    m_paths.back().cycles.assign(m_ncpus, 0);
    m_paths.back().calls.assign(unsigned(Cost::Count), 0);
    return long(m_paths.size()) - 1;
}

void Kernel::path_begin(int cpu, long id, Cycle t) {
    auto& open = m_open[std::size_t(cpu)];
    if (t == kAtNow) t = now(cpu);
    if (!open.empty()) open.back().acc += t - open.back().t0; // the enclosing path pauses
    OpenPath p;
    p.id = id;
    p.begin = p.t0 = t;
    p.framed0 = m_framed[std::size_t(cpu)];
    open.push_back(p);
}

void Kernel::path_end(int cpu) {
    auto& open = m_open[std::size_t(cpu)];
    const Cycle t = now(cpu);
    OpenPath p = open.back();
    open.pop_back();
    p.acc += t - p.t0;
    m_framed[std::size_t(cpu)] = p.framed0 + (t - p.begin); // nested frames counted once
    if (p.id >= 0) {
        MigPath& mp = m_paths[std::size_t(p.id)];
        mp.cycles[std::size_t(cpu)] += p.acc;
        mp.ipis += p.ipis;
        mp.lock_wait += p.wait;
        mp.split += p.split;
        for (unsigned c = 0; c < unsigned(Cost::Count); ++c)
            mp.calls[c] += p.calls[c];
    } else if (p.id == -1 && !open.empty()) { // moved nothing: the enclosing path's costs
        OpenPath& up = open.back();
        up.acc += p.acc;
        up.ipis += p.ipis;
        up.wait += p.wait;
        up.split += p.split;
        for (unsigned c = 0; c < unsigned(Cost::Count); ++c)
            up.calls[c] += p.calls[c];
    }
    if (!open.empty()) open.back().t0 = t;
}

void Kernel::kcompute(int cpu, Cost c) {
    const auto n = static_cast<Cycle>(cost_of(m_cfg.costs, c));
    if (OpenPath* top = open_path(cpu)) ++top->calls[unsigned(c)];
    if (n > 0) on_path(cpu, &PathSplit::budget, [&] { m_hal.compute(cpu, n); });
}

void Kernel::finalize_paths() {
    for (MigrationEvent& e : m_migrations)
        e.path_cycles_by_cpu.assign(m_ncpus, 0);
    for (const MigPath& mp : m_paths) {
        const auto n = static_cast<Cycle>(mp.events.size());
        if (n == 0) continue;
        // The first record takes the remainders.
        auto share = [n](Cycle v, bool first) { return v / n + (first ? v % n : 0); };
        for (std::size_t k = 0; k < mp.events.size(); ++k) {
            MigrationEvent& e = m_migrations[std::size_t(mp.events[k])];
            const bool first = k == 0;
            e.path_cycles = 0;
            for (unsigned c = 0; c < m_ncpus; ++c) {
                e.path_cycles_by_cpu[c] = share(mp.cycles[c], first);
                e.path_cycles += e.path_cycles_by_cpu[c];
            }
            e.ipis = int(share(Cycle(mp.ipis), first));
            e.rq_lock_wait_cycles = share(mp.lock_wait, first);
            e.split.budget = share(mp.split.budget, first);
            e.split.memory = share(mp.split.memory, first);
            e.split.ipi = share(mp.split.ipi, first);
            e.split.spin = share(mp.split.spin, first);
            e.path_moves = int(n);
            e.path_calls = mp.calls;
        }
    }
}

std::vector<Kernel::HeldLock> Kernel::held_locks() const {
    std::vector<HeldLock> held;
    auto add = [&held](const std::string& name, const SpinLock& l) {
        if (l.owner >= 0) held.push_back(HeldLock{name, l.owner, l.releases});
    };
    for (const auto& rq : m_rqs)
        add("rq[" + std::to_string(rq->cpu) + "].lock", rq->lock);
    add("tasklist_lock", m_tasklist_lock);
    add("balancing", m_balancing);
    return held;
}

bool Kernel::user_task_runnable() const {
    for (const auto& t : m_tasks) {
        if (t->kind == TaskKind::User && !t->exited && t->state == TASK_RUNNING) return true;
    }
    return false;
}

std::string Kernel::state_dump() const {
    std::ostringstream os;
    for (const auto& rq : m_rqs) {
        os << "cpu " << rq->cpu << ": current " << (rq->curr ? rq->curr->comm : "-")
           << ", nr_running " << rq->nr_running << ", rq lock "
           << (rq->lock.owner >= 0 ? "held by cpu " + std::to_string(rq->lock.owner) : "free")
           << (m_online.test(rq->cpu) ? "" : ", offline") << "\n";
    }
    for (const auto& t : m_tasks) {
        if (t->kind == TaskKind::Idle || t->exited || t->state != TASK_RUNNING) continue;
        os << "task " << t->pid << " (" << t->comm << "): running on or queued for cpu " << t->cpu
           << (task_queued(*t) ? ", queued" : "") << "\n";
    }
    return os.str();
}

void Kernel::remember(const TraceEvent& e) {
    if (m_recent.size() < kRecentEvents) {
        m_recent.push_back(e);
    } else {
        m_recent[m_recent_next] = e;
    }
    m_recent_next = (m_recent_next + 1) % kRecentEvents;
}

std::string Kernel::recent_events() const {
    std::ostringstream os;
    const std::size_t n = m_recent.size();
    for (std::size_t i = 0; i < n; ++i) {
        const TraceEvent& e = m_recent[(m_recent_next + kRecentEvents - n + i) % kRecentEvents];
        os << " [" << e.t << " cpu" << e.cpu << ' ' << ev_name(e.ev) << " pid " << e.pid << ']';
    }
    return os.str();
}

void Kernel::sched_checkpoint(int cpu, const char* after) {
    if (!m_checking || m_check_failed) return;
    for (const auto& rq : m_rqs) {
        if (rq->lock.owner >= 0) return; // an operation is under way on some CPU
    }
    for (const auto& t : m_tasks) {
        if (t->migrating) return; // 4.7: between two runqueues
    }
    const std::string err = check_invariants(false);
    if (err.empty()) return;
    m_check_failed = true;
    std::ostringstream os;
    os << "kernel invariant violated at cycle " << now(cpu) << " on cpu " << cpu << " after "
       << after << ": " << err << "; last events:" << recent_events();
    m_hal.fail(os.str());
}

std::string Kernel::check_invariants(bool quiescent) const {
    auto fail = [](const Task& t, const std::string& what) {
        return "task " + std::to_string(t.pid) + " (" + t.comm + "): " + what;
    };
    // One pass over the runqueues: how many CPUs run each task, and the last of them.
    std::vector<int> running_count(m_tasks.size(), 0), running_cpu(m_tasks.size(), -1);
    for (const auto& rq : m_rqs) {
        if (!rq->curr) continue;
        ++running_count[std::size_t(rq->curr->pid)];
        running_cpu[std::size_t(rq->curr->pid)] = rq->cpu;
    }
    for (const auto& tp : m_tasks) {
        const Task& t = *tp;
        if (t.kind == TaskKind::Idle || t.exited) continue;
        const int running = running_count[std::size_t(t.pid)];
        const int running_on = running_cpu[std::size_t(t.pid)];
        if (running > 1) return fail(t, "current on " + std::to_string(running) + " CPUs");
        if (running && running_on != t.cpu) {
            return fail(t, "runs on cpu " + std::to_string(running_on) + " but task_cpu is " +
                               std::to_string(t.cpu));
        }
        if (t.se.on_rq && !t.array) { // CFS: in its CPU's tree, or that cfs_rq's current entity
            const Runqueue& rq = *m_rqs[std::size_t(t.cpu)];
            const auto& tree = rq.cfs.tasks_timeline;
            const bool in_tree = std::find_if(tree.begin(), tree.end(), [&t](const Task& x) {
                                     return &x == &t;
                                 }) != tree.end();
            if (!in_tree && rq.cfs.curr != &t) {
                return fail(t, "on_rq but neither in the tree nor current of cpu " +
                                   std::to_string(t.cpu));
            }
        }
        if (t.array) {
            const Runqueue& rq = *m_rqs[std::size_t(t.cpu)];
            if (t.array != &rq.arrays[0] && t.array != &rq.arrays[1]) {
                return fail(t, "queued on a runqueue other than its cpu's (" +
                                   std::to_string(t.cpu) + ")");
            }
            const RunList& q = t.array->queue[t.prio];
            if (std::find_if(q.begin(), q.end(), [&t](const Task& x) { return &x == &t; }) ==
                q.end()) {
                return fail(t, "array set but not on the queue of its priority");
            }
        }
        if (!task_queued(t) && !running && t.state == TASK_RUNNING) {
            return fail(t, "TASK_RUNNING but neither queued nor running");
        }
        if (t.ret_outside_mask) {
            return fail(t, "returned to user " + std::to_string(t.ret_outside_mask) +
                               " times on a CPU outside cpus_allowed " + t.cpus_allowed.str());
        }
    }
    std::vector<unsigned long> stop_queued(m_rqs.size(), 0); // 4.7 stop class: one per CPU
    for (const auto& tp : m_tasks) {
        if (tp->stop_queued) ++stop_queued[std::size_t(tp->cpu)];
    }
    for (const auto& rq : m_rqs) {
        const unsigned long queued = rq->arrays[0].nr_active + rq->arrays[1].nr_active +
                                     rq->cfs.nr_running + stop_queued[std::size_t(rq->cpu)];
        const auto& cfs = rq->cfs;
        const unsigned long in_cfs =
            cfs.tasks_timeline.size() + (cfs.curr && cfs.curr->se.on_rq ? 1 : 0);
        if (in_cfs != cfs.nr_running) {
            return "cpu " + std::to_string(rq->cpu) + ": cfs nr_running " +
                   std::to_string(cfs.nr_running) + " but " + std::to_string(in_cfs) +
                   " fair entities queued";
        }
        if (queued != rq->nr_running) {
            return "cpu " + std::to_string(rq->cpu) + ": nr_running " +
                   std::to_string(rq->nr_running) + " but " + std::to_string(queued) +
                   " tasks queued";
        }
    }
    if (quiescent && m_stats.migration_requests != m_stats.migration_requests_completed) {
        return std::to_string(m_stats.migration_requests - m_stats.migration_requests_completed) +
               " migration request(s) never completed";
    }
    return {};
}

} // namespace smp::os
