// Cache hierarchy latency, hit/miss accounting, LRU replacement and writebacks.
//
// Latency composition (models/common/mem_payload.hpp): every level adds its latency when looked up,
// the bus adds bus.snoop_ns, memory adds memory.latency_ns; a PutM writeback is posted and adds no
// latency to the requester. All expected numbers are computed by hand from model_fixture.hpp.
#include "model_fixture.hpp"

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <vector>

namespace smp::test {
namespace {

using mesi::State;

constexpr Cycle kL1Hit = kL1;                                // 3
constexpr Cycle kL2Hit = kL1 + kL2;                          // 13
constexpr Cycle kLlcHit = kL1 + kL2 + kSnoop + kLlc;         // 48
constexpr Cycle kMemory = kL1 + kL2 + kSnoop + kLlc + kMem;  // 148

static_assert(kL1Hit == 3 && kL2Hit == 13 && kLlcHit == 48 && kMemory == 148);

constexpr Addr kBase = 0x10000; // set 0 of every level

// ---------------------------------------------------------------------------------------------
// (a) A real System, one core driven from one thread.

TEST(CacheLatency, HitAtEachLevelAndMiss) {
    System sys(reference_config());
    AddressSpace as(0, false, nullptr);
    TaskCounters tc;
    Core& c0 = sys.core(0);
    c0.set_context(0, &as, &tc);
    // Stride 2 KiB: one L1 set (2 ways) and one L2 set (8 ways); the LLC (8 KiB stride) spreads
    // A0..A8 over 4 sets, at most 3 lines each, so the LLC never evicts here.
    auto A = [](int k) { return kBase + static_cast<Addr>(k) * 2048; };
    std::vector<Cycle> lat;
    sc_core::sc_spawn([&] {
        lat.push_back(timed(c0, OpKind::Load, A(0))); // [0] cold: memory
        lat.push_back(timed(c0, OpKind::Load, A(0))); // [1] L1 hit
        lat.push_back(timed(c0, OpKind::Load, A(1))); // [2] memory
        lat.push_back(timed(c0, OpKind::Load, A(2))); // [3] memory; L1 evicts A0 (LRU, clean)
        lat.push_back(timed(c0, OpKind::Load, A(0))); // [4] L2 hit; L1 evicts A1
        for (int k = 3; k <= 8; ++k) {                // [5..10] memory; A8 makes the L2 evict
            lat.push_back(timed(c0, OpKind::Load, A(k)));  // its LRU line, A1 (A0 was re-touched)
        }
        lat.push_back(timed(c0, OpKind::Load, A(1))); // [11] LLC hit; L2 evicts A2
    });
    sc_core::sc_start();

    const std::vector<Cycle> expected = {kMemory, kL1Hit, kMemory, kMemory, kL2Hit,
                                         kMemory, kMemory, kMemory, kMemory, kMemory,
                                         kMemory, kLlcHit};
    EXPECT_EQ(lat, expected);

    Cache& l1 = cache(sys, "system.cpu0.l1d");
    Cache& l2 = cache(sys, "system.cpu0.l2");
    Cache& llc = cache(sys, "system.llc0");
    // L1: 12 accesses, 1 hit; 11 fills into a 2-way set, the first two into free ways.
    EXPECT_EQ(l1.stats.accesses, 12u);
    EXPECT_EQ(l1.stats.hits, 1u);
    EXPECT_EQ(l1.stats.misses, 11u);
    EXPECT_EQ(l1.stats.evictions, 9u);
    EXPECT_EQ(l1.stats.writebacks, 0u);
    // L2 sees the 11 L1 misses, hits once (A0), evicts A1 then A2.
    EXPECT_EQ(l2.stats.accesses, 11u);
    EXPECT_EQ(l2.stats.hits, 1u);
    EXPECT_EQ(l2.stats.misses, 10u);
    EXPECT_EQ(l2.stats.evictions, 2u);
    EXPECT_EQ(l2.stats.writebacks, 0u);
    EXPECT_EQ(llc.stats.accesses, 10u);
    EXPECT_EQ(llc.stats.hits, 1u);
    EXPECT_EQ(llc.stats.misses, 9u);
    EXPECT_EQ(llc.stats.evictions, 0u);
    EXPECT_EQ(stat(sys, "system.mem0.reads"), 9u);
    EXPECT_EQ(stat(sys, "system.mem0.writes"), 0u);
    EXPECT_EQ(stat(sys, "system.bus0.transactions"), 10u);

    // Where each access was served from, as the core saw it.
    EXPECT_EQ(tc.served[static_cast<int>(ServedBy::L1)], 1u);
    EXPECT_EQ(tc.served[static_cast<int>(ServedBy::L2)], 1u);
    EXPECT_EQ(tc.served[static_cast<int>(ServedBy::Llc)], 1u);
    EXPECT_EQ(tc.served[static_cast<int>(ServedBy::Memory)], 9u);
    EXPECT_EQ(tc.l1_misses, 11u);
    EXPECT_EQ(c0.stats.stall_cycles, (kL2Hit - kL1) + (kLlcHit - kL1) + 9 * (kMemory - kL1));

    // A single core's loads are granted exclusively (E) at every level.
    EXPECT_EQ(l1.state_of(line0(A(1))), State::E);
    EXPECT_EQ(l2.state_of(line0(A(1))), State::E);
    EXPECT_EQ(l2.state_of(line0(A(2))), State::I); // the LRU victim of the last fill
    EXPECT_EQ(l2.state_of(line0(A(0))), State::E); // kept: it was re-touched by the L2 hit
    EXPECT_EQ(llc.state_of(line0(A(2))), State::E); // still in the LLC
    EXPECT_EQ(l1.state_of(line0(A(0))), State::I);
}

TEST(CacheLatency, DirtyVictimIsWrittenBackDownToMemory) {
    System sys(reference_config());
    AddressSpace as(0, false, nullptr);
    Core& c0 = sys.core(0);
    c0.set_context(0, &as, nullptr);
    // Stride 8 KiB: the same set in L1 (2 ways), L2 (8 ways) and LLC (8 ways).
    auto B = [](int k) { return kBase + static_cast<Addr>(k) * 8192; };
    std::vector<Cycle> lat;
    State l2_b0_after_l1_wb = State::I, l1_b0_after_l1_wb = State::M;
    Counter l1_wb = 0, l2_wb_in = 0;
    sc_core::sc_spawn([&] {
        lat.push_back(timed(c0, OpKind::Store, B(0))); // M in L1, L2 and LLC
        lat.push_back(timed(c0, OpKind::Load, B(1)));
        // The L1 evicts dirty B0 into the L2: a posted writeback, no latency for this load.
        lat.push_back(timed(c0, OpKind::Load, B(2)));
        l1_wb = cache(sys, "system.cpu0.l1d").stats.writebacks;
        l2_wb_in = cache(sys, "system.cpu0.l2").stats.writebacks_in;
        l1_b0_after_l1_wb = cache(sys, "system.cpu0.l1d").state_of(line0(B(0)));
        l2_b0_after_l1_wb = cache(sys, "system.cpu0.l2").state_of(line0(B(0)));
        // B3..B7 fill the L2 and the LLC set; B8 makes the LLC evict its LRU line, B0 (M).
        for (int k = 3; k <= 8; ++k) lat.push_back(timed(c0, OpKind::Load, B(k)));
        lat.push_back(timed(c0, OpKind::Load, B(0))); // back from memory
    });
    sc_core::sc_start();

    const std::vector<Cycle> expected(10, kMemory);
    EXPECT_EQ(lat, expected);

    EXPECT_EQ(l1_wb, 1u);
    EXPECT_EQ(l2_wb_in, 1u);
    EXPECT_EQ(l1_b0_after_l1_wb, State::I);
    EXPECT_EQ(l2_b0_after_l1_wb, State::M);

    Cache& l1 = cache(sys, "system.cpu0.l1d");
    Cache& l2 = cache(sys, "system.cpu0.l2");
    Cache& llc = cache(sys, "system.llc0");
    // L1: 10 misses, 8 of them into a full set; only B0 was dirty.
    EXPECT_EQ(l1.stats.misses, 10u);
    EXPECT_EQ(l1.stats.evictions, 8u);
    EXPECT_EQ(l1.stats.writebacks, 1u);
    // L2 never evicts: each LLC eviction back-invalidates a line of the L2 first (B0 then B1),
    // leaving a free way for the fill that follows.
    EXPECT_EQ(l2.stats.evictions, 0u);
    EXPECT_EQ(l2.stats.writebacks, 0u);
    EXPECT_EQ(l2.stats.invalidations, 2u);
    // LLC: B8 evicts B0 (dirty: written back to memory), the reload of B0 evicts B1 (clean).
    EXPECT_EQ(llc.stats.evictions, 2u);
    EXPECT_EQ(llc.stats.back_invalidations, 2u);
    EXPECT_EQ(llc.stats.writebacks, 1u);
    EXPECT_EQ(stat(sys, "system.mem0.writes"), 1u);
    EXPECT_EQ(stat(sys, "system.mem0.reads"), 10u);
    EXPECT_EQ(stat(sys, "system.bus0.snoops_from_below"), 2u);
    EXPECT_EQ(stat(sys, "system.bus0.writebacks"), 0u);
    // B0 is back, clean and exclusive; B1 is gone from every level.
    EXPECT_EQ(l2.state_of(line0(B(0))), State::E);
    EXPECT_EQ(llc.state_of(line0(B(0))), State::E);
    EXPECT_EQ(llc.state_of(line0(B(1))), State::I);
    EXPECT_EQ(l2.state_of(line0(B(1))), State::I);
}

// ---------------------------------------------------------------------------------------------
// (b) One cache between a requester and a fixed-latency mock memory.

struct MockMemory : sc_core::sc_module {
    struct Req {
        CohCmd cmd;
        Addr addr;
        Cycle at; // requester-local arrival time
    };
    tlm_utils::simple_target_socket<MockMemory> socket{"socket"};
    const Clocked& clock;
    Cycle latency;
    bool grant_exclusive = true;
    std::vector<Req> log;

    MockMemory(sc_core::sc_module_name n, const Clocked& c, Cycle lat)
        : sc_module(n), clock(c), latency(lat) {
        socket.register_b_transport(this, &MockMemory::b_transport);
    }
    void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
        MemExt* ext = nullptr;
        p.get_extension(ext);
        p.set_response_status(tlm::TLM_OK_RESPONSE);
        log.push_back({ext->cmd, p.get_address(), clock.now_cycles() + clock.to_cycles(delay)});
        if (ext->cmd == CohCmd::PutM) return; // posted
        delay += clock.cycles(latency);
        ext->exclusive = grant_exclusive || ext->cmd != CohCmd::GetS;
        ext->served_by = ServedBy::Memory;
    }
};

struct Requester : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Requester> socket{"socket"};
    tlm_utils::simple_initiator_socket<Requester> snoop{"snoop"}; // binds the cache's snoop_in
    const Clocked& clock;
    tlm::tlm_generic_payload p;
    MemExt ext;
    unsigned char data[8] = {};

    Requester(sc_core::sc_module_name n, const Clocked& c) : sc_module(n), clock(c) {
        p.set_extension(&ext);
        p.set_data_ptr(data);
    }
    ~Requester() override { p.clear_extension(&ext); }
    // A blocking requester that never waits: its local time runs ahead of global time (0) and
    // is passed down as the annotated delay, like a core's quantum keeper.
    Cycle issue(CohCmd cmd, Addr paddr) {
        ext.cmd = cmd;
        ext.kind = cmd == CohCmd::GetS ? AccessKind::Load : AccessKind::Store;
        ext.served_by = ServedBy::L1;
        set_line_request(p, paddr, 64, cmd != CohCmd::GetS);
        sc_core::sc_time delay = local;
        socket->b_transport(p, delay);
        const Cycle latency = clock.to_cycles(delay - local);
        local = delay;
        return latency;
    }
    sc_core::sc_time local = sc_core::SC_ZERO_TIME;
};

constexpr Cycle kHit = 2, kMockMem = 50;

CacheConfig tiny_cache() { // 4 lines: 2 sets x 2 ways, LRU
    CacheConfig c;
    c.size = 256;
    c.ways = 2;
    c.line = 64;
    c.latency = static_cast<std::int64_t>(kHit);
    c.mshrs = 4;
    return c;
}

TEST(CacheAlone, LruVictimAndDirtyWriteback) {
    Clocked clock(1.0);
    Cache cache("l1", tiny_cache(), CacheLevel::L1, clock, 1);
    MockMemory mem("mem", clock, kMockMem);
    Requester cpu("cpu", clock);
    cpu.socket.bind(cache.cpu_side);
    cache.mem_side.bind(mem.socket);
    cpu.snoop.bind(cache.snoop_in);

    // Lines 0, 2, 4 (byte addresses 0x000, 0x080, 0x100) share set 0; line 1 (0x040) is set 1.
    std::vector<Cycle> lat;
    std::vector<State> s0, s2, s4;
    auto snap = [&] {
        s0.push_back(cache.state_of(0));
        s2.push_back(cache.state_of(2));
        s4.push_back(cache.state_of(4));
    };
    sc_core::sc_spawn([&] {
        lat.push_back(cpu.issue(CohCmd::GetS, 0x000)); // miss, E
        lat.push_back(cpu.issue(CohCmd::GetS, 0x080)); // miss, E; set 0 is full
        lat.push_back(cpu.issue(CohCmd::GetS, 0x000)); // hit: line 0 becomes MRU
        lat.push_back(cpu.issue(CohCmd::GetM, 0x080)); // store hit on E: M, line 2 MRU
        snap();
        lat.push_back(cpu.issue(CohCmd::GetS, 0x100)); // miss: evicts LRU line 0 (clean)
        snap();
        lat.push_back(cpu.issue(CohCmd::GetS, 0x000)); // miss: evicts LRU line 2 (dirty) -> PutM
        snap();
        lat.push_back(cpu.issue(CohCmd::GetS, 0x040)); // miss into the empty set 1
    });
    sc_core::sc_start();

    const std::vector<Cycle> expected = {kHit + kMockMem, kHit + kMockMem, kHit, kHit,
                                         kHit + kMockMem, kHit + kMockMem, kHit + kMockMem};
    EXPECT_EQ(lat, expected);
    EXPECT_EQ(s0, (std::vector<State>{State::E, State::I, State::E}));
    EXPECT_EQ(s2, (std::vector<State>{State::M, State::M, State::I}));
    EXPECT_EQ(s4, (std::vector<State>{State::I, State::E, State::E}));
    EXPECT_EQ(cache.state_of(1), State::E);

    EXPECT_EQ(cache.stats.accesses, 7u);
    EXPECT_EQ(cache.stats.hits, 2u);
    EXPECT_EQ(cache.stats.misses, 5u);
    EXPECT_EQ(cache.stats.evictions, 2u);
    EXPECT_EQ(cache.stats.writebacks, 1u);

    // What went below, in order. The writeback follows the read that displaced it and is
    // issued at the requester's local time once that read has completed.
    ASSERT_EQ(mem.log.size(), 6u);
    const CohCmd cmds[] = {CohCmd::GetS, CohCmd::GetS, CohCmd::GetS,
                           CohCmd::GetS, CohCmd::PutM, CohCmd::GetS};
    const Addr addrs[] = {0x000, 0x080, 0x100, 0x000, 0x080, 0x040};
    for (std::size_t i = 0; i < 6; ++i) {
        EXPECT_EQ(mem.log[i].cmd, cmds[i]) << "request " << i;
        EXPECT_EQ(mem.log[i].addr, addrs[i]) << "request " << i;
    }
    // Local time before the 6th access: 3 misses + 2 hits = 3 * 52 + 2 * 2 = 160.
    const Cycle t6 = 3 * (kHit + kMockMem) + 2 * kHit;
    EXPECT_EQ(mem.log[3].at, t6 + kHit);
    EXPECT_EQ(mem.log[4].at, t6 + kHit + kMockMem);
    EXPECT_EQ(cache.stats.mshr_stall_cycles, 0u);
}

TEST(CacheAlone, StoreMissIssuesGetMAndStoreToSharedIssuesUpgrade) {
    Clocked clock(1.0);
    Cache cache("l1", tiny_cache(), CacheLevel::L1, clock, 1);
    MockMemory mem("mem", clock, kMockMem);
    Requester cpu("cpu", clock);
    cpu.socket.bind(cache.cpu_side);
    cache.mem_side.bind(mem.socket);
    cpu.snoop.bind(cache.snoop_in);
    mem.grant_exclusive = false; // reads are granted S

    std::vector<Cycle> lat;
    std::vector<State> s0;
    sc_core::sc_spawn([&] {
        lat.push_back(cpu.issue(CohCmd::GetS, 0x000)); // miss, S
        s0.push_back(cache.state_of(0));
        lat.push_back(cpu.issue(CohCmd::GetS, 0x000)); // hit on S
        lat.push_back(cpu.issue(CohCmd::GetM, 0x000)); // S + store: Upgrade below
        s0.push_back(cache.state_of(0));
        lat.push_back(cpu.issue(CohCmd::GetM, 0x040)); // store miss: GetM, M
    });
    sc_core::sc_start();

    EXPECT_EQ(lat, (std::vector<Cycle>{kHit + kMockMem, kHit, kHit + kMockMem, kHit + kMockMem}));
    EXPECT_EQ(s0, (std::vector<State>{State::S, State::M}));
    EXPECT_EQ(cache.state_of(1), State::M);
    ASSERT_EQ(mem.log.size(), 3u);
    EXPECT_EQ(mem.log[0].cmd, CohCmd::GetS);
    EXPECT_EQ(mem.log[1].cmd, CohCmd::Upgrade);
    EXPECT_EQ(mem.log[2].cmd, CohCmd::GetM);
    EXPECT_EQ(cache.stats.hits, 1u);
    EXPECT_EQ(cache.stats.misses, 3u); // an upgrade counts as a miss
    EXPECT_EQ(cache.stats.evictions, 0u);
}

} // namespace
} // namespace smp::test
