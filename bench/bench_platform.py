#!/usr/bin/env python3
"""Simulation-speed benchmark: the hardware platform (bare metal) and the guest kernel. Not a test.

Each scenario runs 5 times; the median of simulated memory operations per host second is
reported (host time measured inside the child around elaboration + simulation). The *_kernel
scenarios run the same streams under the 2.6.10 guest kernel (ticks at HZ=1000, scheduling,
balancing); the quad_8tasks_kernel scenario adds periodic balancing and forced migrations.

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_platform.py [--runs 5] [--json]
"""
import argparse
import json
import statistics

import smpsim
from smpsim import workloads as wl


def stream_l1d(kernel=False):
    cfg = smpsim.presets.quad()
    cfg.kernel.enabled = kernel
    cfg.add_task("s", wl.WorkingSet(size="16KiB", passes=2000), cpus=[0])  # 4.1 M accesses
    return cfg


def random_4core_16mib(kernel=False):
    cfg = smpsim.presets.quad()
    cfg.kernel.enabled = kernel
    for cpu in range(4):
        w = wl.WorkingSet(size="16MiB", pattern="random", write_ratio=0.3, access_size=64,
                          passes=1)
        w.size = 16 << 20
        cfg.add_task("t%d" % cpu, w, cpus=[cpu], threads_of="t0" if cpu else None)
    return cfg


def quad_8tasks_kernel():
    cfg = smpsim.presets.quad()
    for i in range(8):
        cfg.add_task("t%d" % i, wl.WorkingSet(size="128KiB", pattern="random", passes=40,
                                              write_ratio=0.2), cpus=[0, 1, 2, 3])
    for k in range(10):  # a forced migration every 0.5 ms
        cfg.at("%gms" % (0.5 * (k + 1)), smpsim.actions.SetAffinity("t%d" % (k % 8),
                                                                   cpus=[(k + 1) % 4]))
    return cfg


SCENARIOS = {"stream_l1d_1core": stream_l1d, "random_16MiB_4cores": random_4core_16mib,
             "stream_l1d_1core_kernel": lambda: stream_l1d(True),
             "random_16MiB_4cores_kernel": lambda: random_4core_16mib(True),
             "quad_8tasks_kernel": quad_8tasks_kernel}


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
