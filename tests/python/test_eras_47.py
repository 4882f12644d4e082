"""The Linux 4.7 migration and wake-up mechanisms through the Python API, as ablations of the
2.6.10 policy on presets.quad() (2 GHz, 4 CPUs): the stopper moves a running task, the caller a
queued one, the records name the mechanism, and the counterfactual pairs still hold the moved
task on its source. Values that run only inside their 4.7 function are rejected alone."""

import pytest
import smpsim
from smpsim import actions as A
from smpsim import workloads as wl

from kernel_common import MS, _consistent, ws

KIB = 1024


def mechanisms_47(cfg):
    p = cfg.kernel.policy
    p.migrator = "stopper"
    p.caller_moves_queued_task = True
    p.hold_both_rq_locks = False
    p.wake_policy = "select_task_rq_fair"
    p.ttwu_queue = True
    p.exec_balance = "select_task_rq"
    p.fork_balance = "select_task_rq"
    p.lock = "queued"
    return cfg


def quad47():
    cfg = smpsim.presets.quad()
    cfg.check = True
    return mechanisms_47(cfg)


def run(cfg, **kwargs):
    res = smpsim.run(cfg, timeout=120, **kwargs)
    _consistent(res)
    return res


def test_running_task_is_moved_by_the_stopper():
    """F1 (4.7): the stop work is the run's one migration request; its IPIs wake the stopper on
    S, kick the idle D and wake the requester; its cycles are on R, S and D."""
    cfg = quad47()
    cfg.add_task("a", ws(20), cpus=[0])
    cfg.at("0.2ms", A.SetAffinity("a", cpus=[3], cpu=2))
    res = run(cfg)
    (m,) = res.migrations
    assert (m["src"], m["dst"], m["reason"], m["reason_detail"], m["mechanism"]) == (
        0, 3, "affinity", "set_cpus_allowed", "stopper")
    assert m["t_decision"] < m["t_dequeue"] < m["t_enqueue"] < m["t_first_run"]
    s = res.stats
    assert s["system.os.migration_requests"] == 1
    assert m["ipis"] == s["system.os.ipis_sent"] == 3
    by_cpu = m["path_cycles_by_cpu"]
    assert by_cpu[0] > 0 and by_cpu[2] > 0 and by_cpu[3] > 0 and by_cpu[1] == 0
    assert res.tasks["a"]["cpu"] == 3


def test_queued_task_is_moved_by_the_caller():
    """A queued task is moved by the control task itself: no stop work, no sleep."""
    cfg = quad47()
    cfg.add_task("a", ws(20), cpus=[0])
    cfg.add_task("c", ws(20), cpus=[0])  # waits behind a
    cfg.at("0.2ms", A.SetAffinity("c", cpus=[3], cpu=2))
    res = run(cfg)
    (m,) = res.migrations
    assert (m["task"], m["src"], m["dst"], m["mechanism"]) == ("c", 0, 3, "caller")
    assert res.stats["system.os.migration_requests"] == 0
    assert m["path_cycles_by_cpu"][2] > 0 and m["path_cycles_by_cpu"][0] == 0


def test_counterfactual_holds_the_task_the_stopper_moved():
    """The paired run keeps the task on its source where move_queued_task would have moved it
    (the stopper's migration_cpu_stop); the ghost's migration stall agrees with it, as for
    2.6.10's migration thread."""
    cfg = quad47()
    cfg.add_task("a", wl.WorkingSet(size=64 * KIB, passes=12), cpus=[0])
    cfg.at(300_000, A.SetAffinity("a", cpus=[1], cpu=2))
    res = smpsim.run(cfg, counterfactual=True, timeout=300)
    (m,) = res.migrations
    assert m["mechanism"] == "stopper"
    u = m["cold_by_kind"]["user"]
    cf = m["counterfactual_cycles"]
    assert cf is not None and u["misses"] == 64 * KIB // 64
    assert abs(u["migration_stall_cycles"] - cf) <= max(0.10 * abs(cf), 2000), (u, cf)


@pytest.mark.parametrize("field, value, message", [
    ("caller_moves_queued_task", True, "True without migrator 'stopper'"),
    ("ttwu_queue", True, "True without wake_policy 'select_task_rq_fair'"),
])
def test_parts_of_a_4_7_function_alone_are_rejected(field, value, message, no_child):
    cfg = smpsim.presets.quad()
    cfg.add_task("a", ws(1), cpus=[0])
    setattr(cfg.kernel.policy, field, value)
    with pytest.raises(ValueError, match=r"^kernel\.policy\.%s: %s is not implemented yet" % (
            field, message)):
        cfg.validate()


def era47():
    cfg = smpsim.presets.quad()
    cfg.check = True
    cfg.kernel.era = "linux-4.7"
    return cfg


def test_linux_4_7_era_moves_a_running_task_through_the_stopper():
    """The same F1 on the linux-4.7 era (CFS, 4.7 balancer): one stop work, three IPIs."""
    cfg = era47()
    cfg.add_task("a", ws(20), cpus=[0])
    cfg.at("0.2ms", A.SetAffinity("a", cpus=[3], cpu=2))
    res = run(cfg)
    (m,) = res.migrations
    assert (m["src"], m["dst"], m["reason"], m["mechanism"]) == (0, 3, "affinity", "stopper")
    assert m["ipis"] == res.stats["system.os.ipis_sent"] == 3
    assert res.tasks["a"]["cpu"] == 3


def test_linux_4_7_era_spreads_new_tasks_and_is_deterministic():
    """Six tasks start on CPU 0; the 4.7 balancer spreads them (every move is a balancer's),
    with at most 32 tasks examined per pass, and the same seed gives the same records."""
    def once():
        cfg = era47()
        for i in range(6):
            cfg.add_task(f"t{i}", ws(60))
        return run(cfg)
    a, b = once(), once()
    assert a.migrations == b.migrations and a.stats == b.stats
    assert len({t["cpu"] for t in a.tasks.values()}) > 1
    assert a.migrations and all(m["mechanism"] == "balancer" for m in a.migrations)
    assert 0 < a.stats["system.os.max_tasks_examined"] <= 32


def test_linux_4_7_affinity_of_a_sleeping_task_pairs_with_its_wakeup_placement():
    """4.7 moves a sleeping task whose CPU left its mask at its next wake-up; the paired run
    holds that wake-up placement (the task wakes where it slept) and pairs with the real run."""
    cfg = era47()
    w = wl.Phases([wl.WorkingSet(size=64 * KIB, passes=4), wl.Sleep("1ms"),
                   wl.WorkingSet(size=64 * KIB, passes=8)])
    cfg.add_task("a", w, cpus=[0])
    cfg.at("0.5ms", A.SetAffinity("a", cpus=[2], cpu=1))
    res = smpsim.run(cfg, counterfactual=True, timeout=300)
    (m,) = [m for m in res.migrations if m["reason"] == "affinity"]
    assert (m["mechanism"], m["reason_detail"], m["dst"]) == ("wakeup", "select_task_rq", 2)
    assert m["counterfactual_cycles"] is not None
