#include "platform/system_config.hpp"

#include <set>

namespace smp {

void TopologyConfig::validate(const std::string& path) const {
    require_range<std::int64_t>(join(path, "sockets"), sockets, 1, 64);
    require_range<std::int64_t>(join(path, "cores_per_socket"), cores_per_socket, 1, 1024);
    require_range<std::int64_t>(join(path, "threads_per_core"), threads_per_core, 1, 8);
    require_range<std::int64_t>("cores", cpus(), 1, 4096, "sockets * cores_per_socket * threads");
}

void KernelConfig::validate(const std::string& path) const {
    if (era != "linux-2.4.21" && era != "linux-2.6.10" && era != "linux-2.6.24" &&
        era != "linux-4.7") {
        throw ConfigError(join(path, "era"), "must be one of linux-2.4.21, linux-2.6.10, "
                                             "linux-2.6.24, linux-4.7, got '" + era + "'");
    }
    require_range<std::int64_t>(join(path, "hz"), hz, 1, 100000);
    if (enabled) {
        throw ConfigError(join(path, "enabled"),
                          "the guest kernel is not part of this build yet; only bare-metal runs "
                          "(kernel.enabled = False) are available");
    }
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
        const bool ok = c.shared_by == 1 ||
                        (c.shared_by % t.threads_per_core == 0 && per_socket % c.shared_by == 0);
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
    irq.validate("irq");
    core.validate("core");
    kernel.validate("kernel");
    require_range<std::int64_t>("quantum_cycles", quantum_cycles, 1, 1000000000);
    require_range<std::int64_t>("seed", seed, 0, std::int64_t(1) << 62);

    std::set<std::string> names;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        const TaskConfig& t = tasks[i];
        const std::string path = "tasks[" + to_text(i) + "]";
        if (t.name.empty()) throw ConfigError(join(path, "name"), "must not be empty");
        if (names.count(t.name)) {
            throw ConfigError(join(path, "name"), "duplicate task name '" + t.name + "'");
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
        names.insert(t.name);
    }
}

} // namespace smp
