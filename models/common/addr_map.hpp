// Hash map from an address-like 64-bit key to a small value, stored flat. Plain C++.
#pragma once

#include "models/common/types.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace smp {

// Open addressing with linear probing in a power-of-two table, at most 3/4 full; an erase shifts
// the entries after it back (no tombstones). A lookup reads one slot and, while probing, the
// ones next to it, where a node-based map reads a bucket and then a node elsewhere: with large
// simulated systems these tables outgrow the host's caches and each read is a miss.
// Keys are anything but kEmpty. Pointers returned stay valid until the next set or erase.
template <class V> class AddrMap {
public:
    static constexpr Addr kEmpty = ~Addr(0);

    std::size_t size() const { return m_size; }

    V* find(Addr key) {
        if (m_size == 0) return nullptr;
        for (std::size_t i = index(key);; i = (i + 1) & m_mask) {
            if (m_slots[i].key == key) return &m_slots[i].value;
            if (m_slots[i].key == kEmpty) return nullptr;
        }
    }
    const V* find(Addr key) const { return const_cast<AddrMap*>(this)->find(key); }

    // Sets key's value, inserting it if absent.
    void set(Addr key, V value) {
        if ((m_size + 1) * 4 > m_slots.size() * 3) grow();
        std::size_t i = index(key);
        while (m_slots[i].key != key && m_slots[i].key != kEmpty)
            i = (i + 1) & m_mask;
        if (m_slots[i].key == kEmpty) ++m_size;
        m_slots[i] = {key, value};
    }

    // Removes key if present.
    void erase(Addr key) {
        if (m_size == 0) return;
        std::size_t hole = index(key);
        while (m_slots[hole].key != key) {
            if (m_slots[hole].key == kEmpty) return;
            hole = (hole + 1) & m_mask;
        }
        // Each later entry of the run moves into the hole unless its home lies cyclically in
        // (hole, j]: then the hole would sit before its home and a lookup would not find it.
        for (std::size_t j = (hole + 1) & m_mask; m_slots[j].key != kEmpty; j = (j + 1) & m_mask) {
            const std::size_t home = index(m_slots[j].key);
            const bool stays = hole < j ? (hole < home && home <= j) : (hole < home || home <= j);
            if (stays) continue;
            m_slots[hole] = m_slots[j];
            hole = j;
        }
        m_slots[hole].key = kEmpty;
        --m_size;
    }

private:
    struct Slot {
        Addr key = kEmpty;
        V value{};
    };

    // Fibonacci hashing: the top bits of key times 2^64 / phi.
    std::size_t index(Addr key) const {
        return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> m_shift);
    }

    void grow() {
        std::vector<Slot> old;
        old.swap(m_slots);
        const std::size_t cap = old.empty() ? 16 : old.size() * 2;
        m_slots.assign(cap, Slot{});
        m_mask = cap - 1;
        m_shift = 64 - static_cast<unsigned>(__builtin_ctzll(cap));
        m_size = 0;
        for (const Slot& s : old) {
            if (s.key != kEmpty) set(s.key, s.value);
        }
    }

    std::vector<Slot> m_slots;
    std::size_t m_size = 0;
    std::size_t m_mask = 0;
    unsigned m_shift = 64;
};

} // namespace smp
