#include "os/kernel_config.hpp"

namespace smp::os {

void KernelCosts::validate(const std::string& path) const {
    visit_costs(*this, [&path](const char* name, std::int64_t v) {
        require_range<std::int64_t>(join(path, name), v, 0, 100000000, "cycles");
    });
}

namespace {

// The policy values this build does not run yet: the dotted field and why, or empty.
std::pair<std::string, std::string> unimplemented(const SchedPolicy& p) {
    if (p.sched_class != "o1") return {"sched_class", "'" + p.sched_class + "'"};
    if (p.timeslice != "linux-2.6") return {"timeslice", "'" + p.timeslice + "'"};
    if (p.trigger != "tick_domains") return {"trigger", "'" + p.trigger + "'"};
    if (p.load_metric != "cpu_load_avg2") return {"load_metric", "'" + p.load_metric + "'"};
    if (p.imbalance_algo != "sd_2610") return {"imbalance_algo", "'" + p.imbalance_algo + "'"};
    if (p.hot_test != "sd_cache_hot_time") return {"hot_test", "'" + p.hot_test + "'"};
    if (p.hot_bypass != "newidle_or_fewfail") return {"hot_bypass", "'" + p.hot_bypass + "'"};
    if (p.active_balance != "visited_2610") return {"active_balance", "'" + p.active_balance + "'"};
    // The 4.7 mechanisms (migrator stopper, caller_moves_queued_task, hold_both_rq_locks False,
    // select_task_rq_fair, ttwu_queue, exec/fork select_task_rq, preempt voluntary, queued locks)
    // run on any runqueue; two of them only as parts of their 4.7 function.
    if (p.caller_moves_queued_task && p.migrator != "stopper") {
        return {"caller_moves_queued_task", "True without migrator 'stopper'"};
    }
    if (p.wake_policy != "affine_2610" && p.wake_policy != "select_task_rq_fair") {
        return {"wake_policy", "'" + p.wake_policy + "'"};
    }
    if (p.ttwu_queue && p.wake_policy != "select_task_rq_fair") {
        return {"ttwu_queue", "True without wake_policy 'select_task_rq_fair'"};
    }
    if (p.exec_balance != "find_idlest" && p.exec_balance != "select_task_rq") {
        return {"exec_balance", "'" + p.exec_balance + "'"};
    }
    if (p.fork_balance != "parent_cpu" && p.fork_balance != "select_task_rq") {
        return {"fork_balance", "'" + p.fork_balance + "'"};
    }
    return {};
}

} // namespace

void KernelConfig::set_era(const std::string& name) {
    era = name;
    if (name == "linux-2.4.21" || name == "linux-2.6.10" || name == "linux-2.6.24" ||
        name == "linux-4.7") {
        policy = SchedPolicy::for_era(name, &hz);
    }
}

void KernelConfig::validate(const std::string& path) const {
    if (era != "linux-2.4.21" && era != "linux-2.6.10" && era != "linux-2.6.24" &&
        era != "linux-4.7") {
        throw ConfigError(join(path, "era"), "must be one of linux-2.4.21, linux-2.6.10, "
                                             "linux-2.6.24, linux-4.7, got '" + era + "'");
    }
    require_range<std::int64_t>(join(path, "hz"), hz, 1, 100000);
    policy.validate(join(path, "policy"));
    costs.validate(join(path, "costs"));
    if (enabled) {
        const auto [field, value] = unimplemented(policy);
        if (!field.empty()) {
            throw ConfigError(join(join(path, "policy"), field),
                              value + " is not implemented yet (era " + era +
                                  "); kernel.enabled = False runs bare metal");
        }
    }
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
