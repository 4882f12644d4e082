#include "platform/system_config.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace smp {

void TopologyConfig::validate(const std::string& path) const {
    require_range<std::int64_t>(join(path, "sockets"), sockets, 1, 64);
    require_range<std::int64_t>(join(path, "cores_per_socket"), cores_per_socket, 1, 1024);
    require_range<std::int64_t>(join(path, "threads_per_core"), threads_per_core, 1, 8);
    require_range<std::int64_t>("cores", cpus(), 1, 4096, "sockets * cores_per_socket * threads");
}

namespace {

void validate_sharing(const std::string& name, const CacheConfig& c, const TopologyConfig& t) {
    if (!c.enabled) return;
    const std::int64_t per_socket = t.cores_per_socket * t.threads_per_core;
    if (name == "llc") {
        if (c.shared_by != 0 && c.shared_by != per_socket) {
            throw ConfigError("llc.shared_by", "the last-level cache is one per socket: must be 0 "
                                               "or " + to_text(per_socket) + ", got " +
                                                   to_text(c.shared_by));
        }
        return;
    }
    if (name == "l2") { // private, per core, or per cluster of whole cores within a socket
        const bool ok =
            c.shared_by == 1 || (c.shared_by > 0 && c.shared_by % t.threads_per_core == 0 &&
                                 per_socket % c.shared_by == 0);
        if (!ok) {
            throw ConfigError("l2.shared_by",
                              "must be 1 or a multiple of threads_per_core (" +
                                  to_text(t.threads_per_core) + ") that divides the " +
                                  to_text(per_socket) + " CPUs of a socket, got " +
                                  to_text(c.shared_by));
        }
        return;
    }
    if (c.shared_by != 1 && c.shared_by != t.threads_per_core) {
        throw ConfigError(join(name, "shared_by"),
                          "must be 1 (per hardware thread) or threads_per_core (" +
                              to_text(t.threads_per_core) + "); caches shared by several cores "
                              "are the l2 (cluster) or the llc, got " + to_text(c.shared_by));
    }
}

} // namespace

void SystemConfig::validate() const {
    topology.validate("topology");
    require_range(std::string("freq_ghz"), freq_ghz, 0.01, 100.0);
    const std::pair<const char*, const CacheConfig*> levels[] = {
        {"l1i", &l1i}, {"l1d", &l1d}, {"l2", &l2}, {"llc", &llc}};
    for (const auto& [name, c] : levels) c->validate(name);
    if (!l1i.enabled) throw ConfigError("l1i.enabled", "the L1 caches cannot be dropped");
    if (!l1d.enabled) throw ConfigError("l1d.enabled", "the L1 caches cannot be dropped");
    for (const auto& [name, c] : levels) {
        if (c->enabled && c->line != l1d.line) {
            throw ConfigError(join(name, "line"), "every level uses the same line size as l1d (" +
                                                      to_text(l1d.line) + "), got " +
                                                      to_text(c->line));
        }
        validate_sharing(name, *c, topology);
    }
    if (l2.enabled && l2.shared_by < l1d.shared_by) {
        throw ConfigError("l2.shared_by", "an L2 cannot be more private than the L1 above it");
    }
    bus.validate("bus");
    link.validate("link");
    memory.validate("memory");
    if (memory.model == "dram" && memory.dram.row_bytes < l1d.line) {
        throw ConfigError("memory.dram.row_bytes", "must hold a line (l1d.line, " +
                                                       to_text(l1d.line) + " bytes), got " +
                                                       to_text(memory.dram.row_bytes));
    }
    irq.validate("irq");
    core.validate("core");
    tlb.validate("tlb");
    kernel.validate("kernel");
    measure.validate("measure");
    require_range<std::int64_t>("quantum_cycles", quantum_cycles, 1, 1000000000);
    require_range<std::int64_t>("trace_sample_cycles", trace_sample_cycles, 0, 1000000000000LL);
    require_range<std::int64_t>("warmup", warmup, 0, std::int64_t(1) << 62, "cycles; 0 = none");
    require_range<std::int64_t>("watchdog_cycles", watchdog_cycles, 0, 1000000000000000LL);
    require_range<std::int64_t>("seed", seed, 0, std::int64_t(1) << 62);

    if (kernel.calibration.enabled && !kernel.enabled) {
        throw ConfigError("kernel.calibration.enabled", "the boot calibration needs the guest "
                                                        "kernel (kernel.enabled = True)");
    }
    std::set<std::string> names;
    std::map<std::string, std::pair<std::string, std::int64_t>> objects; // name -> kind, parties
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        const TaskConfig& t = tasks[i];
        const std::string path = "tasks[" + to_text(i) + "]";
        if (t.name.empty()) throw ConfigError(join(path, "name"), "must not be empty");
        if (names.count(t.name)) {
            throw ConfigError(join(path, "name"), "duplicate task name '" + t.name + "'");
        }
        if (kernel.calibration.enabled && t.name == "init") {
            throw ConfigError(join(path, "name"), "'init' is the boot calibration's thread "
                                                  "(kernel.calibration.enabled)");
        }
        if (t.cpus.empty()) {
            throw ConfigError(join(path, "cpus"), "must list at least one CPU");
        }
        for (std::size_t k = 0; k < t.cpus.size(); ++k) {
            require_range<std::int64_t>(join(path, "cpus[" + to_text(k) + "]"), t.cpus[k], 0,
                                        cpus() - 1, "CPUs are numbered from 0");
        }
        require_range<std::int64_t>(join(path, "nice"), t.nice, -20, 19);
        if (!t.threads_of.empty() && !names.count(t.threads_of)) {
            throw ConfigError(join(path, "threads_of"),
                              "must name an earlier task, got '" + t.threads_of + "'");
        }
        if (!t.start_after.empty() && !names.count(t.start_after)) {
            throw ConfigError(join(path, "start_after"),
                              "must name an earlier task, got '" + t.start_after + "'");
        }
        t.workload.validate(join(path, "workload"));
        validate_steps(t.workload, join(path, "workload"), objects);
        if (t.forked && !kernel.enabled) {
            throw ConfigError(join(path, "forked"), "a forked task needs the guest kernel "
                                                    "(kernel.enabled = True)");
        }
        names.insert(t.name);
    }
    validate_actions(names);
}

void SystemConfig::validate_steps(
    const WorkloadConfig& w, const std::string& path,
    std::map<std::string, std::pair<std::string, std::int64_t>>& objects) const {
    if (w.kind == "phases") {
        for (std::size_t i = 0; i < w.steps.size(); ++i)
            validate_steps(w.steps[i], join(path, "steps[" + to_text(i) + "]"), objects);
        return;
    }
    if (w.needs_kernel() && !kernel.enabled) {
        throw ConfigError(join(path, "kind"), "a '" + w.kind + "' step needs the guest kernel "
                                              "(kernel.enabled = True)");
    }
    if (w.kind == "set_affinity") {
        for (std::size_t k = 0; k < w.cpus.size(); ++k) {
            require_range<std::int64_t>(join(path, "cpus[" + to_text(k) + "]"), w.cpus[k], 0,
                                        cpus() - 1, "CPUs are numbered from 0");
        }
    }
    if (w.kind == "pipe_read" || w.kind == "pipe_write" || w.kind == "barrier") {
        const std::string kind = w.kind == "barrier" ? "barrier" : "pipe";
        const std::int64_t parties = kind == "barrier" ? w.parties : 0;
        auto it = objects.emplace(w.object, std::make_pair(kind, parties)).first;
        if (it->second.first != kind) {
            throw ConfigError(join(path, "object"), "'" + w.object + "' is a " + it->second.first +
                                                        " elsewhere, not a " + kind);
        }
        if (it->second.second != parties) {
            throw ConfigError(join(path, "parties"),
                              "barrier '" + w.object + "' has " + to_text(it->second.second) +
                                  " parties elsewhere, got " + to_text(parties));
        }
    }
}

void SystemConfig::validate_actions(const std::set<std::string>& names) const {
    std::set<std::string> children;
    for (std::size_t i = 0; i < actions.size(); ++i) {
        const ActionConfig& a = actions[i];
        const std::string path = "actions[" + to_text(i) + "]";
        const auto& kinds = ActionConfig::kinds();
        if (std::find(kinds.begin(), kinds.end(), a.kind) == kinds.end()) {
            std::string all;
            for (const auto& k : kinds) all += (all.empty() ? "" : ", ") + k;
            throw ConfigError(join(path, "kind"), "must be one of " + all + ", got '" + a.kind + "'");
        }
        require_range<std::int64_t>(join(path, "at"), a.at, 0, std::int64_t(1) << 62, "cycles");
        if (a.kind == "reset_stats") continue; // the platform's, with or without a kernel
        if (!kernel.enabled) {
            throw ConfigError(path, "actions need the guest kernel (kernel.enabled = True)");
        }
        if (kernel.calibration.enabled) {
            throw ConfigError(path, "timed actions cannot be combined with "
                                    "kernel.calibration.enabled: their times would fall inside "
                                    "the boot calibration (use workload steps instead)");
        }
        const bool needs_task = a.kind == "set_affinity" || a.kind == "exec" || a.kind == "fork" ||
                                a.kind == "sleep" || a.kind == "wake";
        if (needs_task && !names.count(a.task)) {
            throw ConfigError(join(path, "task"), "must name a task, got '" + a.task + "'");
        }
        if (a.kind == "set_affinity") {
            if (a.cpus.empty()) throw ConfigError(join(path, "cpus"), "must list at least one CPU");
            for (std::size_t k = 0; k < a.cpus.size(); ++k) {
                require_range<std::int64_t>(join(path, "cpus[" + to_text(k) + "]"), a.cpus[k], 0,
                                            cpus() - 1, "CPUs are numbered from 0");
            }
            if (!a.by.empty() && a.by != a.task) {
                throw ConfigError(join(path, "by"), "must be empty (a control task) or the task "
                                                    "itself ('" + a.task + "'), got '" + a.by + "'");
            }
        }
        const bool cpu_needed = a.kind == "cpu_offline" || a.kind == "cpu_online";
        if (cpu_needed || a.cpu != -1) {
            require_range<std::int64_t>(join(path, "cpu"), a.cpu, cpu_needed ? 0 : -1, cpus() - 1,
                                        cpu_needed ? "the CPU to take offline / bring online"
                                                   : "-1 = chosen at run time");
        }
        if (a.kind == "sleep") {
            require_range<std::int64_t>(join(path, "duration"), a.duration, 1,
                                        std::int64_t(1) << 62, "cycles");
        }
        if (a.kind == "fork") {
            const auto it = std::find_if(tasks.begin(), tasks.end(),
                                         [&a](const TaskConfig& t) { return t.name == a.child; });
            if (it == tasks.end() || !it->forked) {
                throw ConfigError(join(path, "child"), "must name a task added with forked=True, "
                                                       "got '" + a.child + "'");
            }
            if (!children.insert(a.child).second) {
                throw ConfigError(join(path, "child"), "task '" + a.child + "' is forked twice");
            }
        }
    }
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        if (tasks[i].forked && !children.count(tasks[i].name)) {
            throw ConfigError("tasks[" + to_text(i) + "].forked",
                              "no fork action creates task '" + tasks[i].name + "'");
        }
    }
}

} // namespace smp
