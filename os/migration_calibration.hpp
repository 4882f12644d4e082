// Linux 2.6.16-2.6.22's boot-time calibration of the cache-hot time (2.6.20 kernel/sched.c:
// measure_one, measure_cost, measure_migration_cost, calibrate_migration_costs), as the program of
// the calibrating thread: it flushes its CPU's caches (wbinvd), moves itself with
// set_cpus_allowed, reads sched_clock() and runs touch_cache() on the buffer, and decides the
// next step from the times it read. Reference: reproduction-targets.md §2.2.
#pragma once

#include "models/common/op.hpp"
#include "os/workload.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace smp::os {

// One point of the size sweep of one CPU pair (migration_debug's "-> [c1][c2][size]" line).
struct CalibrationPoint {
    unsigned size = 0;  // bytes touched (the 10/9 grid)
    long long cost = 0; // ns: measure_cost(), migrated minus same CPU
    unsigned long long avg_fluct = 0;
};

// measure_migration_cost() of one domain distance: the first CPU pair found at that distance.
struct CalibrationLevel {
    int distance = 0;
    int cpu1 = 0, cpu2 = 0;
    unsigned size_found = 0;               // the size of the largest cost
    unsigned long long max_cost = 0;       // ns
    unsigned long long migration_cost = 0; // ns: 2 * max_cost * factor / 128
    std::vector<CalibrationPoint> points;
};

struct CalibrationResult {
    unsigned max_cache_size = 0;           // bytes: the search range's centre (0: none known)
    std::vector<long long> migration_cost; // ns per domain distance (-1: not measured)
    std::vector<CalibrationLevel> levels;
    std::vector<std::string> log; // what the kernel printed (printk lines)
    std::uint64_t start_cycle = 0, end_cycle = 0;
};

struct CalibrationParams {
    unsigned max_cache_size = 0; // bytes; 0 searches 64 KiB .. 10 MiB as Linux did
    int ncpus = 2;
    std::function<int(int, int)> distance; // domain_distance(cpu1, cpu2)
    double freq_ghz = 2.0;
    std::int64_t hz = 1000;
    bool jiffies_clock = false; // sched_clock() from jiffies (no stable TSC)
    int migration_factor = 128; // of MIGRATION_FACTOR_SCALE (128 = 100 %)
    int debug = 0;              // migration_debug: 1 per size, 2 per measure_one
    Addr buffer = 0x10000000;   // the vmalloc'ed buffer (virtual)
    // Called once when the calibration ends, before the thread's program does.
    std::function<void(const CalibrationResult&)> done;
};

class MigrationCalibration : public OpSource {
public:
    explicit MigrationCalibration(CalibrationParams p);
    bool next(Op& op) override;
    void result(std::int64_t value) override;
    const CalibrationResult& outcome() const { return m_out; }

    // The sizes measure_migration_cost() would try for max_cache_size (the 10/9 integer grid).
    static std::vector<unsigned> grid(unsigned max_cache_size);

private:
    // One step of measure_one().
    enum class Step : std::uint8_t {
        Flush,
        ToSource,
        T0,
        TouchSrc,
        T1,
        ToTarget,
        T2,
        TouchTgt,
        T3,
        FlushTgt,
        Restore,
        Done
    };
    struct Call {
        unsigned size;
        int src, tgt;
        int slot; // -1: dry run; 0: cost1 (migrated); 1: cost2 (same CPU)
    };

    void start_pair();
    void queue_measure_cost();
    void finish_measure_cost();
    void finish_pair();
    void finish_all();
    unsigned long long clock_ns(std::int64_t cycles) const;
    void printk(std::string line) { m_out.log.push_back(std::move(line)); }
    bool emit_sys(Op& op, SysOp what, const std::vector<int>& cpus = {});

    CalibrationParams m_p;
    std::vector<int> m_all; // every CPU: init's cpus_allowed, restored after each measure_one
    CalibrationResult m_out;
    // Where the outer loops are: the pair (cpu1, cpu2), the size of measure_migration_cost.
    int m_cpu1 = 0, m_cpu2 = -1;
    unsigned m_size = 0, m_max_size = 0;
    long long m_cost = 0;
    CalibrationLevel m_level;
    std::vector<Call> m_calls; // the measure_one() calls of the current measure_cost()
    std::size_t m_call = 0;
    unsigned long long m_cost1 = 0, m_cost2 = 0;
    Step m_step = Step::Flush;
    unsigned long long m_t[4] = {};
    int m_pending_clock = -1; // which of t0..t3 the next result() is
    std::unique_ptr<OpSource> m_touch;
    std::vector<int> m_cpus; // the mask of the last set_cpus_allowed (owned for the op)
    bool m_started = false, m_finished = false;
    int m_return_steps = 0; // the moves back to the boot CPU at the end
    static constexpr int kBootCpu = 0; // where init ran the calibration from (orig_cpu)
};

} // namespace smp::os
