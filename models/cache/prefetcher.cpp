#include "models/cache/prefetcher.hpp"

#include <stdexcept>

namespace smp {

PrefetchKind parse_prefetch_kind(const std::string& name) {
    if (name == "none") return PrefetchKind::None;
    if (name == "next_line") return PrefetchKind::NextLine;
    if (name == "stride") return PrefetchKind::Stride;
    throw std::invalid_argument("unknown prefetcher '" + name + "'");
}

Prefetcher::Prefetcher(const PrefetchConfig& cfg, unsigned line_bits)
    : m_kind(parse_prefetch_kind(cfg.kind)), m_degree(cfg.degree), m_distance(cfg.distance),
      m_threshold(static_cast<int>(cfg.confidence)),
      m_page_shift(line_bits < kPrefetchPageBits ? kPrefetchPageBits - line_bits : 0) {
    if (m_kind == PrefetchKind::Stride) m_regions.resize(static_cast<std::size_t>(cfg.table));
}

void Prefetcher::candidates(Addr line, std::int64_t step, std::int64_t first,
                            std::vector<Addr>& out) const {
    const Addr page = page_of(line);
    for (std::int64_t k = first; k < first + m_degree; ++k) {
        const Addr c = line + static_cast<Addr>(step * k); // modular: negative steps wrap back
        if (page_of(c) != page) break; // farther candidates are farther out of the page
        out.push_back(c);
    }
}

void Prefetcher::on_access(Addr line, DemandOutcome outcome, std::vector<Addr>& out) {
    switch (m_kind) {
    case PrefetchKind::None:
        return;
    case PrefetchKind::NextLine:
        if (outcome != DemandOutcome::Hit) candidates(line, 1, m_distance, out);
        return;
    case PrefetchKind::Stride:
        stride_access(line, out);
        return;
    }
}

void Prefetcher::stride_access(Addr line, std::vector<Addr>& out) {
    const Addr page = page_of(line);
    ++m_clock;
    Region* r = nullptr;
    Region* victim = &m_regions[0];
    for (Region& e : m_regions) {
        if (e.used != 0 && e.page == page) {
            r = &e;
            break;
        }
        if (e.used < victim->used) victim = &e; // a free entry (0) first, else the LRU one
    }
    if (!r) { // a new region: no stride known yet
        *victim = Region{page, line, 0, 0, m_clock};
        return;
    }
    r->used = m_clock;
    const std::int64_t delta = static_cast<std::int64_t>(line - r->last);
    if (delta == 0) return; // the same line again (another word of it): nothing to learn
    r->last = line;
    if (delta == r->stride) {
        if (r->confidence < m_threshold) ++r->confidence;
    } else { // a new stride starts over: one break of the pattern loses all confidence
        r->stride = delta;
        r->confidence = 0;
    }
    if (r->confidence >= m_threshold) candidates(line, r->stride, m_distance, out);
}

int Prefetcher::confidence_of(Addr line) const {
    for (const Region& e : m_regions) {
        if (e.used != 0 && e.page == page_of(line)) return e.confidence;
    }
    return -1;
}

} // namespace smp
