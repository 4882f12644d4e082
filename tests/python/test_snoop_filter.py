"""The snoop filter (bus.snoop_filter) changes who is snooped, never what happens: with it, a
coherence-heavy mix (shared lines written by several cores, private sets, two sockets) has the
same misses, transfers, invalidations, snoop hits, task cycles and migrations as with broadcast
snooping, under the checkers; only the snoops received drop."""

import smpsim
from smpsim import workloads as wl


def mix(snoop_filter):
    cfg = smpsim.presets.opteron_2x2()
    cfg.check = True
    cfg.bus.snoop_filter = snoop_filter
    cfg.add_task("w0", wl.WorkingSet(size="256KiB", pattern="random", passes=3, write_ratio=0.3),
                 cpus=[0])
    for i in range(1, 4):  # threads of w0: the same lines, written from every core
        cfg.add_task("w%d" % i, wl.WorkingSet(size="256KiB", pattern="random", passes=3,
                                              write_ratio=0.3), cpus=[i], threads_of="w0")
    cfg.add_task("p", wl.WorkingSet(size="64KiB", pattern="random", passes=8,
                                    base=0x40000000), cpus=[1])
    cfg.at("0.2ms", smpsim.actions.SetAffinity("p", cpus=[3]))
    return cfg


def test_filter_changes_only_the_snoops_received():
    broadcast, filtered = smpsim.run(mix(False), timeout=300), smpsim.run(mix(True), timeout=300)
    snoops = lambda s: sum(v for k, v in s.items() if k.endswith(".snoops"))
    assert snoops(filtered.stats) < snoops(broadcast.stats)
    same = {k: v for k, v in broadcast.stats.items() if not k.endswith(".snoops")}
    assert {k: filtered.stats[k] for k in same} == same
    assert filtered.tasks == broadcast.tasks
    assert filtered.migrations == broadcast.migrations
    assert filtered.stats["system.bus0.c2c_transfers"] > 0
    assert sum(v for k, v in filtered.stats.items() if k.endswith(".invalidations")) > 0
    assert smpsim.presets.manycore_64().bus.snoop_filter
    assert not smpsim.presets.quad().bus.snoop_filter
