#include "os/kernel_config.hpp"

#include <algorithm>

namespace smp::os {

void DomainParams::validate(const std::string& path) const {
    require_range<std::int64_t>(join(path, "min_interval"), min_interval, 1, 100000);
    require_range<std::int64_t>(join(path, "max_interval"), max_interval, min_interval, 100000,
                                "ms, at least min_interval");
    require_range<std::int64_t>(join(path, "busy_factor"), busy_factor, 1, 100000);
    require_range<std::int64_t>(join(path, "imbalance_pct"), imbalance_pct, 100, 1000);
    require_range(join(path, "cache_hot_time_ns"), cache_hot_time_ns, 0.0, 1e12);
    require_range<std::int64_t>(join(path, "cache_nice_tries"), cache_nice_tries, 0, 1000);
    require_range<std::int64_t>(join(path, "per_cpu_gain"), per_cpu_gain, 0, 100);
}

void KernelCosts::validate(const std::string& path) const {
    visit_costs(*this, [&path](const char* name, std::int64_t v) {
        require_range<std::int64_t>(join(path, name), v, 0, 100000000, "cycles");
    });
}

void SchedPolicy::validate(const std::string& path) const {
    require_range<std::int64_t>(join(path, "nr_cpus"), nr_cpus, 0, 4096, "0 = the CPU count");
    smt.validate(join(path, "smt"));
    cpu.validate(join(path, "cpu"));
    node.validate(join(path, "node"));
}

namespace {

// Linux 2.6.10, i386 (reference §3.11): SD_SIBLING_INIT, SD_CPU_INIT, SD_NODE_INIT.
SchedPolicy policy_2610() {
    SchedPolicy p;
    p.smt = DomainParams{1, 2, 8, 110, 0.0, 0, 25, true, true, true, true, true, false, true};
    p.cpu = DomainParams{1, 4, 64, 125, 2500.0, 1, 100, true, true, true, false, true, true, false};
    p.node = DomainParams{8, 32, 32, 125, 10000.0, 1, 100, true, false, true, false, false, true, false};
    return p;
}

} // namespace

void KernelConfig::set_era(const std::string& name) {
    era = name;
    if (name == "linux-2.6.10") {
        hz = 1000;
        policy = policy_2610();
    }
}

void KernelConfig::validate(const std::string& path) const {
    if (era != "linux-2.4.21" && era != "linux-2.6.10" && era != "linux-2.6.24" &&
        era != "linux-4.7") {
        throw ConfigError(join(path, "era"), "must be one of linux-2.4.21, linux-2.6.10, "
                                             "linux-2.6.24, linux-4.7, got '" + era + "'");
    }
    if (enabled && era != "linux-2.6.10") {
        throw ConfigError(join(path, "era"), "'" + era + "' is not implemented yet; this build "
                                             "runs linux-2.6.10 (or kernel.enabled = False)");
    }
    require_range<std::int64_t>(join(path, "hz"), hz, 1, 100000);
    policy.validate(join(path, "policy"));
    costs.validate(join(path, "costs"));
}

const std::vector<std::string>& ActionConfig::kinds() {
    static const std::vector<std::string> k = {"set_affinity", "exec",       "fork",
                                               "sleep",        "wake",       "cpu_offline",
                                               "cpu_online",   "freeze",     "thaw"};
    return k;
}

bool ActionConfig::by_control_task() const {
    return (kind == "set_affinity" && by.empty()) || kind == "cpu_offline" ||
           kind == "cpu_online" || kind == "freeze" || kind == "thaw";
}

} // namespace smp::os
