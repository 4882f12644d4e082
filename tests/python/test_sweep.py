"""smpsim.sweep: the same 8 points give identical results on local workers and on a Dask
LocalCluster of processes; a rerun is served from the cache without starting a simulation; an
invalid point fails alone with its message; replicas run consecutive seeds and summarize into
means with 95 % intervals; a run stopped by its timeout leaves no child process behind."""

import os
import statistics
import sys

import pytest
import smpsim
from smpsim import runner
from smpsim import workloads as wl


def points():
    """8 points: 2 presets x 2 working-set sizes x 2 patterns, one forced move in each."""
    cfgs = []
    for preset in ("quad", "core2_duo"):
        for size in ("32KiB", "128KiB"):
            for pattern in ("sequential", "random"):
                cfg = smpsim.presets.get(preset)
                cfg.add_task("a", wl.WorkingSet(size=size, pattern=pattern, passes=4), cpus=[0])
                cfg.at("0.02ms", smpsim.actions.SetAffinity("a", cpus=[1]))
                cfgs.append(cfg)
    return cfgs


def same(a, b):
    return (a.stats, a.tasks, a.migrations, a.sim_cycles) == (b.stats, b.tasks, b.migrations,
                                                              b.sim_cycles)


@pytest.fixture(scope="module")
def local():
    return smpsim.sweep(points(), workers=2, cache=False)


def test_local_and_dask_cluster_give_identical_results(local):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        on_dask = smpsim.sweep(points(), scheduler=cluster.scheduler_address, cache=False)
    assert len(local) == len(on_dask) == 8
    assert all(isinstance(r, smpsim.Result) for r in local + on_dask)
    for a, b in zip(local, on_dask):
        assert same(a, b)
    assert len({r.sim_cycles for r in local}) == 8  # eight different points
    assert all(len(r.migrations) == 1 for r in local)


def test_rerun_hits_the_cache(tmp_path, monkeypatch, local):
    first = smpsim.sweep(points(), workers=2, cache=tmp_path)
    assert len(os.listdir(tmp_path)) == 8

    def forbidden(*args, **kwargs):
        raise AssertionError("a simulation was started for a cached point")

    monkeypatch.setattr(runner, "_child_command", forbidden)
    again = smpsim.sweep(points(), workers=2, cache=tmp_path)
    for a, b, c in zip(first, again, local):
        assert same(a, b) and same(a, c)
    # A changed point is a new run id: it is not served from the cache.
    changed = points()
    changed[0].seed = 99
    assert smpsim.sweeps.run_id(changed[0]) != smpsim.sweeps.run_id(points()[0])


def test_an_invalid_point_fails_alone(tmp_path):
    cfgs = points()[:3]
    cfgs[1].l2.ways = 0
    res = smpsim.sweep(cfgs, workers=2, cache=tmp_path)
    assert isinstance(res[0], smpsim.Result) and isinstance(res[2], smpsim.Result)
    bad = res[1]
    assert isinstance(bad, smpsim.PointFailure) and not bad.ok
    assert isinstance(bad.error, ValueError)
    assert bad.message.startswith("ValueError: l2.ways: must be in [1, ")
    assert bad.config.l2.ways == 0  # reported with its config
    assert len(os.listdir(tmp_path)) == 2  # the others ran and were cached


def test_a_point_whose_simulation_fails_is_reported(tmp_path):
    cfg = points()[0]
    res = smpsim.sweep([cfg, cfg], workers=2, timeout=60, cache=False, until="1us")
    assert all(isinstance(r, smpsim.Result) for r in res)
    tr = tmp_path / "bad.txt"
    tr.write_text(" L 1000,8\n X 1,2\n")
    broken = smpsim.presets.quad()
    broken.add_task("t", wl.Trace(str(tr), format="lackey"))
    (r,) = smpsim.sweep([broken], cache=False)
    assert isinstance(r, smpsim.PointFailure) and "bad.txt:2: unknown record kind 'X'" in r.message


def test_replicas_run_consecutive_seeds_and_summarize(tmp_path):
    cfg = smpsim.presets.quad()
    cfg.seed = 10
    for i in range(6):  # more tasks than CPUs, unpinned: placement and balancing depend on timing
        cfg.add_task("t%d" % i, wl.WorkingSet(size="96KiB", pattern="random", passes=3,
                                              base=0x10000000 * (i + 1)))
    (r,) = smpsim.sweep([cfg], replicas=4, workers=2, cache=tmp_path)
    assert [x.config.seed for x in r.replicas] == [10, 11, 12, 13]
    s = r.summary()
    vals = [float(x.sim_cycles) for x in r.replicas]
    mean, half = s["sim_cycles"]
    assert mean == pytest.approx(statistics.fmean(vals))
    # t(0.975, 3 degrees of freedom) = 3.182
    assert half == pytest.approx(3.182 * statistics.stdev(vals) / 2.0)
    assert "tasks.t0.cycles" in s and "system.cpu0.l1d.misses" in s
    with pytest.raises(ValueError, match="replicas must be a positive int"):
        smpsim.sweep([cfg], replicas=0)


def _children_with(marker):
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def test_a_run_killed_by_its_timeout_leaves_no_child(monkeypatch):
    marker = "smpsim-timeout-marker-%d" % os.getpid()
    monkeypatch.setattr(runner, "_child_command", lambda *a: [
        sys.executable, "-c", "import time; time.sleep(120)", marker])
    with pytest.raises(smpsim.SimulationError, match="did not finish within"):
        smpsim.run(points()[0], timeout=0.5)
    assert _children_with(marker) == []
    # In a sweep, the point fails alone and its child is gone too.
    (r,) = smpsim.sweep([points()[0]], timeout=0.5, cache=False)
    assert isinstance(r, smpsim.PointFailure) and "did not finish within" in r.message
    assert _children_with(marker) == []


def test_cli_sweep_cross_product_and_a_failing_point(tmp_path):
    import csv
    import subprocess
    cfg = tmp_path / "cfg.json"
    cfg.write_text('{"preset": "quad", "tasks": [{"name": "a", "cpus": [0], "workload": '
                   '{"kind": "working_set", "size": 65536, "passes": 3}}]}')
    out = subprocess.run([sys.executable, "-m", "smpsim", "sweep", str(cfg), "--vary",
                          "core.mlp=1,4", "--vary", "l2.ways=8,0", "--no-cache", "--out",
                          str(tmp_path / "o")], capture_output=True, text=True, timeout=300)
    assert out.returncode == 1, out.stderr  # one point failed
    rows = list(csv.DictReader(open(tmp_path / "o" / "sweep.csv")))
    assert [(r["core.mlp"], r["l2.ways"], r["ok"]) for r in rows] == [
        ("1", "8", "True"), ("1", "0", "False"), ("4", "8", "True"), ("4", "0", "False")]
    assert rows[1]["error"].startswith("ValueError: l2.ways: must be in [1, ")
    assert float(rows[2]["sim_cycles"]) < float(rows[0]["sim_cycles"])  # mlp 4 overlaps misses
    assert "2 of 4 points done, 2 failed" in out.stdout


def test_order_of_the_points_does_not_change_their_results(local):
    backwards = smpsim.sweep(list(reversed(points())), workers=3, cache=False)
    for a, b in zip(local, reversed(backwards)):
        assert same(a, b)
