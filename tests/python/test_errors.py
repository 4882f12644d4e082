"""Every row of docs/errors.md: the bad input is given, the error the row states is raised with
its message, and the Python process goes on (a valid run still works afterwards). The rows here
and the table in the doc must list the same ids."""

import os
import re
import subprocess
import sys

import pytest
import smpsim
from smpsim import actions as A
from smpsim import runner
from smpsim import workloads as wl

HERE = os.path.dirname(os.path.abspath(__file__))
DOC = os.path.join(HERE, "..", "..", "docs", "errors.md")


def quad(task=True):
    cfg = smpsim.presets.quad()
    if task:
        cfg.add_task("a", wl.WorkingSet(size="64KiB"), cpus=[0])
    return cfg


def validated(change):
    def run(tmp_path):
        cfg = quad()
        change(cfg)
        cfg.validate()
    return run


def trace_task(content, name, fmt="auto", binary=False, simulate=False):
    """Validates (or, with simulate, runs) a task replaying `content` as a trace file."""
    def run(tmp_path):
        p = tmp_path / name
        p.write_bytes(content) if binary else p.write_text(content)
        cfg = quad(task=False)
        cfg.add_task("t", wl.Trace(str(p), format=fmt))
        cfg.validate()
        if simulate:
            smpsim.run(cfg, timeout=120)
    return run


def cli(args, files=None):
    def run(tmp_path):
        for name, text in (files or {}).items():
            (tmp_path / name).write_text(text)
        argv = [sys.executable, "-m", "smpsim"] + [a.format(tmp=tmp_path) for a in args]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        raise CliExit(out.returncode, out.stderr)
    return run


class CliExit(Exception):
    def __init__(self, code, stderr):
        super().__init__(f"exit {code}: {stderr.strip()}")


def offline_affinity(tmp_path):
    cfg = quad()
    cfg.at("0.05ms", A.CpuOffline(2))
    cfg.at("0.1ms", A.SetAffinity("a", cpus=[2]))
    res = smpsim.run(cfg, timeout=120)
    raise ActionFailed(res.actions[1]["result"], res.actions[1]["message"])


class ActionFailed(Exception):
    def __init__(self, result, message):
        super().__init__(f"result {result}: {message}")


def child(command, timeout=60):
    def run(tmp_path, monkeypatch):
        monkeypatch.setattr(runner, "_child_command", lambda *a: [sys.executable, "-c", command])
        smpsim.run(quad(), timeout=timeout)
    return run


class SweepPointFailed(Exception):
    pass


def sweep_with_bad_point(tmp_path):
    good, bad = quad(), quad()
    bad.l2.ways = 0
    res = smpsim.sweep([good, bad], cache=False)
    assert isinstance(res[0], smpsim.Result)  # the good point is kept
    failed = [r for r in res if isinstance(r, smpsim.PointFailure)]
    raise SweepPointFailed(f"{len(failed)} of {len(res)} points failed: {failed[0].message}")


# id -> (what is done, exception raised, message pattern)
ROWS = {
    "wrong-type": (validated(lambda c: setattr(c.l2, "ways", "8")), smpsim.ConfigTypeError,
                   r"^CacheConfig\.ways: expected int, got str '8'$"),
    "misspelt-field": (validated(lambda c: setattr(c.l2, "wayz", 4)), AttributeError,
                       r"has no attribute 'wayz'"),
    "bad-size-string": (validated(lambda c: setattr(c.l1d, "size", "lots")), ValueError,
                        r"^size: expected a size like 32KiB, 8MiB or a byte count, got 'lots'"),
    "out-of-range": (validated(lambda c: setattr(c.l2, "size", -1)), ValueError,
                     r"^l2\.size: must be in \[64, \d+\] \(at least one line\), got -1"),
    "sets-not-power-of-two": (validated(lambda c: setattr(c.l2, "size", "192KiB")), ValueError,
                              r"^l2\.size: .*number of sets.*power of two.*got 384 sets"),
    "not-a-number": (validated(lambda c: setattr(c, "freq_ghz", float("nan"))), ValueError,
                     r"^freq_ghz: "),
    "zero-sockets": (validated(lambda c: setattr(c.topology, "sockets", 0)), ValueError,
                     r"^topology\.sockets: must be in \[1, 64\], got 0"),
    "l2-shared-by-zero": (validated(lambda c: setattr(c.l2, "shared_by", 0)), ValueError,
                          r"^l2\.shared_by: must be 1 or a multiple of threads_per_core"),
    "impossible-sharing": (validated(lambda c: setattr(c.l2, "shared_by", 3)), ValueError,
                           r"^l2\.shared_by: must be 1 or a multiple of threads_per_core"),
    "task-cpu-out-of-range": (validated(lambda c: c.add_task("b", wl.Spin(10), cpus=[9])),
                              ValueError, r"^tasks\[1\]\.cpus\[0\]: must be in \[0, 3\] .*got 9"),
    "duplicate-task": (validated(lambda c: c.add_task("a", wl.Spin(10))), ValueError,
                       r"^tasks\[1\]\.name: duplicate task name 'a'"),
    "affinity-cpu-out-of-range": (
        validated(lambda c: c.at("0.1ms", A.SetAffinity("a", cpus=[7]))), ValueError,
        r"^actions\[0\]\.cpus\[0\]: must be in \[0, 3\] .*got 7"),
    "affinity-to-offline-cpu": (offline_affinity, ActionFailed,
                                r"^result -22: EINVAL: no online CPU in \{2\}$"),
    "action-unknown-task": (validated(lambda c: c.at("1us", A.SetAffinity("b", cpus=[1]))),
                            ValueError, r"^actions\[0\]\.task: must name a task, got 'b'"),
    "action-negative-time": (validated(lambda c: c.at(-5, A.SetAffinity("a", cpus=[1]))),
                             ValueError, r"^at: must be >= 0 cycles, got -5"),
    "action-negative-time-string": (
        validated(lambda c: c.at("-1ms", A.SetAffinity("a", cpus=[1]))), ValueError,
        r"^at: expected a time like '150ns', '2us', '2ms', '1s' or a cycle count, got '-1ms'"),
    "until-negative": (lambda tmp_path: smpsim.run(quad(), until="-2ms"), ValueError,
                       r"^until: expected a time like"),
    "trace-missing": (lambda tmp_path: validated_trace(str(tmp_path / "nope.txt")), ValueError,
                      r"^tasks\[0\]\.workload\.path: .*nope\.txt: cannot open: No such file"),
    "trace-is-a-directory": (lambda tmp_path: validated_trace(str(tmp_path)), ValueError,
                             r"^tasks\[0\]\.workload\.path: .*: cannot open: it is a directory"),
    "trace-malformed-lackey": (
        trace_task(" L 04a3ca40,8\n X zz\n", "bad.txt", "lackey", simulate=True), ValueError,
        r"bad\.txt:2: unknown record kind 'X'"),
    "trace-malformed-binary": (trace_task(b"\x89SMPTRC\x1a\x01\xff\xff", "bad.bin", binary=True),
                               ValueError, r"bad\.bin: record 0 at byte 9: bad record tag 0xff"),
    "trace-address-too-high": (trace_task(" L 1000000000000,8\n", "high.txt", "lackey"),
                               ValueError,
                               r"high\.txt:1: address 0x1000000000000 \(\+8 bytes\) is not below "
                               r"2\^47"),
    "json-malformed": (lambda tmp_path: smpsim.SystemConfig.from_json('{"quad": '), ValueError,
                       r"^config: invalid JSON"),
    "json-number-overflow": (lambda tmp_path: smpsim.SystemConfig.from_json('{"seed": 1e500}'),
                             ValueError, r"^config: invalid JSON: .*number overflow"),
    "json-unknown-field": (lambda tmp_path: smpsim.SystemConfig.from_json('{"l2": {"wayz": 4}}'),
                           ValueError, r"^l2\.wayz: unknown field"),
    "json-wrong-type": (lambda tmp_path: smpsim.SystemConfig.from_json('{"l2": {"ways": "8"}}'),
                        ValueError, r"^l2\.ways: expected an integer"),
    "cli-missing-config": (cli(["run", "{tmp}/nope.json"]), CliExit,
                           r"^exit 2: smpsim: error: .*nope\.json"),
    "cli-malformed-config": (cli(["run", "{tmp}/bad.json"], {"bad.json": '{"l2": {"ways": 8,}}'}),
                             CliExit, r"^exit 2: smpsim: error: .*bad\.json: config: invalid JSON"),
    "child-crash": (child("import os, sys; sys.stderr.write('boom\\n'); os.abort()"),
                    smpsim.SimulationError, r"(?s)killed by signal SIGABRT.*boom"),
    "sweep-point-fails": (lambda tmp_path: sweep_with_bad_point(tmp_path), SweepPointFailed,
                          r"^1 of 2 points failed: ValueError: l2\.ways: must be in \[1, "),
    "child-timeout": (child("import time; time.sleep(60)", timeout=0.5), smpsim.SimulationError,
                      r"did not finish within"),
}


def validated_trace(path):
    cfg = quad(task=False)
    cfg.add_task("t", wl.Trace(path))
    cfg.validate()


def doc_ids():
    ids = []
    for line in open(DOC, encoding="utf-8"):
        m = re.match(r"^\| `([a-z0-9-]+)` \|", line)
        if m:
            ids.append(m.group(1))
    return ids


def test_doc_and_tests_list_the_same_rows():
    ids = doc_ids()
    assert len(ids) == len(set(ids))
    assert set(ids) == set(ROWS)


@pytest.mark.parametrize("row", sorted(ROWS))
def test_row(row, tmp_path, monkeypatch):
    action, exc, pattern = ROWS[row]
    with pytest.raises(exc) as info:
        if action.__code__.co_argcount == 2:
            action(tmp_path, monkeypatch)
        else:
            action(tmp_path)
    assert re.search(pattern, str(info.value)), str(info.value)
    smpsim.presets.quad().validate()  # the process goes on


def test_a_run_still_works_after_every_row(tmp_path):
    res = smpsim.run(quad(), timeout=120)
    assert res.tasks["a"]["exited"]
