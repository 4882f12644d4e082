"""Plots and a summary of finished runs (``python3 -m smpsim report OUT_DIR``).

A run directory holds ``result.json`` and ``samples.csv`` as the simulator writes them. A
directory of runs (the main job's ``out/migration_cost``: one sub-directory per CPU pair) is
reported as one: its runs' migrations together.

Three PNGs are written into the directory:

``migration_cost.png``  each migration's cost: the migration path's cycles, the cold-miss
                        stall the ghost attributed to it by cache level, and the shift of the
                        misses that happen anyway (hatched below zero when the move saved);
``miss_rate.png``       the destination CPU's L1 miss rate and share of accesses served beyond
                        the L2 over time around each migration's first run there (and the
                        source CPU's for comparison), from ``samples.csv``;
``cost_matrix.png``     mean cost (path + cold stall + shift) per source and destination CPU.
"""

import csv
import json
import math
import os

__all__ = ["load_runs", "read_samples", "report", "pyplot", "save_figure", "write_csv"]

LEVELS = ("l1i", "l1d", "l2")
SERVED = ("l1", "l2", "llc", "peer_cache", "remote_cache", "memory", "remote_memory")
MAX_MISS_RATE_PANELS = 6


def pyplot(announce=False):
    """matplotlib.pyplot on the Agg backend, or None when matplotlib is not installed (which,
    with ``announce``, is said on stdout: a script then writes its data without the plot)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        if announce:
            print("no plot: matplotlib is not installed for this interpreter")
        return None
    return plt


def save_figure(plt, fig, path, dpi=100):
    """Lays out, writes and closes `fig`."""
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


def write_csv(path, rows, fields=None):
    """Write ``rows`` (dicts) to the CSV file ``path`` with the columns ``fields`` (default: the
    first row's keys), "\n" line ends, so that the same rows give the same bytes."""
    import csv
    if fields is None:
        fields = list(rows[0]) if rows else []
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def load_runs(out_dir):
    """Return [(label, run_dir, result_dict)] for OUT_DIR: the run itself when it holds a
    result.json, else each immediate sub-directory that does (sorted by name).
    Raises ValueError when there is none."""
    if not os.path.isdir(out_dir):
        raise ValueError(f"{out_dir}: not a directory")
    dirs = []
    if os.path.isfile(os.path.join(out_dir, "result.json")):
        dirs.append((os.path.basename(os.path.normpath(out_dir)), out_dir))
    else:
        for name in sorted(os.listdir(out_dir)):
            sub = os.path.join(out_dir, name)
            if os.path.isfile(os.path.join(sub, "result.json")):
                dirs.append((name, sub))
    if not dirs:
        raise ValueError(f"{out_dir}: no result.json in it or in its sub-directories "
                         "(is it the output directory of a finished run?)")
    runs = []
    for label, d in dirs:
        path = os.path.join(d, "result.json")
        try:
            with open(path) as f:
                runs.append((label, d, json.load(f)))
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}:{e.lineno}: not valid JSON ({e.msg})") from None
    return runs


def read_samples(run_dir):
    """Per-CPU access samples of a run: {cpu: [(start_cycle, accesses, {served: count})]}
    ({} when the run wrote none)."""
    path = os.path.join(run_dir, "samples.csv")
    out = {}
    if not os.path.isfile(path):
        return out
    with open(path, newline="") as f:
        for lineno, row in enumerate(csv.DictReader(f), start=2):
            try:
                served = {k: int(row[k]) for k in SERVED}
                out.setdefault(int(row["cpu"]), []).append(
                    (int(row["start_cycle"]), int(row["accesses"]), served))
            except (KeyError, TypeError, ValueError):
                raise ValueError(f"{path}:{lineno}: malformed sample row") from None
    return out


def _rates(sample):
    _, n, served = sample
    if not n:
        return 0.0, 0.0
    l1 = n - served["l1"]
    return l1 / n, (l1 - served["l2"]) / n


def _cost(m):
    return m["path_cycles"] + (m.get("migration_stall_cycles") or 0)


def _plot_costs(plt, migs, path):
    fig, ax = plt.subplots(figsize=(max(6, min(16, 0.4 * len(migs) + 3)), 4))
    x = range(len(migs))
    bottom = [m["path_cycles"] for m in migs]
    ax.bar(x, bottom, label="migration path", color="#888888")
    colors = {"l1i": "#4c72b0", "l1d": "#55a868", "l2": "#c44e52"}
    for lvl in LEVELS:
        h = [(m["cold_stall_by_level"] or {}).get(lvl, 0) for m in migs]
        ax.bar(x, h, bottom=bottom, label=f"cold stall {lvl}", color=colors[lvl])
        bottom = [b + v for b, v in zip(bottom, h)]
    shift = [m.get("shift_stall_cycles") or 0 for m in migs]
    ax.bar(x, [max(v, 0) for v in shift], bottom=bottom, label="shift (misses anyway)",
           color="#dd8452")
    ax.bar(x, [min(v, 0) for v in shift], color="#dd8452", hatch="//")
    bottom = [b + max(v, 0) for b, v in zip(bottom, shift)]
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xticks(list(x), [f"{m['_label']}" for m in migs], rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("cycles")
    ax.set_ylim(min(shift + [0]) * 1.3, 1.3 * max(bottom + [1]))
    ax.set_title("cost of each migration (path, cold-miss stall by level, shift)", fontsize=9)
    ax.legend(fontsize=7, ncol=4, loc="upper left")
    save_figure(plt, fig, path)


def _plot_miss_rates(plt, migs, samples, freq_ghz, path):
    shown = [m for m in migs if m["t_first_run"]][:MAX_MISS_RATE_PANELS]
    if not shown:
        return False
    fig, axes = plt.subplots(len(shown), 1, figsize=(7, 2.2 * len(shown)), squeeze=False)
    for ax, m in zip(axes[:, 0], shown):
        t0 = m["t_first_run"]
        ghost = m.get("ghost") or {}
        span = max(4 * max(ghost.get("end", t0) - t0, 0), 200_000)
        for cpu, style, who in ((m["dst"], "-", "dst"), (m["src"], ":", "src")):
            pts = [s for s in samples[m["_run"]].get(cpu, []) if t0 - span <= s[0] <= t0 + span]
            if not pts:
                continue
            xs = [(s[0] - t0) / (freq_ghz * 1e3) for s in pts]
            l1, beyond = zip(*(_rates(s) for s in pts))
            ax.step(xs, l1, style, where="post", color="#4c72b0", label=f"{who} cpu{cpu} L1 miss rate")
            ax.step(xs, beyond, style, where="post", color="#c44e52",
                    label=f"{who} cpu{cpu} served beyond L2")
        ax.axvline(0, color="black", lw=0.8)
        if ghost.get("end"):
            ax.axvline((ghost["end"] - t0) / (freq_ghz * 1e3), color="gray", lw=0.8, ls="--")
        ax.set_ylim(0, 1)
        ax.set_title(f"{m['_label']}: first run on cpu{m['dst']} at 0 (dashed: ghost ends)", fontsize=8)
        ax.set_ylabel("per access", fontsize=7)
        ax.legend(fontsize=6, loc="upper right")
    axes[-1, 0].set_xlabel("microseconds from the first run on the destination")
    save_figure(plt, fig, path)
    return True


def _plot_matrix(plt, migs, cpus, path):
    sums = {}
    for m in migs:
        sums.setdefault((m["src"], m["dst"]), []).append(_cost(m))
    grid = [[math.nan] * cpus for _ in range(cpus)]
    for (s, d), v in sums.items():
        if 0 <= s < cpus and 0 <= d < cpus:
            grid[s][d] = sum(v) / len(v)
    fig, ax = plt.subplots(figsize=(5, 4))
    im = ax.imshow(grid, cmap="viridis")
    ax.set_xticks(range(cpus), [str(c) for c in range(cpus)])
    ax.set_yticks(range(cpus), [str(c) for c in range(cpus)])
    ax.set_xlabel("destination CPU")
    ax.set_ylabel("source CPU")
    ax.set_title("mean cost of a migration (path + cold stall + shift)", fontsize=9)
    fig.colorbar(im, ax=ax, label="cycles")
    save_figure(plt, fig, path)


def _summary(runs, migs, freq_ghz):
    lines = [f"{len(runs)} run(s), {len(migs)} migration(s)"]
    if not migs:
        return "\n".join(lines)
    lines.append("%-24s %-10s %10s %8s %12s %10s %14s" % ("migration", "reason", "path", "cold",
                                                          "cold stall", "shift", "ghost ended"))
    for m in migs[:40]:
        cold = "-" if m["cold_misses"] is None else str(m["cold_misses"])
        stall = "-" if m["cold_stall_cycles"] is None else str(m["cold_stall_cycles"])
        shift = "-" if m.get("shift_stall_cycles") is None else str(m["shift_stall_cycles"])
        ended = (m.get("ghost") or {}).get("ended", "-")
        lines.append("%-24s %-10s %10d %8s %12s %10s %14s" % (m["_label"][:24], m["reason"],
                                                               m["path_cycles"], cold, stall,
                                                               shift, ended))
    if len(migs) > 40:
        lines.append(f"... {len(migs) - 40} more in migrations.csv")
    costs = sorted(_cost(m) for m in migs)
    med = costs[len(costs) // 2]
    lines.append(f"median cost (path + cold stall + shift) {med} cycles "
                 f"({med / (freq_ghz * 1e3):.2f} us)")
    return "\n".join(lines)


def report(out_dir, plots=True):
    """Write the PNGs into OUT_DIR and return {"runs", "migrations", "files", "summary"}.
    Plots need matplotlib; without it (or with plots=False) only the summary is made."""
    runs = load_runs(out_dir)
    migs, samples, freq, cpus = [], {}, None, 0
    for i, (label, d, res) in enumerate(runs):
        cfg_path = os.path.join(d, "config.json")
        try:
            with open(cfg_path) as f:
                cfg = json.load(f)
            ghz = float(cfg["freq_ghz"])
            topo = cfg["topology"]
            ncpu = int(topo["sockets"]) * int(topo["cores_per_socket"]) * int(topo["threads_per_core"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{cfg_path}: cannot read the machine ({type(e).__name__}: {e})") from None
        freq = freq or ghz
        cpus = max(cpus, ncpu)
        samples[i] = read_samples(d)
        for m in res.get("migrations", []):
            m = dict(m, _run=i)
            prefix = f"{label}: " if len(runs) > 1 else ""
            m["_label"] = f"{prefix}{m['task']} {m['src']}->{m['dst']}"
            migs.append(m)
    files = []
    if plots and migs:
        plt = pyplot()
        if plt is not None:
            p = os.path.join(out_dir, "migration_cost.png")
            _plot_costs(plt, migs, p)
            files.append(p)
            p = os.path.join(out_dir, "miss_rate.png")
            if _plot_miss_rates(plt, migs, samples, freq, p):
                files.append(p)
            p = os.path.join(out_dir, "cost_matrix.png")
            _plot_matrix(plt, migs, cpus, p)
            files.append(p)
    return {"runs": len(runs), "migrations": len(migs), "files": files,
            "summary": _summary(runs, migs, freq)}
