"""End to end through the Python API: one small bare-metal simulation in a child process."""

import json
import os
import tempfile

import smpsim


def _cfg():
    cfg = smpsim.presets.quad()
    cfg.kernel.enabled = False  # bare metal: the counts below are exact without kernel activity
    cfg.add_task("a", smpsim.workloads.WorkingSet(size="64KiB"), cpus=[0])
    return cfg


def test_quad_working_set_end_to_end(tmp_path):
    out = tmp_path / "run1"
    res = smpsim.run(_cfg(), out=str(out), timeout=300)

    # 64 KiB swept once with 8-byte loads: 8192 accesses over 1024 distinct 64-byte lines, each
    # a cold miss in the 32 KiB L1D of CPU 0; the other CPUs touch no data. Its 16 pages miss
    # the TLB once each; their walks read 5 more lines: 2 of PTEs (8 a line), a PDE, a PDPTE and
    # a PML4E.
    assert res.stats["system.cpu0.tlb.misses"] == 16
    assert res.stats["system.cpu0.l1d.misses"] == 1024 + 5
    assert res.stats["system.cpu1.l1d.misses"] == 0
    task = res.tasks["a"]
    assert task["exited"] and task["cpu"] == 0
    assert task["accesses"] == 8192
    assert task["cycles"] > 8192  # at least one cycle per access, plus the miss stalls
    assert res.sim_cycles >= task["end_cycle"] > 0
    assert res.ops >= 8192 and res.host_seconds > 0
    assert res.out == str(out) and res.config.tasks[0].name == "a"

    assert (out / "result.json").is_file() and (out / "config.json").is_file()
    written = smpsim.SystemConfig.from_json((out / "config.json").read_text())
    assert written == _cfg()
    assert json.loads((out / "result.json").read_text())["sim_cycles"] == res.sim_cycles


def test_temporary_output_is_removed_and_runs_are_deterministic(tmp_path, monkeypatch):
    temp_root = tmp_path / "tmp"
    temp_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_root))
    first = smpsim.run(_cfg(), out=str(tmp_path / "a"), timeout=300)
    second = smpsim.run(_cfg(), timeout=300)
    assert second.out is None
    assert second.stats == first.stats
    assert second.sim_cycles == first.sim_cycles
    assert os.listdir(temp_root) == []
