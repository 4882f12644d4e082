// Objects user programs meet through: wait queues, 2.6.10 pipes (fs/pipe.c: one page, start +
// len) and futex-based barriers. Host state with guest addresses (os/layout.hpp).
#pragma once

#include "os/task.hpp"

#include <deque>

namespace smp::os {

// wait_queue_head_t: its lock word and the tasks waiting (non-exclusive waits only).
struct WaitQueue {
    SpinLock lock;
    std::deque<Task*> tasks;
};

constexpr unsigned PIPE_SIZE = 4096; // PAGE_SIZE: 2.6.10 pipes hold one page

// pipe_inode_info: i_sem (modelled as a lock word), the wait queue of readers and writers, the
// data page, PIPE_START / PIPE_LEN and PIPE_WAITING_WRITERS.
struct Pipe {
    int id = 0;
    SpinLock sem;
    WaitQueue wait;
    Addr page = 0;
    unsigned start = 0, len = 0;
    unsigned waiting_writers = 0;
};

// A barrier as glibc builds it on a futex: a shared count word, the generation the waiters
// sleep on, and the futex hash bucket (lock and waiters).
struct Barrier {
    Addr word = 0;
    unsigned parties = 1;
    unsigned count = 0;
    unsigned long generation = 0;
    WaitQueue bucket;
};

} // namespace smp::os
