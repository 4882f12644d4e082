// pybind11 module _smpsim: binds the C++ config structs once (no second schema) and the run entry.
#include "models/common/config_error.hpp"
#include "models/common/sim_error.hpp"
#include "models/common/units.hpp"
#include "platform/config_json.hpp"
#include "platform/presets.hpp"
#include "platform/raw_loop.hpp"
#include "platform/run.hpp"
#include "platform/system_config.hpp"

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <systemc>

#include <set>
#include <string>
#include <vector>

namespace py = pybind11;
using namespace smp;

// The SystemC library supplies main() and calls sc_main; a Python extension never runs it, but
// libsystemc references it, so it must be exported (pybind11 builds with hidden visibility).
__attribute__((visibility("default"))) int sc_main(int, char**) { return 0; }

void bind_traces(py::module_& m); // trace_bindings.cpp

namespace {

// Names of the read/write properties of a bound class, in definition order (its data fields).
std::vector<std::string> field_names(py::handle self, const std::set<std::string>& skip = {}) {
    std::vector<std::string> names;
    py::object dict = py::type::of(self).attr("__dict__");
    for (py::handle key : dict) {
        py::object value = dict[key];
        if (!PyObject_TypeCheck(value.ptr(), &PyProperty_Type)) continue;
        if (value.attr("fset").is_none()) continue;
        std::string name = py::str(key);
        if (!skip.count(name)) names.push_back(name);
    }
    return names;
}

std::string fields_repr(py::handle self, const std::set<std::string>& skip = {}) {
    std::string out = py::str(py::type::of(self).attr("__name__"));
    out += "(";
    bool first = true;
    for (const auto& name : field_names(self, skip)) {
        out += (first ? "" : ", ") + name + "=" + std::string(py::repr(self.attr(name.c_str())));
        first = false;
    }
    return out + ")";
}

// Applies keyword arguments as attribute assignments (so sizes parse and typos are caught).
void apply_kwargs(py::handle obj, const py::kwargs& kw) {
    for (auto item : kw) {
        const std::string name = py::str(item.first);
        if (!py::hasattr(obj, item.first) || name.rfind("_", 0) == 0) {
            throw py::type_error(std::string(py::str(py::type::of(obj).attr("__name__"))) +
                                 "() got an unexpected keyword argument '" + name + "'");
        }
        py::setattr(obj, item.first, item.second);
    }
}

// Keyword constructor, repr, equality, copying and pickling from the data fields of T.
template <typename T> void add_common(py::class_<T>& cls, bool generic_repr = true) {
    cls.def(py::init([](const py::kwargs& kw) {
                py::object obj = py::cast(T{});
                apply_kwargs(obj, kw);
                return obj.cast<T>();
            }),
            "Defaults, then each keyword argument assigned as an attribute.");
    if (generic_repr) {
        cls.def("__repr__", [](py::handle self) { return fields_repr(self); });
    }
    cls.def("__eq__", [](py::handle self, py::handle other) -> py::object {
        if (!py::isinstance(other, py::type::of(self))) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
        for (const auto& name : field_names(self)) {
            if (!self.attr(name.c_str()).equal(other.attr(name.c_str()))) return py::bool_(false);
        }
        return py::bool_(true);
    });
    cls.attr("__hash__") = py::none();
    cls.def("copy", [](const T& self) { return T(self); }, "An independent copy.");
    cls.def("__copy__", [](const T& self) { return T(self); });
    cls.def("__deepcopy__", [](const T& self, py::handle) { return T(self); }, py::arg("memo"));
}

// Pickling by fields (SystemConfig pickles through its JSON instead).
template <typename T> void add_field_pickle(py::class_<T>& cls) {
    cls.def(py::pickle(
        [](py::handle self) {
            py::dict state;
            for (const auto& name : field_names(self)) state[name.c_str()] = self.attr(name.c_str());
            return state;
        },
        [](const py::dict& state) {
            py::object obj = py::cast(T{});
            for (auto item : state) py::setattr(obj, item.first, item.second);
            return obj.cast<T>();
        }));
}

// A size: int (or anything with __index__) bytes, or a string like "32KiB".
std::int64_t size_from_py(py::handle v, const char* field) {
    if (py::isinstance<py::str>(v)) return parse_size(field, v.cast<std::string>());
    if (!py::isinstance<py::bool_>(v) && PyIndex_Check(v.ptr())) {
        py::object i = py::reinterpret_steal<py::object>(PyNumber_Index(v.ptr()));
        if (!i) throw py::error_already_set();
        int overflow = 0;
        const long long x = PyLong_AsLongLongAndOverflow(i.ptr(), &overflow);
        if (overflow != 0) throw ConfigError(field, "out of the 64-bit range");
        return x;
    }
    throw py::type_error(std::string(field) + ": expected an int or a size string like '32KiB', got " +
                         std::string(py::str(py::type::of(v).attr("__name__"))));
}

std::string str_or_none(py::handle v, const char* field) {
    if (v.is_none()) return "";
    if (!py::isinstance<py::str>(v)) {
        throw py::type_error(std::string(field) + ": expected a task name (str) or None");
    }
    return v.cast<std::string>();
}

std::vector<std::int64_t> cpu_list(py::handle v, const SystemConfig& c) {
    if (v.is_none()) {
        std::vector<std::int64_t> all;
        for (std::int64_t i = 0; i < c.cpus(); ++i) all.push_back(i);
        return all;
    }
    if (py::isinstance<py::int_>(v) && !py::isinstance<py::bool_>(v)) return {v.cast<std::int64_t>()};
    try {
        return v.cast<std::vector<std::int64_t>>();
    } catch (const py::cast_error&) {
        throw py::type_error("cpus: expected None, an int or a list of ints");
    }
}

void set_cores(SystemConfig& c, std::int64_t n) {
    const std::int64_t per = c.topology.sockets * c.topology.threads_per_core;
    if (c.topology.sockets <= 0 || c.topology.threads_per_core <= 0) {
        throw ConfigError("cores", "topology.sockets and topology.threads_per_core must be "
                                   "positive before cores can be set");
    }
    if (n <= 0 || n % per != 0) {
        throw ConfigError("cores", "must be a positive multiple of sockets * threads_per_core (" +
                                       to_text(per) + "), got " + to_text(n));
    }
    c.topology.cores_per_socket = n / per;
}

// Binds every field a visitor lists (one listing of the fields, in os/kernel_config.hpp) as a
// read/write property, located by its offset in a default-constructed instance.
template <class T, class Visit> void bind_fields(py::class_<T>& cls, Visit visit) {
    T probe{};
    visit(probe, [&cls, &probe](const char* name, auto& field) {
        using F = std::decay_t<decltype(field)>;
        const std::ptrdiff_t off = reinterpret_cast<char*>(&field) - reinterpret_cast<char*>(&probe);
        cls.def_property(
            name,
            [off](const T& self) { return *reinterpret_cast<const F*>(reinterpret_cast<const char*>(&self) + off); },
            [off](T& self, const F& v) { *reinterpret_cast<F*>(reinterpret_cast<char*>(&self) + off) = v; });
    });
}

} // namespace

PYBIND11_MODULE(_smpsim, m) {
    m.doc() = "smpsim native module: the C++ configuration structs, presets and the simulation "
              "entry point. Use the `smpsim` package rather than this module directly.";

    py::register_exception<SimulationError>(m, "SimulationError", PyExc_RuntimeError);

    py::class_<PrefetchConfig> prefetch(
        m, "PrefetchConfig",
        "A cache level's hardware prefetcher (docs/prefetch.md): kind none | next_line | stride, "
        "degree (lines per trigger), distance (lines or strides ahead), table (stride: 4 KiB "
        "regions tracked) and confidence (stride: repeats of a stride before prefetching).");
    bind_fields(prefetch, [](auto& x, auto&& v) { visit_prefetch(x, v); });
    prefetch.def("validate", &PrefetchConfig::validate, py::arg("path") = "");
    add_common(prefetch);
    add_field_pickle(prefetch);

    py::class_<CacheConfig> cache(m, "CacheConfig", "One cache level (sizes in bytes, latency in core cycles).");
    cache.def_readwrite("enabled", &CacheConfig::enabled, "False drops this level")
        .def_property(
            "size", [](const CacheConfig& c) { return c.size; },
            [](CacheConfig& c, py::handle v) { c.size = size_from_py(v, "size"); },
            "bytes; accepts an int or a string like '32KiB'")
        .def_readwrite("ways", &CacheConfig::ways)
        .def_readwrite("line", &CacheConfig::line, "line size in bytes, the same at every level")
        .def_readwrite("latency", &CacheConfig::latency, "hit latency in core cycles")
        .def_readwrite("mshrs", &CacheConfig::mshrs, "outstanding misses the cache can track")
        .def_readwrite("replacement", &CacheConfig::replacement, "lru | plru | random")
        .def_readwrite("inclusive", &CacheConfig::inclusive)
        .def_readwrite("shared_by", &CacheConfig::shared_by,
                       "hardware threads per instance; 0 = one per socket (llc)")
        .def_readwrite("prefetch", &CacheConfig::prefetch,
                       "this level's prefetcher (PrefetchConfig)")
        .def_property_readonly("sets", &CacheConfig::sets)
        .def("validate", &CacheConfig::validate, py::arg("path") = "",
             "Raises ValueError naming the first invalid field.");
    add_common(cache);
    add_field_pickle(cache);

    py::class_<TopologyConfig> topo(m, "TopologyConfig", "Sockets x cores per socket x threads per core.");
    topo.def_readwrite("sockets", &TopologyConfig::sockets)
        .def_readwrite("cores_per_socket", &TopologyConfig::cores_per_socket)
        .def_readwrite("threads_per_core", &TopologyConfig::threads_per_core)
        .def("cpus", &TopologyConfig::cpus, "sockets * cores_per_socket * threads_per_core")
        .def("validate", &TopologyConfig::validate, py::arg("path") = "");
    add_common(topo);
    add_field_pickle(topo);

    py::class_<BusConfig> bus(m, "BusConfig", "Per-socket snooping bus (times in ns).");
    bus.def_readwrite("snoop_ns", &BusConfig::snoop_ns)
        .def_readwrite("c2c_ns", &BusConfig::c2c_ns)
        .def_readwrite("occupancy_ns", &BusConfig::occupancy_ns)
        .def_readwrite("snoop_filter", &BusConfig::snoop_filter,
                       "snoop only the agents that may hold the line (a snoop filter)")
        .def("validate", &BusConfig::validate, py::arg("path") = "");
    add_common(bus);
    add_field_pickle(bus);

    py::class_<LinkConfig> link(m, "LinkConfig", "Socket-to-socket link (one way, ns).");
    link.def_readwrite("latency_ns", &LinkConfig::latency_ns)
        .def("validate", &LinkConfig::validate, py::arg("path") = "");
    add_common(link);
    add_field_pickle(link);

    py::class_<DramConfig> dram(
        m, "DramConfig",
        "DRAM behind each memory controller (memory.model = 'dram'): channels, ranks, banks, "
        "row_bytes, the timings trcd_ns, tcl_ns, trp_ns, tras_ns, tcwl_ns, twr_ns, channel_gbps "
        "(a line's burst on a channel's data bus), controller_ns, page_policy (open | closed) and "
        "mapping (fields of a line address, most significant first, e.g. "
        "'row:rank:bank:channel:column'). See docs/memory.md.");
    bind_fields(dram, [](auto& x, auto&& v) { visit_dram(x, v); });
    dram.def("validate", &DramConfig::validate, py::arg("path") = "");
    add_common(dram);
    add_field_pickle(dram);

    py::class_<MemoryConfig> mem(m, "MemoryConfig", "Memory controllers and page placement.");
    mem.def_readwrite("model", &MemoryConfig::model,
                      "fixed (latency_ns, bandwidth_gbps) | dram (banks and row buffers: dram)")
        .def_readwrite("latency_ns", &MemoryConfig::latency_ns)
        .def_readwrite("bandwidth_gbps", &MemoryConfig::bandwidth_gbps)
        .def_readwrite("mapping", &MemoryConfig::mapping, "contiguous | random")
        .def_readwrite("numa", &MemoryConfig::numa, "first_touch | interleave")
        .def_readwrite("dram", &MemoryConfig::dram, "the DRAM of memory.model = 'dram'")
        .def("validate", &MemoryConfig::validate, py::arg("path") = "");
    add_common(mem);
    add_field_pickle(mem);

    py::class_<IrqConfig> irq(m, "IrqConfig", "Interrupt controller: IPI costs and local timer.");
    irq.def_readwrite("ipi_send_cycles", &IrqConfig::ipi_send_cycles)
        .def_readwrite("ipi_latency_ns", &IrqConfig::ipi_latency_ns)
        .def_readwrite("ipi_accept_cycles", &IrqConfig::ipi_accept_cycles)
        .def_readwrite("tick_hz", &IrqConfig::tick_hz)
        .def("validate", &IrqConfig::validate, py::arg("path") = "");
    add_common(irq);
    add_field_pickle(irq);

    py::class_<CoreConfig> core(m, "CoreConfig",
                                "A core: miss parallelism (mlp: outstanding load misses, 1 = "
                                "blocking), store buffer entries (0 = stores block), fixed costs.");
    core.def_readwrite("mlp", &CoreConfig::mlp)
        .def_readwrite("store_buffer", &CoreConfig::store_buffer)
        .def_readwrite("atomic_cycles", &CoreConfig::atomic_cycles)
        .def("validate", &CoreConfig::validate, py::arg("path") = "");
    add_common(core);
    add_field_pickle(core);

    py::class_<TlbConfig> tlb(
        m, "TlbConfig",
        "Per-CPU TLB of 4 KiB pages (data and instruction fetches): entries, ways, walk_levels "
        "(page-table levels a miss reads through the data caches) and miss_cycles (fixed cost of "
        "a miss). enabled = False: the idealised machine without translation.");
    bind_fields(tlb, [](auto& x, auto&& v) { visit_tlb(x, v); });
    tlb.def("validate", &TlbConfig::validate, py::arg("path") = "");
    add_common(tlb);
    add_field_pickle(tlb);

    py::class_<MeasureConfig> measure(
        m, "MeasureConfig",
        "Per-migration measurement: ghost (attribute cold misses with a ghost cache), window "
        "(cycles a ghost follows its task at most; 0 = until no live lines). cf_* are set by "
        "smpsim.run(counterfactual=True).");
    bind_fields(measure, [](auto& x, auto&& v) { visit_measure(x, v); });
    measure.def("validate", &MeasureConfig::validate, py::arg("path") = "");
    add_common(measure);
    add_field_pickle(measure);

    py::class_<os::DomainParams> dom(m, "DomainParams",
                                     "One sched-domain level (SD_*_INIT): intervals in ms, "
                                     "cache_hot_time in ns, SD_* flags as booleans.");
    bind_fields(dom, [](auto& d, auto&& v) { os::visit_fields(d, v); });
    dom.def("validate", &os::DomainParams::validate, py::arg("path") = "");
    add_common(dom);
    add_field_pickle(dom);

    py::class_<os::KernelCosts> costs(m, "KernelCosts",
                                      "Straight-line cycles of each kernel primitive, on top of "
                                      "the memory accesses it makes.");
    bind_fields(costs, [](auto& c, auto&& v) { os::visit_costs(c, v); });
    costs.def("validate", &os::KernelCosts::validate, py::arg("path") = "");
    add_common(costs);
    add_field_pickle(costs);

    py::class_<os::SchedPolicy> policy(m, "SchedPolicy", "The era's scheduling policy; every "
                                                         "field may be overridden (ablations).");
    bind_fields(policy, [](auto& x, auto&& v) { os::visit_policy(x, v); });
    policy.def_readwrite("smt", &os::SchedPolicy::smt, "the sibling level")
        .def_readwrite("cpu", &os::SchedPolicy::cpu, "the package level (2.6.24 / 4.7: MC)")
        .def_readwrite("node", &os::SchedPolicy::node,
                       "the level across packages (2.6.10 NODE, 2.6.24 NODE, 4.7 NUMA)")
        .def("validate", &os::SchedPolicy::validate, py::arg("path") = "");
    add_common(policy);
    add_field_pickle(policy);

    py::class_<os::CalibrationConfig> calibration(
        m, "CalibrationConfig",
        "Linux 2.6.16's boot-time migration-cost calibration (calibrate_migration_costs): "
        "enabled, max_cache_size (bytes; -1 = the L2's size, 0 = unknown), migration_factor "
        "(percent), migration_debug (0-2), clock (tsc | jiffies).");
    bind_fields(calibration, [](auto& c, auto&& v) { os::visit_calibration(c, v); });
    calibration.def("validate", &os::CalibrationConfig::validate, py::arg("path") = "");
    add_common(calibration);
    add_field_pickle(calibration);

    py::class_<KernelConfig> kernel(m, "KernelConfig", "Guest kernel (disabled = bare-metal).");
    kernel.def_readwrite("enabled", &KernelConfig::enabled)
        .def_property(
            "era", [](const KernelConfig& k) { return k.era; },
            [](KernelConfig& k, const std::string& e) { k.set_era(e); },
            "linux-2.4.21, linux-2.6.10, linux-2.6.24 or linux-4.7; setting it fills hz and "
            "every policy field with that era's values")
        .def_readwrite("hz", &KernelConfig::hz)
        .def_readwrite("policy", &KernelConfig::policy)
        .def_readwrite("costs", &KernelConfig::costs)
        .def_readwrite("trace", &KernelConfig::trace, "record the kernel event trace")
        .def_readwrite("calibration", &KernelConfig::calibration,
                       "boot-time migration-cost calibration (Linux 2.6.16-2.6.22)")
        .def("validate", &KernelConfig::validate, py::arg("path") = "");
    add_common(kernel);
    add_field_pickle(kernel);

    py::class_<ActionConfig> action(m, "ActionConfig",
                                    "One timed action (use smpsim.actions and cfg.at()).");
    bind_fields(action, [](auto& a, auto&& v) { os::visit_action(a, v); });
    add_common(action);
    add_field_pickle(action);

    py::class_<WorkloadConfig> wl(m, "WorkloadConfig", "A task's program (see smpsim.workloads).");
    wl.def_readwrite("kind", &WorkloadConfig::kind, "the step kind (see smpsim.workloads)")
        .def_property(
            "size", [](const WorkloadConfig& w) { return w.size; },
            [](WorkloadConfig& w, py::handle v) { w.size = size_from_py(v, "size"); },
            "working-set bytes; accepts an int or a string like '256KiB'")
        .def_readwrite("pattern", &WorkloadConfig::pattern,
                       "sequential | strided | random | pointer_chase")
        .def_readwrite("stride", &WorkloadConfig::stride)
        .def_readwrite("access_size", &WorkloadConfig::access_size)
        .def_readwrite("passes", &WorkloadConfig::passes)
        .def_readwrite("write_ratio", &WorkloadConfig::write_ratio)
        .def_readwrite("compute_per_access", &WorkloadConfig::compute_per_access)
        .def_readwrite("base", &WorkloadConfig::base, "virtual base address")
        .def_readwrite("cycles", &WorkloadConfig::cycles, "spin, sleep: duration in cycles")
        .def_readwrite("ns", &WorkloadConfig::ns, "spin, sleep: duration in ns (> 0: used)")
        .def_readwrite("path", &WorkloadConfig::path, "trace: the trace file")
        .def_readwrite("format", &WorkloadConfig::format, "trace: auto | lackey | binary")
        .def_readwrite("steps", &WorkloadConfig::steps,
                       "phases: the steps (a list copy: assign a new list to change it)")
        .def_readwrite("repeat", &WorkloadConfig::repeat, "phases: times the steps run")
        .def_readwrite("cpus", &WorkloadConfig::cpus, "set_affinity: the new allowed CPUs")
        .def_readwrite("label", &WorkloadConfig::label, "mark: the name of the time stamp")
        .def_readwrite("object", &WorkloadConfig::object, "pipe_*, barrier: the object's name")
        .def_readwrite("bytes", &WorkloadConfig::bytes, "pipe_*: bytes per call")
        .def_readwrite("parties", &WorkloadConfig::parties, "barrier: tasks that meet")
        .def(
            "validate", [](const WorkloadConfig& w, const std::string& at) { w.validate(at); },
            py::arg("path") = "");
    add_common(wl);
    add_field_pickle(wl);

    py::class_<TaskConfig> task(m, "TaskConfig", "A user task: name, workload, allowed CPUs.");
    task.def_readwrite("name", &TaskConfig::name)
        .def_readwrite("workload", &TaskConfig::workload)
        .def_readwrite("cpus", &TaskConfig::cpus,
                       "allowed CPUs (a list copy: assign a new list to change it)")
        .def_readwrite("nice", &TaskConfig::nice)
        .def_property(
            "threads_of", [](const TaskConfig& t) { return t.threads_of; },
            [](TaskConfig& t, py::handle v) { t.threads_of = str_or_none(v, "threads_of"); },
            "name of an earlier task whose address space this one shares ('' = its own)")
        .def_property(
            "start_after", [](const TaskConfig& t) { return t.start_after; },
            [](TaskConfig& t, py::handle v) { t.start_after = str_or_none(v, "start_after"); },
            "name of an earlier task that must exit first ('' = start at once)")
        .def_readwrite("forked", &TaskConfig::forked, "created by a Fork action, not at boot");
    add_common(task);
    add_field_pickle(task);

    py::class_<SystemConfig> sys(m, "SystemConfig", "The whole machine and experiment.");
    sys.def_readwrite("name", &SystemConfig::name)
        .def_readwrite("topology", &SystemConfig::topology)
        .def_readwrite("freq_ghz", &SystemConfig::freq_ghz)
        .def_readwrite("l1i", &SystemConfig::l1i)
        .def_readwrite("l1d", &SystemConfig::l1d)
        .def_readwrite("l2", &SystemConfig::l2)
        .def_readwrite("llc", &SystemConfig::llc)
        .def_readwrite("bus", &SystemConfig::bus)
        .def_readwrite("link", &SystemConfig::link)
        .def_readwrite("memory", &SystemConfig::memory)
        .def_readwrite("irq", &SystemConfig::irq)
        .def_readwrite("core", &SystemConfig::core)
        .def_readwrite("tlb", &SystemConfig::tlb)
        .def_readwrite("kernel", &SystemConfig::kernel)
        .def_readwrite("measure", &SystemConfig::measure)
        .def_readwrite("vcd", &SystemConfig::vcd,
                       "also write trace.vcd: per-CPU current task, interrupt lines, bus occupancy")
        .def_readwrite("trace_sample_cycles", &SystemConfig::trace_sample_cycles,
                       "interval (cycles) of the per-CPU miss-rate counters in trace.json and "
                       "samples.csv; 0 = none")
        .def_readwrite("quantum_cycles", &SystemConfig::quantum_cycles)
        .def_readwrite("seed", &SystemConfig::seed)
        .def_readwrite("check", &SystemConfig::check, "invariant checkers on")
        .def_readwrite("warmup", &SystemConfig::warmup,
                       "end of warm-up in cycles (also a time string: '1ms'): stats count from "
                       "here; 0 = none")
        .def_readwrite("watchdog_cycles", &SystemConfig::watchdog_cycles,
                       "cycles without any operation retired while a user task is runnable, or "
                       "with a kernel lock held throughout, after which the run stops with a "
                       "state dump (guest kernel runs); 0 = off")
        .def_property(
            "tasks",
            [](const SystemConfig& c) {
                py::tuple out(c.tasks.size());
                for (std::size_t i = 0; i < c.tasks.size(); ++i)
                    out[i] = py::cast(c.tasks[i]);
                return out;
            },
            [](SystemConfig& c, const py::iterable& items) {
                std::vector<TaskConfig> tasks;
                for (py::handle item : items) {
                    if (!py::isinstance<TaskConfig>(item)) {
                        throw py::type_error("tasks: expected TaskConfig items");
                    }
                    tasks.push_back(item.cast<TaskConfig>());
                }
                c.tasks = std::move(tasks);
            },
            "tuple of TaskConfig copies; change with add_task() or by assigning a list")
        .def_property(
            "actions",
            [](const SystemConfig& c) {
                py::tuple out(c.actions.size());
                for (std::size_t i = 0; i < c.actions.size(); ++i)
                    out[i] = py::cast(c.actions[i]);
                return out;
            },
            [](SystemConfig& c, const py::iterable& items) {
                std::vector<ActionConfig> actions;
                for (py::handle item : items) {
                    if (!py::isinstance<ActionConfig>(item)) {
                        throw py::type_error("actions: expected ActionConfig items");
                    }
                    actions.push_back(item.cast<ActionConfig>());
                }
                c.actions = std::move(actions);
            },
            "tuple of ActionConfig copies; add with cfg.at(time, smpsim.actions.X(...))")
        .def(
            "add_action", [](SystemConfig& c, const ActionConfig& a) { c.actions.push_back(a); },
            py::arg("action"), "Appends one ActionConfig (cfg.at() builds them).")
        .def_property("cores", &SystemConfig::cpus, &set_cores,
                      "number of CPUs; setting it sets topology.cores_per_socket")
        .def("validate", &SystemConfig::validate,
             "Raises ValueError naming the first invalid dotted field and its allowed range.")
        .def(
            "to_json",
            [](const SystemConfig& c, int indent) { return config_to_json(c).dump(indent); },
            py::arg("indent") = 2, "Every field as JSON text (the format of config.json).")
        .def_static(
            "from_json", [](const std::string& text) { return config_from_json_text(text); },
            py::arg("text"),
            "Parses JSON text; a 'preset' key starts from that preset. Unknown keys raise "
            "ValueError naming the dotted path.")
        .def(
            "add_task",
            [](SystemConfig& c, const std::string& name, const WorkloadConfig& workload,
               py::handle cpus, std::int64_t nice, py::handle threads_of, py::handle start_after,
               bool forked) {
                TaskConfig t;
                t.name = name;
                t.workload = workload;
                t.cpus = cpu_list(cpus, c);
                t.nice = nice;
                t.threads_of = str_or_none(threads_of, "threads_of");
                t.start_after = str_or_none(start_after, "start_after");
                t.forked = forked;
                c.tasks.push_back(std::move(t));
            },
            py::arg("name"), py::arg("workload"), py::arg("cpus") = py::none(), py::arg("nice") = 0,
            py::arg("threads_of") = py::none(), py::arg("start_after") = py::none(),
            py::arg("forked") = false,
            "Appends a task. cpus=None allows every CPU of the current topology.")
        .def("__repr__", [](const SystemConfig& c) {
            return "<SystemConfig '" + c.name + "': " + to_text(c.cpus()) + " CPUs (" +
                   to_text(c.topology.sockets) + "x" + to_text(c.topology.cores_per_socket) +
                   "x" + to_text(c.topology.threads_per_core) + ") at " + to_text(c.freq_ghz) +
                   " GHz, " + to_text(c.tasks.size()) + " task(s)>";
        });
    add_common(sys, /*generic_repr=*/false);
    sys.def(py::pickle([](const SystemConfig& c) { return config_to_json(c).dump(); },
                       [](const std::string& s) { return config_from_json_text(s); }));

    bind_traces(m);
    m.def("preset", &preset, py::arg("name"),
          "A named machine preset; an unknown name raises ValueError naming 'preset'.");
    m.def("preset_names", &preset_names, "Names of every preset.");
    m.def(
        "parse_size", [](const std::string& text, const std::string& field) { return parse_size(field, text); },
        py::arg("text"), py::arg("field") = "size", "'32KiB' -> 32768 (B, KiB, MiB, GiB).");
    m.def(
        "simulate",
        [](const SystemConfig& cfg, const std::string& out_dir, std::int64_t until_cycles,
           const std::string& progress_path, std::int64_t progress_every) {
            const SystemConfig copy = cfg; // Python threads may change cfg once the GIL is released
            RunOptions opts;
            opts.out_dir = out_dir;
            opts.until_cycles = until_cycles;
            opts.progress_path = progress_path;
            opts.progress_every = progress_every;
            py::gil_scoped_release release;
            simulate(copy, opts);
        },
        py::arg("cfg"), py::arg("out_dir"), py::arg("until_cycles") = 0,
        py::arg("progress_path") = "", py::arg("progress_every") = 0,
        "Runs one simulation in this process (SystemC allows one per process; smpsim.run uses a "
        "child process). Writes config.json, stats and result.json into out_dir; with "
        "progress_path, also '<cycle> <ops>' there every progress_every simulated cycles.");
    m.def(
        "build_info",
        [] {
            py::dict d;
            d["compiler"] = std::string(__VERSION__);
            d["build_type"] = std::string(SMPSIM_BUILD_TYPE);
            d["profile_guided"] = SMPSIM_PROFILE_GUIDED != 0;
            return d;
        },
        "How this module was compiled (benchmark figures depend on it): the compiler's version, "
        "CMake's build type, and whether it is the profile-guided build (SMPSIM_PGO).");
    m.def(
        "raw_loop",
        [](const SystemConfig& cfg) {
            cfg.validate();
            RawLoopResult r;
            {
                py::gil_scoped_release release;
                r = raw_loop(cfg);
            }
            py::dict d;
            d["accesses"] = r.accesses;
            d["l1_misses"] = r.l1_misses;
            d["l2_misses"] = r.l2_misses;
            d["llc_misses"] = r.llc_misses;
            d["invalidations"] = r.invalidations;
            d["seconds"] = r.seconds;
            return d;
        },
        py::arg("cfg"),
        "The benchmark's raw-loop baseline: cfg's access streams through the same tag arrays and "
        "MESI function, no SystemC, no TLM, no timing (bare metal, each task on its first CPU).");
}
