// Unit tests for the flat address map (models/common/addr_map.hpp), checked against
// std::unordered_map under the same operations.
#include "models/common/addr_map.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <unordered_map>
#include <vector>

namespace smp {
namespace {

// Every key of the reference is found with its value, and a sample of absent keys is not.
void expect_same(const AddrMap<std::uint64_t>& m,
                 const std::unordered_map<Addr, std::uint64_t>& ref, Addr key_space) {
    ASSERT_EQ(m.size(), ref.size());
    for (Addr k = 0; k < key_space; ++k) {
        const std::uint64_t* v = m.find(k);
        const auto it = ref.find(k);
        if (it == ref.end()) {
            ASSERT_EQ(v, nullptr) << "key " << k;
        } else {
            ASSERT_NE(v, nullptr) << "key " << k;
            ASSERT_EQ(*v, it->second) << "key " << k;
        }
    }
}

TEST(AddrMap, EmptyFindsNothingAndEraseOfAnAbsentKeyIsHarmless) {
    AddrMap<std::uint64_t> m;
    EXPECT_EQ(m.find(0), nullptr);
    EXPECT_EQ(m.find(12345), nullptr);
    m.erase(7);
    EXPECT_EQ(m.size(), 0u);
    m.set(0, 5); // key 0 is an ordinary key
    m.erase(1);
    ASSERT_NE(m.find(0), nullptr);
    EXPECT_EQ(*m.find(0), 5u);
    EXPECT_EQ(m.size(), 1u);
}

TEST(AddrMap, SetOverwritesAndEraseRemovesOnlyItsKey) {
    AddrMap<std::uint64_t> m;
    m.set(0x1000, 1);
    m.set(0x2000, 2);
    m.set(0x1000, 3);
    EXPECT_EQ(m.size(), 2u);
    EXPECT_EQ(*m.find(0x1000), 3u);
    m.erase(0x1000);
    EXPECT_EQ(m.find(0x1000), nullptr);
    EXPECT_EQ(*m.find(0x2000), 2u);
    EXPECT_EQ(m.size(), 1u);
}

// Random inserts, overwrites and erases over a small key space: long probe runs, runs that wrap
// around the table's end, and erases from their middle (the backward shift) all occur.
TEST(AddrMap, AgreesWithUnorderedMapUnderRandomOperations) {
    for (Addr key_space : {Addr(8), Addr(40), Addr(300), Addr(5000)}) {
        std::mt19937_64 rng(key_space);
        AddrMap<std::uint64_t> m;
        std::unordered_map<Addr, std::uint64_t> ref;
        for (int step = 0; step < 20000; ++step) {
            const Addr k = rng() % key_space;
            if (rng() % 3 == 0) {
                m.erase(k);
                ref.erase(k);
            } else {
                const std::uint64_t v = rng();
                m.set(k, v);
                ref[k] = v;
            }
            if (step % 997 == 0) expect_same(m, ref, key_space);
        }
        expect_same(m, ref, key_space);
        // Drain it: every erase keeps the others reachable.
        for (Addr k = 0; k < key_space; ++k) {
            m.erase(k);
            ref.erase(k);
            if (k % 7 == 0) expect_same(m, ref, key_space);
        }
        EXPECT_EQ(m.size(), 0u);
    }
}

// Line addresses (multiples of 64) spread as well as small integers do.
TEST(AddrMap, LineAddressesAcrossGrowth) {
    AddrMap<std::uint64_t> m;
    std::unordered_map<Addr, std::uint64_t> ref;
    for (Addr i = 0; i < 3000; ++i) {
        m.set(i * 64 + (Addr(1) << 47), i);
        ref[i * 64 + (Addr(1) << 47)] = i;
    }
    for (Addr i = 0; i < 3000; i += 2) {
        m.erase(i * 64 + (Addr(1) << 47));
        ref.erase(i * 64 + (Addr(1) << 47));
    }
    ASSERT_EQ(m.size(), ref.size());
    for (Addr i = 0; i < 3000; ++i) {
        const std::uint64_t* v = m.find(i * 64 + (Addr(1) << 47));
        if (i % 2 == 0) {
            EXPECT_EQ(v, nullptr);
        } else {
            ASSERT_NE(v, nullptr);
            EXPECT_EQ(*v, i);
        }
    }
}

} // namespace
} // namespace smp
