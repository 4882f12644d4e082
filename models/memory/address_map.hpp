// Virtual-to-physical placement of task address spaces and NUMA home nodes. Plain C++.
#pragma once

#include "models/common/types.hpp"

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace smp {

constexpr unsigned kPageBits = 12;

// One address space (a process). Contiguous: a private physical region at (asid+1) << 47, so
// set indices equal virtual ones and spaces never overlap. Random: 4 KiB frames drawn from the
// shared frame pool in first-touch order.
class AddressSpace {
public:
    AddressSpace(std::uint32_t asid, bool random, class FramePool* pool)
        : m_asid(asid), m_random(random), m_pool(pool) {}

    std::uint32_t asid() const { return m_asid; }
    Addr translate(Addr vaddr);

private:
    std::uint32_t m_asid;
    bool m_random;
    class FramePool* m_pool;
    std::unordered_map<Addr, Addr> m_pages; // random: virtual page -> frame
    Addr m_last_vpage = ~Addr(0);
    Addr m_last_frame = 0;
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
    std::unordered_map<Addr, std::uint8_t> m_home;
};

} // namespace smp
