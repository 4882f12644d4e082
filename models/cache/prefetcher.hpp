// Hardware prefetchers of one cache level as pure functions of its demand stream. No SystemC.
#pragma once

#include "models/cache/prefetch_config.hpp"
#include "models/common/types.hpp"

#include <cstdint>
#include <vector>

namespace smp {

enum class PrefetchKind : std::uint8_t { None, NextLine, Stride };

PrefetchKind parse_prefetch_kind(const std::string& name);

// What a demand access found at this level.
enum class DemandOutcome : std::uint8_t {
    Miss,          // not present (or present without the permission it needed)
    Hit,           // present, used before
    PrefetchedHit, // present because a prefetch brought it, and this is its first use
};

// Bytes of the region no prefetch crosses (a physical page).
constexpr unsigned kPrefetchPageBits = 12;

// Chooses the lines to prefetch after each demand access; which of them are present already is
// the cache's business. next_line is tagged (Smith 1982): it triggers on a miss and on the first
// use of a prefetched line, and asks for lines line + distance ... line + distance + degree - 1.
// stride detects one stream per 4 KiB region without PCs: the region's last line, its last
// stride and the number of times that stride repeated in a row; a confident region asks for
// line + stride * distance ... line + stride * (distance + degree - 1) on every access.
class Prefetcher {
public:
    Prefetcher(const PrefetchConfig& cfg, unsigned line_bits);

    PrefetchKind kind() const { return m_kind; }
    // Trains on one demand access of `line` and appends the candidate lines, nearest first, all
    // in line's 4 KiB page, to `out`.
    void on_access(Addr line, DemandOutcome outcome, std::vector<Addr>& out);

    // Stride state of the region holding `line` (tests): confidence, or -1 if not tracked.
    int confidence_of(Addr line) const;

private:
    struct Region {
        Addr page = 0;
        Addr last = 0;           // last line accessed in the region
        std::int64_t stride = 0; // in lines; 0 = none yet
        int confidence = 0;      // repeats of `stride` in a row, saturating at the threshold
        std::uint64_t used = 0;  // LRU stamp; 0 = free entry
    };
    Addr page_of(Addr line) const { return line >> m_page_shift; }
    // Appends line + step * k for k in [first, first + degree), stopping at the page boundary.
    void candidates(Addr line, std::int64_t step, std::int64_t first, std::vector<Addr>& out) const;
    void stride_access(Addr line, std::vector<Addr>& out);

    PrefetchKind m_kind;
    std::int64_t m_degree;
    std::int64_t m_distance;
    int m_threshold;
    unsigned m_page_shift; // line bits of a page
    std::vector<Region> m_regions;
    std::uint64_t m_clock = 0;
};

} // namespace smp
