"""Virtual memory: the per-CPU TLB, page walks through the caches, flushes on a switch of address
space and the TLB-cold misses of a migration. Every expected count is worked out from the
working set and the TLB's geometry (4 KiB pages), never read back from the simulator."""

import json

import pytest
import smpsim
from smpsim import workloads as wl

KIB = 1024
PAGE = 4096
LINE = 64


def bare(**tlb):
    """quad without the guest kernel (no ticks, no kernel accesses), with TLB fields set."""
    cfg = smpsim.presets.quad()
    cfg.kernel.enabled = False
    cfg.check = True
    for k, v in tlb.items():
        setattr(cfg.tlb, k, v)
    return cfg


def sweep(cfg, size, passes, access_size=64):
    cfg.add_task("s", wl.WorkingSet(size=size, passes=passes, access_size=access_size), cpus=[0])
    return smpsim.run(cfg, timeout=120)


# --- counts of a sweep -------------------------------------------------------------------------

@pytest.mark.parametrize("size_kib", [16, 128, 256])
def test_cold_sweep_misses_each_page_once_and_a_second_pass_within_reach_never(size_kib):
    """quad's TLB: 64 entries, 4-way, 16 sets: a sequential sweep of up to 256 KiB (64 pages,
    4 per set) fits; each page misses once, the second pass hits everything."""
    w = size_kib * KIB
    res = sweep(bare(), w, passes=2)
    s, pages, accesses = res.stats, w // PAGE, 2 * w // LINE
    assert s["system.cpu0.tlb.misses"] == pages
    assert s["system.cpu0.walk_accesses"] == 4 * pages
    assert s["system.cpu0.tlb.hits"] == accesses - pages
    assert s["system.cpu0.accesses"] == accesses + 4 * pages
    assert res.tasks["s"]["accesses"] == accesses  # the task's own lines only
    assert res.tasks["s"]["tlb_misses"] == pages
    assert res.tasks["s"]["walk_cycles"] == s["system.cpu0.tlb.walk_cycles"] > 0
    assert s["system.cpu0.tlb.flushes"] == 0


def test_one_translation_per_page_an_access_touches():
    """8-byte accesses: 512 per page, one translation each."""
    res = sweep(bare(), 32 * KIB, passes=1, access_size=8)
    assert res.stats["system.cpu0.tlb.misses"] == 8
    assert res.stats["system.cpu0.tlb.hits"] == 32 * KIB // 8 - 8


@pytest.mark.parametrize("entries,ways,pages", [(64, 4, 80), (64, 64, 65), (16, 16, 17)])
def test_cyclic_sweep_beyond_reach_misses_every_page_every_pass(entries, ways, pages):
    """LRU and a cyclic sweep of more pages than a set (or the whole TLB) holds: the page needed
    next is always the one just evicted. (64, 4): 16 sets get 5 pages each for 4 ways."""
    passes = 3
    res = sweep(bare(entries=entries, ways=ways), pages * PAGE, passes=passes)
    assert res.stats["system.cpu0.tlb.misses"] == passes * pages
    assert res.stats["system.cpu0.walk_accesses"] == 4 * passes * pages


def test_walk_levels_reads_the_lowest_levels_only():
    res = sweep(bare(walk_levels=2), 64 * KIB, passes=1)
    assert res.stats["system.cpu0.walk_accesses"] == 2 * 16


# --- TLB off: the idealised machine ------------------------------------------------------------

@pytest.mark.parametrize("size_kib,passes", [(16, 3), (128, 3), (512, 2)])
def test_disabled_tlb_walks_nothing_and_user_counts_are_analytical(size_kib, passes):
    """The L1D counts of test_platform's analytical sweep, unchanged: 8-byte accesses."""
    w = size_kib * KIB
    res = sweep(bare(enabled=False), w, passes=passes, access_size=8)
    s = res.stats
    l1 = 32 * KIB
    assert s["system.cpu0.walk_accesses"] == 0
    assert s["system.cpu0.tlb.misses"] == s["system.cpu0.tlb.hits"] == 0
    assert s["system.cpu0.l1d.misses"] == (w // LINE if w <= l1 else passes * w // LINE)
    assert s["system.cpu0.l1d.accesses"] == passes * w // 8
    assert res.tasks["s"]["tlb_misses"] == res.tasks["s"]["walk_cycles"] == 0


def test_user_access_counts_do_not_depend_on_the_tlb():
    """The walks are counted apart: the task's accesses and where a fitting set was served are
    the same with the TLB on; the L1D saw the walks' reads on top."""
    on, off = (sweep(bare(enabled=e), 16 * KIB, passes=4, access_size=8) for e in (True, False))
    for k in ("accesses", "l1_misses", "served"):
        assert on.tasks["s"][k] == off.tasks["s"][k], k
    assert (on.stats["system.cpu0.l1d.accesses"]
            == off.stats["system.cpu0.l1d.accesses"] + on.stats["system.cpu0.walk_accesses"])


# --- flushes on a switch of address space ------------------------------------------------------

def alternating(threads, tmp_path):
    """Two tasks sharing CPU 0 under the guest kernel, each sweeping 4 pages with compute between
    the accesses; at nice 19 their 5 ms time slices alternate several times, with migration/0
    (a kernel thread) running in between. Returns the result and CPU 0's run slices' names."""
    cfg = smpsim.presets.quad()
    cfg.check = True
    for name, base in (("a", 0), ("b", 0x200000)):
        cfg.add_task(name, wl.WorkingSet(size=16 * KIB, passes=75, compute_per_access=200,
                                         base=base), cpus=[0], nice=19,
                     threads_of="a" if threads and name == "b" else None)
    res = smpsim.run(cfg, out=str(tmp_path), timeout=300)
    with open(tmp_path / "trace.json") as f:
        ev = json.load(f)["traceEvents"]
    runs = sorted((e for e in ev if e["ph"] == "X" and e["tid"] == 0),
                  key=lambda e: e["args"]["start_cycle"])
    return res, [e["name"] for e in runs]


def user_changes(names):
    users = [n for n in names if n in ("a", "b")]
    return sum(1 for x, y in zip(users, users[1:]) if x != y)


def test_tasks_of_two_address_spaces_flush_at_every_switch_between_them(tmp_path):
    res, names = alternating(False, tmp_path)
    changes = user_changes(names)
    assert changes >= 4  # they did alternate
    assert res.stats["system.cpu0.tlb.flushes"] == changes
    # A kernel thread between two slices of one task keeps its TLB (lazy TLB) ...
    assert any(x == z and x in ("a", "b") and y.startswith("migration/")
               for x, y, z in zip(names, names[1:], names[2:]))
    # ... so each task misses its 4 pages once per switch from the other, and only then.
    assert res.stats["system.cpu0.tlb.misses"] == 4 * (changes + 1)
    for cpu in (1, 2, 3):
        assert res.stats[f"system.cpu{cpu}.tlb.flushes"] == 0


def test_threads_of_one_process_share_the_tlb(tmp_path):
    res, names = alternating(True, tmp_path)
    assert user_changes(names) >= 4
    assert res.stats["system.cpu0.tlb.flushes"] == 0
    assert res.stats["system.cpu0.tlb.misses"] == 2 * 4  # each thread's 4 pages, once


# --- TLB-cold misses of a migration ------------------------------------------------------------

def migrate(size, tlb=True, pattern="sequential", passes=6):
    """Task a warms `size` bytes on CPU 0 and is moved to CPU 1 half-way through its run."""
    def build(at=None):
        cfg = smpsim.presets.quad()
        cfg.check = True
        cfg.tlb.enabled = tlb
        cfg.add_task("a", wl.WorkingSet(size=size, pattern=pattern, passes=passes), cpus=[0])
        if at is not None:
            cfg.at(at, smpsim.actions.SetAffinity("a", cpus=[1]))
        return cfg
    length = smpsim.run(build(), timeout=300).tasks["a"]["cycles"]
    res = smpsim.run(build(length // 2), timeout=300)
    (m,) = res.migrations
    assert (m["src"], m["dst"]) == (0, 1)
    return m, res


@pytest.fixture(scope="module")
def moved():
    return {tlb: migrate(64 * KIB, tlb) for tlb in (True, False)}


def test_migrated_task_pays_one_tlb_cold_miss_per_page_it_had_in_the_source_tlb(moved):
    """64 KiB = 16 pages, within reach: the source TLB holds all 16, the destination none;
    the sweep after the move touches each once before any other."""
    m, res = moved[True]
    assert m["tlb_footprint"] == 16
    assert m["tlb_cold_misses"] == 64 * KIB // PAGE
    assert m["ghost"]["tlb_entries_lost"] == 0
    # Cycles of exactly those walks: the destination's first 16 walks.
    assert 0 < m["tlb_cold_walk_cycles"] <= res.stats["system.cpu1.tlb.walk_cycles"]
    assert res.stats["system.cpu1.tlb.misses"] == 16
    assert m["tlb_cold_walk_cycles"] == res.stats["system.cpu1.tlb.walk_cycles"]
    # The walks' page-table lines that the source's caches held are cold misses of their own kind.
    assert m["cold_by_kind"]["page_table"]["misses"] > 0


def test_tlb_does_not_change_the_user_cold_misses(moved):
    """The working set fits the caches: every line is reloaded once, TLB or not."""
    on, off = moved[True][0], moved[False][0]
    assert on["cold_by_kind"]["user"]["misses"] == off["cold_by_kind"]["user"]["misses"] \
        == 64 * KIB // LINE


def test_no_tlb_no_tlb_cold_misses(moved):
    m, res = moved[False]
    assert m["tlb_cold_misses"] == m["tlb_cold_walk_cycles"] == m["tlb_footprint"] == 0
    assert m["cold_by_kind"]["page_table"]["misses"] == 0
    assert res.stats["system.cpu1.walk_accesses"] == 0


def test_cyclic_sweep_beyond_reach_has_no_tlb_cold_miss():
    """1 MiB = 256 pages cyclic through 64 entries: the pages the source TLB holds are the
    ones the sweep needs last, and it evicts them first; only the page it was in the middle of
    when moved can be TLB-cold. Every copied entry is either used or lost."""
    m, _ = migrate(1024 * KIB, passes=4)
    assert m["tlb_footprint"] == 64
    assert m["tlb_cold_misses"] <= 1
    assert m["tlb_cold_misses"] + m["ghost"]["tlb_entries_lost"] == 64


def test_migrations_csv_has_the_tlb_columns_before_the_prefetch_ones(tmp_path):
    cfg = smpsim.presets.quad()
    cfg.add_task("a", wl.WorkingSet(size=64 * KIB, passes=20), cpus=[0])
    cfg.at(400_000, smpsim.actions.SetAffinity("a", cpus=[2]))
    res = smpsim.run(cfg, out=str(tmp_path), timeout=120)
    (m,) = res.migrations
    header, row = (tmp_path / "migrations.csv").read_text().splitlines()
    assert header.endswith(",stay_user_stall_cycles,tlb_cold_misses,tlb_cold_walk_cycles,"
                           "prefetch_hidden,prefetch_hidden_cycles")
    assert row.endswith(f",{m['tlb_cold_misses']},{m['tlb_cold_walk_cycles']},0,0")
    assert m["tlb_cold_misses"] == 16


def test_same_seed_same_outputs_with_the_tlb(tmp_path):
    def cfg():
        c = smpsim.presets.quad()
        c.memory.mapping = "random"
        c.add_task("a", wl.WorkingSet(size=512 * KIB, pattern="random", passes=2), cpus=[0])
        c.add_task("b", wl.WorkingSet(size=64 * KIB, passes=30), cpus=[0])
        c.at(300_000, smpsim.actions.SetAffinity("a", cpus=[2]))
        return c
    for d in ("one", "two"):
        smpsim.run(cfg(), out=str(tmp_path / d), timeout=300)
    for name in ("stats.json", "migrations.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    stats = json.loads((tmp_path / "one" / "stats.json").read_text())
    assert stats["system.cpu0.tlb.flushes"] > 0 and stats["system.cpu0.tlb.misses"] > 0


# --- configuration -----------------------------------------------------------------------------

def test_tlb_config_is_typed_validated_and_round_trips():
    cfg = smpsim.presets.quad()
    assert cfg.tlb.enabled and (cfg.tlb.entries, cfg.tlb.ways) == (64, 4)
    with pytest.raises(AttributeError):
        cfg.tlb.entires = 32
    cfg.tlb.entries = 48
    cfg.tlb.ways = 5
    with pytest.raises(ValueError, match=r"tlb\.ways"):
        cfg.validate()
    cfg.tlb.ways = 4
    cfg.tlb.walk_levels = 0
    with pytest.raises(ValueError, match=r"tlb\.walk_levels"):
        cfg.validate()
    cfg.tlb.walk_levels = 3
    cfg.tlb.miss_cycles = 11
    back = smpsim.SystemConfig.from_json(cfg.to_json())
    assert back.tlb == cfg.tlb and back.tlb.entries == 48 and back.tlb.walk_levels == 3
    with pytest.raises(ValueError, match=r"tlb\.entrys"):
        smpsim.SystemConfig.from_json('{"tlb": {"entrys": 4}}')
    assert {smpsim.presets.get(n).tlb.entries for n in smpsim.presets.names()} >= {32, 64, 256}


# --- page tables are per process ---------------------------------------------------------------

@pytest.mark.parametrize("threads", [False, True])
def test_threads_share_their_page_table_lines_processes_do_not(threads):
    """a writes 64 KiB on CPU 0, then b reads the same virtual range on CPU 1. Threads: every
    data line comes from CPU 0's caches (dirty there), and the 5 lines b's walks read (2 of PTEs,
    a PDE, PDPTE and PML4E; clean in CPU 0's caches) from the LLC; processes share nothing."""
    cfg = bare()
    cfg.add_task("a", wl.WorkingSet(size="64KiB", write_ratio=1.0, access_size=64), cpus=[0])
    cfg.add_task("b", wl.WorkingSet(size="64KiB", access_size=64), cpus=[1], start_after="a",
                 threads_of="a" if threads else None)
    res = smpsim.run(cfg, timeout=120)
    assert res.stats["system.bus0.c2c_transfers"] == (64 * KIB // LINE if threads else 0)
    assert res.stats["system.llc0.hits"] == (5 if threads else 0)
    assert res.stats["system.cpu1.walk_accesses"] == 4 * 16
