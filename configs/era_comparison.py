#!/usr/bin/env python3
"""The same workload under the four eras of Linux task migration (docs/eras.md).

More tasks than CPUs, each sweeping its own working set in phases separated by sleeps; a control
task changes the affinity of two tasks, and one task execs a new program. The guest kernel
runs the era's scheduler (linux-2.4.21, linux-2.6.10, linux-2.6.24 CFS, linux-4.7 stopper); the
hardware is the same. Per era the script prints:

  migrations by reason, mechanism and the era's finer reason (reason_detail)
  IPIs sent, context switches, load-balance passes
  cycles of kernel code on migration paths (all CPUs) and the total cold cost (stall cycles of
  the migration-induced misses, from the ghost attribution)

With --counterfactual, every affinity migration is also checked against the paired run that kept
the task on its source CPU (smpsim.run(counterfactual=True)): the ghost's user stall over its
window against the counterfactual's, within max(10%, 2,000 cycles).

    python3 configs/era_comparison.py [--preset quad] [--eras linux-2.4.21,...] [--tasks 6]
                                      [--working-set 64KiB] [--counterfactual] [--out DIR]
"""
import argparse
import collections
import concurrent.futures
import json
import os
import sys

import smpsim
from smpsim import counterfactual

ERAS = ["linux-2.4.21", "linux-2.6.10", "linux-2.6.24", "linux-4.7"]


def build(args, era):
    cfg = smpsim.presets.get(args.preset)
    cfg.seed = args.seed
    cfg.check = True
    cfg.kernel.era = era
    wl = smpsim.workloads
    cpus = list(range(cfg.cores))
    ms = lambda x: int(x * cfg.freq_ghz * 1e6)  # cycles
    for i in range(args.tasks):
        base = 0x10000000 + i * 0x01000000
        sweep = wl.WorkingSet(size=args.working_set, pattern="sequential", passes=args.passes,
                              base=base)
        steps = [sweep, wl.Sleep("%dus" % (200 + 100 * i)), sweep]
        cfg.add_task("t%d" % i, wl.Phases(steps, repeat=args.rounds), cpus=cpus)
    # Forced migrations by a control task (F1) of two tasks that are running by then.
    cfg.at(ms(args.first_move_ms), smpsim.actions.SetAffinity("t0", cpus=[cpus[-1]]))
    cfg.at(ms(2 * args.first_move_ms), smpsim.actions.SetAffinity("t1", cpus=[cpus[0]]))
    # The last task execs a new program (exec balancing: none in 2.4, find_idlest_cpu in 2.6.10,
    # sched_balance_self in 2.6.24, select_task_rq_fair in 4.7).
    cfg.at(ms(1.5 * args.first_move_ms), smpsim.actions.Exec("t%d" % (args.tasks - 1)))
    return cfg


def user_stall(m):
    u = m["cold_by_kind"]["user"]
    return u["migration_stall_cycles"]


def summarize(era, res):
    moves = res.migrations
    by = collections.Counter((m["reason"], m["mechanism"], m["reason_detail"]) for m in moves)
    stats = res.stats
    row = {
        "era": era,
        "migrations": len(moves),
        "by_reason": {"%s/%s/%s" % k: v for k, v in sorted(by.items())},
        "ipis": stats["system.os.ipis_sent"],
        "context_switches": stats["system.os.context_switches"],
        "path_cycles": sum(m["path_cycles"] for m in moves),
        "cold_misses": sum(m["cold_misses"] for m in moves),
        "cold_stall_cycles": sum(m["cold_stall_cycles"] for m in moves),
        "migration_stall_cycles": sum(m["migration_stall_cycles"] for m in moves),
        "cycles": res.sim_cycles,
        "affinity": [],
    }
    for m in moves:
        if "counterfactual_cycles" not in m or not counterfactual.eligible(m):
            continue  # not paired
        ghost, cf = user_stall(m), m["counterfactual_cycles"]
        row["affinity"].append({"task": m["task"], "src": m["src"], "dst": m["dst"],
                                "mechanism": m["mechanism"], "ghost": ghost,
                                "counterfactual": cf,  # None: no comparison (README)
                                "agree": None if cf is None else
                                abs(ghost - cf) <= max(0.10 * abs(cf), 2000)})
    return row


def run_era(args, era):
    out = os.path.join(args.out, era)
    res = smpsim.run(build(args, era), out=out, counterfactual=args.counterfactual,
                     timeout=args.timeout)
    return summarize(era, res)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="quad", help="machine preset (%s)" %
                    ", ".join(smpsim.presets.names()))
    ap.add_argument("--eras", default=",".join(ERAS), help="comma-separated eras")
    ap.add_argument("--tasks", type=int, default=6, help="user tasks (more than the CPUs)")
    ap.add_argument("--working-set", default="64KiB", help="per task")
    ap.add_argument("--passes", type=int, default=4, help="sweeps per phase")
    ap.add_argument("--rounds", type=int, default=3, help="phases per task")
    ap.add_argument("--first-move-ms", type=float, default=1.0,
                    help="when the control task moves t0 (t1 at twice that)")
    ap.add_argument("--counterfactual", action="store_true",
                    help="check each affinity migration against the paired run")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--out", default="out/era_comparison", help="output directory")
    args = ap.parse_args(argv)
    args.working_set = smpsim.units.parse_size(args.working_set)
    eras = [e.strip() for e in args.eras.split(",") if e.strip()]
    for era in eras:
        build(args, era).validate()  # a bad option fails here, before any simulation

    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count()) as ex:
        rows = list(ex.map(lambda e: run_era(args, e), eras))

    print("era comparison on %s: %d tasks x %s, %d rounds\n"
          % (args.preset, args.tasks, smpsim.units.format_size(args.working_set), args.rounds))
    cols = [("migrations", "moves"), ("ipis", "ipis"), ("context_switches", "switches"),
            ("path_cycles", "path_cyc"), ("cold_misses", "cold_miss"),
            ("cold_stall_cycles", "cold_cyc"), ("cycles", "run_cycles")]
    print("%-14s" % "era" + "".join("%12s" % h for _, h in cols))
    for r in rows:
        print("%-14s" % r["era"] + "".join("%12d" % r[k] for k, _ in cols))
    print()
    for r in rows:
        print("%s migrations by reason/mechanism/detail:" % r["era"])
        for k, v in r["by_reason"].items():
            print("    %-52s %5d" % (k, v))
        for a in r["affinity"]:
            cf = ("none (the paired run gave no comparison: the task did not run on its "
                  "source before it moved on, or the run ended first)"
                  if a["counterfactual"] is None else "%d" % a["counterfactual"])
            print("    affinity %s %d->%d by %s: ghost %d, counterfactual %s%s"
                  % (a["task"], a["src"], a["dst"], a["mechanism"], a["ghost"], cf,
                     "  (DISAGREE)" if a["agree"] is False else ""))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "eras.json"), "w") as f:
        json.dump({"preset": args.preset, "tasks": args.tasks,
                   "working_set": args.working_set, "eras": rows}, f, indent=2)
        f.write("\n")
    print("\noutputs: %s/eras.json, %s/<era>/{migrations.csv,trace.json,stats.txt,...}"
          % (args.out, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
