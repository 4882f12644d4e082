// The x86 queued spinlock of Linux 4.7 (kernel/locking/qspinlock.c) as host-side state: the lock
// word's pending bit and MCS tail, with the queue of per-CPU MCS nodes it links. The locked byte
// is the owner of the SpinLock holding this state. Each transition is one atomic step of the
// kernel's code; the guest kernel issues the matching accesses (os/qspinlock.cpp).
#pragma once

#include <deque>

namespace smp::os {

// Pending bit and MCS queue of one queued spinlock (the locked byte is `owner`, passed in).
struct QSpin {
    struct Node {
        int cpu;
        bool linked; // prev->next points at it (always true for a node queued behind no one)
        bool locked; // its predecessor handed the head over (node->locked = 1)
    };
    int pending = -1;       // the CPU that set the pending bit
    std::deque<Node> queue; // MCS queue, head first; the tail field names queue.back()

    // val == 0: no owner, no pending bit, no tail.
    bool word_free(int owner) const { return owner < 0 && pending < 0 && queue.empty(); }
    // cmpxchg(val, 0, LOCKED): the fast path and queued_spin_trylock.
    bool trylock(int& owner, int cpu) {
        if (!word_free(owner)) return false;
        owner = cpu;
        return true;
    }
    // val == PENDING: a pending waiter is between the owner's release and taking the lock.
    bool pending_handover(int owner) const { return owner < 0 && pending >= 0 && queue.empty(); }
    // The slow path's "trylock || pending" cmpxchg: 0,0,0 -> 0,0,1 (locked), 0,0,1 -> 0,1,1
    // (pending); any pending bit or tail -> queue.
    enum class Slow { Locked, Pending, Queue };
    Slow trylock_or_pending(int& owner, int cpu) {
        if (pending >= 0 || !queue.empty()) return Slow::Queue;
        if (owner < 0) {
            owner = cpu;
            return Slow::Locked;
        }
        pending = cpu;
        return Slow::Pending;
    }
    // clear_pending_set_locked: *,1,0 -> *,0,1, once the owner has gone.
    void take_pending(int& owner, int cpu) {
        pending = -1;
        owner = cpu;
    }
    // xchg_tail: appends cpu's node; returns the previous tail's CPU (-1: cpu is the head).
    int enqueue(int cpu) {
        const int prev = queue.empty() ? -1 : queue.back().cpu;
        queue.push_back(Node{cpu, prev < 0, false});
        return prev;
    }
    Node* node(int cpu) {
        for (Node& n : queue) {
            if (n.cpu == cpu) return &n;
        }
        return nullptr;
    }
    // The head may claim the lock once neither an owner nor a pending waiter is left: *,0,0.
    bool head_may_claim(int owner) const { return owner < 0 && pending < 0; }
    // The head claims it: alone in the queue, cmpxchg clears the tail too (returns true: no next
    // to hand over to); otherwise set_locked leaves the others queued (returns false).
    bool claim(int& owner, int cpu) {
        const bool alone = queue.size() == 1;
        queue.pop_front();
        owner = cpu;
        return alone;
    }
    // After a contended claim: the next node (the new head) once it has linked itself.
    bool next_linked() const { return !queue.empty() && queue.front().linked; }
    // arch_mcs_spin_unlock_contended(&next->locked): the new head may now wait for the word.
    void grant_next() { queue.front().locked = true; }
};

} // namespace smp::os
