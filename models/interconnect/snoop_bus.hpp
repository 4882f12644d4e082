// A socket's coherent snooping bus: the synchronisation point of every transaction.
#pragma once

#include "models/common/clocked.hpp"
#include "models/common/mem_payload.hpp"
#include "models/interconnect/bus_config.hpp"
#include "models/interconnect/bus_stats.hpp"
#include "models/interconnect/snoop_filter.hpp"

#include <cstdint>
#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

namespace smp {

// Agents (the lowest private cache of each core or thread group) bind cpu_side[i] and
// snoop_out[i] in the same order. A request first waits for its annotated delay (the requester's
// local time), then for the bus, broadcasts a snoop to the other agents, and takes the line from
// a peer (cache-to-cache) or from below (mem_side: the socket's LLC or the fabric). A peer
// supplies a line it holds modified; a clean (E) line comes from the shared cache below when that
// cache holds it (set_shared_below), as a snoop answered "clean" lets it, else from the peer.
// Snoops arriving from below on snoop_in are broadcast to every agent. With cfg.snoop_filter, a
// snoop filter keeps, per
// line, a superset of the agents that may hold it (set when an agent fetches the line, cleared
// when a snoop finds it gone or invalidates it; silent evictions leave stale bits, which cost a
// snoop that misses, never a missed copy): only those agents are snooped. Up to 64 agents.
class SnoopBus : public sc_core::sc_module {
public:
    tlm_utils::multi_passthrough_target_socket<SnoopBus, 32, tlm::tlm_base_protocol_types, 0,
                                               sc_core::SC_ZERO_OR_MORE_BOUND>
        cpu_side;
    tlm_utils::multi_passthrough_initiator_socket<SnoopBus, 32, tlm::tlm_base_protocol_types, 0,
                                                  sc_core::SC_ZERO_OR_MORE_BOUND>
        snoop_out;
    tlm_utils::simple_initiator_socket<SnoopBus> mem_side;
    tlm_utils::simple_target_socket<SnoopBus> snoop_in;

    SnoopBus(sc_core::sc_module_name name, const BusConfig& cfg, const Clocked& clock);
    ~SnoopBus() override { m_own.clear_extension(&m_own_ext); }

    // Called after every transaction with the line's physical address (checker mode).
    void set_observer(std::function<void(Addr)> f) { m_observer = std::move(f); }
    // Called with the cycles [start, end) each transaction occupies the bus (tracing).
    void set_occupancy_observer(std::function<void(Cycle, Cycle)> f) { m_on_occupy = std::move(f); }

    // The shared cache under the bus: whether it holds a valid copy of a line. Without it, every
    // line a peer holds exclusively comes from that peer.
    void set_shared_below(std::function<bool(Addr)> holds) { m_below_holds = std::move(holds); }

    BusStats stats;

private:
    void b_transport(int id, tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
    void snoop(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
    // Snoops every agent but `except` that may hold the line; returns the or-ed result in ext.
    void broadcast(tlm::tlm_generic_payload& p, MemExt& ext, int except, SnoopCmd cmd,
                   sc_core::sc_time& delay);
    void writeback_below(tlm::tlm_generic_payload& p, MemExt& ext, sc_core::sc_time& delay);
    void end_of_elaboration() override { m_agents = static_cast<int>(snoop_out.size()); }

    const Clocked& m_clock;
    int m_agents = 0; // snoop_out's size, read once bound (size() walks the binding each call)
    Cycle m_snoop_cycles;
    Cycle m_c2c_cycles;
    Cycle m_occupancy_cycles;
    Cycle m_busy_until = 0;
    SnoopFilter m_holders; // cfg.snoop_filter: which agents may hold each line
    std::function<void(Addr)> m_observer;
    std::function<void(Cycle, Cycle)> m_on_occupy;
    std::function<bool(Addr)> m_below_holds;

    tlm::tlm_generic_payload m_own;
    MemExt m_own_ext;
    unsigned char m_dummy[8] = {};
};

} // namespace smp
