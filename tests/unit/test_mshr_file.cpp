// Unit tests for the MSHR file (models/cache/mshr_file.hpp): its earliest register must be the
// one a full search finds (the earliest free, the lowest index on a tie), in and out of rotation.
#include "models/cache/mshr_file.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace smp {
namespace {

// The definition: a search over every register.
std::size_t search(const std::vector<Cycle>& free) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < free.size(); ++i) {
        if (free[i] < free[best]) best = i;
    }
    return best;
}

// Drives an MshrFile and the plain search side by side: each step takes the earliest register
// and occupies it until `until(free_at)`; returns the registers chosen.
template <typename Until> std::vector<std::size_t> drive(std::size_t n, int steps, Until until) {
    MshrFile f(n);
    std::vector<Cycle> ref(n, 0);
    std::vector<std::size_t> chosen;
    for (int s = 0; s < steps; ++s) {
        const std::size_t i = f.earliest();
        EXPECT_EQ(i, search(ref)) << "step " << s;
        EXPECT_EQ(f.free_at(i), ref[i]);
        const Cycle u = until(ref[i]);
        f.occupy(i, u);
        ref[i] = u;
        chosen.push_back(i);
    }
    return chosen;
}

TEST(MshrFile, StartsAllFreeAtZeroAndTakesTheLowestIndex) {
    MshrFile f(4);
    EXPECT_EQ(f.size(), 4u);
    EXPECT_EQ(f.earliest(), 0u);
    for (std::size_t i = 0; i < 4; ++i)
        EXPECT_EQ(f.free_at(i), 0u);
}

TEST(MshrFile, InOrderCompletionsRotate) {
    // A blocking core: each miss completes after the previous one. Four registers are taken
    // 0, 1, 2, 3, 0, 1, ...
    Cycle t = 0;
    const auto chosen = drive(4, 12, [&](Cycle) { return t += 100; });
    for (std::size_t s = 0; s < chosen.size(); ++s)
        EXPECT_EQ(chosen[s], s % 4);
}

TEST(MshrFile, OneRegister) {
    Cycle t = 0;
    const auto chosen = drive(1, 5, [&](Cycle) { return t += 7; });
    for (std::size_t i : chosen)
        EXPECT_EQ(i, 0u);
}

TEST(MshrFile, AnEqualCompletionEndsTheRotationWithTheSameAnswers) {
    // Two misses completing at the same cycle: the tie goes to the lower index, which the
    // rotation alone would not give once it has wrapped.
    const std::vector<Cycle> seq = {10, 20, 30, 40, 40, 40, 50, 50, 60};
    std::size_t k = 0;
    drive(3, static_cast<int>(seq.size()), [&](Cycle) { return seq[k++]; });
}

TEST(MshrFile, ATieAcrossTheWrapGoesToTheLowerIndex) {
    // Two registers taken 0, 1, then 0 again until 20, as 1 is: both free at 20, and the search
    // takes 0, where the rotation would go on to 1.
    const std::vector<Cycle> seq = {10, 20, 20, 30};
    std::size_t k = 0;
    const auto chosen = drive(2, 4, [&](Cycle) { return seq[k++]; });
    EXPECT_EQ(chosen, (std::vector<std::size_t>{0, 1, 0, 0}));
}

TEST(MshrFile, OccupyingAnotherRegisterThanTheEarliestEndsTheRotation) {
    MshrFile f(3);
    f.occupy(2, 5); // not the earliest (0)
    EXPECT_EQ(f.earliest(), 0u);
    f.occupy(0, 7);
    EXPECT_EQ(f.earliest(), 1u);
    f.occupy(1, 9);
    EXPECT_EQ(f.earliest(), 2u);
    f.occupy(2, 11);
    EXPECT_EQ(f.earliest(), 0u);
}

TEST(MshrFile, OutOfOrderCompletionsAgreeWithTheSearch) {
    // Random latencies (misses of different lengths in flight at once), with ties, on sizes
    // from 1 to 16 registers: every choice is the search's.
    for (std::size_t n = 1; n <= 16; ++n) {
        std::mt19937_64 rng(n);
        Cycle now = 0;
        drive(n, 2000, [&](Cycle free) {
            now += rng() % 4;
            const Cycle start = std::max(now, free);
            return start + 1 + rng() % 8;
        });
    }
}

TEST(MshrFile, InOrderThenOutOfOrder) {
    // A long in-order stretch, then completions that overtake: the answers stay the search's.
    Cycle t = 0;
    int step = 0;
    std::mt19937_64 rng(7);
    drive(8, 400, [&](Cycle free) {
        ++step;
        if (step < 100) return t += 50;
        return std::max(free, t) + rng() % 200;
    });
}

} // namespace
} // namespace smp
