// Sums a task's user stall cycles over its next `window` and its next `stay` user accesses: the
// windows over which a counterfactual run is compared with the real one. Kernel accesses are not
// counted.
#pragma once

#include "models/common/access_observer.hpp"

#include <cstdint>

namespace smp {

class StallProbe : public AccessObserver {
public:
    StallProbe(std::uint64_t window, std::uint64_t stay) : m_window(window), m_stay(stay) {}

    bool observe(const AccessRecord& a) override {
        if (done()) return false;
        if (a.what == LineKind::User) {
            ++m_accesses;
            if (m_accesses <= m_window) m_window_stall += a.stall;
            if (m_accesses <= m_stay) m_stay_stall += a.stall;
        }
        return !done();
    }
    // A wait for an overlapped user access counts where the task's accesses have got to.
    void observe_wait(const WaitRecord& w) override {
        if (m_accesses <= m_window) m_window_stall += w.to - w.from;
        if (m_accesses <= m_stay) m_stay_stall += w.to - w.from;
    }
    bool done() const { return m_accesses >= m_window && m_accesses >= m_stay; }
    std::uint64_t accesses() const { return m_accesses; }
    std::uint64_t window_stall() const { return m_window_stall; }
    std::uint64_t stay_stall() const { return m_stay_stall; }

private:
    std::uint64_t m_window;
    std::uint64_t m_stay;
    std::uint64_t m_accesses = 0;
    std::uint64_t m_window_stall = 0;
    std::uint64_t m_stay_stall = 0;
};

} // namespace smp
