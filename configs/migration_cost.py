#!/usr/bin/env python3
"""What moving a task between two CPUs costs, for every ordered pair of CPUs (the main job).

For each pair (src, dst) a task pinned to src warms its working set; half-way through its run a
control task changes its affinity to {dst} (sched_setaffinity: the guest kernel's migration
thread moves it, as Linux 2.6.10 does). The cost of that one migration is measured, not assumed:

  path   cycles of kernel code on the migration path, on every CPU (requester, migration
         thread, switch-in on dst), with its IPIs and runqueue-lock waits
  cold   stall cycles of the migration-induced misses, attributed by a ghost copy of src's
         private caches (user, kernel and page-table lines), and where those misses were served
  tlb    TLB-cold misses (pages src's TLB held that dst's missed) and their walks' cycles,
         reported apart (the walks' cold page-table lines are in `cold` already)

One simulation per pair, each in its own child process, several at a time.

    python3 configs/migration_cost.py [--preset quad] [--working-set 128KiB]
                                      [--pattern sequential] [--era linux-2.6.10] [--out DIR]
                                      [--workers N | --scheduler tcp://HOST:8786]
"""
import argparse
import concurrent.futures
import csv
import json
import os
import sys

import smpsim

PASSES = 6


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


def build(base, args, src, dst=None, at=None):
    cfg = base.copy()
    cfg.seed = args.seed
    cfg.kernel.era = args.era
    ws = smpsim.workloads.WorkingSet(size=args.working_set, pattern=args.pattern, passes=PASSES)
    cfg.add_task("a", ws, cpus=[src])
    if at is not None:
        cfg.at(at, smpsim.actions.SetAffinity("a", cpus=[dst]))
    return cfg


def measure(base, args, src, dst, at):
    res = smpsim.run(build(base, args, src, dst, at),
                     out=os.path.join(args.out, "%d-%d" % (src, dst)))
    return row_of(base, res, src, dst)


def row_of(base, res, src, dst):
    """The cost table's row of the pair (src, dst) from its run's Result."""
    moves = [m for m in res.migrations if m["task"] == "a" and m["reason"] == "affinity"]
    if len(moves) != 1:
        raise RuntimeError("pair %d->%d: expected one affinity migration, got %d"
                           % (src, dst, len(moves)))
    m = moves[0]
    return {"src": src, "dst": dst, "distance": distance(base, src, dst),
            "path_cycles": m["path_cycles"], "ipis": m["ipis"],
            **{"path_%s_cycles" % k: v for k, v in m["path_split"].items()},
            "rq_lock_wait_cycles": m["rq_lock_wait_cycles"],
            "cold_misses": m["cold_misses"], "cold_stall_cycles": m["cold_stall_cycles"],
            "shift_stall_cycles": m["shift_stall_cycles"],
            "total_cycles": m["path_cycles"] + m["migration_stall_cycles"],
            "footprint_lines": m["footprint_lines"],
            "served": {k: v for k, v in m["cold_served"].items() if v},
            "by_level": m["cold_misses_by_level"],
            "tlb_cold_misses": m["tlb_cold_misses"],
            "tlb_cold_walk_cycles": m["tlb_cold_walk_cycles"]}


def on_cluster(base, args, pairs, at):
    """Every pair as one sweep on the Dask cluster; result.json is written per pair directory."""
    cfgs = [build(base, args, s, d, at) for s, d in pairs]
    results = smpsim.sweep(cfgs, scheduler=args.scheduler)
    rows = []
    for (s, d), cfg, r in zip(pairs, cfgs, results):
        if isinstance(r, smpsim.PointFailure):
            raise RuntimeError("pair %d->%d: %s" % (s, d, r.message))
        out = os.path.join(args.out, "%d-%d" % (s, d))
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "config.json"), "w") as f:
            f.write(cfg.to_json() + "\n")
        with open(os.path.join(out, "result.json"), "w") as f:
            json.dump(r.to_json(), f, indent=1)
        rows.append(row_of(base, r, s, d))
    return rows


def table(title, cpus, cell, width=10):
    print(title)
    print("%-8s" % "src\\dst" + "".join("%*d" % (width, d) for d in cpus))
    for s in cpus:
        print("%-8d" % s + "".join("%*s" % (width, cell(s, d)) for d in cpus))
    print()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="quad", help="machine preset (%s)" %
                    ", ".join(smpsim.presets.names()))
    ap.add_argument("--working-set", "--size", dest="working_set", default=None,
                    help="working set (default: half the largest private cache, >= 64KiB)")
    ap.add_argument("--pattern", default="sequential",
                    help="sequential | strided | random | pointer_chase")
    ap.add_argument("--era", default="linux-2.6.10", help="guest kernel era")
    ap.add_argument("--cpus", default=None, help="comma-separated CPUs (default: all)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=None, help="simulations at a time")
    ap.add_argument("--scheduler", default=None, help="run the pairs on this Dask cluster "
                    "(tcp://HOST:8786) as one smpsim.sweep; each pair's directory then holds its "
                    "config.json and result.json")
    ap.add_argument("--out", default="out/migration_cost", help="output directory")
    args = ap.parse_args(argv)

    base = smpsim.presets.get(args.preset)
    if args.working_set is None:
        args.working_set = max(64 * 1024, largest_private_cache(base) // 2)
    args.working_set = smpsim.units.parse_size(args.working_set)
    cpus = [int(x) for x in args.cpus.split(",")] if args.cpus else list(range(base.cores))
    build(base, args, cpus[0]).validate()  # a bad option fails here, before any simulation

    # The task's length unmoved; every pair moves it at half that time.
    length = smpsim.run(build(base, args, cpus[0])).tasks["a"]["cycles"]
    at = length // 2
    pairs = [(s, d) for s in cpus for d in cpus if s != d]
    if args.scheduler:
        rows = on_cluster(base, args, pairs, at)
    else:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.workers or os.cpu_count()) as ex:
            rows = list(ex.map(lambda p: measure(base, args, p[0], p[1], at), pairs))

    cost = {(r["src"], r["dst"]): r for r in rows}
    ghz = base.freq_ghz
    us = lambda c: "%.2f" % (c / (ghz * 1e3))
    lines = args.working_set // base.l1d.line
    print("migration cost on %s (%.1f GHz, %s): %s %s working set (%d lines), moved by "
          "sched_setaffinity at cycle %d\n" % (args.preset, ghz, args.era,
                                               smpsim.units.format_size(args.working_set),
                                               args.pattern, lines, at))
    dash = lambda s, d, f: "-" if s == d else f(cost[(s, d)])
    table("total cost, cycles (migration path + cold-miss stall + shift)", cpus,
          lambda s, d: dash(s, d, lambda r: r["total_cycles"]))
    table("total cost, microseconds", cpus, lambda s, d: dash(s, d, lambda r: us(r["total_cycles"])))
    table("migration path, cycles (all CPUs)", cpus, lambda s, d: dash(s, d, lambda r: r["path_cycles"]))
    table("  of which kernel budgets / memory / IPI sends / spins (docs/calibration.md)", cpus,
          lambda s, d: dash(s, d, lambda r: "%d/%d/%d/%d" % (
              r["path_budget_cycles"], r["path_memory_cycles"], r["path_ipi_cycles"],
              r["path_spin_cycles"])), width=22)
    table("cold-miss stall, cycles", cpus, lambda s, d: dash(s, d, lambda r: r["cold_stall_cycles"]))
    table("shift of the misses that happen anyway, cycles", cpus,
          lambda s, d: dash(s, d, lambda r: r["shift_stall_cycles"]))
    table("TLB-cold misses / their walk cycles (apart from the total)", cpus,
          lambda s, d: dash(s, d, lambda r: "%d/%d" % (r["tlb_cold_misses"],
                                                      r["tlb_cold_walk_cycles"])), width=12)
    print("%-9s %-13s %7s %8s %10s  %s" % ("pair", "distance", "misses", "ipis", "lock_wait",
                                          "cold misses served by"))
    for r in rows:
        print("%-9s %-13s %7d %8d %10d  %s" % (
            "%d->%d" % (r["src"], r["dst"]), r["distance"], r["cold_misses"], r["ipis"],
            r["rq_lock_wait_cycles"], " ".join("%s=%d" % kv for kv in sorted(r["served"].items()))))

    os.makedirs(args.out, exist_ok=True)
    cols = ["src", "dst", "distance", "total_cycles", "path_cycles", "path_budget_cycles",
            "path_memory_cycles", "path_ipi_cycles", "path_spin_cycles", "cold_stall_cycles",
            "shift_stall_cycles",
            "cold_misses", "footprint_lines", "ipis", "rq_lock_wait_cycles",
            "tlb_cold_misses", "tlb_cold_walk_cycles"]
    with open(os.path.join(args.out, "cost.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    with open(os.path.join(args.out, "cost.json"), "w") as f:
        json.dump({"preset": args.preset, "era": args.era, "working_set": args.working_set,
                   "pattern": args.pattern, "migrate_at": at, "pairs": rows}, f, indent=2)
        f.write("\n")
    pngs = smpsim.analysis.report(args.out)["files"]
    print("\noutputs: %s/{cost.csv,cost.json%s,<src>-<dst>/{migrations.csv,trace.json,...}}"
          % (args.out, "".join("," + os.path.basename(p) for p in pngs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
