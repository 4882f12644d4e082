// A set-associative LRU TLB of (address space, virtual page) -> present. Plain C++, no SystemC.
#pragma once

#include "models/common/types.hpp"

#include <cstdint>
#include <vector>

namespace smp {

// Set = virtual page modulo the number of sets. A lookup that hits makes the entry its set's
// most recently used; one that misses fills an invalid way, else the least recently used one.
class Tlb {
public:
    struct Entry {
        std::uint32_t asid = 0;
        Addr vpage = 0;
        std::uint64_t stamp = 0; // last use; 0 = invalid
        bool valid() const { return stamp != 0; }
    };

    Tlb(std::uint32_t entries, std::uint32_t ways);

    // Looks (asid, vpage) up and fills it on a miss; returns whether it hit. On a miss that
    // replaced a valid entry, *evicted (if given) receives it, else an invalid Entry.
    bool access(std::uint32_t asid, Addr vpage, Entry* evicted = nullptr);
    bool contains(std::uint32_t asid, Addr vpage) const;
    void flush();

    // The valid entries of `asid`, least recently used first.
    std::vector<Entry> entries_of(std::uint32_t asid) const;
    std::uint32_t sets() const { return m_sets; }
    std::uint32_t ways() const { return m_ways; }
    std::uint32_t set_of(Addr vpage) const {
        return std::uint32_t(m_pow2 ? vpage & (m_sets - 1) : vpage % m_sets);
    }
    // The entry in (set, way) (tests).
    const Entry& at(std::uint32_t set, std::uint32_t way) const { return m_slots[set * m_ways + way]; }

private:
    std::uint32_t m_sets;
    std::uint32_t m_ways;
    bool m_pow2; // sets a power of two: the set is a mask, not a division
    std::uint64_t m_clock = 0;
    std::vector<Entry> m_slots; // set * ways + way
};

} // namespace smp
