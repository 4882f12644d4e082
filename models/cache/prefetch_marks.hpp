// Bookkeeping of the lines a prefetch brought into a cache (no SystemC logic; ServedBy is the
// TLM extension's enum).
#pragma once

#include "models/common/mem_payload.hpp"
#include "models/common/types.hpp"

#include <cstdint>
#include <vector>

namespace smp {

// Lines a prefetch brought in and no request has used yet, per slot (set * ways + way), with
// when their data arrives (or arrived), how long their trip below took and who supplied them.
class PrefetchMarks {
public:
    struct Mark {
        bool on = false;
        Cycle ready = 0;                  // cycle the prefetch's data reaches this level
        Cycle trip = 0;                   // cycles from the prefetch's issue to `ready`
        ServedBy from = ServedBy::Memory; // who supplied the prefetch's data
    };
    explicit PrefetchMarks(std::size_t slots = 0) : m_marks(slots) {}

    void mark(std::size_t slot, Cycle ready, Cycle trip, ServedBy from) {
        if (!m_marks[slot].on) ++m_resident;
        m_marks[slot] = {true, ready, trip, from};
    }
    bool marked(std::size_t slot) const { return m_marks[slot].on; }
    // Clears the slot's mark and returns it (on == false if there was none).
    Mark take(std::size_t slot) {
        const Mark m = m_marks[slot];
        if (m.on) --m_resident;
        m_marks[slot] = {};
        return m;
    }
    // Marked lines present now (brought in by a prefetch, not used yet).
    std::uint64_t resident() const { return m_resident; }

private:
    std::vector<Mark> m_marks;
    std::uint64_t m_resident = 0;
};

} // namespace smp
