// Clocked's conversions between cycles and SystemC time (models/common/clocked.hpp): exact in
// both directions, and to_cycles (a multiply by the period's inverse) equals the quotient.
#include "models/common/clocked.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>

namespace smp {
namespace {

TEST(Clocked, CyclesToTimeAndBackAreExact) {
    for (double ghz : {2.0, 2.2, 2.8, 1.0, 3.0, 0.5, 4.0}) {
        const Clocked c(ghz);
        const std::uint64_t p = c.period().value();
        for (Cycle n :
             {Cycle(0), Cycle(1), Cycle(7), Cycle(1000), Cycle(123456789), Cycle(1) << 40}) {
            EXPECT_EQ(c.cycles(n).value(), n * p) << ghz << " " << n;
            EXPECT_EQ(c.to_cycles(c.cycles(n)), n) << ghz << " " << n;
        }
    }
}

TEST(Clocked, ToCyclesIsTheQuotientOffTheGridToo) {
    // Times that are not whole cycles (a ns latency of another clock) round down, as t / p.
    std::uint64_t x = 0x9E3779B97F4A7C15ull;
    for (double ghz : {2.0, 2.2, 2.8, 3.3}) {
        const Clocked c(ghz);
        const std::uint64_t p = c.period().value();
        for (int i = 0; i < 100000; ++i) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            const std::uint64_t t = x % (std::uint64_t(1) << 52); // up to 75 minutes in ps
            ASSERT_EQ(c.to_cycles(sc_core::sc_time::from_value(t)), t / p) << ghz << " " << t;
            const std::uint64_t edge = (t / p + 1) * p - 1; // the last ps before a cycle
            ASSERT_EQ(c.to_cycles(sc_core::sc_time::from_value(edge)), edge / p) << edge;
        }
    }
}

TEST(Clocked, APeriodBelowTwoPicosecondsIsRefused) {
    // The inverse is ceil(2^64 / period), which a 1 ps period (1000 GHz) does not fit in 64
    // bits; the configuration allows up to 100 GHz (10 ps).
    EXPECT_THROW(Clocked(1000.0), std::invalid_argument);
    EXPECT_THROW(Clocked(1500.0), std::invalid_argument);
    EXPECT_THROW(Clocked(5000.0), std::invalid_argument); // a 0 ps period
    const Clocked c(500.0); // 2 ps
    EXPECT_EQ(c.period().value(), 2u);
    EXPECT_EQ(c.to_cycles(sc_core::sc_time::from_value(7)), 3u);
}

} // namespace
} // namespace smp
