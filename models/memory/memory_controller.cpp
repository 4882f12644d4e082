#include "models/memory/memory_controller.hpp"

#include <algorithm>

namespace smp {

MemoryController::MemoryController(sc_core::sc_module_name name, const MemoryConfig& cfg,
                                   unsigned line_bytes, const Clocked& clock)
    : sc_module(name), cpu_side("cpu_side"), m_clock(clock), m_latency(clock.ns(cfg.latency_ns)),
      m_transfer(std::max<Cycle>(1, clock.ns(line_bytes / cfg.bandwidth_gbps))) {
    cpu_side.register_b_transport(this, &MemoryController::b_transport);
}

void MemoryController::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
    MemExt* ext = nullptr;
    p.get_extension(ext);
    p.set_response_status(tlm::TLM_OK_RESPONSE);
    const Cycle at = m_clock.now_cycles() + m_clock.to_cycles(delay);
    const Cycle start = std::max(at, m_busy_until);
    m_busy_until = start + m_transfer;
    if (ext->cmd == CohCmd::PutM) {
        ++stats.writes;
        return;
    }
    ++stats.reads;
    stats.queue_cycles += start - at;
    delay += m_clock.cycles((start - at) + m_latency);
}

} // namespace smp
