// Turns a WorkloadConfig into a deterministic stream of operations (no SystemC).
#pragma once

#include "models/common/op.hpp"
#include "os/workload_config.hpp"

#include <cstdint>
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
    double unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }

private:
    std::uint64_t m_state;
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
    bool next(Op& op) override;

    std::uint64_t accesses_per_pass() const { return m_per_pass; }

private:
    std::uint64_t offset_of(std::uint64_t i);

    WorkloadConfig m_cfg;
    std::uint32_t m_line;
    Rng m_rng;
    std::uint64_t m_per_pass = 0;
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

std::unique_ptr<OpSource> make_workload(const WorkloadConfig& cfg, std::uint32_t line_bytes,
                                        std::uint64_t seed);

} // namespace smp
