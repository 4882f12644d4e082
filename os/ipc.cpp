// System operations of user programs: pipes (2.6.10 fs/pipe.c pipe_readv / pipe_writev /
// pipe_wait), futex-based barriers, wait queues, sched_setaffinity on itself, cache flushes
// and the clock.
#include "os/kernel.hpp"

#include <algorithm>

namespace smp::os {

int Kernel::add_pipe() {
    const int id = int(m_pipes.size());
    auto p = std::make_unique<Pipe>();
    p->id = id;
    p->sem.addr = m_layout.pipe(id, 0);
    p->wait.lock.addr = m_layout.pipe(id, 1);
    p->page = m_layout.pipe_page(id);
    m_pipes.push_back(std::move(p));
    return id;
}

int Kernel::add_barrier(unsigned parties) {
    const int id = int(m_barriers.size());
    auto b = std::make_unique<Barrier>();
    b->word = m_layout.barrier(id, 0);
    b->bucket.lock.addr = m_layout.barrier(id, 1);
    b->parties = parties;
    m_barriers.push_back(std::move(b));
    return id;
}

void Kernel::copy_user(int cpu, Addr user, Addr kernel, unsigned n, bool to_user) {
    constexpr unsigned kLine = KLayout::kLine;
    while (n > 0) { // one line of the kernel area (and the user bytes that match it) per step
        const unsigned chunk = std::min<unsigned>(n, kLine - unsigned(kernel % kLine));
        Op op;
        op.kind = to_user ? OpKind::Store : OpKind::Load;
        op.addr = user;
        op.size = chunk;
        if (to_user) R(cpu, kernel);
        m_hal.user_access(cpu, op);
        if (!to_user) W(cpu, kernel);
        user += chunk;
        kernel += chunk;
        n -= chunk;
    }
}

void Kernel::wake_up(int cpu, WaitQueue& q, bool sync) {
    m_hal.irq_disable(cpu);
    spin_lock(cpu, q.lock);
    for (Task* w : std::deque<Task*>(q.tasks)) {
        R(cpu, m_layout.stack(w->pid, Frame::Wait)); // the wait-queue entry
        try_to_wake_up(cpu, *w, TASK_INTERRUPTIBLE, sync);
    }
    spin_unlock_irq(cpu, q.lock);
}

void Kernel::pipe_wait(Task& self, Pipe& pipe) {
    int cpu = self.cpu;
    // prepare_to_wait(PIPE_WAIT, &wait, TASK_INTERRUPTIBLE); up(PIPE_SEM); schedule();
    W(cpu, m_layout.stack(self.pid, Frame::Wait));
    m_hal.irq_disable(cpu);
    spin_lock(cpu, pipe.wait.lock);
    pipe.wait.tasks.push_back(&self);
    W(cpu, m_layout.task(self.pid, TaskLine::Sched));
    self.state = TASK_INTERRUPTIBLE;
    spin_unlock_irq(cpu, pipe.wait.lock);
    spin_unlock(cpu, pipe.sem);
    schedule(cpu);
    // finish_wait(); down(PIPE_SEM)
    cpu = self.cpu;
    m_hal.irq_disable(cpu);
    spin_lock(cpu, pipe.wait.lock);
    auto it = std::find(pipe.wait.tasks.begin(), pipe.wait.tasks.end(), &self);
    if (it != pipe.wait.tasks.end()) pipe.wait.tasks.erase(it);
    spin_unlock_irq(cpu, pipe.wait.lock);
    spin_lock(cpu, pipe.sem);
}

long Kernel::pipe_read(Task& self, Pipe& pipe, Addr buf, unsigned count) {
    const int id = pipe.id;
    text(self.cpu, Text::Pipe, Cost::pipe);
    spin_lock(self.cpu, pipe.sem);
    long ret = 0;
    bool do_wakeup = false;
    for (;;) {
        const int cpu = self.cpu;
        R(cpu, m_layout.pipe(id, 2)); // PIPE_LEN
        if (pipe.len) {
            const unsigned chars = std::min({pipe.len, count, PIPE_SIZE - pipe.start});
            copy_user(cpu, buf, pipe.page + pipe.start, chars, true);
            pipe.start = (pipe.start + chars) & (PIPE_SIZE - 1);
            pipe.len -= chars;
            if (!pipe.len) pipe.start = 0; // "cache behaviour optimization"
            W(cpu, m_layout.pipe(id, 2));
            ret += chars;
            buf += chars;
            count -= chars;
            do_wakeup = true;
            if (!count) break;
        }
        if (pipe.len) continue;
        if (!pipe.waiting_writers && ret) break;
        if (do_wakeup) wake_up(cpu, pipe.wait, true); // we are about to sleep
        pipe_wait(self, pipe);
    }
    spin_unlock(self.cpu, pipe.sem);
    if (do_wakeup) wake_up(self.cpu, pipe.wait, true);
    return ret;
}

long Kernel::pipe_write(Task& self, Pipe& pipe, Addr buf, unsigned count) {
    const int id = pipe.id;
    text(self.cpu, Text::Pipe, Cost::pipe);
    spin_lock(self.cpu, pipe.sem);
    long ret = 0;
    bool do_wakeup = false;
    unsigned min = count > PIPE_SIZE ? 1 : count; // writes of at most PIPE_BUF are atomic
    for (;;) {
        const int cpu = self.cpu;
        R(cpu, m_layout.pipe(id, 2));
        const unsigned free = PIPE_SIZE - pipe.len;
        if (free >= min) {
            const unsigned end = (pipe.start + pipe.len) & (PIPE_SIZE - 1);
            const unsigned chars = std::min({PIPE_SIZE - end, free, count});
            copy_user(cpu, buf, pipe.page + end, chars, false);
            pipe.len += chars;
            W(cpu, m_layout.pipe(id, 2));
            ret += chars;
            buf += chars;
            count -= chars;
            do_wakeup = true;
            if (!count) break;
        }
        if (PIPE_SIZE - pipe.len > 0 && ret) {
            min = 1;
            continue;
        }
        if (do_wakeup) {
            wake_up(cpu, pipe.wait, true);
            do_wakeup = false;
        }
        ++pipe.waiting_writers;
        pipe_wait(self, pipe);
        --pipe.waiting_writers;
    }
    spin_unlock(self.cpu, pipe.sem);
    if (do_wakeup) wake_up(self.cpu, pipe.wait, false);
    return ret;
}

void Kernel::barrier_wait(Task& self, Barrier& b) {
    text(self.cpu, Text::Futex, Cost::futex);
    A(self.cpu, b.word);          // lock xadd on the count
    if (++b.count == b.parties) { // the last one: next generation, futex_wake(all)
        b.count = 0;
        ++b.generation;
        W(self.cpu, b.word);
        const int cpu = self.cpu;
        m_hal.irq_disable(cpu);
        spin_lock(cpu, b.bucket.lock);
        std::deque<Task*> woken;
        woken.swap(b.bucket.tasks); // futex_wake unqueues each waiter under the bucket lock
        for (Task* w : woken) {
            R(cpu, m_layout.stack(w->pid, Frame::Wait));
            try_to_wake_up(cpu, *w, TASK_INTERRUPTIBLE, false);
        }
        spin_unlock_irq(cpu, b.bucket.lock);
        return;
    }
    const unsigned long gen = b.generation;
    for (;;) { // futex_wait(&generation, gen) until the generation moves on
        const int cpu = self.cpu;
        m_hal.irq_disable(cpu);
        spin_lock(cpu, b.bucket.lock);
        R(cpu, b.word); // the value check under the bucket lock
        if (b.generation != gen) {
            spin_unlock_irq(cpu, b.bucket.lock);
            return;
        }
        W(cpu, m_layout.stack(self.pid, Frame::Wait));
        b.bucket.tasks.push_back(&self);
        W(cpu, m_layout.task(self.pid, TaskLine::Sched));
        self.state = TASK_INTERRUPTIBLE;
        spin_unlock_irq(cpu, b.bucket.lock);
        schedule(cpu);
        text(self.cpu, Text::Futex, Cost::futex);
    }
}

std::int64_t Kernel::user_sys(Task& self, const Op& op) {
    const int cpu = self.cpu;
    switch (op.sys) { // instructions of user mode
    case SysOp::Clock:
        m_hal.fence(cpu);
        return std::int64_t(now(cpu));
    case SysOp::Mark:
        m_hal.fence(cpu);
        self.marks.emplace_back(op.label ? *op.label : std::string(), now(cpu));
        return std::int64_t(self.marks.back().second);
    case SysOp::Clflush:
        m_hal.cache_flush(cpu, op);
        return 0;
    default:
        break;
    }
    text(cpu, Text::Syscall, Cost::syscall);
    switch (op.sys) {
    case SysOp::Sleep:
        nanosleep(self, op.cycles);
        return 0;
    case SysOp::Wbinvd:
        ev(Ev::Syscall, cpu, self.pid, int(SyscallNr::Wbinvd));
        m_hal.cache_flush(cpu, op);
        return 0;
    case SysOp::SetAffinity: {
        ev(Ev::Syscall, cpu, self.pid, int(SyscallNr::SchedSetaffinity), self.pid);
        CpuMask m(m_ncpus);
        for (int c : *op.cpus)
            m.set(c);
        return set_cpus_allowed(cpu, self, m, MigReason::Affinity);
    }
    case SysOp::PipeRead:
    case SysOp::PipeWrite: { // the program's loop of read() / write() calls until all moved
        const bool read = op.sys == SysOp::PipeRead;
        Pipe& pipe = *m_pipes[std::size_t(op.obj)];
        long done = 0;
        for (;;) {
            ev(Ev::Syscall, self.cpu, self.pid, int(read ? SyscallNr::Read : SyscallNr::Write),
               op.obj);
            const unsigned left = op.size - unsigned(done);
            done += read ? pipe_read(self, pipe, op.addr + Addr(done), left)
                         : pipe_write(self, pipe, op.addr + Addr(done), left);
            if (done >= long(op.size)) return done;
            text(self.cpu, Text::Syscall, Cost::syscall);
        }
    }
    case SysOp::Barrier:
        ev(Ev::Syscall, cpu, self.pid, int(SyscallNr::Futex), op.obj);
        barrier_wait(self, *m_barriers[std::size_t(op.obj)]);
        return 0;
    default:
        return 0;
    }
}

} // namespace smp::os
