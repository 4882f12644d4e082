// The whole machine and experiment description: one typed schema, bound as-is by pybind11.
#pragma once

#include "models/cache/cache_config.hpp"
#include "models/core/core_config.hpp"
#include "models/ghost/ghost_config.hpp"
#include "models/interconnect/bus_config.hpp"
#include "models/irq/irq_config.hpp"
#include "models/memory/memory_config.hpp"
#include "models/tlb/tlb_config.hpp"
#include "os/kernel_config.hpp"
#include "os/workload_config.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace smp {

struct TopologyConfig {
    std::int64_t sockets = 1;
    std::int64_t cores_per_socket = 4;
    std::int64_t threads_per_core = 1;

    std::int64_t cpus() const { return sockets * cores_per_socket * threads_per_core; }
    void validate(const std::string& path) const;
};

using os::ActionConfig;
using os::KernelConfig;

struct TaskConfig {
    std::string name;
    WorkloadConfig workload;
    std::vector<std::int64_t> cpus;    // allowed CPUs; bare-metal runs on the first
    std::int64_t nice = 0;
    std::string threads_of;            // share this earlier task's address space
    std::string start_after;           // start when this earlier task has exited
    bool forked = false;               // created by a fork action, not at boot (kernel only)
};

struct SystemConfig {
    std::string name = "custom";
    TopologyConfig topology;
    double freq_ghz = 2.0;
    CacheConfig l1i;
    CacheConfig l1d;
    CacheConfig l2;
    CacheConfig llc;
    BusConfig bus;
    LinkConfig link;
    MemoryConfig memory;
    IrqConfig irq;
    CoreConfig core;
    TlbConfig tlb;                      // per-CPU TLB and page walks (enabled = False: ideal)
    KernelConfig kernel;
    MeasureConfig measure;              // per-migration cold-cost measurement
    bool vcd = false;                   // also write trace.vcd (per-CPU task, IRQ lines, bus)
    std::int64_t trace_sample_cycles = 10000; // interval of trace.json's miss-rate counters (0: none)
    std::int64_t quantum_cycles = 1000; // temporal-decoupling quantum
    std::int64_t seed = 1;
    bool check = false;                 // invariant checkers
    std::int64_t warmup = 0;            // cycles: stats count from here (a reset_stats action)
    // Watchdog (guest kernel runs): a window of this many cycles in which no operation retires
    // on any CPU while a user task is runnable, or a kernel lock stays held throughout, stops
    // the run with a state dump (0: off).
    std::int64_t watchdog_cycles = 100000000;
    std::vector<TaskConfig> tasks;
    std::vector<ActionConfig> actions;  // timed actions (kernel only), in issue order

    std::int64_t cpus() const { return topology.cpus(); }
    // Throws ConfigError naming the first invalid dotted field.
    void validate() const;

private:
    void validate_actions(const std::set<std::string>& task_names) const;
    // Per step: kernel needed, CPUs on the machine, each named object one kind (and one size).
    void validate_steps(const WorkloadConfig& w, const std::string& path,
                        std::map<std::string, std::pair<std::string, std::int64_t>>& objects) const;
};

} // namespace smp
