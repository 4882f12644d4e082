#!/usr/bin/env python3
"""Hardware-only view of a migration (bare metal, no guest kernel).

A task warms a working set on CPU 0; a second thread of the same process then streams the same
working set once on CPU k. Its reload time, minus the reload on CPU 0 itself (warm caches), is
what moving the task from CPU 0 to CPU k costs in cache misses alone. One simulation per
destination, each in its own child process.

    python3 configs/migration_cost.py [--preset quad] [--size 128KiB] [--out out/migration_cost]
"""
import argparse
import csv
import os
import sys

import smpsim

SERVED = ["l1", "l2", "llc", "peer_cache", "remote_cache", "memory", "remote_memory"]


def largest_private_cache(cfg):
    """Bytes of the largest cache level private to one core (0 if none)."""
    best = 0
    for level in (cfg.l1d, cfg.l2):
        if level.enabled and level.shared_by <= cfg.topology.threads_per_core:
            best = max(best, level.size)
    return best


def distance(cfg, src, dst):
    t = cfg.topology
    per_core, per_socket = t.threads_per_core, t.threads_per_core * t.cores_per_socket
    if src == dst:
        return "same cpu"
    if src // per_core == dst // per_core:
        return "smt sibling"
    cluster = cfg.l2.shared_by if cfg.l2.enabled else 0
    if cluster > per_core and src // cluster == dst // cluster:
        return "same cluster"
    if src // per_socket == dst // per_socket:
        return "same socket"
    return "other socket"


def build(cfg_base, size, dst, seed):
    cfg = cfg_base.copy()
    cfg.seed = seed
    cfg.kernel.enabled = False
    warm = smpsim.workloads.WorkingSet(size=size, pattern="sequential", passes=2)
    reload = smpsim.workloads.WorkingSet(size=size, pattern="sequential", passes=1)
    cfg.add_task("warm", warm, cpus=[0])
    cfg.add_task("reload", reload, cpus=[dst], threads_of="warm", start_after="warm")
    return cfg


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="quad", help="machine preset (%s)" %
                    ", ".join(smpsim.presets.names()))
    ap.add_argument("--size", default=None,
                    help="working set (default: half the largest private cache)")
    ap.add_argument("--dsts", default=None, help="comma-separated destination CPUs (default: all)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="out/migration_cost", help="output directory")
    args = ap.parse_args(argv)

    base = smpsim.presets.get(args.preset)
    size = smpsim.units.parse_size(args.size) if args.size else max(
        64 * 1024, largest_private_cache(base) // 2)
    dsts = [int(x) for x in args.dsts.split(",")] if args.dsts else list(range(base.cores))
    freq = base.freq_ghz

    rows = []
    for dst in dsts:
        res = smpsim.run(build(base, size, dst, args.seed),
                         out=os.path.join(args.out, "dst%d" % dst))
        t = res.tasks["reload"]
        rows.append({"dst": dst, "distance": distance(base, 0, dst), "reload_cycles": t["cycles"],
                     "accesses": t["accesses"], "l1_misses": t["l1_misses"],
                     **{k: t["served"][k] for k in SERVED}})
    same = next((r["reload_cycles"] for r in rows if r["dst"] == 0), None)
    lines = size // base.l1d.line
    for r in rows:
        r["extra_cycles"] = r["reload_cycles"] - same if same is not None else ""
        r["extra_us"] = round(r["extra_cycles"] / (freq * 1e3), 3) if same is not None else ""
        r["cycles_per_line"] = round(r["reload_cycles"] / lines, 2)

    os.makedirs(args.out, exist_ok=True)
    cols = ["dst", "distance", "reload_cycles", "cycles_per_line", "extra_cycles", "extra_us",
            "l1_misses"] + SERVED
    with open(os.path.join(args.out, "cost.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)

    print("migration reload cost on %s (%s, bare metal): working set %s = %d lines, from CPU 0"
          % (args.preset, "%.1f GHz" % freq, smpsim.units.format_size(size), lines))
    head = "%4s  %-12s %12s %8s %12s %9s   %s" % ("dst", "distance", "reload_cyc", "cyc/line",
                                                  "extra_cyc", "extra_us", "lines served by")
    print(head)
    print("-" * len(head))
    for r in rows:
        served = " ".join("%s=%d" % (k, r[k]) for k in SERVED[1:] if r[k])
        print("%4d  %-12s %12d %8.2f %12s %9s   %s" % (
            r["dst"], r["distance"], r["reload_cycles"], r["cycles_per_line"],
            r["extra_cycles"], r["extra_us"], served))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.bar([str(r["dst"]) for r in rows], [r["extra_cycles"] or 0 for r in rows])
        ax.set_xlabel("destination CPU")
        ax.set_ylabel("extra reload cycles vs. CPU 0")
        ax.set_title("%s: reload of %s after a move from CPU 0" %
                     (args.preset, smpsim.units.format_size(size)))
        fig.tight_layout()
        fig.savefig(os.path.join(args.out, "cost.png"), dpi=100)
    except ImportError:
        pass
    print("outputs: %s/{cost.csv,cost.png,dst<N>/stats.json,...}" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
