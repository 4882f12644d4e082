"""Determinism: the same configuration and seed give byte-identical outputs on every preset,
whatever else the host is running. Each preset runs a busy mix (more tasks than CPUs, pipes,
sleeps, a forced migration, periodic balancing) twice, the runs of all presets interleaved on a
thread pool so that the two runs of a pair see different host load; stats.json,
migrations.csv, trace.json and samples.csv must be equal byte for byte."""

import concurrent.futures

import pytest
import smpsim
from smpsim import actions as A
from smpsim import workloads as wl

FILES = ("stats.json", "migrations.csv", "trace.json", "samples.csv")


def busy(preset):
    cfg = smpsim.presets.get(preset)
    cfg.check = True
    cfg.seed = 7
    n = cfg.topology.cpus()
    cfg.add_task("w0", wl.WorkingSet(size="32KiB", pattern="random", passes=30), cpus=[0])
    for i in range(1, n + 1):  # one more task than CPUs: balancing has work
        cfg.add_task("w%d" % i, wl.WorkingSet(size="32KiB", pattern="random", passes=8,
                                              base=0x10000000 * (i + 1)))
    wl.token_ring(cfg, 2, "4KiB", rounds=20, name="ring")
    cfg.add_task("sleeper", wl.Phases([wl.WorkingSet("8KiB"), wl.Sleep("50us"),
                                       wl.WorkingSet("8KiB")], repeat=3))
    cfg.at("0.1ms", A.SetAffinity("w0", cpus=[n - 1]))
    return cfg


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("det")
    jobs = [(p, k) for k in (0, 1) for p in smpsim.presets.names()]

    def one(job):
        p, k = job
        d = root / ("%s-%d" % (p, k))
        smpsim.run(busy(p), out=d, timeout=600)
        return job, {f: (d / f).read_bytes() for f in FILES}

    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        return dict(pool.map(one, jobs))


@pytest.mark.parametrize("preset", smpsim.presets.names())
def test_same_config_and_seed_give_identical_bytes(outputs, preset):
    a, b = outputs[(preset, 0)], outputs[(preset, 1)]
    for f in FILES:
        assert a[f] == b[f], "%s: %s differs between two runs" % (preset, f)
    assert b"affinity" in a["migrations.csv"]  # the mix did move tasks
