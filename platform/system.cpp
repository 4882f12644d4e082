#include "platform/system.hpp"

#include <algorithm>

#include <tlm_utils/tlm_quantumkeeper.h>

namespace smp {

namespace {

std::string name_of_cpu(unsigned cpu) { return "cpu" + std::to_string(cpu); }

} // namespace

unsigned System::socket_of(CpuId cpu) const {
    const auto per_socket =
        static_cast<unsigned>(m_cfg.topology.cores_per_socket * m_cfg.topology.threads_per_core);
    return cpu / per_socket;
}

Cache* System::make_cache(const std::string& level, const CacheConfig& cc, CacheLevel lvl,
                          unsigned first_cpu, unsigned socket) {
    CacheInstance ci;
    std::string module;
    if (lvl == CacheLevel::Llc) {
        ci.stats_name = "system.llc" + std::to_string(socket);
        module = "llc" + std::to_string(socket);
    } else if (cc.shared_by <= 1) {
        ci.stats_name = "system." + name_of_cpu(first_cpu) + "." + level;
        module = name_of_cpu(first_cpu) + "_" + level;
    } else {
        const unsigned group = first_cpu / static_cast<unsigned>(cc.shared_by);
        ci.stats_name = "system." + level + "_" + std::to_string(group);
        module = level + "_" + std::to_string(group);
    }
    const std::uint64_t seed =
        static_cast<std::uint64_t>(m_cfg.seed) * 1000003u + m_caches.size() + 1;
    ci.cache = std::make_unique<Cache>(module.c_str(), cc, lvl, m_clock, seed);
    ci.socket = socket;
    ci.cache->stats.register_stats(m_stats, ci.stats_name);
    if (cc.prefetch.enabled()) ci.cache->stats.register_prefetch_stats(m_stats, ci.stats_name);
    Cache* raw = ci.cache.get();
    m_caches.push_back(std::move(ci));
    return raw;
}

System::System(const SystemConfig& cfg) : m_cfg(cfg), m_clock(cfg.freq_ghz) {
    m_cfg.validate();
    tlm_utils::tlm_quantumkeeper::set_global_quantum(
        m_clock.cycles(static_cast<Cycle>(m_cfg.quantum_cycles)));
    const auto& topo = m_cfg.topology;
    const auto n = static_cast<unsigned>(m_cfg.cpus());
    const auto sockets = static_cast<unsigned>(topo.sockets);
    const auto line = static_cast<unsigned>(m_cfg.l1d.line);

    IrqConfig irq = m_cfg.irq;
    if (m_cfg.kernel.enabled) irq.tick_hz = m_cfg.kernel.hz; // the guest kernel's HZ
    m_irq = std::make_unique<IrqController>("irq", irq, n, m_clock);
    for (unsigned c = 0; c < n; ++c) {
        m_cores.push_back(std::make_unique<Core>(name_of_cpu(c).c_str(), c, m_cfg.core, m_clock,
                                                 static_cast<Cycle>(m_cfg.l1d.latency), line,
                                                 *m_irq, m_cfg.tlb));
        m_cores.back()->stats.register_stats(m_stats, "system." + name_of_cpu(c));
        m_cores.back()->tlb_stats.register_stats(m_stats, "system." + name_of_cpu(c) + ".tlb");
        m_irq->apic(c).stats.register_stats(m_stats, "system." + name_of_cpu(c) + ".irq");
    }

    // Private hierarchy: L1I/L1D per group (thread or core), optional L2 per group below them.
    const auto group_of = [](const CacheConfig& c) {
        return static_cast<unsigned>(c.shared_by < 1 ? 1 : c.shared_by);
    };
    std::vector<Cache*> l1i(n), l1d(n), l2(n, nullptr);
    for (unsigned c = 0; c < n; ++c) {
        if (c % group_of(m_cfg.l1i) == 0) {
            l1i[c] = make_cache("l1i", m_cfg.l1i, CacheLevel::L1, c, socket_of(c));
        } else {
            l1i[c] = l1i[c - 1];
        }
        if (c % group_of(m_cfg.l1d) == 0) {
            l1d[c] = make_cache("l1d", m_cfg.l1d, CacheLevel::L1, c, socket_of(c));
        } else {
            l1d[c] = l1d[c - 1];
        }
        m_cores[c]->inst_mem_side.bind(l1i[c]->cpu_side);
        m_cores[c]->data_mem_side.bind(l1d[c]->cpu_side);
        m_cores[c]->set_hit_paths(l1i[c], l1d[c]);
        if (m_cfg.l2.enabled) {
            l2[c] = (c % group_of(m_cfg.l2) == 0)
                        ? make_cache("l2", m_cfg.l2, CacheLevel::L2, c, socket_of(c))
                        : l2[c - 1];
        }
    }

    const auto tpc = static_cast<unsigned>(m_cfg.topology.threads_per_core);
    for (unsigned c = 0; c < n; ++c) {
        PrivateCaches p;
        if (group_of(m_cfg.l1i) <= tpc) p.l1i = l1i[c];
        if (group_of(m_cfg.l1d) <= tpc) p.l1d = l1d[c];
        if (l2[c] && group_of(m_cfg.l2) <= tpc) p.l2 = l2[c];
        m_private.push_back(p);
        m_reach.push_back({l1i[c], l1d[c]});
        if (l2[c]) m_reach.back().push_back(l2[c]);
    }

    // Agents: the L2s, or (without L2) each L1 instance. Bind L1s below to their L2.
    for (unsigned c = 0; c < n; ++c) {
        const bool first_i = c == 0 || l1i[c] != l1i[c - 1];
        const bool first_d = c == 0 || l1d[c] != l1d[c - 1];
        if (m_cfg.l2.enabled) {
            const bool first_l2 = c == 0 || l2[c] != l2[c - 1];
            if (first_l2) {
                m_agents.push_back(Agent{l2[c], {l2[c]}, socket_of(c)});
                l2[c]->set_coherent_uppers(group_of(m_cfg.l2) > group_of(m_cfg.l1d));
            }
            for (Cache* up : {first_i ? l1i[c] : nullptr, first_d ? l1d[c] : nullptr}) {
                if (!up) continue;
                up->mem_side.bind(l2[c]->cpu_side);
                up->set_below(l2[c]);
                l2[c]->snoop_out.bind(up->snoop_in);
                m_agents.back().hierarchy.push_back(up);
            }
        } else {
            if (first_i) m_agents.push_back(Agent{l1i[c], {l1i[c]}, socket_of(c)});
            if (first_d) m_agents.push_back(Agent{l1d[c], {l1d[c]}, socket_of(c)});
        }
    }

    // Per socket: a bus under the agents, an optional LLC, the fabric port and a memory controller.
    m_fabric = std::make_unique<Fabric>("fabric", m_cfg.link, m_cfg.bus, sockets,
                                        m_cfg.memory.numa == "interleave", m_clock);
    m_fabric->stats.register_stats(m_stats, "system.fabric");
    for (unsigned s = 0; s < sockets; ++s) {
        m_buses.push_back(std::make_unique<SnoopBus>(("bus" + std::to_string(s)).c_str(),
                                                     m_cfg.bus, m_clock));
        SnoopBus& bus = *m_buses.back();
        bus.stats.register_stats(m_stats, "system.bus" + std::to_string(s));
        for (const Agent& a : m_agents) {
            if (a.socket != s) continue;
            a.agent->mem_side.bind(bus.cpu_side);
            bus.snoop_out.bind(a.agent->snoop_in);
        }
        if (m_cfg.llc.enabled) {
            Cache* llc = make_cache("llc", m_cfg.llc, CacheLevel::Llc, 0, s);
            for (unsigned c = 0; c < n; ++c) {
                if (socket_of(c) == s) m_reach[c].push_back(llc);
            }
            bus.mem_side.bind(llc->cpu_side);
            bus.set_shared_below([llc](Addr pa) {
                return llc->state_of(pa >> llc->line_bits()) != mesi::State::I;
            });
            llc->snoop_out.bind(bus.snoop_in);
            llc->mem_side.bind(m_fabric->cpu_side);
            m_fabric->snoop_out.bind(llc->snoop_in);
        } else {
            bus.mem_side.bind(m_fabric->cpu_side);
            m_fabric->snoop_out.bind(bus.snoop_in);
        }
        m_mems.push_back(std::make_unique<MemoryController>(
            ("mem" + std::to_string(s)).c_str(), m_cfg.memory, line, m_clock));
        m_mems.back()->stats.register_stats(m_stats, "system.mem" + std::to_string(s));
        m_fabric->mem_side.bind(m_mems.back()->cpu_side);
    }
}

System::~System() = default;

std::vector<Cache*> System::llcs() const {
    std::vector<Cache*> out;
    for (const auto& ci : m_caches) {
        if (ci.cache->level() == CacheLevel::Llc) out.push_back(ci.cache.get());
    }
    return out;
}

void System::finish(Cycle end) {
    for (auto& c : m_cores) c->stats.cycles = end;
}

std::vector<Addr> System::cached_lines(CpuId cpu) const {
    std::vector<Addr> lines;
    for (const Cache* c : m_reach[cpu]) {
        const TagArray& t = c->tags();
        for (std::uint64_t s = 0; s < t.sets(); ++s) {
            for (std::uint32_t w = 0; w < t.ways(); ++w) {
                if (t.at(s, w).valid()) lines.push_back(t.line_at(s, w) << c->line_bits());
            }
        }
    }
    std::sort(lines.begin(), lines.end());
    lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
    return lines;
}

void System::cache_flush(CpuId cpu, const Op& op) {
    Core& c = core(cpu);
    if (op.sys == SysOp::Clflush) {
        c.clflush(op.addr, op.size);
        return;
    }
    for (Addr line : cached_lines(cpu)) c.flush_phys(line);
}

} // namespace smp
