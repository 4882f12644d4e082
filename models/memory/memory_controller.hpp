// A socket's memory controller: fixed latency plus bandwidth occupancy per line transfer, or DRAM.
#pragma once

#include "models/common/clocked.hpp"
#include "models/common/mem_payload.hpp"
#include "models/memory/dram.hpp"
#include "models/memory/memory_config.hpp"
#include "models/memory/memory_stats.hpp"

#include <memory>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

namespace smp {

// Reads return after queueing + latency; writebacks (PutM) are posted and only occupy the
// channel. memory.model = "dram": the timing is the Dram's (banks, row buffers, data buses).
class MemoryController : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<MemoryController> cpu_side;

    MemoryController(sc_core::sc_module_name name, const MemoryConfig& cfg, unsigned line_bytes,
                     const Clocked& clock);

    MemoryStats stats;

private:
    void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
    void dram_transport(tlm::tlm_generic_payload& p, bool write, Cycle at, sc_core::sc_time& delay);

    const Clocked& m_clock;
    Cycle m_latency;
    Cycle m_transfer; // channel occupancy of one line
    Cycle m_busy_until = 0;
    std::unique_ptr<Dram> m_dram; // memory.model = "dram"
};

} // namespace smp
