#include "models/memory/memory_controller.hpp"

#include <algorithm>

namespace smp {

MemoryController::MemoryController(sc_core::sc_module_name name, const MemoryConfig& cfg,
                                   unsigned line_bytes, const Clocked& clock)
    : sc_module(name), cpu_side("cpu_side"), m_clock(clock), m_latency(clock.ns(cfg.latency_ns)),
      m_transfer(std::max<Cycle>(1, clock.ns(line_bytes / cfg.bandwidth_gbps))) {
    cpu_side.register_b_transport(this, &MemoryController::b_transport);
    if (cfg.model == "dram") {
        m_dram = std::make_unique<Dram>(cfg.dram, line_bytes, clock.freq_ghz());
        stats.dram = true;
    }
}

void MemoryController::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
    MemExt* ext = nullptr;
    p.get_extension(ext);
    p.set_response_status(tlm::TLM_OK_RESPONSE);
    const Cycle at = m_clock.now_cycles() + m_clock.to_cycles(delay);
    if (m_dram) {
        dram_transport(p, ext->cmd == CohCmd::PutM, at, delay);
        return;
    }
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

void MemoryController::dram_transport(tlm::tlm_generic_payload& p, bool write, Cycle at,
                                      sc_core::sc_time& delay) {
    const DramAccess a = m_dram->access(at, p.get_address(), write);
    switch (a.outcome) {
    case RowOutcome::Hit:
        ++stats.row_hits;
        break;
    case RowOutcome::Empty:
        ++stats.row_misses;
        break;
    case RowOutcome::Conflict:
        ++stats.row_conflicts;
        break;
    }
    if (write) { // posted: it holds the bank and the bus, nobody waits for it
        ++stats.writes;
        return;
    }
    ++stats.reads;
    stats.bank_wait_cycles += a.bank_wait;
    stats.bus_wait_cycles += a.bus_wait;
    stats.queue_cycles += a.bank_wait + a.bus_wait;
    delay += m_clock.cycles(a.latency);
}

} // namespace smp
