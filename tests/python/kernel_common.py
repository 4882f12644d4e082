"""Shared helpers of the guest-kernel Python tests (test_kernel_config.py, test_kernel_runs.py)."""

import smpsim
from smpsim import workloads as wl


MS = 2_000_000  # cycles per millisecond at the 2 GHz of presets.quad(); also one tick at HZ=1000
REASONS = ["affinity", "active_balance", "periodic_balance", "newidle_balance", "exec", "fork",
           "wakeup", "hotplug"]
BALANCING = {"periodic_balance", "newidle_balance", "active_balance"}
COSTS = ["irq_entry", "irq_exit", "tick", "schedule", "context_switch", "enqueue", "wakeup",
         "load_balance", "balance_per_cpu", "move_task", "migration_thread", "syscall",
         "set_cpus_allowed", "completion", "exec", "fork", "idle_entry"]
FLAGS = ["load_balance", "balance_newidle", "balance_exec", "wake_idle", "wake_affine",
         "wake_balance", "share_cpupower"]


def quad():
    cfg = smpsim.presets.quad()
    cfg.check = True
    return cfg


def ws(passes=20):
    """64 KiB swept `passes` times: about 0.5 ms on quad for 20 passes."""
    return wl.WorkingSet(size="64KiB", passes=passes)


def one_task(cpus=(0,), passes=20):
    cfg = quad()
    cfg.add_task("a", ws(passes), cpus=list(cpus))
    return cfg


def run(cfg, **kwargs):
    res = smpsim.run(cfg, timeout=120, **kwargs)
    _consistent(res)
    return res


def _consistent(res):
    """Migration records, per-task counters and system.os stats describe the same migrations."""
    s = res.stats
    assert s["system.os.migrations"] == len(res.migrations)
    for reason in REASONS:
        assert s["system.os.migrations." + reason] == sum(
            m["reason"] == reason for m in res.migrations), reason
    assert s["system.os.migration_requests"] == s["system.os.migration_requests_completed"]
    for m in res.migrations:
        assert m["reason"] in REASONS and m["src"] != m["dst"], m
        assert m["t_decision"] > 0, m
        for later in ("t_dequeue", "t_enqueue", "t_first_run"):
            assert m[later] == 0 or m[later] >= m["t_decision"], m
    for name, t in res.tasks.items():
        mine = [m for m in res.migrations if m["task"] == name]
        assert t["migrations"] == len(mine), name
        if mine:
            assert t["cpu"] == mine[-1]["dst"], name
        if t["exited"]:
            assert t["started"] and t["start_cycle"] <= t["end_cycle"], name
            # (end_cycle <= sim_cycles: see test_run_ends_after_every_task)
    assert len(res.actions) == len(res.config.actions)
    for a, c in zip(res.actions, res.config.actions):
        assert (a["kind"], a["task"], a["at"]) == (c.kind, c.task, c.at)
        if a["executed"]:
            assert a["executed"] >= a["at"] and a["cpu"] >= 0, a
        else:
            assert a["message"] == "not performed" and a["cpu"] == -1, a


def migrations_of(res, task):
    return [m for m in res.migrations if m["task"] == task]


def user_migrations(res):
    return [m for m in res.migrations if m["task"] in res.tasks]
