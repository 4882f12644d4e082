#include "models/ghost/ghost_cache.hpp"

#include <algorithm>

namespace smp {

namespace {

constexpr int kL1I = static_cast<int>(GhostLevel::L1I);
constexpr int kL1D = static_cast<int>(GhostLevel::L1D);
constexpr int kL2 = static_cast<int>(GhostLevel::L2);

ServedBy served_at(int level) {
    return level == kL2 ? ServedBy::L2 : ServedBy::L1;
}

} // namespace

GhostCache::GhostCache(const Source (&levels)[kNumGhostLevels], const Owned& owned, Cycle start,
                       Cycle window, UserLine user, Farther farther, TlbSource tlb)
    : m_window(window), m_user(std::move(user)), m_farther(std::move(farther)) {
    m_cost.start = start;
    if (tlb.tlb) {
        m_tlb.emplace(*tlb.tlb, tlb.asid);
        m_cost.tlb_footprint = m_tlb->footprint;
    }
    std::vector<Addr> mine;
    for (int k = 0; k < kNumGhostLevels; ++k) {
        if (!levels[k].tags) continue;
        Level& l = m_lv[k];
        l.tags.emplace(*levels[k].tags);
        l.live.assign(l.tags->sets() * l.tags->ways(), 0);
        l.latency = levels[k].latency;
        l.inclusive = levels[k].inclusive;
        for (std::uint64_t s = 0; s < l.tags->sets(); ++s) {
            for (std::uint32_t w = 0; w < l.tags->ways(); ++w) {
                const LineInfo& info = l.tags->at(s, w);
                if (info.valid() && owned(info)) mine.push_back(l.tags->line_at(s, w));
            }
        }
    }
    std::sort(mine.begin(), mine.end());
    mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
    // A line is live in every level that holds it, whichever copy the task filled.
    for (Level& l : m_lv) {
        if (!l.tags) continue;
        for (std::uint64_t s = 0; s < l.tags->sets(); ++s) {
            for (std::uint32_t w = 0; w < l.tags->ways(); ++w) {
                const LineInfo& info = l.tags->at(s, w);
                l.live[s * l.tags->ways() + w] =
                    info.valid() &&
                    std::binary_search(mine.begin(), mine.end(), l.tags->line_at(s, w));
            }
        }
    }
    m_live = mine.size();
    m_cost.footprint_lines = m_live;
    if (m_user) {
        for (Addr l : mine)
            m_live_user += m_user(l) ? 1 : 0;
    }
    m_user_footprint = m_live_user > 0;
    if (m_live == 0 && (!m_tlb || m_tlb->live() == 0)) end(GhostEnd::NoLiveLines, start);
}

void GhostCache::end(GhostEnd why, Cycle now) {
    if (!open()) return;
    m_cost.ended = why;
    m_cost.end = now;
    for (Level& l : m_lv) { // the copy is no longer needed: free it
        l.tags.reset();
        l.live = {};
    }
    if (m_tlb) m_cost.tlb_entries_lost = m_tlb->lost;
    m_tlb.reset();
}

bool GhostCache::past_window(Cycle now) {
    if (m_window == 0 || now <= m_cost.start + m_window) return false;
    end(GhostEnd::Window, now);
    return true;
}

bool GhostCache::observe_translation(const TranslationRecord& t) {
    if (!open()) return false;
    if (!m_tlb) return true;
    if (past_window(t.now)) return false;
    if (m_tlb->translate(t)) {
        ++m_cost.tlb_cold_misses;
        m_cost.tlb_cold_walk_cycles += t.walk_cycles;
    }
    if (exhausted()) {
        end(GhostEnd::NoLiveLines, t.now);
        return false;
    }
    return true;
}

std::optional<GhostLevel> GhostCache::holds(Addr line, bool fetch) const {
    const int k1 = fetch ? kL1I : kL1D;
    if (m_lv[k1].tags && m_lv[k1].tags->find(line) >= 0) return static_cast<GhostLevel>(k1);
    if (m_lv[kL2].tags && m_lv[kL2].tags->find(line) >= 0) return GhostLevel::L2;
    return std::nullopt;
}

bool GhostCache::observe(const AccessRecord& a) {
    if (!open()) return false;
    if (m_draining) { // only the waits for the misses in flight are still wanted
        if (a.now < m_flight_until) return true;
        end(GhostEnd::NoLiveLines, a.now);
        return false;
    }
    if (past_window(a.now)) return false;
    ++m_cost.accesses;
    if (a.what == LineKind::User) {
        ++m_cost.window_user_accesses;
        m_cost.window_user_stall += a.stall;
    }
    const bool fetch = a.kind == AccessKind::IFetch;
    const bool write = a.kind == AccessKind::Store || a.kind == AccessKind::Atomic;
    bool was_live = false;
    const int g = access(a.line, fetch, write, was_live);
    if (was_live && g >= 0 && static_cast<int>(a.served) > static_cast<int>(served_at(g))) {
        const Cycle hit = m_lv[g].latency + (g == kL2 ? m_lv[fetch ? kL1I : kL1D].latency : 0);
        Cycle stall = a.latency > hit ? a.latency - hit : 0;
        if (a.overlapped) { // its cost is what it will add to the core's waits
            track(a, a.issued + hit, g);
            stall = 0;
        }
        ++m_cost.misses;
        m_cost.stall_cycles += stall;
        ++m_cost.misses_by_level[g];
        m_cost.stall_by_level[g] += stall;
        ++m_cost.misses_by_served[static_cast<int>(a.served)];
        ++m_cost.misses_by_kind[static_cast<int>(a.what)];
        m_cost.stall_by_kind[static_cast<int>(a.what)] += stall;
        if (a.prefetch.hit) {
            ++m_cost.prefetch_eased;
            m_cost.prefetch_eased_cycles += a.prefetch.saved;
        }
    } else if (was_live && g >= 0 && a.prefetch.hit &&
               static_cast<int>(a.prefetch.from) > static_cast<int>(served_at(g))) {
        hidden(a, g, fetch);
    } else {
        const Cycle expected = m_farther ? shift(a, g, fetch) : a.latency;
        if (a.overlapped) track(a, a.issued + expected, -1); // its shift is in the core's waits
    }
    if (exhausted()) {
        if (a.now < m_flight_until) {
            m_draining = true;
            return true;
        }
        end(GhostEnd::NoLiveLines, a.now);
        return false;
    }
    return true;
}

void GhostCache::hidden(const AccessRecord& a, int g, bool fetch) {
    const Cycle hit = m_lv[g].latency + (g == kL2 ? m_lv[fetch ? kL1I : kL1D].latency : 0);
    Cycle stall = a.latency > hit ? a.latency - hit : 0;
    if (a.overlapped) { // a late prefetch's wait: what it adds to the core's waits
        track(a, a.issued + hit, kHiddenLevel);
        stall = 0;
    }
    ++m_cost.prefetch_hidden;
    m_cost.prefetch_hidden_cycles += a.prefetch.saved;
    m_cost.prefetch_hidden_stall += stall;
    ++m_cost.prefetch_hidden_by_kind[static_cast<int>(a.what)];
    m_cost.prefetch_hidden_stall_by_kind[static_cast<int>(a.what)] += stall;
}

void GhostCache::track(const AccessRecord& a, Cycle would, int level) {
    const Cycle done = a.issued + a.latency;
    std::size_t n = 0; // drop what completed before this access was issued
    for (const InFlight& x : m_flight) {
        if (x.done > a.issued) m_flight[n++] = x;
    }
    m_flight.resize(n);
    m_flight.push_back(InFlight{a.seq, done, would, std::int8_t(level), a.what});
    m_flight_until = std::max(m_flight_until, done);
}

// The wait would have ended at `would` of the access waited for, or, for a free MSHR, at the
// earliest `would` of those in flight (the wait starts no earlier than it did); the difference
// is charged to that access: a cold miss's stall, or a shift (either sign).
void GhostCache::observe_wait(const WaitRecord& w) {
    if (!open()) return;
    m_cost.window_user_stall += w.to - w.from; // overlapped accesses are the task's user accesses
    const InFlight* by = nullptr;
    for (const InFlight& x : m_flight) {
        if (w.any ? (x.done > w.from && (!by || x.would < by->would)) : x.seq == w.seq) by = &x;
    }
    if (!by) return;
    const Cycle end = std::max(w.from, by->would);
    charge(*by, std::int64_t(w.to) - std::int64_t(end));
}

void GhostCache::charge(const InFlight& x, std::int64_t cycles) {
    if (cycles == 0) return;
    if (x.level == kHiddenLevel) { // what a late prefetch still cost the hidden reload
        const auto c = static_cast<std::uint64_t>(std::max<std::int64_t>(cycles, 0));
        m_cost.prefetch_hidden_stall += c;
        m_cost.prefetch_hidden_stall_by_kind[static_cast<int>(x.what)] += c;
    } else if (x.level >= 0) {
        const auto c = static_cast<std::uint64_t>(std::max<std::int64_t>(cycles, 0));
        m_cost.stall_cycles += c;
        m_cost.stall_by_level[x.level] += c;
        m_cost.stall_by_kind[static_cast<int>(x.what)] += c;
    } else {
        m_cost.shift_stall += cycles;
        m_cost.shift_by_kind[static_cast<int>(x.what)] += cycles;
    }
}

Cycle GhostCache::shift(const AccessRecord& a, int g, bool fetch) {
    // A prefetched line's first use: the source's prefetcher (every core has the same), which
    // the ghost does not model, would have served it alike.
    if (a.prefetch.hit) return a.latency;
    Cycle expected = 0;
    if (g >= 0) {
        if (a.served == served_at(g)) return a.latency; // same level: same latency
        expected = m_lv[g].latency + (g == kL2 ? m_lv[fetch ? kL1I : kL1D].latency : 0);
    } else {
        const Elsewhere e = m_farther(a.line);
        if (e.from == a.served || e.latency == 0) return a.latency;
        expected = e.latency;
    }
    const std::int64_t d = std::int64_t(a.latency) - std::int64_t(expected);
    if (d == 0) return expected;
    ++m_cost.shifted;
    if (a.overlapped) return expected; // charged through the core's waits
    m_cost.shift_stall += d;
    m_cost.shift_by_kind[static_cast<int>(a.what)] += d;
    return expected;
}

// Mirrors Cache::b_transport down the private levels: an L1 hit touches the L1; an L1 miss
// looks up (and on a miss fills) the L2 first, then fills the L1, whose victim, if dirty, is
// written back into the L2.
int GhostCache::access(Addr line, bool fetch, bool write, bool& was_live) {
    const int k1 = fetch ? kL1I : kL1D;
    Level& l1 = m_lv[k1];
    Level& l2 = m_lv[kL2];
    const int w1 = l1.tags ? l1.tags->find(line) : -1;
    const int w2 = (w1 < 0 && l2.tags) ? l2.tags->find(line) : -1;
    const int hit = w1 >= 0 ? k1 : w2 >= 0 ? kL2 : -1;
    // Liveness is the same in every copy of a line: look at the copy found (or, on a miss, at
    // the other L1, the only level that may still hold it) before clearing them all.
    const Level& other = m_lv[fetch ? kL1D : kL1I];
    const bool maybe_live = w1 >= 0   ? l1.live_at(line, w1) != 0
                            : w2 >= 0 ? l2.live_at(line, w2) != 0
                                      : other.tags && other.tags->find(line) >= 0;
    was_live = maybe_live && kill(line);
    if (w1 >= 0) {
        l1.use(line, w1, write);
        return hit;
    }
    if (w2 >= 0) {
        l2.use(line, w2, write);
    } else if (l2.tags) {
        fill(kL2, line, write, false);
    }
    if (l1.tags) fill(k1, line, write, false);
    return hit;
}

bool GhostCache::kill(Addr line) {
    bool any = false;
    for (Level& l : m_lv) {
        if (!l.tags) continue;
        const int w = l.tags->find(line);
        if (w < 0) continue;
        std::uint8_t& live = l.live_at(line, w);
        any |= live != 0;
        live = 0;
    }
    if (any) {
        drop(line);
        ++m_cost.lines_touched;
    }
    return any;
}

std::uint32_t GhostCache::fill(int k, Addr line, bool dirty, bool live) {
    TagArray& t = *m_lv[k].tags;
    const std::uint64_t set = t.set_of(line);
    const std::uint32_t w = t.victim(set);
    if (t.at(set, w).valid()) evict(k, set, w);
    LineInfo& l = t.at(set, w);
    t.set_line(set, w, line);
    l.state = dirty ? mesi::State::M : mesi::State::E;
    m_lv[k].live[set * t.ways() + w] = live;
    t.touch(set, w);
    return w;
}

void GhostCache::evict(int k, std::uint64_t set, std::uint32_t way) {
    Level& lv = m_lv[k];
    LineInfo& v = lv.tags->at(set, way);
    const Addr line = lv.tags->line_at(set, way);
    const bool dirty = v.state == mesi::State::M;
    std::uint8_t& slot = lv.live[set * lv.tags->ways() + way];
    const bool live = slot != 0;
    slot = 0;
    v.state = mesi::State::I;
    if (k == kL2 && lv.inclusive) { // back-invalidate the L1s
        for (int up : {kL1I, kL1D}) {
            Level& u = m_lv[up];
            if (!u.tags) continue;
            const int w = u.tags->find(line);
            if (w < 0) continue;
            u.tags->at(u.tags->set_of(line), std::uint32_t(w)).state = mesi::State::I;
            u.live_at(line, w) = 0;
        }
    } else if (k != kL2 && dirty && m_lv[kL2].tags) { // PutM into the L2 (Cache::writeback_in)
        Level& l2 = m_lv[kL2];
        const int w = l2.tags->find(line);
        if (w >= 0) {
            l2.use(line, w, true);
        } else {
            fill(kL2, line, true, live);
        }
    }
    if (live && !present_elsewhere(k, line)) {
        drop(line);
        ++m_cost.lines_lost;
    }
}

void GhostCache::drop(Addr line) {
    --m_live;
    if (m_user && m_user(line)) --m_live_user;
}

bool GhostCache::present_elsewhere(int k, Addr line) const {
    for (int j = 0; j < kNumGhostLevels; ++j) {
        if (j != k && m_lv[j].tags && m_lv[j].tags->find(line) >= 0) return true;
    }
    return false;
}

} // namespace smp
