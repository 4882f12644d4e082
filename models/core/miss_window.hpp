// The misses a non-blocking core has in flight (plain C++, no SystemC, no time of its own).
#pragma once

#include "models/common/types.hpp"

#include <cstdint>
#include <vector>

namespace smp {

// Up to `mlp` outstanding load misses (one MSHR each: the line, the cycle its data arrives and the
// id of the access that missed) and a store buffer of `store_buffer` entries that retire in
// program order (x86-TSO: a store leaves the buffer once it and every older store are done). The
// Core asks what it must wait for and advances its own clock; this class only keeps the cycles.
class MissWindow {
public:
    // What the core must wait for: until `until` (0 = nothing), for the access `seq`.
    struct Wait {
        Cycle until = 0;
        std::uint64_t seq = 0;
    };
    struct Load {
        Addr line = 0;
        Cycle ready = 0;
        std::uint64_t seq = 0;
    };

    MissWindow(unsigned mlp, unsigned store_buffer)
        : m_loads(mlp > 1 ? mlp : 0), m_stores(store_buffer) {}

    bool loads_overlap() const { return !m_loads.empty(); }
    bool stores_buffered() const { return !m_stores.empty(); }

    // A new load miss needs the MSHR that frees first; a wait if it is still busy at `now`.
    Wait load_slot(Cycle now) const {
        const Load& l = earliest();
        return l.ready > now ? Wait{l.ready, l.seq} : Wait{};
    }
    // A load miss issued now into the slot load_slot() named, its data arriving at `ready`.
    void add_load(Addr line, Cycle ready, std::uint64_t seq) {
        Load& l = earliest();
        l = Load{line, ready, seq};
        note(ready);
    }
    // The outstanding miss of `line` still in flight at `now`, if any (a later access merges).
    const Load* in_flight(Addr line, Cycle now) const {
        for (const Load& l : m_loads) {
            if (l.line == line && l.ready > now) return &l;
        }
        return nullptr;
    }

    // A store needs a free entry: when the buffer is full, the oldest entry must retire first.
    Wait store_slot(Cycle now) const {
        if (m_stores.empty() || m_store_count < m_stores.size()) return Wait{};
        const Load& s = m_stores[m_store_head];
        return s.ready > now ? Wait{s.ready, s.seq} : Wait{};
    }
    // A store whose own access completes at `done`; it retires after every older store.
    void add_store(Addr line, Cycle done, std::uint64_t seq, Cycle now) {
        while (m_store_count > 0 && m_stores[m_store_head].ready <= now)
            pop_store();
        if (m_store_count == m_stores.size()) pop_store(); // store_slot() waited for it
        const Cycle ready = done > m_store_last ? done : m_store_last;
        m_stores[(m_store_head + m_store_count) % m_stores.size()] = Load{line, ready, seq};
        ++m_store_count;
        m_store_last = ready;
        note(ready);
    }

    // The first completion after `now` among loads and stores (until 0: nothing in flight).
    Wait next_pending(Cycle now) const {
        Wait w;
        if (m_until <= now) return w;
        auto consider = [&](const Load& l) {
            if (l.ready > now && (w.until == 0 || l.ready < w.until)) w = Wait{l.ready, l.seq};
        };
        for (const Load& l : m_loads)
            consider(l);
        for (std::size_t i = 0; i < m_store_count; ++i)
            consider(m_stores[(m_store_head + i) % m_stores.size()]);
        return w;
    }
    // Whether anything is in flight after `now` (the cheap test before a drain).
    bool busy(Cycle now) const { return m_until > now; }
    // Forgets everything that has completed by `now` (after a drain).
    void settle(Cycle now) {
        while (m_store_count > 0 && m_stores[m_store_head].ready <= now)
            pop_store();
    }

private:
    const Load& earliest() const { return const_cast<MissWindow*>(this)->earliest(); }
    Load& earliest() {
        Load* e = &m_loads.front();
        for (Load& l : m_loads) {
            if (l.ready < e->ready) e = &l;
        }
        return *e;
    }
    void pop_store() {
        m_store_head = (m_store_head + 1) % m_stores.size();
        --m_store_count;
    }
    void note(Cycle ready) {
        if (ready > m_until) m_until = ready;
    }

    std::vector<Load> m_loads;  // the MSHRs (empty: loads block)
    std::vector<Load> m_stores; // the store buffer, a ring (empty: stores block)
    std::size_t m_store_head = 0;
    std::size_t m_store_count = 0;
    Cycle m_store_last = 0; // when the youngest store retires
    Cycle m_until = 0;      // the last completion of anything in flight
};

} // namespace smp
