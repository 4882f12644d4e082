// The CFS class (Linux 2.6.24 kernel/sched_fair.c, the rq clock and the class dispatch of
// kernel/sched.c and sched_rt.c), each step with the guest-memory accesses it makes: the rb-tree
// walks touch the task_struct lines of the nodes on the path, the cfs_rq lives on the runqueue's
// Cfs line, the entity's times and vruntime on the task's Time line.
// Reused by the 4.7 era; nothing here reads an era-specific policy value but the tunables.
#include "os/kernel.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <functional>
#include <stdexcept>

namespace smp::os {

// prio_to_weight[] and prio_to_wmult[] of 2.6.24 kernel/sched.c.
const std::uint32_t prio_to_wmult[40] = {
    48388,    59856,    76040,    92818,     118348,    147320,    184698,    229616,
    287308,   360437,   449829,   563644,    704093,    875809,    1099582,   1376151,
    1717300,  2157191,  2708050,  3363326,   4194304,   5237765,   6557202,   8165337,
    10153587, 12820798, 15790321, 19976592,  24970740,  31350126,  39045157,  49367440,
    61356676, 76695844, 95443717, 119304647, 148102320, 186737708, 238609294, 286331153,
};

unsigned granularity_factor(GranScaling scaling, unsigned ncpus) {
    if (scaling == GranScaling::None || ncpus == 0) return 1;
    const unsigned n = scaling == GranScaling::LogCap8 ? std::min(ncpus, 8u) : ncpus;
    unsigned ilog2 = 0;
    while ((n >> (ilog2 + 1)) != 0)
        ++ilog2;
    return 1 + ilog2;
}

CfsTunables sched_init_granularity(const SchedPolicy& p, unsigned ncpus) {
    CfsTunables t;
    const auto latency = static_cast<std::uint64_t>(std::llround(p.sched_latency_ns));
    const auto min_gran = static_cast<std::uint64_t>(std::llround(p.min_granularity_ns));
    const auto wakeup = static_cast<std::uint64_t>(std::llround(p.wakeup_granularity_ns));
    t.nr_latency = static_cast<unsigned long>((latency + min_gran - 1) / min_gran);
    const GranScaling scaling = p.granularity_scaling_kind();
    const std::uint64_t factor = granularity_factor(scaling, ncpus);
    const std::uint64_t limit = 200000000; // 2.6.24: 200 ms
    t.min_granularity = min_gran * factor;
    t.latency = latency * factor;
    if (scaling == GranScaling::Log) {
        t.min_granularity = std::min(t.min_granularity, limit);
        t.latency = std::min(t.latency, limit);
    }
    t.wakeup_granularity = wakeup * factor;
    return t;
}

// SRR(x, y): shift right and round.
static std::uint64_t srr(std::uint64_t x, unsigned y) {
    return (x + (std::uint64_t(1) << (y - 1))) >> y;
}

unsigned long calc_delta_mine(unsigned long delta, unsigned long weight, unsigned long lw_weight,
                              std::uint32_t lw_inv_weight) {
    const std::uint64_t wmult_const = std::uint64_t(1) << 32; // 64-bit kernels
    std::uint64_t inv = lw_inv_weight;
    if (!inv) inv = (wmult_const - lw_weight / 2) / lw_weight + 1;
    std::uint64_t tmp = std::uint64_t(delta) * weight;
    if (tmp > wmult_const) {
        tmp = srr(srr(tmp, 16) * inv, 16);
    } else {
        tmp = srr(tmp * inv, 32);
    }
    return static_cast<unsigned long>(std::min<std::uint64_t>(tmp, std::uint64_t(LONG_MAX)));
}

std::uint64_t sched_period(const CfsTunables& t, unsigned long nr_running) {
    std::uint64_t period = t.latency;
    if (nr_running > t.nr_latency) period = period * nr_running / t.nr_latency;
    return period;
}

std::uint64_t sched_slice(const CfsTunables& t, const CfsRq& cfs, const SchedEntity& se) {
    return sched_period(t, cfs.nr_running) * se.weight / cfs.load_weight;
}

std::uint64_t sched_vslice_add(const CfsTunables& t, const CfsRq& cfs, const SchedEntity& se) {
    return sched_period(t, cfs.nr_running + 1) * NICE_0_LOAD / (cfs.load_weight + se.weight);
}

void set_load_weight(Task& p) {
    if (p.policy != Policy::Normal) {
        p.se.weight = prio_to_weight[0] * 2;
        p.se.inv_weight = prio_to_wmult[0] >> 1;
        return;
    }
    const int i = std::clamp(p.static_prio - MAX_RT_PRIO, 0, 39);
    p.se.weight = prio_to_weight[i];
    p.se.inv_weight = prio_to_wmult[i];
}

std::uint64_t Kernel::cycles_to_ns(Cycle c) const {
    return static_cast<std::uint64_t>(std::floor(double(c) / m_shape.freq_ghz));
}

// __update_rq_clock: sched_clock() delta, clamped to one tick past the last tick's timestamp.
void Kernel::update_rq_clock_raw(int cpu, Runqueue& rq) {
    W(cpu, m_layout.rq(rq.cpu, RqLine::Curr));
    const std::uint64_t now_ns = sched_clock(cpu);
    const auto delta = static_cast<std::int64_t>(now_ns - rq.prev_clock_raw);
    std::uint64_t clock = rq.clock;
    if (delta < 0) {
        ++clock;
    } else if (clock + std::uint64_t(delta) > rq.tick_timestamp + tick_nsec()) {
        clock =
            clock < rq.tick_timestamp + tick_nsec() ? rq.tick_timestamp + tick_nsec() : clock + 1;
    } else {
        clock += std::uint64_t(delta);
    }
    rq.prev_clock_raw = now_ns;
    rq.clock = clock;
}

void Kernel::update_rq_clock(int cpu, Runqueue& rq) {
    if (cpu == rq.cpu) update_rq_clock_raw(cpu, rq);
}

Task* Kernel::first_fair(Runqueue& rq) {
    auto& tree = rq.cfs.tasks_timeline;
    return tree.empty() ? nullptr : &*tree.begin();
}

Task* Kernel::next_fair(Runqueue& rq, Task& p) {
    auto& tree = rq.cfs.tasks_timeline;
    auto it = std::next(tree.iterator_to(p));
    return it == tree.end() ? nullptr : &*it;
}

namespace {
using NodeTraits = CfsTree::node_traits;
using NodePtr = NodeTraits::node_ptr;
Task* task_of(NodePtr n) {
    return CfsTree::value_traits::to_value_ptr(n);
}
} // namespace

// __enqueue_entity: walk from the root (left when the key is smaller, else right), link under
// the last node, cache the leftmost.
static void cfs_tree_insert(Kernel& k, int cpu, Runqueue& rq, Task& p,
                            const std::function<void(int, Addr, bool)>& touch) {
    auto& tree = rq.cfs.tasks_timeline;
    const KLayout& l = k.layout();
    NodePtr n = NodeTraits::get_parent(tree.end().pointed_node()); // the root
    Task* parent = nullptr;
    bool leftmost = true;
    const ByVruntime less;
    touch(cpu, l.rq(rq.cpu, RqLine::Cfs), false);
    while (n) {
        Task* t = task_of(n);
        touch(cpu, l.task(t->pid, TaskLine::Sched), false);
        parent = t;
        if (less(p, *t)) {
            n = NodeTraits::get_left(n);
        } else {
            n = NodeTraits::get_right(n);
            leftmost = false;
        }
    }
    touch(cpu, l.task(p.pid, TaskLine::Sched), true);
    touch(cpu, parent ? l.task(parent->pid, TaskLine::Sched) : l.rq(rq.cpu, RqLine::Cfs), true);
    if (leftmost) touch(cpu, l.rq(rq.cpu, RqLine::Cfs), true);
    tree.insert(p);
}

// __dequeue_entity: the leftmost cache moves to rb_next; rb_erase relinks the parent, the
// children and, for a node with two children, its successor.
static void cfs_tree_erase(Kernel& k, int cpu, Runqueue& rq, Task& p,
                           const std::function<void(int, Addr, bool)>& touch) {
    auto& tree = rq.cfs.tasks_timeline;
    const KLayout& l = k.layout();
    const NodePtr header = tree.end().pointed_node();
    const NodePtr node = CfsTree::value_traits::to_node_ptr(p);
    touch(cpu, l.task(p.pid, TaskLine::Sched), false);
    if (&*tree.begin() == &p) {
        auto nx = std::next(tree.iterator_to(p));
        if (nx != tree.end()) touch(cpu, l.task(nx->pid, TaskLine::Sched), false);
        touch(cpu, l.rq(rq.cpu, RqLine::Cfs), true);
    }
    const NodePtr parent = NodeTraits::get_parent(node);
    touch(cpu,
          parent == header ? l.rq(rq.cpu, RqLine::Cfs)
                           : l.task(task_of(parent)->pid, TaskLine::Sched),
          true);
    const NodePtr left = NodeTraits::get_left(node);
    const NodePtr right = NodeTraits::get_right(node);
    if (left && right) {
        NodePtr s = right;
        while (NodeTraits::get_left(s)) {
            touch(cpu, l.task(task_of(s)->pid, TaskLine::Sched), false);
            s = NodeTraits::get_left(s);
        }
        touch(cpu, l.task(task_of(s)->pid, TaskLine::Sched), true);
    }
    if (left) touch(cpu, l.task(task_of(left)->pid, TaskLine::Sched), true);
    if (right) touch(cpu, l.task(task_of(right)->pid, TaskLine::Sched), true);
    tree.erase(tree.iterator_to(p));
}

// update_curr: charge the running entity's time since exec_start, weighted into its vruntime;
// min_vruntime follows min(curr, leftmost) and never decreases.
void Kernel::update_curr(int cpu, Runqueue& rq) {
    CfsRq& cfs = rq.cfs;
    Task* curr = cfs.curr;
    if (!curr) return;
    R(cpu, m_layout.task(curr->pid, TaskLine::Time));
    const std::uint64_t now_ns = rq.clock;
    const auto delta_exec = static_cast<unsigned long>(now_ns - curr->se.exec_start);
    curr->se.sum_exec_runtime += delta_exec;
    unsigned long delta_exec_weighted = delta_exec;
    if (curr->se.weight != NICE_0_LOAD) delta_exec_weighted = calc_delta_fair(delta_exec, curr->se);
    curr->se.vruntime += delta_exec_weighted;
    std::uint64_t vruntime = curr->se.vruntime;
    R(cpu, m_layout.rq(rq.cpu, RqLine::Cfs));
    if (Task* left = first_fair(rq)) {
        R(cpu, m_layout.task(left->pid, TaskLine::Time));
        vruntime = min_vruntime_of(curr->se.vruntime, left->se.vruntime);
    }
    cfs.min_vruntime = max_vruntime(cfs.min_vruntime, vruntime);
    W(cpu, m_layout.rq(rq.cpu, RqLine::Cfs));
    curr->se.exec_start = now_ns;
    W(cpu, m_layout.task(curr->pid, TaskLine::Time));
}

// place_entity: new tasks start one vslice after min_vruntime (START_DEBIT); woken tasks at
// min_vruntime - latency (NEW_FAIR_SLEEPERS), never earlier than their own vruntime.
void Kernel::place_entity(int cpu, Runqueue& rq, Task& p, bool initial) {
    R(cpu, m_layout.rq(rq.cpu, RqLine::Cfs));
    std::uint64_t vruntime = rq.cfs.min_vruntime;
    if (initial) vruntime += sched_vslice_add(m_cfs, rq.cfs, p.se);
    if (!initial) {
        vruntime -= m_cfs.latency;
        vruntime = max_vruntime(p.se.vruntime, vruntime);
    }
    p.se.vruntime = vruntime;
    W(cpu, m_layout.task(p.pid, TaskLine::Time));
}

void Kernel::enqueue_entity(int cpu, Runqueue& rq, Task& p, bool wakeup) {
    update_curr(cpu, rq);
    if (wakeup) place_entity(cpu, rq, p, false);
    auto touch = [this](int c, Addr a, bool w) { w ? W(c, a) : R(c, a); };
    W(cpu, m_layout.rq(rq.cpu, RqLine::Cfs)); // account_entity_enqueue (counted with the insert)
    if (&p != rq.cfs.curr) cfs_tree_insert(*this, cpu, rq, p, touch);
    rq.cfs.load_weight += p.se.weight;
    ++rq.cfs.nr_running;
    if (m_kind.pick_order == PickOrder::CfsTasksHead) { // 4.7: list_add(&se->group_node, &rq->cfs_tasks)
        auto& list = rq.cfs.cfs_tasks;
        if (!list.empty()) W(cpu, m_layout.task(list.front().pid, TaskLine::Time));
        W(cpu, m_layout.task(p.pid, TaskLine::Time));
        list.push_front(p);
    }
    p.se.on_rq = true;
    ev(Ev::Enqueue, cpu, p.pid, rq.cpu);
}

void Kernel::dequeue_entity(int cpu, Runqueue& rq, Task& p) {
    update_curr(cpu, rq);
    auto touch = [this](int c, Addr a, bool w) { w ? W(c, a) : R(c, a); };
    W(cpu, m_layout.rq(rq.cpu, RqLine::Cfs)); // account_entity_dequeue (counted with the erase)
    if (m_kind.hot_test == HotTest::MigrationCostBuddy) clear_buddies(cpu, rq, p);
    if (&p != rq.cfs.curr) cfs_tree_erase(*this, cpu, rq, p, touch);
    rq.cfs.load_weight -= p.se.weight;
    --rq.cfs.nr_running;
    if (m_kind.pick_order == PickOrder::CfsTasksHead) { // list_del_init(&se->group_node)
        auto& list = rq.cfs.cfs_tasks;
        auto it = list.iterator_to(p);
        if (it != list.begin()) W(cpu, m_layout.task(std::prev(it)->pid, TaskLine::Time));
        if (std::next(it) != list.end()) W(cpu, m_layout.task(std::next(it)->pid, TaskLine::Time));
        list.erase(it);
    }
    p.se.on_rq = false;
    ev(Ev::Dequeue, cpu, p.pid, rq.cpu);
}

// set_next_entity: the running entity leaves the tree; its slice starts now.
void Kernel::set_next_entity(int cpu, Runqueue& rq, Task& p) {
    if (p.se.on_rq) {
        auto touch = [this](int c, Addr a, bool w) { w ? W(c, a) : R(c, a); };
        cfs_tree_erase(*this, cpu, rq, p, touch);
    }
    p.se.exec_start = rq.clock;
    rq.cfs.curr = &p;
    p.se.prev_sum_exec_runtime = p.se.sum_exec_runtime;
    W(cpu, m_layout.task(p.pid, TaskLine::Time));
    W(cpu, m_layout.rq(rq.cpu, RqLine::Cfs));
}

// put_prev_entity: a still-queued previous entity goes back into the tree.
void Kernel::put_prev_entity(int cpu, Runqueue& rq, Task& prev) {
    if (prev.se.on_rq) {
        update_curr(cpu, rq);
        auto touch = [this](int c, Addr a, bool w) { w ? W(c, a) : R(c, a); };
        cfs_tree_insert(*this, cpu, rq, prev, touch);
    }
    rq.cfs.curr = nullptr;
    W(cpu, m_layout.rq(rq.cpu, RqLine::Cfs));
}

void Kernel::entity_tick(int cpu, Runqueue& rq, Task& curr) {
    update_curr(cpu, rq);
    if (rq.cfs.nr_running > 1) check_preempt_tick(cpu, rq, curr); // WAKEUP_PREEMPT is on
}

// check_preempt_tick: reschedule once the entity ran longer than its share of the period.
void Kernel::check_preempt_tick(int cpu, Runqueue& rq, Task& curr) {
    R(cpu, m_layout.rq(rq.cpu, RqLine::Cfs));
    const auto ideal_runtime = static_cast<unsigned long>(sched_slice(m_cfs, rq.cfs, curr.se));
    const auto delta_exec =
        static_cast<unsigned long>(curr.se.sum_exec_runtime - curr.se.prev_sum_exec_runtime);
    if (delta_exec > ideal_runtime) resched_task(cpu, *rq.curr);
}

// check_preempt_wakeup: an RT wakee always preempts; a fair one when its vruntime is more than
// the wake-up granularity (in curr's virtual time) behind curr's (unsigned compare, as 2.6.24).
void Kernel::check_preempt_wakeup(int cpu, Runqueue& rq, Task& p) {
    Task& curr = *rq.curr;
    if (p.rt()) {
        update_rq_clock(cpu, rq);
        update_curr(cpu, rq);
        resched_task(cpu, curr);
        return;
    }
    std::uint64_t gran = m_cfs.wakeup_granularity;
    if (curr.se.weight != NICE_0_LOAD)
        gran = calc_delta_fair(static_cast<unsigned long>(gran), curr.se);
    R(cpu, m_layout.task(p.pid, TaskLine::Time));
    R(cpu, m_layout.task(curr.pid, TaskLine::Time));
    if (!(p.se.vruntime + gran < curr.se.vruntime)) return;
    resched_task(cpu, curr);
    if (m_kind.hot_test != HotTest::MigrationCostBuddy) return;
    // 4.7: the wakee is the next buddy; the preempted task the last one when the runqueue holds
    // sched_nr_latency entities or more (LAST_BUDDY; NEXT_BUDDY's early marking is off).
    W(cpu, m_layout.rq(rq.cpu, RqLine::Cfs));
    rq.cfs.next = &p;
    if (curr.se.on_rq && fair_task(curr) && rq.cfs.nr_running >= m_cfs.nr_latency) rq.cfs.last = &curr;
}

// clear_buddies (4.7): an entity picked or dequeued stops being a buddy.
void Kernel::clear_buddies(int cpu, Runqueue& rq, const Task& p) {
    if (rq.cfs.next != &p && rq.cfs.last != &p) return;
    W(cpu, m_layout.rq(rq.cpu, RqLine::Cfs));
    if (rq.cfs.next == &p) rq.cfs.next = nullptr;
    if (rq.cfs.last == &p) rq.cfs.last = nullptr;
}

// wakeup_preempt_entity(se, left) < 1 (4.7): se is not ahead of left by more than the wake-up
// granularity in se's virtual time.
bool Kernel::buddy_preferred(const Task& se, const Task& left) const {
    const auto vdiff = static_cast<std::int64_t>(se.se.vruntime - left.se.vruntime);
    if (vdiff <= 0) return true;
    std::uint64_t gran = m_cfs.wakeup_granularity;
    if (se.se.weight != NICE_0_LOAD) gran = calc_delta_fair(static_cast<unsigned long>(gran), se.se);
    return vdiff <= static_cast<std::int64_t>(gran);
}

// task_new_fair: the child is placed one vslice after min_vruntime; with child_runs_first it
// swaps vruntime with the parent when on the parent's CPU. The current task is rescheduled.
void Kernel::task_new_fair(int cpu, Runqueue& rq, Task& p) {
    Task* curr = rq.cfs.curr;
    update_curr(cpu, rq);
    place_entity(cpu, rq, p, true);
    if (m_policy.child_runs_first && cpu == p.cpu && curr && curr->se.vruntime < p.se.vruntime) {
        std::swap(curr->se.vruntime, p.se.vruntime);
        W(cpu, m_layout.task(curr->pid, TaskLine::Time));
        W(cpu, m_layout.task(p.pid, TaskLine::Time));
    }
    enqueue_entity(cpu, rq, p, false);
    R(cpu, m_layout.rq(rq.cpu, RqLine::Curr));
    resched_task(cpu, *rq.curr);
}

void Kernel::update_curr_rt(Runqueue& rq) {
    Task& curr = *rq.curr;
    if (curr.policy == Policy::Normal) return;
    std::uint64_t delta = rq.clock - curr.se.exec_start;
    if (static_cast<std::int64_t>(delta) < 0) delta = 0;
    curr.se.sum_exec_runtime += delta;
    curr.se.exec_start = rq.clock;
}

void Kernel::enqueue_task_cfs(int cpu, Runqueue& rq, Task& p, bool wakeup) {
    if (fair_task(p)) {
        if (m_pelt) pelt_enqueue(cpu, p, rq.cpu); // 4.7 enqueue_entity_load_avg (sched_47.cpp)
        enqueue_entity(cpu, rq, p, wakeup);
    } else {
        enqueue_task(cpu, p, *rq.active); // rt class: the prio array, tail of its queue
    }
    p.se.on_rq = true;
}

void Kernel::dequeue_task_cfs(int cpu, Runqueue& rq, Task& p) {
    if (fair_task(p)) {
        dequeue_entity(cpu, rq, p);
        if (m_pelt) pelt_dequeue(cpu, p, rq.cpu); // 4.7 dequeue_entity_load_avg
    } else {
        update_curr_rt(rq);
        dequeue_task(cpu, p, *p.array);
    }
    p.se.on_rq = false;
}

// put_prev_task of prev's class, then pick_next_task: all fair -> the fair class directly;
// else rt (first set bit, head of its queue), fair (leftmost), idle.
Task& Kernel::pick_next_task_cfs(int cpu, Runqueue& rq, Task& prev) {
    if (fair_task(prev)) {
        put_prev_entity(cpu, rq, prev);
    } else if (prev.rt()) {
        update_curr_rt(rq);
        prev.se.exec_start = 0;
    }
    if (Task* stop = pick_next_task_stop(cpu, rq)) return *stop; // 4.7: the stop class first
    auto pick_fair = [&]() -> Task* {
        R(cpu, m_layout.rq(cpu, RqLine::Cfs));
        if (!rq.cfs.nr_running) return nullptr;
        Task* p = first_fair(rq);
        if (!p)
            throw std::logic_error("pick_next_task_fair: nr_running > 0 but an empty tree on cpu " +
                                   std::to_string(cpu));
        if (m_kind.hot_test == HotTest::MigrationCostBuddy) { // 4.7 pick_next_entity
            Task* left = p;
            if (rq.cfs.last && buddy_preferred(*rq.cfs.last, *left)) p = rq.cfs.last;
            if (rq.cfs.next && buddy_preferred(*rq.cfs.next, *left)) p = rq.cfs.next;
            clear_buddies(cpu, rq, *p);
        }
        set_next_entity(cpu, rq, *p);
        return p;
    };
    if (rq.nr_running == rq.cfs.nr_running) {
        if (Task* p = pick_fair()) return *p;
    }
    R(cpu, m_layout.array_header(cpu, rq.active->index));
    const int idx = rq.active->first_bit();
    if (idx < MAX_RT_PRIO) {
        R(cpu, m_layout.array_queue(cpu, rq.active->index, idx));
        Task& next = rq.active->queue[idx].front();
        R(cpu, m_layout.task(next.pid, TaskLine::Sched));
        next.se.exec_start = rq.clock;
        W(cpu, m_layout.task(next.pid, TaskLine::Time));
        return next;
    }
    if (Task* p = pick_fair()) return *p;
    return *rq.idle;
}

void Kernel::check_preempt_curr(int cpu, Runqueue& rq, Task& p) {
    R(cpu, m_layout.rq(rq.cpu, RqLine::Curr));
    Task& curr = *rq.curr;
    if (m_kind.sched_class == SchedClassKind::O1 || curr.stop_class || p.stop_class) {
        if (task_preempts_curr(p, rq)) resched_curr(cpu, rq); // 4.7: the stop class first
        return;
    }
    if (curr.kind == TaskKind::Idle && !curr.rt()) {
        resched_task(cpu, curr); // check_preempt_curr_idle
    } else if (curr.rt()) {
        if (p.prio < curr.prio) resched_task(cpu, curr); // check_preempt_curr_rt
    } else {
        check_preempt_wakeup(cpu, rq, p);
    }
}

// wake_up_new_task (2.6.24): the fair class's task_new when the parent is queued, else a plain
// activation; then check_preempt_curr.
void Kernel::wake_up_new_task_cfs(int cpu, Task& p) {
    m_hal.irq_disable(cpu);
    Runqueue& rq = task_rq_lock(cpu, p);
    update_rq_clock(cpu, rq);
    p.state = TASK_RUNNING;
    if (!fair_task(p) || !current(cpu).se.on_rq) {
        activate_task(cpu, p, rq, false);
    } else {
        task_new_fair(cpu, rq, p);
        p.se.on_rq = true;
        W(cpu, rq.lock.addr); // inc_nr_running
        ++rq.nr_running;
        rq.load_weight += p.se.weight;
    }
    check_preempt_curr(cpu, rq, p);
    spin_unlock_irq(cpu, rq.lock);
}

} // namespace smp::os
