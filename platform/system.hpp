// System: builds every model from a SystemConfig and binds all sockets (the only wiring site).
#pragma once

#include "models/cache/cache.hpp"
#include "models/common/clocked.hpp"
#include "models/common/stats.hpp"
#include "models/core/core.hpp"
#include "models/interconnect/fabric.hpp"
#include "models/interconnect/snoop_bus.hpp"
#include "models/irq/irq_controller.hpp"
#include "models/memory/memory_controller.hpp"
#include "platform/system_config.hpp"

#include <memory>
#include <string>
#include <vector>

namespace smp {

// Topology of cache instances: which instance of each level serves a CPU.
struct CacheInstance {
    std::unique_ptr<Cache> cache;
    std::string stats_name; // dotted, e.g. "system.cpu0.l1d" or "system.l2_1" or "system.llc0"
    unsigned socket = 0;
};

class System {
public:
    explicit System(const SystemConfig& cfg);
    ~System();

    const SystemConfig& config() const { return m_cfg; }
    const Clocked& clock() const { return m_clock; }
    unsigned cpus() const { return static_cast<unsigned>(m_cores.size()); }
    unsigned socket_of(CpuId cpu) const;
    Core& core(CpuId cpu) { return *m_cores[cpu]; }
    const Core& core(CpuId cpu) const { return *m_cores[cpu]; }
    IrqController& irqs() { return *m_irq; }
    StatsRegistry& stats() { return m_stats; }

    // Every cache instance, for checkers and tests: l1i, l1d, l2 (per group) and llc (per socket).
    const std::vector<CacheInstance>& caches() const { return m_caches; }
    // Coherence agents (lowest private cache of each group), with the caches above each.
    struct Agent {
        Cache* agent;
        std::vector<Cache*> hierarchy; // agent first, then the caches above it
        unsigned socket;
    };
    const std::vector<Agent>& agents() const { return m_agents; }
    std::vector<Cache*> llcs() const;
    // The levels private to cpu's core (null where the level is absent or shared more widely).
    struct PrivateCaches {
        Cache* l1i = nullptr;
        Cache* l1d = nullptr;
        Cache* l2 = nullptr;
    };
    const PrivateCaches& private_caches(CpuId cpu) const { return m_private[cpu]; }
    // Physical addresses of the valid lines in every cache cpu reaches (its L1s, L2 and its
    // socket's LLC), each once, in address order: what wbinvd writes back and invalidates.
    std::vector<Addr> cached_lines(CpuId cpu) const;
    // A Sys operation of cpu that flushes: clflush of [op.addr, op.addr+op.size) in the running
    // context's address space, or wbinvd (every line of cached_lines(cpu)).
    void cache_flush(CpuId cpu, const Op& op);
    std::vector<SnoopBus*> buses() const {
        std::vector<SnoopBus*> out;
        for (const auto& b : m_buses) out.push_back(b.get());
        return out;
    }

    // paddr's NUMA home socket (0 with one socket; -1 while its page is untouched).
    int home_of(Addr paddr) const { return m_fabric ? m_fabric->home_of(paddr) : 0; }

    // Sets the final cycle count of every CPU (stats).
    void finish(Cycle end);

private:
    Cache* make_cache(const std::string& level, const CacheConfig& cc, CacheLevel lvl,
                      unsigned first_cpu, unsigned socket);

    SystemConfig m_cfg;
    Clocked m_clock;
    StatsRegistry m_stats;
    std::unique_ptr<IrqController> m_irq;
    std::vector<std::unique_ptr<Core>> m_cores;
    std::vector<CacheInstance> m_caches;
    std::vector<Agent> m_agents;
    std::vector<PrivateCaches> m_private;
    std::vector<std::vector<Cache*>> m_reach; // per CPU: the caches its accesses go through
    std::vector<std::unique_ptr<SnoopBus>> m_buses;
    std::vector<std::unique_ptr<MemoryController>> m_mems;
    std::unique_ptr<Fabric> m_fabric;
};

} // namespace smp
