// The system fabric below the sockets: socket-to-socket link, remote snoops, NUMA memory routing.
#pragma once

#include "models/common/clocked.hpp"
#include "models/common/mem_payload.hpp"
#include "models/interconnect/bus_config.hpp"
#include "models/interconnect/bus_stats.hpp"
#include "models/interconnect/snoop_filter.hpp"
#include "models/memory/address_map.hpp"

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

namespace smp {

// Socket s binds cpu_side[s] (requests from its LLC or bus), snoop_out[s] (snoops into the
// socket) and mem_side[s] (its memory controller). A request from socket s snoops every other
// socket over the link (round trip 2 * link.latency_ns, overlapping a local memory access) and
// takes the line from a remote cache that holds it E/M, or from the page's home memory (remote
// homes add the link round trip). Nothing here waits: the bus above has synchronised already.
// With bus.snoop_filter, the fabric keeps, per line, a superset of the sockets that may hold it
// (set when a socket requests the line, cleared when a snoop finds it gone or invalidates it) and
// snoops only those: every socket's copies come through its requests here, so a socket left out
// holds none, and its snoop would have missed. Timing and outcomes are the same; only the snoops
// received drop. Up to 64 sockets.
class Fabric : public sc_core::sc_module {
public:
    tlm_utils::multi_passthrough_target_socket<Fabric> cpu_side;
    tlm_utils::multi_passthrough_initiator_socket<Fabric> snoop_out;
    tlm_utils::multi_passthrough_initiator_socket<Fabric> mem_side;

    Fabric(sc_core::sc_module_name name, const LinkConfig& link, const BusConfig& bus,
           unsigned sockets, bool interleave, const Clocked& clock);
    ~Fabric() override { m_own.clear_extension(&m_own_ext); }

    // The NUMA home socket of paddr, -1 while its page is untouched (no side effect).
    int home_of(Addr paddr) const { return m_home.home_of(paddr); }

    FabricStats stats;

private:
    void b_transport(int socket, tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
    // Posts a writeback of p's line to its home memory (a remote dirty copy was dropped).
    void write_home(tlm::tlm_generic_payload& p, const MemExt& ext, unsigned home,
                    const sc_core::sc_time& delay);
    // Snoops the sockets other than `requester` that may hold p's line (all of them without the
    // filter) with cmd; the or-ed result is in ext. `keep`: the requester fetches the line.
    void snoop_sockets(tlm::tlm_generic_payload& p, MemExt& ext, int requester, SnoopCmd cmd,
                       bool keep, sc_core::sc_time& delay);

    const Clocked& m_clock;
    unsigned m_sockets;
    Cycle m_link;
    Cycle m_remote_snoop;
    Cycle m_remote_c2c;
    HomeMap m_home;
    SnoopFilter m_holders; // bus.snoop_filter: which sockets may hold each line

    tlm::tlm_generic_payload m_own;
    MemExt m_own_ext;
    unsigned char m_dummy[8] = {};
};

} // namespace smp
