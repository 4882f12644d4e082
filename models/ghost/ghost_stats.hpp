// What one migration cost in cold misses, as a ghost cache attributed them.
#pragma once

#include "models/common/access_observer.hpp"
#include "models/common/mem_payload.hpp"
#include "models/common/types.hpp"

#include <cstdint>
#include <string>

namespace smp {

// Private cache levels a ghost copies: the source core's L1I, L1D and (when private) L2.
enum class GhostLevel : std::uint8_t { L1I, L1D, L2 };
constexpr int kNumGhostLevels = 3;

inline const char* ghost_level_name(GhostLevel l) {
    switch (l) {
    case GhostLevel::L1I: return "l1i";
    case GhostLevel::L1D: return "l1d";
    case GhostLevel::L2: return "l2";
    }
    return "?";
}

enum class GhostEnd : std::uint8_t { Open, NoLiveLines, Window, Migrated, Exited, EndOfRun };

inline const char* ghost_end_name(GhostEnd e) {
    switch (e) {
    case GhostEnd::Open: return "open";
    case GhostEnd::NoLiveLines: return "no_live_lines";
    case GhostEnd::Window: return "window";
    case GhostEnd::Migrated: return "migrated";
    case GhostEnd::Exited: return "exited";
    case GhostEnd::EndOfRun: return "end_of_run";
    }
    return "?";
}

// Migration-induced misses: real misses that hit in the ghost on a line the task had in the
// source's private caches and had not touched since. Stall = cycles beyond the ghost level's
// hit latency.
struct ColdCost {
    std::uint64_t footprint_lines = 0;  // the task's distinct lines in the source's private caches
    std::uint64_t misses = 0;
    std::uint64_t stall_cycles = 0;
    std::uint64_t misses_by_level[kNumGhostLevels] = {};
    std::uint64_t stall_by_level[kNumGhostLevels] = {};
    std::uint64_t misses_by_served[kNumServedBy] = {};  // where the real access was served
    std::uint64_t misses_by_kind[kNumLineKinds] = {};   // user / kernel / page-table lines
    std::uint64_t stall_by_kind[kNumLineKinds] = {};
    // The shift: every other access of the window whose latency differs from what the source's
    // hierarchy would have given (the ghost's hit latency, or, past the ghost, the latency from
    // where the source would have found the line): misses that happen anyway but are served
    // nearer (the source's cache instead of memory: negative) or farther (another socket's
    // memory: positive), and lines the two hierarchies hold differently. Cycles, signed.
    std::int64_t shift_stall = 0;
    std::int64_t shift_by_kind[kNumLineKinds] = {};
    std::uint64_t shifted = 0;          // accesses with a shift
    std::uint64_t lines_touched = 0;    // live lines the task touched (hit or miss)
    std::uint64_t lines_lost = 0;       // live lines the ghost evicted before they were touched
    std::uint64_t accesses = 0;         // accesses the ghost followed
    std::uint64_t window_user_accesses = 0; // the task's user accesses while the ghost followed
    std::uint64_t window_user_stall = 0;    // it, and all their stall cycles (cold or not)
    // TLB-cold: the source TLB's entries of the task's address space (tlb_footprint), and the
    // destination's TLB misses on those pages at their first use after the move, which the source
    // would have hit, with the cycles of their walks. The walks' page-table lines that miss cold
    // are counted above as kind page_table.
    std::uint64_t tlb_footprint = 0;
    std::uint64_t tlb_cold_misses = 0;
    std::uint64_t tlb_cold_walk_cycles = 0;
    std::uint64_t tlb_entries_lost = 0;  // entries the copy evicted before the task used them
    // Prefetchers (docs/prefetch.md). A live line's first access that the ghost hit at level g
    // and that a prefetched line (MemExt::prefetch) served at g or nearer, the prefetch having
    // found the line farther than g, would have been a cold miss without the prefetcher: it is
    // hidden, not counted in `misses`. hidden_cycles sums what
    // the prefetches saved those accesses (each prefetch's trip below, less any wait for it);
    // hidden_stall what they still stalled beyond the ghost level's hit latency (late data), a
    // migration cost that migration_stall_cycles includes. A cold miss served by a prefetched
    // line farther than g (the ghost hit the L1, the prefetched line was in the L2) is eased:
    // counted in `misses`, and eased_cycles sums what its prefetch saved it.
    std::uint64_t prefetch_hidden = 0;
    std::uint64_t prefetch_hidden_cycles = 0;
    std::uint64_t prefetch_hidden_stall = 0;
    std::uint64_t prefetch_hidden_by_kind[kNumLineKinds] = {};
    std::uint64_t prefetch_hidden_stall_by_kind[kNumLineKinds] = {};
    std::uint64_t prefetch_eased = 0;
    std::uint64_t prefetch_eased_cycles = 0;
    Cycle start = 0;                    // cycle the ghost was made (the migration)
    Cycle end = 0;                      // cycle it stopped following the task
    GhostEnd ended = GhostEnd::Open;
};

// What the platform measured about one migration record.
struct MigrationCost {
    bool ghost = false;                // a ghost followed the task (cold holds its attribution)
    ColdCost cold;
    std::uint64_t stay_accesses = 0;   // user accesses from the first run on dst to the task's
    std::uint64_t stay_user_stall = 0; // next migration, exit or the end of the run, and their
                                       // stall cycles (the counterfactual window)
};

// Counterfactual run: the task's user stall over its first cf_accesses (the ghost's window) and
// cf_stay_accesses (the stay) user accesses from its resumption.
struct ProbeResult {
    long migration = -1;
    std::string task;
    Cycle resumed = 0;
    std::uint64_t accesses = 0;       // user accesses counted (up to the larger window)
    std::uint64_t user_stall = 0;     // over the ghost's window
    std::uint64_t stay_user_stall = 0; // over the stay
    bool complete = false;            // both windows were reached
};

} // namespace smp
