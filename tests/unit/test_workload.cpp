// The workload generators produce the address streams they promise (os/workload.hpp).
#include "os/workload.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

using namespace smp;

namespace {

WorkloadConfig ws(std::int64_t size, const std::string& pattern, std::int64_t passes = 1) {
    WorkloadConfig w;
    w.size = size;
    w.pattern = pattern;
    w.passes = passes;
    w.base = 0x1000;
    return w;
}

std::vector<Op> drain(OpSource& s, std::size_t limit = 1u << 24) {
    std::vector<Op> ops;
    Op op;
    while (ops.size() < limit && s.next(op))
        ops.push_back(op);
    return ops;
}

std::vector<Op> drain(const WorkloadConfig& w, std::uint64_t seed = 1) {
    ProgramEnv env;
    env.object = [](const std::string& name) { return name == "p" ? 7 : 3; };
    auto s = make_workload(w, env, seed);
    return drain(*s);
}

} // namespace

TEST(Workload, SequentialVisitsEveryAccessSizeStepInOrder) {
    WorkloadConfig w = ws(1024, "sequential", 2);
    w.access_size = 16;
    const auto ops = drain(w);
    ASSERT_EQ(ops.size(), 2u * 64);
    for (std::size_t i = 0; i < ops.size(); ++i) {
        EXPECT_EQ(ops[i].kind, OpKind::Load);
        EXPECT_EQ(ops[i].addr, 0x1000 + (i % 64) * 16);
        EXPECT_EQ(ops[i].size, 16u);
    }
}

TEST(Workload, StridedStepsByTheStrideAndClipsTheLastAccess) {
    WorkloadConfig w = ws(1000, "strided");
    w.stride = 96;
    w.access_size = 8;
    const auto ops = drain(w);
    ASSERT_EQ(ops.size(), 11u); // ceil(1000 / 96)
    for (std::size_t i = 0; i < ops.size(); ++i)
        EXPECT_EQ(ops[i].addr, 0x1000 + i * 96);
    WorkloadConfig tail = ws(100, "sequential");
    tail.access_size = 64;
    const auto t = drain(tail);
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[1].size, 36u); // stays inside the working set
}

// Modulus gives `%`'s remainders: small and huge divisors, powers of two and their neighbours,
// numerators at the ends of the range and a million random ones.
TEST(Workload, ModulusEqualsTheRemainder) {
    const std::uint64_t top = ~std::uint64_t(0);
    std::vector<std::uint64_t> divisors = {1,
                                           2,
                                           3,
                                           5,
                                           7,
                                           10,
                                           1000,
                                           16384,
                                           16383,
                                           16385,
                                           (1ull << 32) - 1,
                                           1ull << 32,
                                           (1ull << 32) + 1,
                                           (1ull << 63) - 1,
                                           1ull << 63,
                                           (1ull << 63) + 1,
                                           top - 1,
                                           top};
    Rng rng(9);
    for (int i = 0; i < 200; ++i)
        divisors.push_back(rng.next() >> (rng.next() % 64));
    for (std::uint64_t n : divisors) {
        if (n == 0) continue;
        const Modulus m(n);
        for (std::uint64_t x : {std::uint64_t(0), std::uint64_t(1), n - 1, n, n + 1, 2 * n - 1,
                                2 * n, top - 1, top, top - n, top / n * n, top / n * n - 1})
            ASSERT_EQ(m.of(x), x % n) << x << " % " << n;
        for (int k = 0; k < 5000; ++k) {
            const std::uint64_t x = rng.next();
            ASSERT_EQ(m.of(x), x % n) << x << " % " << n;
        }
    }
}

// Each access is a store when the generator's next number, as a fraction in [0, 1) of 53 bits,
// is below write_ratio: computed here in floating point from the same seed (a sequential set
// draws nothing else), one by one and in batches.
TEST(Workload, StoresAreTheDrawsBelowTheWriteRatio) {
    for (double wr : {0.3, 0.5, 1.0 / 3.0, 0.999999, 1e-6}) {
        WorkloadConfig w = ws(64 * 1024, "sequential", 4);
        w.write_ratio = wr;
        const std::size_t n = 4 * 64 * 1024 / 8;
        std::vector<bool> expected;
        Rng r(7);
        for (std::size_t i = 0; i < n; ++i)
            expected.push_back(static_cast<double>(r.next() >> 11) * 0x1p-53 < wr);
        ProgramEnv env;
        const std::vector<Op> one = drain(*make_workload(w, env, 7));
        auto src = make_workload(w, env, 7);
        std::vector<Op> batched, buf(32);
        for (std::size_t k; (k = src->next_batch(buf.data(), buf.size())) > 0;)
            batched.insert(batched.end(), buf.begin(), buf.begin() + k);
        ASSERT_EQ(one.size(), n);
        ASSERT_EQ(batched.size(), n);
        for (std::size_t i = 0; i < n; ++i) {
            ASSERT_EQ(one[i].kind == OpKind::Store, expected[i]) << wr << " op " << i;
            ASSERT_EQ(batched[i].kind == OpKind::Store, expected[i]) << wr << " op " << i;
        }
    }
}

TEST(Workload, RandomStaysAlignedInsideAndIsSeeded) {
    const auto a = drain(ws(4096, "random", 4), 5);
    ASSERT_EQ(a.size(), 4u * 512);
    std::set<Addr> seen;
    for (const Op& op : a) {
        EXPECT_GE(op.addr, 0x1000u);
        EXPECT_LT(op.addr, 0x2000u);
        EXPECT_EQ(op.addr % 8, 0u);
        seen.insert(op.addr);
    }
    EXPECT_GT(seen.size(), 400u); // 2048 draws over 512 slots cover most of them
    const auto b = drain(ws(4096, "random", 4), 5);
    const auto c = drain(ws(4096, "random", 4), 6);
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(),
                           [](const Op& x, const Op& y) { return x.addr == y.addr; }));
    EXPECT_FALSE(std::equal(a.begin(), a.end(), c.begin(),
                            [](const Op& x, const Op& y) { return x.addr == y.addr; }));
}

TEST(Workload, OnlyPointerChasingLoadsDependOnThePreviousLoad) {
    for (const char* pattern : {"sequential", "strided", "random"}) {
        for (const Op& op : drain(ws(64 * 10, pattern, 1))) EXPECT_FALSE(op.dep) << pattern;
    }
}

TEST(Workload, PointerChaseIsOneCycleThroughAllLinesRepeatedEachPass) {
    const auto ops = drain(ws(64 * 100, "pointer_chase", 3));
    ASSERT_EQ(ops.size(), 300u);
    std::set<Addr> first;
    for (std::size_t i = 0; i < 100; ++i) {
        EXPECT_EQ(ops[i].addr % 64, 0u);
        EXPECT_TRUE(ops[i].dep) << "each address is the previous load's data";
        first.insert(ops[i].addr);
        EXPECT_EQ(ops[i + 100].addr, ops[i].addr); // the same chain every pass
    }
    EXPECT_EQ(first.size(), 100u);
    bool in_order = true;
    for (std::size_t i = 1; i < 100; ++i)
        in_order &= ops[i].addr == ops[i - 1].addr + 64;
    EXPECT_FALSE(in_order);
}

TEST(Workload, WriteRatioAndComputePerAccess) {
    WorkloadConfig w = ws(8 * 4000, "sequential");
    w.write_ratio = 1.0;
    w.compute_per_access = 5;
    const auto all = drain(w);
    ASSERT_EQ(all.size(), 8000u);
    for (std::size_t i = 0; i < all.size(); i += 2) {
        EXPECT_EQ(all[i].kind, OpKind::Store);
        EXPECT_EQ(all[i + 1].kind, OpKind::Compute);
        EXPECT_EQ(all[i + 1].cycles, 5u);
    }
    w.write_ratio = 0.25;
    w.compute_per_access = 0;
    const auto mix = drain(w);
    const auto stores =
        std::count_if(mix.begin(), mix.end(), [](const Op& o) { return o.kind == OpKind::Store; });
    EXPECT_NEAR(double(stores) / 4000.0, 0.25, 0.03); // 4000 Bernoulli draws: sd 0.007
}

TEST(Workload, TouchCacheTouchesTwoThirdsOfTheLines) {
    // 2 MiB: 21850 read-modify-writes of 8-byte words (reference-targets §2.2).
    const auto words = TouchCacheSource::words(2 * 1024 * 1024);
    EXPECT_EQ(words.size(), 21850u);
    for (std::uint64_t size : {64u * 1024, 256u * 1024, 2u * 1024 * 1024, 3u * 1024 * 1024}) {
        std::set<std::uint64_t> lines;
        for (auto w : TouchCacheSource::words(size)) {
            ASSERT_LT(w, size / 8);
            lines.insert(w / 8);
        }
        const double share = double(lines.size()) / double(size / 64);
        EXPECT_NEAR(share, 2.0 / 3.0, 0.002) << size;
    }
    // Each touch is a load, then a store to the same word; the first six are i = 0's candidates.
    WorkloadConfig w;
    w.kind = "touch_cache";
    w.size = 6 * 64 * 8; // n = 384 longs: chunk1 = 128, chunk2 = 256
    w.base = 0;
    const auto ops = drain(w);
    const std::uint64_t expect[] = {0, 383, 128, 128, 256, 256};
    for (int k = 0; k < 6; ++k) {
        EXPECT_EQ(ops[2 * k].kind, OpKind::Load);
        EXPECT_EQ(ops[2 * k + 1].kind, OpKind::Store);
        EXPECT_EQ(ops[2 * k].addr, expect[k] * 8);
        EXPECT_EQ(ops[2 * k + 1].addr, expect[k] * 8);
    }
    // i = 8 (8 % 6 == 2) enters at the third candidate: chunk1 - 8.
    EXPECT_EQ(ops[12].addr, (128 - 8) * 8);
    EXPECT_EQ(ops.size(), 2u * (6 + 4 + 2 + 6 + 4 + 2 + 6 + 4)); // i = 0..56 < 64
}

TEST(Workload, PhasesRunStepsInOrderRepeatedWithTheirFields) {
    WorkloadConfig mark;
    mark.kind = "mark";
    mark.label = "m";
    WorkloadConfig pipe;
    pipe.kind = "pipe_write";
    pipe.object = "p";
    pipe.bytes = 12;
    WorkloadConfig spin;
    spin.kind = "spin";
    spin.ns = 1000; // at 2 GHz: 2000 cycles
    WorkloadConfig ph;
    ph.kind = "phases";
    ph.steps = {ws(128, "sequential"), mark, pipe, spin};
    ph.repeat = 3;
    const auto ops = drain(ph);
    ASSERT_EQ(ops.size(), 3u * (16 + 3));
    for (int r = 0; r < 3; ++r) {
        const Op* o = &ops[std::size_t(r) * 19];
        EXPECT_EQ(o[0].addr, 0x1000u);
        EXPECT_EQ(o[16].kind, OpKind::Sys);
        EXPECT_EQ(o[16].sys, SysOp::Mark);
        EXPECT_EQ(o[17].sys, SysOp::PipeWrite);
        EXPECT_EQ(o[17].obj, 7);
        EXPECT_EQ(o[17].size, 12u);
        EXPECT_EQ(o[18].kind, OpKind::Compute);
        EXPECT_EQ(o[18].cycles, 2000u);
    }
    ph.repeat = 0;
    EXPECT_TRUE(drain(ph).empty());
}

TEST(Workload, RandomStepsDrawFreshAddressesEachRepetition) {
    WorkloadConfig ph;
    ph.kind = "phases";
    ph.steps = {ws(4096, "random")};
    ph.repeat = 2;
    const auto ops = drain(ph);
    ASSERT_EQ(ops.size(), 1024u);
    EXPECT_FALSE(std::equal(ops.begin(), ops.begin() + 512, ops.begin() + 512,
                            [](const Op& x, const Op& y) { return x.addr == y.addr; }));
}

namespace {

// What the core reads from an operation of its kind (a compute step sets only its cycles).
bool same_op(const Op& a, const Op& b) {
    if (a.kind != b.kind) return false;
    if (a.kind == OpKind::Compute) return a.cycles == b.cycles;
    if (a.kind == OpKind::Sys) {
        return a.sys == b.sys && a.size == b.size && a.addr == b.addr && a.cycles == b.cycles &&
               a.obj == b.obj && a.cpus == b.cpus && a.label == b.label;
    }
    return a.size == b.size && a.addr == b.addr && a.dep == b.dep;
}

// Gives `ops` in order, then false; counts next() calls after the first false.
class Script : public OpSource {
public:
    explicit Script(std::vector<Op> ops) : m_ops(std::move(ops)) {}
    bool next(Op& op) override {
        if (m_at == m_ops.size()) {
            ended_calls += ended ? 1 : 0;
            ended = true;
            return false;
        }
        op = m_ops[m_at++];
        return true;
    }
    bool ended = false;
    int ended_calls = 0;

private:
    std::vector<Op> m_ops;
    std::size_t m_at = 0;
};

Op make(OpKind kind, Addr addr) {
    Op op;
    op.kind = kind;
    op.addr = addr;
    return op;
}

} // namespace

// The batches together are the one-by-one sequence, whatever the batch size: every pattern,
// with and without compute steps (accesses alone take the batch's own loop), loads only, a store
// mix and stores only, and an access size that does not divide the set (a short last access).
TEST(Workload, WorkingSetBatchesGiveTheSameOperationsAsNext) {
    for (const char* pattern : {"sequential", "strided", "random", "pointer_chase"}) {
        for (std::int64_t compute : {0, 2}) {
            for (double wr : {0.0, 0.3, 0.5, 0.999999, 1.0}) {
                WorkloadConfig w = ws(8192 + 24, pattern, 3);
                w.access_size = 48;
                w.stride = 160;
                w.write_ratio = wr;
                w.compute_per_access = compute;
                const std::string what = std::string(pattern) + " compute " +
                                         std::to_string(compute) + " stores " + std::to_string(wr);
                ProgramEnv env;
                const std::vector<Op> one = drain(*make_workload(w, env, 5));
                ASSERT_GT(one.size(), 3u * 50) << what;
                for (std::size_t max : {1, 7, 32, 1000}) {
                    auto src = make_workload(w, env, 5);
                    std::vector<Op> batched, buf(max);
                    for (std::size_t n; (n = src->next_batch(buf.data(), max)) > 0;)
                        batched.insert(batched.end(), buf.begin(), buf.begin() + n);
                    ASSERT_EQ(batched.size(), one.size()) << what << " max " << max;
                    for (std::size_t i = 0; i < one.size(); ++i)
                        ASSERT_TRUE(same_op(batched[i], one[i]) && batched[i].kind == one[i].kind)
                            << what << " max " << max << " op " << i;
                }
            }
        }
    }
}

// By default a batch is one operation, and 0 ends the program: read as bare metal reads it,
// next() is not called again after it returned false (a Sys result and a failing record keep
// their place).
TEST(Workload, DefaultBatchIsOneOperation) {
    Script s({make(OpKind::Load, 1), make(OpKind::Sys, 2), make(OpKind::Store, 3)});
    Op buf[4];
    std::vector<Addr> got;
    for (std::size_t n; (n = s.next_batch(buf, 4)) > 0;) {
        EXPECT_EQ(n, 1u);
        got.push_back(buf[0].addr);
    }
    EXPECT_EQ(got, (std::vector<Addr>{1, 2, 3}));
    EXPECT_TRUE(s.ended);
    EXPECT_EQ(s.ended_calls, 0);
}
