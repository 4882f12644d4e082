#!/usr/bin/env python3
"""Simulation-speed benchmark of the hardware platform (bare metal). Not a test: prints figures.

Each scenario runs 5 times; the median of simulated memory operations per host second is
reported (host time measured inside the child around elaboration + simulation).

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_platform.py [--runs 5] [--json]
"""
import argparse
import json
import statistics

import smpsim
from smpsim import workloads as wl


def stream_l1d():
    cfg = smpsim.presets.quad()
    cfg.add_task("s", wl.WorkingSet(size="16KiB", passes=2000), cpus=[0])  # 4.1 M accesses
    return cfg


def random_4core_16mib():
    cfg = smpsim.presets.quad()
    for cpu in range(4):
        w = wl.WorkingSet(size="16MiB", pattern="random", write_ratio=0.3, access_size=64,
                          passes=1)
        w.size = 16 << 20
        cfg.add_task("t%d" % cpu, w, cpus=[cpu], threads_of="t0" if cpu else None)
    return cfg


SCENARIOS = {"stream_l1d_1core": stream_l1d, "random_16MiB_4cores": random_4core_16mib}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    out = {}
    for name, make in SCENARIOS.items():
        samples = []
        for _ in range(args.runs):
            res = smpsim.run(make())
            accesses = sum(t["accesses"] for t in res.tasks.values())
            samples.append((accesses / res.host_seconds, res.sim_cycles / res.host_seconds,
                            accesses, res.host_seconds))
        ops_s = statistics.median(s[0] for s in samples)
        cyc_s = statistics.median(s[1] for s in samples)
        out[name] = {"ops_per_s": round(ops_s), "cycles_per_s": round(cyc_s),
                     "accesses": samples[0][2], "host_seconds_median":
                     round(statistics.median(s[3] for s in samples), 3), "runs": args.runs}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print("%-22s %14s %16s %12s" % ("scenario", "mem ops/s", "sim cycles/s", "accesses"))
        for k, v in out.items():
            print("%-22s %14.3g %16.3g %12d" % (k, v["ops_per_s"], v["cycles_per_s"],
                                                v["accesses"]))


if __name__ == "__main__":
    main()
