#include "platform/run.hpp"

#include "models/common/sim_error.hpp"
#include "platform/bare_metal.hpp"
#include "platform/checker.hpp"
#include "platform/config_json.hpp"
#include "platform/guest.hpp"
#include "platform/system.hpp"
#include "platform/trace_json.hpp"
#include "platform/vcd_writer.hpp"
#include "workloads/trace_source.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <sys/resource.h>
#include <systemc>

namespace smp {

namespace {

void write_text(const std::filesystem::path& p, const std::string& text) {
    std::ofstream f(p, std::ios::binary);
    if (!f) throw SimulationError("cannot write " + p.string());
    f << text;
}

// A kernel log line as dmesg prints it: "[    0.104000] migration_cost=19".
std::string dmesg_line(std::uint64_t cycle, double ghz, const std::string& line) {
    const double s = double(cycle) / (ghz * 1e9);
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "[%5lu.%06lu] ", static_cast<unsigned long>(s),
                  static_cast<unsigned long>((s - std::floor(s)) * 1e6));
    return stamp + line;
}

nlohmann::json calibration_json(const os::CalibrationResult& c, double ghz) {
    nlohmann::json levels = nlohmann::json::array();
    for (const os::CalibrationLevel& l : c.levels) {
        nlohmann::json points = nlohmann::json::array();
        for (const os::CalibrationPoint& p : l.points)
            points.push_back(
                {{"size", p.size}, {"cost_ns", p.cost}, {"avg_fluct_ns", p.avg_fluct}});
        levels.push_back({{"distance", l.distance},
                          {"cpu1", l.cpu1},
                          {"cpu2", l.cpu2},
                          {"size_found", l.size_found},
                          {"max_cost_ns", l.max_cost},
                          {"migration_cost_ns", l.migration_cost},
                          {"points", points}});
    }
    std::vector<long long> us;
    for (long long ns : c.migration_cost)
        us.push_back(static_cast<long>(ns) / 1000);
    return {{"max_cache_size", c.max_cache_size},
            {"migration_cost_ns", c.migration_cost},
            {"migration_cost_us", us},
            {"levels", levels},
            {"start_cycle", c.start_cycle},
            {"end_cycle", c.end_cycle},
            {"seconds", double(c.end_cycle - c.start_cycle) / (ghz * 1e9)}};
}

nlohmann::json task_json(const TaskResult& t) {
    nlohmann::json served;
    for (int i = 0; i < kNumServedBy; ++i)
        served[served_by_name(static_cast<ServedBy>(i))] = t.served[i];
    return {{"cpu", t.cpu},
            {"start_cycle", t.start_cycle},
            {"end_cycle", t.end_cycle},
            {"cycles", t.cycles},
            {"ops", t.ops},
            {"accesses", t.accesses},
            {"l1_misses", t.l1_misses},
            {"stall_cycles", t.stall_cycles},
            {"served", served},
            {"exited", t.exited},
            {"started", t.started},
            {"migrations", t.migrations},
            {"switches", t.switches},
            {"tlb_misses", t.tlb_misses},
            {"walk_cycles", t.walk_cycles},
            {"marks", t.marks}};
}

nlohmann::json cold_json(const MigrationCost& c) {
    const ColdCost& k = c.cold;
    nlohmann::json by_level, stall_by_level, served, by_kind;
    for (int i = 0; i < kNumGhostLevels; ++i) {
        const char* n = ghost_level_name(static_cast<GhostLevel>(i));
        by_level[n] = k.misses_by_level[i];
        stall_by_level[n] = k.stall_by_level[i];
    }
    for (int i = 0; i < kNumServedBy; ++i) {
        served[served_by_name(static_cast<ServedBy>(i))] = k.misses_by_served[i];
    }
    for (int i = 0; i < kNumLineKinds; ++i) {
        by_kind[line_kind_name(static_cast<LineKind>(i))] = {
            {"misses", k.misses_by_kind[i]},
            {"stall_cycles", k.stall_by_kind[i]},
            {"shift_stall_cycles", k.shift_by_kind[i]},
            {"prefetch_hidden", k.prefetch_hidden_by_kind[i]},
            {"prefetch_hidden_stall_cycles", k.prefetch_hidden_stall_by_kind[i]},
            {"migration_stall_cycles", std::int64_t(k.stall_by_kind[i]) + k.shift_by_kind[i] +
                                           std::int64_t(k.prefetch_hidden_stall_by_kind[i])}};
    }
    return {{"footprint_lines", k.footprint_lines},
            {"cold_misses", k.misses},
            {"cold_stall_cycles", k.stall_cycles},
            {"shift_stall_cycles", k.shift_stall},
            {"migration_stall_cycles",
             std::int64_t(k.stall_cycles) + k.shift_stall + std::int64_t(k.prefetch_hidden_stall)},
            {"cold_misses_by_level", by_level},
            {"cold_stall_by_level", stall_by_level},
            {"cold_served", served},
            {"cold_by_kind", by_kind},
            {"tlb_footprint", k.tlb_footprint},
            {"tlb_cold_misses", k.tlb_cold_misses},
            {"tlb_cold_walk_cycles", k.tlb_cold_walk_cycles},
            {"prefetch_hidden", k.prefetch_hidden},
            {"prefetch_hidden_cycles", k.prefetch_hidden_cycles},
            {"prefetch_hidden_stall_cycles", k.prefetch_hidden_stall},
            {"prefetch_eased", k.prefetch_eased},
            {"prefetch_eased_cycles", k.prefetch_eased_cycles},
            {"ghost",
             {{"lines_touched", k.lines_touched},
              {"lines_lost", k.lines_lost},
              {"tlb_entries_lost", k.tlb_entries_lost},
              {"accesses", k.accesses},
              {"shifted", k.shifted},
              {"start", k.start},
              {"end", k.end},
              {"window_user_accesses", k.window_user_accesses},
              {"window_user_stall_cycles", k.window_user_stall},
              {"ended", ghost_end_name(k.ended)}}}};
}

// The kernel primitives charged on a migration's path (whole path), by KernelCosts field.
nlohmann::json path_calls_json(const os::MigrationEvent& m) {
    nlohmann::json j = nlohmann::json::object();
    for (unsigned k = 0; k < m.path_calls.size(); ++k) {
        if (m.path_calls[k]) j[os::cost_name(os::Cost(k))] = m.path_calls[k];
    }
    return j;
}

nlohmann::json migration_json(const os::MigrationEvent& m, const MigrationCost& c) {
    nlohmann::json j = {{"task", m.task_name},
                        {"src", m.src},
                        {"dst", m.dst},
                        {"reason", os::reason_name(m.reason)},
                        {"reason_detail", m.reason_detail},
                        {"mechanism", m.mechanism},
                        {"kernel_hot", m.kernel_hot},
                        {"since_ran_ns", m.since_ran_ns},
                        {"t_decision", m.t_decision},
                        {"t_dequeue", m.t_dequeue},
                        {"t_enqueue", m.t_enqueue},
                        {"t_first_run", m.t_first_run},
                        {"suppressed", m.suppressed},
                        {"ipis", m.ipis},
                        {"rq_lock_wait_cycles", m.rq_lock_wait_cycles},
                        {"path_cycles", m.path_cycles},
                        {"path_cycles_by_cpu", m.path_cycles_by_cpu},
                        {"path_split",
                         {{"budget", m.split.budget},
                          {"memory", m.split.memory},
                          {"ipi", m.split.ipi},
                          {"spin", m.split.spin}}},
                        {"path_moves", m.path_moves},
                        {"path_calls", path_calls_json(m)},
                        {"stay_accesses", c.stay_accesses},
                        {"stay_user_stall_cycles", c.stay_user_stall}};
    const nlohmann::json cold = cold_json(c);
    for (const auto& [k, v] : cold.items())
        j[k] = c.ghost ? v : nullptr; // null: not measured
    return j;
}

std::string migrations_csv(const std::vector<os::MigrationEvent>& ms,
                           const std::vector<MigrationCost>& costs) {
    std::ostringstream os;
    os << "task,src,dst,reason,reason_detail,mechanism,kernel_hot,since_ran_ns,"
          "t_decision,t_dequeue,t_enqueue,t_first_run,ipis,rq_lock_wait_cycles,path_cycles,path_"
          "budget_cycles,path_memory_cycles,"
          "path_ipi_cycles,path_spin_cycles,footprint_lines,cold_misses,cold_stall_cycles,"
          "shift_stall_cycles,cold_misses_l1i,cold_misses_l1d,cold_misses_l2,ghost_end,"
          "stay_accesses,stay_user_stall_cycles,"
          "tlb_cold_misses,tlb_cold_walk_cycles,prefetch_hidden,prefetch_hidden_cycles\n";
    for (std::size_t i = 0; i < ms.size(); ++i) {
        const os::MigrationEvent& m = ms[i];
        const MigrationCost& c = costs[i];
        os << m.task_name << ',' << m.src << ',' << m.dst << ',' << os::reason_name(m.reason) << ','
           << m.reason_detail << ',' << m.mechanism << ',' << m.kernel_hot << ',' << m.since_ran_ns
           << ',' << m.t_decision << ',' << m.t_dequeue << ',' << m.t_enqueue << ','
           << m.t_first_run << ',' << m.ipis << ',' << m.rq_lock_wait_cycles << ',' << m.path_cycles
           << ',' << m.split.budget << ',' << m.split.memory << ',' << m.split.ipi << ','
           << m.split.spin << ',';
        if (c.ghost) {
            const ColdCost& k = c.cold;
            os << k.footprint_lines << ',' << k.misses << ',' << k.stall_cycles << ','
               << k.shift_stall << ',' << k.misses_by_level[0] << ',' << k.misses_by_level[1] << ','
               << k.misses_by_level[2] << ',' << ghost_end_name(k.ended);
        } else {
            os << ",,,,,,,";
        }
        os << ',' << c.stay_accesses << ',' << c.stay_user_stall << ',';
        if (c.ghost) {
            os << c.cold.tlb_cold_misses << ',' << c.cold.tlb_cold_walk_cycles << ','
               << c.cold.prefetch_hidden << ',' << c.cold.prefetch_hidden_cycles;
        } else {
            os << ",,,";
        }
        os << '\n';
    }
    return os.str();
}

// gem5-like: one stat a line, value, and its description after '#'.
std::string stats_text(const RunResult& r) {
    std::map<std::string, std::pair<std::uint64_t, std::string>> rows;
    rows["sim_cycles"] = {r.sim_cycles, "simulated cycles (the last CPU's local time at the end)"};
    rows["sim_ops"] = {r.ops, "operations executed on all CPUs"};
    for (const auto& [k, v] : r.stats) {
        const auto d = r.stat_descriptions.find(k);
        rows[k] = {v, d == r.stat_descriptions.end() ? std::string() : d->second};
    }
    std::size_t width = 0, vwidth = 0;
    for (const auto& [k, v] : rows) {
        width = std::max(width, k.size());
        vwidth = std::max(vwidth, std::to_string(v.first).size());
    }
    std::ostringstream txt;
    txt << "---------- Begin Simulation Statistics ----------\n";
    for (const auto& [k, v] : rows) {
        txt << std::left << std::setw(int(width) + 2) << k << std::right << std::setw(int(vwidth))
            << v.first << "  # " << v.second << '\n';
    }
    txt << "---------- End Simulation Statistics   ----------\n";
    return txt.str();
}

// Per CPU and interval: accesses by where they were served (the trace's counters, raw).
std::string samples_csv(const Timeline& tl) {
    std::ostringstream os;
    os << "cpu,start_cycle,accesses";
    for (int i = 0; i < kNumServedBy; ++i)
        os << ',' << served_by_name(static_cast<ServedBy>(i));
    os << '\n';
    for (std::size_t c = 0; c < tl.samples.size(); ++c) {
        for (const CoreSample& s : tl.samples[c]) {
            os << c << ',' << s.start << ',' << s.accesses;
            for (int i = 0; i < kNumServedBy; ++i)
                os << ',' << s.served[i];
            os << '\n';
        }
    }
    return os.str();
}

void write_outputs(const std::string& dir, const SystemConfig& cfg, const RunResult& r) {
    namespace fs = std::filesystem;
    fs::create_directories(dir);
    const fs::path out(dir);
    write_text(out / "config.json", config_to_json(cfg).dump(2) + "\n");
    nlohmann::json stats(r.stats);
    write_text(out / "stats.json", stats.dump(2) + "\n");
    write_text(out / "stats.txt", stats_text(r));
    nlohmann::json tasks = nlohmann::json::object();
    for (const auto& t : r.tasks)
        tasks[t.name] = task_json(t);
    nlohmann::json migrations = nlohmann::json::array();
    for (std::size_t i = 0; i < r.migrations.size(); ++i) {
        migrations.push_back(migration_json(r.migrations[i], r.costs[i]));
    }
    nlohmann::json actions = nlohmann::json::array();
    for (const auto& a : r.actions) {
        actions.push_back({{"kind", a.kind},
                           {"task", a.task},
                           {"at", a.at},
                           {"executed", a.executed},
                           {"cpu", a.cpu},
                           {"result", a.result},
                           {"message", a.message}});
    }
    nlohmann::json res = {{"sim_cycles", r.sim_cycles},
                          {"stats_since", r.stats_since},
                          {"host_seconds", r.host_seconds},
                          {"peak_rss_kb", r.peak_rss_kb},
                          {"ops", r.ops},
                          {"tasks", tasks},
                          {"migrations", migrations},
                          {"actions", actions},
                          {"stats", stats}};
    if (!r.kernel_log.empty()) {
        nlohmann::json log = nlohmann::json::array();
        for (const auto& [cycle, line] : r.kernel_log)
            log.push_back(dmesg_line(cycle, cfg.freq_ghz, line));
        res["kernel_log"] = log;
    }
    if (r.calibrated) res["calibration"] = calibration_json(r.calibration, cfg.freq_ghz);
    if (r.probe.migration >= 0 || cfg.measure.cf_migration >= 0) {
        res["counterfactual"] = {{"migration", r.probe.migration},
                                 {"task", r.probe.task},
                                 {"resumed", r.probe.resumed},
                                 {"accesses", r.probe.accesses},
                                 {"user_stall_cycles", r.probe.user_stall},
                                 {"stay_user_stall_cycles", r.probe.stay_user_stall},
                                 {"complete", r.probe.complete}};
    }
    write_text(out / "result.json", res.dump(2) + "\n");
    write_text(out / "trace.json", chrome_trace(r.timeline, r.migrations, r.costs, cfg.freq_ghz,
                                                unsigned(cfg.cpus()), cfg.name)
                                           .dump() +
                                       "\n");
    write_text(out / "samples.csv", samples_csv(r.timeline));
    if (cfg.vcd)
        write_text(out / "trace.vcd", vcd_text(r.timeline, cfg.freq_ghz, unsigned(cfg.cpus())));
    if (cfg.kernel.enabled)
        write_text(out / "migrations.csv", migrations_csv(r.migrations, r.costs));
}

void copy_counters(const TaskCounters& c, TaskResult& tr) {
    tr.ops = c.ops;
    tr.accesses = c.accesses;
    tr.l1_misses = c.l1_misses;
    tr.stall_cycles = c.stall_cycles;
    for (int i = 0; i < kNumServedBy; ++i)
        tr.served[i] = c.served[i];
    tr.tlb_misses = c.tlb_misses;
    tr.walk_cycles = c.walk_cycles;
}

void collect_common(System& sys, RunResult& r) {
    // A core may have run ahead of global time by up to a quantum when the run stopped.
    Cycle end = sys.clock().now_cycles();
    for (CpuId c = 0; c < sys.cpus(); ++c)
        end = std::max(end, sys.core(c).local_cycle());
    sys.finish(end);
    r.sim_cycles = end;
    r.stats = sys.stats().snapshot();
    r.stat_descriptions = sys.stats().descriptions();
    r.ops = 0;
    for (CpuId c = 0; c < sys.cpus(); ++c)
        r.ops += sys.core(c).stats.ops;
    r.tasks.clear();
}

std::vector<std::vector<CoreSample>> core_samples(System& sys) {
    std::vector<std::vector<CoreSample>> out;
    for (CpuId c = 0; c < sys.cpus(); ++c)
        out.push_back(sys.core(c).samples());
    return out;
}

void collect_guest(System& sys, GuestMachine& g, RunResult& r) {
    collect_common(sys, r);
    const Cycle end = r.sim_cycles;
    os::Kernel& k = g.kernel();
    for (const auto& tp : k.tasks()) {
        const os::Task& t = *tp;
        if (t.kind != os::TaskKind::User) continue;
        TaskResult tr;
        tr.name = t.comm;
        tr.cpu = t.cpu;
        tr.started = t.started;
        tr.start_cycle = t.start;
        tr.end_cycle = t.exited ? t.end : end;
        tr.cycles = t.started ? tr.end_cycle - t.start : 0;
        copy_counters(g.counters(t.pid), tr);
        tr.exited = t.exited;
        tr.migrations = t.migrations;
        tr.switches = t.switches;
        tr.marks.assign(t.marks.begin(), t.marks.end());
        r.tasks.push_back(tr);
    }
    g.finish(end);
    r.timeline = g.timeline();
    r.timeline.samples = core_samples(sys);
    r.migrations = k.migrations();
    r.costs = g.costs();
    r.kernel_log.assign(k.log().begin(), k.log().end());
    if (const os::CalibrationResult* c = g.calibration()) {
        r.calibrated = true;
        r.calibration = *c;
    }
    r.probe = g.probe();
    r.actions.clear();
    for (std::size_t i = 0; i < k.actions().size(); ++i) {
        const auto& a = k.actions()[i];
        const auto& o = k.action_results()[i];
        r.actions.push_back(ActionOutcome{a.kind, a.task, std::uint64_t(a.at), o.executed, o.cpu,
                                          o.result, o.executed ? o.message : "not performed"});
    }
}

void collect(System& sys, BareMetal& bm, RunResult& r) {
    collect_common(sys, r);
    const Cycle end = r.sim_cycles;
    r.timeline = Timeline{};
    r.timeline.end = end;
    r.timeline.samples = core_samples(sys);
    for (auto& t : bm.tasks()) {
        TaskResult tr;
        tr.name = t.cfg.name;
        tr.cpu = t.cpu;
        tr.start_cycle = t.start;
        tr.end_cycle = t.exited ? t.end : end;
        tr.cycles = t.started ? tr.end_cycle - t.start : 0;
        copy_counters(t.counters, tr);
        tr.exited = t.exited;
        tr.marks = t.marks;
        r.tasks.push_back(tr);
        const int idx = int(r.timeline.tasks.size());
        r.timeline.tasks.push_back({t.cfg.name, "user"});
        if (!t.started) continue;
        r.timeline.runs.push_back({int(t.cpu), idx, t.start});
        if (t.exited) r.timeline.runs.push_back({int(t.cpu), -1, t.end});
    }
}

} // namespace

RunResult simulate(const SystemConfig& cfg, const RunOptions& opts) {
    cfg.validate();
    if (opts.until_cycles < 0) {
        throw ConfigError("until", "must be >= 0 cycles (0 = until every task exits), got " +
                                       to_text(opts.until_cycles));
    }
    // Every trace is read through once before elaboration: a malformed record is a TraceError
    // (ValueError) naming its file and line, not a failure in the middle of the run.
    std::set<std::string> scanned;
    for (const TaskConfig& t : cfg.tasks)
        scan_traces(t.workload, scanned);
    using sc_core::sc_report_handler;
    sc_report_handler::set_actions(sc_core::SC_ERROR, sc_core::SC_THROW);
    sc_report_handler::set_actions(sc_core::SC_FATAL, sc_core::SC_THROW);
    sc_report_handler::set_actions("/IEEE_Std_1666/deprecated", sc_core::SC_DO_NOTHING);

    const auto t0 = std::chrono::steady_clock::now();
    auto sys = std::make_unique<System>(cfg);
    std::unique_ptr<BareMetal> bm;
    std::unique_ptr<GuestMachine> guest;
    if (cfg.kernel.enabled) {
        guest = std::make_unique<GuestMachine>(*sys, cfg);
        guest->register_stats(sys->stats());
    } else {
        bm = std::make_unique<BareMetal>(*sys, cfg);
    }
    // Outputs over time: per-CPU access samples; with cfg.vcd, interrupt edges and bus occupancy.
    std::vector<std::vector<std::pair<Cycle, Cycle>>> bus_busy;
    if (!opts.out_dir.empty()) {
        for (CpuId c = 0; c < sys->cpus(); ++c)
            sys->core(c).sample_every(Cycle(cfg.trace_sample_cycles));
        if (cfg.vcd) {
            const auto buses = sys->buses();
            bus_busy.resize(buses.size());
            for (std::size_t b = 0; b < buses.size(); ++b) {
                buses[b]->set_occupancy_observer([&busy = bus_busy[b]](Cycle start, Cycle end) {
                    if (!busy.empty() && start <= busy.back().second) {
                        busy.back().second = std::max(busy.back().second, end);
                    } else if (end > start) {
                        busy.emplace_back(start, end);
                    }
                });
            }
            if (guest) guest->record_irq_edges();
        }
    }
    CoherenceChecker checker(*sys);
    std::string violation;
    if (cfg.check) {
        checker.watch([&violation, &guest](const std::string& what) {
            violation = what;
            if (guest) violation += "; last kernel events:" + guest->kernel().recent_events();
        });
    }
    if (guest) {
        guest->spawn();
    } else {
        bm->spawn();
    }
    const bool has_tasks = guest ? guest->has_user_tasks() : !bm->tasks().empty();
    // Warm-up: each reset_stats action (and cfg.warmup) moves the stats baseline to its cycle
    // (to within the cores' run-ahead of one quantum); the stats reported are counted from there.
    std::vector<Cycle> resets;
    for (const ActionConfig& a : cfg.actions)
        if (a.kind == "reset_stats") resets.push_back(Cycle(a.at));
    if (cfg.warmup > 0) resets.push_back(Cycle(cfg.warmup));
    std::sort(resets.begin(), resets.end());
    std::map<std::string, Counter> baseline;
    Cycle stats_since = 0;
    const auto reset_stats = [&] {
        baseline = sys->stats().snapshot();
        stats_since = sys->clock().now_cycles();
    };
    // The boot calibration is not the experiment: the stats count from its end.
    if (guest && cfg.kernel.calibration.enabled) guest->on_boot_done(reset_stats);
    if (!resets.empty()) {
        sc_core::sc_spawn(
            [&] {
                for (Cycle at : resets) {
                    const Cycle now = sys->clock().now_cycles();
                    if (at > now) sc_core::wait(sys->clock().cycles(at - now));
                    reset_stats();
                }
            },
            "stats_reset");
    }

    if (!opts.progress_path.empty() && opts.progress_every > 0) {
        sc_core::sc_spawn(
            [&] {
                const std::string tmp = opts.progress_path + ".tmp";
                for (;;) {
                    sc_core::wait(sys->clock().cycles(Cycle(opts.progress_every)));
                    Counter ops = 0;
                    for (CpuId c = 0; c < sys->cpus(); ++c)
                        ops += sys->core(c).stats.ops;
                    if (std::FILE* f = std::fopen(tmp.c_str(), "w")) {
                        std::fprintf(f, "%llu %llu\n",
                                     static_cast<unsigned long long>(sys->clock().now_cycles()),
                                     static_cast<unsigned long long>(ops));
                        std::fclose(f);
                        std::rename(tmp.c_str(), opts.progress_path.c_str());
                    }
                    if (!sc_core::sc_pending_activity()) return; // the run would end here
                }
            },
            "progress");
    }

    RunResult r;
    std::string failure;
    try {
        if (!has_tasks) {
            sc_core::sc_start(sc_core::SC_ZERO_TIME);
        } else if (opts.until_cycles > 0) {
            sc_core::sc_start(sys->clock().cycles(static_cast<Cycle>(opts.until_cycles)));
        } else {
            sc_core::sc_start();
        }
    } catch (const sc_core::sc_report& e) {
        failure = e.what();
    } catch (const std::exception& e) {
        failure = e.what();
    }
    if (failure.empty() && !violation.empty()) failure = violation;
    if (failure.empty() && guest && !guest->failure().empty()) failure = guest->failure();
    const bool all_exited = guest ? guest->kernel().all_user_tasks_exited() : bm->all_exited();
    if (failure.empty() && opts.until_cycles == 0 && !all_exited) {
        failure = "simulation ran out of events at cycle " +
                  std::to_string(sys->clock().now_cycles()) + " before every task exited";
    }
    if (guest) {
        collect_guest(*sys, *guest, r);
    } else {
        collect(*sys, *bm, r);
    }
    r.timeline.bus_busy = std::move(bus_busy);
    for (auto& [name, value] : r.stats) {
        const auto it = baseline.find(name);
        if (it != baseline.end()) value = value >= it->second ? value - it->second : 0;
    }
    r.stats_since = stats_since;
    for (ActionOutcome& a : r.actions) {
        if (a.kind != "reset_stats" || a.at > stats_since || stats_since == 0) continue;
        a.executed = a.at;
        a.message = "stats reset";
    }
    if (failure.empty() && guest && cfg.check) {
        const std::string err = guest->kernel().check_invariants(all_exited);
        if (!err.empty()) failure = "kernel invariant violated at the end of the run: " + err;
    }
    if (failure.empty() && cfg.check) {
        try {
            r.stats["system.check.lines_checked"] = checker.check_all();
            r.stat_descriptions["system.check.lines_checked"] =
                "cache lines whose coherence invariants were checked at the end";
        } catch (const SimulationError& e) {
            failure = e.what();
        }
    }
    r.host_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    struct rusage usage {};
    if (getrusage(RUSAGE_SELF, &usage) == 0) r.peak_rss_kb = std::uint64_t(usage.ru_maxrss);
    // Whatever was computed is kept, also when the run failed.
    if (!opts.out_dir.empty()) write_outputs(opts.out_dir, cfg, r);
    if (!failure.empty()) throw SimulationError(failure);
    return r;
}

} // namespace smp
