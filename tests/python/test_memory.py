"""The DRAM memory model (cfg.memory.model = "dram") through smpsim.run, bare metal and without
the TLB so that only the task's own lines reach memory (see test_platform.py). Expected cycles
are composed from the configured timings (docs/memory.md), converted to cycles here."""
import math

import smpsim
from smpsim import workloads as wl

KiB = 1024


def cycles(ns, freq_ghz):
    """ns as whole core cycles, rounded up (as the simulator converts every figure)."""
    return math.ceil(ns * freq_ghz - 1e-9)


def quad_dram():
    cfg = smpsim.presets.quad()
    cfg.kernel.enabled = False
    cfg.tlb.enabled = False
    cfg.check = True
    cfg.memory.model = "dram"
    return cfg


def test_sequential_stream_pays_one_activation_per_row():
    """3 passes of 64-byte loads over 1 MiB: pass 1 from DRAM, passes 2 and 3 from the LLC.

    Default mapping row:rank:bank:channel:column with 8 KiB rows and 8 banks: the 128 lines of a
    row follow each other (one activation, 127 row hits), consecutive rows go to consecutive
    banks. The first 8 rows find their bank precharged, the other 120 find an older row open."""
    cfg = quad_dram()
    cfg.add_task("s", wl.WorkingSet(size="1MiB", passes=3, access_size=64), cpus=[0])
    res = smpsim.run(cfg)
    d, f = cfg.memory.dram, cfg.freq_ghz
    lines = (1 << 20) // 64
    rows = (1 << 20) // d.row_bytes
    assert (rows, d.banks, cfg.l1d.line) == (128, 8, 64)
    burst = cycles(cfg.l1d.line / d.channel_gbps, f)
    hit = cycles(d.controller_ns, f) + cycles(d.tcl_ns, f) + burst
    empty = hit + cycles(d.trcd_ns, f)
    conflict = empty + cycles(d.trp_ns, f)
    snoop = cycles(cfg.bus.snoop_ns, f)
    llc_hit = cfg.l1d.latency + cfg.l2.latency + snoop + cfg.llc.latency

    s = res.stats
    assert s["system.mem0.reads"] == lines
    assert s["system.mem0.writes"] == 0
    assert s["system.mem0.row_hits"] == lines - rows
    assert s["system.mem0.row_misses"] == d.banks
    assert s["system.mem0.row_conflicts"] == rows - d.banks
    assert (s["system.mem0.row_hits"] + s["system.mem0.row_misses"]
            + s["system.mem0.row_conflicts"]) == s["system.mem0.reads"] + s["system.mem0.writes"]
    assert s["system.mem0.bank_wait_cycles"] == 0  # one load at a time, rows visited in order
    assert s["system.mem0.bus_wait_cycles"] == 0
    dram = (lines - rows) * hit + d.banks * empty + (rows - d.banks) * conflict
    assert res.tasks["s"]["cycles"] == 3 * lines * llc_hit + dram


def test_closed_page_activates_every_line():
    """Closed page: every read activates its row (no hits, no conflicts). The auto-precharge
    ends tRAS + tRP after the ACT, before the next load (a whole LLC miss path later) arrives."""
    cfg = quad_dram()
    cfg.memory.dram.page_policy = "closed"
    cfg.add_task("s", wl.WorkingSet(size="1MiB", passes=3, access_size=64), cpus=[0])
    res = smpsim.run(cfg)
    d, f = cfg.memory.dram, cfg.freq_ghz
    lines = (1 << 20) // 64
    burst = cycles(cfg.l1d.line / d.channel_gbps, f)
    empty = (cycles(d.controller_ns, f) + cycles(d.trcd_ns, f) + cycles(d.tcl_ns, f) + burst)
    llc_hit = cfg.l1d.latency + cfg.l2.latency + cycles(cfg.bus.snoop_ns, f) + cfg.llc.latency
    s = res.stats
    assert (s["system.mem0.row_hits"], s["system.mem0.row_misses"],
            s["system.mem0.row_conflicts"]) == (0, lines, 0)
    assert s["system.mem0.bank_wait_cycles"] == 0
    assert res.tasks["s"]["cycles"] == 3 * lines * llc_hit + lines * empty


def test_fixed_model_has_no_dram_counters_and_its_latency():
    cfg = quad_dram()
    cfg.memory.model = "fixed"
    cfg.add_task("s", wl.WorkingSet(size="64KiB", passes=1, access_size=64), cpus=[0])
    res = smpsim.run(cfg)
    assert res.stats["system.mem0.reads"] == 64 * KiB // 64
    assert not [k for k in res.stats if k.startswith("system.mem0.row_")]
    assert "system.mem0.bank_wait_cycles" not in res.stats
