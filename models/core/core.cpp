#include "models/core/core.hpp"

#include <algorithm>

namespace smp {

using sc_core::sc_time;

Core::Core(sc_core::sc_module_name name, CpuId id, const CoreConfig& cfg, const Clocked& clock,
           Cycle l1_latency, unsigned line_bytes, IrqController& irqs, const TlbConfig& tlb)
    : sc_module(name), inst_mem_side("inst_mem_side"), data_mem_side("data_mem_side"), m_id(id),
      m_cfg(cfg), m_clock(clock), m_l1_latency(l1_latency), m_line_bits(log2_floor(line_bytes)),
      m_irqs(irqs), m_apic(irqs.apic(id)), m_counters(&m_scratch), m_tlb_on(tlb.enabled),
      m_walk_first(unsigned(kPageTableLevels - tlb.walk_levels)),
      m_miss_cycles(static_cast<Cycle>(tlb.miss_cycles)),
      m_tlb(std::uint32_t(tlb.entries), std::uint32_t(tlb.ways)),
      m_window(unsigned(cfg.mlp), unsigned(cfg.store_buffer)) {
    m_payload.set_extension(&m_ext);
    m_payload.set_data_ptr(m_dummy);
    m_ext.cpu = id;
    m_qk.reset();
}

void Core::set_context(TaskId task, AddressSpace* as, TaskCounters* counters,
                       AccessObserver* observer) {
    fence(); // the outgoing task's misses are its own
    m_task = task;
    m_observer = observer;
    m_as = as;
    m_counters = counters ? counters : &m_scratch;
    if (m_tlb_on && as && as != m_tlb_space) { // a CR3 load: another address space
        if (m_tlb_space) {
            m_tlb.flush();
            ++tlb_stats.flushes;
        }
        m_tlb_space = as;
        m_tlb_last = ~Addr(0);
    }
}

void Core::execute(const Op& op) {
    if (op.kind == OpKind::Compute) {
        compute(op.cycles);
    } else {
        access_body(op.kind, op.addr, op.size, op.dep);
    }
}

void Core::local_irq_enable() {
    if (m_irq_off > 0 && --m_irq_off == 0) take_interrupts();
}

bool Core::take_arrived() {
    fence(); // the handler runs after the misses
    bool took = false;
    PendingIrq irq;
    while (m_apic.take(local_cycle(), irq)) {
        ++stats.irqs;
        if (irq.vector != IrqVector::Timer) ++stats.ipis_received;
        ++m_irq_off; // handlers run with interrupts disabled
        m_qk.inc(m_clock.cycles(m_irqs.accept_cost()));
        if (m_handler) m_handler(*this, irq);
        --m_irq_off;
        took = true;
    }
    return took;
}

Cycle Core::compute_for(Cycle n, bool stop_on_irq, bool resumed) {
    if (!resumed) {
        ++stats.ops;
        ++m_counters->ops;
    }
    const Cycle quantum = m_clock.to_cycles(tlm_utils::tlm_quantumkeeper::get_global_quantum());
    while (n > 0) {
        if (take_interrupts() && stop_on_irq) return n;
        const Cycle local = local_cycle();
        const Cycle ahead = local - m_clock.now_cycles(); // run-ahead of global time
        const Cycle next_irq = m_irq_off ? kNever : m_apic.next_arrival();
        Cycle step = n;
        if (next_irq != kNever && next_irq > local && next_irq - local < step)
            step = next_irq - local;
        // Short: run ahead of global time, but never more than one quantum, so that an IPI posted
        // meanwhile (arriving >= one IPI latency >= one quantum later) cannot be overrun.
        if (ahead + step <= quantum) {
            m_qk.inc(m_clock.cycles(step));
            n -= step;
            if (m_qk.need_sync()) m_qk.sync();
            continue;
        }
        if (ahead > 0) { // catch up with global time, then re-plan: an IPI may have been posted
            m_qk.sync();
            continue;
        }
        // Long: sleep until done or until an interrupt is posted (re-plan).
        const Cycle t0 = m_clock.now_cycles();
        sc_core::wait(m_clock.cycles(step), m_apic.posted);
        m_qk.reset();
        n -= std::min(n, m_clock.now_cycles() - t0);
    }
    take_interrupts();
    return 0;
}

void Core::access(OpKind kind, Addr vaddr, unsigned size, bool dep) {
    access_body(kind, vaddr, size, dep);
}

inline void Core::access_body(OpKind kind, Addr vaddr, unsigned size, bool dep) {
    take_interrupts();
    ++stats.ops;
    ++m_counters->ops;
    const Overlap mode = kind == OpKind::Load && m_window.loads_overlap()      ? Overlap::Load
                         : kind == OpKind::Store && m_window.stores_buffered() ? Overlap::Store
                                                                               : Overlap::Block;
    if (dep && mode == Overlap::Load && m_load_ready > local_cycle()) {
        wait_for(m_load_ready, m_load_seq, stats.dep_cycles);
    }
    const Addr first = vaddr >> m_line_bits;
    const Addr last = (vaddr + (size ? size - 1 : 0)) >> m_line_bits;
    Addr page = ~Addr(0); // one translation per page the access touches
    for (Addr l = first; l <= last; ++l) {
        const Addr line = l << m_line_bits;
        if (m_tlb_on && m_as && (line >> kPageBits) != page) {
            page = line >> kPageBits;
            translate(line);
        }
        line_access_body(kind, vaddr, m_as ? m_as->translate(line) : line, *m_counters,
                         LineKind::User, mode);
    }
    if (m_qk.need_sync()) m_qk.sync();
    take_interrupts();
}

ServedBy Core::access_phys(OpKind kind, Addr paddr) {
    take_interrupts();
    fence();
    if (kind != OpKind::IFetch && m_qk.get_local_time() != sc_core::SC_ZERO_TIME) m_qk.sync();
    ++stats.kernel_accesses;
    const Cycle before = local_cycle();
    const ServedBy s = line_access(kind, paddr, paddr & ~((Addr(1) << m_line_bits) - 1),
                                   m_kernel_counters, LineKind::Kernel);
    stats.kernel_cycles += local_cycle() - before;
    if (m_qk.need_sync()) m_qk.sync();
    return s;
}

void Core::translate(Addr vaddr) {
    const Addr vpage = vaddr >> kPageBits;
    // The page translated last is the most recent entry: a hit that changes no LRU order.
    if (vpage == m_tlb_last && !m_observer) {
        ++tlb_stats.hits;
        return;
    }
    const bool hit = vpage == m_tlb_last || m_tlb.access(m_as->asid(), vpage);
    m_tlb_last = vpage;
    Cycle walk_cycles = 0;
    if (hit) {
        ++tlb_stats.hits;
    } else {
        const Cycle before = local_cycle();
        m_qk.inc(m_clock.cycles(m_miss_cycles));
        const auto entries = m_as->walk(vaddr);
        for (unsigned l = m_walk_first; l < kPageTableLevels; ++l) {
            ++stats.walk_accesses;
            line_access(OpKind::Load, entries[l], entries[l] & ~((Addr(1) << m_line_bits) - 1),
                        m_walk_counters, LineKind::PageTable);
        }
        walk_cycles = local_cycle() - before;
        ++tlb_stats.misses;
        tlb_stats.walk_cycles += walk_cycles;
        ++m_counters->tlb_misses;
        m_counters->walk_cycles += walk_cycles;
    }
    if (m_observer) {
        const TranslationRecord rec{m_as->asid(), vpage, hit, walk_cycles, local_cycle()};
        if (!m_observer->observe_translation(rec)) m_observer = nullptr;
    }
}

void Core::wait_for(Cycle until, std::uint64_t seq, Counter& why, bool any) {
    const Cycle from = local_cycle();
    const Cycle d = until - from;
    m_qk.inc(m_clock.cycles(d));
    stats.stall_cycles += d;
    m_counters->stall_cycles += d;
    why += d;
    if (m_observer) m_observer->observe_wait(WaitRecord{seq, from, until, any});
    if (m_qk.need_sync()) m_qk.sync();
}

void Core::drain() {
    for (;;) {
        const MissWindow::Wait w = m_window.next_pending(local_cycle());
        if (w.until == 0) break;
        wait_for(w.until, w.seq, stats.drain_cycles);
    }
    m_window.settle(local_cycle());
}

void Core::wait_for_slot(Overlap mode) { // before issue: a free MSHR or store buffer entry
    if (mode == Overlap::Load) {
        const MissWindow::Wait w = m_window.load_slot(local_cycle());
        if (w.until) wait_for(w.until, w.seq, stats.mshr_full_cycles, true);
    } else {
        const MissWindow::Wait w = m_window.store_slot(local_cycle());
        if (w.until) wait_for(w.until, w.seq, stats.store_buffer_full_cycles);
    }
}

void Core::overlap(Overlap mode, Addr line, std::uint64_t seq, Cycle before, Cycle& latency,
                   Cycle& stall, Cycle& after, bool& overlapped) {
    const MissWindow::Load* pending =
        mode == Overlap::Load ? m_window.in_flight(line, before) : nullptr;
    const bool merged = pending && before + latency < pending->ready;
    if (merged) { // the data comes with that miss
        ++stats.mshr_merges;
        latency = pending->ready - before;
        m_load_ready = pending->ready;
        m_load_seq = pending->seq;
    } else if (mode == Overlap::Load) {
        m_load_ready = before + latency;
        m_load_seq = seq;
        if (stall > 0) {
            m_window.add_load(line, before + latency, seq);
            overlapped = true;
        }
    } else { // a store retires into the buffer, hit or miss, in order
        m_window.add_store(line, before + latency, seq, before);
        overlapped = stall > 0;
    }
    if (overlapped || merged) {
        // The core goes on after the L1 lookup, or once the lookups on the way have found
        // the miss if they synchronised it with global time (the bus): time cannot go back.
        const Cycle go_on = std::max(before + m_l1_latency, m_clock.now_cycles());
        m_qk.set(m_clock.cycles(go_on - m_clock.now_cycles()));
        after = go_on;
        stall = 0;
        if (overlapped) ++stats.overlapped;
    }
}

ServedBy Core::line_access(OpKind kind, Addr vaddr, Addr paddr, TaskCounters& counters,
                           LineKind what, Overlap mode) {
    return line_access_body(kind, vaddr, paddr, counters, what, mode);
}

inline ServedBy Core::line_access_body(OpKind kind, Addr vaddr, Addr paddr, TaskCounters& counters,
                                       LineKind what, Overlap mode) {
    ++stats.accesses;
    ++counters.accesses;
    const std::uint64_t seq = ++m_seq;
    const bool atomic = kind == OpKind::Atomic;
    if (atomic) { // a locked operation happens at its true global time, after the store buffer
        fence();
        m_qk.sync();
        ++stats.atomics;
    }
    if (mode != Overlap::Block) wait_for_slot(mode);
    m_ext.task = m_task;
    m_ext.vaddr = vaddr;
    m_ext.kind = kind == OpKind::Load     ? AccessKind::Load
                 : kind == OpKind::Store  ? AccessKind::Store
                 : kind == OpKind::Atomic ? AccessKind::Atomic
                                          : AccessKind::IFetch;
    m_ext.cmd = (kind == OpKind::Load || kind == OpKind::IFetch) ? CohCmd::GetS : CohCmd::GetM;
    m_ext.served_by = ServedBy::L1;
    m_ext.prefetch = {};

    // A direct hit takes no global time, so its end is now + the new local time (one read of
    // the SystemC clock instead of two).
    const sc_time now = m_clock.now();
    sc_time delay = m_qk.get_local_time();
    const Cycle before = m_clock.to_cycles(now + delay);
    HitPath* l1 = kind == OpKind::IFetch ? m_l1i_hit : m_l1d_hit;
    const bool direct = l1 && l1->try_hit(paddr, m_ext.cmd != CohCmd::GetS, m_ext, delay);
    if (!direct) {
        set_line_request(m_payload, paddr, 1u << m_line_bits, m_ext.cmd != CohCmd::GetS);
        (kind == OpKind::IFetch ? inst_mem_side : data_mem_side)->b_transport(m_payload, delay);
    }
    m_qk.set(delay);
    if (atomic) m_qk.inc(m_clock.cycles(static_cast<Cycle>(m_cfg.atomic_cycles)));
    Cycle latency =
        (direct ? m_clock.to_cycles(now + m_qk.get_local_time()) : local_cycle()) - before;
    Cycle stall = latency > m_l1_latency ? latency - m_l1_latency : 0;
    Cycle after = before + latency; // local_cycle() from here on
    bool overlapped = false;
    if (mode != Overlap::Block) {
        overlap(mode, paddr >> m_line_bits, seq, before, latency, stall, after, overlapped);
    }
    stats.stall_cycles += stall;
    counters.stall_cycles += stall;
    if (m_ext.served_by != ServedBy::L1) ++counters.l1_misses;
    ++counters.served[static_cast<int>(m_ext.served_by)];
    if (m_sample_interval) {
        if (after >= m_sample_end) roll_sample(after);
        ++m_sample.accesses;
        ++m_sample.served[static_cast<int>(m_ext.served_by)];
    }
    // The access's own latency: without the locked operation's cycles.
    const Cycle own = atomic ? latency - static_cast<Cycle>(m_cfg.atomic_cycles) : latency;
    Cycle& least = m_min_latency[static_cast<int>(m_ext.served_by)];
    least = std::min(least, own);
    if (m_observer) {
        const AccessRecord rec{paddr >> m_line_bits,
                               m_ext.kind,
                               what,
                               m_ext.served_by,
                               own,
                               stall,
                               after,
                               seq,
                               overlapped,
                               before,
                               m_ext.prefetch};
        if (!m_observer->observe(rec)) m_observer = nullptr;
    }
    return m_ext.served_by;
}

void Core::clflush(Addr vaddr, std::uint64_t size) {
    ++stats.ops;
    ++m_counters->ops;
    if (size == 0) return;
    const Addr first = vaddr >> m_line_bits;
    const Addr last = (vaddr + size - 1) >> m_line_bits;
    for (Addr l = first; l <= last; ++l) {
        const Addr line = l << m_line_bits;
        flush_phys(m_as ? m_as->translate(line) : line);
    }
}

void Core::flush_phys(Addr paddr) {
    take_interrupts();
    fence();
    ++stats.flushes;
    m_ext.task = m_task;
    m_ext.vaddr = paddr;
    m_ext.kind = AccessKind::Store;
    m_ext.cmd = CohCmd::Flush;
    set_line_request(m_payload, paddr & ~((Addr(1) << m_line_bits) - 1), 1u << m_line_bits, true);
    sc_time delay = m_qk.get_local_time();
    data_mem_side->b_transport(m_payload, delay);
    m_qk.set(delay);
    if (m_qk.need_sync()) m_qk.sync();
}

void Core::roll_sample(Cycle now) {
    if (m_sample.accesses) {
        m_samples.push_back(m_sample);
        if (now >= m_sample_end + m_sample_interval) { // quiet since: show the drop to zero
            m_samples.push_back(CoreSample{m_sample_end, 0, {}});
        }
    }
    m_sample = CoreSample{now - now % m_sample_interval, 0, {}};
    m_sample_end = m_sample.start + m_sample_interval;
}

const std::vector<CoreSample>& Core::samples() {
    if (m_sample.accesses) {
        m_samples.push_back(m_sample);
        m_samples.push_back(CoreSample{m_sample_end, 0, {}});
        m_sample = CoreSample{};
    }
    return m_samples;
}

void Core::send_ipi(CpuId to, IrqVector vector) {
    fence();
    m_qk.sync();
    m_irqs.send_ipi(m_id, to, vector, m_clock.now_cycles());
    m_qk.inc(m_clock.cycles(m_irqs.send_cost()));
}

void Core::halt_until(const sc_core::sc_event& wake, const std::function<bool()>& done, bool idle) {
    fence();
    m_qk.sync();
    const Cycle t0 = m_clock.now_cycles();
    while (!done()) {
        take_interrupts();
        m_qk.sync();
        if (done()) break;
        const Cycle now = m_clock.now_cycles();
        const Cycle next = m_irq_off ? kNever : m_apic.next_arrival();
        if (next == kNever) {
            sc_core::wait(wake | m_apic.posted);
        } else if (next > now) {
            sc_core::wait(m_clock.cycles(next - now), wake | m_apic.posted);
        }
        m_qk.reset();
    }
    (idle ? stats.idle_cycles : stats.spin_cycles) += m_clock.now_cycles() - t0;
}

} // namespace smp
