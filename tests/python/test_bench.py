"""The benchmark command runs and reports every figure; its raw-loop baseline goes through the
same streams (the same L1D misses as the simulation). No timing is asserted here."""

import json
import subprocess
import sys

import smpsim
from smpsim import bench


def test_raw_loop_sees_the_same_misses_as_the_simulation():
    for make in (bench.a_stream_l1d_1core, bench.b_random_16mib_4cores):
        cfg = make()
        raw = smpsim._smpsim.raw_loop(cfg)
        res = smpsim.run(cfg)
        l1 = sum(v for k, v in res.stats.items() if k.endswith(".l1d.misses"))
        assert raw["accesses"] == sum(t["accesses"] for t in res.tasks.values())
        assert abs(raw["l1_misses"] - l1) <= max(2, 0.001 * l1), (raw, l1)
        assert raw["seconds"] > 0
    raw = smpsim._smpsim.raw_loop(bench.a_stream_l1d_1core())
    assert (raw["l1_misses"], raw["l2_misses"], raw["llc_misses"]) == (256, 256, 256)


def test_bench_command_json():
    out = subprocess.run([sys.executable, "-m", "smpsim", "bench", "--runs", "1", "--scenarios",
                          "a_stream_l1d_1core,c_quad_8tasks_kernel", "--json"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)
    a, c = r["a_stream_l1d_1core"], r["c_quad_8tasks_kernel"]
    for row in (a, c):
        for key in ("ops_per_s", "cycles_per_s", "host_s_per_sim_ms", "peak_rss_mb"):
            assert row[key] > 0, key
    assert a["streams_match"] is True and a["framework_overhead"] > 0
    assert c["framework_overhead"] is None
    build = r["build"]
    assert build["build_type"] and build["compiler"] and isinstance(build["profile_guided"], bool)


def test_default_quantum_keeps_the_forced_move_within_two_percent():
    """The quantum sweep's figures: the move's cost at the default quantum against one cycle
    (simulated cycles; the host speed-up is reported, not asserted)."""
    q = bench.quantum_sweep(runs=1)
    assert q["default_quantum"] > 1 and q["speedup"] > 0
    assert q["cost_quantum_1"] > 0 and q["cost_change"] <= 0.02
    assert abs(q["path_default"] - q["path_quantum_1"]) <= 0.02 * q["path_quantum_1"]
