// Set-associative tag store with LRU, tree-PLRU or random replacement. Plain C++, no SystemC.
#pragma once

#include "models/cache/mesi.hpp"
#include "models/common/types.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace smp {

enum class Replacement : std::uint8_t { Lru, Plru, Random };

Replacement parse_replacement(const std::string& name);

// One cache line's bookkeeping; its tag (the line address, byte address >> line bits) is kept
// apart, in TagArray::line_at, so that a lookup reads one set's tags contiguously.
// Eight bytes: the CPU is kept in 16 bits (a system has at most 4096 CPUs).
class LineInfo {
    static constexpr std::uint16_t kNone = 0xffff;

public:
    mesi::State state = mesi::State::I;

private:
    std::uint16_t m_filler_cpu = kNone; // beside the state: the struct packs into 8 bytes

public:
    TaskId filler_task = kNoTask; // task whose access brought the line in
    bool valid() const { return state != mesi::State::I; }
    // CPU that brought it in.
    CpuId filler_cpu() const { return m_filler_cpu == kNone ? kNoCpu : CpuId(m_filler_cpu); }
    void set_filler_cpu(CpuId cpu) {
        m_filler_cpu = cpu == kNoCpu ? kNone : static_cast<std::uint16_t>(cpu);
    }
};
static_assert(sizeof(LineInfo) == 8);

class TagArray {
public:
    TagArray(std::uint64_t sets, std::uint32_t ways, Replacement policy, std::uint64_t seed);

    std::uint64_t sets() const { return m_sets; }
    std::uint32_t ways() const { return m_ways; }
    std::uint64_t set_of(Addr line) const { return line & (m_sets - 1); }

    // Way holding `line`, or -1. Does not touch replacement state.
    int find(Addr line) const {
        return by_ways([&](std::uint32_t ways) {
            const std::uint64_t base = set_of(line) * ways;
            const Addr* tag = &m_tag[base];
            const LineInfo* info = &m_lines[base];
            for (std::uint32_t w = 0; w < ways; ++w) {
                if (tag[w] == line && info[w].valid()) return static_cast<int>(w);
            }
            return -1;
        });
    }

    // find(), trying first the way the line was last found or filled in: a hint kept per line
    // address, which the answer never depends on. Below an L1, hits land in ways as good as
    // random, and a search ends at a branch the host cannot predict; the hint's check mostly can
    // be. For lookups from the cache above (its misses and writebacks) only: an L1's own hit
    // path keeps the plain search.
    int find_hinted(Addr line) {
        std::uint8_t& hint = m_hint[line & m_hint_mask];
        const std::uint64_t at = set_of(line) * m_ways + hint;
        if (m_tag[at] == line && m_lines[at].valid()) return hint;
        const int way = find(line);
        if (way >= 0) hint = static_cast<std::uint8_t>(way); // below m_ways, as way & 0xff is
        return way;
    }

    // The line address in (set, way): meaningful while the way is valid.
    Addr line_at(std::uint64_t set, std::uint32_t way) const { return m_tag[set * m_ways + way]; }
    // Puts `line` in (set, way); its state and filler are the caller's to set.
    void set_line(std::uint64_t set, std::uint32_t way, Addr line) {
        m_tag[set * m_ways + way] = line;
        m_hint[line & m_hint_mask] = static_cast<std::uint8_t>(way);
    }

    LineInfo& at(std::uint64_t set, std::uint32_t way) { return m_lines[set * m_ways + way]; }
    const LineInfo& at(std::uint64_t set, std::uint32_t way) const {
        return m_lines[set * m_ways + way];
    }

    // Marks (set, way) most recently used.
    void touch(std::uint64_t set, std::uint32_t way) {
        if (m_packed && (m_order[set] & 0xF) == way) return; // already the most recent
        update_replacement(set, way);
    }

    // Way to fill next in `set`: an invalid way if any (lowest index), else the policy's victim.
    std::uint32_t victim(std::uint64_t set);

    // Ways of `set` from most to least recently used (LRU only; for tests and ghost copies).
    std::vector<std::uint32_t> lru_order(std::uint64_t set) const;

    // Number of valid lines (slow; for checks and tests).
    std::uint64_t count_valid() const;

private:
    // f(m_ways), with the common associativities (8, 16) passed as constants: inlined, a loop
    // over the ways becomes an unrolled search without a loop counter.
    template <typename F> [[gnu::always_inline]] auto by_ways(F f) const -> decltype(f(0u)) {
        if (m_ways == 8) return f(8u);
        if (m_ways == 16) return f(16u);
        return f(m_ways);
    }

    void update_replacement(std::uint64_t set, std::uint32_t way); // touch() beyond its fast path

    std::uint64_t m_sets;
    std::uint32_t m_ways;
    Replacement m_policy;
    std::vector<Addr> m_tag; // line address per way, a set's ways contiguous
    std::vector<LineInfo> m_lines;
    // find_hinted()'s first guess per line address, indexed by its low bits (sets x ways rounded
    // up to a power of two entries): the low 8 bits of a way, so always one of the set's ways.
    std::vector<std::uint8_t> m_hint;
    std::uint64_t m_hint_mask = 0;
    // LRU up to 16 ways: per set, its ways as 4-bit fields from the most recently used (bits
    // 0-3) to the least; unused fields hold 15. Beyond 16 ways: a last-use stamp per line.
    bool m_packed = false;
    std::vector<std::uint64_t> m_order;
    std::vector<std::uint64_t> m_stamp;
    std::uint64_t m_clock = 0;
    std::vector<std::uint8_t> m_plru; // PLRU: ways-1 tree bits per set
    std::uint64_t m_rng;
};

} // namespace smp
