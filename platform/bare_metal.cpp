#include "platform/bare_metal.hpp"

namespace smp {

BareMetal::BareMetal(System& sys, const SystemConfig& cfg)
    : m_sys(sys), m_frames(static_cast<std::uint64_t>(cfg.seed)) {
    const bool random = cfg.memory.mapping == "random";
    m_tasks.resize(cfg.tasks.size());
    for (std::size_t i = 0; i < cfg.tasks.size(); ++i) {
        TaskRuntime& t = m_tasks[i];
        t.cfg = cfg.tasks[i];
        t.id = static_cast<TaskId>(i);
        t.cpu = static_cast<CpuId>(t.cfg.cpus.front());
        if (t.cfg.threads_of.empty()) {
            m_spaces.push_back(std::make_unique<AddressSpace>(
                static_cast<std::uint32_t>(m_spaces.size()), random, &m_frames));
            t.as = m_spaces.back().get();
        } else {
            t.as = find(t.cfg.threads_of)->as;
        }
        const std::uint64_t seed = static_cast<std::uint64_t>(cfg.seed) * 0x100000001B3ull + i;
        ProgramEnv env;
        env.line_bytes = static_cast<std::uint32_t>(cfg.l1d.line);
        env.freq_ghz = cfg.freq_ghz;
        t.source = make_workload(t.cfg.workload, env, seed);
        t.exit_event = std::make_unique<sc_core::sc_event>();
    }
}

TaskRuntime* BareMetal::find(const std::string& name) {
    for (auto& t : m_tasks) {
        if (t.cfg.name == name) return &t;
    }
    return nullptr;
}

void BareMetal::spawn() {
    for (CpuId cpu = 0; cpu < m_sys.cpus(); ++cpu) {
        bool has = false;
        for (const auto& t : m_tasks) has |= t.cpu == cpu;
        if (!has) continue;
        sc_core::sc_spawn([this, cpu] { cpu_thread(cpu); },
                          ("task_runner_" + std::to_string(cpu)).c_str());
    }
}

void BareMetal::cpu_thread(CpuId cpu) {
    Core& core = m_sys.core(cpu);
    for (auto& t : m_tasks) {
        if (t.cpu != cpu) continue;
        if (!t.cfg.start_after.empty()) {
            TaskRuntime* dep = find(t.cfg.start_after);
            core.halt_until(*dep->exit_event, [dep] { return dep->exited; });
        }
        core.sync();
        core.set_context(t.id, t.as, &t.counters);
        t.started = true;
        t.start = core.local_cycle();
        for_each_op(*t.source, [&](const Op& op) {
            if (op.kind != OpKind::Sys) {
                core.execute(op);
                return;
            }
            // Only the core's own instructions: validation keeps system calls out.
            std::int64_t value = 0;
            if (op.sys == SysOp::Clflush || op.sys == SysOp::Wbinvd) {
                m_sys.cache_flush(cpu, op);
            } else {
                core.fence(); // rdtscp: after the accesses in flight
                value = std::int64_t(core.local_cycle());
                if (op.sys == SysOp::Mark) t.marks.emplace_back(*op.label, std::uint64_t(value));
            }
            t.source->result(value);
        });
        core.fence();
        core.sync();
        t.end = core.local_cycle();
        t.exited = true;
        core.set_context(kNoTask, nullptr, nullptr);
        t.exit_event->notify(sc_core::SC_ZERO_TIME);
        if (++m_exited == m_tasks.size()) sc_core::sc_stop();
    }
}

} // namespace smp
