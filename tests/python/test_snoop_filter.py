"""The snoop filter (bus.snoop_filter) changes who is snooped, never what happens: with it, a
coherence-heavy mix (shared lines written by several cores, private sets, two sockets) has the
same misses, transfers, invalidations, snoop hits, task cycles and migrations as with broadcast
snooping, under the checkers; only the snoops received drop. That holds on each socket's bus
(which agents it snoops) and on the fabric (which sockets a request snoops)."""

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


RECEIVED = (".snoops", ".snoops_from_below")  # caches' and buses' snoops received


def test_filter_changes_only_the_snoops_received():
    broadcast, filtered = smpsim.run(mix(False), timeout=300), smpsim.run(mix(True), timeout=300)
    for suffix in RECEIVED:
        count = lambda s: sum(v for k, v in s.items() if k.endswith(suffix))
        assert count(filtered.stats) < count(broadcast.stats), suffix
    same = {k: v for k, v in broadcast.stats.items() if not k.endswith(RECEIVED)}
    assert {k: filtered.stats[k] for k in same} == same
    assert filtered.tasks == broadcast.tasks
    assert filtered.migrations == broadcast.migrations
    assert filtered.stats["system.bus0.c2c_transfers"] > 0
    assert sum(v for k, v in filtered.stats.items() if k.endswith(".invalidations")) > 0
    assert smpsim.presets.manycore_64().bus.snoop_filter
    assert not smpsim.presets.quad().bus.snoop_filter


def sockets_mix(snoop_filter):
    """manycore_64 (4 sockets): threads of one process spread over the sockets write the same
    lines; private tasks beside them; two moves across sockets."""
    cfg = smpsim.presets.manycore_64()
    cfg.check = True
    cfg.bus.snoop_filter = snoop_filter
    for i in range(8):
        cfg.add_task("s%d" % i, wl.WorkingSet(size="128KiB", pattern="random", passes=2,
                                              write_ratio=0.4), cpus=[8 * i],
                     threads_of="s0" if i else "")
    for i in range(8):
        cfg.add_task("q%d" % i, wl.WorkingSet(size="64KiB", pattern="random", passes=3,
                                              base=0x40000000), cpus=[8 * i + 4])
    cfg.at("0.05ms", smpsim.actions.SetAffinity("q0", cpus=[63]))
    cfg.at("0.05ms", smpsim.actions.SetAffinity("s1", cpus=[33]))
    return cfg


def test_fabric_snoops_only_the_sockets_that_may_hold_the_line():
    broadcast = smpsim.run(sockets_mix(False), timeout=300)
    filtered = smpsim.run(sockets_mix(True), timeout=300)
    # A socket's LLC receives the fabric's snoops (and forwards the ones it holds to its bus).
    from_fabric = lambda s: sum(v for k, v in s.items()
                                if k.startswith("system.llc") and k.endswith(".snoops"))
    assert 0 < from_fabric(filtered.stats) < from_fabric(broadcast.stats) / 2
    same = {k: v for k, v in broadcast.stats.items() if not k.endswith(RECEIVED)}
    assert {k: filtered.stats[k] for k in same} == same
    assert filtered.tasks == broadcast.tasks
    assert filtered.migrations == broadcast.migrations
    assert filtered.stats["system.fabric.remote_c2c"] > 0  # lines do move between sockets
