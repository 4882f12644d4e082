"""Counterfactual validation of the per-migration cost (``smpsim.run(cfg, counterfactual=True)``).

For every affinity migration of the real run, a paired run of the same configuration and seed
replaces that one migration by a same-CPU resumption: the kernel keeps the task on its source
CPU, off the runqueue until the cycle at which the real run first ran it on the destination
(the same off-CPU interval), and then sums its user stall cycles over as many user accesses as
the real run made in two windows. Until that migration both runs are identical (same seed,
deterministic), so the differences are what the migration cost, measured without the ghost:

    counterfactual_cycles       over the ghost's window (from the migration until the ghost had
                                no live lines or its window ended); on isolated migrations it
                                agrees with the ghost's user cold_stall_cycles
    counterfactual_stay_cycles  over the whole stay on the destination (to the task's next
                                migration, exit or the end of the run); it also holds what no
                                private-cache ghost sees: misses that happen anyway but are now
                                served from farther (remote memory after a cross-socket move) or
                                nearer (the source core's cache, still holding the data, answering
                                later misses), which can make it larger or even negative
"""

import concurrent.futures
import csv
import io
import json
import os
import shutil
import tempfile

from .errors import SimulationError

__all__ = ["run_paired", "paired_config", "eligible"]


def paired_config(snapshot, index, migration):
    """The configuration of the run that replaces migration ``index`` (a dict of res.migrations)."""
    cfg = snapshot.copy()
    cfg.measure.ghost = False
    cfg.measure.cf_migration = index
    cfg.measure.cf_resume = int(migration["t_first_run"])
    ghost = migration.get("ghost")
    window = ghost["window_user_accesses"] if ghost else migration["stay_accesses"]
    cfg.measure.cf_accesses = int(window)
    cfg.measure.cf_stay_accesses = int(migration["stay_accesses"])
    return cfg


def eligible(m):
    """Whether run_paired pairs migration m (a dict of res.migrations): an affinity move of a
    task that ran after it."""
    return m["reason"] == "affinity" and m["t_first_run"] > 0 and not m.get("suppressed")


def run_paired(snapshot, out, until_cycles, timeout, workers=None):
    """Real run plus one paired run per affinity migration; returns the real Result with
    ``counterfactual_cycles`` set on every migration (None where not applicable)."""
    from .runner import run_once

    res = run_once(snapshot, out, until_cycles, timeout)
    todo = [(i, m) for i, m in enumerate(res.migrations) if eligible(m)]
    for m in res.migrations:
        m["counterfactual_cycles"] = m["counterfactual_stay_cycles"] = None
    if not todo:
        _write_back(res)
        return res

    base = res.out if res.out else tempfile.mkdtemp(prefix="smpsim-cf-")
    root = os.path.join(base, "counterfactual")

    def one(item):
        i, m = item
        return i, run_once(paired_config(snapshot, i, m), os.path.join(root, f"m{i}"),
                           until_cycles, timeout)

    workers = workers or min(len(todo), os.cpu_count() or 1)
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            paired = dict(pool.map(one, todo))
    finally:
        if not res.out:
            shutil.rmtree(base, ignore_errors=True)
    for i, m in todo:
        _set_counterfactual(i, m, paired[i])
    _write_back(res)
    return res


def _set_counterfactual(i, m, other):
    """Sets m's counterfactual_cycles and counterfactual_stay_cycles from its paired run."""
    probe = other.counterfactual or {}
    if i >= len(other.migrations) or not other.migrations[i].get("suppressed") or \
            other.migrations[i]["task"] != m["task"]:
        raise SimulationError(f"counterfactual run for migration {i} ({m['task']} "
                              f"{m['src']}->{m['dst']}) diverged from the real run before it")
    # No comparison when the held task never ran on its source (the kernel moved it on before it
    # did: staying had no stay to measure) or the paired run ended first (e.g. `until`).
    if probe.get("migration") != i:
        moved_on = any(x["task"] == m["task"] for x in other.migrations[i + 1:])
        if not moved_on and other.tasks.get(m["task"], {}).get("exited"):
            raise SimulationError(f"counterfactual run for migration {i} ({m['task']} "
                                  f"{m['src']}->{m['dst']}): the held task exited without "
                                  f"resuming on its source")
        return
    if not probe.get("complete"):
        return
    ghost = m.get("ghost")
    real_window = ghost["window_user_stall_cycles"] if ghost else m["stay_user_stall_cycles"]
    m["counterfactual_cycles"] = int(real_window) - int(probe["user_stall_cycles"])
    m["counterfactual_stay_cycles"] = (int(m["stay_user_stall_cycles"])
                                       - int(probe["stay_user_stall_cycles"]))


def _write_back(res):
    """Adds counterfactual_cycles to result.json and migrations.csv of the real run."""
    if not res.out:
        return
    path = os.path.join(res.out, "result.json")
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    for m, r in zip(data.get("migrations", []), res.migrations):
        m["counterfactual_cycles"] = r["counterfactual_cycles"]
        m["counterfactual_stay_cycles"] = r["counterfactual_stay_cycles"]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")
    csv_path = os.path.join(res.out, "migrations.csv")
    if not os.path.exists(csv_path):
        return
    with open(csv_path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    if not rows or "counterfactual_cycles" in rows[0]:
        return
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(rows[0] + ["counterfactual_cycles", "counterfactual_stay_cycles"])
    for row, m in zip(rows[1:], res.migrations):
        w.writerow(row + ["" if m[k] is None else str(m[k])
                          for k in ("counterfactual_cycles", "counterfactual_stay_cycles")])
    with open(csv_path, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())
