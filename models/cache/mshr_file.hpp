// A cache's miss status holding registers: the cycle each becomes free. Plain C++, no SystemC.
#pragma once

#include "models/common/types.hpp"

#include <cstddef>
#include <vector>

namespace smp {

// earliest() is the register free first, the lowest index on a tie; occupy() sets when it frees.
// Misses that complete in the order they were issued (a blocking core's) fill the registers in
// rotation, each freeing later than all the others: then the earliest is the next in rotation and
// needs no search. The first completion out of that order ends the rotation for good, and every
// earliest() searches all the registers; both give the same answer.
class MshrFile {
public:
    explicit MshrFile(std::size_t n) : m_free(n, 0) {}

    std::size_t size() const { return m_free.size(); }
    Cycle free_at(std::size_t i) const { return m_free[i]; }

    std::size_t earliest() const {
        if (m_rotating) return m_next;
        std::size_t best = 0;
        for (std::size_t i = 1; i < m_free.size(); ++i) {
            if (m_free[i] < m_free[best]) best = i;
        }
        return best;
    }

    void occupy(std::size_t i, Cycle until) {
        if (m_rotating) {
            // In rotation, m_next is the earliest and the one before it the latest: the order
            // holds if `until` goes to m_next and is strictly the latest.
            const std::size_t last = m_next == 0 ? m_free.size() - 1 : m_next - 1;
            m_rotating = i == m_next && (m_free.size() == 1 || until > m_free[last]);
            m_next = m_next + 1 == m_free.size() ? 0 : m_next + 1;
        }
        m_free[i] = until;
    }

private:
    std::vector<Cycle> m_free;
    std::size_t m_next = 0; // while rotating: the earliest
    bool m_rotating = true; // all free at 0 in index order: the rotation starts at 0
};

} // namespace smp
