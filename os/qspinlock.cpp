// The x86 queued spinlock of Linux 4.7 (kernel/locking/qspinlock.c queued_spin_lock_slowpath,
// asm-generic/qspinlock.h; reference §6, §7.4) with its guest accesses: an uncontended
// acquisition is one atomic on the lock word; a waiter sets the pending bit or joins the MCS
// queue and spins on its own per-CPU node line; the releaser of the head hands over by writing
// the next node. Acquisitions are FIFO: pending waiter, then the queue in order.
#include "os/kernel.hpp"

#include <stdexcept>

namespace smp::os {

bool Kernel::queued_spin_trylock(int cpu, SpinLock& l) {
    R(cpu, l.addr); // !atomic_read(&lock->val) before the cmpxchg
    if (!l.q.word_free(l.owner)) return false;
    A(cpu, l.addr);
    return l.q.trylock(l.owner, cpu);
}

void Kernel::queued_spin_lock(int cpu, SpinLock& l) {
    const Cycle t0 = now(cpu);
    A(cpu, l.addr); // fast path: cmpxchg(&lock->val, 0, _Q_LOCKED_VAL)
    if (l.q.trylock(l.owner, cpu)) return;
    if (l.owner == cpu) {
        throw std::logic_error("guest kernel deadlock: cpu " + std::to_string(cpu) +
                               " takes the lock at " + m_layout.describe(l.addr) +
                               " that it already holds");
    }
    // Wait for an in-progress pending -> locked hand-over: 0,1,0 -> 0,0,1.
    if (l.q.pending_handover(l.owner)) {
        kspin(cpu, [&l] { return !l.q.pending_handover(l.owner); });
        R(cpu, l.addr);
    }
    QSpin::Slow step = QSpin::Slow::Queue;
    if (!(l.q.pending >= 0 || !l.q.queue.empty())) { // no contention seen: trylock || pending
        A(cpu, l.addr);
        step = l.q.trylock_or_pending(l.owner, cpu);
    }
    if (step == QSpin::Slow::Pending) { // wait for the owner to go: *,1,1 -> *,1,0
        kspin(cpu, [&l] { return l.owner < 0; });
        R(cpu, l.addr);
        W(cpu, l.addr); // clear_pending_set_locked
        l.q.take_pending(l.owner, cpu);
    } else if (step == QSpin::Slow::Queue) {
        const Addr node = m_layout.mcs_node(cpu);
        W(cpu, node); // node->locked = 0, node->next = NULL (this CPU's mcs_nodes line)
        bool done = false;
        R(cpu, l.addr); // queued_spin_trylock once more
        if (l.q.word_free(l.owner)) {
            A(cpu, l.addr);
            done = l.q.trylock(l.owner, cpu);
        }
        if (!done) {
            A(cpu, l.addr); // xchg_tail
            const int prev = l.q.enqueue(cpu);
            if (prev >= 0) {
                W(cpu, m_layout.mcs_node(prev)); // WRITE_ONCE(prev->next, node)
                l.q.node(cpu)->linked = true;
                m_hal.kick();
                kspin(cpu, [&l, cpu] { return l.q.node(cpu)->locked; }); // own node line
                R(cpu, node);
            }
            // Head of the queue: wait for the owner and the pending waiter to go, *,x,y -> *,0,0.
            kspin(cpu, [&l] { return l.q.head_may_claim(l.owner); });
            R(cpu, l.addr);
            bool alone = false;
            if (l.q.queue.size() == 1) {
                A(cpu, l.addr); // cmpxchg(val, _Q_LOCKED_VAL): clears the tail if still ours
                alone = l.q.queue.size() == 1;
            }
            if (!alone) W(cpu, l.addr); // set_locked
            l.q.claim(l.owner, cpu);
            if (!alone) { // contended: wait for the next node to link, then hand over
                if (!l.q.next_linked()) {
                    kspin(cpu, [&l] { return l.q.next_linked(); });
                    R(cpu, node);
                }
                W(cpu, m_layout.mcs_node(l.q.queue.front().cpu)); // arch_mcs_spin_unlock_contended
                l.q.grant_next();
                m_hal.kick();
            }
        }
        W(cpu, node); // this_cpu_dec(mcs_nodes[0].count)
    }
    const Cycle waited = now(cpu) - t0;
    ++m_stats.lock_spins;
    m_stats.lock_wait_cycles += waited;
    if (OpenPath* path = open_path(cpu); path && l.runqueue) path->wait += waited;
}

} // namespace smp::os
