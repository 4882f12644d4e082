// The guest kernel on the simulated machine: implements os::Hal on the System's cores, runs one
// SystemC thread per guest task, delivers the experiment's timed actions as interrupts.
#pragma once

#include "models/ghost/ghost_cache.hpp"
#include "models/ghost/stall_probe.hpp"
#include "os/kernel.hpp"
#include "os/migration_calibration.hpp"
#include "os/workload.hpp"
#include "platform/system.hpp"
#include "platform/timeline.hpp"

#include <memory>
#include <systemc>
#include <vector>

namespace smp {

class GuestMachine : public os::Hal {
public:
    GuestMachine(System& sys, const SystemConfig& cfg);
    ~GuestMachine() override;

    // Creates the guest threads and the action timer; call before sc_start.
    void spawn();
    // Replaces the program of the task named `name` (before spawn): a guest program written
    // in C++, which reads the results of its system operations through OpSource::result.
    void set_program(const std::string& name, std::unique_ptr<OpSource> program);
    os::Kernel& kernel() { return *m_kernel; }
    // Per-task counters (user tasks: their memory operations), by pid.
    const TaskCounters& counters(int pid) const { return *m_threads[std::size_t(pid)]->counters; }
    bool has_user_tasks() const { return m_user_tasks > 0; }
    // Closes every open measurement at `end`; then costs() has one entry per migration record.
    void finish(Cycle end);
    const std::vector<MigrationCost>& costs() const { return m_costs; }
    const ProbeResult& probe() const { return m_probe_result; }
    void register_stats(StatsRegistry& r) const;
    // Also records every interrupt line edge in the timeline (for trace.vcd).
    void record_irq_edges() { m_timeline.irq_edges.assign(m_sys.cpus(), {}); }
    // What ran where and the IPIs; task names are filled by finish().
    const Timeline& timeline() const { return m_timeline; }

    // os::Hal
    Cycle now(int cpu) override { return m_sys.core(CpuId(cpu)).local_cycle(); }
    os::Source access(int cpu, os::KAccess kind, Addr paddr) override;
    void compute(int cpu, Cycle n) override { m_sys.core(CpuId(cpu)).compute(n); }
    void send_ipi(int from, int to, os::Irq vector) override;
    void irq_disable(int cpu) override { m_sys.core(CpuId(cpu)).local_irq_disable(); }
    void irq_enable(int cpu) override { m_sys.core(CpuId(cpu)).local_irq_enable(); }
    void halt(int cpu, const std::function<bool()>& until) override;
    void spin(int cpu, const std::function<bool()>& until) override;
    void kick() override { m_kick.notify(sc_core::SC_ZERO_TIME); }
    void timer(int cpu, bool on) override;
    Cycle user_compute(int cpu, Cycle n, bool resumed) override;
    void user_access(int cpu, const Op& op) override {
        ++m_user_ops;
        m_sys.core(CpuId(cpu)).execute(op);
    }
    void fence(int cpu) override { m_sys.core(CpuId(cpu)).fence(); }
    void cache_flush(int cpu, const Op& op) override { m_sys.cache_flush(CpuId(cpu), op); }
    void create_thread(int pid, std::function<void()> body) override;
    void start_thread(int cpu, int pid) override;
    void switch_to(int cpu, int prev, int next) override;
    void exit_to(int cpu, int prev, int next) override;
    void fail(const std::string& why) override;
    void migrated(int cpu, int pid, int src, int dst, long event) override;
    void first_run(int cpu, int pid, long event) override;
    const std::string& failure() const { return m_failure; }
    // The boot-time migration-cost calibration (cfg.kernel.calibration): its outcome once it
    // has ended, and a hook run at that moment (the platform moves the stats baseline there).
    const os::CalibrationResult* calibration() const {
        return m_calibration_done ? &m_calibration : nullptr;
    }
    void on_boot_done(std::function<void()> f) { m_on_boot_done = std::move(f); }

private:
    // Adds the calibrating thread ("init", as in Linux) before the tasks; returns its pid.
    // l2_kib: the second-level cache the CPU reports (MachineShape::l2_kib), -1 if none.
    int add_calibration(const ProgramEnv& env, std::int64_t l2_kib);
    int new_space(); // a new address space (cfg.memory.mapping); returns its id

    struct Thread {
        sc_core::sc_event resume;
        bool runnable = false;
        AddressSpace* as = nullptr;
        std::unique_ptr<TaskCounters> counters = std::make_unique<TaskCounters>();
        GhostCache* ghost = nullptr;       // open ghost of its last migration (owned by m_ghosts)
        std::unique_ptr<StallProbe> probe; // counterfactual run only
        long stay = -1;                    // migration whose stay is being counted
        std::uint64_t stay_accesses0 = 0, stay_stall0 = 0;
        AccessObserver* observer() const {
            if (probe && !probe->done()) return probe.get();
            return ghost && ghost->open() ? ghost : nullptr;
        }
    };
    Thread& thread(int pid);
    void enter(int cpu, int pid);
    void wake(int cpu, int pid);
    void action_timer();
    void watchdog(); // cfg.watchdog_cycles: a stuck run stops with a state dump
    void interrupt(Core& core, const PendingIrq& irq);
    // Ends pid's ghost and its stay (next migration, exit, end of run).
    void close_measurements(Thread& t, GhostEnd why, Cycle now);

    System& m_sys;
    SystemConfig m_cfg;
    FramePool m_frames;
    std::vector<std::unique_ptr<AddressSpace>> m_spaces;
    std::vector<std::unique_ptr<Thread>> m_threads;
    std::unique_ptr<os::Kernel> m_kernel;
    sc_core::sc_event m_kick;
    sc_core::sc_event m_never;
    std::vector<std::unique_ptr<GhostCache>> m_ghosts; // by migration record
    std::vector<MigrationCost> m_costs;                // by migration record
    ProbeResult m_probe_result;
    Timeline m_timeline;
    std::vector<std::vector<std::size_t>> m_ipis_pending; // per destination: untaken IPIs
    unsigned m_user_tasks = 0;
    std::string m_failure;
    std::vector<char> m_computing; // per CPU: inside a user compute operation
    Counter m_user_ops = 0;        // user operations retired on every CPU (watchdog)
    os::CalibrationResult m_calibration;
    bool m_calibration_done = false;
    std::function<void()> m_on_boot_done;
};

} // namespace smp
