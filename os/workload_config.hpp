// Description of a task's program (plain data). The generators that turn it into operations are
// in os/workload.hpp; trace replay in workloads/.
#pragma once

#include "models/common/config_error.hpp"
#include "workloads/trace_reader.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace smp {

// A program is one step or a list of steps (kind "phases"), repeated. Kinds:
//   working_set  size/pattern/stride/access_size/passes/write_ratio/compute_per_access/base
//   touch_cache  size/base/passes: the Linux 2.6.16 calibration sweep (2/3 of the lines)
//   spin         cycles (or ns) of compute
//   trace        replay of a memory trace: path, format (auto | lackey | binary)
//   phases       steps, each in turn, the whole list `repeat` times
//   sleep        nanosleep for cycles (or ns)
//   set_affinity sched_setaffinity(0, cpus) on itself
//   wbinvd       write back and invalidate the caches of its CPU
//   clflush      flush the lines of [base, base+size) from every cache
//   mark         record the guest clock under `label` (res.tasks[name]["marks"])
//   pipe_write   write `bytes` from the buffer at base to the pipe named `object` (blocks if full)
//   pipe_read    read `bytes` from the pipe `object` into the buffer at base (blocks if empty)
//   barrier      wait until `parties` tasks have arrived at the barrier `object`
struct WorkloadConfig {
    std::string kind = "working_set";
    // working_set, touch_cache, clflush, pipe buffers
    std::int64_t size = 64 * 1024;    // bytes
    std::string pattern = "sequential"; // sequential | strided | random | pointer_chase
    std::int64_t stride = 64;         // bytes between accesses (sequential uses the access size)
    std::int64_t access_size = 8;     // bytes per access
    std::int64_t passes = 1;          // sweeps over the working set
    double write_ratio = 0.0;         // fraction of accesses that are stores
    std::int64_t compute_per_access = 0; // cycles of compute after each access
    std::int64_t base = 0x10000000;   // virtual base address of the working set
    // spin, sleep
    std::int64_t cycles = 0;
    double ns = 0.0;                  // > 0: the duration in ns instead of cycles
    // trace
    std::string path;
    std::string format = "auto";      // auto | lackey | binary
    // phases
    std::vector<WorkloadConfig> steps;
    std::int64_t repeat = 1;
    // set_affinity
    std::vector<std::int64_t> cpus;
    // mark
    std::string label;
    // pipe_read, pipe_write, barrier
    std::string object;
    std::int64_t bytes = 8;
    std::int64_t parties = 2;

    static const std::vector<std::string>& kinds() {
        static const std::vector<std::string> k = {
            "working_set", "touch_cache", "spin",  "trace",   "phases",     "sleep",     "set_affinity",
            "wbinvd",      "clflush",     "mark",  "pipe_write", "pipe_read", "barrier"};
        return k;
    }
    // Steps that need the guest kernel (a system call that may block or move the task).
    bool needs_kernel() const {
        if (kind == "phases") {
            return std::any_of(steps.begin(), steps.end(),
                               [](const WorkloadConfig& s) { return s.needs_kernel(); });
        }
        return kind == "sleep" || kind == "set_affinity" || kind == "pipe_write" ||
               kind == "pipe_read" || kind == "barrier";
    }

    void validate(const std::string& at) const { validate(at, 0); }

private:
    void validate(const std::string& at, int depth) const {
        const auto& all = kinds();
        if (std::find(all.begin(), all.end(), kind) == all.end()) {
            std::string list;
            for (const auto& k : all) list += (list.empty() ? "" : ", ") + k;
            throw ConfigError(join(at, "kind"), "must be one of " + list + ", got '" + kind + "'");
        }
        constexpr std::int64_t kBig = std::int64_t(1) << 50;
        if (kind == "spin" || kind == "sleep") {
            require_range<std::int64_t>(join(at, "cycles"), cycles, 0, kBig);
            require_range(join(at, "ns"), ns, 0.0, 1e15);
            return;
        }
        if (kind == "trace") {
            if (path.empty()) throw ConfigError(join(at, "path"), "must name a trace file");
            if (format != "auto" && format != "lackey" && format != "binary") {
                throw ConfigError(join(at, "format"),
                                  "must be auto, lackey or binary, got '" + format + "'");
            }
            check_trace_file(join(at, "path"), path, format); // opens; reads the first record
            return;
        }
        if (kind == "phases") {
            if (depth > 8) throw ConfigError(at, "phases nest deeper than 8 levels");
            require_range<std::int64_t>(join(at, "repeat"), repeat, 0, kBig);
            for (std::size_t i = 0; i < steps.size(); ++i)
                steps[i].validate(join(at, "steps[" + to_text(i) + "]"), depth + 1);
            return;
        }
        if (kind == "set_affinity") {
            if (cpus.empty()) throw ConfigError(join(at, "cpus"), "must list at least one CPU");
            return; // the range is checked against the machine by SystemConfig
        }
        if (kind == "mark") {
            if (label.empty()) throw ConfigError(join(at, "label"), "must not be empty");
            return;
        }
        if (kind == "wbinvd") return;
        if (kind == "pipe_write" || kind == "pipe_read" || kind == "barrier") {
            if (object.empty()) throw ConfigError(join(at, "object"), "must name the object");
            if (kind == "barrier") {
                require_range<std::int64_t>(join(at, "parties"), parties, 1, 1 << 20);
                return;
            }
            require_range<std::int64_t>(join(at, "bytes"), bytes, 1, std::int64_t(1) << 30);
        } else {
            require_range<std::int64_t>(join(at, "size"), size, 1, std::int64_t(1) << 40);
        }
        require_range<std::int64_t>(join(at, "base"), base, 0, std::int64_t(1) << 46,
                                    "user virtual addresses are below 2^46");
        if (base + size > (std::int64_t(1) << 47)) {
            throw ConfigError(join(at, "size"), "base + size must stay below 2^47");
        }
        if (kind != "working_set" && kind != "touch_cache") return;
        if (kind == "touch_cache") {
            require_range<std::int64_t>(join(at, "passes"), passes, 0, kBig);
            return;
        }
        if (pattern != "sequential" && pattern != "strided" && pattern != "random" &&
            pattern != "pointer_chase") {
            throw ConfigError(join(at, "pattern"),
                              "must be one of sequential, strided, random, pointer_chase, got '" +
                                  pattern + "'");
        }
        require_range<std::int64_t>(join(at, "access_size"), access_size, 1, 64);
        require_range<std::int64_t>(join(at, "stride"), stride, 1, std::int64_t(1) << 30);
        require_range<std::int64_t>(join(at, "passes"), passes, 0, kBig);
        require_range(join(at, "write_ratio"), write_ratio, 0.0, 1.0);
        require_range<std::int64_t>(join(at, "compute_per_access"), compute_per_access, 0,
                                    std::int64_t(1) << 30);
    }
};

} // namespace smp
