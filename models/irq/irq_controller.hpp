// Per-CPU local interrupt controllers, the IPI fabric between them, and the local timers.
#pragma once

#include "models/common/clocked.hpp"
#include "models/common/stats.hpp"
#include "models/irq/irq_config.hpp"

#include <deque>
#include <limits>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

namespace smp {

// Action: an external (device or high-resolution timer) interrupt that delivers an experiment's
// timed action to the guest.
enum class IrqVector : std::uint8_t { Timer, Reschedule, CallFunction, Stop, Action };
constexpr Cycle kNever = std::numeric_limits<Cycle>::max();

struct PendingIrq {
    Cycle arrival = 0;
    IrqVector vector = IrqVector::Timer;
    CpuId from = kNoCpu;
};

struct IrqStats {
    Counter ipis_sent = 0;
    Counter ipis_received = 0;
    Counter ticks = 0;

    void register_stats(StatsRegistry& r, const std::string& p) const {
        r.add(p + ".ipis_sent", &ipis_sent,
              "inter-processor interrupts sent by this CPU");
        r.add(p + ".ipis_received", &ipis_received,
              "inter-processor interrupts delivered to this CPU");
        r.add(p + ".ticks", &ticks,
              "timer interrupts delivered to this CPU");
    }
};

// One CPU's local controller: interrupts pending in arrival order plus the periodic timer.
// `posted` is notified whenever an interrupt is posted, so a waiting core can re-plan.
class LocalApic {
public:
    LocalApic(Cycle tick_period)
        : m_tick_period(tick_period), m_next_tick(tick_period ? tick_period : kNever),
          m_next(m_next_tick) {}

    void post(const PendingIrq& irq);
    // Earliest arrival of anything pending (IPI or tick), kNever if none.
    Cycle next_arrival() const { return m_next; }
    // Pops the earliest interrupt that has arrived by `now`; false if none.
    bool take(Cycle now, PendingIrq& out);
    // Stops the local timer, or restarts it at the next period boundary after `now`.
    void set_timer(bool on, Cycle now) {
        if (!m_tick_period) return;
        m_next_tick = on ? (now / m_tick_period + 1) * m_tick_period : kNever;
        renew_next();
        if (on) posted.notify(sc_core::SC_ZERO_TIME);
    }

    sc_core::sc_event posted;
    IrqStats stats;

private:
    void renew_next() {
        const Cycle ipi = m_pending.empty() ? kNever : m_pending.front().arrival;
        m_next = ipi < m_next_tick ? ipi : m_next_tick;
    }

    Cycle m_tick_period;
    Cycle m_next_tick;
    Cycle m_next; // next_arrival(), renewed whenever the pending IPIs or the tick change
    std::deque<PendingIrq> m_pending; // sorted by arrival, stable for equal times
};

// The interrupt fabric: send_ipi is called at the sender's synchronised time.
class IrqController : public sc_core::sc_module {
public:
    IrqController(sc_core::sc_module_name name, const IrqConfig& cfg, unsigned cpus,
                  const Clocked& clock);

    LocalApic& apic(CpuId cpu) { return *m_apics[cpu]; }
    unsigned cpus() const { return static_cast<unsigned>(m_apics.size()); }
    Cycle send_cost() const { return m_send; }
    Cycle accept_cost() const { return m_accept; }
    Cycle latency() const { return m_latency; }

    // Posts `vector` to `to`, arriving `latency` cycles after `at`; returns the arrival cycle.
    Cycle send_ipi(CpuId from, CpuId to, IrqVector vector, Cycle at);

private:
    Cycle m_send;
    Cycle m_latency;
    Cycle m_accept;
    std::vector<std::unique_ptr<LocalApic>> m_apics;
};

} // namespace smp
