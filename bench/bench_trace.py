#!/usr/bin/env python3
"""Trace-replay speed benchmark. Not a test.

Reads a lackey trace (``--trace``, e.g. one recorded with ``valgrind --tool=lackey
--trace-mem=yes --log-file=prog.lackey prog``; default: a generated one of ``--records`` records)
in four encodings (lackey text, lackey gzip, binary, binary gzip) and reports, as the median of
``--runs`` runs, records per host second of the reader alone (``trace info``, which reads the
trace to its end) and of a full replay on one bare-metal core (``smpsim.run``: child process,
validation, the scan of the trace before elaboration, elaboration and simulation).

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_trace.py [--trace PATH] [--runs 3] [--json]
"""
import argparse
import gzip
import json
import os
import random
import resource
import shutil
import statistics
import tempfile
import time

import smpsim
from smpsim import workloads as wl


def generated_trace(path, records, seed=1):
    """Instruction fetches walking code, loads and stores over a stack and a heap."""
    rng = random.Random(seed)
    pc, out = 0x400000, []
    for _ in range(records):
        r = rng.random()
        if r < 0.7:
            pc = pc + rng.choice((2, 3, 4, 5, 7)) if rng.random() < 0.9 else 0x400000 + rng.randrange(1 << 16)
            out.append("I  %08x,%d\n" % (pc, rng.choice((2, 3, 4, 5, 7))))
        else:
            base = 0x1fff000000 if rng.random() < 0.5 else 0x4a00000
            kind = "L" if r < 0.85 else ("S" if r < 0.98 else "M")
            out.append(" %s %08x,%d\n" % (kind, base + rng.randrange(1 << 20), rng.choice((1, 4, 8, 16))))
    with open(path, "w") as f:
        f.write("".join(out))


def median_rate(records, runs, fn):
    """records / the median wall time of fn(); also of the times fn() reports, if any."""
    times, inner = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        reported = fn()
        times.append(time.perf_counter() - t0)
        inner.append(reported)
    rate = records / statistics.median(times)
    return (rate, records / statistics.median(inner)) if inner[0] is not None else rate


def replay(path):
    cfg = smpsim.SystemConfig()
    cfg.kernel.enabled = False
    cfg.cores = 1
    cfg.l2.enabled = False
    cfg.add_task("t", wl.Trace(path), cpus=[0])
    return smpsim.run(cfg).host_seconds  # elaboration + simulation, inside the child


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trace", help="a lackey trace (default: generate one)")
    ap.add_argument("--records", type=int, default=5_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="smpsim-bench-trace-")
    try:
        text = os.path.join(tmp, "t.lackey")
        if args.trace:
            shutil.copyfile(args.trace, text)
        else:
            generated_trace(text, args.records)
        with open(text, "rb") as src, gzip.open(text + ".gz", "wb", compresslevel=1) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        files = {"lackey": text, "lackey.gz": text + ".gz",
                 "binary": os.path.join(tmp, "t.smpt"), "binary.gz": os.path.join(tmp, "t.smpt.gz")}
        records = wl.convert_trace(text, files["binary"])
        wl.convert_trace(text, files["binary.gz"])
        result = {"records": records, "trace_bytes": os.path.getsize(text)}
        for name, path in files.items():
            run_rate, sim_rate = median_rate(records, args.runs, lambda: replay(path))
            result[name] = {
                "bytes": os.path.getsize(path),
                "reader_records_per_s": median_rate(records, args.runs,
                                                    lambda: wl.trace_info(path) and None),
                "replay_records_per_s": run_rate,
                "simulation_records_per_s": sim_rate,
            }
        # The largest child's peak resident memory: constant whatever the trace's size.
        result["peak_child_rss_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{records} records ({result['trace_bytes']} bytes of lackey text); median of "
          f"{args.runs} runs; peak memory of a simulation child: "
          f"{result['peak_child_rss_mib']:.0f} MiB")
    print("reader: trace info; replay: smpsim.run wall time (child, scan, simulation); "
          "simulation: its elaboration + simulation alone")
    print(f"{'encoding':<10} {'bytes':>14} {'reader rec/s':>14} {'replay rec/s':>14} "
          f"{'simulation rec/s':>17}")
    for name in files:
        r = result[name]
        print(f"{name:<10} {r['bytes']:>14} {r['reader_records_per_s']:>14.3g} "
              f"{r['replay_records_per_s']:>14.3g} {r['simulation_records_per_s']:>17.3g}")


if __name__ == "__main__":
    main()
