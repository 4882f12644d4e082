#!/usr/bin/env python3
"""Li, Ding and Shen (ExpCS 2007), "Quantifying the Cost of Context Switch": the cost of a
context switch against the array size each process traverses, and against the access stride.

Two tasks pinned to CPU 0 pass a one-byte message back and forth through two pipes; between
messages each traverses its own array of A bytes with stride s, as the paper's measureSwitch
does (``for m < s/8: for j = m; j < A/8; j += s/8: f[j]++``: every double once, in s/8
interleaved passes). A single task repeats the same traversal without switching. With s1 the
two-task time of N round trips and s2 the single task's time of N traversals, the cost per
switch is c2 = s1/(2N) - s2/N; c1 (the direct cost) is c2 with A = 0 and c2 - c1 the indirect
cost. Both times are taken between marks set after two warm-up rounds.

The machine is LDS's: the smt_quad preset (NetBurst Xeon, kernel budgets calibrated to the
paper's 3.8 us) with a 512 KiB L2 and 128-byte lines. The model needs one line size for every
level, so the L1s get 128-byte lines too. A bare-metal run of the same machine measures the
time of an L2 hit and of a memory access (one store per line), from which the script predicts
the peak, (A/L)(t_mem - t_hit)/MLP. The stride sweep runs with and without an L2 next-line
prefetcher (``--prefetch-degree``): without one a blocking cache charges a miss the same at
every stride.

    python3 configs/papers/context_switch_cost.py [--sizes 1KiB,...] [--stride 8]
        [--strides 8,16,32,64,128] [--stride-sizes 32KiB,...] [--prefetch-degree 4]
        [--baseline array|pipe] [--accesses N] [--workers N] [--no-cache] [--out DIR]

Writes context_switch_cost.csv (the size sweep), context_switch_cost_stride.csv,
machine.json (C, L, t_hit, t_mem, c1, the predicted peak) and the two plots.
"""
import argparse
import json
import os
import sys

import smpsim
from smpsim import workloads as wl

DEFAULT_SIZES = ("1KiB,2KiB,4KiB,8KiB,16KiB,32KiB,64KiB,128KiB,256KiB,384KiB,512KiB,768KiB,"
                 "1MiB,2MiB")
DEFAULT_STRIDES = "8,16,32,64,128"
DEFAULT_STRIDE_SIZES = "32KiB,128KiB,256KiB,384KiB,512KiB,2MiB"
L2_SIZE = 512 * 1024   # LDS Fig. 2: "Cache size: 512KB"
LINE = 128             # LDS: "the cache line size is 128B"
BASE = 0x10000000      # the array's virtual address (each task has its own address space)
WARMUP = 2             # rounds before the first mark


def machine(prefetch_degree=0):
    """LDS's machine: smt_quad with a 512 KiB L2 and 128-byte lines on every level; with
    prefetch_degree > 0, an L2 next-line prefetcher of that degree."""
    cfg = smpsim.presets.get("smt_quad")
    for level in (cfg.l1i, cfg.l1d, cfg.l2):
        level.line = LINE
    cfg.l2.size = L2_SIZE
    if prefetch_degree:
        cfg.l2.prefetch.kind = "next_line"
        cfg.l2.prefetch.degree = prefetch_degree
    cfg.validate()
    return cfg


def traversal(size, stride):
    """measureSwitch's array loop: stride/8 interleaved strided passes over ``size`` bytes of
    doubles, each element incremented once (a store: the line is fetched and made dirty)."""
    if size == 0:
        return []
    return [wl.WorkingSet(size - 8 * m, pattern="strided", stride=stride, access_size=8,
                          write_ratio=1.0, base=BASE + 8 * m)
            for m in range(stride // 8)]


def rounds_for(size, accesses):
    """Round trips measured: about ``accesses`` array accesses per task, 3 to 200."""
    if size == 0:
        return 200
    return max(3, min(200, accesses // (size // 8)))


def _timed(body, rounds):
    """``body`` WARMUP times, mark t0, ``rounds`` times, mark t1."""
    return wl.Phases([wl.Phases(body, repeat=WARMUP), wl.Mark("t0"),
                      wl.Phases(body, repeat=rounds), wl.Mark("t1")])


def pair(size, stride, rounds, seed=1, prefetch_degree=0):
    """The two-task ping-pong (measureSwitch): the parent's marks span 2 x rounds switches."""
    cfg = machine(prefetch_degree)
    cfg.seed = seed
    t = traversal(size, stride)
    child = [wl.PipeRead("p2", 1)] + t + [wl.PipeWrite("p1", 1)]
    parent = t + [wl.PipeWrite("p2", 1), wl.PipeRead("p1", 1)]
    cfg.add_task("child", wl.Phases(child, repeat=WARMUP + rounds), cpus=[0])
    cfg.add_task("parent", _timed(parent, rounds), cpus=[0])
    return cfg


def single(size, stride, rounds, seed=1, prefetch_degree=0, baseline="array"):
    """The one-task baseline (measureSingle): the traversal ``rounds`` times; with baseline
    "pipe" each round also writes and reads back one byte on its own pipe, as the released
    measureSingle does."""
    if baseline not in ("array", "pipe"):
        raise ValueError(f"baseline must be 'array' or 'pipe', got {baseline!r}")
    cfg = machine(prefetch_degree)
    cfg.seed = seed
    body = traversal(size, stride)
    if baseline == "pipe":
        body += [wl.PipeWrite("self", 1), wl.PipeRead("self", 1)]
    cfg.add_task("single", _timed(body or [wl.Spin(1)], rounds), cpus=[0])
    return cfg


def bare_metal(size, seed=1):
    """No kernel: one store per line over ``size`` bytes, 2 passes, mark, 3 passes, mark."""
    cfg = machine()
    cfg.seed = seed
    cfg.kernel.enabled = False
    ws = lambda p: wl.WorkingSet(size, pattern="strided", stride=LINE, passes=p, write_ratio=1.0)
    cfg.add_task("b", wl.Phases([ws(2), wl.Mark("t0"), ws(3), wl.Mark("t1")]), cpus=[0])
    return cfg


def span(result, task):
    marks = dict(result.tasks[task]["marks"])
    return marks["t1"] - marks["t0"]


def check_arguments(sizes, stride, strides, stride_sizes, prefetch_degree):
    for s in [stride] + strides:
        if s < 8 or s % 8 or s > 4096:
            raise ValueError(f"stride must be a multiple of 8 bytes from 8 to 4096, got {s}")
    for a in sizes + stride_sizes:
        if a < 0 or a % 8 or a > (1 << 30):
            raise ValueError(f"array size must be a multiple of 8 bytes up to 1 GiB, got {a}")
    for a in stride_sizes:
        if a < max(strides):
            raise ValueError(f"stride sweep: array size {a} is below the largest stride")
    for a in sizes:
        if 0 < a < stride:
            raise ValueError(f"array size {a} is below the stride of the main curve ({stride} B)")
    if not 1 <= prefetch_degree <= 64:
        raise ValueError(f"prefetch degree must be 1 to 64, got {prefetch_degree}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=DEFAULT_SIZES, help="array sizes of the main curve")
    ap.add_argument("--stride", type=int, default=8, help="stride of the main curve, bytes")
    ap.add_argument("--strides", default=DEFAULT_STRIDES, help="strides of the stride sweep "
                    "(empty: no stride sweep)")
    ap.add_argument("--stride-sizes", default=DEFAULT_STRIDE_SIZES)
    ap.add_argument("--prefetch-degree", type=int, default=4,
                    help="degree of the L2 next-line prefetcher of the stride sweep")
    ap.add_argument("--baseline", default="array", choices=("array", "pipe"),
                    help="single-task rounds: the array work alone, or also a pipe write+read")
    ap.add_argument("--accesses", type=int, default=1 << 20,
                    help="array accesses per task per point (sets the rounds)")
    smpsim.sweeps.add_arguments(ap)
    ap.add_argument("--out", default="out/context_switch_cost")
    args = ap.parse_args(argv)

    parse = smpsim.units.parse_size
    sizes = sorted({parse(s) for s in args.sizes.split(",") if s} | {0})
    strides = [int(s) for s in args.strides.split(",") if s]
    stride_sizes = [parse(s) for s in args.stride_sizes.split(",") if s] if strides else []
    check_arguments(sizes, args.stride, strides, stride_sizes, args.prefetch_degree)
    if args.accesses < 1:
        raise ValueError(f"--accesses must be positive, got {args.accesses}")

    # Every point: (curve, size, stride, prefetch degree) -> a pair and a single run.
    points = [("size", a, args.stride, 0) for a in sizes]
    for pf in (0, args.prefetch_degree):
        points += [("stride", a, s, pf) for a in stride_sizes for s in strides]
    keys, cfgs = [], []
    for p in points:
        _, a, s, pf = p
        n = rounds_for(a, args.accesses)
        keys += [(p, "pair"), (p, "single")]
        cfgs += [pair(a, s, n, args.seed, pf),
                 single(a, s, n, args.seed, pf, args.baseline)]
    keys += [("bare", "hit"), ("bare", "mem")]
    cfgs += [bare_metal(L2_SIZE // 2, args.seed), bare_metal(4 * L2_SIZE, args.seed)]

    got = dict(smpsim.sweeps.from_arguments(cfgs, args, keys))
    ghz = machine().freq_ghz
    if ("bare", "hit") not in got or ("bare", "mem") not in got:
        print("the bare-metal latency runs failed", file=sys.stderr)
        return 1
    t_hit = span(got[("bare", "hit")], "b") / (3 * (L2_SIZE // 2) // LINE)
    t_mem = span(got[("bare", "mem")], "b") / (3 * (4 * L2_SIZE) // LINE)

    rows = []
    for p in points:
        if (p, "pair") not in got or (p, "single") not in got:
            continue
        curve, a, s, pf = p
        n = rounds_for(a, args.accesses)
        s1 = span(got[(p, "pair")], "parent")
        s2 = span(got[(p, "single")], "single")
        c2 = s1 / (2 * n) - s2 / n
        rows.append({"curve": curve, "size": a, "stride": s, "prefetch_degree": pf,
                     "rounds": n, "s1_cycles": s1, "s2_cycles": s2, "c2_cycles": round(c2, 1),
                     "c2_us": round(c2 / ghz / 1e3, 3)})
    c1 = next((r["c2_cycles"] for r in rows if r["curve"] == "size" and r["size"] == 0), None)
    for r in rows:
        r["indirect_us"] = "" if c1 is None else round((r["c2_cycles"] - c1) / ghz / 1e3, 3)

    os.makedirs(args.out, exist_ok=True)
    for curve, name in (("size", "context_switch_cost"), ("stride", "context_switch_cost_stride")):
        sel = [r for r in rows if r["curve"] == curve]
        smpsim.analysis.write_csv(os.path.join(args.out, name + ".csv"), sel,
                                  list(rows[0]) if rows else ["curve"])
    cfg = machine()
    mlp = cfg.core.mlp
    info = {"l2_bytes": L2_SIZE, "line": LINE, "freq_ghz": ghz, "mlp": mlp,
            "t_hit_cycles": t_hit, "t_mem_cycles": t_mem,
            "t_mem_config_cycles": cfg.l1d.latency + cfg.l2.latency
            + (cfg.bus.snoop_ns + cfg.memory.latency_ns) * ghz,
            "c1_cycles": c1, "c1_us": None if c1 is None else c1 / ghz / 1e3,
            "predicted_peak_us": L2_SIZE / LINE * (t_mem - t_hit) / mlp / ghz / 1e3,
            "baseline": args.baseline}
    with open(os.path.join(args.out, "machine.json"), "w") as f:
        json.dump(info, f, indent=1, sort_keys=True)
        f.write("\n")

    print(f"machine: smt_quad, L2 {L2_SIZE // 1024} KiB, {LINE}-B lines, {ghz} GHz; "
          f"bare metal: L2 hit {t_hit:.1f} cycles, memory {t_mem:.1f} cycles")
    if c1 is not None:
        print(f"c1 (direct, A = 0) = {c1:.0f} cycles = {c1 / ghz / 1e3:.2f} us; "
              f"predicted peak (C/L)(t_mem - t_hit)/MLP = {info['predicted_peak_us']:.0f} us")
    print("%-7s %9s %7s %4s %7s %12s %12s" % ("curve", "size", "stride", "pf", "rounds",
                                            "c2_us", "indirect_us"))
    for r in rows:
        print("%-7s %9s %7d %4d %7d %12.2f %12s" % (
            r["curve"], smpsim.units.format_size(r["size"]) if r["size"] else "0",
            r["stride"], r["prefetch_degree"], r["rounds"], r["c2_us"], r["indirect_us"]))
    plot_sizes(rows, os.path.join(args.out, "context_switch_cost.png"))
    if strides:
        plot_strides(rows, strides, args.prefetch_degree,
                     os.path.join(args.out, "context_switch_cost_stride.png"))
    return 1 if args.failed else 0


def plot_sizes(rows, path):
    plt = smpsim.analysis.pyplot(announce=True)
    if plt is None:
        return
    pts = [(r["size"] / 1024, r["c2_us"]) for r in rows if r["curve"] == "size" and r["size"]]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    if pts:
        ax.plot(*zip(*pts), marker="o", label="c2 (total cost per switch)")
    c1 = [r["c2_us"] for r in rows if r["curve"] == "size" and r["size"] == 0]
    if c1:
        ax.axhline(c1[0], color="gray", ls=":", label=f"c1 = {c1[0]:.2f} us (A = 0)")
    ax.axvline(L2_SIZE / 1024, color="gray", ls="--", lw=0.8, label="A = L2 (512 KiB)")
    ax.axvline(L2_SIZE / 2048, color="gray", ls="-.", lw=0.8, label="2A = L2")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("array size per process A (KiB)")
    ax.set_ylabel("cost per context switch (us)")
    ax.set_title("Context-switch cost vs array size (smt_quad, 512 KiB L2)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    smpsim.analysis.save_figure(plt, fig, path, dpi=120)
    print(f"plot: {path}")


def plot_strides(rows, strides, degree, path):
    plt = smpsim.analysis.pyplot()
    if plt is None:
        return
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
    for ax, pf, title in ((axes[0], 0, "no prefetcher (preset)"),
                          (axes[1], degree, f"L2 next-line prefetcher, degree {degree}")):
        for s in strides:
            pts = [(r["size"] / 1024, r["c2_us"]) for r in rows
                   if r["curve"] == "stride" and r["stride"] == s and r["prefetch_degree"] == pf]
            if pts:
                ax.plot(*zip(*pts), marker="o", label=f"stride {s} B")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("array size per process A (KiB)")
        ax.set_title(title, fontsize=10)
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel("cost per context switch c2 (us)")
    axes[1].legend(fontsize=8)
    fig.suptitle("Effect of the access stride (smt_quad, 512 KiB L2, 128-B lines)")
    smpsim.analysis.save_figure(plt, fig, path, dpi=120)
    print(f"plot: {path}")


if __name__ == "__main__":
    sys.exit(main())
