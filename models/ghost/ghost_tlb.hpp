// What a migrated task's TLB would hold had it stayed: the source TLB's entries of its address
// space, in their LRU order, following the task's own translations. Plain C++, no SystemC.
#pragma once

#include "models/common/access_observer.hpp"
#include "models/tlb/tlb.hpp"

#include <cstdint>
#include <unordered_set>

namespace smp {

// The source core's TLB and the task's address space (tlb == nullptr: no TLB to follow).
struct TlbSource {
    const Tlb* tlb = nullptr;
    std::uint32_t asid = 0;
};

// An entry copied from the source is live until the task translates its page (then, if the real
// TLB missed, that miss was migration-induced: TLB-cold) or the copy evicts it (the miss would
// have happened anyway).
class GhostTlb {
public:
    GhostTlb(const Tlb& source, std::uint32_t asid) : m_tlb(source.sets() * source.ways(), source.ways()) {
        for (const Tlb::Entry& e : source.entries_of(asid)) { // least recently used first
            m_tlb.access(asid, e.vpage);
            m_live.insert(e.vpage);
        }
        footprint = m_live.size();
    }

    // Follows one translation; returns whether it was TLB-cold.
    bool translate(const TranslationRecord& t) {
        Tlb::Entry evicted;
        const bool hit = m_tlb.access(t.asid, t.vpage, &evicted);
        if (evicted.valid() && m_live.erase(evicted.vpage)) ++lost;
        const bool was_live = hit && m_live.erase(t.vpage) > 0;
        return was_live && !t.hit;
    }
    std::uint64_t live() const { return m_live.size(); }

    std::uint64_t footprint = 0; // entries copied
    std::uint64_t lost = 0;      // live entries evicted before the task used them

private:
    Tlb m_tlb;
    std::unordered_set<Addr> m_live; // virtual pages
};

} // namespace smp
