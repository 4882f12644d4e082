"""What a run writes besides the results: stats.txt, trace.json, samples.csv, trace.vcd and the
report's plots, each checked against the run's own counters and migration records."""

import csv
import json
import os
import subprocess
import sys

import pytest
import smpsim
from smpsim import workloads as wl

KIB = 1024
PS_PER_CYCLE = 500  # presets.quad() runs at 2 GHz


def scenario(vcd=False):
    """Three tasks on quad and two forced migrations: switches, IPIs, flows, idle CPUs."""
    cfg = smpsim.presets.quad()
    cfg.kernel.enabled = True
    cfg.check = True
    cfg.vcd = vcd
    cfg.add_task("a", wl.WorkingSet(size=64 * KIB, pattern="sequential", passes=16), cpus=[0])
    cfg.add_task("b", wl.WorkingSet(size=32 * KIB, pattern="random", passes=60), cpus=[1])
    cfg.add_task("c", wl.WorkingSet(size=16 * KIB, pattern="sequential", passes=100),
                 cpus=[0, 1, 2, 3])
    cfg.at(300_000, smpsim.actions.SetAffinity("a", cpus=[1]))
    cfg.at(600_000, smpsim.actions.SetAffinity("a", cpus=[3]))
    return cfg


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("outputs")
    out = {}
    for name, vcd in [("plain", False), ("vcd", True)]:
        out[name] = (smpsim.run(scenario(vcd), out=str(base / name), timeout=300), base / name)
    return out


def read(path):
    with open(path, "rb") as f:
        return f.read()


def trace_events(d):
    with open(d / "trace.json") as f:
        return json.load(f)["traceEvents"]


def slices(ev, cpu):
    """CPU's run slices in time order."""
    return sorted((e for e in ev if e["ph"] == "X" and e["tid"] == cpu),
                  key=lambda e: e["args"]["start_cycle"])


def instants(ev, prefix):
    return [e for e in ev if e["ph"] == "i" and e["name"].startswith(prefix)]


def migrations_csv(d):
    with open(d / "migrations.csv", newline="") as f:
        return list(csv.DictReader(f))


# --- stats.txt ----------------------------------------------------------------------------------

def test_stats_txt_has_every_stat_with_its_value_and_a_description(runs):
    res, d = runs["plain"]
    lines = (d / "stats.txt").read_text().splitlines()
    assert lines[0].startswith("---------- Begin") and lines[-1].startswith("---------- End")
    seen = {}
    for line in lines[1:-1]:
        left, desc = line.split("  # ", 1)
        name, value = left.split()
        assert desc.strip(), f"{name} has no description"
        seen[name] = int(value)
    stats = json.loads((d / "stats.json").read_text())
    assert {k: seen[k] for k in stats} == stats
    assert seen["sim_cycles"] == res.sim_cycles


# --- trace.json ---------------------------------------------------------------------------------

def test_every_migration_has_its_flow_arrow_from_src_to_dst(runs):
    res, d = runs["plain"]
    rows = migrations_csv(d)
    assert len(rows) >= 2
    ev = trace_events(d)
    starts = {e["id"]: e for e in ev if e["ph"] == "s" and e["cat"] == "migration"}
    ends = {e["id"]: e for e in ev if e["ph"] == "f" and e["cat"] == "migration"}
    assert sorted(starts) == sorted(ends) == list(range(len(rows)))
    for i, row in enumerate(rows):
        s, f = starts[i], ends[i]
        assert (s["tid"], f["tid"]) == (int(row["src"]), int(row["dst"]))
        assert s["args"]["task"] == f["args"]["task"] == row["task"]
        assert f["bp"] == "e" and f["ts"] >= s["ts"]
        t_first_run = int(row["t_first_run"])
        if not t_first_run:  # moved again before it ran there: the arrow ends at the enqueue
            assert f["args"]["t_first_run"] == 0 and f["ts"] == pytest.approx(int(row["t_enqueue"]) / 2000)
            continue
        # The arrow ends where the task's first slice on dst from its first run begins.
        there = sorted(e["args"]["start_cycle"] for e in ev if e["ph"] == "X"
                       and e["tid"] == f["tid"] and e["name"] == row["task"])
        first = min(c for c in there if c >= t_first_run)
        assert f["ts"] == pytest.approx(first / 2000) and first - t_first_run < 5000


def test_slices_tile_each_cpu_and_match_the_tasks_counters(runs):
    res, d = runs["plain"]
    ev = trace_events(d)
    for cpu in range(4):
        xs = slices(ev, cpu)
        assert xs, cpu
        for a, b in zip(xs, xs[1:]):  # back to back, never overlapping
            assert a["args"]["start_cycle"] + a["args"]["cycles"] == b["args"]["start_cycle"]
    for name, t in res.tasks.items():
        runs_of = [e for e in ev if e["ph"] == "X" and e["name"] == name]
        assert len(runs_of) == t["switches"]
        # The task's first slice begins as its start is recorded; the last ends with its exit path.
        assert 0 <= t["start_cycle"] - min(e["args"]["start_cycle"] for e in runs_of) < 100
        last_end = max(e["args"]["start_cycle"] + e["args"]["cycles"] for e in runs_of)
        assert t["exited"] and 0 <= last_end - t["end_cycle"] < 5000


def test_ipis_are_instants_on_sender_and_receiver(runs):
    res, d = runs["plain"]
    ev = trace_events(d)
    sent = instants(ev, "IPI ")
    taken = instants(ev, "IRQ ")
    assert len(sent) == len(taken) == res.stats["system.os.ipis_sent"] > 0
    # The cores also count the experiment's actions, delivered as interrupts.
    assert len(taken) + len(res.actions) == sum(res.stats[f"system.cpu{c}.ipis_received"]
                                                for c in range(4))
    for e in taken:
        assert any(s["args"]["to"] == e["tid"] and s["tid"] == e["args"]["from"]
                   and s["args"]["arrival_cycle"] == e["args"]["arrival_cycle"] <= e["args"]["cycle"]
                   for s in sent)


def test_miss_rate_counters_and_samples_add_up_to_each_cpus_accesses(runs):
    res, d = runs["plain"]
    with open(d / "samples.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for cpu in range(4):
        mine = [r for r in rows if int(r["cpu"]) == cpu]
        assert sum(int(r["accesses"]) for r in mine) == res.stats[f"system.cpu{cpu}.accesses"]
        served = ["l1", "l2", "llc", "peer_cache", "remote_cache", "memory", "remote_memory"]
        assert all(sum(int(r[k]) for k in served) == int(r["accesses"]) for r in mine)
        starts = [int(r["start_cycle"]) for r in mine]
        assert starts == sorted(set(starts)) and all(s % 10_000 == 0 for s in starts)
    counters = [e for e in trace_events(d) if e["ph"] == "C"]
    assert len(counters) == len(rows)
    assert all(0.0 <= e["args"]["beyond_l2"] <= e["args"]["l1"] <= 1.0 for e in counters)


def test_trace_files_are_deterministic(runs, tmp_path):
    _, d = runs["plain"]
    smpsim.run(scenario(), out=str(tmp_path), timeout=300)
    for name in ["trace.json", "samples.csv", "stats.txt", "migrations.csv"]:
        assert read(tmp_path / name) == read(d / name), name


def test_bare_metal_trace_has_one_slice_per_task(tmp_path):
    cfg = smpsim.presets.quad()
    cfg.kernel.enabled = False
    cfg.add_task("x", wl.WorkingSet(size=8 * KIB, passes=2), cpus=[2])
    cfg.add_task("y", wl.WorkingSet(size=8 * KIB, passes=2), cpus=[2])
    res = smpsim.run(cfg, out=str(tmp_path), timeout=300)
    xs = [e for e in trace_events(tmp_path) if e["ph"] == "X"]
    assert [(e["name"], e["tid"], e["args"]["cycles"]) for e in xs] == \
        [(n, 2, res.tasks[n]["cycles"]) for n in ["x", "y"]]
    assert not (tmp_path / "migrations.csv").exists()


# --- trace.vcd ----------------------------------------------------------------------------------

def parse_vcd(path):
    """{signal: [(ps, value)]} of a VCD file (scope.var names)."""
    ids, scope, changes, t = {}, [], {}, 0
    in_header = True
    for line in path.read_text().splitlines():
        tok = line.split()
        if not tok:
            continue
        if in_header:
            if tok[0] == "$scope":
                scope.append(tok[2])
            elif tok[0] == "$upscope":
                scope.pop()
            elif tok[0] == "$var":
                ids[tok[3]] = ".".join(scope[1:] + [tok[4]])
            elif tok[0] == "$enddefinitions":
                in_header = False
            continue
        if tok[0].startswith("#"):
            t = int(tok[0][1:])
        elif tok[0].startswith("$"):
            continue
        elif tok[0].startswith("b"):
            changes.setdefault(ids[tok[1]], []).append((t, tok[0][1:]))
        else:
            changes.setdefault(ids[tok[0][1:]], []).append((t, tok[0][0]))
    return changes


def test_vcd_changes_nothing_else(runs):
    (_, plain), (_, vcd) = runs["plain"], runs["vcd"]
    assert (vcd / "trace.vcd").exists() and not (plain / "trace.vcd").exists()
    for name in ["stats.json", "migrations.csv", "trace.json", "samples.csv"]:
        assert read(vcd / name) == read(plain / name), name


def test_vcd_task_signals_follow_the_trace_slices(runs):
    _, d = runs["vcd"]
    sig = parse_vcd(d / "trace.vcd")
    ev = trace_events(d)
    for cpu in range(4):
        xs = slices(ev, cpu)
        want = [(e["args"]["start_cycle"] * PS_PER_CYCLE, e["args"]["pid"]) for e in xs]
        got = [(t, int(v, 2)) for t, v in sig[f"cpu{cpu}.task"] if v != "x"]
        # Equal-time switches collapse to the last one; consecutive equal pids are one level.
        assert got == [w for i, w in enumerate(want) if i + 1 == len(want) or want[i + 1][0] != w[0]]


def test_vcd_irq_line_is_high_from_each_ipi_arrival_until_taken(runs):
    _, d = runs["vcd"]
    sig = parse_vcd(d / "trace.vcd")
    ipis = instants(trace_events(d), "IRQ ")
    assert ipis and runs["vcd"][0].sim_cycles < 2_000_000
    rose = fell = 0
    for e in ipis:
        line = sig[f"cpu{e['tid']}.irq"]
        arrival = e["args"]["arrival_cycle"] * PS_PER_CYCLE
        taken = e["args"]["cycle"] * PS_PER_CYCLE

        def level(t):
            v = "0"
            for when, val in line:
                if when > t:
                    break
                v = val
            return v
        if taken > arrival:
            assert level(arrival) == "1" and level(taken - 1) == "1"
            rose += 1
        # Falls when taken, unless another interrupt is pending there (no ticks in this run: it
        # ends before the first, at 1 ms).
        others = [o for o in ipis if o is not e and o["tid"] == e["tid"]
                  and o["args"]["arrival_cycle"] * PS_PER_CYCLE <= taken < o["args"]["cycle"] * PS_PER_CYCLE]
        if not others:
            assert level(taken) == "0"
            fell += 1
    assert rose > 0 and fell > 0


def test_vcd_bus_busy_time_equals_the_bus_occupancy_counter(runs):
    res, d = runs["vcd"]
    busy = parse_vcd(d / "trace.vcd")["bus0.busy"]
    high = 0
    for (t0, v0), (t1, _) in zip(busy, busy[1:]):
        if v0 == "1":
            high += t1 - t0
    assert busy[-1][1] == "0"
    assert high == res.stats["system.bus0.busy_cycles"] * PS_PER_CYCLE > 0


# --- report -------------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n"


def test_report_writes_three_plots_and_a_summary(runs):
    _, d = runs["plain"]
    rep = smpsim.analysis.report(str(d))
    names = sorted(os.path.basename(p) for p in rep["files"])
    assert names == ["cost_matrix.png", "migration_cost.png", "miss_rate.png"]
    assert all(read(p).startswith(PNG) for p in rep["files"])
    assert rep["runs"] == 1 and rep["migrations"] == len(migrations_csv(d))
    assert "migration(s)" in rep["summary"]


def test_report_of_a_directory_of_runs_combines_them(runs, tmp_path):
    for name in ["plain", "vcd"]:
        os.symlink(runs[name][1], tmp_path / name)
    rep = smpsim.analysis.report(str(tmp_path), plots=False)
    assert rep["runs"] == 2 and rep["migrations"] == 2 * len(migrations_csv(runs["plain"][1]))
    assert rep["files"] == []


def test_report_command_and_its_errors(runs, tmp_path):
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    cmd = [sys.executable, "-m", "smpsim", "report"]
    ok = subprocess.run(cmd + [str(runs["plain"][1]), "--no-plots"], capture_output=True,
                        text=True, env=env, timeout=120)
    assert ok.returncode == 0 and "migration(s)" in ok.stdout
    bad = subprocess.run(cmd + [str(tmp_path)], capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and "no result.json" in bad.stderr
    (tmp_path / "result.json").write_text("{broken")
    bad = subprocess.run(cmd + [str(tmp_path)], capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and "result.json:1: not valid JSON" in bad.stderr


def test_bad_sample_interval_is_a_clear_error():
    cfg = smpsim.presets.quad()
    cfg.trace_sample_cycles = -1
    with pytest.raises(ValueError, match="trace_sample_cycles"):
        cfg.validate()


def test_sampling_off_writes_no_counters(tmp_path):
    cfg = scenario()
    cfg.trace_sample_cycles = 0
    smpsim.run(cfg, out=str(tmp_path), timeout=300)
    assert not [e for e in trace_events(tmp_path) if e["ph"] == "C"]
    assert (tmp_path / "samples.csv").read_text().count("\n") == 1  # the header
