#include "platform/config_json.hpp"

#include "models/common/units.hpp"
#include "platform/presets.hpp"

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

namespace smp {

using json = nlohmann::json;

namespace {

// Short description of a JSON value for error messages: its type and (truncated) text.
std::string describe(const json& v) {
    std::string text = v.dump();
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return std::string(v.type_name()) + " " + text;
}

std::string where(const std::string& path) { return path.empty() ? "config" : path; }

void read_value(const json& v, const std::string& path, std::int64_t& out) {
    if (v.is_number_unsigned()) {
        const auto u = v.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            throw ConfigError(path, "integer out of range, got " + v.dump());
        }
        out = static_cast<std::int64_t>(u);
        return;
    }
    if (v.is_number_integer()) {
        out = v.get<std::int64_t>();
        return;
    }
    throw ConfigError(path, "expected an integer, got " + describe(v));
}

void read_value(const json& v, const std::string& path, double& out) {
    if (!v.is_number()) throw ConfigError(path, "expected a number, got " + describe(v));
    out = v.get<double>();
}

void read_value(const json& v, const std::string& path, bool& out) {
    if (!v.is_boolean()) throw ConfigError(path, "expected true or false, got " + describe(v));
    out = v.get<bool>();
}

void read_value(const json& v, const std::string& path, std::string& out) {
    if (!v.is_string()) throw ConfigError(path, "expected a string, got " + describe(v));
    out = v.get<std::string>();
}

void read_value(const json& v, const std::string& path, std::vector<std::int64_t>& out) {
    if (!v.is_array()) throw ConfigError(path, "expected a list of integers, got " + describe(v));
    std::vector<std::int64_t> result;
    for (std::size_t i = 0; i < v.size(); ++i) {
        std::int64_t x = 0;
        read_value(v[i], path + "[" + to_text(i) + "]", x);
        result.push_back(x);
    }
    out = std::move(result);
}

// A size: an integer byte count or a string such as "32KiB".
void read_size(const json& v, const std::string& path, std::int64_t& out) {
    if (v.is_string()) {
        out = parse_size(path, v.get<std::string>());
        return;
    }
    if (!v.is_number_integer()) {
        throw ConfigError(path, "expected a size (integer bytes or a string like \"32KiB\"), got " +
                                    describe(v));
    }
    read_value(v, path, out);
}

// Walks one JSON object: each known key is applied once; finish() rejects the rest.
class ObjectReader {
public:
    ObjectReader(const json& j, std::string path) : m_j(j), m_path(std::move(path)) {
        if (!j.is_object()) {
            throw ConfigError(where(m_path), "expected an object, got " + describe(j));
        }
    }

    template <typename T> ObjectReader& get(const char* key, T& out) {
        return apply(key, [&](const json& v, const std::string& p) { read_value(v, p, out); });
    }
    ObjectReader& size(const char* key, std::int64_t& out) {
        return apply(key, [&](const json& v, const std::string& p) { read_size(v, p, out); });
    }
    template <typename F> ObjectReader& apply(const char* key, F&& fn) {
        m_known.push_back(key);
        auto it = m_j.find(key);
        if (it != m_j.end()) fn(*it, join(m_path, key));
        return *this;
    }
    // Declares a key handled elsewhere (e.g. "preset", applied first).
    ObjectReader& known(const char* key) {
        m_known.push_back(key);
        return *this;
    }

    void finish() const {
        const std::set<std::string> known(m_known.begin(), m_known.end());
        for (auto it = m_j.begin(); it != m_j.end(); ++it) {
            if (known.count(it.key())) continue;
            std::string list;
            for (const auto& k : m_known) list += (list.empty() ? "" : ", ") + k;
            throw ConfigError(join(m_path, it.key()), "unknown field (known: " + list + ")");
        }
    }

private:
    const json& m_j;
    std::string m_path;
    std::vector<std::string> m_known;
};

json topology_to_json(const TopologyConfig& t) {
    return {{"sockets", t.sockets},
            {"cores_per_socket", t.cores_per_socket},
            {"threads_per_core", t.threads_per_core}};
}

void read_topology(const json& j, const std::string& path, TopologyConfig& t) {
    ObjectReader(j, path)
        .get("sockets", t.sockets)
        .get("cores_per_socket", t.cores_per_socket)
        .get("threads_per_core", t.threads_per_core)
        .finish();
}

void read_bus(const json& j, const std::string& path, BusConfig& b) {
    ObjectReader(j, path)
        .get("snoop_ns", b.snoop_ns)
        .get("c2c_ns", b.c2c_ns)
        .get("occupancy_ns", b.occupancy_ns)
        .get("snoop_filter", b.snoop_filter)
        .finish();
}

void read_link(const json& j, const std::string& path, LinkConfig& l) {
    ObjectReader(j, path).get("latency_ns", l.latency_ns).finish();
}


void read_irq(const json& j, const std::string& path, IrqConfig& q) {
    ObjectReader(j, path)
        .get("ipi_send_cycles", q.ipi_send_cycles)
        .get("ipi_latency_ns", q.ipi_latency_ns)
        .get("ipi_accept_cycles", q.ipi_accept_cycles)
        .get("tick_hz", q.tick_hz)
        .finish();
}

void read_core(const json& j, const std::string& path, CoreConfig& c) {
    ObjectReader(j, path)
        .get("mlp", c.mlp)
        .get("store_buffer", c.store_buffer)
        .get("atomic_cycles", c.atomic_cycles)
        .finish();
}

template <class T, class Visit> json fields_to_json(const T& x, Visit visit) {
    json j = json::object();
    visit(x, [&j](const char* k, const auto& v) { j[k] = v; });
    return j;
}

template <class T, class Visit>
void fields_from_json(const json& j, const std::string& path, T& x, Visit visit) {
    ObjectReader r(j, path);
    visit(x, [&r](const char* k, auto& v) { r.get(k, v); });
    r.finish();
}

const auto kDomainVisit = [](auto& d, auto&& v) { os::visit_fields(d, v); };
const auto kCostVisit = [](auto& c, auto&& v) { os::visit_costs(c, v); };
const auto kActionVisit = [](auto& a, auto&& v) { os::visit_action(a, v); };
const auto kCalibrationVisit = [](auto& c, auto&& v) { os::visit_calibration(c, v); };
const auto kMeasureVisit = [](auto& m, auto&& v) { visit_measure(m, v); };
const auto kTlbVisit = [](auto& t, auto&& v) { visit_tlb(t, v); };
const auto kPrefetchVisit = [](auto& p, auto&& v) { visit_prefetch(p, v); };
const auto kDramVisit = [](auto& d, auto&& v) { visit_dram(d, v); };

void read_memory(const json& j, const std::string& path, MemoryConfig& m) {
    ObjectReader(j, path)
        .get("model", m.model)
        .get("latency_ns", m.latency_ns)
        .get("bandwidth_gbps", m.bandwidth_gbps)
        .get("mapping", m.mapping)
        .get("numa", m.numa)
        .apply("dram",
               [&](const json& v, const std::string& p) {
                   fields_from_json(v, p, m.dram, kDramVisit);
               })
        .finish();
}

void read_policy(const json& j, const std::string& path, os::SchedPolicy& p) {
    auto dom = [](os::DomainParams& d) {
        return [&d](const json& v, const std::string& q) { fields_from_json(v, q, d, kDomainVisit); };
    };
    ObjectReader r(j, path);
    os::visit_policy(p, [&r](const char* k, auto& v) { r.get(k, v); });
    r.apply("smt", dom(p.smt)).apply("cpu", dom(p.cpu)).apply("node", dom(p.node)).finish();
}

// "era" first (it fills hz and the policy), then every other key overrides.
void read_kernel(const json& j, const std::string& path, KernelConfig& k) {
    if (j.is_object()) {
        auto e = j.find("era");
        if (e != j.end()) {
            std::string era;
            read_value(*e, join(path, "era"), era);
            k.set_era(era);
        }
    }
    ObjectReader(j, path)
        .known("era")
        .get("enabled", k.enabled)
        .get("hz", k.hz)
        .get("trace", k.trace)
        .apply("policy", [&](const json& v, const std::string& p) { read_policy(v, p, k.policy); })
        .apply("costs", [&](const json& v,
                            const std::string& p) { fields_from_json(v, p, k.costs, kCostVisit); })
        .apply("calibration",
               [&](const json& v, const std::string& p) {
                   fields_from_json(v, p, k.calibration, kCalibrationVisit);
               })
        .finish();
}

void read_actions(const json& j, const std::string& path, std::vector<ActionConfig>& out) {
    if (!j.is_array()) throw ConfigError(path, "expected a list of actions, got " + describe(j));
    std::vector<ActionConfig> result;
    for (std::size_t i = 0; i < j.size(); ++i) {
        ActionConfig a;
        fields_from_json(j[i], path + "[" + to_text(i) + "]", a, kActionVisit);
        result.push_back(a);
    }
    out = std::move(result);
}

void read_tasks(const json& j, const std::string& path, std::vector<TaskConfig>& tasks) {
    if (!j.is_array()) throw ConfigError(path, "expected a list of tasks, got " + describe(j));
    std::vector<TaskConfig> result;
    for (std::size_t i = 0; i < j.size(); ++i) {
        result.push_back(task_from_json(j[i], path + "[" + to_text(i) + "]"));
    }
    tasks = std::move(result);
}

SystemConfig from_json_unchecked(const json& j) {
    if (!j.is_object()) throw ConfigError("config", "expected a JSON object, got " + describe(j));
    SystemConfig c;
    auto p = j.find("preset");
    if (p != j.end()) {
        std::string name;
        read_value(*p, "preset", name);
        c = preset(name);
    }
    auto cache = [](CacheConfig& out) {
        return [&out](const json& v, const std::string& path) { out = cache_from_json(v, path, out); };
    };
    ObjectReader(j, "")
        .known("preset")
        .get("name", c.name)
        .apply("topology",
               [&](const json& v, const std::string& p) { read_topology(v, p, c.topology); })
        .get("freq_ghz", c.freq_ghz)
        .apply("l1i", cache(c.l1i))
        .apply("l1d", cache(c.l1d))
        .apply("l2", cache(c.l2))
        .apply("llc", cache(c.llc))
        .apply("bus", [&](const json& v, const std::string& p) { read_bus(v, p, c.bus); })
        .apply("link", [&](const json& v, const std::string& p) { read_link(v, p, c.link); })
        .apply("memory", [&](const json& v, const std::string& p) { read_memory(v, p, c.memory); })
        .apply("irq", [&](const json& v, const std::string& p) { read_irq(v, p, c.irq); })
        .apply("core", [&](const json& v, const std::string& p) { read_core(v, p, c.core); })
        .apply("tlb", [&](const json& v,
                          const std::string& p) { fields_from_json(v, p, c.tlb, kTlbVisit); })
        .apply("kernel", [&](const json& v, const std::string& p) { read_kernel(v, p, c.kernel); })
        .apply("measure",
               [&](const json& v, const std::string& p) {
                   fields_from_json(v, p, c.measure, kMeasureVisit);
               })
        .get("vcd", c.vcd)
        .get("trace_sample_cycles", c.trace_sample_cycles)
        .get("watchdog_cycles", c.watchdog_cycles)
        .get("warmup", c.warmup)
        .get("quantum_cycles", c.quantum_cycles)
        .get("seed", c.seed)
        .get("check", c.check)
        .apply("tasks", [&](const json& v, const std::string& p) { read_tasks(v, p, c.tasks); })
        .apply("actions",
               [&](const json& v, const std::string& p) { read_actions(v, p, c.actions); })
        .finish();
    return c;
}

} // namespace

json cache_to_json(const CacheConfig& c) {
    return {{"enabled", c.enabled},     {"size", c.size},
            {"ways", c.ways},           {"line", c.line},
            {"latency", c.latency},     {"mshrs", c.mshrs},
            {"replacement", c.replacement}, {"inclusive", c.inclusive},
            {"shared_by", c.shared_by},
            {"prefetch", fields_to_json(c.prefetch, kPrefetchVisit)}};
}

CacheConfig cache_from_json(const json& j, const std::string& path, const CacheConfig& base) {
    CacheConfig c = base;
    ObjectReader(j, path)
        .get("enabled", c.enabled)
        .size("size", c.size)
        .get("ways", c.ways)
        .get("line", c.line)
        .get("latency", c.latency)
        .get("mshrs", c.mshrs)
        .get("replacement", c.replacement)
        .get("inclusive", c.inclusive)
        .get("shared_by", c.shared_by)
        .apply("prefetch", [&](const json& v, const std::string& p) {
            fields_from_json(v, p, c.prefetch, kPrefetchVisit);
        })
        .finish();
    return c;
}

json workload_to_json(const WorkloadConfig& w) {
    json steps = json::array();
    for (const auto& st : w.steps) steps.push_back(workload_to_json(st));
    return {{"kind", w.kind},
            {"size", w.size},
            {"pattern", w.pattern},
            {"stride", w.stride},
            {"access_size", w.access_size},
            {"passes", w.passes},
            {"write_ratio", w.write_ratio},
            {"compute_per_access", w.compute_per_access},
            {"base", w.base},
            {"cycles", w.cycles},
            {"ns", w.ns},
            {"path", w.path},
            {"format", w.format},
            {"steps", steps},
            {"repeat", w.repeat},
            {"cpus", w.cpus},
            {"label", w.label},
            {"object", w.object},
            {"bytes", w.bytes},
            {"parties", w.parties}};
}

WorkloadConfig workload_from_json(const json& j, const std::string& path,
                                  const WorkloadConfig& base) {
    WorkloadConfig w = base;
    ObjectReader(j, path)
        .get("kind", w.kind)
        .size("size", w.size)
        .get("pattern", w.pattern)
        .get("stride", w.stride)
        .get("access_size", w.access_size)
        .get("passes", w.passes)
        .get("write_ratio", w.write_ratio)
        .get("compute_per_access", w.compute_per_access)
        .get("base", w.base)
        .get("cycles", w.cycles)
        .get("ns", w.ns)
        .get("path", w.path)
        .get("format", w.format)
        .apply("steps",
               [&](const json& v, const std::string& p) {
                   if (!v.is_array()) throw ConfigError(p, "must be a list of steps");
                   w.steps.clear();
                   for (std::size_t i = 0; i < v.size(); ++i)
                       w.steps.push_back(workload_from_json(v[i], p + "[" + to_text(i) + "]"));
               })
        .get("repeat", w.repeat)
        .get("cpus", w.cpus)
        .get("label", w.label)
        .get("object", w.object)
        .get("bytes", w.bytes)
        .get("parties", w.parties)
        .finish();
    return w;
}

json task_to_json(const TaskConfig& t) {
    return {{"name", t.name},
            {"workload", workload_to_json(t.workload)},
            {"cpus", t.cpus},
            {"nice", t.nice},
            {"threads_of", t.threads_of},
            {"start_after", t.start_after},
            {"forked", t.forked}};
}

TaskConfig task_from_json(const json& j, const std::string& path) {
    TaskConfig t;
    ObjectReader(j, path)
        .get("name", t.name)
        .apply("workload",
               [&](const json& v, const std::string& p) { t.workload = workload_from_json(v, p); })
        .get("cpus", t.cpus)
        .get("nice", t.nice)
        .get("threads_of", t.threads_of)
        .get("start_after", t.start_after)
        .get("forked", t.forked)
        .finish();
    return t;
}

json policy_to_json(const os::SchedPolicy& p) {
    json j = fields_to_json(p, [](auto& x, auto&& v) { os::visit_policy(x, v); });
    j["smt"] = fields_to_json(p.smt, kDomainVisit);
    j["cpu"] = fields_to_json(p.cpu, kDomainVisit);
    j["node"] = fields_to_json(p.node, kDomainVisit);
    return j;
}

json kernel_to_json(const KernelConfig& k) {
    return {{"enabled", k.enabled},
            {"era", k.era},
            {"hz", k.hz},
            {"trace", k.trace},
            {"policy", policy_to_json(k.policy)},
            {"costs", fields_to_json(k.costs, kCostVisit)},
            {"calibration", fields_to_json(k.calibration, kCalibrationVisit)}};
}

json config_to_json(const SystemConfig& c) {
    json tasks = json::array();
    for (const auto& t : c.tasks) tasks.push_back(task_to_json(t));
    json actions = json::array();
    for (const auto& a : c.actions) actions.push_back(fields_to_json(a, kActionVisit));
    return {{"name", c.name},
            {"topology", topology_to_json(c.topology)},
            {"freq_ghz", c.freq_ghz},
            {"l1i", cache_to_json(c.l1i)},
            {"l1d", cache_to_json(c.l1d)},
            {"l2", cache_to_json(c.l2)},
            {"llc", cache_to_json(c.llc)},
            {"bus",
             {{"snoop_ns", c.bus.snoop_ns},
              {"c2c_ns", c.bus.c2c_ns},
              {"occupancy_ns", c.bus.occupancy_ns},
              {"snoop_filter", c.bus.snoop_filter}}},
            {"link", {{"latency_ns", c.link.latency_ns}}},
            {"memory",
             {{"model", c.memory.model},
              {"latency_ns", c.memory.latency_ns},
              {"bandwidth_gbps", c.memory.bandwidth_gbps},
              {"mapping", c.memory.mapping},
              {"numa", c.memory.numa},
              {"dram", fields_to_json(c.memory.dram, kDramVisit)}}},
            {"irq",
             {{"ipi_send_cycles", c.irq.ipi_send_cycles},
              {"ipi_latency_ns", c.irq.ipi_latency_ns},
              {"ipi_accept_cycles", c.irq.ipi_accept_cycles},
              {"tick_hz", c.irq.tick_hz}}},
            {"core",
             {{"mlp", c.core.mlp},
              {"store_buffer", c.core.store_buffer},
              {"atomic_cycles", c.core.atomic_cycles}}},
            {"tlb", fields_to_json(c.tlb, kTlbVisit)},
            {"kernel", kernel_to_json(c.kernel)},
            {"measure", fields_to_json(c.measure, kMeasureVisit)},
            {"vcd", c.vcd},
            {"trace_sample_cycles", c.trace_sample_cycles},
            {"watchdog_cycles", c.watchdog_cycles},
            {"warmup", c.warmup},
            {"quantum_cycles", c.quantum_cycles},
            {"seed", c.seed},
            {"check", c.check},
            {"tasks", tasks},
            {"actions", actions}};
}

SystemConfig config_from_json(const json& j) {
    try {
        return from_json_unchecked(j);
    } catch (const ConfigError&) {
        throw;
    } catch (const json::exception& e) {
        // Not expected (every access is type-checked first); kept so no nlohmann error escapes.
        throw ConfigError("config", std::string("malformed JSON value: ") + e.what());
    }
}

SystemConfig config_from_json_text(const std::string& text) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) { // parse_error, and out_of_range for a number like 1e500
        throw ConfigError("config", std::string("invalid JSON: ") + e.what());
    }
    return config_from_json(j);
}

} // namespace smp
