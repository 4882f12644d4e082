// PELT arithmetic (Linux 4.7 kernel/sched/fair.c :660-830), integer and fixed-point as there.
// The two tables are computed from y = 2^(-1/32) the way the kernel's were generated.
#include "os/pelt.hpp"

#include <array>
#include <cmath>

namespace smp::os {

namespace {

struct Tables {
    std::array<std::uint32_t, LOAD_AVG_PERIOD> inv{};     // runnable_avg_yN_inv: y^n * (2^32 - 1)
    std::array<std::uint32_t, LOAD_AVG_PERIOD + 1> sum{}; // runnable_avg_yN_sum: sum 1024 y^i
    Tables() {
        const double y = std::pow(0.5, 1.0 / LOAD_AVG_PERIOD);
        for (std::uint32_t n = 0; n < LOAD_AVG_PERIOD; ++n) {
            inv[n] = static_cast<std::uint32_t>(4294967295.0 * std::pow(y, double(n)));
        }
        double s = 0.0;
        for (std::uint32_t n = 1; n <= LOAD_AVG_PERIOD; ++n) {
            s += 1024.0 * std::pow(y, double(n));
            sum[n] = static_cast<std::uint32_t>(s);
        }
    }
};

const Tables& tables() {
    static const Tables t;
    return t;
}

} // namespace

std::uint64_t decay_load(std::uint64_t val, std::uint64_t n) {
    if (!n) return val;
    if (n > std::uint64_t(LOAD_AVG_PERIOD) * 63) return 0;
    auto local_n = static_cast<std::uint32_t>(n);
    if (local_n >= LOAD_AVG_PERIOD) {
        val >>= local_n / LOAD_AVG_PERIOD;
        local_n %= LOAD_AVG_PERIOD;
    }
    // mul_u64_u32_shr(val, runnable_avg_yN_inv[local_n], 32)
    return static_cast<std::uint64_t>(
        (static_cast<unsigned __int128>(val) * tables().inv[local_n]) >> 32);
}

std::uint32_t compute_runnable_contrib(std::uint64_t n) {
    const Tables& t = tables();
    if (n <= LOAD_AVG_PERIOD) return t.sum[n];
    if (n >= LOAD_AVG_MAX_N) return static_cast<std::uint32_t>(LOAD_AVG_MAX);
    std::uint32_t contrib = 0;
    do { // y^LOAD_AVG_PERIOD = 1/2
        contrib /= 2;
        contrib += t.sum[LOAD_AVG_PERIOD];
        n -= LOAD_AVG_PERIOD;
    } while (n > LOAD_AVG_PERIOD);
    contrib = static_cast<std::uint32_t>(decay_load(contrib, n));
    return contrib + t.sum[n];
}

bool update_load_avg(SchedAvg& sa, std::uint64_t now, unsigned long weight) {
    std::uint64_t delta = now - sa.last_update_time;
    if (static_cast<std::int64_t>(delta) < 0) { // another CPU's clock ran a little behind
        sa.last_update_time = now;
        return false;
    }
    delta >>= 10; // 1024 ns units
    if (!delta) return false;
    sa.last_update_time = now;
    bool decayed = false;
    std::uint32_t delta_w = sa.period_contrib;
    if (delta + delta_w >= 1024) {
        decayed = true;
        sa.period_contrib = 0;
        delta_w = 1024 - delta_w; // completes the current period
        sa.load_sum += std::uint64_t(weight) * delta_w;
        delta -= delta_w;
        const std::uint64_t periods = delta / 1024;
        delta %= 1024;
        sa.load_sum = decay_load(sa.load_sum, periods + 1);
        sa.load_sum += std::uint64_t(weight) * compute_runnable_contrib(periods);
    }
    sa.load_sum += std::uint64_t(weight) * delta; // the start of the new current period
    sa.period_contrib += static_cast<std::uint32_t>(delta);
    if (decayed) sa.load_avg = static_cast<unsigned long>(sa.load_sum / LOAD_AVG_MAX);
    return decayed;
}

void init_runnable_average(SchedAvg& sa, unsigned long weight) {
    sa.period_contrib = 1023;
    sa.load_avg = weight;
    sa.load_sum = std::uint64_t(weight) * LOAD_AVG_MAX;
    sa.last_update_time = 0;
}

const unsigned long prio_to_weight[40] = {
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904,
    3906,  3121,  2501,  1991,  1586,  1277,  1024,  820,   655,   526,   423,  335,  272,  215,
    172,   137,   110,   87,    70,    56,    45,    36,    29,    23,    18,   15,
};

unsigned long nice_to_weight(int nice) {
    if (nice < -20) nice = -20;
    if (nice > 19) nice = 19;
    return prio_to_weight[nice + 20];
}

} // namespace smp::os
