// The guest kernel's only view of the hardware: cores, memory accesses, interrupts, threads.
#pragma once

#include "models/common/op.hpp"
#include "models/common/types.hpp"

#include <functional>
#include <string>

namespace smp::os {

enum class Irq : std::uint8_t { Timer, Reschedule, CallFunction, Stop, Action };
inline const char* irq_name(Irq v) {
    static const char* const names[] = {"timer", "reschedule", "call_function", "stop", "action"};
    return names[static_cast<int>(v)];
}
enum class KAccess : std::uint8_t { Read, Write, Atomic, Fetch };
// Who supplied a line to a kernel access: this CPU's caches, another core's cache in the same
// socket, a shared cache, another socket, or memory.
enum class Source : std::uint8_t { Local, Peer, Shared, Remote, Memory };

// Every call is made by the guest thread currently running on `cpu`. Calls that take time
// (accesses, compute, halt, spin, switches) return when that time has passed on the CPU.
// An interrupt arriving meanwhile is handed to the kernel's interrupt entry on the same thread,
// unless interrupts are disabled on that CPU.
class Hal {
public:
    virtual ~Hal() = default;

    virtual Cycle now(int cpu) = 0;                                // the CPU's local cycle
    virtual Source access(int cpu, KAccess kind, Addr paddr) = 0;  // one kernel access
    virtual void compute(int cpu, Cycle n) = 0;                    // straight-line kernel code
    virtual void send_ipi(int from, int to, Irq vector) = 0;
    virtual void irq_disable(int cpu) = 0;
    virtual void irq_enable(int cpu) = 0;
    // HLT: halts until until() holds; interrupts are taken (if enabled) and re-check it.
    virtual void halt(int cpu, const std::function<bool()>& until) = 0;
    // Busy-wait (a spinning lock): time passes until until() holds, re-checked after kick().
    virtual void spin(int cpu, const std::function<bool()>& until) = 0;
    virtual void kick() = 0;
    virtual void timer(int cpu, bool on) = 0;                      // local timer (hotplug)

    // User mode of the task running on `cpu`: a compute block returns early, with the cycles
    // still to run, after an interrupt has been taken; an access runs whole. `resumed`: the
    // rest of a compute operation that was interrupted.
    virtual Cycle user_compute(int cpu, Cycle n, bool resumed) = 0;
    virtual void user_access(int cpu, const Op& op) = 0;
    // Waits for the user accesses still in flight on the CPU (rdtscp before reading the clock).
    virtual void fence(int cpu) { (void)cpu; }
    // wbinvd (op.sys == Wbinvd: the caches of `cpu`) or clflush of [op.addr, op.addr+op.size)
    // in the address space of the task running on `cpu` (from every cache).
    virtual void cache_flush(int cpu, const Op& op) = 0;

    // Guest threads: one per task. A created thread waits until it is first switched in.
    virtual void create_thread(int pid, std::function<void()> body) = 0;
    virtual void start_thread(int cpu, int pid) = 0;               // boot: pid runs on cpu now
    // Hands `cpu` from prev to next; returns when prev is switched in again (on any CPU).
    virtual void switch_to(int cpu, int prev, int next) = 0;
    // Hands `cpu` from an exiting prev to next; prev's thread then ends.
    virtual void exit_to(int cpu, int prev, int next) = 0;
    // Measurement hooks (take no simulated time). The kernel recorded migration `event` of pid
    // from src to dst, on `cpu`; later pid runs for the first time after that record.
    virtual void migrated(int cpu, int pid, int src, int dst, long event) {
        (void)cpu, (void)pid, (void)src, (void)dst, (void)event;
    }
    virtual void first_run(int cpu, int pid, long event) { (void)cpu, (void)pid, (void)event; }

    // The guest can never finish (e.g. every task frozen): stop the run with this message.
    virtual void fail(const std::string& why) = 0;
};

} // namespace smp::os
