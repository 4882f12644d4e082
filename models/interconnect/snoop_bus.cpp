#include "models/interconnect/snoop_bus.hpp"

#include <algorithm>

namespace smp {

using sc_core::sc_time;
using tlm::tlm_generic_payload;

SnoopBus::SnoopBus(sc_core::sc_module_name name, const BusConfig& cfg, const Clocked& clock)
    : sc_module(name), cpu_side("cpu_side"), snoop_out("snoop_out"), mem_side("mem_side"),
      snoop_in("snoop_in"), m_clock(clock), m_snoop_cycles(clock.ns(cfg.snoop_ns)),
      m_c2c_cycles(clock.ns(cfg.c2c_ns)), m_occupancy_cycles(clock.ns(cfg.occupancy_ns)),
      m_holders(cfg.snoop_filter) {
    cpu_side.register_b_transport(this, &SnoopBus::b_transport);
    snoop_in.register_b_transport(this, &SnoopBus::snoop);
    m_own.set_extension(&m_own_ext);
    m_own.set_data_ptr(m_dummy);
}

void SnoopBus::broadcast(tlm_generic_payload& p, MemExt& ext, int except, SnoopCmd cmd,
                         sc_time& delay) {
    // The requester (if any) fetches the line.
    m_holders.snoop(p.get_address(), ext, cmd, m_agents, except, except,
                    [&](int i) { snoop_out[static_cast<unsigned>(i)]->b_transport(p, delay); });
}

void SnoopBus::writeback_below(tlm_generic_payload& p, MemExt& ext, sc_time& delay) {
    ++stats.writebacks;
    m_own_ext.cmd = CohCmd::PutM;
    m_own_ext.kind = AccessKind::Writeback;
    m_own_ext.cpu = ext.cpu;
    m_own_ext.task = ext.task;
    set_line_request(m_own, p.get_address(), p.get_data_length(), true);
    sc_time posted = delay;
    mem_side->b_transport(m_own, posted);
}

void SnoopBus::b_transport(int id, tlm_generic_payload& p, sc_time& delay) {
    MemExt* ext = nullptr;
    p.get_extension(ext);
    p.set_response_status(tlm::TLM_OK_RESPONSE);
    if (ext->cmd == CohCmd::PutM) {
        // Posted writeback: no synchronisation, occupies the bus at the writer's local time.
        ++stats.writebacks;
        const Cycle at = m_clock.now_cycles() + m_clock.to_cycles(delay);
        m_busy_until = std::max(m_busy_until, at) + m_occupancy_cycles;
        stats.busy_cycles += m_occupancy_cycles;
        if (m_on_occupy) m_on_occupy(m_busy_until - m_occupancy_cycles, m_busy_until);
        sc_time posted = delay;
        mem_side->b_transport(p, posted);
        return;
    }
    // Synchronise: from here on the transaction runs at its true global time, atomically. A
    // prefetch is posted instead (mem_payload.hpp): it runs atomically at once, timed from the
    // requester's local time, and never holds the requester's thread.
    const bool posted = ext->kind == AccessKind::Prefetch;
    if (!posted && delay != sc_core::SC_ZERO_TIME) {
        sc_core::wait(delay);
        delay = sc_core::SC_ZERO_TIME;
    }
    const Cycle now = m_clock.now_cycles() + (posted ? m_clock.to_cycles(delay) : 0);
    const Cycle start = std::max(now, m_busy_until);
    m_busy_until = start + m_occupancy_cycles;
    stats.busy_cycles += m_occupancy_cycles;
    stats.wait_cycles += start - now;
    if (m_on_occupy) m_on_occupy(start, m_busy_until);
    ++stats.transactions;
    Cycle latency = (start - now) + m_snoop_cycles;

    CohCmd cmd = ext->cmd;
    if (cmd == CohCmd::Flush) { // every other agent drops the line; dirty data goes to memory
        ++stats.flushes;
        broadcast(p, *ext, id, SnoopCmd::Invalidate, delay);
        if (ext->snoop_dirty) writeback_below(p, *ext, delay);
        delay += m_clock.cycles(latency);
        mem_side->b_transport(p, delay);
        if (m_observer) m_observer(p.get_address());
        return;
    }
    if (cmd == CohCmd::Upgrade) {
        // The requester's shared copy may have been invalidated while it waited: then it needs data.
        ext->snoop = SnoopCmd::Probe;
        ext->snoop_hit = false;
        snoop_out[static_cast<unsigned>(id)]->b_transport(p, delay);
        if (!ext->snoop_hit) cmd = CohCmd::GetM;
    }
    const SnoopCmd sc = cmd == CohCmd::GetS   ? SnoopCmd::Read
                        : cmd == CohCmd::GetM ? SnoopCmd::ReadExcl
                                              : SnoopCmd::Invalidate;
    // A clean line the shared cache below holds comes from there; a dirty one only from a peer.
    ext->clean_below = m_below_holds && m_below_holds(p.get_address());
    broadcast(p, *ext, id, sc, delay);
    ext->clean_below = false;
    const bool peer_hit = ext->snoop_hit;
    const bool peer_dirty = ext->snoop_dirty;
    const bool peer_supplied = ext->snoop_supplied;

    if (cmd == CohCmd::Upgrade) ++stats.upgrades;
    if (peer_supplied && cmd != CohCmd::Upgrade) {
        // Cache-to-cache transfer of an M line, or of an E line the shared cache below lacks.
        ++stats.c2c_transfers;
        latency += m_c2c_cycles;
        delay += m_clock.cycles(latency);
        ext->served_by = ServedBy::PeerCache;
        ext->exclusive = cmd == CohCmd::GetM;
        if (cmd == CohCmd::GetS && peer_dirty) writeback_below(p, *ext, delay); // M -> S
    } else {
        delay += m_clock.cycles(latency);
        ext->cmd = cmd;
        mem_side->b_transport(p, delay);
        if (cmd == CohCmd::GetS && peer_hit) ext->exclusive = false;
        if (cmd != CohCmd::GetS) ext->exclusive = true;
    }
    if (m_observer) m_observer(p.get_address());
}

void SnoopBus::snoop(tlm_generic_payload& p, sc_time& delay) {
    MemExt* ext = nullptr;
    p.get_extension(ext);
    p.set_response_status(tlm::TLM_OK_RESPONSE);
    ++stats.snoops_from_below;
    broadcast(p, *ext, -1, ext->snoop, delay);
}

} // namespace smp
