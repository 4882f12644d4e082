"""Prefetcher configuration (cfg.<level>.prefetch) and what a run reports about it: validation
messages naming the dotted field, JSON and pickle round trips, unchanged outputs without a
prefetcher, and the ghost's hidden share after a migration (docs/prefetch.md)."""

import csv
import json
import pickle

import pytest

import smpsim
from smpsim import SystemConfig
from smpsim import workloads as wl

KIB = 1024
LINE = 64


def _quad_with_task():
    cfg = smpsim.presets.quad()
    cfg.add_task("a", wl.WorkingSet(size="64KiB"), cpus=[0])
    return cfg


# --- configuration ----------------------------------------------------------------------------

def test_defaults_are_none_everywhere_and_nested_fields_are_references():
    cfg = smpsim.presets.quad()
    for level in (cfg.l1i, cfg.l1d, cfg.l2, cfg.llc):
        p = level.prefetch
        assert (p.kind, p.degree, p.distance, p.table, p.confidence) == ("none", 1, 1, 16, 2)
    cfg.l2.prefetch.kind = "stride"
    cfg.l2.prefetch.degree = 4
    assert cfg.l2.prefetch.kind == "stride" and cfg.l2.prefetch.degree == 4
    other = cfg.copy()
    other.l2.prefetch.degree = 8
    assert cfg.l2.prefetch.degree == 4
    assert smpsim.PrefetchConfig(kind="next_line", distance=3).distance == 3
    with pytest.raises(AttributeError):
        cfg.l2.prefetch.degre = 2
    with pytest.raises(TypeError, match="degre"):
        smpsim.PrefetchConfig(degre=2)


@pytest.mark.parametrize("field, value, pattern", [
    ("l2.prefetch.kind", "stream",
     r"^l2\.prefetch\.kind: must be one of none, next_line, stride, got 'stream'"),
    ("l2.prefetch.degree", 0, r"^l2\.prefetch\.degree: must be in \[1, 64\].*got 0"),
    ("l1d.prefetch.distance", 65, r"^l1d\.prefetch\.distance: must be in \[1, 64\].*got 65"),
    ("llc.prefetch.table", 0, r"^llc\.prefetch\.table: must be in \[1, 1024\].*got 0"),
    ("l2.prefetch.confidence", 17, r"^l2\.prefetch\.confidence: must be in \[1, 16\].*got 17"),
])
def test_invalid_prefetch_field_names_the_dotted_field(field, value, pattern, no_child, tmp_path):
    cfg = _quad_with_task()
    *path, last = field.split(".")
    obj = cfg
    for part in path:
        obj = getattr(obj, part)
    setattr(obj, last, value)
    with pytest.raises(ValueError, match=pattern):
        cfg.validate()
    out = tmp_path / "never"
    with pytest.raises(ValueError, match=pattern):
        smpsim.run(cfg, out=str(out))
    assert not out.exists()


def test_json_round_trip_and_pickle():
    cfg = _quad_with_task()
    cfg.l1d.prefetch.kind = "next_line"
    cfg.l1d.prefetch.distance = 2
    cfg.l2.prefetch.kind = "stride"
    cfg.l2.prefetch.degree = 3
    cfg.l2.prefetch.table = 32
    cfg.l2.prefetch.confidence = 1
    cfg.llc.prefetch.kind = "next_line"
    cfg.llc.prefetch.degree = 8
    text = cfg.to_json()
    data = json.loads(text)
    assert data["l2"]["prefetch"] == {"kind": "stride", "degree": 3, "distance": 1, "table": 32,
                                      "confidence": 1}
    assert data["l1d"]["prefetch"]["distance"] == 2
    assert data["l1i"]["prefetch"]["kind"] == "none"
    again = SystemConfig.from_json(text)
    assert again == cfg and again.to_json() == text
    assert pickle.loads(pickle.dumps(cfg)) == cfg
    assert pickle.loads(pickle.dumps(cfg.l2.prefetch)) == cfg.l2.prefetch
    # A partial object overrides only what it names.
    part = SystemConfig.from_json(json.dumps({"preset": "quad",
                                              "l2": {"prefetch": {"kind": "next_line"}}}))
    assert part.l2.prefetch.kind == "next_line" and part.l2.prefetch.degree == 1
    assert part.l2.size == 256 * KIB


@pytest.mark.parametrize("text, pattern", [
    ('{"l2": {"prefetch": {"degre": 2}}}', r"^l2\.prefetch\.degre: unknown field"),
    ('{"l2": {"prefetch": {"degree": "2"}}}', r"^l2\.prefetch\.degree: expected an integer"),
    ('{"llc": {"prefetch": "stride"}}', r"^llc\.prefetch: expected an object"),
])
def test_json_errors_name_the_prefetch_path(text, pattern):
    with pytest.raises(ValueError, match=pattern):
        SystemConfig.from_json(text)


# --- runs -------------------------------------------------------------------------------------

def _moved(prefetch, tmp_path=None, mlp=1):
    """quad, a 64 KiB sequential working set on CPU 0 moved to CPU 1 mid-run."""
    cfg = smpsim.presets.quad()
    cfg.check = True
    cfg.core.mlp = mlp
    cfg.l2.prefetch.kind = prefetch
    cfg.l2.prefetch.degree = 2
    cfg.add_task("a", wl.WorkingSet(size=64 * KIB, passes=20), cpus=[0])
    cfg.at(400_000, smpsim.actions.SetAffinity("a", cpus=[1]))
    res = smpsim.run(cfg, out=str(tmp_path) if tmp_path else None, timeout=300)
    assert len(res.migrations) == 1
    return res, res.migrations[0]


@pytest.fixture(scope="module")
def moved_without():
    return _moved("none")


def test_without_a_prefetcher_nothing_changes(moved_without):
    res, m = moved_without
    assert not any("prefetch" in k for k in res.stats), "no prefetch statistics"
    assert m["prefetch_hidden"] == m["prefetch_hidden_cycles"] == 0
    assert m["prefetch_hidden_stall_cycles"] == m["prefetch_eased"] == 0
    assert m["migration_stall_cycles"] == m["cold_stall_cycles"] + m["shift_stall_cycles"]
    assert m["cold_by_kind"]["user"]["misses"] == 64 * KIB // LINE


def test_next_line_l2_hides_the_reload_and_the_records_say_how_much(moved_without, tmp_path):
    _, off = moved_without
    res, m = _moved("next_line", tmp_path)
    user = m["cold_by_kind"]["user"]
    # Each of the 1024 lines is reloaded once: cold, or hidden by a prefetched line.
    assert user["misses"] + user["prefetch_hidden"] == off["cold_by_kind"]["user"]["misses"]
    assert user["prefetch_hidden"] >= 64 * KIB // LINE - 64 * KIB // 4096 - 1
    assert m["prefetch_hidden"] >= user["prefetch_hidden"] > 0
    assert m["prefetch_hidden_cycles"] > 0
    assert m["migration_stall_cycles"] == (m["cold_stall_cycles"] + m["shift_stall_cycles"] +
                                           m["prefetch_hidden_stall_cycles"])
    assert user["migration_stall_cycles"] == (user["stall_cycles"] + user["shift_stall_cycles"] +
                                              user["prefetch_hidden_stall_cycles"])
    s = res.stats
    for cpu in range(4):
        p = f"system.cpu{cpu}.l2.prefetch_"
        assert s[p + "useful"] + s[p + "useless"] <= s[p + "issued"]
        assert s[p + "late"] <= s[p + "useful"]
    assert s["system.cpu1.l2.prefetch_useful"] >= m["prefetch_hidden"]
    assert "system.cpu0.l1d.prefetch_issued" not in s, "only the levels with a prefetcher"
    (row,) = list(csv.DictReader(open(tmp_path / "migrations.csv")))
    assert int(row["prefetch_hidden"]) == m["prefetch_hidden"]
    assert int(row["prefetch_hidden_cycles"]) == m["prefetch_hidden_cycles"]


def test_with_overlapped_misses_each_line_is_still_cold_or_hidden(moved_without):
    """mlp 4: the core overlaps the reload's misses, and the ghost charges its waits; the line
    count is the same: 1024 reloads, each cold or hidden."""
    _, off = moved_without
    _, m = _moved("next_line", mlp=4)
    user = m["cold_by_kind"]["user"]
    assert user["misses"] + user["prefetch_hidden"] == off["cold_by_kind"]["user"]["misses"]
    assert user["prefetch_hidden"] >= 64 * KIB // LINE - 64 * KIB // 4096 - 1
    assert m["migration_stall_cycles"] == (m["cold_stall_cycles"] + m["shift_stall_cycles"] +
                                           m["prefetch_hidden_stall_cycles"])


@pytest.mark.parametrize("kind", ["next_line", "stride"])
@pytest.mark.parametrize("preset", smpsim.presets.names())
def test_every_preset_stays_coherent_with_prefetchers_at_every_level(preset, kind):
    """Shared, non-inclusive and SMT-shared levels alike: with cfg.check every bus transaction
    checks single-writer/multiple-reader and inclusion, prefetches included; readers and
    writers of shared data and a migration in the middle."""
    cfg = smpsim.presets.get(preset)
    cfg.check = True
    for level in (cfg.l1i, cfg.l1d, cfg.l2, cfg.llc):
        level.prefetch.kind = kind
        level.prefetch.degree = 2
        level.prefetch.confidence = 1
    cpus = cfg.topology.sockets * cfg.topology.cores_per_socket * cfg.topology.threads_per_core
    n = min(cpus, 4)
    for i in range(n):  # pairs of tasks share a region: one sequential, one random
        cfg.add_task(f"t{i}", wl.WorkingSet(size=96 * KIB, passes=3, write_ratio=0.3,
                                             pattern="random" if i % 2 else "sequential",
                                             base=0x100000 * (1 + i // 2)), cpus=[i])
    cfg.at(100_000, smpsim.actions.SetAffinity("t0", cpus=[n - 1]))
    res = smpsim.run(cfg, timeout=300)
    assert len(res.migrations) == 1
    s = res.stats
    prefixes = {k[:-len("prefetch_issued")] for k in s if k.endswith("prefetch_issued")}
    assert prefixes, "some level has prefetch statistics"
    for p in prefixes:
        assert s[p + "prefetch_useful"] + s[p + "prefetch_useless"] <= s[p + "prefetch_issued"]
        assert s[p + "prefetch_late"] <= s[p + "prefetch_useful"]
    assert sum(s[p + "prefetch_useful"] for p in prefixes) > 0
