// Virtual-to-physical placement of task address spaces and NUMA home nodes. Plain C++.
#pragma once

#include "models/common/addr_map.hpp"
#include "models/common/types.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace smp {

constexpr unsigned kPageBits = 12;

// Page tables, x86-64 style: 4 levels (PML4, PDPT, PD, PT) of 512 8-byte entries in 4 KiB pages.
// Each address space's table pages take frames of its own slice of a region no user page (the
// contiguous mapping's (asid+1) << 47, the random mapping's frames below 1 TiB) and no kernel
// object (os/layout.hpp: from 1 << 46 up, 256 MiB and a little) ever uses: the upper quarter of
// the kernel's window, [3 << 45, 1 << 47), 256 MiB (65536 table pages) per address space.
constexpr unsigned kPageTableLevels = 4;
constexpr Addr kPageTableBase = Addr(3) << 45;
constexpr Addr kPageTableSpan = Addr(1) << 28;

// One address space (a process). Contiguous: a private physical region at (asid+1) << 47, so
// set indices equal virtual ones and spaces never overlap. Random: 4 KiB frames drawn from the
// shared frame pool in first-touch order.
class AddressSpace {
public:
    AddressSpace(std::uint32_t asid, bool random, class FramePool* pool)
        : m_asid(asid), m_random(random), m_pool(pool) {}

    std::uint32_t asid() const { return m_asid; }
    Addr translate(Addr vaddr) {
        if (!m_random) return ((static_cast<Addr>(m_asid) + 1) << 47) | vaddr; // contiguous
        return translate_random(vaddr);
    }
    // Physical addresses of the page-table entries a walk of vaddr reads, PML4E first. A table
    // page gets the next frame of this space's page-table slice when a walk first needs it.
    std::array<Addr, kPageTableLevels> walk(Addr vaddr);
    // Table pages allocated so far.
    std::size_t table_pages() const { return m_tables.size(); }

private:
    Addr translate_random(Addr vaddr);
    Addr table(unsigned level, Addr vaddr);

    std::uint32_t m_asid;
    bool m_random;
    class FramePool* m_pool;
    std::unordered_map<Addr, Addr> m_pages; // random: virtual page -> frame
    Addr m_last_vpage = ~Addr(0);
    Addr m_last_frame = 0;
    std::unordered_map<Addr, Addr> m_tables; // (level, vaddr prefix) -> table page's address
    Addr m_walk_region = ~Addr(0);           // last walk's 2 MiB region (vaddr >> 21) ...
    std::array<Addr, kPageTableLevels> m_walk_tables{}; // ... and its tables, PML4 first
};

// Deterministic pool of 4 KiB physical frames (random mapping), drawn from a seeded generator.
class FramePool {
public:
    explicit FramePool(std::uint64_t seed) : m_state(seed ^ 0xA0761D6478BD642Full) {}
    Addr allocate();

private:
    std::uint64_t m_state;
    std::unordered_set<Addr> m_used;
};

// NUMA home node of each physical page: first touch (the socket of the first requester) or
// interleaved by page.
class HomeMap {
public:
    HomeMap(unsigned sockets, bool interleave) : m_sockets(sockets), m_interleave(interleave) {}
    unsigned home(Addr paddr, unsigned requester_socket);
    // The home of paddr's page if it has one yet (no side effect); -1 if untouched.
    int home_of(Addr paddr) const;

private:
    unsigned m_sockets;
    bool m_interleave;
    AddrMap<std::uint8_t> m_home; // page -> socket
};

} // namespace smp
