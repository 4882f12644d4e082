"""Linux 2.4.21 (RHEL3 2.4.21-4, reference §2) end to end on presets.quad() (2 GHz, HZ=100: one
tick every 20,000,000 cycles). Every run has cfg.check = True (kernel invariants and cache
coherence checked at its end) and goes through _consistent(). Exact where the 2.4 rules decide:
idle CPUs pull one task each at their first tick, tail first; an affinity change goes to the
lowest allowed CPU through migration/N; only sync wake-ups move a task, to the waker's CPU;
exec does not balance."""

import pytest
from smpsim import actions as A
from smpsim import workloads as wl

from kernel_common import quad, run

TICK = 20_000_000

# (reason, reason_detail, mechanism) of every move 2.4.21 can make.
MOVES_2421 = {("periodic_balance", "lb_tick", "balancer"),
              ("newidle_balance", "lb_newidle", "balancer"),
              ("affinity", "set_cpus_allowed", "migration_thread"),
              ("affinity", "set_cpus_allowed", "caller"),
              ("wakeup", "sync_wakeup", "wakeup")}


def era():
    cfg = quad()
    cfg.kernel.era = "linux-2.4.21"
    return cfg


def kinds(res):
    return {(m["reason"], m["reason_detail"], m["mechanism"]) for m in res.migrations}


def test_more_tasks_than_cpus_with_an_affinity_change():
    cfg = era()
    for i in range(6):  # all start on CPU 0, the first allowed
        cfg.add_task("t%d" % i, wl.Spin(30 * TICK), cpus=[0, 1, 2, 3])
    cfg.at(TICK * 5 // 2, A.SetAffinity("t0", cpus=[3, 2], cpu=1))
    res = run(cfg)
    assert res.config.kernel.hz == 100
    assert all(t["exited"] for t in res.tasks.values())
    assert kinds(res) <= MOVES_2421, kinds(res)

    # Jiffy 1: CPUs 1-3 are idle and CPU 0 runs t0 with five waiting; each idle CPU pulls
    # exactly one task, from the tail of CPU 0's queue (none of them ran yet: cold).
    first = [m for m in res.migrations if m["t_decision"] < 2 * TICK]
    assert {m["task"] for m in first} == {"t3", "t4", "t5"}, first
    assert sorted(m["dst"] for m in first) == [1, 2, 3]
    assert all((m["src"], m["reason"], m["kernel_hot"]) == (0, "periodic_balance", 0)
               for m in first)
    assert all(m["t_decision"] // TICK == 1 for m in first)

    # The affinity change: t0 is running on CPU 0; migration/0 moves it to the lowest CPU of
    # {2, 3}.
    (aff,) = [m for m in res.migrations if m["reason"] == "affinity"]
    assert (aff["task"], aff["src"], aff["dst"], aff["mechanism"]) == ("t0", 0, 2,
                                                                      "migration_thread")
    assert res.actions[0]["message"] == "cpus_allowed = {2,3}"
    assert res.stats["system.os.migration_requests"] == 1
    assert 0 < aff["t_dequeue"] < aff["t_enqueue"] < aff["t_first_run"]
    assert res.tasks["t0"]["cpu"] in (2, 3)
    assert res.stats["system.os.migrations.exec"] == 0
    assert res.stats["system.os.active_balance"] == 0


def test_sync_wakeup_pulls_the_writer_to_the_reader():
    """Items of 8 KiB do not fit the 4 KiB pipe: the producer blocks on a full pipe and the
    consumer's read wakes it with a sync wake-up, which pulls it to the consumer's CPU 1."""
    cfg = era()
    wl.producer_consumer(cfg, items=6, item_bytes=8192, producer_cpus=[0, 1],
                         consumer_cpus=[1])
    res = run(cfg)
    wakes = [m for m in res.migrations if m["reason"] == "wakeup"]
    assert wakes, res.migrations
    assert (wakes[0]["task"], wakes[0]["src"], wakes[0]["dst"]) == ("pc.producer", 0, 1)
    # The consumer may only run on CPU 1 and the producer's non-sync wake-ups never move it:
    # every wake-up move is the producer's, to CPU 1.
    assert {(m["task"], m["dst"], m["reason_detail"], m["mechanism"]) for m in wakes} == {
        ("pc.producer", 1, "sync_wakeup", "wakeup")}
    assert kinds(res) <= MOVES_2421, kinds(res)


def test_exec_does_not_balance():
    cfg = era()
    cfg.add_task("a", wl.Spin(TICK // 2), cpus=[0, 1, 2, 3])
    cfg.add_task("b", wl.Spin(TICK // 2), cpus=[0, 1, 2, 3])
    cfg.at("100us", A.Exec("a"))
    res = run(cfg)
    assert res.actions[0]["message"] == "stayed"
    assert res.stats["system.os.migrations.exec"] == 0
    # Both end before the first tick: nothing balanced them either.
    assert res.migrations == []
    assert res.tasks["b"]["cpu"] == 0


@pytest.mark.parametrize("field,value", [
    ("timeslice", "linux-2.4"), ("hot_test", "jiffies_last_run"), ("active_balance", "none"),
    ("wake_policy", "sync_pull"), ("exec_balance", "none"),
    ("affinity_dest", "lowest_allowed_online"), ("idle_resched_every_tick", True)])
def test_a_2421_value_runs_in_the_2610_kernel(field, value):
    cfg = quad()
    setattr(cfg.kernel.policy, field, value)
    for i in range(6):
        cfg.add_task("t%d" % i, wl.WorkingSet("64KiB", passes=40), cpus=[0, 1, 2, 3])
    cfg.at("0.3ms", A.SetAffinity("t0", cpus=[3, 2], cpu=1))
    res = run(cfg)
    assert all(t["exited"] for t in res.tasks.values())
    (aff,) = [m for m in res.migrations if m["reason"] == "affinity"]
    assert (aff["task"], aff["dst"]) == ("t0", 2)  # both rules pick the lowest CPU of {2, 3}
    assert aff["mechanism"] in ("migration_thread", "caller")
