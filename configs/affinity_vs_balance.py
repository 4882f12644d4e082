#!/usr/bin/env python3
"""Pinned versus free tasks: the same multiprogrammed mix with every task pinned to a CPU, and
with every task free for the guest kernel's load balancer to move.

The mix has more tasks than CPUs, with working sets from a fraction of the L2 to several times
it. Pinned: task i runs on CPU i mod N (a static spread). Free: the kernel places and balances
them (fork-time placement, periodic and idle balancing), migrating as its era does. For each era,
the script reports the makespan (cycles until the last task exits), the migrations by reason,
the L2 misses and the cold-miss stall the migrations caused. All runs are one smpsim.sweep.

    python3 configs/affinity_vs_balance.py [--preset quad] [--tasks 6]
        [--eras linux-2.6.10,linux-4.7] [--replicas N] [--workers N] [--scheduler URL] [--out DIR]
"""
import argparse
import os
import sys

import smpsim

SIZES = ["32KiB", "96KiB", "192KiB", "384KiB", "768KiB", "64KiB", "160KiB", "512KiB"]
ACCESSES = 1 << 18


def mix(preset, tasks, era, pinned, seed):
    cfg = smpsim.presets.get(preset)
    cfg.kernel.era = era
    cfg.seed = seed
    n = cfg.cores
    for i in range(tasks):
        size = smpsim.units.parse_size(SIZES[i % len(SIZES)])
        ws = smpsim.workloads.WorkingSet(size=size, pattern="random",
                                         passes=max(2, ACCESSES // (size // 8)),
                                         base=0x10000000 * (i + 1))
        cfg.add_task("t%d" % i, ws, cpus=[i % n] if pinned else None)
    return cfg


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="quad")
    ap.add_argument("--tasks", type=int, default=6)
    ap.add_argument("--eras", default="linux-2.6.10,linux-4.7")
    smpsim.sweeps.add_arguments(ap)
    ap.add_argument("--out", default="out/affinity_vs_balance")
    args = ap.parse_args(argv)

    keys = [(era, mode) for era in args.eras.split(",") for mode in ("pinned", "free")]
    cfgs = [mix(args.preset, args.tasks, era, mode == "pinned", args.seed) for era, mode in keys]
    rows = []
    for (era, mode), r in smpsim.sweeps.from_arguments(cfgs, args, keys):
        s = r.summary()
        l2 = sum(v[0] for k, v in s.items() if k.endswith(".l2.misses"))
        stall = [sum(m.get("cold_stall_cycles") or 0 for m in x.migrations) for x in r.replicas]
        by_reason = {}
        for m in r.migrations:
            by_reason[m["reason"]] = by_reason.get(m["reason"], 0) + 1
        makespan = [max(t["end_cycle"] for t in x.tasks.values()) for x in r.replicas]
        rows.append({"era": era, "mode": mode, "makespan_cycles": sum(makespan) / len(makespan),
                     "migrations": len(r.migrations),
                     "by_reason": " ".join(f"{k}={v}" for k, v in sorted(by_reason.items())),
                     "l2_misses": l2, "migration_cold_stall_cycles": sum(stall) / len(stall)})
    os.makedirs(args.out, exist_ok=True)
    smpsim.analysis.write_csv(os.path.join(args.out, "affinity_vs_balance.csv"), rows)
    print("%-14s %-7s %14s %11s %12s %14s  %s" % ("era", "mode", "makespan", "migrations",
                                                 "l2_misses", "cold_stall", "by reason"))
    for r in rows:
        print("%-14s %-7s %14.0f %11d %12.0f %14.0f  %s" % (
            r["era"], r["mode"], r["makespan_cycles"], r["migrations"], r["l2_misses"],
            r["migration_cold_stall_cycles"], r["by_reason"]))
    plot(rows, os.path.join(args.out, "affinity_vs_balance.png"))
    return 1 if args.failed else 0


def plot(rows, path):
    plt = smpsim.analysis.pyplot(announce=True)
    if plt is None:
        return
    eras = list(dict.fromkeys(r["era"] for r in rows))
    fig, ax = plt.subplots(figsize=(7, 4))
    width = 0.38
    for k, mode in enumerate(("pinned", "free")):
        vals = [next((r["makespan_cycles"] for r in rows if r["era"] == e and r["mode"] == mode), 0)
                for e in eras]
        ax.bar([i + (k - 0.5) * width for i in range(len(eras))], vals, width, label=mode)
    ax.set_xticks(range(len(eras)), eras)
    ax.set_ylabel("makespan (cycles)")
    ax.set_title("Pinned vs load-balanced tasks")
    ax.legend()
    smpsim.analysis.save_figure(plt, fig, path, dpi=120)
    print(f"plot: {path}")


if __name__ == "__main__":
    sys.exit(main())
