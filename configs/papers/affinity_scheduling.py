#!/usr/bin/env python3
"""Cache-affinity scheduling of a multiprogrammed mix, with and without affinity (after
Torrellas, Tucker & Gupta, "Evaluating the Performance of Cache-Affinity Scheduling in
Shared-Memory Multiprocessors", JPDC 24(2), 1995).

The machine is a 4-CPU bus SMP shaped like the paper's SGI 4D/340: private 64 KiB L1s and a
private 256 KiB L2 per CPU, no shared cache (an L2 miss goes over the bus to memory or to a
peer's cache). More tasks than CPUs (8 on 4 by default) alternate compute bursts over their own
working set (random, a quarter of the accesses stores) with short sleeps, like the paper's
software-development and database mix; bursts and sleeps differ from task to task, so the
runqueues keep going out of balance and the kernel keeps moving tasks.

The kernel is linux-2.6.24 (CFS) at HZ=1000. The only difference between the two runs of a
point is ``sysctl_sched_migration_cost`` (``cfg.kernel.policy.migration_cost_ns``), the single
input of 2.6.24's cache-hot test: WITH affinity it is 5 ms (a common tuning of that sysctl; the
500 us default protects nothing in this mix, see the document), WITHOUT it is 0, for which the
kernel's task_hot() returns "never hot", so the balancer may move any queued task.

The sweep is the paper's trend: the footprint of each task against the private L2 (several
seeds per point). Per point the script reports, with and without affinity, the misses of the
private caches (L1d and L2), the CPU time the mix consumed (busy cycles of all CPUs), the
makespan, the migrations and the share of them the kernel judged hot, and the % saved.

    python3 configs/papers/affinity_scheduling.py [--footprints 32KiB,64KiB,...] [--tasks 8]
        [--rounds 10] [--hot-ns 5000000] [--replicas 3] [--workers N] [--scheduler URL]
        [--no-cache] [--out out/papers/affinity_scheduling]

It writes affinity_scheduling.csv (one row per footprint) and affinity_scheduling.png.
"""
import argparse
import os
import statistics
import sys

import smpsim

ERA = "linux-2.6.24"
HZ = 1000
CPUS = 4
DEFAULT_FOOTPRINTS = "32KiB,64KiB,96KiB,128KiB,192KiB,256KiB,384KiB"
# Per task (cycled when there are more than 8): compute burst (ms of pure work) and sleep (ms).
BURST_MS = [1.0, 2.0, 0.5, 1.5, 3.0, 0.75, 2.5, 1.25]
SLEEP_MS = [1, 2, 1, 3, 1, 2, 1, 2]
COMPUTE_PER_ACCESS = 8  # cycles of compute after each access
WRITE_RATIO = 0.25
MODES = ("with", "without")


def machine():
    """4 CPUs on one bus, private 64 KiB L1i/L1d and 256 KiB L2 each, no shared LLC."""
    cfg = smpsim.presets.quad()
    cfg.l1i.size = 64 * 1024
    cfg.l1d.size = 64 * 1024
    cfg.l2.size = 256 * 1024
    cfg.llc.enabled = False
    return cfg


def point(footprint, mode, tasks=8, rounds=10, hot_ns=5_000_000, seed=1):
    """The configuration of one run: ``tasks`` tasks of ``footprint`` bytes each, ``rounds``
    burst/sleep rounds, affinity ``mode`` "with" (migration cost ``hot_ns``) or "without" (0)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if not isinstance(footprint, int) or footprint < 4096 or footprint % 64:
        raise ValueError(f"footprint must be a whole number of 64-byte lines, at least 4 KiB, "
                         f"got {footprint!r}")
    if tasks <= CPUS:
        raise ValueError(f"tasks must be more than the {CPUS} CPUs, got {tasks}")
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, got {rounds}")
    if hot_ns <= 0:
        raise ValueError(f"hot-ns (the migration cost WITH affinity) must be > 0 ns, got {hot_ns}")
    cfg = machine()
    cfg.seed = seed
    cfg.kernel.era = ERA
    cfg.kernel.hz = HZ
    cfg.kernel.policy.migration_cost_ns = hot_ns if mode == "with" else 0
    wl = smpsim.workloads
    every_cpu = list(range(CPUS))
    per_access = COMPUTE_PER_ACCESS + cfg.l1d.latency
    for i in range(tasks):
        accesses = int(BURST_MS[i % len(BURST_MS)] * 1e6 * cfg.freq_ghz / per_access)
        passes = max(1, round(accesses / (footprint // 8)))
        burst = wl.WorkingSet(size=footprint, pattern="random", passes=passes,
                              write_ratio=WRITE_RATIO, compute_per_access=COMPUTE_PER_ACCESS,
                              base=0x10000000 * (i + 1))
        body = wl.Phases([burst, wl.Sleep("%dms" % SLEEP_MS[i % len(SLEEP_MS)])], repeat=rounds)
        # Start spread over the CPUs (as if forked and placed long ago), then free to move.
        cfg.add_task("t%d" % i, wl.Phases([wl.SetAffinity(every_cpu), body]), cpus=[i % CPUS])
    return cfg


def measure(res):
    """The numbers of one run: private-cache misses, busy CPU cycles, makespan, migrations."""
    st = res.stats
    l1d = sum(v for k, v in st.items() if k.endswith(".l1d.misses"))
    l2 = sum(v for k, v in st.items() if k.endswith(".l2.misses"))
    busy = sum(st[f"system.cpu{c}.cycles"] - st[f"system.cpu{c}.idle_cycles"]
               for c in range(CPUS))
    moves = [m for m in res.migrations if m["reason"] != "affinity"]
    return {"l1d_misses": l1d, "l2_misses": l2, "busy_cycles": busy,
            "makespan_cycles": max(t["end_cycle"] for t in res.tasks.values()),
            "stall_cycles": sum(t["stall_cycles"] for t in res.tasks.values()),
            "migrations": len(moves), "hot_migrations": sum(m["kernel_hot"] == 1 for m in moves),
            "wake_idle_migrations": sum(m["reason_detail"] == "wake_idle" for m in moves),
            "balance_migrations": sum(m["reason"] in ("newidle_balance", "periodic_balance",
                                                      "active_balance") for m in moves)}


def saved(with_, without):
    """% saved by affinity: (without - with) / without."""
    return 100.0 * (without - with_) / without if without else 0.0


def rows_from(results):
    """One row per footprint from {(footprint, mode): Result-with-replicas}."""
    rows = []
    for f in sorted({f for f, _ in results}):
        row = {"footprint": f, "footprint_over_l2": f / (256 * 1024),
               "replicas": len(results[(f, "with")].replicas)}
        per = {m: [measure(x) for x in results[(f, m)].replicas] for m in MODES}
        for key in ("l2_misses", "l1d_misses", "busy_cycles", "makespan_cycles", "stall_cycles",
                    "migrations", "hot_migrations", "wake_idle_migrations",
                    "balance_migrations"):
            for m in MODES:
                row[f"{key}_{m}"] = statistics.fmean(p[key] for p in per[m])
        for key in ("l2_misses", "l1d_misses", "busy_cycles", "makespan_cycles"):
            row[f"{key}_saved_pct"] = saved(row[f"{key}_with"], row[f"{key}_without"])
            each = [saved(a[key], b[key]) for a, b in zip(per["with"], per["without"])]
            row[f"{key}_saved_pct_min"] = min(each)
            row[f"{key}_saved_pct_max"] = max(each)
        rows.append(row)
    return rows


def fmt(v):
    return ("%.4f" % v).rstrip("0").rstrip(".") if isinstance(v, float) else str(v)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--footprints", default=DEFAULT_FOOTPRINTS,
                    help="comma-separated footprints per task (the swept dimension)")
    ap.add_argument("--tasks", type=int, default=8, help="tasks in the mix (more than 4)")
    ap.add_argument("--rounds", type=int, default=10, help="burst/sleep rounds per task")
    ap.add_argument("--hot-ns", type=int, default=5_000_000,
                    help="sysctl_sched_migration_cost WITH affinity, ns (WITHOUT: 0)")
    smpsim.sweeps.add_arguments(ap)
    ap.set_defaults(replicas=3)
    ap.add_argument("--out", default="out/papers/affinity_scheduling")
    args = ap.parse_args(argv)
    try:
        footprints = [smpsim.units.parse_size(s) for s in args.footprints.split(",")]
    except ValueError as e:
        ap.error(f"--footprints: {e}")
    if len(set(footprints)) != len(footprints):
        ap.error("--footprints: each footprint once")
    if args.replicas < 1:
        ap.error("--replicas must be at least 1")
    keys = [(f, m) for f in footprints for m in MODES]
    try:
        cfgs = [point(f, m, args.tasks, args.rounds, args.hot_ns, args.seed) for f, m in keys]
    except ValueError as e:
        ap.error(str(e))
    results = dict(smpsim.sweeps.from_arguments(cfgs, args, keys))
    complete = {f for f in footprints if all((f, m) in results for m in MODES)}
    rows = rows_from({k: v for k, v in results.items() if k[0] in complete})
    os.makedirs(args.out, exist_ok=True)
    smpsim.analysis.write_csv(os.path.join(args.out, "affinity_scheduling.csv"),
                              [{k: fmt(v) for k, v in r.items()} for r in rows])
    print("%9s %5s | %10s %10s %6s | %11s %11s %6s | %9s %7s | %5s %5s %4s" % (
        "footprint", "F/L2", "L2 miss w", "L2 miss wo", "saved", "busy w", "busy wo", "saved",
        "makespan", "saved", "mig w", "mig wo", "hot"))
    for r in rows:
        print("%9s %5.2f | %10.0f %10.0f %5.1f%% | %11.0f %11.0f %5.1f%% | %9.0f %6.1f%% | "
              "%5.1f %5.1f %4.1f" % (
                  smpsim.units.format_size(r["footprint"]), r["footprint_over_l2"],
                  r["l2_misses_with"], r["l2_misses_without"], r["l2_misses_saved_pct"],
                  r["busy_cycles_with"], r["busy_cycles_without"], r["busy_cycles_saved_pct"],
                  r["makespan_cycles_without"], r["makespan_cycles_saved_pct"],
                  r["migrations_with"], r["migrations_without"], r["hot_migrations_with"]))
    plot(rows, os.path.join(args.out, "affinity_scheduling.png"), args)
    return 1 if args.failed or len(rows) != len(footprints) else 0


def plot(rows, path, args):
    plt = smpsim.analysis.pyplot(announce=True)
    if plt is None:
        return
    if not rows:
        return
    x = [r["footprint"] / 1024 for r in rows]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label, marker in (("l2_misses", "L2 misses", "o"), ("l1d_misses", "L1d misses", "s"),
                               ("busy_cycles", "CPU time (busy cycles)", "^"),
                               ("makespan_cycles", "makespan", "v")):
        y = [r[f"{key}_saved_pct"] for r in rows]
        lo = [r[f"{key}_saved_pct"] - r[f"{key}_saved_pct_min"] for r in rows]
        hi = [r[f"{key}_saved_pct_max"] - r[f"{key}_saved_pct"] for r in rows]
        ax1.errorbar(x, y, yerr=[lo, hi], marker=marker, capsize=3, label=label)
    ax1.axhspan(7, 36, color="tab:green", alpha=0.12, label="paper: misses -7..36 %")
    ax1.axhline(0, color="black", linewidth=0.8)
    ax1.axvline(256, color="gray", linestyle=":", linewidth=1)
    ax1.set_xscale("log", base=2)
    ax1.set_xlabel("footprint per task (KiB); dotted: private L2")
    ax1.set_ylabel("saved by affinity (%)")
    ax1.set_title("Saved by affinity (mean; bars: min-max over seeds)")
    ax1.legend(fontsize=8)
    ax1.grid(True, alpha=0.3)
    for m, style in (("with", "-"), ("without", "--")):
        ax2.plot(x, [r[f"migrations_{m}"] for r in rows], style, marker="o",
                 label=f"migrations {m} affinity")
    ax2.set_xscale("log", base=2)
    ax2.set_xlabel("footprint per task (KiB)")
    ax2.set_ylabel("migrations per run")
    ax2.set_title("Migrations")
    ax2.legend(fontsize=8)
    ax2.grid(True, alpha=0.3)
    fig.suptitle(f"Cache-affinity scheduling: {args.tasks} tasks on 4 CPUs, {ERA} HZ={HZ}, "
                 f"migration cost {args.hot_ns / 1e6:g} ms vs 0", fontsize=10)
    smpsim.analysis.save_figure(plt, fig, path, dpi=110)
    print(f"plot: {path}")


if __name__ == "__main__":
    sys.exit(main())
