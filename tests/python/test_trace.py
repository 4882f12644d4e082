"""Trace replay (smpsim.workloads.Trace) end to end.

The reference checks replay a lackey trace on a single bare-metal core with only an L1I, an L1D
and a unified last level, and compare the miss counts with trace_reference.py, a plain LRU/MESI
model of the same hierarchy written in Python. Every other expected count is worked out by hand
from the trace text in the test."""
import gzip
import json
import random
import shutil
import subprocess
import sys

import pytest

import smpsim
from smpsim import workloads as wl

import trace_reference as ref

KiB = 1024
LEVELS = {"l1i": "system.cpu0.l1i", "l1d": "system.cpu0.l1d", "llc": "system.llc0"}


def machine(l1i=(4 * KiB, 2), l1d=(8 * KiB, 4), llc=(32 * KiB, 4), inclusive=True):
    """One core, bare metal (no kernel accesses), L1I + L1D over one unified last level, TLB off
    (no page-table lines in the caches: the issue's idealised machine)."""
    cfg = smpsim.SystemConfig()
    cfg.kernel.enabled = False
    cfg.tlb.enabled = False
    cfg.cores = 1
    cfg.l2.enabled = False
    cfg.memory.mapping = "contiguous"
    for level, (size, ways) in (("l1i", l1i), ("l1d", l1d), ("llc", llc)):
        getattr(cfg, level).size = size
        getattr(cfg, level).ways = ways
    cfg.llc.inclusive = inclusive
    return cfg


def replay(path, fmt="auto", out=None, **caches):
    cfg = machine(**caches)
    cfg.add_task("t", wl.Trace(path, format=fmt), cpus=[0])
    return smpsim.run(cfg, out=out, timeout=300)


def write(path, text):
    path.write_text(text)
    return str(path)


def compare_with_reference(res, trace, l1i, l1d, llc, inclusive):
    model = ref.Machine(l1i, l1d, llc, inclusive)
    ref.replay_lackey(trace, model)
    s = res.stats
    for name, level in (("l1i", model.l1i), ("l1d", model.l1d), ("llc", model.llc)):
        assert (s[LEVELS[name] + ".accesses"], s[LEVELS[name] + ".misses"]) == \
            (level.accesses, level.misses), name
    assert s["system.bus0.c2c_transfers"] == model.c2c
    assert s["system.llc0.back_invalidations"] == model.back_invalidations
    assert s["system.llc0.writebacks_in"] == model.llc_writebacks_in
    return model


# ---- the reference check on a real program ------------------------------------------------

@pytest.fixture(scope="module")
def sort_trace(tmp_path_factory):
    """A lackey trace of `sort` on 200 generated lines, recorded here (about a million records)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        pytest.fail("valgrind is not installed: scripts/install-deps.sh installs it (Debian "
                    "package 'valgrind'); the trace-replay reference check needs it")
    d = tmp_path_factory.mktemp("sort")
    rng = random.Random(5)
    data = d / "in.txt"
    data.write_text("".join("%08d\n" % rng.randrange(10 ** 8) for _ in range(200)))
    trace = d / "sort.lackey"
    subprocess.run([valgrind, "--tool=lackey", "--trace-mem=yes", f"--log-file={trace}",
                    "sort", str(data), "-o", str(d / "out.txt")], check=True, timeout=120,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert (d / "out.txt").read_text() == "".join(sorted(data.read_text().splitlines(True)))
    return str(trace)


@pytest.mark.parametrize("inclusive", [True, False])
def test_sort_replay_matches_reference_lru_model(sort_trace, inclusive):
    caches = dict(l1i=(4 * KiB, 2), l1d=(8 * KiB, 4), llc=(32 * KiB, 4))
    res = replay(sort_trace, inclusive=inclusive, **caches)
    model = compare_with_reference(res, sort_trace, caches["l1i"], caches["l1d"], caches["llc"],
                                   inclusive)
    # Not a vacuous comparison: every level misses, the last level evicts, and inclusion (when
    # on) back-invalidates.
    assert model.l1i.misses > 1000 and model.l1d.misses > 1000 and model.llc.misses > 1000
    assert res.stats["system.llc0.evictions"] > 1000
    assert (model.back_invalidations > 0) == inclusive
    assert res.tasks["t"]["exited"]


def mixed_trace(path, records=30000, seed=11):
    """Random I/L/S/M records over 16 KiB shared by code and data, unaligned (many straddle)."""
    rng = random.Random(seed)
    lines = []
    for _ in range(records):
        kind = rng.choices("ILSM", weights=(4, 3, 2, 1))[0]
        addr = 0x10000 + rng.randrange(16 * KiB)
        size = rng.choice((1, 2, 4, 8, 16, 32, 64))
        lines.append(("I  %08x,%d\n" if kind == "I" else " %s %08x,%d\n" % (kind, addr, size))
                     % ((addr, size) if kind == "I" else ()))
    return write(path, "==1== a generated trace\n" + "".join(lines))


def test_code_and_data_sharing_lines_match_reference(tmp_path):
    """Lines in both L1s: cache-to-cache supply between them, upgrades, dirty supply."""
    trace = mixed_trace(tmp_path / "mixed.lackey")
    caches = dict(l1i=(1 * KiB, 2), l1d=(2 * KiB, 2), llc=(8 * KiB, 4))
    res = replay(trace, **caches)
    model = compare_with_reference(res, trace, caches["l1i"], caches["l1d"], caches["llc"], True)
    assert model.c2c > 100 and model.back_invalidations > 100
    assert res.stats["system.bus0.upgrades"] > 100


# ---- semantics of records ----------------------------------------------------------------

def test_straddling_access_touches_both_lines_and_fetches_go_to_l1i(tmp_path):
    trace = write(tmp_path / "t.lackey",
                  "I  00400000,4\n"   # L1I: line 0x400000, miss
                  " L 0000103e,4\n"   # L1D: 0x103e-0x1041 spans lines 0x1000 and 0x1040: 2 misses
                  " S 00003000,8\n"   # L1D: miss
                  "I  0040003e,4\n")  # L1I: lines 0x400000 (hit) and 0x400040 (miss)
    s = replay(trace).stats
    assert (s["system.cpu0.l1i.accesses"], s["system.cpu0.l1i.misses"]) == (3, 2)
    assert (s["system.cpu0.l1d.accesses"], s["system.cpu0.l1d.misses"]) == (3, 3)
    assert s["system.cpu0.accesses"] == 6 and s["system.cpu0.ops"] == 4


def test_modify_is_a_load_then_a_store(tmp_path):
    """An I record puts the line in the L1I (E). M's load then gets it shared (from the last level,
    which holds the clean line) and its store must upgrade (a second L1D miss, invalidating the
    L1I copy); a store first would have taken it exclusively and the load would hit."""
    trace = write(tmp_path / "t.lackey", "I  00005000,4\n M 00005000,8\n")
    s = replay(trace).stats
    assert (s["system.cpu0.l1d.accesses"], s["system.cpu0.l1d.misses"]) == (2, 2)
    assert s["system.bus0.c2c_transfers"] == 0 and s["system.bus0.upgrades"] == 1
    assert (s["system.llc0.accesses"], s["system.llc0.misses"]) == (3, 1)  # fetch, load, upgrade
    assert s["system.cpu0.l1i.invalidations"] == 1
    assert s["system.cpu0.ops"] == 3


def test_empty_trace_is_a_task_that_exits_at_once(tmp_path):
    for name, text in (("empty.lackey", ""), ("messages.lackey", "==7== nothing traced\n")):
        res = replay(write(tmp_path / name, text))
        t = res.tasks["t"]
        assert t["exited"] and t["ops"] == 0 and t["accesses"] == 0
        assert t["cycles"] == 0 and res.sim_cycles == 0


def test_traces_of_two_tasks_have_separate_address_spaces(tmp_path):
    """Two tasks replay the same 32 lines one after the other on CPU 0 (both fit the L1D): in
    their own address spaces the second misses on every line again; sharing the first task's
    address space it would hit on all of them."""
    trace = write(tmp_path / "t.lackey", "".join(" L %08x,8\n" % (0x7000 + 64 * i)
                                                 for i in range(32)))
    for threads_of, second_misses in ((None, 32), ("a", 0)):
        cfg = machine()
        cfg.add_task("a", wl.Trace(trace), cpus=[0])
        cfg.add_task("b", wl.Trace(trace), cpus=[0], threads_of=threads_of)
        res = smpsim.run(cfg, timeout=300)
        assert res.tasks["a"]["l1_misses"] == 32
        assert res.tasks["b"]["l1_misses"] == second_misses


def lines_touched(trace):
    """Accesses a trace makes: one per line an access covers, M counting twice."""
    n = 0
    for line in open(trace):
        if not line.startswith("=="):
            kind, text = line.split()
            addr, size = (int(x, 16 if i == 0 else 10) for i, x in enumerate(text.split(",")))
            n += (2 if kind == "M" else 1) * ((addr + max(size, 1) - 1) // 64 - addr // 64 + 1)
    return n


def test_replay_under_the_guest_kernel(tmp_path):
    trace = mixed_trace(tmp_path / "mixed.lackey", records=2000)
    cfg = smpsim.presets.quad()
    assert cfg.kernel.enabled
    cfg.add_task("t", wl.Trace(trace), cpus=[1])
    t = smpsim.run(cfg, timeout=300).tasks["t"]
    assert t["exited"] and t["accesses"] == lines_touched(trace)


# ---- the binary format and the converter ----------------------------------------------------

def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "smpsim", *args], capture_output=True,
                          text=True, timeout=120)


def test_converted_traces_replay_identically(tmp_path):
    trace = mixed_trace(tmp_path / "mixed.lackey")
    (tmp_path / "mixed.lackey.gz").write_bytes(gzip.compress(open(trace, "rb").read()))
    done = run_cli("trace", "convert", trace, str(tmp_path / "m.smpt"), "--from", "lackey")
    assert done.returncode == 0 and done.stdout.startswith("30000 records converted"), done
    assert wl.convert_trace(str(tmp_path / "mixed.lackey.gz"), tmp_path / "m.smpt.gz") == 30000
    stats = {}
    for name, fmt in (("mixed.lackey", "lackey"), ("mixed.lackey.gz", "auto"),
                      ("m.smpt", "binary"), ("m.smpt.gz", "auto")):
        replay(str(tmp_path / name), fmt, out=tmp_path / ("out-" + name))
        stats[name] = (tmp_path / ("out-" + name) / "stats.json").read_bytes()
    assert len(set(stats.values())) == 1
    s = json.loads(stats["m.smpt"])
    assert s["system.cpu0.l1i.accesses"] + s["system.cpu0.l1d.accesses"] == lines_touched(trace)


def test_same_trace_twice_gives_identical_stats(tmp_path):
    trace = mixed_trace(tmp_path / "mixed.lackey", records=5000, seed=3)
    for run in ("a", "b"):
        replay(trace, out=tmp_path / run)
    assert (tmp_path / "a" / "stats.json").read_bytes() == (tmp_path / "b" / "stats.json").read_bytes()


def test_trace_info_counts_records_by_kind(tmp_path):
    trace = mixed_trace(tmp_path / "mixed.lackey", records=3000, seed=4)
    rows = [line.split() for line in open(trace) if not line.startswith("==")]
    info = wl.trace_info(trace)
    assert info["records"] == 3000 and info["format"] == "lackey" and not info["gzip"]
    for kind in "ILSM":
        assert info["by_kind"][kind] == sum(1 for r in rows if r[0] == kind)
    data = [(int(a, 16), int(n)) for k, an in rows if k != "I" for a, n in [an.split(",")]]
    assert info["range"]["data"] == (min(a for a, _ in data), max(a + n for a, n in data))
    done = run_cli("trace", "info", trace)
    assert done.returncode == 0 and "records  : 3000" in done.stdout, done


# ---- errors ---------------------------------------------------------------------------------

GOOD = "".join("I  %08x,4\n L %08x,8\n" % (0x400000 + 4 * i, 0x9000 + 8 * i) for i in range(50))


@pytest.mark.parametrize("bad,message", [
    (" L zz12,8\n", "bad hex address 'zz12'"),
    (" Q 1234,8\n", "unknown record kind 'Q'"),
    (" S 1234\n", "missing size after the address"),
    (" L 800000000000,8\n", "address 0x800000000000 (+8 bytes) is not below 2^47"),
])
@pytest.mark.parametrize("compressed", [False, True])
def test_malformed_line_is_a_value_error_naming_file_and_line(tmp_path, bad, message, compressed):
    text = "==1== header\n" + GOOD + bad + GOOD  # the bad record is on line 2 + 100
    path = tmp_path / ("prog.lackey.gz" if compressed else "prog.lackey")
    if compressed:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    with pytest.raises(ValueError) as e:
        replay(str(path))
    assert str(e.value).startswith(f"{path}:102: {message}")


def test_bad_first_record_is_found_in_the_parent(tmp_path, no_child):
    path = write(tmp_path / "prog.lackey", "==1== header\nbogus\n")
    with pytest.raises(ValueError, match=r"tasks\[0\]\.workload\.path: .*prog\.lackey:2: unknown "
                                         r"record kind 'bogus'"):
        replay(path)
    with pytest.raises(ValueError, match=r"tasks\[0\]\.workload\.path: .*missing\.lackey: cannot "
                                         r"open: No such file"):
        replay(str(tmp_path / "missing.lackey"))
    with pytest.raises(ValueError, match=r"tasks\[0\]\.workload\.path: .*not an smpsim binary"):
        replay(write(tmp_path / "text.lackey", GOOD), fmt="binary")


def test_truncated_gzip_is_a_value_error(tmp_path):
    packed = gzip.compress((GOOD * 40).encode())
    path = tmp_path / "cut.lackey.gz"
    path.write_bytes(packed[: len(packed) * 2 // 3])
    with pytest.raises(ValueError, match=rf"^{path}:\d+: truncated gzip stream"):
        replay(str(path))


def test_malformed_binary_is_a_value_error_naming_the_record(tmp_path):
    src = write(tmp_path / "t.lackey", GOOD)
    assert wl.convert_trace(src, tmp_path / "t.smpt") == 100
    whole = (tmp_path / "t.smpt").read_bytes()
    (tmp_path / "cut.smpt").write_bytes(whole[:-3])  # into the last record
    with pytest.raises(ValueError, match=rf"^{tmp_path / 'cut.smpt'}: record 99 at byte \d+: "
                                         r"truncated record"):
        replay(str(tmp_path / "cut.smpt"))
    (tmp_path / "cut.smpt.gz").write_bytes(gzip.compress(whole[:-2]))  # the end record cut off
    with pytest.raises(ValueError, match=r"record 100 at byte \d+: the trace ends without its "
                                         r"end record"):
        replay(str(tmp_path / "cut.smpt.gz"))
    done = run_cli("trace", "convert", str(tmp_path / "cut.smpt"), str(tmp_path / "x.smpt"))
    assert done.returncode == 2 and "truncated record" in done.stderr
    assert not (tmp_path / "x.smpt").exists()
