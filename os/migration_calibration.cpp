#include "os/migration_calibration.hpp"

#include <algorithm>
#include <cstdio>

namespace smp::os {

namespace {

// 2.6.20 kernel/sched.c:5693-5756.
constexpr unsigned SEARCH_SCOPE = 2;
constexpr unsigned MIN_CACHE_SIZE = 64 * 1024;
constexpr unsigned DEFAULT_CACHE_SIZE = 5 * 1024 * 1024;
constexpr unsigned SIZE_THRESH = 130;
constexpr unsigned long long COST_THRESH = 130;
constexpr int MIGRATION_FACTOR_SCALE = 128;

// include/linux/kernel.h's abs(): evaluated in an int.
long long kabs(long long x) {
    const int v = static_cast<int>(x);
    return v < 0 ? -static_cast<long long>(v) : v;
}

// measure_migration_cost's search range: [max(L2/2, 64K), max(2 L2, 64K)], or 64K .. 10 MiB
// when max_cache_size is unknown (0).
struct Range {
    unsigned first, last;
};
Range search_range(unsigned max_cache_size) {
    if (!max_cache_size) return {MIN_CACHE_SIZE, DEFAULT_CACHE_SIZE * SEARCH_SCOPE};
    return {std::max(max_cache_size / SEARCH_SCOPE, MIN_CACHE_SIZE),
            std::max(max_cache_size * SEARCH_SCOPE, MIN_CACHE_SIZE)};
}

std::string format(const char* fmt, long long a, long long b = 0, long long c = 0, long long d = 0,
                   long long e = 0, long long f = 0, long long g = 0, long long h = 0) {
    char buf[160];
    std::snprintf(buf, sizeof buf, fmt, a, b, c, d, e, f, g, h);
    return buf;
}

} // namespace

MigrationCalibration::MigrationCalibration(CalibrationParams p)
    : m_p(std::move(p)), m_all(static_cast<std::size_t>(m_p.ncpus)) {
    m_out.max_cache_size = m_p.max_cache_size;
    for (int c = 0; c < m_p.ncpus; ++c)
        m_all[std::size_t(c)] = c;
}

std::vector<unsigned> MigrationCalibration::grid(unsigned max_cache_size) {
    const Range r = search_range(max_cache_size);
    std::vector<unsigned> out;
    for (unsigned size = r.first; size <= r.last; size = size * 10 / 9)
        out.push_back(size);
    return out;
}

unsigned long long MigrationCalibration::clock_ns(std::int64_t cycles) const {
    // sched_clock(): the TSC scaled to ns, or jiffies_64 * (NSEC_PER_SEC / HZ) without one.
    if (m_p.jiffies_clock) {
        const auto per_jiffy = static_cast<std::int64_t>(m_p.freq_ghz * 1e9 / double(m_p.hz));
        return static_cast<unsigned long long>(cycles / per_jiffy) *
               static_cast<unsigned long long>(1000000000 / m_p.hz);
    }
    return static_cast<unsigned long long>(double(cycles) / m_p.freq_ghz);
}

// calibrate_migration_costs(), first pass: the next pair whose distance has no result yet.
void MigrationCalibration::start_pair() {
    for (;;) {
        if (++m_cpu2 == m_p.ncpus) {
            m_cpu2 = 0;
            if (++m_cpu1 == m_p.ncpus) {
                finish_all();
                return;
            }
        }
        if (m_cpu1 == m_cpu2) continue;
        const int d = m_p.distance(m_cpu1, m_cpu2);
        if (std::size_t(d) >= m_out.migration_cost.size()) m_out.migration_cost.resize(d + 1, -1);
        if (m_out.migration_cost[std::size_t(d)] != -1) continue;
        // measure_migration_cost(cpu1, cpu2): the search range around max_cache_size.
        m_level = CalibrationLevel{};
        m_level.distance = d;
        m_level.cpu1 = m_cpu1;
        m_level.cpu2 = m_cpu2;
        const Range r = search_range(m_p.max_cache_size);
        m_size = r.first;
        m_max_size = r.last;
        m_cost = 0;
        queue_measure_cost();
        return;
    }
}

// measure_cost(cpu1, cpu2, size) with ITERATIONS = 1: a dry run before each timed call.
void MigrationCalibration::queue_measure_cost() {
    const int a = m_cpu1, b = m_cpu2;
    m_calls = {{m_size, a, b, -1}, {m_size, a, b, 0}, {m_size, b, a, -1}, {m_size, b, a, 0},
               {m_size, a, a, -1}, {m_size, a, a, 1}, {m_size, b, b, -1}, {m_size, b, b, 1}};
    m_call = 0;
    m_cost1 = m_cost2 = 0;
    m_step = Step::Flush;
}

void MigrationCalibration::finish_measure_cost() {
    m_cost1 /= 2; // do_div(cost1, 2 * ITERATIONS)
    m_cost2 /= 2;
    const long long prev_cost = m_cost;
    m_cost = static_cast<long long>(m_cost1 - m_cost2);
    CalibrationLevel& l = m_level;
    if (m_cost > 0 && l.max_cost < static_cast<unsigned long long>(m_cost)) {
        l.max_cost = static_cast<unsigned long long>(m_cost);
        l.size_found = m_size;
    }
    const unsigned long long fluct = static_cast<unsigned long long>(kabs(m_cost - prev_cost));
    const unsigned long long avg_fluct =
        ((l.points.empty() ? 0 : l.points.back().avg_fluct) + fluct) / 2;
    l.points.push_back({m_size, m_cost, avg_fluct});
    if (m_p.debug) {
        printk(format("-> [%lld][%lld][%7lld] %3lld.%lld [%3lld.%lld] (%lld): ", m_cpu1, m_cpu2,
                      m_size, long(m_cost) / 1000000, (long(m_cost) / 100000) % 10,
                      long(l.max_cost) / 1000000, (long(l.max_cost) / 100000) % 10, l.distance) +
               format("(%8lld %8lld)", m_cost, static_cast<long long>(avg_fluct)));
    }
    // The early exit, in the kernel's types: long long cost + unsigned long long avg_fluct is
    // unsigned, so a negative sum is never <= 0 and wraps in the product.
    if (l.size_found &&
        m_size * 100ull > l.size_found * static_cast<unsigned long long>(SIZE_THRESH)) {
        const unsigned long long sum = static_cast<unsigned long long>(m_cost) + avg_fluct;
        if (sum <= 0 || l.max_cost * 100 > sum * COST_THRESH) {
            if (m_p.debug) printk("-> found max.");
            finish_pair();
            return;
        }
    }
    m_size = m_size * 10 / 9;
    if (m_size > m_max_size) {
        finish_pair();
        return;
    }
    queue_measure_cost();
}

void MigrationCalibration::finish_pair() {
    CalibrationLevel& l = m_level;
    if (m_p.debug) {
        printk(format("[%lld][%lld] working set size found: %lld, cost: %lld", l.cpu1, l.cpu2,
                      l.size_found, static_cast<long long>(l.max_cost)));
    }
    l.migration_cost = 2 * l.max_cost * static_cast<unsigned long long>(m_p.migration_factor) /
                       MIGRATION_FACTOR_SCALE;
    m_out.migration_cost[std::size_t(l.distance)] = static_cast<long long>(l.migration_cost);
    m_out.levels.push_back(std::move(l));
    start_pair();
}

void MigrationCalibration::finish_all() {
    std::string line = "migration_cost=";
    for (std::size_t d = 0; d < m_out.migration_cost.size(); ++d) {
        if (d) line += ",";
        line += std::to_string(static_cast<long>(m_out.migration_cost[d]) / 1000);
    }
    printk(line);
    m_finished = true;
    m_return_steps = 2; // set_cpus_allowed(orig_cpu), then the saved mask
}

bool MigrationCalibration::emit_sys(Op& op, SysOp what, const std::vector<int>& cpus) {
    op = Op{};
    op.kind = OpKind::Sys;
    op.sys = what;
    if (what == SysOp::SetAffinity) {
        m_cpus = cpus;
        op.cpus = &m_cpus;
    }
    return true;
}

bool MigrationCalibration::next(Op& op) {
    if (!m_started) {
        m_started = true;
        m_pending_clock = 4; // the start of the calibration
        return emit_sys(op, SysOp::Clock);
    }
    if (m_finished) {
        if (m_return_steps == 2) { // NUMA-Q gets confused if init ends on another CPU
            m_return_steps = 1;
            return emit_sys(op, SysOp::SetAffinity, {kBootCpu});
        }
        if (m_return_steps == 1) {
            m_return_steps = 0;
            return emit_sys(op, SysOp::SetAffinity, m_all);
        }
        if (m_return_steps == 0) {
            m_return_steps = -1;
            m_pending_clock = 5; // the end
            return emit_sys(op, SysOp::Clock);
        }
        return false;
    }
    const Call& c = m_calls[m_call];
    switch (m_step) {
    case Step::Flush: // sched_cacheflush() where the thread is
        m_step = Step::ToSource;
        return emit_sys(op, SysOp::Wbinvd);
    case Step::ToSource:
        m_step = Step::T0;
        return emit_sys(op, SysOp::SetAffinity, {c.src});
    case Step::T0:
    case Step::T1:
    case Step::T2:
    case Step::T3: {
        static const Step after[] = {Step::TouchSrc, Step::ToTarget, Step::TouchTgt,
                                     Step::FlushTgt};
        const int k = m_step == Step::T0 ? 0 : m_step == Step::T1 ? 1 : m_step == Step::T2 ? 2 : 3;
        m_pending_clock = k;
        m_step = after[k];
        if (k == 0 || k == 2) m_touch = std::make_unique<TouchCacheSource>(m_p.buffer, c.size, 1);
        return emit_sys(op, SysOp::Clock);
    }
    case Step::TouchSrc:
    case Step::TouchTgt:
        if (m_touch->next(op)) return true;
        m_touch.reset();
        m_step = m_step == Step::TouchSrc ? Step::T1 : Step::T3;
        return next(op);
    case Step::ToTarget:
        m_step = Step::T2;
        return emit_sys(op, SysOp::SetAffinity, {c.tgt});
    case Step::FlushTgt:
        m_step = Step::Restore;
        return emit_sys(op, SysOp::Wbinvd);
    case Step::Restore:
        m_step = Step::Done;
        return emit_sys(op, SysOp::SetAffinity, m_all);
    case Step::Done: {
        const unsigned long long cost = (m_t[1] - m_t[0]) + (m_t[3] - m_t[2]);
        if (m_p.debug >= 2) {
            printk(format("[%lld->%lld]: %8lld %8lld %8lld => %10lld.", c.src, c.tgt,
                          static_cast<long long>(m_t[1] - m_t[0]),
                          static_cast<long long>(m_t[2] - m_t[1]),
                          static_cast<long long>(m_t[3] - m_t[2]), static_cast<long long>(cost)));
        }
        if (c.slot == 0) m_cost1 += cost;
        if (c.slot == 1) m_cost2 += cost;
        m_step = Step::Flush;
        if (++m_call == m_calls.size()) finish_measure_cost();
        return next(op);
    }
    }
    return false;
}

void MigrationCalibration::result(std::int64_t value) {
    if (m_pending_clock < 0) return;
    const int k = m_pending_clock;
    m_pending_clock = -1;
    if (k < 4) {
        m_t[k] = clock_ns(value);
        return;
    }
    if (k == 4) {
        m_out.start_cycle = static_cast<std::uint64_t>(value);
        start_pair();
        return;
    }
    m_out.end_cycle = static_cast<std::uint64_t>(value);
    if (m_p.done) m_p.done(m_out);
}

} // namespace smp::os
