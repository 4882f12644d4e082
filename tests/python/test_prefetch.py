"""Prefetcher configuration (cfg.<level>.prefetch): validation messages naming the dotted
field, JSON and pickle round trips (docs/prefetch.md)."""

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
