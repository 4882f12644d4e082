// Turns a WorkloadConfig into a deterministic stream of operations (no SystemC).
#pragma once

#include "models/common/op.hpp"
#include "os/workload_config.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <memory>
#include <vector>

namespace smp {

// Small deterministic generator (splitmix64); the same seed gives the same stream everywhere.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    std::uint64_t below(std::uint64_t n) { return next() % n; }

private:
    std::uint64_t m_state;
};

// x % n by a multiplication with n's reciprocal, computed once: the same remainders as `%`
// without a division per number (a batch of random offsets otherwise waits on the divider).
// q = floor(x * floor((2^64-1)/n) / 2^64) is floor(x/n) or one less, so one correction is exact.
class Modulus {
public:
    explicit Modulus(std::uint64_t n) : m_n(n), m_inv(n ? ~std::uint64_t(0) / n : 0) {}
    std::uint64_t of(std::uint64_t x) const {
        __extension__ using U128 = unsigned __int128;
        const auto q = static_cast<std::uint64_t>((static_cast<U128>(x) * m_inv) >> 64);
        const std::uint64_t r = x - q * m_n;
        return r >= m_n ? r - m_n : r;
    }

private:
    std::uint64_t m_n, m_inv;
};

// Working set: `passes` sweeps over [base, base+size) in the configured pattern.
//  sequential:    every access_size bytes, in address order;
//  strided:       every `stride` bytes, in address order;
//  random:        size/access_size accesses per pass at uniformly random aligned offsets;
//  pointer_chase: one access per line per pass along a fixed random cycle through all lines.
// Each access is a store with probability write_ratio, followed by compute_per_access cycles.
class WorkingSetSource : public OpSource {
public:
    WorkingSetSource(const WorkloadConfig& cfg, std::uint32_t line_bytes, std::uint64_t seed);
    bool next(Op& op) final;
    std::size_t next_batch(Op* out, std::size_t max) override; // no Sys, no failure mid-run

    std::uint64_t accesses_per_pass() const { return m_per_pass; }

private:
    std::uint64_t offset_of(std::uint64_t i);
    // Whether the next access is a store; Draw: whether a number is drawn (0 < write_ratio < 1).
    template <bool Draw> bool store_coin();
    // Writes the access at offset `off` into op and moves on to the next index.
    void emit(Op& op, std::uint64_t off, bool store, bool dep);
    // next_batch() for accesses without compute steps, neither pointer chasing nor ended.
    template <bool Random, bool Draw> std::size_t fill(Op* out, std::size_t max);

    WorkloadConfig m_cfg;
    std::uint32_t m_line;
    Rng m_rng;
    std::uint64_t m_per_pass = 0;
    Modulus m_random{1};       // the random pattern's offsets: a number below m_per_pass
    bool m_draw = false;       // 0 < write_ratio < 1: each access tosses a coin
    bool m_all_stores = false; // write_ratio >= 1
    // A store when k = next() >> 11 is below this: the same as k * 2^-53 < write_ratio, since
    // both products are exact, so k < ceil(write_ratio * 2^53).
    std::uint64_t m_store_below = 0;
    std::uint64_t m_index = 0; // access index within the pass
    std::uint64_t m_pass = 0;
    bool m_compute_pending = false;
    std::vector<std::uint32_t> m_chain; // pointer_chase: next line index
    std::uint32_t m_chase = 0;
};

// Spin: one compute block.
class SpinSource : public OpSource {
public:
    explicit SpinSource(Cycle cycles) : m_cycles(cycles) {}
    bool next(Op& op) override;

private:
    Cycle m_cycles;
    bool m_done = false;
};

// Linux 2.6.16 touch_cache(buf, size) (kernel/sched.c, reference-targets §2.2): the buffer as
// n = size/8 longs, chunk1 = n/3, chunk2 = 2n/3; for i = 0, 8, 16, ... < n/6 a switch on i % 6
// falls through the words [i], [n-1-i], [chunk1-i], [chunk1+i], [chunk2-i], [chunk2+i] from
// candidate i % 6 on. Each touch is a read-modify-write (a load, then a store) of one long.
class TouchCacheSource : public OpSource {
public:
    TouchCacheSource(Addr base, std::uint64_t size, std::uint64_t passes);
    bool next(Op& op) override;
    // The word indices one pass touches, in order.
    static std::vector<std::uint64_t> words(std::uint64_t size);

private:
    Addr m_base;
    std::uint64_t m_n, m_passes;
    std::uint64_t m_pass = 0, m_i = 0;
    unsigned m_slot = 0;
    bool m_store = false; // the store half of the current touch is next
};

// A single system operation (sleep, set_affinity, wbinvd, clflush, mark, pipe, barrier).
class SysSource : public OpSource {
public:
    SysSource(const Op& op, std::vector<int> cpus, std::string label)
        : m_op(op), m_cpus(std::move(cpus)), m_label(std::move(label)) {}
    bool next(Op& op) override;

private:
    Op m_op;
    std::vector<int> m_cpus;
    std::string m_label;
    bool m_done = false;
};

// What building a program needs from the machine: the line size, the clock (for durations in
// ns) and the ids of named pipes and barriers.
struct ProgramEnv {
    std::uint32_t line_bytes = 64;
    double freq_ghz = 2.0;
    std::function<int(const std::string&)> object; // name -> id (pipes and barriers)
};

// Phases: each step's program in turn, the list `repeat` times. A step's program is built when
// the step starts, with its own seed (from the phase seed, the step and the repetition).
class PhasesSource : public OpSource {
public:
    PhasesSource(const WorkloadConfig& cfg, ProgramEnv env, std::uint64_t seed);
    bool next(Op& op) override;
    void result(std::int64_t value) override {
        if (m_current) m_current->result(value);
    }

private:
    const WorkloadConfig m_cfg;
    ProgramEnv m_env;
    std::uint64_t m_seed;
    std::uint64_t m_rep = 0;
    std::size_t m_step = 0;
    std::unique_ptr<OpSource> m_current;
};

std::unique_ptr<OpSource> make_workload(const WorkloadConfig& cfg, const ProgramEnv& env,
                                        std::uint64_t seed);

} // namespace smp
