"""The Linux 2.6.24 kernel (CFS, SCHED_SOFTIRQ balancing, 2.6.24 wake-up and exec/fork placement)
end to end through smpsim.run on presets.quad() (2 GHz, 4 CPUs, HZ=250: a tick every 8,000,000
cycles). Every run has cfg.check = True (kernel invariants at the end) and goes through
_consistent(). Exact numbers where they follow from the 2.6.24 rules."""

import argparse
import json
import os
import sys
from collections import Counter

import smpsim
from smpsim import actions as A
from smpsim import workloads as wl

from kernel_common import MS, migrations_of, quad, run, ws
from script_common import REPO

TICK = 8_000_000  # cycles per jiffy at HZ=250

# (reason, reason_detail, mechanism) that the 2.6.24 kernel can record.
MECHANISMS_2624 = {
    ("affinity", "set_cpus_allowed", "migration_thread"), ("affinity", "set_cpus_allowed", "caller"),
    ("periodic_balance", "lb_softirq", "balancer"), ("newidle_balance", "lb_newidle", "balancer"),
    ("active_balance", "active_balance", "migration_thread"),
    ("exec", "sched_exec", "migration_thread"), ("exec", "sched_exec", "caller"),
    ("fork", "sched_balance_self", "caller"),
    ("wakeup", "wake_affine", "wakeup"), ("wakeup", "wake_balance", "wakeup"),
    ("wakeup", "wake_idle", "wakeup"), ("wakeup", "sync_wakeup", "wakeup"),
}


def quad_2624():
    cfg = quad()
    cfg.kernel.era = "linux-2.6.24"
    return cfg


def test_forced_migration_by_the_migration_thread():
    """F1: migration/0 moves the running task; three IPIs, as in 2.6.10: migration/0 (RT) preempts
    the fair task on S, the task lands on idle D, complete() wakes the requester on idle R."""
    cfg = quad_2624()
    cfg.add_task("a", ws(20), cpus=[0])
    cfg.at("0.2ms", A.SetAffinity("a", cpus=[3]))
    res = run(cfg)
    assert res.config.kernel.hz == 250
    assert len(res.migrations) == 1
    m = res.migrations[0]
    assert (m["task"], m["src"], m["dst"]) == ("a", 0, 3)
    assert (m["reason"], m["reason_detail"], m["mechanism"]) == (
        "affinity", "set_cpus_allowed", "migration_thread")
    assert m["kernel_hot"] == 1  # preempted microseconds before: rq->clock - exec_start < 500 us
    assert m["t_decision"] < m["t_dequeue"] < m["t_enqueue"] < m["t_first_run"]
    assert res.stats["system.os.ipis_sent"] == 3
    assert res.stats["system.os.migration_requests"] == 1
    assert res.stats["system.os.ticks"] == 0  # done in ~0.5 ms, before the first 4 ms tick
    assert res.tasks["a"]["cpu"] == 3


def test_wake_idle_hands_a_woken_task_to_an_idle_core():
    """p sleeps on CPU 0 while q (pinned) runs there; its timer fires at the 8 ms tick on CPU 0,
    where try_to_wake_up finds CPU 0 busy with one task: wake_idle (SD_WAKE_IDLE on the MC level)
    places p on the first idle CPU of span & cpus_allowed, CPU 1."""
    cfg = quad_2624()
    cfg.add_task("p", wl.Phases([wl.Spin(MS), wl.Sleep("2ms"), wl.Spin(MS)]), cpus=[0, 1])
    cfg.add_task("q", wl.Spin(20 * MS), cpus=[0])
    res = run(cfg)
    assert len(res.migrations) == 1, res.migrations
    m = res.migrations[0]
    assert (m["task"], m["src"], m["dst"]) == ("p", 0, 1)
    assert (m["reason"], m["reason_detail"], m["mechanism"]) == ("wakeup", "wake_idle", "wakeup")
    # nanosleep: 2 ms rounds up to one jiffy, plus one: woken at the tick of jiffy 2.
    assert 2 * TICK <= m["t_decision"] < 2 * TICK + MS // 10
    assert m["t_dequeue"] == 0  # asleep: only its CPU changed
    assert res.tasks["p"]["cpu"] == 1 and res.tasks["q"]["cpu"] == 0


def test_mixed_workload_runs_with_the_2_6_24_mechanisms():
    """Six sleeping workers and a pipe pair (more tasks than CPUs), an affinity change, an exec and
    a fork: every move is one of 2.6.24's mechanisms, ticks come at HZ=250 on every CPU, and no
    balance pass examines more than sysctl_sched_nr_migrate + 1 tasks."""
    cfg = quad_2624()
    for i in range(6):
        cfg.add_task(f"w{i}", wl.Phases([wl.WorkingSet(size="64KiB", passes=40), wl.Sleep("2ms")],
                                        repeat=6))
    cfg.add_task("e", ws(200))
    cfg.add_task("child", ws(100), forked=True)
    wl.producer_consumer(cfg, items=200, item_bytes=64)
    cfg.at("3ms", A.SetAffinity("w0", cpus=[3]))
    cfg.at("5ms", A.Exec("e"))
    cfg.at("6ms", A.Fork("e", "child"))
    res = run(cfg)
    seen = Counter((m["reason"], m["reason_detail"], m["mechanism"]) for m in res.migrations)
    assert set(seen) <= MECHANISMS_2624, seen
    assert seen[("periodic_balance", "lb_softirq", "balancer")] > 0, seen
    assert seen[("newidle_balance", "lb_newidle", "balancer")] > 0, seen
    w0 = migrations_of(res, "w0")
    assert [m["dst"] for m in w0 if m["reason"] == "affinity"] == [3]
    assert res.tasks["w0"]["cpu"] == 3
    assert all(r["result"] == 0 for r in res.actions), res.actions
    assert res.tasks["child"]["started"] and res.tasks["child"]["exited"]
    s = res.stats
    full = res.sim_cycles // TICK
    assert 4 * (full - 1) <= s["system.os.ticks"] <= 4 * full
    assert s["system.os.balance_passes"] > 0
    assert 0 < s["system.os.max_tasks_examined"] <= 33
    assert s["system.os.tasks_examined"] >= s["system.os.max_tasks_examined"]


def test_a_held_task_the_kernel_moves_on_before_it_runs_has_no_counterfactual(tmp_path):
    """era_comparison's mix with 20 passes: the paired run holds t0 on CPU 0 instead of its
    affinity move, but t0 waits there until periodic balancing moves it to CPU 3, so it never
    runs on its source. Staying had no stay to measure: no counterfactual (None), no error."""
    sys.path.insert(0, os.path.join(REPO, "configs"))
    import era_comparison
    args = argparse.Namespace(preset="quad", tasks=6, working_set=64 * 1024, passes=20, rounds=3,
                              first_move_ms=3.0, seed=1)
    cfg = era_comparison.build(args, "linux-2.6.24")
    res = smpsim.run(cfg, counterfactual=True, out=str(tmp_path), timeout=600)
    m = res.migrations[0]
    assert (m["task"], m["reason"]) == ("t0", "affinity") and m["t_first_run"] > 0
    assert m["counterfactual_cycles"] is None and m["counterfactual_stay_cycles"] is None
    pair = json.loads((tmp_path / "counterfactual" / "m0" / "result.json").read_text())
    held, then = pair["migrations"][0], pair["migrations"][1]
    assert held["suppressed"] and held["t_first_run"] == 0
    assert (then["task"], then["src"], then["reason"]) == ("t0", 0, "periodic_balance")
