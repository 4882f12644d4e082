"""Many simulations at once: on local workers or a Dask cluster, cached on disk (``smpsim.sweep``).

Every point is a configuration and a seed. Its run id hashes the resolved configuration (seed
included), the `until` limit and the build of the simulator; a finished point's result is kept in
the cache directory under that id and is never run again. Each simulation runs in its own child
process (as :func:`smpsim.run` does), so local workers are threads that wait on children, and
Dask workers (daemonic processes) start children with ``subprocess`` too. A point that fails —
invalid configuration, crash, timeout — becomes a :class:`PointFailure` in its place; the other
points are kept.
"""

import concurrent.futures
import functools
import hashlib
import json
import math
import os
import statistics
import sys
import tempfile
import time

from . import _smpsim, units
from .errors import SimulationError
from .result import Result

__all__ = ["sweep", "PointFailure", "run_id", "default_cache_dir", "add_arguments", "from_arguments"]

# Two-sided 95 % Student t quantiles for n - 1 degrees of freedom (n = 2 .. 31); above, 1.96.
_T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
        2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
        2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


class PointFailure:
    """A sweep point that did not produce a result: its configuration, seed and the error."""

    ok = False

    def __init__(self, config, error):
        self.config = config
        self.seed = config.seed
        self.error = error
        self.message = f"{type(error).__name__}: {error}"

    def __repr__(self):
        return f"<PointFailure {self.config.name} seed {self.seed}: {self.message}>"


def default_cache_dir():
    """$SMPSIM_CACHE, else ~/.cache/smpsim/runs."""
    return os.environ.get("SMPSIM_CACHE") or os.path.join(os.path.expanduser("~"), ".cache",
                                                          "smpsim", "runs")


@functools.lru_cache(maxsize=1)
def _build_id():
    """Hash of the compiled simulator: a rebuilt simulator never reuses old results."""
    h = hashlib.sha256()
    with open(_smpsim.__file__, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def run_id(cfg, until=None):
    """The id of one point: configuration (seed included), `until` and build."""
    h = hashlib.sha256()
    h.update(cfg.to_json().encode())
    h.update(repr(until).encode())
    h.update(_build_id().encode())
    return h.hexdigest()[:24]


def _simulate(config_json, until, timeout):
    """One point, in the calling process's child (a local worker thread or a Dask worker):
    returns ("ok", result.json object) or ("error", type name, message)."""
    from .runner import run  # imported here: Dask workers unpickle this function alone
    try:
        cfg = _smpsim.SystemConfig.from_json(config_json)
        res = run(cfg, until=until, timeout=timeout, progress=False)
    except (ValueError, OSError, SimulationError) as e:
        return ("error", type(e).__name__, str(e))
    return ("ok", res.to_json())


_ERRORS = {"ValueError": ValueError, "OSError": OSError, "SimulationError": SimulationError}


class _Progress:
    """runs done / total and ETA on stderr when it is a terminal; silent otherwise."""

    def __init__(self, total, enabled):
        self.total, self.done, self.t0 = total, 0, time.monotonic()
        self.enabled = enabled and total > 0

    def step(self, n=1):
        self.done += n
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.t0
        eta = elapsed / self.done * (self.total - self.done) if self.done else 0.0
        bar = "#" * (30 * self.done // self.total)
        sys.stderr.write(f"\rsweep [{bar:<30}] {self.done}/{self.total} runs, ETA {eta:5.0f} s")
        if self.done == self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _points(cfgs, replicas):
    points = []
    for cfg in cfgs:
        if not isinstance(cfg, _smpsim.SystemConfig):
            raise TypeError(f"sweep: expected SystemConfig objects, got {type(cfg).__name__}")
        for r in range(replicas):
            p = cfg.copy()
            p.seed = cfg.seed + r
            points.append(p)
    return points


def sweep(cfgs, workers=None, scheduler=None, replicas=1, until=None, timeout=None, cache=None,
          progress=None):
    """Run every configuration of ``cfgs`` (``replicas`` times each, with seeds seed ..
    seed+replicas-1) and return one :class:`Result` per configuration, in order; with replicas,
    ``result.replicas`` holds every replica's Result and ``result.summary()`` their means and
    95 % confidence intervals. A point that failed is a :class:`PointFailure` in its place (with
    replicas: the configuration's entry is the first failure).

    workers    local worker threads (each waits on one simulation child); None: os.cpu_count()
    scheduler  "tcp://host:8786": run on that Dask distributed cluster instead (its workers need
               smpsim importable); a dask.distributed Client is accepted too
    until      stop each run at this time or cycle count (as in :func:`smpsim.run`)
    timeout    host seconds per run
    cache      directory of finished runs (None: :func:`default_cache_dir`; False: no cache)
    progress   progress bar on stderr: None = when stderr is a terminal
    """
    if not isinstance(replicas, int) or replicas < 1:
        raise ValueError(f"sweep: replicas must be a positive int, got {replicas!r}")
    cfgs = list(cfgs)
    points = _points(cfgs, replicas)
    cache_dir = None if cache is False else os.path.abspath(cache or default_cache_dir())
    outcome = [None] * len(points)
    todo = []
    for i, p in enumerate(points):
        try:
            p.validate()
            if until is not None:
                units.parse_time(until, p.freq_ghz, field="until")
        except ValueError as e:
            outcome[i] = PointFailure(p, e)
            continue
        rid = run_id(p, until)
        cached = _load(cache_dir, rid) if cache_dir else None
        if cached is not None:
            outcome[i] = Result.from_json(cached, config=p)
        else:
            todo.append((i, rid))
    bar = _Progress(len(points), sys.stderr.isatty() if progress is None else progress)
    bar.step(len(points) - len(todo))

    def finish(i, rid, answer):
        if answer[0] == "ok":
            if cache_dir:
                _store(cache_dir, rid, points[i], answer[1])
            outcome[i] = Result.from_json(answer[1], config=points[i])
        else:
            outcome[i] = PointFailure(points[i], _ERRORS.get(answer[1], SimulationError)(answer[2]))
        bar.step()

    jobs = [(points[i].to_json(), until, timeout) for i, _ in todo]
    if scheduler is not None:
        _run_dask(scheduler, todo, jobs, finish)
    else:
        n = workers or os.cpu_count() or 1
        with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
            futures = {pool.submit(_simulate, *job): k for k, job in enumerate(jobs)}
            for f in concurrent.futures.as_completed(futures):
                i, rid = todo[futures[f]]
                finish(i, rid, f.result())

    results = []
    for c in range(len(cfgs)):
        group = outcome[c * replicas:(c + 1) * replicas]
        failed = [g for g in group if isinstance(g, PointFailure)]
        if failed:
            results.append(failed[0])
            continue
        first = group[0]
        first.replicas = group
        results.append(first)
    return results


def _run_dask(scheduler, todo, jobs, finish):
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise ImportError("sweep(scheduler=...) needs dask.distributed (Debian: "
                          "python3-distributed)") from None
    own = not hasattr(scheduler, "submit")
    client = Client(scheduler) if own else scheduler
    try:
        futures = [client.submit(_simulate, *job, pure=False) for job in jobs]
        index = {f.key: k for k, f in enumerate(futures)}
        for f in as_completed(futures):
            i, rid = todo[index[f.key]]
            try:
                answer = f.result()
            except Exception as e:  # the worker itself died: this point fails alone
                answer = ("error", "SimulationError", f"Dask worker failed: {e}")
            finish(i, rid, answer)
    finally:
        if own:
            client.close()


def _load(cache_dir, rid):
    path = os.path.join(cache_dir, rid, "result.json")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _store(cache_dir, rid, cfg, data):
    """Writes the point's config.json and result.json atomically (a reader sees all or none)."""
    d = os.path.join(cache_dir, rid)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w", encoding="utf-8") as f:
        f.write(cfg.to_json() + "\n")
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".result-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f)
    os.replace(tmp, os.path.join(d, "result.json"))


def summarize(results):
    """Mean and 95 % confidence half-width of every numeric stat, of sim_cycles and of each
    task's cycles, over replica Results: {name: (mean, half_width)} (half_width 0 for one)."""
    values = {}
    for r in results:
        rows = dict(r.stats)
        rows["sim_cycles"] = r.sim_cycles
        for name, t in r.tasks.items():
            rows[f"tasks.{name}.cycles"] = t.get("cycles", 0)
        for k, v in rows.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                values.setdefault(k, []).append(float(v))
    out = {}
    for k, vs in values.items():
        n = len(vs)
        mean = statistics.fmean(vs)
        if n < 2:
            out[k] = (mean, 0.0)
            continue
        t = _T95[n - 2] if n - 2 < len(_T95) else 1.96
        out[k] = (mean, t * statistics.stdev(vs) / math.sqrt(n))
    return out


def add_arguments(parser):
    """The sweep options of the experiment scripts (configs/*.py): --seed, --replicas,
    --workers, --scheduler, --no-cache."""
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--replicas", type=int, default=1, help="runs per point (seeds seed..)")
    parser.add_argument("--workers", type=int, default=None, help="local simulations at a time")
    parser.add_argument("--scheduler", default=None, help="Dask scheduler, tcp://HOST:8786")
    parser.add_argument("--no-cache", action="store_true", help="run every point again")


def from_arguments(cfgs, args, labels):
    """sweep(cfgs) with the options of add_arguments; yields (label, Result) for each point
    that ran. A failed point is reported on stderr and counted in args.failed."""
    results = sweep(cfgs, workers=args.workers, scheduler=args.scheduler, replicas=args.replicas,
                    cache=False if args.no_cache else None)
    args.failed = 0
    for label, r in zip(labels, results):
        if isinstance(r, PointFailure):
            print(f"{label}: failed: {r.message}", file=sys.stderr)
            args.failed += 1
            continue
        yield label, r
