// Shared helpers of the guest-kernel system tests (tests/system/*.cpp): a whole machine with the
// guest kernel, run in this process or in a forked child (SystemC elaborates once per process).
#pragma once

#include "os/kernel.hpp"
#include "platform/guest.hpp"
#include "platform/presets.hpp"
#include "platform/system.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <sys/wait.h>
#include <systemc>
#include <unistd.h>
#include <vector>

namespace smp::test {

using os::Ev;

inline WorkloadConfig working_set(std::int64_t bytes, std::int64_t passes) {
    WorkloadConfig w;
    w.kind = "working_set";
    w.size = bytes;
    w.pattern = "sequential";
    w.access_size = 8;
    w.passes = passes;
    return w;
}

inline WorkloadConfig spin(std::int64_t cycles) {
    WorkloadConfig w;
    w.kind = "spin";
    w.cycles = cycles;
    return w;
}

inline TaskConfig task(const std::string& name, const WorkloadConfig& w, std::vector<std::int64_t> cpus) {
    TaskConfig t;
    t.name = name;
    t.workload = w;
    t.cpus = std::move(cpus);
    return t;
}

inline ActionConfig action(const std::string& kind, std::int64_t at, const std::string& task = "") {
    ActionConfig a;
    a.kind = kind;
    a.at = at;
    a.task = task;
    return a;
}

// A machine with the guest kernel, built in this process.
struct Guest {
    std::unique_ptr<System> sys;
    std::unique_ptr<GuestMachine> g;

    explicit Guest(SystemConfig cfg) {
        sc_core::sc_report_handler::set_actions("/IEEE_Std_1666/deprecated", sc_core::SC_DO_NOTHING);
        cfg.kernel.enabled = true;
        cfg.kernel.trace = true;
        cfg.validate();
        sys = std::make_unique<System>(cfg);
        g = std::make_unique<GuestMachine>(*sys, cfg);
        g->spawn();
    }
    // Runs until every user task has exited, or until `until` cycles.
    void run(Cycle until = 0) {
        if (until) {
            sc_core::sc_start(sys->clock().cycles(until));
        } else {
            sc_core::sc_start();
        }
    }
    os::Kernel& k() { return g->kernel(); }
    int pid(const std::string& name) { return k().find_task(name)->pid; }
    const std::vector<os::TraceEvent>& trace() { return k().trace(); }
    // Index of the first event at or after `from` that matches; -1 if none.
    long find(long from, const std::function<bool(const os::TraceEvent&)>& match) {
        const auto& t = trace();
        for (std::size_t i = std::size_t(from < 0 ? 0 : from); i < t.size(); ++i) {
            if (match(t[i])) return long(i);
        }
        return -1;
    }
    long find(long from, Ev ev, int cpu = -2, int pid = -2, long long a = -2) {
        return find(from, [=](const os::TraceEvent& e) {
            return e.ev == ev && (cpu == -2 || e.cpu == cpu) && (pid == -2 || e.pid == pid) &&
                   (a == -2 || e.a == a);
        });
    }
    // Index of a kernel access by `cpu` to the line named `line` that another cache supplied.
    long xfer(long from, int cpu, const std::string& line) {
        return find(from, [&](const os::TraceEvent& e) {
            return e.ev == Ev::LineXfer && e.cpu == cpu && k().layout().describe(e.addr) == line;
        });
    }
    std::string dump(long from = 0, long to = -1) {
        std::string out;
        const auto& t = trace();
        for (std::size_t i = std::size_t(from); i < t.size() && (to < 0 || long(i) < to); ++i) {
            const auto& e = t[i];
            out += std::to_string(i) + " t=" + std::to_string(e.t) + " " + os::ev_name(e.ev) +
                   " cpu=" + std::to_string(e.cpu) + " pid=" + std::to_string(e.pid) + " a=" +
                   std::to_string(e.a) + " b=" + std::to_string(e.b) +
                   (e.ev == Ev::LineXfer ? " " + k().layout().describe(e.addr) : "") + "\n";
        }
        return out;
    }
};

// Runs fn in a forked child (its own SystemC elaboration) and returns what it wrote.
inline std::string in_child(const std::function<std::string()>& fn) {
    int fds[2];
    if (pipe(fds) != 0) return "pipe failed";
    const pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        std::string out;
        try {
            out = fn();
        } catch (const std::exception& e) {
            out = std::string("exception: ") + e.what();
        }
        std::size_t off = 0;
        while (off < out.size()) {
            const ssize_t n = write(fds[1], out.data() + off, out.size() - off);
            if (n <= 0) break;
            off += std::size_t(n);
        }
        close(fds[1]);
        _exit(0);
    }
    close(fds[1]);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, std::size_t(n));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return out;
}

} // namespace smp::test
