"""Per-migration cold cost: ghost attribution against analytical counts and against the
counterfactual paired runs (issue: measure every migration's cache-cold cost).

A task warms a working set on CPU 0 and is moved by an affinity change half-way through its run;
every figure below comes from the simulated hardware, none is assumed.
"""

import concurrent.futures

import pytest
import smpsim
from smpsim import workloads as wl

KIB = 1024
LINE = 64
PASSES = 6


def build(preset, size, pattern, dst, at=None, passes=PASSES, mlp=1):
    cfg = smpsim.presets.get(preset)
    cfg.check = True
    cfg.core.mlp = mlp
    cfg.core.store_buffer = 0  # stores wait, on the out-of-order presets too
    cfg.add_task("a", wl.WorkingSet(size=size, pattern=pattern, passes=passes), cpus=[0])
    if at is not None:
        cfg.at(at, smpsim.actions.SetAffinity("a", cpus=[dst]))
    return cfg


def migrate_half_way(case, counterfactual=False):
    """Runs `case` = (preset, size, pattern, dst[, mlp]) once unmoved to learn its length, then
    again with the move at half that time; returns the migration record."""
    preset, size, pattern, dst = case[:4]
    mlp = case[4] if len(case) > 4 else 1
    length = smpsim.run(build(preset, size, pattern, dst, mlp=mlp), timeout=300).tasks["a"]["cycles"]
    res = smpsim.run(build(preset, size, pattern, dst, at=length // 2, mlp=mlp),
                     counterfactual=counterfactual, timeout=300)
    assert len(res.migrations) == 1
    m = res.migrations[0]
    assert (m["src"], m["dst"], m["reason"]) == (0, dst, "affinity")
    return m


def run_all(cases, counterfactual=False):
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        return dict(zip(cases, pool.map(lambda c: migrate_half_way(c, counterfactual), cases)))


def user(m):
    return m["cold_by_kind"]["user"]


# --- exact counts ------------------------------------------------------------------------------

COUNT_CASES = [("quad", 64 * KIB, "sequential", 1), ("quad", 64 * KIB, "random", 1),
               ("quad", 1024 * KIB, "sequential", 1), ("quad", 1024 * KIB, "random", 1)]


@pytest.fixture(scope="module")
def counts():
    return run_all(COUNT_CASES)


@pytest.mark.parametrize("pattern", ["sequential", "random"])
def test_fitting_working_set_takes_exactly_one_cold_miss_per_line(counts, pattern):
    """64 KiB fits quad's private 256 KiB L2: every line is reloaded once, from the source's
    L2 (peer cache) or the shared LLC, and nothing else is counted as user cold."""
    m = counts[("quad", 64 * KIB, pattern, 1)]
    assert user(m)["misses"] == 64 * KIB // LINE
    served = m["cold_served"]
    assert served["peer_cache"] + served["llc"] == m["cold_misses"]
    assert sum(m["cold_misses_by_level"].values()) == m["cold_misses"]
    assert m["footprint_lines"] >= 64 * KIB // LINE
    # Ends once every user line is reloaded (source kernel lines it never touches stay behind).
    assert m["ghost"]["ended"] == "no_live_lines"
    assert m["ghost"]["lines_touched"] >= 64 * KIB // LINE


def test_cyclic_sweep_four_times_the_l2_loses_nothing(counts):
    """At 4x the L2 a cyclic sweep needs next exactly the lines the source evicted first: the
    ghost runs out of live lines without one cold miss of the task's data."""
    m = counts[("quad", 1024 * KIB, "sequential", 1)]
    assert user(m)["misses"] <= 2
    assert m["ghost"]["ended"] == "no_live_lines"
    assert m["ghost"]["lines_lost"] >= 256 * KIB // LINE - 64


def test_random_four_times_the_l2_lies_in_between(counts):
    m = counts[("quad", 1024 * KIB, "random", 1)]
    assert 0 < user(m)["misses"] < 256 * KIB // LINE


# --- sharing changes the answer -------------------------------------------------------------

SHARING_CASES = [("core2_duo", 16 * KIB, "sequential", 1), ("athlon_x2", 16 * KIB, "sequential", 1),
                 ("opteron_2x2", 256 * KIB, "sequential", 1),
                 ("opteron_2x2", 256 * KIB, "sequential", 2)]


@pytest.fixture(scope="module")
def sharing():
    return run_all(SHARING_CASES)


def test_shared_l2_makes_the_move_nearly_free(sharing):
    """core2_duo's cores share the L2: only L1 lines are reloaded, from the shared L2; athlon_x2's
    private L2 makes the same move reload everything from the other core."""
    c2 = sharing[("core2_duo", 16 * KIB, "sequential", 1)]
    k8 = sharing[("athlon_x2", 16 * KIB, "sequential", 1)]
    assert c2["cold_misses_by_level"]["l2"] == 0
    assert user(c2)["stall_cycles"] < user(k8)["stall_cycles"] / 2
    assert user(k8)["misses"] > 0 and k8["cold_served"]["peer_cache"] == k8["cold_misses"]


def test_cross_socket_costs_more_than_in_socket(sharing):
    near = sharing[("opteron_2x2", 256 * KIB, "sequential", 1)]
    far = sharing[("opteron_2x2", 256 * KIB, "sequential", 2)]
    assert user(near)["misses"] == user(far)["misses"]  # the same lines are lost ...
    assert user(far)["stall_cycles"] > 2 * user(near)["stall_cycles"]  # ... from farther away
    assert far["cold_served"]["remote_cache"] == far["cold_misses"]


# --- independent check: the counterfactual -----------------------------------------------------

def _agree(ghost, cf):
    return abs(ghost - cf) <= max(0.10 * abs(cf), 2000)


AGREE_CASES = []
for _preset, _l2 in [("quad", 256), ("athlon_x2", 512), ("opteron_2x2", 1024)]:
    for _kb in [16, _l2 // 2, _l2, 2 * _l2, 4 * _l2]:
        for _pattern in ["sequential", "random"]:
            AGREE_CASES.append((_preset, _kb * KIB, _pattern, 1))
for _kb in [16, 512, 1024, 2048, 4096]:  # across the sockets
    for _pattern in ["sequential", "random"]:
        AGREE_CASES.append(("opteron_2x2", _kb * KIB, _pattern, 2))


@pytest.fixture(scope="module")
def agreement():
    return run_all(AGREE_CASES, counterfactual=True)


@pytest.mark.parametrize("case", AGREE_CASES, ids=lambda c: f"{c[0]}-{c[1] // KIB}KiB-{c[2]}-to{c[3]}")
def test_ghost_agrees_with_the_counterfactual(agreement, case):
    """The ghost's migration stall (cold misses plus the shift of the misses that happen anyway)
    against the paired run that kept the task on its source, over the same user accesses."""
    m = agreement[case]
    u = user(m)
    ghost, cf = u["migration_stall_cycles"], m["counterfactual_cycles"]
    assert cf is not None
    assert ghost == u["stall_cycles"] + u["shift_stall_cycles"]
    assert _agree(ghost, cf), (u["stall_cycles"], u["shift_stall_cycles"], cf)


# With misses overlapped (core.mlp = 4) a cold miss costs what it adds to the core's waits (the
# wait against the wait had it taken the source's latency): the same check against the paired run.
MLP_CASES = [("quad", 128 * KIB, "random", 1, 4), ("quad", 256 * KIB, "random", 1, 4),
             ("quad", 256 * KIB, "sequential", 1, 4), ("athlon_x2", 512 * KIB, "random", 1, 4),
             ("opteron_2x2", 1024 * KIB, "random", 2, 4),
             ("opteron_2x2", 2048 * KIB, "sequential", 2, 4)]


@pytest.fixture(scope="module")
def agreement_mlp():
    return run_all(MLP_CASES + [c[:4] for c in MLP_CASES], counterfactual=True)


@pytest.mark.parametrize("case", MLP_CASES, ids=lambda c: f"{c[0]}-{c[1] // KIB}KiB-{c[2]}-to{c[3]}-mlp{c[4]}")
def test_ghost_agrees_with_the_counterfactual_when_misses_overlap(agreement_mlp, case):
    m = agreement_mlp[case]
    u = user(m)
    ghost, cf = u["migration_stall_cycles"], m["counterfactual_cycles"]
    assert _agree(ghost, cf), (u["stall_cycles"], u["shift_stall_cycles"], cf)
    blocking = user(agreement_mlp[case[:4]])
    # The same lines are lost; four misses in flight hide most of what they cost.
    assert abs(u["misses"] - blocking["misses"]) <= 0.02 * blocking["misses"] + 4
    assert u["migration_stall_cycles"] < blocking["migration_stall_cycles"] / 2, (
        u["migration_stall_cycles"], blocking["migration_stall_cycles"])


def test_source_cache_serving_misses_anyway_makes_a_large_random_set_cheaper(agreement):
    """athlon_x2 has no LLC: after the move, lines of a random 2 MiB set that the source's L2
    still holds come from it instead of memory; the move then saves more than its cold misses
    cost, and the counterfactual sees the same saving."""
    m = agreement[("athlon_x2", 2048 * KIB, "random", 1)]
    u = user(m)
    assert u["stall_cycles"] > 0 > u["shift_stall_cycles"]
    assert u["migration_stall_cycles"] < 0 and m["counterfactual_cycles"] < 0


def test_remote_memory_is_the_cost_of_a_cross_socket_move_of_a_streaming_set(agreement):
    """A 4 MiB cyclic sweep has nothing warm to lose, but across the sockets every miss goes to
    the source socket's memory: the whole cost is the shift."""
    m = agreement[("opteron_2x2", 4096 * KIB, "sequential", 2)]
    u = user(m)
    assert u["misses"] <= 2
    assert u["shift_stall_cycles"] > 100 * max(u["stall_cycles"], 1)
    assert m["cold_served"]["remote_memory"] + m["cold_served"]["remote_cache"] == m["cold_misses"]


def test_two_tasks_moving_in_opposite_directions(tmp_path):
    cfg = smpsim.presets.quad()
    cfg.check = True
    cfg.add_task("a", wl.WorkingSet(size=64 * KIB, passes=12), cpus=[0])
    cfg.add_task("b", wl.WorkingSet(size=64 * KIB, passes=12, base=0x20000000), cpus=[1])
    cfg.at(300_000, smpsim.actions.SetAffinity("a", cpus=[1]))
    cfg.at(300_000, smpsim.actions.SetAffinity("b", cpus=[0]))
    res = smpsim.run(cfg, out=tmp_path, counterfactual=True, timeout=300)
    moves = {m["task"]: m for m in res.migrations}
    assert {(m["src"], m["dst"]) for m in moves.values()} == {(0, 1), (1, 0)}
    for m in moves.values():
        assert user(m)["misses"] == 64 * KIB // LINE
        assert _agree(user(m)["migration_stall_cycles"], m["counterfactual_cycles"]), m
    header = (tmp_path / "migrations.csv").read_text().splitlines()[0]
    assert header.endswith(",counterfactual_cycles,counterfactual_stay_cycles")


# --- the migration path ------------------------------------------------------------------------

def test_path_fields_of_a_forced_migration():
    """One move by the migration thread: its IPIs are all the run's IPIs, its cycles are spent on
    the requester's CPU, the source (migration/0) and the destination (the switch-in)."""
    cfg = build("quad", 64 * KIB, "sequential", 3, at=400_000, passes=20)
    res = smpsim.run(cfg, timeout=120)
    (m,) = res.migrations
    assert m["ipis"] == res.stats["system.os.ipis_sent"] == 3
    by_cpu = m["path_cycles_by_cpu"]
    assert m["path_cycles"] == sum(by_cpu) > 0
    assert by_cpu[0] > 0 and by_cpu[3] > 0  # migration/0 and the switch-in on CPU 3
    requester = [c for c in (1, 2) if by_cpu[c] > 0]
    assert len(requester) == 1  # the control task's CPU
    assert m["rq_lock_wait_cycles"] == 0  # nothing else contends


def test_same_seed_gives_identical_outputs(tmp_path):
    cfg = build("quad", 64 * KIB, "random", 2, at=300_000)
    for d in ("one", "two"):
        smpsim.run(cfg, out=tmp_path / d, timeout=120)
    for name in ("stats.json", "migrations.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_without_the_ghost_every_cold_field_is_null_and_the_window_is_the_stay():
    cfg = build("quad", 64 * KIB, "sequential", 3, at=400_000, passes=20)
    cfg.measure.ghost = False
    (m,) = smpsim.run(cfg, counterfactual=True, timeout=120).migrations
    for k in ("footprint_lines", "cold_misses", "cold_stall_cycles", "cold_misses_by_level",
              "cold_stall_by_level", "cold_served", "cold_by_kind", "ghost"):
        assert m[k] is None, k
    assert m["counterfactual_cycles"] == m["counterfactual_stay_cycles"] > 0
