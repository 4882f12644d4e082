// The Cache's prefetching: issuing a level's prefetches and accounting for their use
// (docs/prefetch.md). The prefetcher's choice of lines is models/cache/prefetcher.cpp.
#include "models/cache/cache.hpp"

#include <algorithm>

namespace smp {

using sc_core::sc_time;

bool Cache::use_prefetched(std::uint64_t set, int way, MemExt& ext, sc_time& delay) {
    const PrefetchMarks::Mark m =
        m_marks.take(set * m_tags.ways() + static_cast<std::uint32_t>(way));
    if (!m.on) return false;
    ++stats.prefetch_useful;
    // The request looks the line up at `at`; the prefetch's data may not be here yet.
    const Cycle at = m_clock.now_cycles() + m_clock.to_cycles(delay);
    Cycle wait = 0;
    if (m.ready > at) {
        wait = m.ready - at;
        ++stats.prefetch_late;
        stats.prefetch_late_cycles += wait;
        delay += m_clock.cycles(wait);
    }
    // Without the prefetch the request would have made the trip below itself, from `at`: the
    // prefetch's own trip is the estimate of what it cost, less what the request still waited.
    ext.prefetch = PrefetchUse{true, m.trip > wait ? m.trip - wait : 0, m.from};
    return true;
}

void Cache::prefetch_after(Addr line, DemandOutcome outcome, const MemExt& demand, Cycle issue) {
    if (demand.kind == AccessKind::Prefetch) return; // an upper level's prefetch does not train
    m_pf_lines.clear();
    m_pf.on_access(line, outcome, m_pf_lines);
    for (Addr c : m_pf_lines)
        prefetch_line(c, demand, issue);
}

bool Cache::held_above(Addr line) {
    set_line_request(m_pf_payload, line << m_line_bits, static_cast<unsigned>(m_cfg.line), false);
    snoop_each(m_pf_ext, SnoopCmd::Probe, m_uppers, -1, [&](int i) {
        sc_time none = sc_core::SC_ZERO_TIME;
        snoop_out[static_cast<unsigned>(i)]->b_transport(m_pf_payload, none);
    });
    return m_pf_ext.snoop_hit;
}

void Cache::prefetch_line(Addr line, const MemExt& demand, Cycle issue) {
    if (m_tags.find(line) >= 0) return; // present, or on its way (fills are made at the request)
    // A non-inclusive level may lack a line a cache above holds (even dirty): no prefetch then.
    if (!m_cfg.inclusive && m_uppers > 0 && held_above(line)) return;
    // The MSHR free earliest; a prefetch never waits for one (a demand miss would).
    const std::size_t mshr = m_mshrs.earliest();
    const Cycle now = m_clock.now_cycles();
    const Cycle at = std::max(issue, now); // the request may have waited below meanwhile
    if (m_mshrs.free_at(mshr) > at) {
        ++stats.prefetch_dropped;
        return;
    }
    m_pf_ext.cpu = demand.cpu;
    m_pf_ext.task = demand.task;
    m_pf_ext.vaddr = 0; // a physical prefetch: no virtual address
    m_pf_ext.kind = AccessKind::Prefetch;
    m_pf_ext.cmd = CohCmd::GetS;
    m_pf_ext.exclusive = false;
    m_pf_ext.served_by = m_served;
    m_pf_ext.prefetch = {};
    set_line_request(m_pf_payload, line << m_line_bits, static_cast<unsigned>(m_cfg.line), false);
    // Posted (mem_payload.hpp): it leaves at `at` on a copy of the time, so the demand access that
    // triggered it is not delayed; `posted` comes back as the arrival of its data.
    sc_time posted = m_clock.cycles(at - now);
    mem_side->b_transport(m_pf_payload, posted);
    const Cycle ready = m_clock.now_cycles() + m_clock.to_cycles(posted);
    m_mshrs.occupy(mshr, ready);
    ++stats.prefetch_issued;

    // Fill at once, as a demand miss does; the mark holds when the data arrives.
    const std::uint64_t set = m_tags.set_of(line);
    if (m_tags.find(line) >= 0) { // filled meanwhile by another request: brought nothing
        ++stats.prefetch_useless;
        return;
    }
    sc_time fill_time = posted; // a dirty victim's writeback leaves when the data arrives
    const std::uint32_t w = allocate(set, fill_time);
    LineInfo& l = m_tags.at(set, w);
    m_tags.set_line(set, w, line);
    l.filler_task = demand.task;
    l.set_filler_cpu(demand.cpu);
    l.state = mesi::transition(mesi::State::I, m_pf_ext.exclusive ? mesi::Event::FillExclusive
                                                                  : mesi::Event::FillShared)
                  .next;
    m_tags.touch(set, w);
    m_marks.mark(set * m_tags.ways() + w, ready, ready - at, m_pf_ext.served_by);
}

} // namespace smp
