#include "os/workload.hpp"

#include "workloads/trace_source.hpp"

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
}

std::uint64_t WorkingSetSource::offset_of(std::uint64_t i) {
    const auto asz = static_cast<std::uint64_t>(m_cfg.access_size);
    switch (m_cfg.pattern[0]) {
    case 's': // sequential | strided
        return m_cfg.pattern[1] == 'e' ? i * asz : i * static_cast<std::uint64_t>(m_cfg.stride);
    case 'r':
        return m_rng.below(m_per_pass) * asz;
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
    const bool store = m_cfg.write_ratio > 0.0 &&
                       (m_cfg.write_ratio >= 1.0 || m_rng.unit() < m_cfg.write_ratio);
    op.kind = store ? OpKind::Store : OpKind::Load;
    op.addr = static_cast<Addr>(m_cfg.base) + off;
    std::uint64_t remaining = static_cast<std::uint64_t>(m_cfg.size) - off;
    op.size = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(static_cast<std::uint64_t>(m_cfg.access_size), remaining));
    if (++m_index == m_per_pass) {
        m_index = 0;
        ++m_pass;
    }
    m_compute_pending = m_cfg.compute_per_access > 0;
    return true;
}

bool SpinSource::next(Op& op) {
    if (m_done) return false;
    m_done = true;
    op.kind = OpKind::Compute;
    op.cycles = m_cycles;
    return true;
}

std::unique_ptr<OpSource> make_workload(const WorkloadConfig& cfg, std::uint32_t line_bytes,
                                        std::uint64_t seed) {
    if (cfg.kind == "trace") return make_trace_source(cfg);
    if (cfg.kind == "spin") return std::make_unique<SpinSource>(static_cast<Cycle>(cfg.cycles));
    return std::make_unique<WorkingSetSource>(cfg, line_bytes, seed);
}

} // namespace smp
