"""The kernel path of a forced migration, split (issue: calibration). On every preset, and in every
era on quad, a running task is moved by sched_setaffinity from a control task; the record's path
cycles are exactly the calibrated budgets of the primitives the path ran (cfg.kernel.costs, times
the calls the record reports) plus the time its memory accesses, IPI sends and spins took; the IPI
part is the configured send cost per IPI; every kernel access costs at least an L1 hit."""

import concurrent.futures

import pytest
import smpsim
from smpsim import actions as A
from smpsim import calibration
from smpsim import workloads as wl

ERAS = ["linux-2.4.21", "linux-2.6.10", "linux-2.6.24", "linux-4.7"]
CASES = [(p, "linux-2.6.10") for p in smpsim.presets.names()] + [
    ("quad", e) for e in ERAS if e != "linux-2.6.10"]


def config(preset, era, zero_budgets=False):
    cfg = smpsim.presets.get(preset)
    cfg.check = True
    cfg.kernel.era = era
    if zero_budgets:
        for name in COSTS:
            setattr(cfg.kernel.costs, name, 0)
    cpus = cfg.topology.cpus()
    cfg.add_task("a", wl.WorkingSet(size="64KiB", passes=20), cpus=[0])
    cfg.at("0.2ms", A.SetAffinity("a", cpus=[cpus - 1]))
    return cfg


COSTS = calibration.COST_FIELDS


def forced(case):
    preset, era, zero = case
    cfg = config(preset, era, zero)
    res = smpsim.run(cfg, timeout=600)
    assert len(res.migrations) == 1, res.migrations
    return cfg, res.migrations[0]


@pytest.fixture(scope="module")
def moves():
    cases = [c + (False,) for c in CASES] + [("quad", "linux-2.6.10", True)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(cases, pool.map(forced, cases)))


@pytest.mark.parametrize("case", CASES, ids=["%s-%s" % c for c in CASES])
def test_path_is_budgets_plus_memory_ipi_and_spin(moves, case):
    cfg, m = moves[case + (False,)]
    split = m["path_split"]
    assert m["path_moves"] == 1 and m["reason"] == "affinity"
    assert sum(split.values()) == m["path_cycles"] == sum(m["path_cycles_by_cpu"])
    calls = m["path_calls"]
    assert set(calls) <= set(COSTS)
    assert split["budget"] == sum(n * getattr(cfg.kernel.costs, k) for k, n in calls.items())
    assert m["ipis"] >= 1
    assert split["ipi"] == m["ipis"] * cfg.irq.ipi_send_cycles
    assert split["spin"] + split["memory"] >= m["rq_lock_wait_cycles"]  # spins, then retries
    # Each kernel access (fetches included) takes at least an L1 hit; the path made some.
    assert split["memory"] >= min(cfg.l1d.latency, cfg.l1i.latency) > 0
    # The primitives every era's forced move runs: the system call, the move, the switch into
    # the moved task on its new CPU.
    assert calls["set_cpus_allowed"] == 1
    assert calls["move_task"] >= 1
    assert calls["context_switch"] >= 1


# The primitives charged to the path of this move (reference event flows): the control task's
# set_cpus_allowed, the wake-up of the mover (migration/0, or the 4.7 stopper), the mover's
# __migrate_task / move_task and its complete(), which wakes the requester, and the switch into
# the task on its new CPU; 4.7 also runs select_task_rq for the destination. The mover's own
# loop up to taking the request, and its switches in and out on CPU 0, are not on the path.
# Four runqueue operations: the mover and the requester enqueued by their wake-ups, the task
# dequeued from CPU 0 and enqueued on its new CPU.
FLOW = {"set_cpus_allowed": 1, "wakeup": 2, "enqueue": 4, "move_task": 1, "completion": 1,
        "context_switch": 1}


@pytest.mark.parametrize("era", ERAS)
def test_path_runs_the_eras_primitives(moves, era):
    cfg, m = moves[("quad", era, False)]
    expected = dict(FLOW, select_rq=1) if era == "linux-4.7" else FLOW
    assert m["path_calls"] == expected
    assert m["mechanism"] == ("stopper" if era == "linux-4.7" else "migration_thread")
    assert m["ipis"] == 3  # wake the mover, kick the idle destination, wake the requester


def test_zero_budgets_leave_only_memory_ipi_and_spin(moves):
    _, m = moves[("quad", "linux-2.6.10", True)]
    _, base = moves[("quad", "linux-2.6.10", False)]
    split = m["path_split"]
    assert split["budget"] == 0
    assert split["memory"] + split["ipi"] + split["spin"] == m["path_cycles"] > 0
    assert m["path_calls"] == base["path_calls"]  # the same code ran, in no time of its own
