// The DRAM memory model (memory.model = "dram") through the whole platform: cores, caches, bus,
// LLC, fabric and the memory controller.
//
// A load that misses everywhere reaches memory kPath = L1 + L2 + snoop + LLC = 48 cycles after it
// was issued (model_fixture.hpp); the DRAM then adds, from the timings below (1 GHz: ns = cycles,
// see docs/memory.md):
//   row hit      controller + tCL + burst                 = 10 + 11 + 4           = 25
//   empty bank   controller + tRCD + tCL + burst          = 10 + 13 + 11 + 4      = 38
//   row conflict controller + tRP + tRCD + tCL + burst    = 10 + 17 + 13 + 11 + 4 = 55
// plus any wait for the bank (its previous commands; a precharge no earlier than ACT + tRAS) and
// for the channel's data bus. Every expected number is written out from these constants.
#include "model_fixture.hpp"

#include <algorithm>
#include <vector>

namespace smp::test {
namespace {

constexpr Cycle kCtrl = 10, kRcd = 13, kCl = 11, kRp = 17, kRas = 30;
constexpr Cycle kBurst = 4;                        // a 64-byte line at 16 GB/s
constexpr Cycle kPath = kL1 + kL2 + kSnoop + kLlc; // 48: issue to arrival at the controller

constexpr Cycle kHit = kPath + kCtrl + kCl + kBurst;                   // 73
constexpr Cycle kEmpty = kPath + kCtrl + kRcd + kCl + kBurst;          // 86
constexpr Cycle kConflict = kPath + kCtrl + kRp + kRcd + kCl + kBurst; // 103
static_assert(kHit == 73 && kEmpty == 86 && kConflict == 103);

// One channel and rank, 8 banks, 2 KiB rows (32 lines): physical line bits 6-10 column, 11-13
// bank, 14 up row. Physical = (1 << 47) | virtual (address space 0, contiguous), and kBase is
// 16 KiB aligned, so a virtual (row, bank, column) keeps its fields.
SystemConfig dram_config(int cores) {
    SystemConfig c = reference_config(1, cores);
    c.memory.model = "dram";
    DramConfig& d = c.memory.dram;
    d.channels = 1;
    d.ranks = 1;
    d.banks = 8;
    d.row_bytes = 2048;
    d.controller_ns = double(kCtrl);
    d.trcd_ns = double(kRcd);
    d.tcl_ns = double(kCl);
    d.trp_ns = double(kRp);
    d.tras_ns = double(kRas);
    d.channel_gbps = 16.0;
    d.page_policy = "open";
    d.mapping = "row:rank:bank:channel:column";
    c.validate();
    return c;
}

constexpr Addr kBase = 0x100000;
Addr A(Addr row, Addr bank, Addr column) {
    return kBase + row * 16384 + bank * 2048 + column * 64;
}

// Lines of one row then rows of one bank, one load at a time: each latency is one of the three.
TEST(DramPlatform, RowHitsAreCheaperThanEmptyBanksAndConflicts) {
    System sys(dram_config(2));
    AddressSpace as(0, false, nullptr);
    Core& c0 = sys.core(0);
    c0.set_context(0, &as, nullptr);
    std::vector<Cycle> row_stream, bank_stream;
    Cycle reopened = 0;
    sc_core::sc_spawn([&] {
        for (Addr col = 0; col < 8; ++col)
            row_stream.push_back(timed(c0, OpKind::Load, A(3, 5, col)));
        // Rows 4..7 of the same bank 5: each closes the row before. The previous ACT was
        // tRCD + tCL + burst = 28 cycles before the previous load ended and the next PRE comes
        // kPath + controller = 58 after that, so tRAS (30) never holds a precharge back here.
        for (Addr row = 4; row < 8; ++row) {
            bank_stream.push_back(timed(c0, OpKind::Load, A(row, 5, 0)));
        }
        reopened = timed(c0, OpKind::Load, A(7, 5, 1)); // row 7 is still open
    });
    sc_core::sc_start();

    std::vector<Cycle> expected_row(8, kHit);
    expected_row[0] = kEmpty;
    EXPECT_EQ(row_stream, expected_row);
    EXPECT_EQ(bank_stream, std::vector<Cycle>(4, kConflict));
    EXPECT_EQ(reopened, kHit);
    EXPECT_EQ(kEmpty - kHit, kRcd);
    EXPECT_EQ(kConflict - kEmpty, kRp);

    EXPECT_EQ(stat(sys, "system.mem0.reads"), 13u);
    EXPECT_EQ(stat(sys, "system.mem0.writes"), 0u);
    EXPECT_EQ(stat(sys, "system.mem0.row_hits"), 8u);
    EXPECT_EQ(stat(sys, "system.mem0.row_misses"), 1u);
    EXPECT_EQ(stat(sys, "system.mem0.row_conflicts"), 4u);
    EXPECT_EQ(stat(sys, "system.mem0.row_hits") + stat(sys, "system.mem0.row_misses") +
                  stat(sys, "system.mem0.row_conflicts"),
              stat(sys, "system.mem0.reads"));
    EXPECT_EQ(stat(sys, "system.mem0.bank_wait_cycles"), 0u);
    EXPECT_EQ(stat(sys, "system.mem0.bus_wait_cycles"), 0u);
    EXPECT_EQ(stat(sys, "system.mem0.queue_cycles"), 0u);
}

// Four cores load one line each at the same time, first four rows of one bank, then one row in
// each of four banks. Every bank has another row open (primed by core 0), so every one of the
// eight loads is a row conflict; only the overlap differs.
TEST(DramPlatform, SameBankStreamSerialisesWhileBankInterleavedStreamOverlaps) {
    constexpr int kCores = 4;
    System sys(dram_config(kCores));
    AddressSpace as(0, false, nullptr);
    for (int i = 0; i < kCores; ++i)
        sys.core(CpuId(i)).set_context(TaskId(i), &as, nullptr);
    const sc_core::sc_time kPhaseA = sys.clock().cycles(1000), kPhaseB = sys.clock().cycles(2000);
    std::vector<Cycle> prime, same_bank(kCores), interleaved(kCores);
    for (int i = 0; i < kCores; ++i) {
        sc_core::sc_spawn([&, i] {
            Core& c = sys.core(CpuId(i));
            if (i == 0) { // opens row 0 in banks 0..4, one at a time (5 x 86 cycles)
                for (Addr bank = 0; bank <= 4; ++bank) {
                    prime.push_back(timed(c, OpKind::Load, A(0, bank, 0)));
                }
            }
            c.sync();
            sc_core::wait(kPhaseA - sc_core::sc_time_stamp());
            same_bank[i] = timed(c, OpKind::Load, A(1 + Addr(i), 0, 0));
            c.sync();
            sc_core::wait(kPhaseB - sc_core::sc_time_stamp());
            interleaved[i] = timed(c, OpKind::Load, A(5, 1 + Addr(i), 0));
        });
    }
    sc_core::sc_start();

    EXPECT_EQ(prime, std::vector<Cycle>(5, kEmpty));
    // The bus takes the four requests one cycle apart (occupancy 1 ns), so they reach the
    // controller at +48, +49, +50, +51; which core comes first is the scheduler's, so the
    // latencies are compared sorted.
    std::sort(same_bank.begin(), same_bank.end());
    std::sort(interleaved.begin(), interleaved.end());
    // Same bank: the first conflict is unloaded (PRE +58, ACT +75, READ +88, data until +103).
    // Each next one waits for the bank, and its PRE for ACT + tRAS of the one before: ACTs are
    // tRAS + tRP = 47 apart (tRC), so are the ends.
    EXPECT_EQ(same_bank,
              (std::vector<Cycle>{kConflict, kConflict + (kRas + kRp), kConflict + 2 * (kRas + kRp),
                                  kConflict + 3 * (kRas + kRp)}));
    EXPECT_EQ(same_bank.back(), 244u);
    // Bank-interleaved: the four banks precharge and activate together (one cycle apart); their
    // data (ready at +99..+102) follow each other on the one data bus, a burst apart.
    EXPECT_EQ(interleaved, (std::vector<Cycle>{kConflict, kConflict + kBurst,
                                               kConflict + 2 * kBurst, kConflict + 3 * kBurst}));
    EXPECT_EQ(interleaved.back(), 115u);

    EXPECT_EQ(stat(sys, "system.mem0.reads"), 13u);
    EXPECT_EQ(stat(sys, "system.mem0.writes"), 0u);
    EXPECT_EQ(stat(sys, "system.mem0.row_hits"), 0u);
    EXPECT_EQ(stat(sys, "system.mem0.row_misses"), 5u);
    EXPECT_EQ(stat(sys, "system.mem0.row_conflicts"), 8u);
    EXPECT_EQ(stat(sys, "system.mem0.row_hits") + stat(sys, "system.mem0.row_misses") +
                  stat(sys, "system.mem0.row_conflicts"),
              stat(sys, "system.mem0.reads"));
    // Bank waits (same bank): the k-th (k = 1..3) arrives at +58 + k and precharges at
    // +58 + 47 k: 46 + 92 + 138. Bus waits (interleaved): data ready at +99 + k, bus free at
    // +99 + 4 k: 3 + 6 + 9.
    EXPECT_EQ(stat(sys, "system.mem0.bank_wait_cycles"), 276u);
    EXPECT_EQ(stat(sys, "system.mem0.bus_wait_cycles"), 18u);
    EXPECT_EQ(stat(sys, "system.mem0.queue_cycles"), 276u + 18u);
}

// The fixed-latency model keeps its statistics: no DRAM counters are registered.
TEST(DramPlatform, FixedModelRegistersNoDramCounters) {
    System sys(reference_config());
    const auto snap = sys.stats().snapshot();
    EXPECT_EQ(snap.count("system.mem0.reads"), 1u);
    EXPECT_EQ(snap.count("system.mem0.row_hits"), 0u);
    EXPECT_EQ(snap.count("system.mem0.bank_wait_cycles"), 0u);
}

} // namespace
} // namespace smp::test
