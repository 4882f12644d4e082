#include "platform/trace_json.hpp"

#include <algorithm>
#include <cmath>

namespace smp {

namespace {

using nlohmann::json;

struct Clock {
    double freq_ghz;
    // Microseconds, rounded to 0.1 ns so that the text is short and exact across hosts.
    double us(Cycle c) const { return std::round(double(c) / freq_ghz * 10.0) / 1e4; }
};

json event(const char* ph, const std::string& name, const char* cat, double ts, int tid) {
    return {{"ph", ph}, {"name", name}, {"cat", cat}, {"ts", ts}, {"pid", 0}, {"tid", tid}};
}

void add_slices(const Timeline& tl, const Clock& clk, unsigned cpus, json& out) {
    // Runs are in time order per CPU; a run lasts until the CPU's next run or the end.
    std::vector<const Timeline::Run*> open(cpus, nullptr);
    const auto close = [&](const Timeline::Run& r, Cycle end) {
        if (r.pid < 0 || end < r.start) return;
        const bool known = std::size_t(r.pid) < tl.tasks.size();
        const std::string name =
            known ? tl.tasks[std::size_t(r.pid)].name : "pid " + std::to_string(r.pid);
        const char* kind = known ? tl.tasks[std::size_t(r.pid)].kind.c_str() : "user";
        json e = event("X", name, kind, clk.us(r.start), r.cpu);
        e["dur"] = clk.us(end) - clk.us(r.start);
        e["args"] = {{"pid", r.pid}, {"start_cycle", r.start}, {"cycles", end - r.start}};
        out.push_back(std::move(e));
    };
    for (const Timeline::Run& r : tl.runs) {
        if (r.cpu < 0 || unsigned(r.cpu) >= cpus) continue;
        if (open[std::size_t(r.cpu)]) close(*open[std::size_t(r.cpu)], r.start);
        open[std::size_t(r.cpu)] = &r;
    }
    for (const Timeline::Run* r : open) {
        if (r) close(*r, std::max(tl.end, r->start));
    }
}

void add_ipis(const Timeline& tl, const Clock& clk, json& out) {
    for (const Timeline::Ipi& i : tl.ipis) {
        json s = event("i", "IPI " + i.vector + " to cpu" + std::to_string(i.to), "ipi",
                       clk.us(i.sent), i.from);
        s["s"] = "t";
        s["args"] = {{"cycle", i.sent}, {"to", i.to}, {"arrival_cycle", i.arrival}};
        out.push_back(std::move(s));
        if (!i.taken) continue;
        json r = event("i", "IRQ " + i.vector + " from cpu" + std::to_string(i.from), "ipi",
                       clk.us(i.taken), i.to);
        r["s"] = "t";
        r["args"] = {{"cycle", i.taken}, {"from", i.from}, {"arrival_cycle", i.arrival}};
        out.push_back(std::move(r));
    }
}

// Where the arrow of a migration ends: the start of the task's first slice on dst from its first
// run there (the context switch into it completes a little after the scheduler picked it), or,
// when it never ran there, its enqueue.
Cycle arrival(const Timeline& tl, const os::MigrationEvent& m, Cycle left) {
    if (m.t_first_run) {
        for (const Timeline::Run& r : tl.runs) {
            if (r.cpu == m.dst && r.pid == m.task && r.start >= m.t_first_run) return r.start;
        }
    }
    return std::max(left, m.t_first_run ? m.t_first_run : m.t_enqueue);
}

void add_migrations(const Timeline& tl, const std::vector<os::MigrationEvent>& ms,
                    const std::vector<MigrationCost>& costs, const Clock& clk, json& out) {
    for (std::size_t i = 0; i < ms.size(); ++i) {
        const os::MigrationEvent& m = ms[i];
        const Cycle left = m.t_dequeue ? m.t_dequeue : m.t_decision;
        const Cycle arrived = arrival(tl, m, left);
        json args = {{"migration", i},
                     {"task", m.task_name},
                     {"src", m.src},
                     {"dst", m.dst},
                     {"reason", os::reason_name(m.reason)},
                     {"t_decision", m.t_decision},
                     {"t_dequeue", m.t_dequeue},
                     {"t_first_run", m.t_first_run},
                     {"path_cycles", m.path_cycles}};
        if (i < costs.size() && costs[i].ghost) {
            args["cold_misses"] = costs[i].cold.misses;
            args["cold_stall_cycles"] = costs[i].cold.stall_cycles;
        }
        const std::string name = "migrate " + m.task_name;
        json s = event("s", name, "migration", clk.us(left), m.src);
        s["id"] = i;
        s["args"] = args;
        json f = event("f", name, "migration", clk.us(arrived), m.dst);
        f["id"] = i;
        f["bp"] = "e";
        f["args"] = std::move(args);
        out.push_back(std::move(s));
        out.push_back(std::move(f));
    }
}

void add_counters(const Timeline& tl, const Clock& clk, json& out) {
    for (std::size_t c = 0; c < tl.samples.size(); ++c) {
        const std::string name = "cpu" + std::to_string(c) + " miss rate";
        for (const CoreSample& s : tl.samples[c]) {
            const double n = double(s.accesses);
            const Counter l1 = s.accesses - s.served[int(ServedBy::L1)];
            const Counter beyond = l1 - s.served[int(ServedBy::L2)];
            json e = event("C", name, "counter", clk.us(s.start), int(c));
            e["args"] = {{"l1", n ? double(l1) / n : 0.0},
                         {"beyond_l2", n ? double(beyond) / n : 0.0}};
            out.push_back(std::move(e));
        }
    }
}

} // namespace

json chrome_trace(const Timeline& tl, const std::vector<os::MigrationEvent>& migrations,
                  const std::vector<MigrationCost>& costs, double freq_ghz, unsigned cpus,
                  const std::string& name) {
    const Clock clk{freq_ghz};
    json events = json::array();
    events.push_back(
        {{"ph", "M"}, {"name", "process_name"}, {"pid", 0}, {"args", {{"name", name}}}});
    for (unsigned c = 0; c < cpus; ++c) {
        events.push_back({{"ph", "M"},
                          {"name", "thread_name"},
                          {"pid", 0},
                          {"tid", c},
                          {"args", {{"name", "CPU " + std::to_string(c)}}}});
        events.push_back({{"ph", "M"},
                          {"name", "thread_sort_index"},
                          {"pid", 0},
                          {"tid", c},
                          {"args", {{"sort_index", c}}}});
    }
    add_slices(tl, clk, cpus, events);
    add_ipis(tl, clk, events);
    add_migrations(tl, migrations, costs, clk, events);
    add_counters(tl, clk, events);
    return {{"traceEvents", std::move(events)},
            {"displayTimeUnit", "ns"},
            {"otherData", {{"freq_ghz", freq_ghz}, {"end_cycle", tl.end}}}};
}

} // namespace smp
