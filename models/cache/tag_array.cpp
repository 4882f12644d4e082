#include "models/cache/tag_array.hpp"

#include <algorithm>
#include <stdexcept>

namespace smp {

Replacement parse_replacement(const std::string& name) {
    if (name == "lru") return Replacement::Lru;
    if (name == "plru") return Replacement::Plru;
    if (name == "random") return Replacement::Random;
    throw std::invalid_argument("unknown replacement policy '" + name + "'");
}

TagArray::TagArray(std::uint64_t sets, std::uint32_t ways, Replacement policy, std::uint64_t seed)
    : m_sets(sets), m_ways(ways), m_policy(policy), m_tag(sets * ways, 0), m_lines(sets * ways),
      m_rng(seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull) {
    m_packed = m_policy == Replacement::Lru && ways <= 16;
    if (m_packed) {
        // Never used ways are the least recent in index order: way 0 is the first victim.
        std::uint64_t order = ~std::uint64_t(0);
        for (std::uint32_t rank = 0; rank < ways; ++rank) {
            order &= ~(std::uint64_t(0xF) << (4 * rank));
            order |= std::uint64_t(ways - 1 - rank) << (4 * rank);
        }
        m_order.assign(sets, order);
    } else if (m_policy == Replacement::Lru) {
        m_stamp.assign(sets * ways, 0);
    }
    if (m_policy == Replacement::Plru) m_plru.assign(sets * (ways > 1 ? ways - 1 : 1), 0);
    if (m_rng == 0) m_rng = 1;
    std::uint64_t hints = 1;
    while (hints < sets * ways)
        hints <<= 1;
    m_hint.assign(hints, 0);
    m_hint_mask = hints - 1;
}

void TagArray::update_replacement(std::uint64_t set, std::uint32_t way) {
    if (m_packed) { // LRU up to 16 ways, the common case: no switch on the policy
        std::uint64_t& o = m_order[set];
        // The way's rank: its field is the only zero field of x (no unused field is zero, since
        // unused ones hold 15 and there are then fewer than 16 ways). The lowest field the
        // borrow trick flags is exact.
        constexpr std::uint64_t kOnes = 0x1111111111111111ull;
        const std::uint64_t x = o ^ (kOnes * way);
        const std::uint64_t zero = (x - kOnes) & ~x & (kOnes << 3);
        const unsigned rank = static_cast<unsigned>(__builtin_ctzll(zero)) >> 2;
        const std::uint64_t upto = ~std::uint64_t(0) >> (60 - 4 * rank); // ranks 0..rank
        o = (o & ~upto) | ((o << 4) & upto) | way; // the more recent ones move down one
        return;
    }
    switch (m_policy) {
    case Replacement::Lru:
        m_stamp[set * m_ways + way] = ++m_clock;
        break;
    case Replacement::Plru: {
        // Tree-PLRU: node k has children 2k+1, 2k+2; leaves map to ways. Bit 0 = victim on the
        // left.
        if (m_ways == 1) break;
        std::uint8_t* bits = &m_plru[set * (m_ways - 1)];
        std::uint32_t node = 0, lo = 0, hi = m_ways;
        while (hi - lo > 1) {
            std::uint32_t mid = (lo + hi) / 2;
            if (way < mid) { // accessed left: point the victim to the right
                bits[node] = 1;
                node = 2 * node + 1;
                hi = mid;
            } else {
                bits[node] = 0;
                node = 2 * node + 2;
                lo = mid;
            }
        }
        break;
    }
    case Replacement::Random:
        break;
    }
}

std::uint32_t TagArray::victim(std::uint64_t set) {
    const LineInfo* base = &m_lines[set * m_ways];
    const std::uint32_t invalid = by_ways([base](std::uint32_t ways) { // the first invalid way
        for (std::uint32_t w = 0; w < ways; ++w) {
            if (!base[w].valid()) return w;
        }
        return ways;
    });
    if (invalid < m_ways) return invalid;
    switch (m_policy) {
    case Replacement::Lru: { // the least recent field, else the oldest stamp (lowest way on ties)
        if (m_packed) return static_cast<std::uint32_t>(m_order[set] >> (4 * (m_ways - 1))) & 0xF;
        const std::uint64_t* st = &m_stamp[set * m_ways];
        std::uint32_t oldest = 0;
        std::uint64_t least = st[0];
        for (std::uint32_t w = 1; w < m_ways; ++w) {
            const bool older = st[w] < least;
            least = older ? st[w] : least;
            oldest = older ? w : oldest;
        }
        return oldest;
    }
    case Replacement::Plru: {
        if (m_ways == 1) return 0;
        const std::uint8_t* bits = &m_plru[set * (m_ways - 1)];
        std::uint32_t node = 0, lo = 0, hi = m_ways;
        while (hi - lo > 1) {
            std::uint32_t mid = (lo + hi) / 2;
            if (bits[node] == 0) {
                node = 2 * node + 1;
                hi = mid;
            } else {
                node = 2 * node + 2;
                lo = mid;
            }
        }
        return lo;
    }
    case Replacement::Random: {
        m_rng ^= m_rng << 13;
        m_rng ^= m_rng >> 7;
        m_rng ^= m_rng << 17;
        return static_cast<std::uint32_t>(m_rng % m_ways);
    }
    }
    return 0;
}

std::vector<std::uint32_t> TagArray::lru_order(std::uint64_t set) const {
    std::vector<std::uint32_t> order(m_ways);
    for (std::uint32_t w = 0; w < m_ways; ++w) order[w] = w;
    if (m_policy != Replacement::Lru) return order;
    if (m_packed) {
        for (std::uint32_t rank = 0; rank < m_ways; ++rank)
            order[rank] = static_cast<std::uint32_t>(m_order[set] >> (4 * rank)) & 0xF;
        return order;
    }
    const std::uint64_t* st = &m_stamp[set * m_ways];
    std::stable_sort(order.begin(), order.end(),
                     [st](std::uint32_t a, std::uint32_t b) { return st[a] > st[b]; });
    return order;
}

std::uint64_t TagArray::count_valid() const {
    std::uint64_t n = 0;
    for (const auto& l : m_lines) n += l.valid() ? 1 : 0;
    return n;
}

} // namespace smp
