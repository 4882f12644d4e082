// cpumask_t: a set of CPU numbers (up to 4096), with the kernel's operations on it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace smp::os {

class CpuMask {
public:
    CpuMask() = default;
    explicit CpuMask(unsigned nbits) : m_words((nbits + 63) / 64, 0), m_nbits(nbits) {}
    static CpuMask of(unsigned nbits, int cpu) {
        CpuMask m(nbits);
        m.set(cpu);
        return m;
    }
    static CpuMask all(unsigned nbits) {
        CpuMask m(nbits);
        for (unsigned i = 0; i < nbits; ++i) m.set(static_cast<int>(i));
        return m;
    }

    unsigned nbits() const { return m_nbits; }
    void set(int cpu) { m_words[unsigned(cpu) / 64] |= bit(cpu); }
    void clear(int cpu) { m_words[unsigned(cpu) / 64] &= ~bit(cpu); }
    bool test(int cpu) const {
        return cpu >= 0 && unsigned(cpu) < m_nbits && (m_words[unsigned(cpu) / 64] & bit(cpu));
    }
    bool empty() const {
        for (auto w : m_words) {
            if (w) return false;
        }
        return true;
    }
    unsigned weight() const {
        unsigned n = 0;
        for (auto w : m_words) n += static_cast<unsigned>(__builtin_popcountll(w));
        return n;
    }
    // First set CPU at or after `from`; nbits() if none (first_cpu / next_cpu).
    int next(int from) const {
        for (unsigned i = unsigned(from < 0 ? 0 : from); i < m_nbits; ++i) {
            if (test(static_cast<int>(i))) return static_cast<int>(i);
        }
        return static_cast<int>(m_nbits);
    }
    int first() const { return next(0); }
    bool intersects(const CpuMask& o) const {
        for (std::size_t i = 0; i < m_words.size() && i < o.m_words.size(); ++i) {
            if (m_words[i] & o.m_words[i]) return true;
        }
        return false;
    }
    CpuMask operator&(const CpuMask& o) const {
        CpuMask r(m_nbits);
        for (std::size_t i = 0; i < r.m_words.size() && i < o.m_words.size(); ++i) {
            r.m_words[i] = m_words[i] & o.m_words[i];
        }
        return r;
    }
    bool operator==(const CpuMask& o) const { return m_words == o.m_words; }
    std::vector<int> cpus() const {
        std::vector<int> out;
        for (int c = first(); c < int(m_nbits); c = next(c + 1)) out.push_back(c);
        return out;
    }
    std::string str() const {
        std::string s = "{";
        for (int c : cpus()) s += (s.size() > 1 ? "," : "") + std::to_string(c);
        return s + "}";
    }

private:
    static std::uint64_t bit(int cpu) { return std::uint64_t(1) << (unsigned(cpu) % 64); }
    std::vector<std::uint64_t> m_words;
    unsigned m_nbits = 0;
};

} // namespace smp::os
