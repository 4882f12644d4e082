"""Calibration of the kernel budgets (docs/calibration.md): the direct context-switch cost of
the pipe ping-pong is linear in the budgets' scale, the smt_quad preset reproduces the measured
3.8 us of Li, Ding and Shen, and the fit finds the scale for any reachable target."""

import subprocess
import sys
import json
import os

import pytest
import smpsim
from smpsim import calibration

LDS07_NS = 3800.0  # Li, Ding, Shen 2007: "the average direct context switch cost ... 3.8 us"
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def cost(preset, k=None):
    def make():
        cfg = smpsim.presets.get(preset)
        return cfg if k is None else calibration.scale_costs(cfg, k)
    return calibration.direct_switch_cost(make)


def test_smt_quad_direct_switch_matches_the_published_measurement():
    cycles, ns = cost("smt_quad")
    assert abs(ns - LDS07_NS) <= 0.05 * LDS07_NS, ns
    assert cycles == pytest.approx(ns * smpsim.presets.smt_quad().freq_ghz)


def test_switch_cost_is_memory_plus_budgets_linear_in_their_scale():
    c = [cost("quad", k)[0] for k in (0, 1, 2, 4)]
    step = c[1] - c[0]
    assert step > 0 and c[0] > 0  # budgets cost time; so does the kernel's memory traffic
    # The same code runs at every scale: each step adds the budget share again (to within the
    # timer ticks and cache state that longer switches shift).
    assert c[2] - c[1] == pytest.approx(step, rel=0.05)
    assert c[3] - c[2] == pytest.approx(2 * step, rel=0.05)


def test_fit_reaches_a_target_and_rejects_an_unreachable_one():
    make = smpsim.presets.core2_duo
    k, c0, c1 = calibration.fit_cost_scale(make, 2000.0)
    assert k > 1 and c0 < c1 < 2000.0
    ns = calibration.direct_switch_cost(lambda: calibration.scale_costs(make(), k))[1]
    assert ns == pytest.approx(2000.0, rel=0.03)
    with pytest.raises(ValueError, match="below the memory time alone"):
        calibration.fit_cost_scale(make, 1.0)
    with pytest.raises(ValueError, match="k must be >= 0"):
        calibration.scale_costs(make(), -1)


def test_calibrate_switch_script(tmp_path):
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    out = subprocess.run([sys.executable, os.path.join(REPO, "configs", "calibrate_switch.py"),
                          "--preset", "athlon_x2", "--target-us", "1.5", "--out", str(tmp_path)],
                         capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr
    r = json.loads((tmp_path / "athlon_x2.json").read_text())
    assert r["check_ns"] == pytest.approx(1500.0, rel=0.03)
    assert r["costs"]["context_switch"] == int(smpsim.KernelCosts().context_switch * r["scale"] + 0.5)
    assert "direct context switch" in out.stdout
