// Bare-metal execution: each task runs alone on its first CPU, in configuration order per CPU.
#pragma once

#include "os/workload.hpp"
#include "platform/system.hpp"

#include <memory>
#include <string>
#include <systemc>
#include <vector>

namespace smp {

struct TaskRuntime {
    TaskConfig cfg;
    TaskId id = 0;
    CpuId cpu = 0;
    AddressSpace* as = nullptr;
    std::unique_ptr<OpSource> source;
    TaskCounters counters;
    Cycle start = 0;
    Cycle end = 0;
    bool started = false;
    bool exited = false;
    std::unique_ptr<sc_core::sc_event> exit_event;
    std::vector<std::pair<std::string, std::uint64_t>> marks;
};

// Owns the tasks and their address spaces; spawns one SystemC thread per CPU that has tasks.
// A task with start_after waits (its CPU halted, taking interrupts) until that task has exited.
// When every task has exited the simulation stops.
class BareMetal {
public:
    BareMetal(System& sys, const SystemConfig& cfg);
    void spawn();

    std::vector<TaskRuntime>& tasks() { return m_tasks; }
    bool all_exited() const { return m_exited == m_tasks.size(); }

private:
    void cpu_thread(CpuId cpu);
    TaskRuntime* find(const std::string& name);

    System& m_sys;
    FramePool m_frames;
    std::vector<std::unique_ptr<AddressSpace>> m_spaces;
    std::vector<TaskRuntime> m_tasks;
    std::size_t m_exited = 0;
};

} // namespace smp
