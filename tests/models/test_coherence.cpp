// MESI coherence across cores on one bus, and across sockets through the fabric.
//
// One SystemC thread drives both cores in turn and synchronises after every access, so each
// transaction starts after the previous one has completed in global time (no bus contention).
// Two cores that share data use the same AddressSpace, hence the same physical lines.
#include "model_fixture.hpp"

#include <vector>

namespace smp::test {
namespace {

using mesi::State;

constexpr Cycle kMemory = kL1 + kL2 + kSnoop + kLlc + kMem; // 148
constexpr Cycle kPeer = kL1 + kL2 + kSnoop + kC2c;          // 25: another core's cache supplies
constexpr Cycle kShared = kL1 + kL2 + kSnoop + kLlc;        // 48: the LLC supplies a clean line
constexpr Cycle kUpgrade = kL1 + kL2 + kSnoop + kLlc;       // 48: S->M, the LLC grants ownership

static_assert(kMemory == 148 && kPeer == 25 && kShared == 48 && kUpgrade == 48);

constexpr Addr kX = 0x40000, kY = 0x40040, kZ = 0x40080;

// States of a line in cpu's L1D and L2, as "L1/L2" (e.g. "S/S").
std::string states(System& sys, int cpu, Addr vaddr) {
    const std::string p = "system.cpu" + std::to_string(cpu);
    return std::string(mesi::name(cache(sys, p + ".l1d").state_of(line0(vaddr)))) + "/" +
           mesi::name(cache(sys, p + ".l2").state_of(line0(vaddr)));
}

struct TwoCores {
    System sys;
    AddressSpace as{0, false, nullptr};
    TaskCounters tc[2];
    explicit TwoCores(const SystemConfig& cfg) : sys(cfg) {
        sys.core(0).set_context(0, &as, &tc[0]);
        sys.core(1).set_context(1, &as, &tc[1]);
    }
    Core& c(int i) { return sys.core(static_cast<CpuId>(i)); }
    Counter served(int cpu, ServedBy s) const { return tc[cpu].served[static_cast<int>(s)]; }
};

TEST(Coherence, LoadOfModifiedLineIsCacheToCacheAndWritesBack) {
    TwoCores t(reference_config());
    std::vector<Cycle> lat;
    std::vector<std::string> s0, s1;
    sc_core::sc_spawn([&] {
        lat.push_back(timed(t.c(0), OpKind::Store, kX)); // GetM from memory: M
        s0.push_back(states(t.sys, 0, kX));
        s1.push_back(states(t.sys, 1, kX));
        lat.push_back(timed(t.c(1), OpKind::Load, kX));  // core 0 supplies, M -> S
        s0.push_back(states(t.sys, 0, kX));
        s1.push_back(states(t.sys, 1, kX));
        lat.push_back(timed(t.c(0), OpKind::Load, kX));  // S: L1 hit
        lat.push_back(timed(t.c(1), OpKind::Load, kX));  // S: L1 hit
    });
    sc_core::sc_start();

    EXPECT_EQ(lat, (std::vector<Cycle>{kMemory, kPeer, kL1, kL1}));
    EXPECT_EQ(s0, (std::vector<std::string>{"M/M", "S/S"}));
    EXPECT_EQ(s1, (std::vector<std::string>{"I/I", "S/S"}));
    EXPECT_EQ(t.served(1, ServedBy::PeerCache), 1u);
    EXPECT_EQ(stat(t.sys, "system.bus0.transactions"), 2u);
    EXPECT_EQ(stat(t.sys, "system.bus0.c2c_transfers"), 1u);
    // The M -> S downgrade writes the dirty line back into the LLC (posted), not to memory.
    EXPECT_EQ(stat(t.sys, "system.bus0.writebacks"), 1u);
    EXPECT_EQ(stat(t.sys, "system.llc0.writebacks_in"), 1u);
    EXPECT_EQ(cache(t.sys, "system.llc0").state_of(line0(kX)), State::M);
    EXPECT_EQ(stat(t.sys, "system.llc0.accesses"), 1u); // only the first GetS reached it
    EXPECT_EQ(stat(t.sys, "system.mem0.reads"), 1u);
    EXPECT_EQ(stat(t.sys, "system.mem0.writes"), 0u);
    EXPECT_EQ(stat(t.sys, "system.cpu0.l2.supplied"), 1u);
    EXPECT_EQ(stat(t.sys, "system.cpu0.l1d.supplied"), 1u);
}

// A clean line comes from the LLC that holds it, not from the peer: the snoop answers "clean".
TEST(Coherence, LoadOfExclusiveLineComesFromTheLlcThatHoldsIt) {
    TwoCores t(reference_config());
    std::vector<Cycle> lat;
    std::vector<std::string> s0;
    sc_core::sc_spawn([&] {
        lat.push_back(timed(t.c(0), OpKind::Load, kY)); // alone: E
        s0.push_back(states(t.sys, 0, kY));
        lat.push_back(timed(t.c(1), OpKind::Load, kY)); // the LLC supplies, core 0 E -> S
        s0.push_back(states(t.sys, 0, kY));
    });
    sc_core::sc_start();

    EXPECT_EQ(lat, (std::vector<Cycle>{kMemory, kShared}));
    EXPECT_EQ(s0, (std::vector<std::string>{"E/E", "S/S"}));
    EXPECT_EQ(states(t.sys, 1, kY), "S/S");
    EXPECT_EQ(t.served(1, ServedBy::Llc), 1u);
    EXPECT_EQ(stat(t.sys, "system.bus0.c2c_transfers"), 0u);
    EXPECT_EQ(stat(t.sys, "system.cpu0.l2.supplied"), 0u);
    EXPECT_EQ(stat(t.sys, "system.llc0.accesses"), 2u);
    EXPECT_EQ(stat(t.sys, "system.bus0.writebacks"), 0u);
    EXPECT_EQ(stat(t.sys, "system.llc0.writebacks_in"), 0u);
    EXPECT_EQ(cache(t.sys, "system.llc0").state_of(line0(kY)), State::E);
}

// A non-inclusive LLC that has evicted the line cannot supply it: the peer's clean copy does.
TEST(Coherence, LoadOfExclusiveLineTheLlcDroppedIsCacheToCache) {
    SystemConfig cfg = reference_config();
    cfg.llc.inclusive = false;
    TwoCores t(cfg);
    constexpr Addr kLlcWay = 8 * 1024; // 64 KiB, 8 ways: lines this far apart share an LLC set
    std::vector<Cycle> lat;
    State in_llc = State::M;
    sc_core::sc_spawn([&] {
        lat.push_back(timed(t.c(0), OpKind::Load, kY)); // alone: E
        for (Addr k = 1; k <= 8; ++k) timed(t.c(1), OpKind::Load, kY + k * kLlcWay); // evict kY
        in_llc = cache(t.sys, "system.llc0").state_of(line0(kY));
        lat.push_back(timed(t.c(1), OpKind::Load, kY)); // core 0 supplies, E -> S
    });
    sc_core::sc_start();

    EXPECT_EQ(in_llc, State::I);
    EXPECT_EQ(lat, (std::vector<Cycle>{kMemory, kPeer}));
    EXPECT_EQ(states(t.sys, 0, kY), "S/S");
    EXPECT_EQ(states(t.sys, 1, kY), "S/S");
    EXPECT_EQ(t.served(1, ServedBy::PeerCache), 1u);
    EXPECT_EQ(stat(t.sys, "system.bus0.c2c_transfers"), 1u);
    EXPECT_EQ(stat(t.sys, "system.cpu0.l2.supplied"), 1u);
    EXPECT_EQ(stat(t.sys, "system.bus0.writebacks"), 0u);
}

// A dirty L1 line the non-inclusive L2 has dropped comes back into the L2 on its writeback, and
// stays recorded as filled by the task and CPU that brought it in (the ghost's footprint).
TEST(Coherence, WritebackIntoANonInclusiveL2KeepsTheLinesFiller) {
    SystemConfig cfg = reference_config();
    cfg.l2.inclusive = false;
    TwoCores t(cfg);                // core 1 runs task 1
    constexpr Addr kWay = 2 * 1024; // the L1D and the L2 have 32 sets: 2 KiB apart, same set
    std::string mid;
    sc_core::sc_spawn([&] {
        timed(t.c(1), OpKind::Store, kX); // M in the L1D and the L2
        // Eight instruction fetches fill the L2 set through the L1I: the L2 drops kX, the L1D
        // keeps it.
        for (Addr k = 1; k <= 8; ++k)
            timed(t.c(1), OpKind::IFetch, kX + k * kWay);
        mid = states(t.sys, 1, kX);
        // Two loads into the 2-way L1D set evict kX from it: written back into the L2.
        for (Addr k = 1; k <= 2; ++k)
            timed(t.c(1), OpKind::Load, kX + k * kWay);
    });
    sc_core::sc_start();

    EXPECT_EQ(mid, "M/I");
    EXPECT_EQ(states(t.sys, 1, kX), "I/M");
    EXPECT_EQ(stat(t.sys, "system.cpu1.l2.writebacks_in"), 1u);
    const TagArray& tags = cache(t.sys, "system.cpu1.l2").tags();
    const int way = tags.find(line0(kX));
    ASSERT_GE(way, 0);
    const LineInfo& l = tags.at(tags.set_of(line0(kX)), static_cast<std::uint32_t>(way));
    EXPECT_EQ(l.filler_task, TaskId(1));
    EXPECT_EQ(l.filler_cpu(), CpuId(1));
}

TEST(Coherence, StoreToSharedLineUpgradesAndInvalidatesTheSharer) {
    TwoCores t(reference_config());
    std::vector<Cycle> lat;
    std::vector<std::string> s0, s1;
    sc_core::sc_spawn([&] {
        lat.push_back(timed(t.c(0), OpKind::Load, kX)); // E
        lat.push_back(timed(t.c(1), OpKind::Load, kX)); // both S, from the LLC
        s0.push_back(states(t.sys, 0, kX));
        s1.push_back(states(t.sys, 1, kX));
        // Upgrade: misses the S copies in L1 and L2, broadcasts an invalidation, and the LLC
        // (holding E since the first load) is looked up to grant ownership; no data moves.
        lat.push_back(timed(t.c(0), OpKind::Store, kX));
        s0.push_back(states(t.sys, 0, kX));
        s1.push_back(states(t.sys, 1, kX));
        lat.push_back(timed(t.c(0), OpKind::Store, kX)); // M: L1 hit
    });
    sc_core::sc_start();

    EXPECT_EQ(lat, (std::vector<Cycle>{kMemory, kShared, kUpgrade, kL1}));
    EXPECT_EQ(s0, (std::vector<std::string>{"S/S", "M/M"}));
    EXPECT_EQ(s1, (std::vector<std::string>{"S/S", "I/I"}));
    EXPECT_EQ(stat(t.sys, "system.bus0.upgrades"), 1u);
    EXPECT_EQ(stat(t.sys, "system.bus0.transactions"), 3u);
    EXPECT_EQ(stat(t.sys, "system.bus0.c2c_transfers"), 0u);
    EXPECT_EQ(stat(t.sys, "system.cpu1.l2.invalidations"), 1u);
    EXPECT_EQ(stat(t.sys, "system.cpu1.l1d.invalidations"), 1u);
    EXPECT_EQ(stat(t.sys, "system.cpu0.l2.invalidations"), 0u);
    EXPECT_EQ(stat(t.sys, "system.cpu0.l1d.misses"), 2u); // cold load + upgrade
    EXPECT_EQ(stat(t.sys, "system.mem0.reads"), 1u);
    EXPECT_EQ(cache(t.sys, "system.llc0").state_of(line0(kX)), State::M);
}

TEST(Coherence, StoreMissToModifiedLineTakesOwnership) {
    TwoCores t(reference_config());
    std::vector<Cycle> lat;
    std::vector<std::string> s0, s1;
    sc_core::sc_spawn([&] {
        lat.push_back(timed(t.c(0), OpKind::Store, kZ)); // M in core 0
        lat.push_back(timed(t.c(1), OpKind::Store, kZ)); // GetM: core 0 supplies and invalidates
        s0.push_back(states(t.sys, 0, kZ));
        s1.push_back(states(t.sys, 1, kZ));
        lat.push_back(timed(t.c(0), OpKind::Load, kZ));  // back: core 1 supplies, M -> S
        s0.push_back(states(t.sys, 0, kZ));
        s1.push_back(states(t.sys, 1, kZ));
    });
    sc_core::sc_start();

    EXPECT_EQ(lat, (std::vector<Cycle>{kMemory, kPeer, kPeer}));
    EXPECT_EQ(s0, (std::vector<std::string>{"I/I", "S/S"}));
    EXPECT_EQ(s1, (std::vector<std::string>{"M/M", "S/S"}));
    EXPECT_EQ(stat(t.sys, "system.bus0.c2c_transfers"), 2u);
    EXPECT_EQ(stat(t.sys, "system.bus0.upgrades"), 0u);
    // Ownership moved without a writeback; the later M -> S downgrade wrote back once.
    EXPECT_EQ(stat(t.sys, "system.bus0.writebacks"), 1u);
    EXPECT_EQ(stat(t.sys, "system.cpu0.l2.invalidations"), 1u);
    EXPECT_EQ(stat(t.sys, "system.cpu0.l1d.invalidations"), 1u);
    EXPECT_EQ(stat(t.sys, "system.mem0.reads"), 1u);
    EXPECT_EQ(t.served(1, ServedBy::PeerCache), 1u);
    EXPECT_EQ(t.served(0, ServedBy::PeerCache), 1u);
}

// ---------------------------------------------------------------------------------------------
// Two sockets of one core each: core 0 on socket 0, core 1 on socket 1 (fabric.hpp).
// A request snoops the other socket over the link: probe = 2 * link + bus.snoop, overlapping a
// local memory access; a remote home adds 2 * link to memory; a remote cache adds probe + c2c.

constexpr Cycle kToLlc = kL1 + kL2 + kSnoop + kLlc;                       // 48: LLC missed
constexpr Cycle kProbe = 2 * kLink + kSnoop;                              // 45
constexpr Cycle kLocalMem = kToLlc + (kMem > kProbe ? kMem : kProbe);     // 148
constexpr Cycle kRemoteMem = kToLlc + kMem + 2 * kLink;                   // 188
constexpr Cycle kRemoteCache = kToLlc + 2 * kLink + kSnoop + kC2c;        // 100
constexpr Cycle kRemoteUpgrade = kToLlc + kProbe;                         // 93

static_assert(kLocalMem == 148 && kRemoteMem == 188 && kRemoteCache == 100 &&
              kRemoteUpgrade == 93);

TEST(CoherenceNuma, FirstTouchPlacesPageAndRemoteMemoryPaysTheLink) {
    TwoCores t(reference_config(2, 1));
    ASSERT_EQ(t.sys.socket_of(0), 0u);
    ASSERT_EQ(t.sys.socket_of(1), 1u);
    constexpr Addr P = 0x20000, Q = 0x30000; // two 4 KiB pages
    std::vector<Cycle> lat;
    std::vector<Counter> reads0, reads1;
    auto snap = [&] {
        reads0.push_back(stat(t.sys, "system.mem0.reads"));
        reads1.push_back(stat(t.sys, "system.mem1.reads"));
    };
    sc_core::sc_spawn([&] {
        lat.push_back(timed(t.c(0), OpKind::Load, P));      // first touch of P: home socket 0
        snap();
        lat.push_back(timed(t.c(1), OpKind::Load, P + 64)); // P is remote for socket 1
        snap();
        lat.push_back(timed(t.c(1), OpKind::Load, Q));      // first touch of Q: home socket 1
        snap();
        lat.push_back(timed(t.c(0), OpKind::Load, Q + 64)); // Q is remote for socket 0
        snap();
        lat.push_back(timed(t.c(0), OpKind::Load, P + 128)); // P stays on socket 0
        snap();
    });
    sc_core::sc_start();

    EXPECT_EQ(lat, (std::vector<Cycle>{kLocalMem, kRemoteMem, kLocalMem, kRemoteMem, kLocalMem}));
    EXPECT_EQ(reads0, (std::vector<Counter>{1, 2, 2, 2, 3}));
    EXPECT_EQ(reads1, (std::vector<Counter>{0, 0, 1, 2, 2}));
    EXPECT_EQ(t.served(0, ServedBy::Memory), 2u);
    EXPECT_EQ(t.served(0, ServedBy::RemoteMemory), 1u);
    EXPECT_EQ(t.served(1, ServedBy::Memory), 1u);
    EXPECT_EQ(t.served(1, ServedBy::RemoteMemory), 1u);
    EXPECT_EQ(stat(t.sys, "system.fabric.requests"), 5u);
    EXPECT_EQ(stat(t.sys, "system.fabric.remote_snoops"), 5u);
    EXPECT_EQ(stat(t.sys, "system.fabric.remote_memory"), 2u);
    EXPECT_EQ(stat(t.sys, "system.fabric.remote_c2c"), 0u);
    // Nobody else held the lines: granted exclusive.
    EXPECT_EQ(states(t.sys, 1, P + 64), "E/E");
    EXPECT_EQ(states(t.sys, 0, Q + 64), "E/E");
}

TEST(CoherenceNuma, RemoteCacheToCacheAndRemoteInvalidation) {
    TwoCores t(reference_config(2, 1));
    constexpr Addr R = 0x50000; // page first touched by core 0: home socket 0
    std::vector<Cycle> lat;
    std::vector<std::string> s0, s1;
    std::vector<Counter> writes0;
    sc_core::sc_spawn([&] {
        lat.push_back(timed(t.c(0), OpKind::Load, R));       // E in socket 0
        lat.push_back(timed(t.c(1), OpKind::Load, R));       // remote E -> S
        s0.push_back(states(t.sys, 0, R));
        s1.push_back(states(t.sys, 1, R));
        writes0.push_back(stat(t.sys, "system.mem0.writes"));
        lat.push_back(timed(t.c(0), OpKind::Store, R + 64)); // M in socket 0
        lat.push_back(timed(t.c(1), OpKind::Load, R + 64));  // remote M -> S, home memory updated
        s0.push_back(states(t.sys, 0, R + 64));
        s1.push_back(states(t.sys, 1, R + 64));
        writes0.push_back(stat(t.sys, "system.mem0.writes"));
        lat.push_back(timed(t.c(1), OpKind::Store, R));      // S -> M: invalidates socket 0
        s0.push_back(states(t.sys, 0, R));
        s1.push_back(states(t.sys, 1, R));
    });
    sc_core::sc_start();

    EXPECT_EQ(lat,
              (std::vector<Cycle>{kLocalMem, kRemoteCache, kLocalMem, kRemoteCache, kRemoteUpgrade}));
    EXPECT_EQ(s0, (std::vector<std::string>{"S/S", "S/S", "I/I"}));
    EXPECT_EQ(s1, (std::vector<std::string>{"S/S", "S/S", "M/M"}));
    EXPECT_EQ(writes0, (std::vector<Counter>{0, 1}));
    EXPECT_EQ(t.served(1, ServedBy::RemoteCache), 2u);
    EXPECT_EQ(stat(t.sys, "system.fabric.remote_c2c"), 2u);
    EXPECT_EQ(stat(t.sys, "system.fabric.remote_memory"), 0u);
    EXPECT_EQ(stat(t.sys, "system.mem1.reads"), 0u);
    EXPECT_EQ(cache(t.sys, "system.llc0").state_of(line0(R)), State::I);
    EXPECT_EQ(cache(t.sys, "system.llc1").state_of(line0(R)), State::M);
    EXPECT_EQ(cache(t.sys, "system.llc0").state_of(line0(R + 64)), State::S);
    EXPECT_EQ(cache(t.sys, "system.llc1").state_of(line0(R + 64)), State::S);
}

TEST(CoherenceNuma, RemoteProbeLongerThanMemoryBoundsALocalMiss) {
    SystemConfig cfg = reference_config(2, 1);
    cfg.link.latency_ns = 60.0; // probe = 2 * 60 + 5 = 125 > memory 100
    TwoCores t(cfg);
    Cycle lat = 0;
    sc_core::sc_spawn([&] { lat = timed(t.c(0), OpKind::Load, 0x60000); });
    sc_core::sc_start();
    EXPECT_EQ(lat, kToLlc + 2 * 60 + kSnoop); // 173: max(memory, probe) with the probe longer
    EXPECT_EQ(t.served(0, ServedBy::Memory), 1u);
}

} // namespace
} // namespace smp::test
