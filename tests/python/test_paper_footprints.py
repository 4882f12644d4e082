"""Thiébaut & Stone 1987 "Footprints in the Cache" reproduction (configs/papers/footprints.py):
A's lines displaced by B in a true-LRU cache match the random-placement model.

The script runs a reduced grid (direct-mapped, 4-way and 16-way; u_A = C/4; u_B = 0..3C in
steps of C/4; 32 trials per point). The test computes its own truth: the expectation from its
own binomial code (and the direct-mapped closed form), and each trial's exact LRU count from
the set occupancy of the traces the simulator replayed. It also checks the curve shapes, the
reordered-miss caveat, the set mapping on a hand-built trial and the script's formulas against
the reference's numerical tables.
"""

import csv
import importlib.util
import json
import os

import pytest

import smpsim

from script_common import REPO, run_script, script_ok

SCRIPT = os.path.join(REPO, "configs", "papers", "footprints.py")
C, UA, STEP, TRIALS, WAYS = 1024, 256, 256, 32, (1, 4, 16)


def load_script():
    spec = importlib.util.spec_from_file_location("footprints_script", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def pmf(n, p):
    """Binomial(n, p) probabilities by the ratio recurrence (independent of the script's)."""
    out = [(1.0 - p) ** n]
    for k in range(n):
        out.append(out[-1] * (n - k) / (k + 1) * p / (1.0 - p))
    return out


def truth(sets, ways, ua, ub):
    """E[lost] = S sum_y sum_x P(y) P(x) [min(y,K) - max(0, min(min(y,K), K - x))]."""
    py, px = pmf(ua, 1.0 / sets), pmf(ub, 1.0 / sets)
    total = 0.0
    for y, p in enumerate(py):
        if p < 1e-18:
            continue
        a = min(y, ways)
        total += p * sum(q * (a - max(0, min(a, ways - x))) for x, q in enumerate(px)
                         if q >= 1e-18)
    return sets * total


def set_counts(lines, sets):
    counts = [0] * sets
    for v in lines:
        counts[v % sets] += 1
    return counts


def trace_lines(path, line):
    with open(path) as f:
        return [int(r.split()[1].split(",")[0], 16) // line for r in f if r.strip()]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("footprints")
    script_ok("papers/footprints.py", "--ways", ",".join(map(str, WAYS)), "--ua", f"{UA}/{C}",
              "--ub-step", f"{STEP}/{C}", "--trials", str(TRIALS), "--cache-lines", str(C),
              "--out", str(out))
    points = {(int(r["ways"]), int(r["u_A"]), int(r["u_B"])): r
              for r in csv.DictReader(open(out / "footprints.csv"))}
    trials = list(csv.DictReader(open(out / "trials.csv")))
    return out, points, trials


def test_every_point_matches_the_model(run):
    _, points, _ = run
    ubs = range(0, 3 * C + 1, STEP)
    assert set(points) == {(k, UA, ub) for k in WAYS for ub in ubs}
    for (k, ua, ub), r in points.items():
        assert int(r["trials"]) >= 30
        sets = C // k
        expected = truth(sets, k, ua, ub)
        if k == 1:
            q = 1.0 - 1.0 / sets
            assert abs(expected - sets * (1 - q ** ua) * (1 - q ** ub)) < 1e-6
        mean, se = float(r["lost_mean"]), float(r["lost_se"])
        assert abs(float(r["expected"]) - expected) < 1e-3 * max(1.0, expected)
        assert abs(mean - expected) <= max(0.03 * expected, 3 * se), (k, ua, ub, mean, se,
                                                                      expected)


def test_each_trial_equals_the_lru_count_of_its_sets(run):
    out, _, trials = run
    manifest = json.load(open(out / "manifest.json"))
    line, chunk = manifest["line"], manifest["chunk"]
    cache = {}

    def lines(name):
        if name not in cache:
            cache[name] = trace_lines(out / "traces" / name, line)
        return cache[name]

    assert len(trials) == len(WAYS) * (3 * C // STEP + 1) * TRIALS
    for r in trials:
        k, ua, ub, t = int(r["ways"]), int(r["u_A"]), int(r["u_B"]), int(r["trial"])
        sets = C // k
        a = lines(manifest["A"][str(ua)][t])
        assert lines(manifest["A_reverse"][str(ua)][t]) == a[::-1]
        b = [v for name in manifest["B"][t][:ub // chunk] for v in lines(name)]
        assert len(a) == ua and len(b) == ub and len(set(a) | set(b)) == ua + ub
        y, x = set_counts(a, sets), set_counts(b, sets)
        lost = sum(max(xs - (k - min(ys, k)), 0) - max(xs - k, 0) for ys, xs in zip(y, x))
        assert int(r["lost"]) == lost, r


def test_curve_shapes(run):
    _, points, trials = run
    ubs = list(range(0, 3 * C + 1, STEP))
    # With the same A and B streams along u_B (B's lines are prefixes of one stream) every
    # trial loses more as B grows: each curve is monotone trial by trial.
    by = {}
    for r in trials:
        by.setdefault((int(r["ways"]), int(r["trial"])), []).append((int(r["u_B"]), int(r["lost"])))
    for curve in by.values():
        lost = [v for _, v in sorted(curve)]
        assert all(b >= a for a, b in zip(lost, lost[1:]))
    mean = {k: [float(points[(k, UA, ub)]["lost_mean"]) for ub in ubs] for k in WAYS}
    # Direct-mapped: concave rise, like 1 - exp(-u_B/S).
    steps = [b - a for a, b in zip(mean[1], mean[1][1:])]
    assert steps[0] > 0.15 * UA and all(b < a for a, b in zip(steps, steps[1:]))
    # 16-way: about nothing lost until u_B ~ S (K - a), a = u_A / S, then a steep rise.
    k, sets = 16, C // 16
    knee = sets * (k - UA / sets)
    assert all(m < 0.01 * UA for ub, m in zip(ubs, mean[k]) if ub <= knee / 2)
    steps = [b - a for a, b in zip(mean[k], mean[k][1:])]
    top = steps.index(max(steps))
    assert knee / 2 <= ubs[top] <= 2 * knee
    assert all(b >= a - 0.5 for a, b in zip(steps[:top], steps[1:top + 1]))
    assert all(b <= a + 0.5 for a, b in zip(steps[top:], steps[top + 1:]))
    assert steps[top] > 2 * steps[0] + 0.2 * UA * STEP / C
    assert mean[k][-1] == pytest.approx(UA, abs=0.5)
    # At the knee the higher associativity has lost less than the direct-mapped cache.
    at = ubs.index(int(knee))
    assert mean[16][at] < mean[4][at] < mean[1][at]


def test_misses_in_the_original_order_overcount_the_lost_lines(run):
    """Reference §1.4: re-run in its first order (minus the same re-run without B), A takes
    far more misses than it lost lines while B has displaced little of it (LRU, K >= 4)."""
    _, points, _ = run
    ratios = []
    for k in (4, 16):
        for ub in range(STEP, 3 * C + 1, STEP):
            r = points[(k, UA, ub)]
            lost, forward = float(r["lost_mean"]), float(r["forward_mean"])
            if 0.02 * UA <= lost <= 0.25 * UA:
                ratios.append(forward / lost)
    assert len(ratios) >= 3 and min(ratios) > 1.3


def test_set_index_is_the_line_number_modulo_the_sets(tmp_path):
    """A hand-built trial: 4-way, 256 sets. A fills set 5; B puts 3 lines in set 5 and 10 in
    set 6. A's MRU-first re-run then misses exactly 3 lines: 4 + 13 + 3 misses in all."""
    fp = load_script()
    sets = 256
    a = [5 + sets * i for i in range(4)]
    b = [5 + sets * i for i in range(10, 13)] + [6 + sets * i for i in range(20, 30)]
    names = [fp.write_trace(tmp_path, s, v) for s, v in (("a", a), ("b", b), ("r", a[::-1]))]
    cfg = fp.machine(1024, 4, 1, 1)
    steps = [smpsim.workloads.Trace(str(tmp_path / n), format="lackey") for n in names]
    cfg.add_task("t", smpsim.workloads.Phases(steps), cpus=[0])
    res = smpsim.run(cfg)
    assert res.stats["system.cpu0.l1d.misses"] == 4 + 13 + 3
    assert fp.trial_truth(a, b, sets, 4) == (0, 3)


def test_formulas_reproduce_the_reference_tables():
    fp = load_script()
    for s, k, ua, ub, want in ((1024, 1, 256, 512, 89.2), (1024, 1, 512, 1024, 254.9),
                               (512, 4, 512, 1024, 122.7), (512, 4, 1024, 1024, 323.1),
                               (256, 8, 1024, 1024, 268.3), (256, 8, 1024, 2048, 772.5),
                               (128, 16, 1024, 1024, 200.8)):
        assert fp.expected_lost(s, k, ua, ub) == pytest.approx(want, abs=0.051)
        assert truth(s, k, ua, ub) == pytest.approx(want, abs=0.051)
    assert fp.expected_lost_direct_mapped(1024, 256, 512) == pytest.approx(89.2, abs=0.051)
    for s, k, a, f, exact, normal in ((1024, 8, 4, 0.25, 76.5, 42.1), (1024, 8, 4, 1.0, 3013.9,
                                      3053.9), (1024, 16, 8, 0.25, 34.3, 14.9),
                                      (1024, 16, 8, 1.0, 6583.4, 6604.1),
                                      (4096, 16, 16, 0.75, 48143.4, 48307.2)):
        ub = int(f * s * k)
        assert fp.expected_lost_uniform(s, k, a, ub) == pytest.approx(exact, abs=0.051)
        assert fp.expected_lost_uniform(s, k, a, ub, normal=True) == pytest.approx(normal,
                                                                                   abs=0.051)
    # A fully-associative cache is deterministic: min(F_A, (F_A + u_B - C)+).
    assert fp.expected_lost(1, 64, 16, 40) == 0 and fp.expected_lost(1, 64, 16, 60) == 12
    with pytest.raises(ValueError, match="ways"):
        fp.expected_lost(16, 0, 4, 4)
    with pytest.raises(ValueError, match="u_B"):
        fp.expected_lost(16, 2, 4, -1)


def test_bad_options_are_refused(tmp_path):
    for args, text in ((["--ways", "3"], "--ways"), (["--ua", "1/3"], "--ua"),
                       (["--trials", "1"], "--trials"), (["--ub-step", "x"], "--ub-step")):
        proc = run_script("papers/footprints.py", *args, "--out", str(tmp_path), timeout=120)
        assert proc.returncode == 2 and text in proc.stderr, (args, proc.stderr)
