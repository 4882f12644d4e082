#!/usr/bin/env python3
"""Thiébaut & Stone 1987, "Footprints in the Cache": lines of a suspended task lost to the task that
ran in between, simulated against the random-placement model (docs/papers/footprints.md).

Task A touches u_A random lines, task B then touches u_B random lines, then A re-touches its
lines most-recently-used first; under true LRU its misses are then exactly its lines that are no
longer resident. A paired re-run without B (same A lines) gives A's self-conflict misses; the
difference is the lines B displaced. Each trial replays generated traces on a CPU of its own whose
only data cache is a C-line K-way LRU L1D (no L2, no LLC, no TLB, bare metal, one miss at a time);
the points of the sweep run as one smpsim.sweep. Every trial is checked exactly: its misses must
equal the compulsory ones plus the per-set LRU count of its actual set occupancy.

    python3 configs/papers/footprints.py [--cache-lines 1024] [--ways 1,2,4,8,16]
        [--ua 1/8,1/4,1/2] [--ub-max 3] [--ub-step 1/8] [--trials 48] [--no-forward]
        [--workers N] [--scheduler tcp://HOST:8786] [--seed 1] [--out DIR]

Writes footprints.csv (a row per point: simulated mean and standard error, exact expectation,
normal-tail approximation), trials.csv (a row per trial), manifest.json (the trace files of each
trial) and footprints.png into --out.
"""
import argparse
import hashlib
import json
import math
import os
import sys
from fractions import Fraction

import numpy as np

import smpsim

LINE = 64                 # bytes per cache line
REGION = 1 << 40          # lines of each task's address region: A in [0, R), B in [R, 2R)
BATCH = 16                # trials per simulation (host cost grows fast with the CPU count)
PMF_FLOOR = 1e-17         # binomial terms below this are dropped from the sums


# ---------------------------------------------------------------------------------------------
# The analytical model (reference reconstruction of T&S 1987, see the doc page)

def binomial_pmf(n, p):
    """P[X = k] for k = 0..n, X ~ Binomial(n, p), as a numpy array (computed in log space)."""
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"binomial_pmf: n must be a non-negative int, got {n!r}")
    if not 0.0 < p <= 1.0:
        raise ValueError(f"binomial_pmf: p must be in (0, 1], got {p!r}")
    if p == 1.0:
        out = np.zeros(n + 1)
        out[n] = 1.0
        return out
    k = np.arange(n + 1)
    lg = np.array([math.lgamma(i + 1) for i in range(n + 1)])
    log = lg[n] - lg - lg[::-1] + k * math.log(p) + (n - k) * math.log1p(-p)
    return np.exp(log)


def lost_in_set(y, x, ways):
    """A's lines lost in one set holding y of A's lines (MRU) when x of B's lines follow:
    (x - (K - a))+ - (x - K)+ with a = min(y, K). Works elementwise on numpy arrays."""
    a = np.minimum(y, ways)
    return np.maximum(x - (ways - a), 0) - np.maximum(x - ways, 0)


def _check(sets, ways, ua, ub):
    for name, v in (("sets", sets), ("ways", ways)):
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive int, got {v!r}")
    for name, v in (("u_A", ua), ("u_B", ub)):
        if not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{name} must be a non-negative int, got {v!r}")


def _support(pmf):
    keep = np.nonzero(pmf > PMF_FLOOR)[0]
    return keep, pmf[keep]


def expected_lost(sets, ways, ua, ub):
    """Exact expectation of A's lost lines: S * sum_y sum_x Bin(y; u_A, 1/S) Bin(x; u_B, 1/S)
    * lost_in_set(y, x, K), for random footprints of u_A and u_B distinct lines."""
    _check(sets, ways, ua, ub)
    y, py = _support(binomial_pmf(ua, 1.0 / sets))
    x, px = _support(binomial_pmf(ub, 1.0 / sets))
    table = lost_in_set(y[:, None], x[None, :], ways)
    return float(sets * (py @ table @ px))


def expected_lost_direct_mapped(sets, ua, ub):
    """Closed form for K = 1: S [1 - (1 - 1/S)^u_A] [1 - (1 - 1/S)^u_B]."""
    _check(sets, 1, ua, ub)
    q = 1.0 - 1.0 / sets
    return sets * (1.0 - q ** ua) * (1.0 - q ** ub)


def normal_excess(t, mu, sigma):
    """E[(X - t)+] for integer t, X approximated by N(mu, sigma^2) with a continuity correction:
    sigma phi(z) + (mu - u) Q(z) + Q(z)/2, u = t + 1/2, z = (u - mu)/sigma."""
    if sigma <= 0.0:
        return max(mu - t, 0.0)
    u = t + 0.5
    z = (u - mu) / sigma
    phi = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    q = 0.5 * math.erfc(z / math.sqrt(2.0))
    return sigma * phi + (mu - u) * q + 0.5 * q


def expected_lost_normal(sets, ways, ua, ub):
    """The normal-tail approximation: B's count per set taken as normal (mean u_B/S, variance
    u_B/S (1 - 1/S)), A's exact: S * sum_y Bin(y; u_A, 1/S) [G(K - min(y, K)) - G(K)]."""
    _check(sets, ways, ua, ub)
    mu = ub / sets
    sigma = math.sqrt(mu * (1.0 - 1.0 / sets))
    y, py = _support(binomial_pmf(ua, 1.0 / sets))
    gk = normal_excess(ways, mu, sigma)
    per = [normal_excess(ways - min(int(v), ways), mu, sigma) - gk for v in y]
    return float(sets * np.dot(py, per))


def expected_lost_uniform(sets, ways, a, ub, normal=False):
    """A footprint of exactly ``a`` lines in every set (reference §7 table): exact, or with the
    normal tail when ``normal``."""
    _check(sets, ways, a, ub)
    if a > ways:
        raise ValueError(f"a must be at most the ways ({ways}), got {a}")
    if normal:
        mu = ub / sets
        sigma = math.sqrt(mu * (1.0 - 1.0 / sets))
        return sets * (normal_excess(ways - a, mu, sigma) - normal_excess(ways, mu, sigma))
    x, px = _support(binomial_pmf(ub, 1.0 / sets))
    return float(sets * np.dot(px, lost_in_set(a, x, ways)))


def trial_truth(a_lines, b_lines, sets, ways):
    """(self_conflicts, lost) of one trial from its actual set occupancy (set = line mod S):
    sum_s (Y_s - K)+ and sum_s lost_in_set(Y_s, X_s, K)."""
    y = np.bincount(np.asarray(a_lines) % sets, minlength=sets)
    x = np.bincount(np.asarray(b_lines) % sets, minlength=sets)
    return int(np.maximum(y - ways, 0).sum()), int(lost_in_set(y, x, ways).sum())


# ---------------------------------------------------------------------------------------------
# Address streams and traces

def distinct_lines(rng, n, lo):
    """n distinct uniformly random line numbers in [lo, lo + REGION), in drawing order."""
    out, seen = [], set()
    while len(out) < n:
        for v in rng.integers(0, REGION, size=n - len(out) + 8, dtype=np.int64).tolist():
            if v not in seen and len(out) < n:
                seen.add(v)
                out.append(lo + v)
    return np.array(out, dtype=np.int64)


def trial_streams(seed, trial, ua_max, ub_max):
    """A's and B's line streams of one trial; every u_A and u_B uses a prefix of them."""
    a = distinct_lines(np.random.default_rng([seed, trial, 0]), ua_max, 0)
    b = distinct_lines(np.random.default_rng([seed, trial, 1]), ub_max, REGION)
    return a, b


def write_trace(directory, stem, lines):
    """Loads of one 8-byte word per line, in order, as lackey text; the file is named by its
    content so that a cached sweep point can never meet other contents under its path."""
    text = "".join(f" L {int(v) * LINE:012x},8\n" for v in lines).encode()
    name = f"{stem}-{hashlib.sha256(text).hexdigest()[:12]}.lackey"
    path = os.path.join(directory, name)
    if not os.path.exists(path):
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(text)
        os.replace(tmp, path)
    return name


# ---------------------------------------------------------------------------------------------
# The experiment

def machine(cache_lines, ways, cpus, seed):
    """A bare-metal machine of ``cpus`` CPUs whose only data cache is a private true-LRU L1D
    of ``cache_lines`` 64-byte lines and ``ways`` ways."""
    cfg = smpsim.presets.quad()
    cfg.name = f"footprints-k{ways}"
    cfg.seed = seed
    cfg.topology.sockets = 1
    cfg.topology.threads_per_core = 1
    cfg.topology.cores_per_socket = cpus
    cfg.l1d.size = cache_lines * LINE
    cfg.l1d.line = LINE
    cfg.l1d.ways = ways
    cfg.l1d.replacement = "lru"
    cfg.l1d.prefetch.kind = "none"
    cfg.l2.enabled = False
    cfg.llc.enabled = False
    cfg.tlb.enabled = False
    cfg.kernel.enabled = False
    cfg.core.mlp = 1
    return cfg


def parse_fraction(text, what):
    try:
        f = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{what}: not a number or fraction: {text!r}") from None
    return f


def plan(cache_lines, ways, ua_fracs, ub_max, ub_step, trials):
    """Checks the options; returns (ways, u_A values, u_B values, B chunk) in lines."""
    if not isinstance(cache_lines, int) or cache_lines < 1:
        raise ValueError(f"--cache-lines must be a positive int, got {cache_lines!r}")
    if not isinstance(trials, int) or trials < 2:
        raise ValueError(f"--trials must be an int of at least 2, got {trials!r}")
    if not ways or any(k < 1 or cache_lines % k for k in ways):
        raise ValueError(f"--ways: each must divide --cache-lines ({cache_lines}), got {ways}")
    for k in ways:
        machine(cache_lines, k, 1, 1).validate()  # the simulator's own limits (power-of-2 sets)
    uas = []
    for f in ua_fracs:
        v = f * cache_lines
        if f <= 0 or v.denominator != 1:
            raise ValueError(f"--ua: {f} of {cache_lines} lines is not a positive whole number")
        uas.append(int(v))
    step, top = ub_step * cache_lines, ub_max * cache_lines
    if ub_step <= 0 or step.denominator != 1 or ub_max < 0 or top.denominator != 1:
        raise ValueError(f"--ub-step and --ub-max must give whole numbers of lines, got "
                         f"{ub_step} and {ub_max} of {cache_lines}")
    ubs = list(range(0, int(top) + 1, int(step)))
    return sorted(set(ways)), sorted(set(uas)), ubs, int(step)


def build(args, directory):
    """The sweep: configurations, their labels, and the trials' lines and trace names."""
    ways, uas, ubs, chunk = plan(args.cache_lines, args.ways, args.ua, args.ub_max, args.ub_step,
                                 args.trials)
    os.makedirs(directory, exist_ok=True)
    streams, manifest = [], {"chunk": chunk, "A": {}, "A_reverse": {}, "B": []}
    for t in range(args.trials):
        a, b = trial_streams(args.seed, t, max(uas), max(ubs))
        streams.append((a, b))
        manifest["B"].append([write_trace(directory, f"b-t{t}-c{j}", b[j * chunk:(j + 1) * chunk])
                              for j in range(len(b) // chunk)])
        for ua in uas:
            manifest["A"].setdefault(str(ua), []).append(
                write_trace(directory, f"a{ua}-t{t}", a[:ua]))
            manifest["A_reverse"].setdefault(str(ua), []).append(
                write_trace(directory, f"a{ua}-t{t}-rev", a[:ua][::-1]))

    made = {}

    def trace(name):
        if name not in made:
            made[name] = smpsim.workloads.Trace(os.path.abspath(os.path.join(directory, name)),
                                                "lackey")
        return made[name]

    def b_steps(t, ub):
        return [trace(n) for n in manifest["B"][t][:ub // chunk]]

    runs = []  # (label, cfg); label = (kind, K, u_A, u_B, first trial, trials)
    for k in ways:
        for ua in uas:
            for first in range(0, args.trials, BATCH):
                ts = range(first, min(first + BATCH, args.trials))
                kinds = ["control", "forward_control", "compulsory"] if args.forward else \
                    ["control", "compulsory"]
                runs.append(((("control", k, ua, max(ubs)), first, len(ts)), kinds))
                for ub in ubs:
                    runs.append(((("point", k, ua, ub), first, len(ts)),
                                 ["reverse", "forward"] if args.forward else ["reverse"]))
    cfgs, labels = [], []
    for (key, first, n), kinds in runs:
        _, k, ua, ub = key
        cfg = machine(args.cache_lines, k, n * len(kinds), args.seed)
        for i in range(n):
            t = first + i
            a = trace(manifest["A"][str(ua)][t])
            rev = trace(manifest["A_reverse"][str(ua)][t])
            bodies = {"control": [a, rev], "forward_control": [a, a],
                      "compulsory": [a] + b_steps(t, ub),
                      "reverse": [a] + b_steps(t, ub) + [rev],
                      "forward": [a] + b_steps(t, ub) + [a]}
            for j, kind in enumerate(kinds):
                cpu = i * len(kinds) + j
                cfg.add_task(f"t{t}-{kind}", smpsim.workloads.Phases(bodies[kind]), cpus=[cpu])
        cfgs.append(cfg)
        labels.append((key, first, n, kinds))
    return cfgs, labels, streams, manifest, (ways, uas, ubs)


def collect(results, streams, cache_lines, forward):
    """Per-trial numbers from the runs, every one checked against its exact LRU count.
    Returns ({(K, u_A, u_B): [trial rows]}, [problems])."""
    ctrl, points, problems = {}, {}, []
    for (key, first, n, kinds), res in results:
        kind, k, ua, ub = key
        sets = cache_lines // k
        for i in range(n):
            t = first + i
            a, b = streams[t]
            m = {kd: res.stats[f"system.cpu{i * len(kinds) + j}.l1d.misses"]
                 for j, kd in enumerate(kinds)}
            if kind == "control":
                self_, _ = trial_truth(a[:ua], b[:0], sets, k)
                if m["control"] != ua + self_:
                    problems.append(f"K={k} u_A={ua} trial {t}: {m['control']} misses re-run "
                                    f"without B, expected {ua} + {self_} self-conflicts")
                if m["compulsory"] != ua + ub:
                    problems.append(f"K={k} u_A={ua} trial {t}: first passes took "
                                    f"{m['compulsory']} misses, expected {ua} + {ub} distinct")
                ctrl[(k, ua, t)] = m
            else:
                points.setdefault((k, ua, ub), []).append((t, m))
    rows = {}
    for (k, ua, ub), trials in points.items():
        sets = cache_lines // k
        for t, m in trials:
            a, b = streams[t]
            c = ctrl[(k, ua, t)]
            lost = m["reverse"] - ub - c["control"]
            _, truth = trial_truth(a[:ua], b[:ub], sets, k)
            if lost != truth:
                problems.append(f"K={k} u_A={ua} u_B={ub} trial {t}: {lost} lines lost, the "
                                f"LRU count of its sets is {truth}")
            row = {"trial": t, "lost": lost, "truth": truth}
            if forward:
                row["forward"] = m["forward"] - ub - c["forward_control"]
            rows.setdefault((k, ua, ub), []).append(row)
    return rows, problems


def mean_se(values):
    v = np.asarray(values, dtype=float)
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(len(v)))


def summarize(rows, cache_lines, forward):
    out = []
    for (k, ua, ub) in sorted(rows):
        trials = sorted(rows[(k, ua, ub)], key=lambda r: r["trial"])
        sets = cache_lines // k
        mean, se = mean_se([r["lost"] for r in trials])
        exact = expected_lost(sets, k, ua, ub)
        rel = (mean - exact) / exact if exact > 0 else 0.0
        z = f"{(mean - exact) / se:.3f}" if se > 0 else ""  # every trial alike: no z
        row = {"ways": k, "sets": sets, "cache_lines": cache_lines, "u_A": ua, "u_B": ub,
               "u_A_over_C": f"{ua / cache_lines:.4f}", "u_B_over_C": f"{ub / cache_lines:.4f}",
               "trials": len(trials), "lost_mean": f"{mean:.4f}", "lost_se": f"{se:.4f}",
               "expected": f"{exact:.4f}",
               "normal_tail": f"{expected_lost_normal(sets, k, ua, ub):.4f}",
               "rel_err": f"{rel:.5f}", "z": z}
        if forward:
            fm, fse = mean_se([r["forward"] for r in trials])
            row.update({"forward_mean": f"{fm:.4f}", "forward_se": f"{fse:.4f}"})
        out.append(row)
    return out


def plot(points, cache_lines, ways, uas, forward, path):
    plt = smpsim.analysis.pyplot(announce=True)
    if plt is None:
        return
    panels = len(uas) + (1 if forward else 0)
    cols = 2 if panels > 1 else 1
    rows = (panels + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(6.2 * cols, 4.4 * rows), squeeze=False)
    axes = axes.ravel()
    colors = {k: plt.cm.viridis(i / max(1, len(ways) - 1) * 0.9) for i, k in enumerate(ways)}
    top = max(int(p["u_B"]) for p in points)
    grid = np.arange(0, top + 1, max(1, cache_lines // 64))
    for ax, ua in zip(axes, uas):
        for k in ways:
            sets = cache_lines // k
            exact = [expected_lost(sets, k, ua, int(u)) / ua for u in grid]
            normal = [expected_lost_normal(sets, k, ua, int(u)) / ua for u in grid]
            ax.plot(grid / cache_lines, exact, color=colors[k], lw=1.4,
                    label=f"{'direct-mapped' if k == 1 else f'{k}-way'}")
            ax.plot(grid / cache_lines, normal, color=colors[k], lw=1.0, ls="--")
            pts = [p for p in points if int(p["ways"]) == k and int(p["u_A"]) == ua]
            ax.errorbar([int(p["u_B"]) / cache_lines for p in pts],
                        [float(p["lost_mean"]) / ua for p in pts],
                        yerr=[3 * float(p["lost_se"]) / ua for p in pts],
                        fmt="o", ms=3.5, color=colors[k], capsize=2)
        ax.set_title(f"u_A = {Fraction(ua, cache_lines)} C  (C = {cache_lines} lines, LRU)")
        ax.set_xlabel("u_B / C (lines B touches, over the cache size)")
        ax.set_ylabel("fraction of A's lines lost")
        ax.set_ylim(-0.02, 1.02)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, loc="lower right",
                  title="line: exact, dashed: normal tail, dots: simulated ±3 SE",
                  title_fontsize=7)
    if forward:
        ax = axes[len(uas)]
        ua = uas[len(uas) // 2]
        for k in ways:
            pts = [p for p in points if int(p["ways"]) == k and int(p["u_A"]) == ua]
            x = [int(p["u_B"]) / cache_lines for p in pts]
            ax.plot(x, [float(p["lost_mean"]) / ua for p in pts], "o-", ms=3, lw=1,
                    color=colors[k], label=f"K={k} lines lost (MRU-first re-run)")
            ax.plot(x, [float(p["forward_mean"]) / ua for p in pts], "x:", ms=4, lw=1,
                    color=colors[k], label=f"K={k} misses, original order")
        ax.set_title(f"Reordered misses, u_A = {Fraction(ua, cache_lines)} C")
        ax.set_xlabel("u_B / C")
        ax.set_ylabel("per line of A's footprint")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=6.5, ncol=2)
    for ax in axes[panels:]:
        ax.set_visible(False)
    smpsim.analysis.save_figure(plt, fig, path, dpi=110)
    print(f"plot: {path}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache-lines", type=int, default=1024, help="C: lines of the cache")
    ap.add_argument("--ways", default="1,2,4,8,16", help="comma-separated associativities K")
    ap.add_argument("--ua", default="1/8,1/4,1/2", help="A's footprints, fractions of C")
    ap.add_argument("--ub-max", default="3", help="largest u_B, a fraction of C")
    ap.add_argument("--ub-step", default="1/8", help="step of u_B, a fraction of C")
    ap.add_argument("--trials", type=int, default=48, help="trials per point")
    ap.add_argument("--no-forward", dest="forward", action="store_false",
                    help="skip the original-order re-run (the reordered-miss caveat)")
    smpsim.sweeps.add_arguments(ap)
    ap.add_argument("--out", default="out/papers/footprints")
    args = ap.parse_args(argv)
    try:
        args.ways = [int(k) for k in args.ways.split(",")]
        args.ua = [parse_fraction(f, "--ua") for f in args.ua.split(",")]
        args.ub_max = parse_fraction(args.ub_max, "--ub-max")
        args.ub_step = parse_fraction(args.ub_step, "--ub-step")
        if args.replicas != 1:
            raise ValueError("--replicas: trials are the replicas here; use --trials")
        cfgs, labels, streams, manifest, (ways, uas, _) = build(
            args, os.path.join(args.out, "traces"))
    except ValueError as e:
        ap.error(str(e))
    print(f"{len(cfgs)} simulations, {args.trials} trials per point")
    results = list(smpsim.sweeps.from_arguments(cfgs, args, labels))
    if args.failed:
        return 1
    rows, problems = collect(results, streams, args.cache_lines, args.forward)
    for p in problems[:20]:
        print("MISMATCH " + p, file=sys.stderr)
    points = summarize(rows, args.cache_lines, args.forward)
    fields = list(points[0])
    smpsim.analysis.write_csv(os.path.join(args.out, "footprints.csv"), points, fields)
    trial_rows = [{"ways": k, "u_A": ua, "u_B": ub, **r}
                  for (k, ua, ub) in sorted(rows)
                  for r in sorted(rows[(k, ua, ub)], key=lambda r: r["trial"])]
    smpsim.analysis.write_csv(os.path.join(args.out, "trials.csv"), trial_rows,
                              ["ways", "u_A", "u_B", "trial", "lost", "truth"] +
                              (["forward"] if args.forward else []))
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump({"cache_lines": args.cache_lines, "line": LINE, "seed": args.seed,
                   **manifest}, f, indent=1, sort_keys=True)
        f.write("\n")
    print("%5s %5s %5s %10s %8s %10s %10s %8s %7s" % ("K", "u_A", "u_B", "simulated", "SE",
                                                     "expected", "normal", "rel", "z"))
    worst_rel = worst_z = 0.0
    outside = 0
    for p in points:
        exact, mean, se = float(p["expected"]), float(p["lost_mean"]), float(p["lost_se"])
        print("%5s %5s %5s %10.2f %8.2f %10.2f %10.2f %8.4f %7s" % (
            p["ways"], p["u_A"], p["u_B"], mean, se, exact, float(p["normal_tail"]),
            float(p["rel_err"]), p["z"] or "-"))
        if exact >= 1.0:
            worst_rel = max(worst_rel, abs(float(p["rel_err"])))
        if p["z"]:
            worst_z = max(worst_z, abs(float(p["z"])))
        # 3 %, 3 SE, or the resolution of a mean of n whole numbers (when every trial lost
        # the same, e.g. nothing, against an expectation far below one line, the SE is 0).
        outside += abs(mean - exact) > max(0.03 * exact, 3 * se, 1.0 / int(p["trials"]))
    print(f"worst |relative error| (expected >= 1 line): {worst_rel:.4f}; worst |z|: "
          f"{worst_z:.2f}; points outside 3 %, 3 SE and 1/n: {outside} of {len(points)}; "
          f"per-trial LRU count mismatches: {len(problems)}")
    plot(points, args.cache_lines, ways, uas, args.forward,
         os.path.join(args.out, "footprints.png"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
