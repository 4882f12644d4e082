#include "models/interconnect/fabric.hpp"

#include <algorithm>

namespace smp {

using sc_core::sc_time;

Fabric::Fabric(sc_core::sc_module_name name, const LinkConfig& link, const BusConfig& bus,
               unsigned sockets, bool interleave, const Clocked& clock)
    : sc_module(name), cpu_side("cpu_side"), snoop_out("snoop_out"), mem_side("mem_side"),
      m_clock(clock), m_sockets(sockets), m_link(clock.ns(link.latency_ns)),
      m_remote_snoop(clock.ns(bus.snoop_ns)), m_remote_c2c(clock.ns(bus.c2c_ns)),
      m_home(sockets, interleave), m_holders(bus.snoop_filter) {
    cpu_side.register_b_transport(this, &Fabric::b_transport);
    m_own.set_extension(&m_own_ext);
    m_own.set_data_ptr(m_dummy);
}

void Fabric::write_home(tlm::tlm_generic_payload& p, const MemExt& ext, unsigned home,
                        const sc_time& delay) {
    m_own_ext = ext;
    m_own_ext.cmd = CohCmd::PutM;
    m_own_ext.kind = AccessKind::Writeback;
    set_line_request(m_own, p.get_address(), p.get_data_length(), true);
    sc_time posted = delay;
    mem_side[home]->b_transport(m_own, posted);
}

void Fabric::snoop_sockets(tlm::tlm_generic_payload& p, MemExt& ext, int requester, SnoopCmd cmd,
                           bool keep, sc_time& delay) {
    m_holders.snoop(p.get_address(), ext, cmd, static_cast<int>(m_sockets), requester,
                    keep ? requester : -1,
                    [&](int t) { snoop_out[static_cast<unsigned>(t)]->b_transport(p, delay); });
}

void Fabric::b_transport(int socket, tlm::tlm_generic_payload& p, sc_time& delay) {
    MemExt* ext = nullptr;
    p.get_extension(ext);
    p.set_response_status(tlm::TLM_OK_RESPONSE);
    const unsigned s = static_cast<unsigned>(socket);
    const unsigned home = m_home.home(p.get_address(), s);
    if (ext->cmd == CohCmd::PutM) {
        sc_time posted = delay;
        mem_side[home]->b_transport(p, posted);
        return;
    }
    ++stats.requests;
    if (ext->cmd == CohCmd::Flush) { // the other sockets drop the line; memory is not read
        if (m_sockets > 1) {
            snoop_sockets(p, *ext, socket, SnoopCmd::Invalidate, false, delay);
            if (ext->snoop_dirty) write_home(p, *ext, home, delay);
            delay += m_clock.cycles(2 * m_link + m_remote_snoop);
        }
        return;
    }
    bool remote_hit = false, remote_dirty = false, remote_supplied = false;
    Cycle probe = 0;
    if (m_sockets > 1) {
        ++stats.remote_snoops;
        const SnoopCmd cmd = ext->cmd == CohCmd::GetS   ? SnoopCmd::Read
                             : ext->cmd == CohCmd::GetM ? SnoopCmd::ReadExcl
                                                        : SnoopCmd::Invalidate;
        snoop_sockets(p, *ext, socket, cmd, true, delay);
        remote_hit = ext->snoop_hit;
        remote_dirty = ext->snoop_dirty;
        remote_supplied = ext->snoop_supplied;
        probe = 2 * m_link + m_remote_snoop;
    }
    if (ext->cmd == CohCmd::Upgrade) { // invalidation acknowledgements only
        delay += m_clock.cycles(probe);
        ext->exclusive = true;
        return;
    }
    if (remote_supplied) {
        ++stats.remote_c2c;
        delay += m_clock.cycles(probe + m_remote_c2c);
        ext->served_by = ServedBy::RemoteCache;
        ext->exclusive = ext->cmd == CohCmd::GetM;
        if (ext->cmd == CohCmd::GetS && remote_dirty) write_home(p, *ext, home, delay); // M -> S
        return;
    }
    sc_time mem = delay;
    mem_side[home]->b_transport(p, mem);
    Cycle latency = m_clock.to_cycles(mem - delay);
    if (home != s) {
        ++stats.remote_memory;
        latency += 2 * m_link;
    }
    delay += m_clock.cycles(std::max(latency, probe));
    ext->served_by = home == s ? ServedBy::Memory : ServedBy::RemoteMemory;
    ext->exclusive = ext->cmd != CohCmd::GetS || !remote_hit;
}

} // namespace smp
