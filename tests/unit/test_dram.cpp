// Unit tests of the DRAM model (models/memory/dram.hpp): address mapping, the latencies of row
// hits, empty banks and row conflicts, bank and data-bus waits, writes and the closed-page policy.
// The clock is 1 GHz, so every timing below is a whole number of cycles equal to its ns value;
// each expected number is written out from these constants (the equations in comments).
#include "models/memory/dram.hpp"
#include "models/memory/memory_config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace smp {
namespace {

constexpr Cycle kCtrl = 10, kRcd = 13, kCl = 11, kRp = 17, kRas = 30, kCwl = 7, kWr = 9;
constexpr Cycle kBurst = 4; // 64-byte line at 16 GB/s

constexpr Cycle kHit = kCtrl + kCl + kBurst;                   // 25
constexpr Cycle kEmpty = kCtrl + kRcd + kCl + kBurst;          // 38
constexpr Cycle kConflict = kCtrl + kRp + kRcd + kCl + kBurst; // 55
static_assert(kHit == 25 && kEmpty == 38 && kConflict == 55);

// 8 banks, rows of 2 KiB (32 lines), one rank and channel: line address bits 0-4 column,
// 5-7 bank, then row, so byte address = row << 14 | bank << 11 | column << 6.
DramConfig test_config() {
    DramConfig c;
    c.channels = 1;
    c.ranks = 1;
    c.banks = 8;
    c.row_bytes = 2048;
    c.controller_ns = double(kCtrl);
    c.trcd_ns = double(kRcd);
    c.tcl_ns = double(kCl);
    c.trp_ns = double(kRp);
    c.tras_ns = double(kRas);
    c.tcwl_ns = double(kCwl);
    c.twr_ns = double(kWr);
    c.channel_gbps = 16.0;
    return c;
}

Addr at(Addr row, Addr bank, Addr column = 0) {
    return row << 14 | bank << 11 | column << 6;
}

DramCoord coord(unsigned channel, unsigned rank, unsigned bank, Addr row, Addr column) {
    DramCoord c;
    c.channel = channel;
    c.rank = rank;
    c.bank = bank;
    c.row = row;
    c.column = column;
    return c;
}

// --- configuration ------------------------------------------------------------------------------

TEST(DramConfig, DefaultsAreValidAndConvertToCycles) {
    DramConfig c;
    c.validate("memory.dram");
    // DDR3-1600 11-11-11 at 1 GHz: 13.75 ns -> 14 cycles (rounded up), tRAS 35, CWL 10, tWR 15,
    // a 64-byte burst at 12.8 GB/s 5 ns, controller 20.
    const DramTiming t1 = DramTiming::from(c, 64, 1.0);
    EXPECT_EQ(t1.trcd, 14u);
    EXPECT_EQ(t1.tcl, 14u);
    EXPECT_EQ(t1.trp, 14u);
    EXPECT_EQ(t1.tras, 35u);
    EXPECT_EQ(t1.tcwl, 10u);
    EXPECT_EQ(t1.twr, 15u);
    EXPECT_EQ(t1.burst, 5u);
    EXPECT_EQ(t1.controller, 20u);
    // At 2 GHz: 27.5 -> 28, 70, 20, 30, 10, 40.
    const DramTiming t2 = DramTiming::from(c, 64, 2.0);
    EXPECT_EQ(t2.trcd, 28u);
    EXPECT_EQ(t2.tcl, 28u);
    EXPECT_EQ(t2.trp, 28u);
    EXPECT_EQ(t2.tras, 70u);
    EXPECT_EQ(t2.tcwl, 20u);
    EXPECT_EQ(t2.twr, 30u);
    EXPECT_EQ(t2.burst, 10u);
    EXPECT_EQ(t2.controller, 40u);
    // A burst is at least one cycle: 64 bytes at 1000 GB/s is 0.064 ns.
    c.channel_gbps = 1000.0;
    EXPECT_EQ(DramTiming::from(c, 64, 1.0).burst, 1u);
}

void expect_invalid(const DramConfig& c, const std::string& field, const std::string& part) {
    try {
        c.validate("memory.dram");
        ADD_FAILURE() << "accepted, expected an error naming " << field;
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.field(), field) << e.what();
        EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
}

TEST(DramConfig, InvalidValuesNameTheField) {
    DramConfig c;
    c.banks = 6;
    expect_invalid(c, "memory.dram.banks", "power of two, got 6");
    c = DramConfig();
    c.banks = 0;
    expect_invalid(c, "memory.dram.banks", "must be in [1, 256]");
    c = DramConfig();
    c.row_bytes = 32;
    expect_invalid(c, "memory.dram.row_bytes", "got 32");
    c = DramConfig();
    c.trp_ns = -1.0;
    expect_invalid(c, "memory.dram.trp_ns", "got -1");
    c = DramConfig();
    c.channel_gbps = 0.0;
    expect_invalid(c, "memory.dram.channel_gbps", "got 0");
    c = DramConfig();
    c.page_policy = "adaptive";
    expect_invalid(c, "memory.dram.page_policy", "'open' or 'closed'");
    c = DramConfig();
    c.mapping = "bank:row:column";
    expect_invalid(c, "memory.dram.mapping", "must start with 'row'");
    c.mapping = "row:bank:colum";
    expect_invalid(c, "memory.dram.mapping", "unknown field 'colum'");
    c.mapping = "row:bank:bank:column";
    expect_invalid(c, "memory.dram.mapping", "'bank' twice");
    c.mapping = "row:column";
    expect_invalid(c, "memory.dram.mapping", "must contain 'bank'");
    c.mapping = "row:bank:column";
    c.validate("memory.dram"); // one rank, one channel: they may be left out
    c.channels = 2;
    expect_invalid(c, "memory.dram.mapping", "must contain 'channel' when channels is 2");

    MemoryConfig m;
    m.model = "ddr";
    try {
        m.validate("memory");
        ADD_FAILURE() << "model 'ddr' accepted";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.field(), "memory.model");
    }
    m.model = "fixed";
    m.dram.ranks = 3; // checked whichever model is selected
    try {
        m.validate("memory");
        ADD_FAILURE() << "ranks 3 accepted";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.field(), "memory.dram.ranks");
    }
}

// --- address mapping ----------------------------------------------------------------------------

TEST(DramMap, PageInterleavedMappingSplitsTheLineAddress) {
    DramConfig c = test_config();
    c.channels = 2;
    c.ranks = 2;
    c.mapping = "row:rank:bank:channel:column";
    const DramAddressMap m(c, 64);
    // Line address bits: column 0-4 (32 lines a row), channel 5, bank 6-8, rank 9, row 10 up.
    auto line = [](Addr row, Addr rank, Addr bank, Addr ch, Addr col) {
        return (row << 10 | rank << 9 | bank << 6 | ch << 5 | col) << 6;
    };
    EXPECT_EQ(m.decode(0), coord(0, 0, 0, 0, 0));
    EXPECT_EQ(m.decode(line(0, 0, 0, 0, 31)), coord(0, 0, 0, 0, 31));
    EXPECT_EQ(m.decode(line(0, 0, 0, 1, 0)), coord(1, 0, 0, 0, 0)); // the next 2 KiB: channel 1
    EXPECT_EQ(m.decode(line(5, 1, 7, 1, 9)), coord(1, 1, 7, 5, 9));
    EXPECT_EQ(m.decode(line(0x123456, 0, 3, 0, 17)), coord(0, 0, 3, 0x123456, 17));
    // The offset within a line is ignored; bit 47 (address space 0) goes to the row.
    EXPECT_EQ(m.decode(line(2, 1, 4, 0, 3) + 63), coord(0, 1, 4, 2, 3));
    EXPECT_EQ(m.decode(Addr(1) << 47), coord(0, 0, 0, Addr(1) << (47 - 16), 0));
}

TEST(DramMap, LineInterleavedMappingSpreadsConsecutiveLines) {
    DramConfig c = test_config();
    c.channels = 2;
    c.ranks = 2;
    c.mapping = "row:column:rank:bank:channel";
    const DramAddressMap m(c, 64);
    // Line address bits: channel 0, bank 1-3, rank 4, column 5-9, row 10 up.
    for (Addr l = 0; l < 64; ++l) {
        const DramCoord d = m.decode(l << 6);
        EXPECT_EQ(d.channel, l % 2) << "line " << l;
        EXPECT_EQ(d.bank, (l / 2) % 8) << "line " << l;
        EXPECT_EQ(d.rank, (l / 16) % 2) << "line " << l;
        EXPECT_EQ(d.column, l / 32) << "line " << l;
        EXPECT_EQ(d.row, 0u) << "line " << l;
    }
    EXPECT_EQ(m.decode(Addr(1) << 16), coord(0, 0, 0, 1, 0)); // line 1024: the next row
    // Without rank and channel fields (one of each) the fields are bank then column.
    c = test_config();
    c.mapping = "row:column:bank";
    const DramAddressMap m2(c, 64);
    EXPECT_EQ(m2.decode(Addr(13) << 6), coord(0, 0, 5, 0, 1));         // line 13 = 1 * 8 + 5
    EXPECT_EQ(m2.decode(Addr(8 * 32 + 9) << 6), coord(0, 0, 1, 1, 1)); // row 1, column 1, bank 1
}

// --- open page: hits, empty banks, conflicts ----------------------------------------------------

TEST(DramOpenPage, HitEmptyAndConflictLatenciesAreTheConfiguredTimings) {
    Dram d(test_config(), 64, 1.0);
    Addr row = 0;
    const DramAccess a = d.access(0, at(1, 0, 0), false); // bank 0 precharged: ACT first
    EXPECT_EQ(a.outcome, RowOutcome::Empty);
    EXPECT_EQ(a.latency, kEmpty);
    EXPECT_EQ(a.where, coord(0, 0, 0, 1, 0));
    ASSERT_TRUE(d.open_row(a.where, &row));
    EXPECT_EQ(row, 1u);
    const DramAccess b = d.access(1000, at(1, 0, 5), false); // same row: column access only
    EXPECT_EQ(b.outcome, RowOutcome::Hit);
    EXPECT_EQ(b.latency, kHit);
    const DramAccess c = d.access(2000, at(2, 0, 5), false); // another row: PRE, ACT, READ
    EXPECT_EQ(c.outcome, RowOutcome::Conflict);
    EXPECT_EQ(c.latency, kConflict);
    ASSERT_TRUE(d.open_row(c.where, &row));
    EXPECT_EQ(row, 2u);
    const DramAccess e = d.access(3000, at(2, 0, 31), false);
    EXPECT_EQ(e.outcome, RowOutcome::Hit);
    EXPECT_EQ(e.latency, kHit);
    const DramAccess f = d.access(4000, at(2, 3, 0), false); // bank 3 has no open row
    EXPECT_EQ(f.outcome, RowOutcome::Empty);
    EXPECT_EQ(f.latency, kEmpty);
    for (const DramAccess* x : {&a, &b, &c, &e, &f}) {
        EXPECT_EQ(x->bank_wait, 0u);
        EXPECT_EQ(x->bus_wait, 0u);
    }
    // The differences are exactly the row operations saved.
    EXPECT_EQ(a.latency - b.latency, kRcd);
    EXPECT_EQ(c.latency - a.latency, kRp);
}

TEST(DramOpenPage, HitsToTheOpenRowFollowOneBurstApart) {
    Dram d(test_config(), 64, 1.0);
    d.access(0, at(4, 2, 0), false); // opens row 4 of bank 2; column command at 23, end 38
    // Four hits arrive together at 1000: column commands at 1010, 1014, 1018, 1022 (the bank
    // takes one column command a burst), data back to back on the bus: latency kHit + k * burst.
    for (Cycle k = 0; k < 4; ++k) {
        const DramAccess a = d.access(1000, at(4, 2, 1 + k), false);
        EXPECT_EQ(a.outcome, RowOutcome::Hit);
        EXPECT_EQ(a.latency, kHit + k * kBurst) << "hit " << k;
        EXPECT_EQ(a.bank_wait, k * kBurst) << "hit " << k;
        EXPECT_EQ(a.bus_wait, 0u) << "hit " << k;
    }
}

TEST(DramOpenPage, ConflictWaitsForTheBankAndTras) {
    Dram d(test_config(), 64, 1.0);
    // Both arrive at 0 for bank 0. The first: ACT at 10, READ at 23, data until 38.
    const DramAccess a = d.access(0, at(1, 0), false);
    EXPECT_EQ(a.latency, kEmpty);
    // The second (row 2) may precharge only at ACT + tRAS = 40 (the bank itself is free from
    // READ + burst = 27): it waits 40 - 10 = 30, then PRE, ACT at 57, READ at 70, data until 85.
    const DramAccess b = d.access(0, at(2, 0), false);
    EXPECT_EQ(b.outcome, RowOutcome::Conflict);
    EXPECT_EQ(b.bank_wait, kRas); // PRE at ACT (10) + tRAS = 40, the request came at 10
    EXPECT_EQ(b.bus_wait, 0u);
    EXPECT_EQ(b.latency, kConflict + kRas); // 85
    EXPECT_EQ(b.latency, 85u);
}

TEST(DramOpenPage, BanksOverlapAndShareTheChannelBus) {
    DramConfig c = test_config();
    c.channels = 2;
    c.mapping = "row:bank:channel:column";
    Dram d(c, 64, 1.0);
    // Line bits: column 0-4, channel 5, bank 6-8: byte address row << 15 | bank << 12 | ch << 11.
    auto where = [](Addr row, Addr bank, Addr ch) { return row << 15 | bank << 12 | ch << 11; };
    // Three at once: banks 0 and 1 of channel 0 overlap their ACTs, but the second burst waits
    // for the first (data ready at 34, bus free at 38); channel 1 has its own bus.
    const DramAccess a = d.access(0, where(1, 0, 0), false);
    const DramAccess b = d.access(0, where(1, 1, 0), false);
    const DramAccess e = d.access(0, where(1, 0, 1), false);
    EXPECT_EQ(a.latency, kEmpty);
    EXPECT_EQ(b.latency, kEmpty + kBurst);
    EXPECT_EQ(b.bus_wait, kBurst);
    EXPECT_EQ(b.bank_wait, 0u);
    EXPECT_EQ(e.latency, kEmpty);
    EXPECT_EQ(e.where, coord(1, 0, 0, 1, 0));
}

// The comparison: N reads to distinct rows issued together, all in one bank versus one
// row in each of N banks.
TEST(DramStreams, SameBankSerialisesByTrcWhileInterleavedBanksOnlyShareTheBus) {
    constexpr Cycle kN = 8;
    Dram same(test_config(), 64, 1.0);
    Dram spread(test_config(), 64, 1.0);
    std::vector<Cycle> same_lat, spread_lat;
    for (Addr k = 0; k < kN; ++k) {
        same_lat.push_back(same.access(0, at(10 + k, 0), false).latency);
        spread_lat.push_back(spread.access(0, at(10 + k, k), false).latency);
    }
    // Same bank: after the first (empty) each conflict's PRE waits for ACT + tRAS of the one
    // before, so ACTs are tRAS + tRP (= tRC, 47) apart. Spread: every bank activates at once and
    // the bursts follow each other on the bus.
    for (Cycle k = 0; k < kN; ++k) {
        EXPECT_EQ(same_lat[k], kEmpty + k * (kRas + kRp)) << "request " << k;
        EXPECT_EQ(spread_lat[k], kEmpty + k * kBurst) << "request " << k;
    }
    EXPECT_EQ(same_lat.back(), 367u);
    EXPECT_EQ(spread_lat.back(), 66u);
}

// --- writes --------------------------------------------------------------------------------------

TEST(DramWrites, WriteOpensTheRowAndItsRecoveryDelaysAPrecharge) {
    Dram d(test_config(), 64, 1.0);
    // A write to precharged bank 0 at 0: ACT 10, WRITE 23, data 30-34.
    const DramAccess w = d.access(0, at(3, 0), true);
    EXPECT_EQ(w.outcome, RowOutcome::Empty);
    EXPECT_EQ(w.latency, kCtrl + kRcd + kCwl + kBurst); // 34
    // A read of another row at 0: PRE no earlier than max(ACT + tRAS = 40, data end + tWR = 43),
    // so it waits 43 - 10 = 33; ACT 60, READ 73, data until 88.
    const DramAccess r = d.access(0, at(4, 0), false);
    EXPECT_EQ(r.outcome, RowOutcome::Conflict);
    EXPECT_EQ(r.bank_wait, 34 + kWr - kCtrl);
    EXPECT_EQ(r.latency, 88u);
    EXPECT_EQ(r.latency, kConflict + 33);
    // A write opens its row like a read: a later read of that row (bank 1, row 5) hits.
    d.access(1000, at(5, 1), true);
    const DramAccess h = d.access(2000, at(5, 1, 7), false);
    EXPECT_EQ(h.outcome, RowOutcome::Hit);
    EXPECT_EQ(h.latency, kHit);
}

// --- closed page ---------------------------------------------------------------------------------

TEST(DramClosedPage, EveryAccessActivatesAndThePrechargeHoldsTheBank) {
    DramConfig c = test_config();
    c.page_policy = "closed";
    Dram d(c, 64, 1.0);
    // ACT 10, READ 23, data until 38; auto-precharge at max(ACT + tRAS = 40, READ + burst = 27)
    // = 40, the bank is closed again at 40 + tRP = 57.
    const DramAccess a = d.access(0, at(1, 0), false);
    EXPECT_EQ(a.outcome, RowOutcome::Empty);
    EXPECT_EQ(a.latency, kEmpty);
    EXPECT_FALSE(d.open_row(a.where, nullptr));
    // The same row at 0 again: no hit; ACT waits for the bank until 57 (47 cycles after 10),
    // READ 70, data until 85.
    const DramAccess b = d.access(0, at(1, 0, 1), false);
    EXPECT_EQ(b.outcome, RowOutcome::Empty);
    EXPECT_EQ(b.bank_wait, 47u);
    EXPECT_EQ(b.latency, kEmpty + kRas + kRp); // 85
    // Later, another row of the same bank costs what the first did: no conflict ever.
    const DramAccess e = d.access(1000, at(2, 0), false);
    EXPECT_EQ(e.outcome, RowOutcome::Empty);
    EXPECT_EQ(e.latency, kEmpty);
    EXPECT_EQ(e.bank_wait, 0u);
}

} // namespace
} // namespace smp
