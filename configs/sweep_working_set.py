#!/usr/bin/env python3
"""Cold cost of one forced migration against the working-set size, for several presets (one plot).

For every preset and size, a task pinned to CPU 0 sweeps a random working set; once its first
sweep is over, a control task moves it to the last CPU (sched_setaffinity). The ghost copy of
CPU 0's caches attributes the cold misses and their stall to that move. All points run as one
smpsim.sweep: on local workers, or on a Dask cluster with --scheduler; finished points are cached.

    python3 configs/sweep_working_set.py [--presets quad,athlon_x2] [--sizes 16KiB,...]
        [--replicas N] [--workers N] [--scheduler tcp://HOST:8786] [--out DIR]
"""
import argparse
import os
import sys

import smpsim

DEFAULT_SIZES = "16KiB,32KiB,64KiB,128KiB,256KiB,512KiB,1MiB,2MiB"
ACCESSES = 1 << 19  # per task, whatever the size: sweeps = ACCESSES / (size / 8)


def point(preset, size, seed, era):
    cfg = smpsim.presets.get(preset)
    cfg.seed = seed
    cfg.kernel.era = era
    passes = max(3, ACCESSES // (size // 8))
    cfg.add_task("a", smpsim.workloads.WorkingSet(size=size, pattern="random", passes=passes),
                 cpus=[0])
    # Moved after its first sweep: about a third of the way through (at least 2 sweeps left).
    first = size // cfg.l1d.line * 200 + size // 8 * 4  # generous: every line from memory
    cfg.at(max(first, 100_000), smpsim.actions.SetAffinity("a", cpus=[cfg.cores - 1]))
    return cfg


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", default="quad,core2_duo,athlon_x2,opteron_2x2")
    ap.add_argument("--sizes", default=DEFAULT_SIZES, help="comma-separated sizes")
    ap.add_argument("--era", default="linux-2.6.10")
    smpsim.sweeps.add_arguments(ap)
    ap.add_argument("--out", default="out/sweep_working_set")
    args = ap.parse_args(argv)

    presets = args.presets.split(",")
    sizes = [smpsim.units.parse_size(s) for s in args.sizes.split(",")]
    keys = [(p, s) for p in presets for s in sizes]
    cfgs = [point(p, s, args.seed, args.era) for p, s in keys]
    rows, failed = [], 0
    for (preset, size), r in smpsim.sweeps.from_arguments(cfgs, args, keys):
        moves = [[m for m in x.migrations if m["task"] == "a" and m["reason"] == "affinity"]
                 for x in r.replicas]
        if any(len(m) != 1 for m in moves):
            print(f"{preset} {size}: the task was not moved once", file=sys.stderr)
            failed += 1
            continue
        ghz = r.config.freq_ghz
        stall = [m[0]["cold_stall_cycles"] for m in moves]
        misses = [m[0]["cold_misses"] for m in moves]
        rows.append({"preset": preset, "size": size, "replicas": len(moves),
                     "cold_misses": sum(misses) / len(misses),
                     "cold_stall_cycles": sum(stall) / len(stall),
                     "cold_stall_us": sum(stall) / len(stall) / (ghz * 1e3),
                     "path_cycles": moves[0][0]["path_cycles"]})
    os.makedirs(args.out, exist_ok=True)
    smpsim.analysis.write_csv(os.path.join(args.out, "sweep_working_set.csv"), rows)
    print("%-12s %10s %12s %14s %10s" % ("preset", "size", "cold_misses", "stall_cycles",
                                        "stall_us"))
    for r in rows:
        print("%-12s %10s %12.0f %14.0f %10.2f" % (r["preset"], smpsim.units.format_size(r["size"]),
                                                   r["cold_misses"], r["cold_stall_cycles"],
                                                   r["cold_stall_us"]))
    plot(rows, presets, os.path.join(args.out, "sweep_working_set.png"))
    return 1 if failed or args.failed else 0


def plot(rows, presets, path):
    plt = smpsim.analysis.pyplot(announce=True)
    if plt is None:
        return
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for p in presets:
        pts = [(r["size"] / 1024, r["cold_stall_us"]) for r in rows if r["preset"] == p]
        if pts:
            ax.plot(*zip(*pts), marker="o", label=p)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("working set (KiB)")
    ax.set_ylabel("cold-miss stall of one migration (us)")
    ax.set_title("Cache-cold cost of a forced migration vs working set")
    ax.grid(True, alpha=0.3)
    ax.legend()
    smpsim.analysis.save_figure(plt, fig, path, dpi=120)
    print(f"plot: {path}")


if __name__ == "__main__":
    sys.exit(main())
