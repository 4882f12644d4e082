"""Simulation-speed benchmark (``python3 -m smpsim bench``). Not a test.

Fixed scenarios, each run ``runs`` times (default 5), medians reported:

  a_stream_l1d_1core        1 core streaming a 16 KiB working set (within L1D), bare metal
  b_random_16MiB_4cores     4 cores, random 64-byte accesses over one shared 16 MiB region
                            (miss- and coherence-heavy), bare metal
  c_quad_8tasks_kernel      quad, 8 tasks under Linux 2.6.10: periodic balancing, and a
                            forced migration every 0.5 ms
  d_manycore64_128tasks     manycore_64 with 128 tasks under the guest kernel
  e_256cores_private        256 cores (4 sockets x 64), a private working set per core, bare
                            metal

Figures per scenario: simulated memory operations per host second (``ops_per_s``), simulated
cycles per host second, host seconds per simulated millisecond, and the simulating process's
peak memory. For a and b, the raw-loop baseline (``_smpsim.raw_loop``: the same access streams
through the same tag arrays and MESI function, no SystemC, no TLM, no timing; same binary,
same flags) runs alternately with the simulation in the same benchmark, and
``framework_overhead`` = raw ops/s / smpsim ops/s. Those two scenarios run without the TLB so
that both sides do the same work (``streams_match`` checks the L1D misses agree within 1 %).

``quantum`` (also a scenario name): quad with four tasks, one of them moved by an affinity change
0.2 ms in, at the default quantum and at a quantum of one cycle. Reported: the speed-up of the
default, and the change of the move's cost (its path plus its migration stall, in simulated
cycles), which the default quantum must keep within 2 %.
"""

import statistics

from . import _smpsim, presets
from .actions import SetAffinity
from . import workloads as wl
from .runner import run

__all__ = ["SCENARIOS", "run_benchmark", "format_table", "build_info"]


def build_info():
    """How the module was compiled: {compiler, build_type, profile_guided}. Figures of a
    profile-guided build and of a plain one are not comparable (docs/performance.md)."""
    return _smpsim.build_info()


def a_stream_l1d_1core():
    cfg = presets.quad()
    cfg.kernel.enabled = False
    cfg.tlb.enabled = False
    cfg.add_task("s", wl.WorkingSet(size="16KiB", passes=2000), cpus=[0])  # 4.1 M accesses
    return cfg


def b_random_16mib_4cores():
    cfg = presets.quad()
    cfg.kernel.enabled = False
    cfg.tlb.enabled = False
    for cpu in range(4):
        w = wl.WorkingSet(size="16MiB", pattern="random", write_ratio=0.3, access_size=64,
                          passes=1)
        cfg.add_task("t%d" % cpu, w, cpus=[cpu], threads_of="t0" if cpu else None)
    return cfg


def c_quad_8tasks_kernel():
    cfg = presets.quad()
    for i in range(8):
        cfg.add_task("t%d" % i, wl.WorkingSet(size="128KiB", pattern="random", passes=40,
                                              write_ratio=0.2), cpus=[0, 1, 2, 3])
    for k in range(10):  # a forced migration every 0.5 ms
        cfg.at("%gms" % (0.5 * (k + 1)),
               SetAffinity("t%d" % (k % 8), cpus=[(k + 1) % 4]))
    return cfg


def d_manycore64_128tasks():
    cfg = presets.manycore_64()
    for i in range(128):  # apart in the LLC too, as in many_cores()
        cfg.add_task("t%d" % i, wl.WorkingSet(size="64KiB", pattern="random", passes=16,
                                              base=(0x10000000 + 0x10000) * (i + 1)))
    return cfg


def e_256cores_private():
    return many_cores(256)


def many_cores(n):
    """n cores (sockets of 64) on bare metal, each sweeping its own 64 KiB randomly twice. The
    working sets are 256 MiB + 64 KiB apart, so that they fall on different sets of the shared
    LLC too (256 MiB apart, every one would map to the same 1024 sets of the 16-way LLC, and 64
    of them would thrash it)."""
    cfg = presets.manycore_64()
    cfg.kernel.enabled = False
    cfg.topology.sockets = max(1, n // 64)
    cfg.topology.cores_per_socket = min(n, 64)
    for i in range(n):
        cfg.add_task("t%d" % i, wl.WorkingSet(size="64KiB", pattern="random", passes=2,
                                              base=(0x10000000 + 0x10000) * (i + 1)), cpus=[i])
    return cfg


def quantum_point(quantum):
    """quad, four tasks on their own CPUs (random 128 KiB, 20 % stores); t0 moved to CPU 1."""
    cfg = presets.quad()
    cfg.quantum_cycles = quantum
    for cpu in range(4):
        cfg.add_task("t%d" % cpu, wl.WorkingSet(size="128KiB", pattern="random", passes=24,
                                                write_ratio=0.2), cpus=[cpu])
    cfg.at("0.2ms", SetAffinity("t0", cpus=[1]))
    return cfg


def quantum_sweep(runs=5):
    """The default quantum against a quantum of one cycle: host speed-up (median of `runs`
    each) and the forced move's cost at both, in simulated cycles."""
    default = presets.quad().quantum_cycles
    rows = {}
    for q in (default, 1):
        results = [run(quantum_point(q), progress=False) for _ in range(runs)]
        r = results[0]
        move = next(m for m in r.migrations if m["reason"] == "affinity")
        rows[q] = {"host_s": statistics.median(x.host_seconds for x in results),
                   "path_cycles": move["path_cycles"],
                   "stall_cycles": move["migration_stall_cycles"],
                   "cost_cycles": move["path_cycles"] + move["migration_stall_cycles"]}
    d, one = rows[default], rows[1]
    return {"default_quantum": default, "speedup": one["host_s"] / d["host_s"],
            "cost_default": d["cost_cycles"], "cost_quantum_1": one["cost_cycles"],
            "path_default": d["path_cycles"], "path_quantum_1": one["path_cycles"],
            "cost_change": abs(d["cost_cycles"] - one["cost_cycles"]) / one["cost_cycles"],
            "runs": runs}


SCENARIOS = {
    "a_stream_l1d_1core": (a_stream_l1d_1core, True),
    "b_random_16MiB_4cores": (b_random_16mib_4cores, True),
    "c_quad_8tasks_kernel": (c_quad_8tasks_kernel, False),
    "d_manycore64_128tasks": (d_manycore64_128tasks, False),
    "e_256cores_private": (e_256cores_private, False),
}


def _measure(cfg):
    res = run(cfg, progress=False)
    accesses = sum(t["accesses"] for t in res.tasks.values())
    l1 = sum(v for k, v in res.stats.items() if k.endswith(".l1d.misses"))
    ms = res.sim_cycles / (cfg.freq_ghz * 1e6)
    return {"ops_per_s": accesses / res.host_seconds,
            "cycles_per_s": res.sim_cycles / res.host_seconds,
            "host_s_per_sim_ms": res.host_seconds / ms if ms else 0.0,
            "peak_rss_mb": res.peak_rss_mb, "accesses": accesses, "l1_misses": l1}


def run_benchmark(names=None, runs=5):
    """{scenario: {ops_per_s, cycles_per_s, host_s_per_sim_ms, peak_rss_mb, accesses,
    raw_ops_per_s, framework_overhead, streams_match}} (medians of `runs` runs)."""
    out = {}
    for name in names or list(SCENARIOS) + ["quantum"]:
        if name == "quantum":
            out[name] = quantum_sweep(runs)
            continue
        make, with_raw = SCENARIOS[name]
        sims, raws = [], []
        for _ in range(runs):
            sims.append(_measure(make()))
            if with_raw:
                raw = _smpsim.raw_loop(make())
                raws.append(raw)
        med = lambda key, rows: statistics.median(r[key] for r in rows)
        row = {k: med(k, sims) for k in ("ops_per_s", "cycles_per_s", "host_s_per_sim_ms",
                                         "peak_rss_mb")}
        row["accesses"] = sims[0]["accesses"]
        row["runs"] = runs
        if raws:
            raw_ops = statistics.median(r["accesses"] / r["seconds"] for r in raws)
            row["raw_ops_per_s"] = raw_ops
            row["framework_overhead"] = raw_ops / row["ops_per_s"]
            row["streams_match"] = abs(raws[0]["l1_misses"] - sims[0]["l1_misses"]) <= max(
                2, 0.01 * sims[0]["l1_misses"])
        else:
            row["raw_ops_per_s"] = row["framework_overhead"] = row["streams_match"] = None
        out[name] = row
    return out


def format_table(results):
    b = build_info()
    lines = ["build: %s, %s, compiler %s" % (
        b["build_type"], "profile-guided" if b["profile_guided"] else "not profile-guided",
        b["compiler"])]
    if set(results) - {"quantum"}:
        lines.append("%-24s %12s %14s %12s %10s %12s %9s" % (
            "scenario", "mem ops/s", "sim cycles/s", "host s/ms", "peak MiB", "raw ops/s",
            "overhead"))
    for name, r in results.items():
        if name == "quantum":
            continue
        raw = "%12.3g" % r["raw_ops_per_s"] if r["raw_ops_per_s"] else "%12s" % "-"
        ovh = "%9.2f" % r["framework_overhead"] if r["framework_overhead"] else "%9s" % "-"
        lines.append("%-24s %12.3g %14.3g %12.4f %10.0f %s %s" % (
            name, r["ops_per_s"], r["cycles_per_s"], r["host_s_per_sim_ms"], r["peak_rss_mb"],
            raw, ovh))
    q = results.get("quantum")
    if q:
        lines.append("quantum %d against 1 cycle: %.2fx faster; the forced move costs %d against "
                     "%d cycles (%.2f %%), its path %d against %d" % (
                         q["default_quantum"], q["speedup"], q["cost_default"],
                         q["cost_quantum_1"], 100 * q["cost_change"], q["path_default"],
                         q["path_quantum_1"]))
    return "\n".join(lines)
