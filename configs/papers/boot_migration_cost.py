#!/usr/bin/env python3
"""Linux 2.6.16-2.6.22's boot-time migration-cost calibration, re-enacted by the guest kernel.

With ``cfg.kernel.calibration.enabled`` the guest kernel runs ``calibrate_migration_costs`` at
boot as 2.6.20 did (kernel/sched.c): the calibrating thread flushes its CPU's caches (wbinvd),
moves itself between the first CPU pair of each sched-domain distance with set_cpus_allowed,
times touch_cache() with sched_clock() on the migrated CPU against the same CPU, sweeps the
buffer from max(L2/2, 64 KiB) to 2 x L2 in 10/9 steps, stops early as the kernel did, and sets
each level's cache_hot_time to 2 x the largest cost; it prints ``migration_cost=`` in us.

Each preset runs twice: with a blocking core (one miss at a time, stores wait) and with an
out-of-order one (``--mlp`` misses in flight, a ``--store-buffer``), the kind of core that
printed the published values. core2_duo, athlon_x2 and opteron_2x2 are out-of-order presets
(mlp 2, store buffer 8), smt_quad a blocking one; the column ``preset_core`` marks the run with
the preset's own core. The published boot values are put beside ours; a user-task measurement
of the same move at the peak size checks the closed form 2 (2/3 S*/L)(t_remote - t_hit) of
reference-targets §2.6.

    python3 configs/papers/boot_migration_cost.py [--presets core2_duo,athlon_x2,...]
        [--mlp 2] [--store-buffer 8] [--workers N] [--no-cache] [--out DIR]

Writes boot_migration_cost.csv (every size of every level), summary.csv and the plot.
"""
import argparse
import os
import sys

import smpsim
from smpsim import workloads as wl

# Published migration_cost= boot lines (us), reference-targets §2.3: the machine each preset
# models, and the value per domain distance printed on it.
PUBLISHED = {
    "core2_duo": ("Core 2 Duo E6600, 4 MB shared L2", [(19, 19)]),
    "athlon_x2": ("Athlon 64 X2 3800+ / 4200+, 512 KB private L2", [(177, 229)]),
    "opteron_2x2": ("2x dual-core Opteron 275, 1 MB private L2", [(400, 400)]),
    "smt_quad": ("dual-socket HT Xeon (model not in the log)", [(33, 33), None, (1786, 1786)]),
}
DEFAULT_PRESETS = "core2_duo,athlon_x2,opteron_2x2,smt_quad"
MODES = ("blocking", "ooo")


def l2_size(cfg):
    """x86_cache_size: the second-level cache (the shared LLC when there is no private L2)."""
    return (cfg.l2 if cfg.l2.enabled else cfg.llc).size


def machine(preset, mode, mlp=2, store_buffer=8, seed=1):
    """The preset with a blocking core ("blocking") or an out-of-order one ("ooo")."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    cfg = smpsim.presets.get(preset)
    cfg.seed = seed
    cfg.core.mlp, cfg.core.store_buffer = (1, 0) if mode == "blocking" else (mlp, store_buffer)
    return cfg


def preset_core(preset, mode, **kw):
    """Whether the run's core is the preset's own."""
    own, run = smpsim.presets.get(preset).core, machine(preset, mode, **kw).core
    return (own.mlp, own.store_buffer) == (run.mlp, run.store_buffer)


def calibration(preset, mode, **kw):
    """The configuration whose boot runs the calibration (no other task)."""
    cfg = machine(preset, mode, **kw)
    cfg.kernel.calibration.enabled = True
    cfg.kernel.calibration.migration_debug = 1
    return cfg


def direct_move(preset, mode, size, **kw):
    """The move measured by a user task: touch ``size`` bytes with touch_cache on CPU 0, time a
    second touch there, move to CPU 1 (the first pair the calibration measures) and time a
    touch there; marks give the guest clock."""
    cfg = machine(preset, mode, **kw)
    steps = [wl.SetAffinity([0]), wl.TouchCache(size), wl.Mark("local0"), wl.TouchCache(size),
             wl.Mark("local1"), wl.SetAffinity([1]), wl.Mark("moved0"), wl.TouchCache(size),
             wl.Mark("moved1")]
    cfg.add_task("probe", wl.Phases(steps))
    return cfg


def move_cost_ns(result):
    """(moved touch - local touch) of a direct_move run, in ns."""
    marks = dict(result.tasks["probe"]["marks"])
    cycles = (marks["moved1"] - marks["moved0"]) - (marks["local1"] - marks["local0"])
    return cycles / result.config.freq_ghz


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", default=DEFAULT_PRESETS)
    ap.add_argument("--mlp", type=int, default=2, help="misses in flight of the ooo core")
    ap.add_argument("--store-buffer", type=int, default=8, help="store buffer of the ooo core")
    smpsim.sweeps.add_arguments(ap)
    ap.add_argument("--out", default="out/papers/boot_migration_cost")
    args = ap.parse_args(argv)
    presets = args.presets.split(",")
    for p in presets:
        if p not in smpsim.presets.names():
            raise SystemExit(f"unknown preset {p!r}; known: {', '.join(smpsim.presets.names())}")
    kw = {"mlp": args.mlp, "store_buffer": args.store_buffer, "seed": args.seed}
    keys = [(p, m) for p in presets for m in MODES]
    cal = dict(smpsim.sweeps.from_arguments([calibration(p, m, **kw) for p, m in keys], args,
                                            keys))
    failed = args.failed
    ok = [k for k in keys if k in cal]
    # The user-task check of the closed form, at each level 0 peak, with the presets' own cores.
    own = {k: preset_core(*k, mlp=args.mlp, store_buffer=args.store_buffer) for k in keys}
    checks = [k for k in ok if own[k] and cal[k].calibration["levels"][0]["size_found"]]
    direct = dict(smpsim.sweeps.from_arguments(
        [direct_move(p, m, cal[(p, m)].calibration["levels"][0]["size_found"], **kw)
         for p, m in checks], args, checks))
    failed += args.failed

    rows, summary = [], []
    for p, m in ok:
        c = cal[(p, m)].calibration
        l2 = l2_size(cal[(p, m)].config)
        for lvl in c["levels"]:
            for pt in lvl["points"]:
                rows.append({"preset": p, "mode": m, "distance": lvl["distance"],
                             "size": pt["size"], "size_l2": round(pt["size"] / l2, 4),
                             "cost_ns": pt["cost_ns"], "avg_fluct_ns": pt["avg_fluct_ns"]})
        line = next(x for x in cal[(p, m)].kernel_log if "migration_cost=" in x)
        published = PUBLISHED.get(p, ("", []))[1]
        for lvl in c["levels"]:
            d = lvl["distance"]
            pub = published[d] if d < len(published) else None
            closed = ""
            if lvl["distance"] == 0 and (p, m) in direct:
                closed = round(2 * move_cost_ns(direct[(p, m)]))
            summary.append({"preset": p, "mode": m, "preset_core": int(own[(p, m)]),
                            "distance": d,
                            "cpu1": lvl["cpu1"], "cpu2": lvl["cpu2"],
                            "migration_cost_us": lvl["migration_cost_ns"] // 1000,
                            "size_found": lvl["size_found"],
                            "peak_size_l2": round(lvl["size_found"] / l2, 3),
                            "closed_form_ns": closed,
                            "published_us": "" if pub is None else
                            (str(pub[0]) if pub[0] == pub[1] else f"{pub[0]}-{pub[1]}"),
                            "boot_line": line.split("] ", 1)[-1],
                            "calibration_s": round(c["seconds"], 3)})
    os.makedirs(args.out, exist_ok=True)
    smpsim.analysis.write_csv(os.path.join(args.out, "boot_migration_cost.csv"), rows)
    smpsim.analysis.write_csv(os.path.join(args.out, "summary.csv"), summary)
    print("%-12s %-9s %2s %10s %10s %8s %14s  %s" % ("preset", "core", "d", "ours(us)",
                                                   "published", "peak/L2", "closed form(us)",
                                                   "boot line"))
    for s in summary:
        cf = "" if s["closed_form_ns"] == "" else "%.0f" % (s["closed_form_ns"] / 1000)
        core = s["mode"] + ("*" if s["preset_core"] else "")
        print("%-12s %-9s %2d %10d %10s %8.2f %14s  %s" % (
            s["preset"], core, s["distance"], s["migration_cost_us"], s["published_us"],
            s["peak_size_l2"], cf, s["boot_line"]))
    print("* the preset's own core")
    plot(rows, presets, os.path.join(args.out, "boot_migration_cost.png"))
    return 1 if failed else 0


def plot(rows, presets, path):
    plt = smpsim.analysis.pyplot(announce=True)
    if plt is None:
        return
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=False)
    for ax, mode in zip(axes, MODES):
        for p in presets:
            for d in sorted({r["distance"] for r in rows if r["preset"] == p}):
                pts = [(r["size_l2"], r["cost_ns"] / 1000) for r in rows
                       if r["preset"] == p and r["mode"] == mode and r["distance"] == d]
                if pts:
                    ax.plot(*zip(*pts), marker=".", label=f"{p} d{d}")
        ax.axvline(1.0, color="grey", lw=0.8, ls="--")
        ax.set_xlabel("buffer size / L2 size")
        ax.set_ylabel("measure_cost (us): migrated - same CPU")
        ax.set_title("blocking core" if mode == "blocking" else "out-of-order core")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("2.6.16 boot calibration re-enacted: cost of a move vs buffer size")
    smpsim.analysis.save_figure(plt, fig, path, dpi=110)
    print(f"plot: {path}")


if __name__ == "__main__":
    sys.exit(main())
