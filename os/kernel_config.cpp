#include "os/kernel_config.hpp"

#include <vector>

namespace smp::os {

void KernelCosts::validate(const std::string& path) const {
    visit_costs(*this, [&path](const char* name, std::int64_t v) {
        require_range<std::int64_t>(join(path, name), v, 0, 100000000, "cycles");
    });
}

const char* cost_name(Cost k) {
    static const std::vector<const char*> names = [] {
        std::vector<const char*> n;
        KernelCosts c;
        visit_costs(c, [&n](const char* name, std::int64_t&) { n.push_back(name); });
        return n;
    }();
    return names[unsigned(k)];
}

namespace {

// The policy values this build does not run yet: the dotted field and why, or empty.
std::pair<std::string, std::string> unimplemented(const SchedPolicy& p) {
    const bool cfs = p.sched_class == "cfs";
    if (p.sched_class != "o1" && !cfs) return {"sched_class", "'" + p.sched_class + "'"};
    if (p.trigger != "tick_domains" && p.trigger != "tick_modulo" && p.trigger != "softirq") {
        return {"trigger", "'" + p.trigger + "'"};
    }
    if (p.load_metric != "cpu_load_avg2" && p.load_metric != "nr_minfilter" &&
        p.load_metric != "cpu_load_idx" && p.load_metric != "pelt") {
        return {"load_metric", "'" + p.load_metric + "'"};
    }
    if (p.imbalance_algo != "sd_2610" && p.imbalance_algo != "o1_25pct_half" &&
        p.imbalance_algo != "cfs_2624" && p.imbalance_algo != "cfs_47") {
        return {"imbalance_algo", "'" + p.imbalance_algo + "'"};
    }
    // 2.4.21's balancer comes whole: the tick-modulo trigger keeps no cpu_load for sd_2610,
    // and nr_minfilter is find_busiest_queue's own load.
    const bool o1 = p.imbalance_algo == "o1_25pct_half";
    if ((p.trigger == "tick_modulo") != o1) {
        return {"trigger", "'" + p.trigger + "' with imbalance_algo '" + p.imbalance_algo + "'"};
    }
    if ((p.load_metric == "nr_minfilter") != o1) {
        return {"load_metric",
                "'" + p.load_metric + "' with imbalance_algo '" + p.imbalance_algo + "'"};
    }
    if (p.hot_test != "sd_cache_hot_time" && p.hot_test != "jiffies_last_run" &&
        p.hot_test != "migration_cost" && p.hot_test != "migration_cost_buddy") {
        return {"hot_test", "'" + p.hot_test + "'"};
    }
    if (p.active_balance != "visited_2610" && p.active_balance != "none" &&
        p.active_balance != "push_cpu_one") {
        return {"active_balance", "'" + p.active_balance + "'"};
    }
    // The 4.7 mechanisms (stopper, caller moves, select_task_rq_fair, the wake list, exec/fork
    // select_task_rq, PREEMPT_VOLUNTARY, queued spinlocks, one runqueue lock at a time) run on
    // either runqueue; two of them only as parts of their 4.7 function.
    if (p.caller_moves_queued_task && p.migrator != "stopper") {
        return {"caller_moves_queued_task", "True without migrator 'stopper'"};
    }
    if (p.wake_policy != "affine_2610" && p.wake_policy != "sync_pull" &&
        p.wake_policy != "affine_2624" && p.wake_policy != "select_task_rq_fair") {
        return {"wake_policy", "'" + p.wake_policy + "'"};
    }
    if (p.ttwu_queue && p.wake_policy != "select_task_rq_fair") {
        return {"ttwu_queue", "True without wake_policy 'select_task_rq_fair'"};
    }
    if (p.exec_balance != "find_idlest" && p.exec_balance != "none" &&
        p.exec_balance != "balance_self" && p.exec_balance != "select_task_rq") {
        return {"exec_balance", "'" + p.exec_balance + "'"};
    }
    if (p.fork_balance != "parent_cpu" && p.fork_balance != "balance_self" &&
        p.fork_balance != "select_task_rq") {
        return {"fork_balance", "'" + p.fork_balance + "'"};
    }
    // The O(1) (2.4.21, 2.6.10) and 2.6.24 (CFS) mechanisms run with their own kernel only.
    const std::string with = cfs ? " with sched_class 'cfs'" : " with sched_class 'o1'";
    // Each value belongs to the CFS kernel, to the O(1) kernels, or (the 4.7 placements) to both.
    auto mismatch = [&](const char* field, const std::string& value, bool cfs_value,
                        bool both = false) {
        return !both && cfs_value != cfs
                   ? std::pair<std::string, std::string>{field, "'" + value + "'" + with}
                   : std::pair<std::string, std::string>{};
    };
    for (auto r : {mismatch("trigger", p.trigger, p.trigger == "softirq"),
                   mismatch("load_metric", p.load_metric,
                            p.load_metric == "cpu_load_idx" || p.load_metric == "pelt"),
                   mismatch("imbalance_algo", p.imbalance_algo,
                            p.imbalance_algo == "cfs_2624" || p.imbalance_algo == "cfs_47"),
                   mismatch("hot_test", p.hot_test,
                            p.hot_test == "migration_cost" || p.hot_test == "migration_cost_buddy"),
                   mismatch("active_balance", p.active_balance, p.active_balance == "push_cpu_one"),
                   mismatch("wake_policy", p.wake_policy, p.wake_policy == "affine_2624",
                            p.wake_policy == "select_task_rq_fair"),
                   mismatch("exec_balance", p.exec_balance, p.exec_balance == "balance_self",
                            p.exec_balance == "select_task_rq")}) {
        if (!r.first.empty()) return r;
    }
    if (cfs && p.timeslice != "linux-2.6") return {"timeslice", "'" + p.timeslice + "'" + with};
    if (cfs && p.hot_test == "jiffies_last_run") return {"hot_test", "'jiffies_last_run'" + with};
    if (cfs && p.active_balance == "none") return {"active_balance", "'none'" + with};
    if (cfs && p.wake_policy == "sync_pull") return {"wake_policy", "'sync_pull'" + with};
    if (cfs && p.exec_balance == "none") return {"exec_balance", "'none'" + with};
    // The two CFS balancers each come with their load metric and scan order; 4.7's active
    // balance is a stop work.
    if (cfs) {
        const bool b47 = p.imbalance_algo == "cfs_47";
        const std::string algo = " with imbalance_algo '" + p.imbalance_algo + "'";
        if ((p.load_metric == "pelt") != b47)
            return {"load_metric", "'" + p.load_metric + "'" + algo};
        if ((p.pick_order == "cfs_tasks_head") != b47)
            return {"pick_order", "'" + p.pick_order + "'" + algo};
        if (b47 && p.migrator != "stopper") return {"migrator", "'" + p.migrator + "'" + algo};
    }
    if (!cfs && p.hot_bypass != "newidle_or_fewfail")
        return {"hot_bypass", "'" + p.hot_bypass + "'" + with};
    if (!cfs && p.fork_balance == "balance_self") return {"fork_balance", "'balance_self'" + with};
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
                                             "linux-2.6.24, linux-4.7, got '" +
                                                 era + "'");
    }
    require_range<std::int64_t>(join(path, "hz"), hz, 1, 100000);
    policy.validate(join(path, "policy"));
    costs.validate(join(path, "costs"));
    calibration.validate(join(path, "calibration"));
    if (enabled) {
        const auto [field, value] = unimplemented(policy);
        if (!field.empty()) {
            throw ConfigError(join(join(path, "policy"), field),
                              value + " is not implemented yet (era " + era +
                                  "); kernel.enabled = False runs bare metal");
        }
    }
}

void CalibrationConfig::validate(const std::string& path) const {
    require_range<std::int64_t>(join(path, "max_cache_size"), max_cache_size, -1,
                                std::int64_t(1) << 30, "bytes; -1 = the L2's size, 0 = unknown");
    require_range<std::int64_t>(join(path, "migration_factor"), migration_factor, 0, 10000,
                                "percent");
    require_range<std::int64_t>(join(path, "migration_debug"), migration_debug, 0, 2);
    if (clock != "tsc" && clock != "jiffies") {
        throw ConfigError(join(path, "clock"), "must be tsc or jiffies, got '" + clock + "'");
    }
}

const std::vector<std::string>& ActionConfig::kinds() {
    static const std::vector<std::string> k = {
        "set_affinity", "exec",       "fork",   "sleep", "wake",
        "cpu_offline",  "cpu_online", "freeze", "thaw",  "reset_stats"};
    return k;
}

bool ActionConfig::by_control_task() const {
    return (kind == "set_affinity" && by.empty()) || kind == "cpu_offline" ||
           kind == "cpu_online" || kind == "freeze" || kind == "thaw";
}

} // namespace smp::os
