// What a migrated task's private caches would hold had it stayed (ARCHITECTURE.md section 6).
//
// At the migration, the source core's private levels are copied whole (tags, states and
// replacement order, so other tasks' lines compete for the ways as they would have); the lines
// that belong to the task are marked live. The copy then follows the task's own accesses through
// the same fill, eviction, writeback and back-invalidation rules as the real hierarchy
// (models/cache/cache.cpp), touching no real state and costing no time. A live line's first
// access after the migration that hits in the ghost but misses in the real hierarchy at that level
// is a migration-induced miss. A live line stops being live when it is touched or when the ghost
// evicts it (then the miss would have happened anyway). Such a first access that hits for real
// only because a prefetcher brought the line in is reported as hidden by the prefetcher
// (ColdCost::prefetch_hidden). The ghost itself models no prefetcher. Plain C++, no SystemC.
#pragma once

#include "models/cache/tag_array.hpp"
#include "models/common/access_observer.hpp"
#include "models/ghost/ghost_stats.hpp"
#include "models/ghost/ghost_tlb.hpp"

#include <functional>
#include <optional>
#include <vector>

namespace smp {

class GhostCache : public AccessObserver {
public:
    // One private level of the source core; tags == nullptr when it has none (or it is shared).
    struct Source {
        const TagArray* tags = nullptr;
        Cycle latency = 0;     // the level's own lookup latency (CacheConfig::latency); an L2
                               // hit costs the L1's latency plus its own, as in the real path
        bool inclusive = true; // (L2) evicting a line back-invalidates the L1s
    };
    using Owned = std::function<bool(const LineInfo&)>;
    using UserLine = std::function<bool(Addr line)>;
    // Where the source core would have found a line its private caches do not hold, and the
    // latency (0: unknown, then no shift is counted).
    struct Elsewhere {
        ServedBy from = ServedBy::Memory;
        Cycle latency = 0;
    };
    using Farther = std::function<Elsewhere(Addr line)>;

    // window: cycles after `start` at which the ghost stops (0 = no limit). With `user` (which
    // lines are user data), a ghost whose footprint has user lines ends once none of them is
    // live: the source's kernel lines it still holds (runqueue, other stacks) are mostly lines
    // the task never touches again, and following it further only costs host time.
    // With `farther`, the shift (ColdCost::shift_stall) is measured too. With `tlb`, a ghost
    // TLB counts the TLB-cold misses, and the ghost stays open while it has live entries too.
    GhostCache(const Source (&levels)[kNumGhostLevels], const Owned& owned, Cycle start,
               Cycle window, UserLine user = {}, Farther farther = {}, TlbSource tlb = {});

    bool observe(const AccessRecord& a) override;
    bool observe_translation(const TranslationRecord& t) override;
    // With overlapped misses (mlp > 1, a store buffer) a cold miss or a shift costs what it added
    // to the core's waits: the wait against the wait had the access taken the source's latency.
    void observe_wait(const WaitRecord& w) override;
    // Stops following the task (no-op if it has stopped already).
    void end(GhostEnd why, Cycle now);

    bool open() const { return m_cost.ended == GhostEnd::Open; }
    std::uint64_t live_lines() const { return m_live; }
    const ColdCost& cost() const { return m_cost; }

    // The ghost level holding `line` nearest the core for this access kind, if any (tests).
    std::optional<GhostLevel> holds(Addr line, bool fetch) const;

private:
    struct Level {
        std::optional<TagArray> tags;
        std::vector<std::uint8_t> live; // per slot (set * ways + way)
        Cycle latency = 0;
        bool inclusive = true;

        std::uint8_t& live_at(Addr line, int way) {
            return live[tags->set_of(line) * tags->ways() + std::uint32_t(way)];
        }
        // A hit or a writeback into `line`'s way: dirty on a write, most recently used.
        void use(Addr line, int way, bool write) {
            const std::uint64_t set = tags->set_of(line);
            if (write) tags->at(set, std::uint32_t(way)).state = mesi::State::M;
            tags->touch(set, std::uint32_t(way));
        }
    };
    // Follows one access; returns the level it hit in (or -1) and whether the line was live.
    int access(Addr line, bool fetch, bool write, bool& was_live);
    // Touch: the line is no longer live anywhere. Returns whether it was.
    bool kill(Addr line);
    // Fills `line` into level k (choosing a victim); returns the way.
    std::uint32_t fill(int k, Addr line, bool dirty, bool live);
    void evict(int k, std::uint64_t set, std::uint32_t way);
    bool present_elsewhere(int k, Addr line) const;
    void drop(Addr line); // a live line stops being live

    Level m_lv[kNumGhostLevels];
    // The shift of one access that was not a cold miss; g: the ghost level it hit (-1: none).
    // Returns the latency the source would have given (a.latency: the same).
    Cycle shift(const AccessRecord& a, int g, bool fetch);
    // A live line's first access that a prefetched line served at ghost level g or nearer.
    void hidden(const AccessRecord& a, int g, bool fetch);
    // Nothing left to lose: no live lines (no live user line, when there were some) and no live
    // TLB entry.
    bool exhausted() const {
        return (m_live == 0 || (m_user_footprint && m_live_user == 0)) &&
               (!m_tlb || m_tlb->live() == 0);
    }
    // Ends the ghost when `now` is past its window; returns whether it did.
    bool past_window(Cycle now);
    std::optional<GhostTlb> m_tlb;
    // An overlapped access in flight: when its data arrives (`done`), when it would have arrived
    // with the source's latency (`would`), and what it was (a cold miss at ghost level `level`,
    // a shift, a prefetch_hidden reload, or neither: would == done).
    struct InFlight {
        std::uint64_t seq = 0;
        Cycle done = 0;
        Cycle would = 0;
        std::int8_t level = -1; // cold: the ghost level; kHiddenLevel: prefetch_hidden
        LineKind what = LineKind::User;
    };
    static constexpr int kHiddenLevel = -2; // an overlapped access hidden by a prefetch
    void track(const AccessRecord& a, Cycle would, int level);
    void charge(const InFlight& x, std::int64_t cycles);
    std::vector<InFlight> m_flight;
    Cycle m_flight_until = 0; // the last of their completions
    bool m_draining = false;  // exhausted, but overlapped accesses are still in flight

    Cycle m_window;
    UserLine m_user;
    Farther m_farther;
    std::uint64_t m_live = 0;
    std::uint64_t m_live_user = 0;
    bool m_user_footprint = false;
    ColdCost m_cost;
};

} // namespace smp
