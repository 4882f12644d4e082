#include "models/tlb/tlb.hpp"

#include <algorithm>

namespace smp {

Tlb::Tlb(std::uint32_t entries, std::uint32_t ways)
    : m_sets(std::max(1u, entries / std::max(1u, ways))), m_ways(std::max(1u, ways)),
      m_pow2((m_sets & (m_sets - 1)) == 0), m_slots(std::size_t(m_sets) * m_ways) {}

bool Tlb::access(std::uint32_t asid, Addr vpage, Entry* evicted) {
    Entry* set = &m_slots[std::size_t(set_of(vpage)) * m_ways];
    for (std::uint32_t w = 0; w < m_ways; ++w) {
        Entry& e = set[w];
        if (e.vpage == vpage && e.valid() && e.asid == asid) {
            e.stamp = ++m_clock;
            if (evicted) *evicted = Entry{};
            return true;
        }
    }
    // The victim: the first invalid way, else the least recently used.
    Entry* victim = set;
    for (std::uint32_t w = 0; w < m_ways && victim->valid(); ++w) {
        Entry& e = set[w];
        if (!e.valid() || e.stamp < victim->stamp) victim = &e;
    }
    if (evicted) *evicted = *victim;
    *victim = Entry{asid, vpage, ++m_clock};
    return false;
}

bool Tlb::contains(std::uint32_t asid, Addr vpage) const {
    const Entry* set = &m_slots[std::size_t(set_of(vpage)) * m_ways];
    for (std::uint32_t w = 0; w < m_ways; ++w) {
        if (set[w].valid() && set[w].vpage == vpage && set[w].asid == asid) return true;
    }
    return false;
}

void Tlb::flush() {
    std::fill(m_slots.begin(), m_slots.end(), Entry{});
}

std::vector<Tlb::Entry> Tlb::entries_of(std::uint32_t asid) const {
    std::vector<Entry> out;
    for (const Entry& e : m_slots) {
        if (e.valid() && e.asid == asid) out.push_back(e);
    }
    std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.stamp < b.stamp; });
    return out;
}

} // namespace smp
