"""Command line: ``python3 -m smpsim run CONFIG.json|CONFIG.py [--out DIR] [--set KEY=VALUE ...]
[--until T]``; ``python3 -m smpsim trace convert IN OUT [--from auto|lackey|binary]`` and
``python3 -m smpsim trace info FILE`` for memory traces.

A JSON config is the format of ``config.json`` (``SystemConfig.to_json``); it may start from a
preset with a "preset" key and give only what differs. A Python config must define ``cfg`` (a
SystemConfig) or a function ``config()`` returning one. ``--set`` assigns dotted fields after
loading: ``--set l2.size=512KiB --set topology.sockets=2 --set tasks[0].nice=5``.
"""

import argparse
import json
import os
import re
import runpy
import sys

from . import _smpsim
from .errors import SimulationError
from .runner import run

EXIT_SIM_ERROR = 1
EXIT_USAGE = 2

_PART_RE = re.compile(r"^([A-Za-z_]\w*)(?:\[(-?\d+)\])?$")
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def load_config(path):
    """Load a SystemConfig from a .json or .py file; errors name the file."""
    if path.endswith(".json"):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        try:
            return _smpsim.SystemConfig.from_json(text)
        except ValueError as e:
            raise ValueError(f"{path}: {e}") from None
    if path.endswith(".py"):
        if not os.path.isfile(path):
            raise OSError(f"{path}: no such file")
        namespace = runpy.run_path(path, run_name="__smpsim_config__")
        if "cfg" in namespace:
            cfg = namespace["cfg"]
        elif callable(namespace.get("config")):
            cfg = namespace["config"]()
        else:
            raise ValueError(f"{path}: must define `cfg` (a SystemConfig) or a function "
                             f"`config()` returning one")
        if not isinstance(cfg, _smpsim.SystemConfig):
            raise ValueError(f"{path}: the config is a {type(cfg).__name__}, not a SystemConfig")
        return cfg
    raise ValueError(f"{path}: expected a .json or .py configuration file")


def _convert(text, current, key):
    """Convert the text of --set to the type of the field's current value."""
    if isinstance(current, bool):
        low = text.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(f"{key}: expected true or false, got {text!r}")
    if isinstance(current, int):
        try:
            return int(text, 0)
        except ValueError:
            return text  # sizes accept "512KiB"; other int fields reject it with a clear error
    if isinstance(current, float):
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{key}: expected a number, got {text!r}") from None
    if isinstance(current, str):
        return text
    if isinstance(current, list):
        try:
            return [int(x, 0) for x in text.strip().strip("[]").split(",") if x.strip()]
        except ValueError:
            raise ValueError(f"{key}: expected a comma-separated list of ints, "
                             f"got {text!r}") from None
    raise ValueError(f"{key}: is a group of fields; set one of them ({key}.<field>=...)")


def _assign(obj, parts, text, key):
    name, index = _parse_part(parts[0], key)
    if not hasattr(obj, name) or name.startswith("_") or callable(getattr(obj, name)):
        raise ValueError(f"{key}: unknown field '{name}' in {type(obj).__name__}")
    if index is None:
        if len(parts) == 1:
            setattr(obj, name, _convert(text, getattr(obj, name), key))
            return
        child = getattr(obj, name)
        _assign(child, parts[1:], text, key)
        setattr(obj, name, child)  # nested structs are references already; harmless then
        return
    items = list(getattr(obj, name))
    try:
        item = items[index]
    except (IndexError, TypeError):
        raise ValueError(f"{key}: no element [{index}] in {name} "
                         f"(it has {len(items)})") from None
    if len(parts) == 1:
        items[index] = _convert(text, item, key)
    else:
        _assign(item, parts[1:], text, key)
    setattr(obj, name, items)


def _parse_part(part, key):
    m = _PART_RE.match(part)
    if not m:
        raise ValueError(f"{key}: cannot parse '{part}' (expected name or name[index])")
    return m.group(1), (int(m.group(2)) if m.group(2) is not None else None)


def apply_set(cfg, assignment):
    """Apply one ``KEY=VALUE`` assignment (dotted key) to ``cfg``."""
    key, sep, text = assignment.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ValueError(f"--set {assignment!r}: expected KEY=VALUE, e.g. l2.size=512KiB")
    try:
        _assign(cfg, key.split("."), text.strip(), key)
    except TypeError as e:
        raise ValueError(f"{key}: {e}") from None


def format_summary(res):
    """A short human-readable summary of a Result."""
    freq = res.config.freq_ghz if res.config is not None else None
    when = ""
    if freq:
        ns = res.sim_cycles / freq
        value, unit = next(((ns / div, u) for div, u in ((1e9, "s"), (1e6, "ms"), (1e3, "us"))
                            if ns >= div), (ns, "ns"))
        when = f"  ({value:.3f} {unit} at {freq:g} GHz)"
    lines = [f"sim cycles   : {res.sim_cycles}{when}",
             f"host seconds : {res.host_seconds:.3f}",
             f"ops          : {res.ops}"]
    if res.tasks:
        width = max(len("task"), *(len(n) for n in res.tasks))
        lines.append(f"{'task':<{width}}  {'cpu':>4}  {'cycles':>14}  {'ops':>12}  "
                     f"{'l1_misses':>10}  exited")
        for name, t in res.tasks.items():
            lines.append(f"{name:<{width}}  {t.get('cpu', -1):>4}  {t.get('cycles', 0):>14}  "
                         f"{t.get('ops', 0):>12}  {t.get('l1_misses', 0):>10}  "
                         f"{'yes' if t.get('exited') else 'no'}")
    if res.out:
        lines.append(f"output       : {res.out}")
    return "\n".join(lines)


def _cmd_run(args):
    cfg = load_config(args.config)
    for assignment in args.set or []:
        apply_set(cfg, assignment)
    until = args.until
    if until is not None and until.strip().isdigit():
        until = int(until)
    res = run(cfg, out=args.out, until=until)
    print(format_summary(res))
    if args.json:
        print(json.dumps({"sim_cycles": res.sim_cycles, "host_seconds": res.host_seconds,
                          "ops": res.ops, "tasks": res.tasks}, indent=2))
    return 0


def _cmd_sweep(args):
    """The cross product of the --vary lists over each CONFIG; one CSV row per point."""
    import csv
    import itertools
    from .sweeps import PointFailure, sweep
    axes = []
    for spec in args.vary or []:
        key, sep, values = spec.partition("=")
        if not sep or not key.strip() or not values:
            raise ValueError(f"--vary {spec!r}: expected KEY=V1,V2,..., e.g. l2.size=256KiB,1MiB")
        axes.append((key.strip(), [v.strip() for v in values.split(",")]))
    cfgs, labels = [], []
    for path in args.configs:
        for combo in itertools.product(*[vals for _, vals in axes]):
            cfg = load_config(path)
            for assignment in args.set or []:
                apply_set(cfg, assignment)
            for (key, _), value in zip(axes, combo):
                apply_set(cfg, f"{key}={value}")
            cfgs.append(cfg)
            labels.append({"config": path, **{k: v for (k, _), v in zip(axes, combo)}})
    until = args.until
    if until is not None and until.strip().isdigit():
        until = int(until)
    results = sweep(cfgs, workers=args.workers, scheduler=args.scheduler, replicas=args.replicas,
                    until=until, timeout=args.timeout, cache=False if args.no_cache else args.cache)
    rows = []
    for label, r in zip(labels, results):
        row = dict(label)
        if isinstance(r, PointFailure):
            row.update(ok=False, error=r.message)
        else:
            summary = r.summary()
            row.update(ok=True, sim_cycles=summary["sim_cycles"][0],
                       sim_cycles_ci95=summary["sim_cycles"][1], migrations=len(r.migrations),
                       host_seconds=sum(x.host_seconds for x in r.replicas))
        rows.append(row)
    fields = list(dict.fromkeys(k for row in rows for k in row))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "sweep.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    for row in rows:
        print("  ".join(f"{k}={row[k]}" for k in fields if k in row))
    failed = sum(not row["ok"] for row in rows)
    print(f"{len(rows) - failed} of {len(rows)} points done, {failed} failed; "
          f"table: {os.path.join(args.out, 'sweep.csv')}")
    return EXIT_SIM_ERROR if failed else 0


def _cmd_bench(args):
    from . import bench
    names = args.scenarios.split(",") if args.scenarios else None
    known = list(bench.SCENARIOS) + ["quantum"]
    for n in names or []:
        if n not in known:
            raise ValueError(f"bench: unknown scenario {n!r}; known: {', '.join(known)}")
    results = bench.run_benchmark(names, runs=args.runs)
    if args.json:
        print(json.dumps(dict(results, build=bench.build_info()), indent=2))
    else:
        print(bench.format_table(results))
    return 0


def _cmd_presets(args):
    from . import presets
    for name in presets.names():
        print(f"{name:<12} {presets.get(name)!r}")
    return 0


def _cmd_report(args):
    from . import analysis
    rep = analysis.report(args.out_dir, plots=not args.no_plots)
    print(rep["summary"])
    if rep["files"]:
        print("plots: " + ", ".join(rep["files"]))
    elif rep["migrations"] and not args.no_plots:
        print("no plots: matplotlib is not installed for this interpreter")
    return 0


def _cmd_trace_convert(args):
    from .workloads import convert_trace
    n = convert_trace(args.src, args.dst, args.from_format)
    print(f"{n} records converted: {args.src} -> {args.dst}")
    return 0


def _cmd_trace_info(args):
    from .workloads import trace_info
    info = trace_info(args.file, args.format)
    print(f"file     : {args.file} ({info['format']}{', gzip' if info['gzip'] else ''})")
    print(f"records  : {info['records']}")
    for kind, n in info["by_kind"].items():
        print(f"  {kind}      : {n} ({info['bytes_by_kind'][kind]} bytes)")
    for stream, span in info["range"].items():
        text = "none" if span is None else f"0x{span[0]:x} - 0x{span[1]:x}"
        print(f"{stream:<9}: {text}")
    return 0


def build_parser():
    """The argparse parser of ``python3 -m smpsim``."""
    parser = argparse.ArgumentParser(prog="python3 -m smpsim",
                                     description="smpsim: cycle-level SMP simulator.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    p = sub.add_parser("run", help="run one simulation",
                       description="Run one simulation of CONFIG and print a summary.")
    p.add_argument("config", metavar="CONFIG", help="a .json config (SystemConfig.to_json format, "
                   "optionally with a \"preset\" key) or a .py file defining `cfg` or `config()`")
    p.add_argument("--out", metavar="DIR", help="output directory (default: a temporary one, "
                   "removed afterwards)")
    p.add_argument("--set", metavar="KEY=VALUE", action="append",
                   help="assign a dotted field, e.g. l2.size=512KiB (repeatable)")
    p.add_argument("--until", metavar="T", help="stop at this simulated time ('5ms') or cycle "
                   "count (default: when every task has exited)")
    p.add_argument("--json", action="store_true", help="also print the results as JSON")
    p.set_defaults(func=_cmd_run)
    p = sub.add_parser("sweep", help="run many simulations (local workers or a Dask cluster)",
                       description="Run every CONFIG for every combination of the --vary "
                       "values, on local workers or a Dask cluster; finished points are cached "
                       "and not run again. Writes OUT/sweep.csv (one row per point).")
    p.add_argument("configs", metavar="CONFIG", nargs="+", help="configs as for `run`")
    p.add_argument("--vary", metavar="KEY=V1,V2,...", action="append",
                   help="a dotted field and its values (repeatable: the cross product)")
    p.add_argument("--set", metavar="KEY=VALUE", action="append", help="as for `run`")
    p.add_argument("--replicas", type=int, default=1, help="runs per point, seeds seed.."
                   "seed+N-1 (the table gives means and 95%% intervals)")
    p.add_argument("--workers", type=int, default=None, help="local workers (default: CPUs)")
    p.add_argument("--scheduler", metavar="tcp://HOST:8786", help="run on this Dask cluster "
                   "(start it with `dask scheduler` and `dask worker tcp://HOST:8786`)")
    p.add_argument("--until", metavar="T", help="as for `run`")
    p.add_argument("--timeout", type=float, default=None, help="host seconds per run")
    p.add_argument("--cache", metavar="DIR", default=None, help="cache of finished runs "
                   "(default: $SMPSIM_CACHE or ~/.cache/smpsim/runs)")
    p.add_argument("--no-cache", action="store_true", help="run every point")
    p.add_argument("--out", metavar="DIR", default="out/sweep", help="where sweep.csv goes")
    p.set_defaults(func=_cmd_sweep)
    p = sub.add_parser("bench", help="simulation-speed benchmark (fixed scenarios)",
                       description="Run the fixed benchmark scenarios RUNS times each and print "
                       "the medians: memory operations and simulated cycles per host second, "
                       "host seconds per simulated ms, peak memory, and for the bare-metal "
                       "streams the raw-loop baseline and the framework overhead; then the "
                       "quantum sweep (scenario 'quantum').")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--scenarios", default=None, help="comma-separated subset")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_cmd_bench)
    p = sub.add_parser("presets", help="list the preset platforms")
    p.set_defaults(func=_cmd_presets)
    p = sub.add_parser("report", help="plots and a summary of a finished run",
                       description="Summarise the migrations of a finished run (or of a directory "
                       "of runs, such as the main job's) and write migration_cost.png, "
                       "miss_rate.png and cost_matrix.png into it.")
    p.add_argument("out_dir", metavar="OUT_DIR", help="the run's output directory")
    p.add_argument("--no-plots", action="store_true", help="print the summary only")
    p.set_defaults(func=_cmd_report)
    p = sub.add_parser("trace", help="convert or summarise memory traces",
                       description="Memory traces for smpsim.workloads.Trace: valgrind lackey "
                       "text (--tool=lackey --trace-mem=yes) or smpsim's binary format, plain or "
                       "gzip-compressed.")
    tsub = p.add_subparsers(dest="trace_command", metavar="ACTION")
    tsub.required = True
    t = tsub.add_parser("convert", help="write a trace in smpsim's binary format",
                        description="Convert IN to smpsim's binary trace format in OUT "
                        "(gzip-compressed if OUT ends in .gz) and print the records converted.")
    t.add_argument("src", metavar="IN")
    t.add_argument("dst", metavar="OUT")
    t.add_argument("--from", dest="from_format", choices=["auto", "lackey", "binary"],
                   default="auto", help="the format of IN (default: auto, told by its first "
                   "bytes)")
    t.set_defaults(func=_cmd_trace_convert)
    t = tsub.add_parser("info", help="record counts by kind and address ranges",
                        description="Read FILE to its end; print its record counts by kind and "
                        "the address ranges of its instruction and data records.")
    t.add_argument("file", metavar="FILE")
    t.add_argument("--format", choices=["auto", "lackey", "binary"], default="auto")
    t.set_defaults(func=_cmd_trace_info)
    return parser


def main(argv=None):
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SimulationError as e:
        print(f"smpsim: simulation error: {e}", file=sys.stderr)
        return EXIT_SIM_ERROR
    except (ValueError, TypeError, AttributeError, OSError) as e:
        print(f"smpsim: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("smpsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
