#include "models/irq/irq_controller.hpp"

#include <algorithm>
#include <cmath>

namespace smp {

void LocalApic::post(const PendingIrq& irq) {
    auto pos = std::upper_bound(m_pending.begin(), m_pending.end(), irq.arrival,
                                [](Cycle t, const PendingIrq& p) { return t < p.arrival; });
    m_pending.insert(pos, irq);
    renew_next();
    posted.notify(sc_core::SC_ZERO_TIME);
}

bool LocalApic::take(Cycle now, PendingIrq& out) {
    const bool ipi_due = !m_pending.empty() && m_pending.front().arrival <= now;
    const bool tick_due = m_next_tick <= now;
    if (!ipi_due && !tick_due) return false;
    if (ipi_due && (!tick_due || m_pending.front().arrival < m_next_tick)) {
        out = m_pending.front();
        m_pending.pop_front();
        renew_next();
        ++stats.ipis_received;
        return true;
    }
    out = PendingIrq{m_next_tick, IrqVector::Timer, kNoCpu};
    m_next_tick += m_tick_period;
    renew_next();
    ++stats.ticks;
    return true;
}

IrqController::IrqController(sc_core::sc_module_name name, const IrqConfig& cfg, unsigned cpus,
                             const Clocked& clock)
    : sc_module(name), m_send(static_cast<Cycle>(cfg.ipi_send_cycles)),
      m_latency(clock.ns(cfg.ipi_latency_ns)), m_accept(static_cast<Cycle>(cfg.ipi_accept_cycles)) {
    const Cycle tick =
        cfg.tick_hz > 0
            ? static_cast<Cycle>(std::llround(clock.freq_ghz() * 1e9 / static_cast<double>(cfg.tick_hz)))
            : 0;
    for (unsigned i = 0; i < cpus; ++i) m_apics.push_back(std::make_unique<LocalApic>(tick));
}

Cycle IrqController::send_ipi(CpuId from, CpuId to, IrqVector vector, Cycle at) {
    const Cycle arrival = at + m_latency;
    ++m_apics[from]->stats.ipis_sent;
    m_apics[to]->post(PendingIrq{arrival, vector, from});
    return arrival;
}

} // namespace smp
