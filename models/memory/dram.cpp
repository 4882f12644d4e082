#include "models/memory/dram.hpp"

#include <algorithm>

namespace smp {

DramAddressMap::DramAddressMap(const DramConfig& cfg, unsigned line_bytes)
    : m_line_bits(log2_floor(line_bytes)) {
    const auto names = parse_dram_mapping("memory.dram.mapping", cfg.mapping);
    const std::uint64_t columns = std::max<std::uint64_t>(1, cfg.row_bytes / line_bytes);
    for (auto it = names.rbegin(); it != names.rend(); ++it) {
        const std::string& n = *it;
        if (n == "row") continue;
        Slice s{Field::Column, log2_floor(columns)};
        if (n == "rank") s = {Field::Rank, log2_floor(std::uint64_t(cfg.ranks))};
        if (n == "bank") s = {Field::Bank, log2_floor(std::uint64_t(cfg.banks))};
        if (n == "channel") s = {Field::Channel, log2_floor(std::uint64_t(cfg.channels))};
        m_slices.push_back(s);
    }
}

DramCoord DramAddressMap::decode(Addr paddr) const {
    DramCoord c;
    Addr rest = paddr >> m_line_bits;
    for (const Slice& s : m_slices) {
        const Addr v = rest & ((Addr(1) << s.bits) - 1);
        rest >>= s.bits;
        switch (s.field) {
        case Field::Rank:
            c.rank = static_cast<unsigned>(v);
            break;
        case Field::Bank:
            c.bank = static_cast<unsigned>(v);
            break;
        case Field::Channel:
            c.channel = static_cast<unsigned>(v);
            break;
        case Field::Column:
            c.column = v;
            break;
        case Field::Row:
            break;
        }
    }
    c.row = rest;
    return c;
}

DramTiming DramTiming::from(const DramConfig& cfg, unsigned line_bytes, double freq_ghz) {
    DramTiming t;
    t.controller = ns_to_cycles(cfg.controller_ns, freq_ghz);
    t.trcd = ns_to_cycles(cfg.trcd_ns, freq_ghz);
    t.tcl = ns_to_cycles(cfg.tcl_ns, freq_ghz);
    t.trp = ns_to_cycles(cfg.trp_ns, freq_ghz);
    t.tras = ns_to_cycles(cfg.tras_ns, freq_ghz);
    t.tcwl = ns_to_cycles(cfg.tcwl_ns, freq_ghz);
    t.twr = ns_to_cycles(cfg.twr_ns, freq_ghz);
    t.burst = std::max<Cycle>(1, ns_to_cycles(line_bytes / cfg.channel_gbps, freq_ghz));
    return t;
}

Dram::Dram(const DramConfig& cfg, unsigned line_bytes, double freq_ghz)
    : m_t(DramTiming::from(cfg, line_bytes, freq_ghz)), m_map(cfg, line_bytes),
      m_closed_page(cfg.page_policy == "closed"), m_ranks(static_cast<unsigned>(cfg.ranks)),
      m_banks(static_cast<unsigned>(cfg.banks)),
      m_bank(static_cast<std::size_t>(cfg.channels * cfg.ranks * cfg.banks)),
      m_bus_free(static_cast<std::size_t>(cfg.channels), 0) {}

Dram::Bank& Dram::bank(const DramCoord& c) {
    return m_bank[(std::size_t(c.channel) * m_ranks + c.rank) * m_banks + c.bank];
}

bool Dram::open_row(const DramCoord& c, Addr* row) const {
    const Bank& b = m_bank[(std::size_t(c.channel) * m_ranks + c.rank) * m_banks + c.bank];
    if (b.open && row) *row = b.row;
    return b.open;
}

// Commands of one access, FCFS: the controller front end, then (conflict) PRE once the bank and
// tRAS allow it, ACT tRP later, the column command tRCD after ACT; its data comes tCL (tCWL)
// later and holds the channel's data bus for a burst. A column command whose burst would find
// the bus busy is issued later by the bus wait (data never queues inside the DRAM).
DramAccess Dram::access(Cycle at, Addr paddr, bool write) {
    DramAccess a;
    a.where = m_map.decode(paddr);
    Bank& b = bank(a.where);
    const Cycle arrive = at + m_t.controller;
    const Cycle free = std::max(arrive, b.ready);
    Cycle first = free; // the access's first command
    Cycle act = 0;
    bool activates = true;
    if (b.open && b.row == a.where.row) {
        a.outcome = RowOutcome::Hit;
        activates = false;
    } else if (!b.open) {
        a.outcome = RowOutcome::Empty;
        act = first;
    } else {
        a.outcome = RowOutcome::Conflict;
        first = std::max(free, b.pre_ok);
        act = first + m_t.trp;
    }
    a.bank_wait = first - arrive;
    Cycle col = activates ? act + m_t.trcd : first;
    const Cycle cas = write ? m_t.tcwl : m_t.tcl;
    Cycle& bus = m_bus_free[a.where.channel];
    a.bus_wait = bus > col + cas ? bus - (col + cas) : 0;
    col += a.bus_wait;
    const Cycle end = col + cas + m_t.burst;
    bus = end;

    // The bank after this access: the next column command one burst after this one (tCCD);
    // a precharge tRAS after the row's ACT, one burst after a read (tRTP taken as the burst),
    // tWR after a write's last data.
    if (activates) b.pre_ok = act + m_t.tras;
    b.pre_ok = std::max(b.pre_ok, write ? end + m_t.twr : col + m_t.burst);
    b.ready = col + m_t.burst;
    b.open = true;
    b.row = a.where.row;
    if (m_closed_page) { // auto-precharge: the bank is closed again tRP after the precharge
        b.ready = std::max(b.ready, b.pre_ok) + m_t.trp;
        b.open = false;
    }
    a.latency = end - at;
    return a;
}

} // namespace smp
