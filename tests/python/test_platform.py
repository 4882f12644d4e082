"""Analytical and invariant checks of the hardware platform, through the Python API.

The analytical checks run bare metal (cfg.kernel.enabled = False): without the guest kernel no
timer tick, context switch or kernel memory access adds to the counts; those of the caches'
counts and latencies also turn the TLB off (ideal()), so no page walk adds its reads. The random stress runs
each preset as it comes (with the guest kernel) and checks only invariants."""
import json
import os

import pytest

import smpsim
from smpsim import workloads as wl

KiB = 1024


def bare(cfg):
    """``cfg`` without the guest kernel: each task runs alone on its first CPU."""
    cfg.kernel.enabled = False
    return cfg


def quad():
    cfg = bare(smpsim.presets.quad())
    cfg.check = True
    return cfg


def ideal(cfg):
    """``cfg`` without the TLB: translation is free (test_tlb.py covers the walks)."""
    cfg.tlb.enabled = False
    return cfg


@pytest.mark.parametrize("size_kib,passes", [(16, 3), (32, 2), (128, 3), (512, 2)])
def test_streaming_l1d_misses_are_analytical(size_kib, passes):
    cfg = ideal(quad())
    cfg.add_task("s", wl.WorkingSet(size="%dKiB" % size_kib, passes=passes), cpus=[0])
    res = smpsim.run(cfg)
    line, l1 = cfg.l1d.line, cfg.l1d.size
    w = size_kib * KiB
    expected = w // line if w <= l1 else passes * w // line
    assert res.stats["system.cpu0.l1d.misses"] == expected
    # 8-byte accesses: every line is touched line/8 times per pass.
    assert res.stats["system.cpu0.l1d.accesses"] == passes * w // 8


def test_latencies_compose_exactly():
    """One pass of 64-byte accesses over 1 MiB on quad: L2 misses everything, the LLC holds it."""
    cfg = ideal(quad())
    cfg.add_task("s", wl.WorkingSet(size="1MiB", passes=3, access_size=64), cpus=[0])
    res = smpsim.run(cfg)
    lines = (1 << 20) // 64
    snoop = -(-int(cfg.bus.snoop_ns * cfg.freq_ghz * 1000) // 1000)  # ns -> cycles, rounded up
    mem = int(cfg.memory.latency_ns * cfg.freq_ghz)
    llc_hit = cfg.l1d.latency + cfg.l2.latency + snoop + cfg.llc.latency
    assert res.stats["system.llc0.misses"] == lines
    assert res.stats["system.llc0.hits"] == 2 * lines
    assert res.tasks["s"]["cycles"] == 2 * lines * llc_hit + lines * (llc_hit + mem)
    assert res.tasks["s"]["served"]["memory"] == lines
    assert res.tasks["s"]["served"]["llc"] == 2 * lines


def random_stress(cfg, size="256KiB", accesses_per_task=20000):
    for cpu in range(cfg.cores):
        w = wl.WorkingSet(size=size, pattern="random", write_ratio=0.3, passes=1)
        passes = max(1, accesses_per_task // (w.size // w.access_size))
        w.passes = passes
        cfg.add_task("t%d" % cpu, w, cpus=[cpu], threads_of="t0" if cpu else None)
    return cfg


def caches_of(stats):
    return sorted({k.rsplit(".", 1)[0] for k in stats if k.endswith(".accesses") and
                   (".l1" in k or ".l2" in k or ".llc" in k)})


@pytest.mark.parametrize("preset", smpsim.presets.names())
def test_random_stress_keeps_swmr_and_counts(preset):
    cfg = smpsim.presets.get(preset)
    cfg.check = True  # every transaction checks its line; the end checks every line
    if cfg.cores > 8:
        cfg.topology.cores_per_socket = 2  # 8 CPUs over the same sockets: quick but multi-socket
    res = smpsim.run(random_stress(cfg, accesses_per_task=5000))
    assert res.stats["system.check.lines_checked"] > 0
    names = caches_of(res.stats)
    assert names
    for c in names:
        s = res.stats
        assert s[c + ".hits"] + s[c + ".misses"] == s[c + ".accesses"], c
    # Shared data written by several cores: some lines must have moved cache to cache.
    c2c = sum(v for k, v in res.stats.items() if k.endswith("c2c_transfers") or
              k.endswith("remote_c2c"))
    assert c2c > 0


def test_quantum_does_not_change_results():
    def go(quantum):
        cfg = random_stress(quad(), size="128KiB", accesses_per_task=8000)
        cfg.quantum_cycles = quantum
        return smpsim.run(cfg)

    lock, dflt = go(1), go(smpsim.presets.quad().quantum_cycles)
    for c in caches_of(lock.stats):
        a, b = lock.stats[c + ".misses"], dflt.stats[c + ".misses"]
        assert abs(a - b) <= max(2, 0.02 * a), c
    for name, t in lock.tasks.items():
        assert abs(t["cycles"] - dflt.tasks[name]["cycles"]) <= 0.02 * t["cycles"], name


def test_same_seed_same_bytes(tmp_path):
    def go(d):
        cfg = random_stress(quad(), size="64KiB", accesses_per_task=3000)
        smpsim.run(cfg, out=str(tmp_path / d))
        return (tmp_path / d / "stats.json").read_bytes(), (tmp_path / d / "config.json").read_bytes()

    assert go("a") == go("b")


def test_seed_changes_random_streams():
    def go(seed):
        cfg = random_stress(quad(), size="64KiB", accesses_per_task=3000)
        cfg.seed = seed
        return smpsim.run(cfg).stats

    assert go(1) != go(2)


def test_address_spaces_are_isolated():
    """Two processes with the same virtual addresses never share lines; two threads do."""
    def go(shared):
        cfg = ideal(quad())  # (threads share their page-table lines too: test_tlb.py)
        cfg.add_task("a", wl.WorkingSet(size="64KiB", write_ratio=1.0), cpus=[0])
        cfg.add_task("b", wl.WorkingSet(size="64KiB"), cpus=[1], start_after="a",
                     threads_of="a" if shared else None)
        return smpsim.run(cfg)

    assert go(False).stats["system.bus0.c2c_transfers"] == 0
    assert go(True).stats["system.bus0.c2c_transfers"] == 64 * KiB // 64


def test_outputs_written(tmp_path):
    cfg = quad()
    cfg.add_task("a", wl.WorkingSet(size="8KiB"), cpus=[0])
    smpsim.run(cfg, out=str(tmp_path))
    for f in ("config.json", "stats.json", "stats.txt", "result.json"):
        assert (tmp_path / f).stat().st_size > 0
    again = smpsim.SystemConfig.from_json((tmp_path / "config.json").read_text())
    assert json.loads(again.to_json()) == json.loads(cfg.to_json())


def test_migration_cost_script_orders_distances(tmp_path):
    """The main job on opteron_2x2: every ordered pair is measured; a move to the other socket
    costs more than one inside the socket, and the parts add up."""
    import subprocess, sys
    out = subprocess.run([sys.executable, "configs/migration_cost.py", "--preset", "opteron_2x2",
                          "--working-set", "64KiB", "--out", str(tmp_path)], capture_output=True,
                         text=True, env=dict(os.environ), timeout=300)
    assert out.returncode == 0, out.stderr
    rows = list(__import__("csv").DictReader(open(tmp_path / "cost.csv")))
    cost = {(int(r["src"]), int(r["dst"])): r for r in rows}
    assert sorted(cost) == [(s, d) for s in range(4) for d in range(4) if s != d]
    for r in rows:
        assert int(r["total_cycles"]) == (int(r["path_cycles"]) + int(r["cold_stall_cycles"])
                                          + int(r["shift_stall_cycles"]))
        assert int(r["path_cycles"]) > 0 and int(r["cold_misses"]) > 0
        assert int(r["path_cycles"]) == sum(int(r["path_%s_cycles" % k])
                                            for k in ("budget", "memory", "ipi", "spin"))
    total = lambda s, d: int(cost[(s, d)]["total_cycles"])
    assert total(0, 1) < total(0, 2) and total(2, 3) < total(2, 0)
    assert (tmp_path / "0-2" / "migrations.csv").exists()
    assert "total cost, microseconds" in out.stdout
    for png in ("migration_cost.png", "miss_rate.png", "cost_matrix.png"):
        assert (tmp_path / png).read_bytes().startswith(b"\x89PNG")


def cluster_quad():
    cfg = quad()
    cfg.l2.shared_by = 2  # two clusters of two cores, each sharing a 512 KiB L2
    cfg.l2.size = "512KiB"
    return cfg


@pytest.mark.parametrize("dst,served,c2c", [(1, "l2", 0), (2, "peer_cache", 1024)])
def test_cluster_shared_l2_serves_its_cores(dst, served, c2c):
    """A 64 KiB set written on CPU 0 is read on CPU 1 (same cluster: from the shared L2, dirty
    L1 copies pulled down without the bus) or on CPU 2 (other cluster: cache to cache)."""
    cfg = ideal(cluster_quad())
    cfg.add_task("a", wl.WorkingSet(size="64KiB", write_ratio=1.0, access_size=64), cpus=[0])
    cfg.add_task("b", wl.WorkingSet(size="64KiB", access_size=64), cpus=[dst], threads_of="a",
                 start_after="a")
    res = smpsim.run(cfg)
    lines = 64 * KiB // 64
    assert res.tasks["b"]["served"][served] == lines
    assert res.stats["system.bus0.c2c_transfers"] == c2c
    assert "system.l2_0.accesses" in res.stats and "system.cpu0.l2.accesses" not in res.stats


def test_cluster_shared_l2_random_stress_keeps_swmr():
    res = smpsim.run(random_stress(cluster_quad(), size="64KiB", accesses_per_task=8000))
    assert res.stats["system.check.lines_checked"] > 0
    for c in caches_of(res.stats):
        assert res.stats[c + ".hits"] + res.stats[c + ".misses"] == res.stats[c + ".accesses"]
    assert res.stats["system.l2_0.invalidations"] > 0  # stores invalidated the sibling's L1
