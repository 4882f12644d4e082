"""Workloads through the whole machine: step programs, pipes, barriers, the token ring, cache
flushes, the guest clock and self-affinity (smpsim.workloads)."""
import json
import os

import pytest

import smpsim
from smpsim import workloads as wl

KiB = 1024


def run(cfg, tmp_path, name="run"):
    return smpsim.run(cfg, out=str(tmp_path / name))


def marks(res, task):
    return dict((label, t) for label, t in res.tasks[task]["marks"])


def mark_list(res, task, label):
    return [t for lab, t in res.tasks[task]["marks"] if lab == label]


def test_barrier_releases_nobody_before_the_last_arrives(tmp_path):
    cfg = smpsim.presets.quad()
    for i in range(4):  # unequal work before each barrier: the last to arrive varies
        steps = [wl.WorkingSet(f"{4 * (i + 1)}KiB"), wl.Mark("arrive"), wl.Barrier("b", 4),
                 wl.Mark("leave")]
        cfg.add_task(f"t{i}", wl.Phases(steps, repeat=3), cpus=[i])
    res = run(cfg, tmp_path)
    for r in range(3):
        last_arrival = max(mark_list(res, f"t{i}", "arrive")[r] for i in range(4))
        for i in range(4):
            assert mark_list(res, f"t{i}", "leave")[r] > last_arrival
            if r + 1 < 3:  # nobody arrives at round r+1 before everyone left round r's barrier
                assert mark_list(res, f"t{i}", "arrive")[r + 1] > mark_list(res, f"t{i}", "leave")[r]
    assert all(res.tasks[f"t{i}"]["exited"] for i in range(4))


def test_pipe_writer_blocks_while_full_and_bytes_are_conserved(tmp_path):
    cfg = smpsim.presets.quad()
    n = 3 * 4096  # three pipe pages: the writer must wait for the reader twice
    cfg.add_task("w", wl.Phases([wl.PipeWrite("p", n), wl.Mark("wrote")]), cpus=[0])
    cfg.add_task("r", wl.Phases([wl.Sleep("200us"), wl.Mark("start"), wl.PipeRead("p", n),
                                 wl.Mark("read")]), cpus=[1])
    res = run(cfg, tmp_path)
    w, r = marks(res, "w"), marks(res, "r")
    assert w["wrote"] > r["start"]  # the writer could not finish before the reader came
    assert r["read"] > r["start"]
    # copy_from_user / copy_to_user touch every user line once: n / 64 each side.
    assert res.tasks["w"]["accesses"] == n // 64
    assert res.tasks["r"]["accesses"] == n // 64


def test_pipe_reader_sleeps_until_the_writer_wakes_it(tmp_path):
    cfg = smpsim.presets.quad()
    cfg.add_task("r", wl.Phases([wl.Mark("start"), wl.PipeRead("p", 8), wl.Mark("got")]),
                 cpus=[1])
    cfg.add_task("w", wl.Phases([wl.Spin("100us"), wl.Mark("send"), wl.PipeWrite("p", 8)]),
                 cpus=[0])
    res = run(cfg, tmp_path)
    r, w = marks(res, "r"), marks(res, "w")
    assert r["got"] > w["send"] > r["start"]
    # The reader's CPU was idle meanwhile: it slept, it did not spin.
    assert res.stats["system.cpu1.idle_cycles"] > 0.8 * (w["send"] - r["start"])


def test_producer_consumer_pipe_data_moves_between_caches(tmp_path):
    def consumer_served(cpus):
        cfg = smpsim.presets.quad()
        wl.producer_consumer(cfg, items=40, item_bytes=2 * KiB, producer_cpus=[0],
                             consumer_cpus=cpus)
        res = run(cfg, tmp_path, f"pc{cpus[0]}")
        for t in ("pc.producer", "pc.consumer"):
            assert res.tasks[t]["exited"]
        # per item: the producer writes 256 words and copies 32 lines into the pipe; the
        # consumer copies 32 lines out and reads 256 words
        assert res.tasks["pc.producer"]["accesses"] == 40 * (256 + 32)
        assert res.tasks["pc.consumer"]["accesses"] == 40 * (32 + 256)
        return res.stats["system.bus0.c2c_transfers"]

    # Apart, every line of the pipe page the producer wrote is supplied by its cache to the
    # consumer's copy_to_user: at least 32 transfers per item. Together, the data stays put.
    apart = consumer_served([1])
    together = consumer_served([0])
    assert apart >= 40 * 32
    assert together < 40


def ring_overhead(tmp_path, n, size, rounds=10):
    """lmbench lat_ctx: per-switch time of an n-task ring on one CPU minus the time to sum the
    array hot (the same task summing it alone)."""
    cfg = smpsim.presets.quad()
    names = wl.token_ring(cfg, n, size, rounds=rounds, cpus=[0])
    res = run(cfg, tmp_path, f"ring{n}_{size}")
    t = res.tasks
    span = max(t[x]["end_cycle"] for x in names) - min(t[x]["start_cycle"] for x in names)
    cfg = smpsim.presets.quad()
    cfg.add_task("h", wl.Phases([wl.WorkingSet(size)], repeat=rounds), cpus=[0])
    hot = run(cfg, tmp_path, f"hot{size}").tasks["h"]["cycles"] / rounds
    return span / (rounds * n) - hot


def test_token_ring_switch_time_rises_once_the_arrays_exceed_the_cache(tmp_path):
    cfg = smpsim.presets.quad()
    l2 = cfg.l2.size
    n = 4
    small = ring_overhead(tmp_path, n, l2 // 16)  # n * S = L2 / 4: every array stays cached
    big = ring_overhead(tmp_path, n, l2 // 2)     # n * S = 2 * L2: each switch reloads one
    lines = (l2 // 2) // cfg.l2.line
    # Reloading S from the LLC costs at least its latency per line beyond the L2's.
    assert big > 0.5 * lines * cfg.llc.latency
    assert small < 0.2 * big


def test_wbinvd_and_clflush_empty_the_caches(tmp_path):
    def misses(flush):
        cfg = smpsim.presets.quad()
        cfg.kernel.enabled = False  # bare metal: only the program's own accesses
        cfg.tlb.enabled = False     # and no page-table lines in the caches
        steps = [wl.WorkingSet("16KiB", write_ratio=1.0)] + flush + [wl.WorkingSet("16KiB")]
        cfg.add_task("a", wl.Phases(steps), cpus=[0])
        res = run(cfg, tmp_path, f"f{len(flush)}{flush[0].kind if flush else ''}")
        return (res.stats["system.cpu0.l1d.misses"], res.stats["system.mem0.writes"],
                res.stats["system.mem0.reads"])

    lines = 16 * KiB // 64
    assert misses([]) == (lines, 0, lines)
    assert misses([wl.Wbinvd()]) == (2 * lines, lines, 2 * lines)  # dirty lines written back
    assert misses([wl.Clflush("16KiB")]) == (2 * lines, lines, 2 * lines)
    # Half the range flushed: only that half misses again.
    assert misses([wl.Clflush("8KiB")]) == (lines + lines // 2, lines // 2, lines + lines // 2)


def test_clflush_removes_the_line_from_other_cores_too(tmp_path):
    cfg = smpsim.presets.quad()
    cfg.kernel.enabled = False
    cfg.tlb.enabled = False
    cfg.add_task("a", wl.WorkingSet("8KiB"), cpus=[0])
    cfg.add_task("b", wl.Phases([wl.Clflush("8KiB")]), cpus=[1], threads_of="a", start_after="a")
    cfg.add_task("c", wl.WorkingSet("8KiB"), cpus=[0], threads_of="a", start_after="b")
    res = run(cfg, tmp_path)
    assert res.stats["system.cpu0.l1d.misses"] == 2 * 8 * KiB // 64
    assert res.stats["system.cpu0.l1d.flushes"] == 0
    assert res.stats["system.cpu1.flushes"] == 8 * KiB // 64


def test_a_program_moves_itself_and_the_clock_shows_the_cold_reload(tmp_path):
    cfg = smpsim.presets.quad()
    ws = wl.WorkingSet("128KiB")
    cfg.add_task("t", wl.Phases([ws, wl.Mark("t0"), ws, wl.Mark("t1"), wl.SetAffinity([2]),
                                 wl.Mark("t2"), ws, wl.Mark("t3")]), cpus=[0])
    res = run(cfg, tmp_path)
    m = marks(res, "t")
    assert res.tasks["t"]["cpu"] == 2
    moves = [x for x in res.migrations if x["task"] == "t"]
    assert [(x["src"], x["dst"], x["reason"]) for x in moves] == [(0, 2, "affinity")]
    assert moves[0]["t_first_run"] <= m["t2"]
    same, moved = m["t1"] - m["t0"], m["t3"] - m["t2"]
    # What the program measured with the guest clock is what the ghost attributes to the move.
    assert moves[0]["cold_misses"] >= 128 * KiB // 64
    assert abs((moved - same) - moves[0]["cold_stall_cycles"]) <= 0.02 * moves[0]["cold_stall_cycles"]


def test_sleep_lasts_at_least_its_duration(tmp_path):
    cfg = smpsim.presets.quad()
    cfg.add_task("s", wl.Phases([wl.Mark("a"), wl.Sleep("300us"), wl.Mark("b")]), cpus=[0])
    res = run(cfg, tmp_path)
    m = marks(res, "s")
    cycles = 300_000 * cfg.freq_ghz
    tick = cfg.freq_ghz * 1e9 / cfg.kernel.hz
    # 2.6.10 rounds up to whole jiffies and adds one: the task wakes at the second tick.
    jiffies = -(-cycles // tick) + 1
    assert (jiffies - 1) * tick < m["b"] - m["a"] <= (jiffies + 1) * tick


def test_token_ring_is_deterministic(tmp_path):
    outs = []
    for k in range(2):
        cfg = smpsim.presets.quad()
        wl.token_ring(cfg, 3, "8KiB", rounds=5)
        run(cfg, tmp_path, f"d{k}")
        with open(tmp_path / f"d{k}" / "stats.json", "rb") as f:
            outs.append(f.read())
    assert outs[0] == outs[1]


@pytest.mark.parametrize("build,field", [
    (lambda c: c.add_task("a", wl.Phases([wl.Spin(5), wl.PipeRead("p")])),
     "tasks[0].workload.steps[1].kind"),
    (lambda c: c.add_task("a", wl.Barrier("x", 0)), "tasks[0].workload.parties"),
    (lambda c: c.add_task("a", wl.SetAffinity([9])), "tasks[0].workload.cpus[0]"),
    (lambda c: c.add_task("a", wl.Phases([])) or c.add_task("b", wl.Mark("")),
     "tasks[1].workload.label"),
])
def test_bad_steps_name_their_field(build, field, no_child):
    cfg = smpsim.presets.quad()
    if "kind" in field:
        cfg.kernel.enabled = False
    build(cfg)
    with pytest.raises(ValueError, match=r"^" + field.replace("[", r"\[").replace("]", r"\]")):
        smpsim.run(cfg)


def test_an_object_is_one_kind_with_one_size(no_child):
    cfg = smpsim.presets.quad()
    cfg.add_task("a", wl.Phases([wl.PipeWrite("x")]))
    cfg.add_task("b", wl.Barrier("x", 2))
    with pytest.raises(ValueError, match=r"^tasks\[1\]\.workload\.object: 'x' is a pipe"):
        smpsim.run(cfg)
    cfg = smpsim.presets.quad()
    cfg.add_task("a", wl.Barrier("y", 2))
    cfg.add_task("b", wl.Barrier("y", 3))
    with pytest.raises(ValueError, match=r"^tasks\[1\]\.workload\.parties: barrier 'y' has 2"):
        smpsim.run(cfg)


def test_a_trace_runs_as_a_step_of_phases(tmp_path):
    trace = tmp_path / "t.lackey"
    trace.write_text("I  00400000,4\n L 10000000,8\n S 10000040,8\n M 10000080,4\n")
    cfg = smpsim.presets.quad()
    cfg.kernel.enabled = False
    cfg.add_task("a", wl.Phases([wl.Trace(str(trace)), wl.Mark("done")], repeat=3), cpus=[0])
    res = run(cfg, tmp_path)
    assert res.tasks["a"]["accesses"] == 3 * 5  # I, L, S, and M's load and store
    assert len(res.tasks["a"]["marks"]) == 3
    bad = tmp_path / "bad.lackey"
    bad.write_text(" L 10000000,8\n L zz,8\n")
    cfg = smpsim.presets.quad()
    cfg.add_task("a", wl.Phases([wl.Spin(10), wl.Trace(str(bad))]), cpus=[0])
    with pytest.raises(ValueError, match=r"bad\.lackey:2: "):
        run(cfg, tmp_path, "bad")
