#include "os/workload.hpp"

#include "workloads/trace_source.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace smp {

WorkingSetSource::WorkingSetSource(const WorkloadConfig& cfg, std::uint32_t line_bytes,
                                   std::uint64_t seed)
    : m_cfg(cfg), m_line(line_bytes), m_rng(seed) {
    const auto size = static_cast<std::uint64_t>(cfg.size);
    const auto asz = static_cast<std::uint64_t>(cfg.access_size);
    if (cfg.pattern == "sequential" || cfg.pattern == "random") {
        m_per_pass = (size + asz - 1) / asz;
    } else if (cfg.pattern == "strided") {
        m_per_pass = (size + cfg.stride - 1) / static_cast<std::uint64_t>(cfg.stride);
    } else { // pointer_chase: a single random cycle through all lines (Sattolo's algorithm)
        const std::uint64_t lines = (size + m_line - 1) / m_line;
        m_per_pass = lines;
        std::vector<std::uint32_t> order(lines);
        std::iota(order.begin(), order.end(), 0u);
        for (std::uint64_t i = lines; i > 1; --i) {
            std::uint64_t j = m_rng.below(i - 1);
            std::swap(order[i - 1], order[j]);
        }
        m_chain.assign(lines, 0);
        for (std::uint64_t i = 0; i < lines; ++i) m_chain[order[i]] = order[(i + 1) % lines];
    }
    if (cfg.passes == 0) m_per_pass = 0;
    if (m_per_pass > 0) m_random = Modulus(m_per_pass);
    m_draw = cfg.write_ratio > 0.0 && cfg.write_ratio < 1.0;
    m_all_stores = cfg.write_ratio >= 1.0;
    if (m_draw) m_store_below = static_cast<std::uint64_t>(std::ceil(cfg.write_ratio * 0x1p53));
}

std::uint64_t WorkingSetSource::offset_of(std::uint64_t i) {
    const auto asz = static_cast<std::uint64_t>(m_cfg.access_size);
    switch (m_cfg.pattern[0]) {
    case 's': // sequential | strided
        return m_cfg.pattern[1] == 'e' ? i * asz : i * static_cast<std::uint64_t>(m_cfg.stride);
    case 'r':
        return m_random.of(m_rng.next()) * asz;
    default: { // pointer_chase
        std::uint64_t off = static_cast<std::uint64_t>(m_chase) * m_line;
        m_chase = m_chain[m_chase];
        return off;
    }
    }
}

bool WorkingSetSource::next(Op& op) {
    if (m_compute_pending) {
        m_compute_pending = false;
        op.kind = OpKind::Compute;
        op.cycles = static_cast<Cycle>(m_cfg.compute_per_access);
        return true;
    }
    if (m_per_pass == 0 || m_pass >= static_cast<std::uint64_t>(m_cfg.passes)) return false;
    const std::uint64_t off = offset_of(m_index);
    // pointer_chase: each address is the previous load's data
    emit(op, off, m_draw ? store_coin<true>() : store_coin<false>(), !m_chain.empty());
    m_compute_pending = m_cfg.compute_per_access > 0;
    return true;
}

template <bool Draw> bool WorkingSetSource::store_coin() {
    return Draw ? (m_rng.next() >> 11) < m_store_below : m_all_stores;
}

void WorkingSetSource::emit(Op& op, std::uint64_t off, bool store, bool dep) {
    static constexpr OpKind kKind[2] = {OpKind::Load, OpKind::Store}; // no branch on a coin
    op.kind = kKind[store];
    op.dep = dep;
    op.addr = static_cast<Addr>(m_cfg.base) + off;
    op.size = static_cast<std::uint32_t>(std::min(static_cast<std::uint64_t>(m_cfg.access_size),
                                                  static_cast<std::uint64_t>(m_cfg.size) - off));
    if (++m_index == m_per_pass) {
        m_index = 0;
        ++m_pass;
    }
}

std::size_t WorkingSetSource::next_batch(Op* out, std::size_t max) {
    if (m_cfg.compute_per_access > 0 || !m_chain.empty() || m_per_pass == 0) {
        std::size_t n = 0;
        while (n < max && WorkingSetSource::next(out[n]))
            ++n;
        return n;
    }
    // Accesses only, sequential, strided or random: next()'s steps with the pattern and the
    // store coin decided once per batch, each combination a loop of its own.
    if (m_cfg.pattern[0] == 'r')
        return m_draw ? fill<true, true>(out, max) : fill<true, false>(out, max);
    return m_draw ? fill<false, true>(out, max) : fill<false, false>(out, max);
}

template <bool Random, bool Draw> std::size_t WorkingSetSource::fill(Op* out, std::size_t max) {
    const auto passes = static_cast<std::uint64_t>(m_cfg.passes);
    const auto asz = static_cast<std::uint64_t>(m_cfg.access_size);
    const std::uint64_t step =
        m_cfg.pattern[1] == 'e' ? asz : static_cast<std::uint64_t>(m_cfg.stride);
    std::size_t n = 0;
    for (; n < max && m_pass < passes; ++n) {
        const std::uint64_t off = Random ? m_random.of(m_rng.next()) * asz : m_index * step;
        emit(out[n], off, store_coin<Draw>(), false);
    }
    return n;
}

bool SpinSource::next(Op& op) {
    if (m_done) return false;
    m_done = true;
    op.kind = OpKind::Compute;
    op.cycles = m_cycles;
    return true;
}

TouchCacheSource::TouchCacheSource(Addr base, std::uint64_t size, std::uint64_t passes)
    : m_base(base), m_n(size / 8), m_passes(m_n / 6 ? passes : 0) {
    m_slot = 0; // i = 0: i % 6 == 0 starts at the first candidate
}

std::vector<std::uint64_t> TouchCacheSource::words(std::uint64_t size) {
    std::vector<std::uint64_t> out;
    TouchCacheSource src(0, size, 1);
    Op op;
    while (src.next(op)) {
        if (op.kind == OpKind::Load) out.push_back(op.addr / 8);
    }
    return out;
}

bool TouchCacheSource::next(Op& op) {
    if (m_pass >= m_passes) return false;
    const std::uint64_t i = m_i, n = m_n, c1 = n / 3, c2 = 2 * n / 3;
    const std::uint64_t word[6] = {i, n - 1 - i, c1 - i, c1 + i, c2 - i, c2 + i};
    op.kind = m_store ? OpKind::Store : OpKind::Load;
    op.addr = m_base + word[m_slot] * 8;
    op.size = 8;
    if (!m_store) {
        m_store = true;
        return true;
    }
    m_store = false;
    if (++m_slot == 6) { // the next i, entering the switch at case i % 6
        m_i += 8;
        if (m_i >= n / 6) {
            m_i = 0;
            ++m_pass;
        }
        m_slot = unsigned(m_i % 6);
    }
    return true;
}

bool SysSource::next(Op& op) {
    if (m_done) return false;
    m_done = true;
    op = m_op;
    op.cpus = &m_cpus;
    op.label = &m_label;
    return true;
}

PhasesSource::PhasesSource(const WorkloadConfig& cfg, ProgramEnv env, std::uint64_t seed)
    : m_cfg(cfg), m_env(std::move(env)), m_seed(seed) {}

bool PhasesSource::next(Op& op) {
    for (;;) {
        if (m_current && m_current->next(op)) return true;
        m_current.reset();
        if (m_step == m_cfg.steps.size()) {
            m_step = 0;
            ++m_rep;
        }
        if (m_cfg.steps.empty() || m_rep >= static_cast<std::uint64_t>(m_cfg.repeat)) return false;
        Rng mix(m_seed ^ (m_rep * 0x9E3779B97F4A7C15ull) ^ (m_step * 0xC2B2AE3D27D4EB4Full));
        m_current = make_workload(m_cfg.steps[m_step], m_env, mix.next());
        ++m_step;
    }
}

namespace {

Cycle duration(const WorkloadConfig& cfg, double freq_ghz) {
    if (cfg.ns > 0.0) return static_cast<Cycle>(cfg.ns * freq_ghz + 0.5);
    return static_cast<Cycle>(cfg.cycles);
}

std::unique_ptr<OpSource> make_sys(const WorkloadConfig& cfg, const ProgramEnv& env) {
    Op op;
    op.kind = OpKind::Sys;
    op.addr = static_cast<Addr>(cfg.base);
    std::vector<int> cpus;
    const std::string& k = cfg.kind;
    if (k == "sleep") {
        op.sys = SysOp::Sleep;
        op.cycles = duration(cfg, env.freq_ghz);
    } else if (k == "set_affinity") {
        op.sys = SysOp::SetAffinity;
        for (auto c : cfg.cpus) cpus.push_back(int(c));
    } else if (k == "wbinvd") {
        op.sys = SysOp::Wbinvd;
    } else if (k == "clflush") {
        op.sys = SysOp::Clflush;
        op.size = static_cast<std::uint32_t>(std::min<std::int64_t>(cfg.size, 0xFFFFFFFF));
    } else if (k == "mark") {
        op.sys = SysOp::Mark;
    } else {
        op.sys = k == "pipe_write" ? SysOp::PipeWrite : k == "pipe_read" ? SysOp::PipeRead
                                                                        : SysOp::Barrier;
        op.size = static_cast<std::uint32_t>(cfg.bytes);
        op.obj = env.object ? env.object(cfg.object) : -1;
    }
    return std::make_unique<SysSource>(op, std::move(cpus), cfg.label);
}

} // namespace

std::unique_ptr<OpSource> make_workload(const WorkloadConfig& cfg, const ProgramEnv& env,
                                        std::uint64_t seed) {
    if (cfg.kind == "working_set") return std::make_unique<WorkingSetSource>(cfg, env.line_bytes, seed);
    if (cfg.kind == "spin") return std::make_unique<SpinSource>(duration(cfg, env.freq_ghz));
    if (cfg.kind == "touch_cache") {
        return std::make_unique<TouchCacheSource>(static_cast<Addr>(cfg.base),
                                                  static_cast<std::uint64_t>(cfg.size),
                                                  static_cast<std::uint64_t>(cfg.passes));
    }
    if (cfg.kind == "phases") return std::make_unique<PhasesSource>(cfg, env, seed);
    if (cfg.kind == "trace") return make_trace_source(cfg);
    return make_sys(cfg, env);
}

} // namespace smp
