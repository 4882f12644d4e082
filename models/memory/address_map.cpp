#include "models/memory/address_map.hpp"

namespace smp {

Addr AddressSpace::translate(Addr vaddr) {
    if (!m_random) return ((static_cast<Addr>(m_asid) + 1) << 47) | vaddr;
    const Addr vpage = vaddr >> kPageBits;
    if (vpage != m_last_vpage) {
        auto it = m_pages.find(vpage);
        if (it == m_pages.end()) it = m_pages.emplace(vpage, m_pool->allocate()).first;
        m_last_vpage = vpage;
        m_last_frame = it->second;
    }
    return (m_last_frame << kPageBits) | (vaddr & ((Addr(1) << kPageBits) - 1));
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
    auto it = m_home.find(page);
    return it == m_home.end() ? -1 : int(it->second);
}

unsigned HomeMap::home(Addr paddr, unsigned requester_socket) {
    if (m_sockets == 1) return 0;
    const Addr page = paddr >> kPageBits;
    if (m_interleave) return static_cast<unsigned>(page % m_sockets);
    auto it = m_home.find(page);
    if (it != m_home.end()) return it->second;
    m_home.emplace(page, static_cast<std::uint8_t>(requester_socket));
    return requester_socket;
}

} // namespace smp
