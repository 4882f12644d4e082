"""Every name of the public interface (API.md) exists and does what it says, in one pass: the
config fields, workloads, actions, run and its Result, sweep and summary, the commands and the
migration record's fields."""

import subprocess
import sys

import pytest
import smpsim


def test_config_names():
    assert "quad" in smpsim.presets.names()
    cfg = smpsim.presets.get("athlon_x2")
    assert isinstance(cfg, smpsim.SystemConfig)
    cfg = smpsim.presets.quad()
    assert cfg.cores == 4
    cfg.cores = 8
    assert cfg.topology.cores_per_socket == 8 and cfg.cores == 8
    cfg = smpsim.presets.quad()
    t = cfg.topology
    assert (t.sockets, t.cores_per_socket, t.threads_per_core) == (1, 4, 1)
    assert cfg.freq_ghz == 2.0
    for level in (cfg.l1i, cfg.l1d, cfg.l2, cfg.llc):
        assert isinstance(level, smpsim.CacheConfig)
        for field in ("size", "ways", "line", "latency", "shared_by", "replacement", "inclusive"):
            getattr(level, field)
    cfg.l1d.size = "32KiB"
    assert cfg.l1d.size == 32 * 1024
    cfg.memory.latency_ns = 70.0
    assert cfg.memory.mapping in ("contiguous", "random")
    cfg.memory.mapping = "random"
    cfg.memory.numa = "interleave"
    cfg.memory.numa = "first_touch"
    cfg.irq.ipi_latency_ns = 400.0
    cfg.core.mlp = 4
    cfg.kernel.era = "linux-2.6.24"
    assert cfg.kernel.hz > 0 and isinstance(cfg.kernel.policy, smpsim.SchedPolicy)
    cfg.l2.enabled = False
    cfg.kernel.enabled = False
    cfg.quantum_cycles = 500
    cfg.seed = 3
    cfg.check = True
    cfg.l2.enabled = True
    cfg.kernel.enabled = True
    cfg.validate()
    with pytest.raises(AttributeError):
        cfg.l2.wayz = 8
    with pytest.raises(ValueError, match=r"^l2\.ways: "):
        cfg.l2.ways = 0
        cfg.validate()


def test_workloads_actions_run_result_and_sweep(tmp_path):
    ws = smpsim.workloads.WorkingSet(size="64KiB", pattern="random", passes=6, write_ratio=0.0)
    trace = tmp_path / "prog.lackey"
    trace.write_text("I  04000000,3\n L 04a3ca40,8\n")
    tr = smpsim.workloads.Trace(str(trace), format="lackey")
    cfg = smpsim.presets.quad()
    cfg.add_task("a", ws, cpus=[0], nice=0)
    cfg.add_task("t", tr, cpus=[3])
    cfg.add_task("b", smpsim.workloads.WorkingSet(size="8KiB", passes=4), cpus=[1], threads_of="a")
    cfg.at("0.1ms", smpsim.actions.SetAffinity("a", cpus=[2], by=None))
    cfg.at(1000, smpsim.actions.ResetStats())
    res = smpsim.run(cfg, out=tmp_path / "run1", until=None, counterfactual=False)
    assert isinstance(res, smpsim.Result)
    assert res.stats["system.cpu0.l1d.misses"] > 0
    assert isinstance(res.migrations, list) and isinstance(res.tasks, dict)
    assert res.tasks["a"]["cycles"] > 0 and res.tasks["t"]["exited"]
    assert res.sim_cycles > 0 and res.host_seconds > 0 and res.ops > 0
    (m,) = [m for m in res.migrations if m["task"] == "a"]
    for field in ("task", "src", "dst", "reason", "kernel_hot", "t_decision", "t_dequeue",
                  "t_enqueue", "t_first_run", "reason_detail", "mechanism", "ipis",
                  "rq_lock_wait_cycles", "path_cycles", "footprint_lines", "cold_misses",
                  "cold_stall_cycles", "cold_misses_by_level"):
        assert field in m, field
    assert m["mechanism"] in ("migration_thread", "stopper", "caller", "balancer", "wakeup")
    assert m["reason"] == "affinity"
    for name in ("system.cpu0.cycles", "system.cpu0.ops", "system.cpu0.idle_cycles",
                 "system.cpu0.irqs", "system.cpu0.ipis_received", "system.cpu0.l1d.hits",
                 "system.cpu0.l2.misses", "system.llc0.misses", "system.mem0.reads",
                 "system.mem0.writes", "system.bus0.transactions", "system.bus0.c2c_transfers",
                 "system.bus0.busy_cycles", "system.os.context_switches", "system.os.migrations",
                 "system.os.ipis_sent", "system.os.migrations.affinity"):
        assert name in res.stats, name
    small = smpsim.presets.quad()
    small.add_task("a", smpsim.workloads.WorkingSet(size="16KiB", passes=2), cpus=[0])
    results = smpsim.sweep([small, small], workers=None, scheduler=None, replicas=2,
                           cache=tmp_path / "cache")
    assert len(results) == 2 and all(isinstance(r, smpsim.Result) for r in results)
    mean, half = results[0].summary()["sim_cycles"]
    assert mean > 0 and half >= 0


def test_counterfactual_field():
    cfg = smpsim.presets.quad()
    cfg.add_task("a", smpsim.workloads.WorkingSet(size="64KiB", passes=8), cpus=[0])
    cfg.at("0.1ms", smpsim.actions.SetAffinity("a", cpus=[1]))
    res = smpsim.run(cfg, counterfactual=True, timeout=300)
    assert "counterfactual_cycles" in res.migrations[0]


@pytest.mark.parametrize("command", ["run", "sweep", "report", "presets", "trace"])
def test_commands_have_help(command):
    out = subprocess.run([sys.executable, "-m", "smpsim", command, "--help"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "usage:" in out.stdout
