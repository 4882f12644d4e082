// DRAM banks, row buffers and data buses of one memory controller, in core cycles. Plain C++.
#pragma once

#include "models/common/types.hpp"
#include "models/memory/dram_config.hpp"

#include <cstdint>
#include <vector>

namespace smp {

// Where a line lives in the DRAM: channel, rank, bank, row and column (in lines within the row).
struct DramCoord {
    unsigned channel = 0;
    unsigned rank = 0;
    unsigned bank = 0;
    Addr row = 0;
    Addr column = 0;

    bool operator==(const DramCoord& o) const {
        return channel == o.channel && rank == o.rank && bank == o.bank && row == o.row &&
               column == o.column;
    }
};

// Splits line addresses into DramCoord by the configured mapping: bit fields taken from the
// least significant bits of the line number upwards, row gets all the bits left.
class DramAddressMap {
public:
    DramAddressMap(const DramConfig& cfg, unsigned line_bytes);
    DramCoord decode(Addr paddr) const;

private:
    enum class Field : std::uint8_t { Row, Rank, Bank, Channel, Column };
    struct Slice {
        Field field;
        unsigned bits;
    };
    unsigned m_line_bits;
    std::vector<Slice> m_slices; // least significant first, row excluded
};

// The DRAM timings of a DramConfig in core cycles (each ns figure rounded up on its own).
struct DramTiming {
    Cycle controller = 0;
    Cycle trcd = 0;
    Cycle tcl = 0;
    Cycle trp = 0;
    Cycle tras = 0;
    Cycle tcwl = 0;
    Cycle twr = 0;
    Cycle burst = 1; // one line on the channel's data bus, at least a cycle

    static DramTiming from(const DramConfig& cfg, unsigned line_bytes, double freq_ghz);
};

enum class RowOutcome : std::uint8_t { Hit, Empty, Conflict };

// One access as the DRAM served it: latency = controller + bank_wait + (trp if Conflict) +
// (trcd unless Hit) + (tcl, or tcwl for a write) + bus_wait + burst.
struct DramAccess {
    Cycle latency = 0;   // from arrival to the last data beat
    Cycle bank_wait = 0; // waiting for the bank: earlier commands, tRAS before a precharge
    Cycle bus_wait = 0;  // waiting for the channel's data bus
    RowOutcome outcome = RowOutcome::Hit;
    DramCoord where;
};

// FCFS bank and bus timing of one controller's DRAM; requests are served in call order.
class Dram {
public:
    Dram(const DramConfig& cfg, unsigned line_bytes, double freq_ghz);

    // A read or a write of the line at paddr arriving at cycle `at` (a write's latency is when
    // its data has been sent; the caller posts writes). Opens the row as the page policy says and
    // advances the busy times of the bank and of the channel's data bus.
    DramAccess access(Cycle at, Addr paddr, bool write);

    const DramTiming& timing() const { return m_t; }
    const DramAddressMap& map() const { return m_map; }
    // The row open in a bank (false if the bank is precharged).
    bool open_row(const DramCoord& c, Addr* row) const;

private:
    struct Bank {
        bool open = false;
        Addr row = 0;
        Cycle ready = 0;  // the bank's next command no earlier
        Cycle pre_ok = 0; // a precharge of the open row no earlier (tRAS, reads, write recovery)
    };
    Bank& bank(const DramCoord& c);

    DramTiming m_t;
    DramAddressMap m_map;
    bool m_closed_page;
    unsigned m_ranks, m_banks;
    std::vector<Bank> m_bank;      // channel-major, then rank, then bank
    std::vector<Cycle> m_bus_free; // per channel: its data bus is free from
};

} // namespace smp
