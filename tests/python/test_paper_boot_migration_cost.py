"""Linux 2.6.16's boot-time migration-cost calibration re-enacted (configs/papers/
boot_migration_cost.py, docs/papers/boot_migration_cost.md): the ordering shared L2 < private
L2 < cross-socket, the published boot values within 2x, the peak between 1.0x and 1.5x the
L2, and agreement with the closed form 2 (2/3 S*/L)(t_remote - t_hit) measured by a user task.
The kernel's own control flow against a toy machine is tested in tests/unit."""

import csv

import pytest

import smpsim
from smpsim import workloads as wl

from script_common import script_ok


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    out = tmp_path_factory.mktemp("boot_migration_cost")
    stdout = script_ok("papers/boot_migration_cost.py", "--presets",
                       "core2_duo,athlon_x2,opteron_2x2", "--no-cache", "--workers", "2",
                       "--out", str(out), timeout=1200)
    rows = {(r["preset"], r["mode"], int(r["distance"])): r
            for r in csv.DictReader(open(out / "summary.csv"))}
    assert (out / "boot_migration_cost.png").exists()
    return rows, stdout


def cost(rows, preset, mode, d=0):
    return int(rows[(preset, mode, d)]["migration_cost_us"])


@pytest.mark.parametrize("mode", ["blocking", "ooo"])
def test_shared_l2_below_private_l2_below_cross_socket(summary, mode):
    rows, _ = summary
    assert cost(rows, "core2_duo", mode) < cost(rows, "athlon_x2", mode)
    assert cost(rows, "athlon_x2", mode) < cost(rows, "opteron_2x2", mode, 1)
    assert cost(rows, "opteron_2x2", mode, 0) < cost(rows, "opteron_2x2", mode, 1)
    # reference §2.7 T2b: a pair sharing its last private level costs <= 15 % of a private one
    assert cost(rows, "core2_duo", mode) <= 0.15 * cost(rows, "athlon_x2", mode)


@pytest.mark.parametrize("preset,low,high", [("core2_duo", 19, 19), ("athlon_x2", 177, 229),
                                              ("opteron_2x2", 400, 400)])
def test_published_boot_values_within_2x(summary, preset, low, high):
    """Each preset as it is (an out-of-order core, as the published machines had) prints its
    machine's boot value to within 2x; the blocking core overstates the private-L2 ones. The
    presets' two misses in flight and core2_duo's transfer latency are fitted to these values
    (docs/calibration.md): for them this guards the fit; the shape and ordering tests check."""
    rows, _ = summary
    own = [m for m in ("blocking", "ooo") if rows[(preset, m, 0)]["preset_core"] == "1"]
    assert own == ["ooo"]
    assert low / 2 <= cost(rows, preset, "ooo") <= high * 2
    if preset != "core2_duo":
        assert cost(rows, preset, "blocking") > high * 2


@pytest.mark.parametrize("preset", ["athlon_x2", "opteron_2x2"])
@pytest.mark.parametrize("mode", ["blocking", "ooo"])
def test_peak_between_one_and_one_and_a_half_l2(summary, preset, mode):
    rows, _ = summary
    for d in (0, 1) if preset == "opteron_2x2" else (0,):
        assert 1.0 <= float(rows[(preset, mode, d)]["peak_size_l2"]) <= 1.5


@pytest.mark.parametrize("preset", ["athlon_x2", "opteron_2x2"])
def test_agrees_with_the_closed_form(summary, preset):
    """2 x max_cost against 2 x the move's cost measured by a user task at the peak size:
    2 (2/3 S*/L)(t_remote - t_hit) with the machine's own transfer and hit times."""
    rows, _ = summary
    r = rows[(preset, "ooo", 0)]  # the preset's own core
    closed_us = float(r["closed_form_ns"]) / 1000
    assert abs(int(r["migration_cost_us"]) - closed_us) <= 0.05 * closed_us


def test_boot_line_prints_each_level_in_microseconds(summary):
    rows, out = summary
    r = rows[("opteron_2x2", "ooo", 0)]
    assert r["boot_line"] == "migration_cost=%d,%d" % (cost(rows, "opteron_2x2", "ooo", 0),
                                                        cost(rows, "opteron_2x2", "ooo", 1))
    assert "migration_cost=" in out


def test_tasks_start_after_the_calibration_and_stats_count_from_its_end():
    cfg = smpsim.presets.get("athlon_x2")
    cfg.kernel.calibration.enabled = True
    cfg.add_task("a", wl.WorkingSet("16KiB", passes=2), cpus=[1])
    res = smpsim.run(cfg)
    end = res.calibration["end_cycle"]
    # the baseline moves at the end, to within the cores' run-ahead of one quantum
    assert end > 0 and abs(res.stats_since - end) <= cfg.quantum_cycles
    assert res.tasks["a"]["start_cycle"] >= end
    assert res.tasks["init"]["end_cycle"] <= res.tasks["a"]["start_cycle"]
    # the stats leave the calibration out (it missed on CPU 1 some 10^5 times): the task's 256
    # lines and the kernel's own few
    assert 256 <= res.stats["system.cpu1.l1d.misses"] < 1000
    assert any("migration_cost=" in line for line in res.kernel_log)


def test_invalid_calibration_fields_are_named():
    cfg = smpsim.presets.get("athlon_x2")
    cfg.kernel.calibration.enabled = True
    cfg.kernel.calibration.clock = "hpet"
    with pytest.raises(ValueError, match="kernel.calibration.clock"):
        cfg.validate()
    cfg.kernel.calibration.clock = "tsc"
    cfg.add_task("a", wl.WorkingSet("4KiB"))
    cfg.at("1ms", smpsim.actions.SetAffinity("a", cpus=[1]))
    with pytest.raises(ValueError, match="boot calibration"):
        cfg.validate()


@pytest.mark.parametrize("hz,printed", [(250, 4000), (1000, 1000)])
def test_a_jiffy_clock_prints_the_published_artifact(hz, printed):
    """reference §2.3/§2.7 T2d: with an unstable TSC sched_clock() counts jiffies, so costs are
    whole ticks, and the published 4000 (HZ=250) and 1000 (HZ=1000) lines come out."""
    cfg = smpsim.presets.get("athlon_x2")
    cfg.kernel.hz = hz
    cfg.kernel.calibration.enabled = True
    cfg.kernel.calibration.clock = "jiffies"
    res = smpsim.run(cfg)
    tick_us = 1_000_000 // hz
    assert res.calibration["migration_cost_us"] == [printed]
    assert res.calibration["levels"][0]["max_cost_ns"] % (tick_us * 1000 // 2) == 0
    assert "migration_cost=%d" % printed in res.kernel_log[-1]
