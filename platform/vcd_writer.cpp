#include "platform/vcd_writer.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace smp {

namespace {

struct Change {
    std::uint64_t ps;
    std::size_t signal;
    std::string value;
};

// Short printable identifiers: !, ", ... then two characters.
std::string vcd_id(std::size_t i) {
    std::string id;
    do {
        id += char(33 + i % 94);
        i /= 94;
    } while (i > 0);
    return id;
}

std::string binary(int v) {
    if (v < 0) return "bx";
    std::string bits;
    for (unsigned u = unsigned(v); u; u >>= 1)
        bits.insert(bits.begin(), char('0' + (u & 1)));
    return "b" + (bits.empty() ? std::string("0") : bits);
}

} // namespace

std::string vcd_text(const Timeline& tl, double freq_ghz, unsigned cpus) {
    const auto ps = [freq_ghz](Cycle c) {
        return std::uint64_t(std::llround(double(c) * 1000.0 / freq_ghz));
    };
    // Signals in scope order: cpuN task and irq, then busN busy.
    const bool irqs = !tl.irq_edges.empty();
    std::vector<std::string> names;
    std::vector<std::string> initial;
    std::vector<std::size_t> task_sig(cpus), irq_sig(cpus);
    for (unsigned c = 0; c < cpus; ++c) {
        task_sig[c] = names.size();
        names.push_back("cpu" + std::to_string(c) + " task");
        initial.push_back("bx");
        if (!irqs) continue;
        irq_sig[c] = names.size();
        names.push_back("cpu" + std::to_string(c) + " irq");
        initial.push_back("0");
    }
    std::vector<Change> changes;
    for (const Timeline::Run& r : tl.runs) {
        if (r.cpu >= 0 && unsigned(r.cpu) < cpus)
            changes.push_back({ps(r.start), task_sig[std::size_t(r.cpu)], binary(r.pid)});
    }
    // Interrupt line per CPU: the level at the end of each cycle that has edges.
    for (unsigned c = 0; irqs && c < cpus && c < tl.irq_edges.size(); ++c) {
        auto edges = tl.irq_edges[c];
        std::stable_sort(edges.begin(), edges.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        int pending = 0;
        bool level = false;
        for (std::size_t i = 0; i < edges.size(); ++i) {
            pending = std::max(0, pending + edges[i].second);
            if (i + 1 < edges.size() && edges[i + 1].first == edges[i].first) continue;
            if ((pending > 0) != level) {
                level = pending > 0;
                changes.push_back({ps(edges[i].first), irq_sig[c], level ? "1" : "0"});
            }
        }
    }
    for (std::size_t b = 0; b < tl.bus_busy.size(); ++b) {
        const std::size_t sig = names.size();
        names.push_back("bus" + std::to_string(b) + " busy");
        initial.push_back("0");
        for (const auto& [start, end] : tl.bus_busy[b]) {
            changes.push_back({ps(start), sig, "1"});
            changes.push_back({ps(end), sig, "0"});
        }
    }
    std::stable_sort(changes.begin(), changes.end(),
                     [](const Change& a, const Change& b) { return a.ps < b.ps; });

    std::ostringstream os;
    os << "$version smpsim $end\n$timescale 1ps $end\n$scope module system $end\n";
    std::string scope;
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string module = names[i].substr(0, names[i].find(' '));
        const std::string var = names[i].substr(names[i].find(' ') + 1);
        if (module != scope) {
            if (!scope.empty()) os << "$upscope $end\n";
            os << "$scope module " << module << " $end\n";
            scope = module;
        }
        const bool wide = var == "task";
        os << "$var " << (wide ? "integer 32 " : "wire 1 ") << vcd_id(i) << ' ' << var << " $end\n";
    }
    if (!scope.empty()) os << "$upscope $end\n";
    os << "$upscope $end\n$enddefinitions $end\n#0\n$dumpvars\n";
    for (std::size_t i = 0; i < names.size(); ++i) {
        os << initial[i] << (initial[i].size() > 1 ? " " : "") << vcd_id(i) << '\n';
    }
    os << "$end\n";
    std::uint64_t t = 0;
    for (const Change& ch : changes) {
        if (ch.ps != t) {
            os << '#' << ch.ps << '\n';
            t = ch.ps;
        }
        os << ch.value << (ch.value.size() > 1 ? " " : "") << vcd_id(ch.signal) << '\n';
    }
    if (ps(tl.end) > t) os << '#' << ps(tl.end) << '\n';
    return os.str();
}

} // namespace smp
