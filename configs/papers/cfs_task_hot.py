#!/usr/bin/env python3
"""The CFS task_hot() rule (Linux 2.6.24 onwards): the load balancer's cache-hot verdict for every
task it moves, against the task's age since it last ran and against the measured cache-cold cost
of the move.

From 2.6.24, a fair task is cache hot iff ``now - p->se.exec_start < sysctl_sched_migration_cost``
on the source runqueue (default 500 000 ns; -1 means always hot, 0 never hot), and
``can_migrate_task()`` moves a hot task only once ``nr_balance_failed > cache_nice_tries``.

The mix, on ``presets.quad()`` under ``linux-2.6.24``, has two components, and the same mix (same
seeds) runs once per ``migration_cost_ns`` setting:

* twelve sleepers, each looping over a random sweep of its own working set (16 KiB to 512 KiB),
  a spin of 200-800 us and a sleep of 1-12 ms, so CPUs go idle and runqueues fill at different
  moments and the balancer moves tasks whose age since they last ran spreads from never-ran to
  tens of ms;
* six pipe ping-pong pairs, each side sweeping 16 KiB and spinning 30 us per message. All twelve
  start on CPU 0; in each of ten cycles they pin themselves to CPU 0 for ten round trips, then
  allow every CPU for forty. On release CPU 0 holds a queue of tasks that ran a few hundred us
  ago, so the balancer meets tasks younger than 500 us and, once enough balance attempts have
  failed, moves them hot.

Only moves made by the load balancer (periodic, newly-idle, active) are counted; the moves that
the pinning itself forces are not balancer decisions.

Outputs in --out:
  cfs_task_hot_moves.csv    one row per balancer move: setting, seed, reason,
                            task, since_ran_ns, kernel_hot, cold_misses, cold_stall_cycles,
                            really_hot (cold stall > --hot-us)
  cfs_task_hot_summary.csv  per setting: moves, judged hot/cold, the confusion table against
                            the measured cost, the fraction judged right
  cfs_task_hot.png          verdict against since_ran_ns (one panel per setting) and cold stall
                            against since_ran_ns coloured by verdict

    python3 configs/papers/cfs_task_hot.py [--costs 500000,-1,0,50000,5000000] [--seeds 1]
        [--hot-us 10] [--workers N] [--no-cache] [--out DIR]
"""
import argparse
import os
import statistics
import sys

import smpsim

W = smpsim.workloads
KIB = 1024
ERA = "linux-2.6.24"
# (working set KiB, spin us, sleep ms) per task; more tasks than CPUs, different rhythms.
TASKS = [(16, 200, 1), (32, 350, 2), (64, 500, 3), (96, 650, 5), (128, 800, 8), (160, 200, 1),
         (192, 350, 4), (256, 500, 12), (320, 650, 2), (384, 800, 6), (512, 200, 3),
         (48, 350, 10)]
ROUNDS = 12
# Pipe ping-pong pairs: (pairs, working set KiB, spin us per message, cycles, pinned round trips
# per cycle, free round trips per cycle).
PAIRS, PAIR_KIB, PAIR_SPIN_US, CYCLES, PINNED, FREE = 6, 16, 30, 10, 10, 40
BALANCER = ("periodic_balance", "newidle_balance", "active_balance")


def mix(cost, seed, rounds=ROUNDS):
    """The experiment's configuration for one migration_cost_ns setting and seed."""
    cfg = smpsim.presets.quad()
    cfg.kernel.era = ERA
    cfg.kernel.policy.migration_cost_ns = cost
    cfg.seed = seed
    for i, (kib, spin_us, sleep_ms) in enumerate(TASKS):
        size = kib * KIB
        ws = W.WorkingSet(size=size, pattern="random", passes=max(1, (1 << 16) // (size // 8)),
                          base=0x10000000 * (i + 1))
        cfg.add_task("t%d" % i, W.Phases([ws, W.Spin("%dus" % spin_us),
                                          W.Sleep("%dms" % sleep_ms)], repeat=rounds))
    add_pairs(cfg)
    return cfg


def add_pairs(cfg):
    """The ping-pong pairs: both sides start on CPU 0 and, each cycle, pin themselves there for
    PINNED round trips, then allow every CPU for FREE round trips."""
    every = list(range(cfg.cores))
    for j in range(PAIRS):
        ping, pong = "pp%d.ping" % j, "pp%d.pong" % j
        for side in (0, 1):
            work = [W.WorkingSet(size=PAIR_KIB * KIB, pattern="random",
                                 base=0x80000000 + 0x1000000 * (2 * j + side)),
                    W.Spin("%dus" % PAIR_SPIN_US)]
            if side == 0:
                trip = work + [W.PipeWrite(ping), W.PipeRead(pong)]
            else:
                trip = [W.PipeRead(ping)] + work + [W.PipeWrite(pong)]
            cfg.add_task("pp%d.%s" % (j, "ab"[side]),
                         W.Phases([W.SetAffinity([0]), W.Phases(trip, repeat=PINNED),
                                   W.SetAffinity(every), W.Phases(trip, repeat=FREE)],
                                  repeat=CYCLES), cpus=[0])


def label(cost):
    """A setting's name: '500us', '-1 (always)', '0 (never)'."""
    if cost == -1:
        return "-1 (always hot)"
    if cost == 0:
        return "0 (never hot)"
    return "%gus" % (cost / 1000) if cost < 1000000 else "%gms" % (cost / 1e6)


def balancer_moves(res, cost, seed, hot_cycles):
    """The load balancer's moves (its hot test was evaluated for each), as CSV rows."""
    rows = []
    for m in res.migrations:
        if m["reason"] not in BALANCER or m["kernel_hot"] < 0:
            continue
        stall = m.get("cold_stall_cycles") or 0
        rows.append({"cost_ns": cost, "seed": seed, "reason": m["reason"], "task": m["task"],
                     "src": m["src"], "dst": m["dst"], "t_decision": m["t_decision"],
                     "since_ran_ns": m["since_ran_ns"], "kernel_hot": m["kernel_hot"],
                     "cold_misses": m.get("cold_misses") or 0, "cold_stall_cycles": stall,
                     "really_hot": int(stall > hot_cycles)})
    return rows


def summarize(cost, rows):
    """Counts and the confusion table (kernel verdict x measured) for one setting."""
    def n(k, r):
        return sum(1 for x in rows if x["kernel_hot"] == k and x["really_hot"] == r)
    hot_hot, hot_cold, cold_hot, cold_cold = n(1, 1), n(1, 0), n(0, 1), n(0, 0)
    total = len(rows)

    def med(k):
        v = [x["cold_stall_cycles"] for x in rows if x["kernel_hot"] == k]
        return statistics.median(v) if v else ""
    return {"cost_ns": cost, "setting": label(cost), "moves": total,
            "judged_hot": hot_hot + hot_cold, "judged_cold": cold_hot + cold_cold,
            "hot_really_hot": hot_hot, "hot_really_cold": hot_cold,
            "cold_really_hot": cold_hot, "cold_really_cold": cold_cold,
            "right_fraction": round((hot_hot + cold_cold) / total, 3) if total else "",
            "median_stall_judged_hot": med(1), "median_stall_judged_cold": med(0)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--costs", default="500000,-1,0,50000,5000000",
                    help="migration_cost_ns settings, comma-separated")
    ap.add_argument("--seeds", default="1", help="seeds, comma-separated (one run each)")
    ap.add_argument("--rounds", type=int, default=ROUNDS, help="loops of each task")
    ap.add_argument("--hot-us", type=float, default=10.0,
                    help="a move is really hot when its measured cold stall exceeds this (us)")
    smpsim.sweeps.add_arguments(ap)
    ap.add_argument("--out", default="out/papers/cfs_task_hot")
    args = ap.parse_args(argv)

    costs = [int(c) for c in args.costs.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    keys = [(c, s) for c in costs for s in seeds]
    cfgs = [mix(c, s, args.rounds) for c, s in keys]
    freq = cfgs[0].freq_ghz
    hot_cycles = args.hot_us * 1e3 * freq
    moves = []
    for (cost, seed), r in smpsim.sweeps.from_arguments(cfgs, args, keys):
        moves += balancer_moves(r, cost, seed, hot_cycles)
    summary = [summarize(c, [m for m in moves if m["cost_ns"] == c]) for c in costs]

    os.makedirs(args.out, exist_ok=True)
    smpsim.analysis.write_csv(os.path.join(args.out, "cfs_task_hot_moves.csv"), moves,
                              ["cost_ns", "seed", "reason", "task", "src", "dst", "t_decision",
                               "since_ran_ns", "kernel_hot", "cold_misses", "cold_stall_cycles",
                               "really_hot"])
    smpsim.analysis.write_csv(os.path.join(args.out, "cfs_task_hot_summary.csv"), summary,
                              list(summary[0]))
    print("really hot: cold stall > %g us (%d cycles at %g GHz)" % (args.hot_us, hot_cycles, freq))
    print("%-16s %6s %5s %5s | %8s %8s %8s %8s | %6s %10s %10s" % (
        "setting", "moves", "hot", "cold", "hot/hot", "hot/cold", "cold/hot", "cold/cold",
        "right", "med_st_hot", "med_st_cold"))
    for s in summary:
        print("%-16s %6d %5d %5d | %8d %8d %8d %8d | %6s %10s %10s" % (
            s["setting"], s["moves"], s["judged_hot"], s["judged_cold"], s["hot_really_hot"],
            s["hot_really_cold"], s["cold_really_hot"], s["cold_really_cold"],
            s["right_fraction"], s["median_stall_judged_hot"], s["median_stall_judged_cold"]))
    plot(costs, moves, freq, args.hot_us, os.path.join(args.out, "cfs_task_hot.png"))
    return 1 if args.failed else 0


def plot(costs, moves, freq, hot_us, path):
    plt = smpsim.analysis.pyplot(announce=True)
    if plt is None:
        return
    fig, axes = plt.subplots(2, len(costs), figsize=(3.2 * len(costs), 6), squeeze=False)
    for k, cost in enumerate(costs):
        ms = [m for m in moves if m["cost_ns"] == cost]
        ran = [m for m in ms if m["since_ran_ns"] >= 0]
        never = [m for m in ms if m["since_ran_ns"] < 0]
        ax = axes[0][k]
        ax.scatter([max(m["since_ran_ns"], 1000) / 1e3 for m in ran],
                   [m["kernel_hot"] for m in ran], s=14, alpha=0.6, label="moves")
        if never:
            ax.scatter([0.5] * len(never), [m["kernel_hot"] for m in never], marker="x",
                       color="grey", label="never ran")
        if cost > 0:
            ax.axvline(cost / 1e3, color="red", ls="--", lw=1, label="migration_cost")
            xs = [0.5, cost / 1e3, cost / 1e3, 1e5]
            ax.plot(xs, [1, 1, 0, 0], color="red", lw=0.8, alpha=0.5)
        ax.set_xscale("log")
        ax.set_ylim(-0.2, 1.2)
        ax.set_yticks([0, 1], ["cold", "hot"])
        ax.set_title("migration_cost = " + label(cost), fontsize=9)
        ax.set_xlabel("since_ran (us)")
        if k == 0:
            ax.legend(fontsize=7, loc="center left")
        ax = axes[1][k]
        for hot, colour in ((0, "tab:blue"), (1, "tab:orange")):
            sel = [m for m in ran if m["kernel_hot"] == hot]
            ax.scatter([max(m["since_ran_ns"], 1000) / 1e3 for m in sel],
                       [max(m["cold_stall_cycles"], 1) / freq / 1e3 for m in sel], s=14,
                       alpha=0.6, color=colour, label="judged " + ("hot" if hot else "cold"))
        ax.axhline(hot_us, color="grey", ls=":", lw=1, label="really-hot threshold")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("since_ran (us)")
        if k == 0:
            ax.set_ylabel("measured cold stall (us)")
            ax.legend(fontsize=7)
    fig.suptitle("CFS task_hot() on quad, linux-2.6.24: verdict per balancer move")
    smpsim.analysis.save_figure(plt, fig, path, dpi=110)  # lays it out
    print(f"plot: {path}")


if __name__ == "__main__":
    sys.exit(main())
