#!/usr/bin/env python3
"""lmbench ``lat_ctx``: the time of a context switch in a ring of N processes against N and
the size of the array each process sums while it holds the token.

For each size, the overhead is measured first, as lat_ctx does: one process sums its array
(hot caches) and writes a token to a pipe and reads it back, per round. Then
``smpsim.workloads.token_ring`` builds rings of N processes pinned to CPU 0 (``taskset``);
after two warm-up rounds, marks on process 0 time R further rounds, and the time per switch
is time / (N R) - overhead. The output is lmbench's: ``size=<k>k ovr=<us>`` and ``N time``
lines, in microseconds.

The machine is the athlon_x2 preset: one 512 KiB private L2 straight in front of memory
(no L3), so the per-switch time has a single capacity knee, where N x size passes 512 KiB,
within the man page's N and sizes. Its core is made blocking (one miss at a time): the step is
compared with one full miss per line, which an out-of-order core would partly overlap.
Physical pages are placed at random (memory.mapping = "random"), as a real kernel's are: with
the default contiguous mapping every process's array would sit at the same cache sets. A
bare-metal run of the same machine measures the time of an L2 hit and of a memory access (one
load per line) for the predicted step, (size/L)(t_mem - t_hit).

    python3 configs/papers/lat_ctx.py [--preset athlon_x2] [--sizes 0,4KiB,...]
        [--procs 2,4,8,16,20] [--rounds R] [--workers N] [--no-cache] [--out DIR]

Writes lat_ctx.csv, machine.json and lat_ctx.png.
"""
import argparse
import json
import os
import sys

import smpsim
from smpsim import workloads as wl

DEFAULT_SIZES = "0,4KiB,16KiB,32KiB,64KiB,128KiB"
DEFAULT_PROCS = "2,4,8,16,20"   # lmbench's man page example
WARMUP = 2
TOKEN = 4                       # lat_ctx passes an int


def machine(preset="athlon_x2", seed=1):
    cfg = smpsim.presets.get(preset)
    cfg.core.mlp, cfg.core.store_buffer = 1, 0  # a blocking core: one full miss per line
    cfg.memory.mapping = "random"
    cfg.seed = seed
    return cfg


def _timed(body, rounds):
    return wl.Phases([wl.Phases(body, repeat=WARMUP), wl.Mark("t0"),
                      wl.Phases(body, repeat=rounds), wl.Mark("t1")])


def ring(preset, n, size, rounds, seed=1):
    """A token ring of ``n`` processes on CPU 0, built by token_ring; process 0's rounds are
    wrapped in marks after WARMUP rounds. Size 0: the same ring without the array step."""
    scratch = machine(preset, seed)
    names = wl.token_ring(scratch, n, size or 8, rounds=1, cpus=[0], token_bytes=TOKEN)
    cfg = machine(preset, seed)
    for i, task in enumerate(scratch.tasks):
        body = [s for s in task.workload.steps if size or s.kind != "working_set"]
        w = _timed(body, rounds) if i == 0 else wl.Phases(body, repeat=WARMUP + rounds)
        cfg.add_task(task.name, w, cpus=[0])
    return cfg, names[0]


def overhead(preset, size, rounds, seed=1):
    """lat_ctx's overhead: one process sums its array and writes and reads back the token."""
    cfg = machine(preset, seed)
    body = [wl.WorkingSet(size, access_size=8)] if size else []
    body += [wl.PipeWrite("self", TOKEN), wl.PipeRead("self", TOKEN)]
    cfg.add_task("ovr", _timed(body, rounds), cpus=[0])
    return cfg


def bare_metal(preset, size, seed=1):
    """No kernel: one load per line over ``size`` bytes, 2 passes, mark, 3 passes, mark."""
    cfg = machine(preset, seed)
    cfg.kernel.enabled = False
    line = cfg.l1d.line
    ws = lambda p: wl.WorkingSet(size, pattern="strided", stride=line, passes=p)
    cfg.add_task("b", wl.Phases([ws(2), wl.Mark("t0"), ws(3), wl.Mark("t1")]), cpus=[0])
    return cfg


def span(result, task):
    marks = dict(result.tasks[task]["marks"])
    return marks["t1"] - marks["t0"]


def last_level(cfg):
    """(size, line) of the largest enabled cache."""
    levels = [c for c in (cfg.l2, cfg.llc) if c.enabled] or [cfg.l1d]
    big = max(levels, key=lambda c: c.size)
    return big.size, big.line


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="athlon_x2")
    ap.add_argument("--sizes", default=DEFAULT_SIZES, help="array sizes (lat_ctx -s)")
    ap.add_argument("--procs", default=DEFAULT_PROCS, help="ring sizes N")
    ap.add_argument("--rounds", type=int, default=10, help="measured trips round the ring")
    smpsim.sweeps.add_arguments(ap)
    ap.add_argument("--out", default="out/lat_ctx")
    args = ap.parse_args(argv)

    if args.preset not in smpsim.presets.names():
        raise ValueError(f"--preset must be one of {', '.join(smpsim.presets.names())}, "
                         f"got {args.preset!r}")
    sizes = [smpsim.units.parse_size(s) for s in args.sizes.split(",") if s]
    procs = [int(n) for n in args.procs.split(",") if n]
    if not sizes or any(s < 0 or s % 8 for s in sizes):
        raise ValueError(f"--sizes must be multiples of 8 bytes, got {args.sizes!r}")
    if not procs or any(n < 2 or n > 256 for n in procs):
        raise ValueError(f"--procs must be ring sizes from 2 to 256, got {args.procs!r}")
    if args.rounds < 1:
        raise ValueError(f"--rounds must be positive, got {args.rounds}")

    keys, cfgs = [], []
    for size in sizes:
        keys.append(("ovr", size, 0))
        cfgs.append(overhead(args.preset, size, args.rounds, args.seed))
        for n in procs:
            keys.append(("ring", size, n))
            cfgs.append(ring(args.preset, n, size, args.rounds, args.seed)[0])
    cap, line = last_level(machine(args.preset))
    keys += [("bare", "hit", 0), ("bare", "mem", 0)]
    cfgs += [bare_metal(args.preset, cap // 2, args.seed),
             bare_metal(args.preset, 4 * cap, args.seed)]
    got = dict(smpsim.sweeps.from_arguments(cfgs, args, keys))
    ghz = machine(args.preset).freq_ghz
    us = lambda cycles: cycles / ghz / 1e3

    rows = []
    for size in sizes:
        if ("ovr", size, 0) not in got:
            continue
        ovr = span(got[("ovr", size, 0)], "ovr") / args.rounds
        print("\nsize=%dk ovr=%.2f" % (size // 1024, us(ovr)))
        for n in procs:
            if ("ring", size, n) not in got:
                continue
            per = span(got[("ring", size, n)], "ring0") / (n * args.rounds) - ovr
            print("%d %.2f" % (n, us(per)))
            rows.append({"size": size, "procs": n, "rounds": args.rounds,
                         "overhead_us": round(us(ovr), 3), "switch_us": round(us(per), 3),
                         "footprint": n * size})
    info = {"preset": args.preset, "cache_bytes": cap, "line": line, "freq_ghz": ghz}
    if ("bare", "hit", 0) in got and ("bare", "mem", 0) in got:
        info["t_hit_cycles"] = span(got[("bare", "hit", 0)], "b") / (3 * (cap // 2) // line)
        info["t_mem_cycles"] = span(got[("bare", "mem", 0)], "b") / (3 * 4 * cap // line)
        print("\n%s: %d KiB cache, %d-B lines; bare metal: hit %.1f, memory %.1f cycles"
              % (args.preset, cap // 1024, line, info["t_hit_cycles"], info["t_mem_cycles"]))

    os.makedirs(args.out, exist_ok=True)
    smpsim.analysis.write_csv(os.path.join(args.out, "lat_ctx.csv"), rows)
    with open(os.path.join(args.out, "machine.json"), "w") as f:
        json.dump(info, f, indent=1, sort_keys=True)
        f.write("\n")
    plot(rows, sizes, cap, os.path.join(args.out, "lat_ctx.png"), args.preset)
    return 1 if args.failed else 0


def plot(rows, sizes, cap, path, preset):
    plt = smpsim.analysis.pyplot(announce=True)
    if plt is None:
        return
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for size in sizes:
        pts = [(r["procs"], r["switch_us"]) for r in rows if r["size"] == size]
        if pts:
            ax.plot(*zip(*pts), marker="o", label=f"size={size // 1024}k")
        knee = cap / size if size else 0
        if pts and knee and min(p for p, _ in pts) < knee <= max(p for p, _ in pts):
            ax.axvline(knee, color=ax.lines[-1].get_color(), ls=":", lw=0.8)
    if all(r["switch_us"] > 0 for r in rows):
        ax.set_yscale("log")
    ax.set_xlabel("processes in the ring N (dotted: N x size = cache)")
    ax.set_ylabel("time per context switch (us)")
    ax.set_title(f"lmbench lat_ctx on {preset} (pinned to one CPU)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    smpsim.analysis.save_figure(plt, fig, path, dpi=120)
    print(f"plot: {path}")


if __name__ == "__main__":
    sys.exit(main())
