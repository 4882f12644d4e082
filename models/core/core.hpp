// A core (hardware thread) executing the operations of whichever SystemC thread runs on it.
#pragma once

#include "models/common/access_observer.hpp"
#include "models/common/clocked.hpp"
#include "models/common/mem_payload.hpp"
#include "models/common/op.hpp"
#include "models/core/core_config.hpp"
#include "models/core/core_stats.hpp"
#include "models/core/miss_window.hpp"
#include "models/irq/irq_controller.hpp"
#include "models/memory/address_map.hpp"
#include "models/tlb/tlb.hpp"
#include "models/tlb/tlb_config.hpp"
#include "models/tlb/tlb_stats.hpp"

#include <functional>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>
#include <vector>

namespace smp {

// TLM's quantum keeper with the current time read inline (SimTime) instead of by library call.
class QuantumKeeper final : public tlm_utils::tlm_quantumkeeper {
public:
    bool need_sync() const override { return m_time.now() + m_local_time >= m_next_sync_point; }
    void reset() override {
        m_local_time = sc_core::SC_ZERO_TIME;
        m_next_sync_point = m_time.now() + compute_local_quantum();
    }
    sc_core::sc_time get_current_time() const override { return m_time.now() + m_local_time; }

private:
    SimTime m_time;
};

// Compute and private-cache hits run ahead of global time (temporal decoupling, one
// tlm_quantumkeeper per core); accesses that leave the private caches are synchronised by the bus,
// atomics and IPI sends synchronise here. Interrupts are taken at operation boundaries, and a
// compute(n) is split by an arriving interrupt. Delivery is exact when the quantum does not exceed
// the IPI latency; otherwise an interrupt may be taken up to one quantum late.
// With mlp > 1 a user load that misses occupies an MSHR and the core goes on (after the lookups
// that found the miss); with a store buffer a store retires into it. The core waits when the
// MSHRs or the buffer are full, when a dependent load needs the previous load's data, and
// (a drain) before kernel code, an interrupt, an atomic, a flush or a fence.
class Core : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<Core> inst_mem_side; // to the L1I
    tlm_utils::simple_initiator_socket<Core> data_mem_side; // to the L1D
    // The L1s' direct hit paths (the platform sets them; null: every access is a transaction).
    void set_hit_paths(HitPath* l1i, HitPath* l1d) {
        m_l1i_hit = l1i;
        m_l1d_hit = l1d;
    }

    using IrqHandler = std::function<void(Core&, const PendingIrq&)>;

    Core(sc_core::sc_module_name name, CpuId id, const CoreConfig& cfg, const Clocked& clock,
         Cycle l1_latency, unsigned line_bytes, IrqController& irqs,
         const TlbConfig& tlb = TlbConfig{});
    ~Core() override { m_payload.clear_extension(&m_ext); }

    CpuId id() const { return m_id; }
    const Clocked& clock() const { return m_clock; }

    // The context whose accesses the core issues: task id, its address space, its counters, and
    // an observer of its accesses (user and kernel; null: none). An address space other than the
    // one last loaded flushes the TLB; none (a kernel thread) keeps it (lazy TLB).
    void set_context(TaskId task, AddressSpace* as, TaskCounters* counters,
                     AccessObserver* observer = nullptr);
    void set_irq_handler(IrqHandler h) { m_handler = std::move(h); }

    // Operations (call from the SystemC thread running on this core).
    void execute(const Op& op);
    void compute(Cycle n) { compute_for(n, false); }
    // Computes up to n cycles; with stop_on_irq, returns early (the cycles left) once an
    // interrupt has been taken. `resumed`: the rest of an operation already counted.
    Cycle compute_for(Cycle n, bool stop_on_irq, bool resumed = false);
    // dep: the address comes from the previous load's data (waits for it with mlp > 1).
    void access(OpKind kind, Addr vaddr, unsigned size, bool dep = false);
    // One access of kernel code to a physical line, at the core's synchronised time (fetches
    // of read-only text run decoupled). Not counted in the running task's counters.
    ServedBy access_phys(OpKind kind, Addr paddr);
    // clflush of each line of [vaddr, vaddr+size) in the current address space: one operation;
    // flush_phys: one line by physical address (wbinvd walks the caches' lines with it).
    void clflush(Addr vaddr, std::uint64_t size);
    void flush_phys(Addr paddr);
    void send_ipi(CpuId to, IrqVector vector);
    // Halts (idle) until `done()` holds, re-checked whenever `wake` fires; takes interrupts on
    // time. With idle = false the time counts as spinning (a busy-wait), not as idle.
    void halt_until(const sc_core::sc_event& wake, const std::function<bool()>& done,
                    bool idle = true);
    // Waits until every overlapped miss and buffered store has completed (rdtscp / mfence).
    void fence() {
        if (m_window.busy(local_cycle())) drain();
    }
    void local_irq_disable() { ++m_irq_off; }
    void local_irq_enable();

    // This core's notion of now: global time plus its local offset.
    Cycle local_cycle() const { return m_clock.to_cycles(m_qk.get_current_time()); }
    void sync() { m_qk.sync(); }

    // Counts accesses in intervals of `interval` cycles of local time (0: off) for samples().
    void sample_every(Cycle interval) { m_sample_interval = interval; }
    // The intervals with accesses, in time order, each followed by an empty one where the core
    // went quiet; closes the open interval.
    const std::vector<CoreSample>& samples();

    // The lowest latency an access of this core has had from `s` (kNever: none yet).
    Cycle min_latency(ServedBy s) const { return m_min_latency[static_cast<int>(s)]; }

    // The TLB (translations of the accesses made through access()).
    const Tlb& tlb() const { return m_tlb; }

    CoreStats stats;
    TlbStats tlb_stats;

private:
    HitPath* m_l1i_hit = nullptr;
    HitPath* m_l1d_hit = nullptr;
    void roll_sample(Cycle now);

    // Takes the interrupts that have arrived by now (none while interrupts are off); the common
    // case, nothing due, stays inline.
    bool take_interrupts() {
        if (m_irq_off > 0) return false;
        const Cycle next = m_apic.next_arrival();
        return next != kNever && next <= local_cycle() && take_arrived();
    }
    bool take_arrived();
    // How a line access may overlap: Block (wait for it), or a user load / store under mlp > 1 /
    // a store buffer.
    enum class Overlap : std::uint8_t { Block, Load, Store };
    ServedBy line_access(OpKind kind, Addr vaddr, Addr paddr, TaskCounters& counters, LineKind what,
                         Overlap mode = Overlap::Block);
    // access()'s body, inlined into execute().
    [[gnu::always_inline]] inline void access_body(OpKind kind, Addr vaddr, unsigned size,
                                                   bool dep);
    // line_access's body, inlined into the user access path (access()).
    [[gnu::always_inline]] inline ServedBy line_access_body(OpKind kind, Addr vaddr, Addr paddr,
                                                            TaskCounters& counters, LineKind what,
                                                            Overlap mode);
    // Advances local time to `until`, charging the wait to the task and to the access `seq`.
    void wait_for(Cycle until, std::uint64_t seq, Counter& why, bool any = false);
    [[gnu::noinline]] void drain();
    // Out of the blocking path: the wait for a free MSHR / store buffer entry, and what an
    // access in flight does to the core's time (merge, MSHR, store buffer).
    [[gnu::noinline]] void wait_for_slot(Overlap mode);
    [[gnu::noinline]] void overlap(Overlap mode, Addr line, std::uint64_t seq, Cycle before,
                                   Cycle& latency, Cycle& stall, Cycle& after, bool& overlapped);
    // Translates vaddr's page of the current address space, walking its page table on a miss.
    void translate(Addr vaddr);

    CpuId m_id;
    CoreConfig m_cfg;
    const Clocked& m_clock;
    Cycle m_l1_latency;
    unsigned m_line_bits;
    IrqController& m_irqs;
    LocalApic& m_apic;
    QuantumKeeper m_qk;
    IrqHandler m_handler;
    unsigned m_irq_off = 0;

    TaskId m_task = kNoTask;
    AddressSpace* m_as = nullptr;
    TaskCounters* m_counters = nullptr;
    AccessObserver* m_observer = nullptr;
    TaskCounters m_scratch;
    TaskCounters m_kernel_counters; // kernel accesses (not the running task's)
    TaskCounters m_walk_counters;   // page-walk accesses (not the task's own lines)
    bool m_tlb_on;
    unsigned m_walk_first; // first page-table level a walk reads
    Cycle m_miss_cycles;
    Tlb m_tlb;
    const AddressSpace* m_tlb_space = nullptr; // the address space last loaded
    Addr m_tlb_last = ~Addr(0); // the page last translated: the TLB's most recent entry
    Cycle m_min_latency[kNumServedBy] = {kNever, kNever, kNever, kNever, kNever, kNever, kNever};
    Cycle m_sample_interval = 0;
    Cycle m_sample_end = 0; // end of the open interval
    CoreSample m_sample;    // the open interval
    std::vector<CoreSample> m_samples;

    MissWindow m_window;
    std::uint64_t m_seq = 0;      // accesses issued (AccessRecord::seq)
    Cycle m_load_ready = 0;       // when the last load's data arrives (dependent loads wait)
    std::uint64_t m_load_seq = 0; // and the access it waits for

    tlm::tlm_generic_payload m_payload;
    MemExt m_ext;
    unsigned char m_dummy[8] = {};
};

} // namespace smp
