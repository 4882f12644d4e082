#include "models/memory/address_map.hpp"

#include "models/common/sim_error.hpp"

namespace smp {

Addr AddressSpace::translate_random(Addr vaddr) {
    const Addr vpage = vaddr >> kPageBits;
    if (vpage != m_last_vpage) {
        auto it = m_pages.find(vpage);
        if (it == m_pages.end()) it = m_pages.emplace(vpage, m_pool->allocate()).first;
        m_last_vpage = vpage;
        m_last_frame = it->second;
    }
    return (m_last_frame << kPageBits) | (vaddr & ((Addr(1) << kPageBits) - 1));
}

std::array<Addr, kPageTableLevels> AddressSpace::walk(Addr vaddr) {
    const Addr region = vaddr >> 21;
    if (region != m_walk_region) { // tables in first-touch order, PML4 first
        for (unsigned l = 0; l < kPageTableLevels; ++l) m_walk_tables[l] = table(l, vaddr);
        m_walk_region = region;
    }
    std::array<Addr, kPageTableLevels> out;
    for (unsigned l = 0; l < kPageTableLevels; ++l) {
        const unsigned shift = 39 - 9 * l; // the bits this level's entry index covers
        out[l] = m_walk_tables[l] + ((vaddr >> shift) & 511) * 8;
    }
    return out;
}

// Level 0 is the one PML4; a level-l table covers the 2^(48 - 9 l) bytes around vaddr.
Addr AddressSpace::table(unsigned level, Addr vaddr) {
    const Addr prefix = level == 0 ? 0 : vaddr >> (48 - 9 * level);
    const Addr key = (Addr(level) << 62) | prefix;
    auto it = m_tables.find(key);
    if (it != m_tables.end()) return it->second;
    const Addr offset = Addr(m_tables.size()) << kPageBits;
    if (offset >= kPageTableSpan) {
        throw SimulationError("address space " + std::to_string(m_asid) + " needs more than " +
                              std::to_string(kPageTableSpan >> kPageBits) + " page-table pages");
    }
    const Addr base = kPageTableBase + Addr(m_asid) * kPageTableSpan + offset;
    m_tables.emplace(key, base);
    return base;
}

Addr FramePool::allocate() {
    constexpr Addr kFrames = Addr(1) << 28; // 1 TiB of physical memory
    for (;;) {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        const Addr frame = z % kFrames;
        if (m_used.insert(frame).second) return frame;
    }
}

int HomeMap::home_of(Addr paddr) const {
    if (m_sockets == 1) return 0;
    const Addr page = paddr >> kPageBits;
    if (m_interleave) return static_cast<int>(page % m_sockets);
    const std::uint8_t* home = m_home.find(page);
    return home ? int(*home) : -1;
}

unsigned HomeMap::home(Addr paddr, unsigned requester_socket) {
    if (m_sockets == 1) return 0;
    const Addr page = paddr >> kPageBits;
    if (m_interleave) return static_cast<unsigned>(page % m_sockets);
    if (const std::uint8_t* home = m_home.find(page)) return *home;
    m_home.set(page, static_cast<std::uint8_t>(requester_socket));
    return requester_socket;
}

} // namespace smp
