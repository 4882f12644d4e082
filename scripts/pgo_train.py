#!/usr/bin/env python3
"""Training runs for the profile-guided build (SMPSIM_PGO, docs/performance.md).

The build runs this with the instrumented module on PYTHONPATH; the compiler then optimises the
real module for the paths these runs took. The runs are deliberately not the benchmark's
scenarios (bench.py): other presets, sizes, seeds and mixes, covering every kernel era, bare
metal and the guest kernel, in-order and out-of-order cores, prefetchers, NUMA and the DRAM model,
the snoop filter, the checkers and the ghost attribution. A profile fitted to the benchmark alone
would flatter the benchmark; the benchmark is measured on what this trains.

    PYTHONPATH=<instrumented build>/python python3 scripts/pgo_train.py
"""
import sys
import time

from smpsim import presets, run
from smpsim import workloads as wl
from smpsim.actions import Exec, SetAffinity

ERAS = ["linux-2.4.21", "linux-2.6.10", "linux-2.6.24", "linux-4.7"]


def eras(era):
    """quad under one era: phases with sleeps, two affinity moves and an exec."""
    cfg = presets.quad()
    cfg.seed = 11
    cfg.kernel.era = era
    for i in range(6):
        sweep = wl.WorkingSet(size="48KiB", pattern="sequential" if i % 2 else "random",
                              passes=3, write_ratio=0.25, base=0x20000000 + i * 0x01000000)
        cfg.add_task("t%d" % i, wl.Phases([sweep, wl.Sleep("%dus" % (50 + 20 * i)), sweep],
                                          repeat=2), cpus=[0, 1, 2, 3])
    cfg.at("0.1ms", SetAffinity("t0", cpus=[3]))
    cfg.at("0.2ms", SetAffinity("t1", cpus=[0]))
    cfg.at("0.15ms", Exec("t5"))
    return cfg


def shared_bare_metal():
    """Two threads of one process storing and loading randomly over 4 MiB: bus, LLC, memory."""
    cfg = presets.quad()
    cfg.seed = 12
    cfg.kernel.enabled = False
    for cpu in range(2):
        cfg.add_task("s%d" % cpu, wl.WorkingSet(size="4MiB", pattern="random", write_ratio=0.4,
                                                access_size=64, passes=1),
                     cpus=[cpu], threads_of="s0" if cpu else None)
    return cfg


def stream_bare_metal():
    """One core streaming over 24 KiB, then 96 KiB, with the TLB on."""
    cfg = presets.core2_duo()
    cfg.seed = 13
    cfg.kernel.enabled = False
    cfg.add_task("a", wl.Phases([wl.WorkingSet(size="24KiB", passes=200),
                                 wl.WorkingSet(size="96KiB", passes=20, write_ratio=0.5)]),
                 cpus=[0])
    return cfg


def out_of_order():
    """smt_quad's out-of-order threads: pointer chasing and random loads, one task moved."""
    cfg = presets.smt_quad()
    cfg.seed = 14
    for i in range(4):
        pattern = "pointer_chase" if i % 2 else "random"
        cfg.add_task("o%d" % i, wl.WorkingSet(size="96KiB", pattern=pattern, passes=6,
                                              write_ratio=0.1), cpus=[i])
    cfg.at("0.1ms", SetAffinity("o0", cpus=[2]))
    return cfg


def prefetching():
    """athlon_x2 with a stride prefetcher on its L2, strided and sequential sweeps."""
    cfg = presets.athlon_x2()
    cfg.seed = 15
    cfg.l2.prefetch.kind = "stride"
    cfg.l2.prefetch.degree = 4
    cfg.add_task("p0", wl.WorkingSet(size="1MiB", pattern="strided", stride=192, passes=4),
                 cpus=[0])
    cfg.add_task("p1", wl.WorkingSet(size="512KiB", passes=4, write_ratio=0.2), cpus=[1])
    return cfg


def numa():
    """opteron_2x2 with DRAM banks: threads of one process on both sockets, under the checkers."""
    cfg = presets.opteron_2x2()
    cfg.seed = 16
    cfg.check = True
    cfg.memory.model = "dram"
    for i in range(4):
        cfg.add_task("n%d" % i, wl.WorkingSet(size="256KiB", pattern="random", passes=2,
                                              write_ratio=0.3), cpus=[i],
                     threads_of="n0" if i else None)
    cfg.at("0.1ms", SetAffinity("n1", cpus=[3]))
    return cfg


def many_cores():
    """manycore_64 (snoop filter, fabric) with 96 tasks under the kernel: more than CPUs."""
    cfg = presets.manycore_64()
    cfg.seed = 17
    for i in range(96):
        cfg.add_task("m%d" % i, wl.WorkingSet(size="24KiB", pattern="random", passes=6,
                                              write_ratio=0.1, base=0x30000000 + i * 0x00110000))
    return cfg


def touch_cache():
    """core2_duo's shared non-inclusive L2: Linux's touch_cache on both cores."""
    cfg = presets.core2_duo()
    cfg.seed = 18
    for i in range(2):
        cfg.add_task("c%d" % i, wl.TouchCache("1MiB", passes=2), cpus=[i])
    return cfg


RUNS = [("eras/" + e, (lambda e=e: eras(e))) for e in ERAS] + [
    ("shared_bare_metal", shared_bare_metal), ("stream_bare_metal", stream_bare_metal),
    ("out_of_order", out_of_order), ("prefetching", prefetching), ("numa", numa),
    ("many_cores", many_cores), ("touch_cache", touch_cache)]


def main():
    total = time.time()
    for name, make in RUNS:
        t0 = time.time()
        res = run(make(), progress=False)
        ops = sum(t["accesses"] for t in res.tasks.values())
        print("pgo_train %-22s %9d accesses %6.1f s" % (name, ops, time.time() - t0), flush=True)
    print("pgo_train: %d runs in %.1f s" % (len(RUNS), time.time() - total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
