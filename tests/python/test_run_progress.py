"""The live status line of a long single run (smpsim.run(progress=...)): the simulated time and
operations per host second on stderr, refreshed twice a second, ended by a newline; nothing when
progress is off (the default when stderr is not a terminal); the child's progress file is gone."""

import smpsim
from smpsim import runner
from smpsim import workloads as wl


def long_run():
    cfg = smpsim.presets.quad()
    for i in range(4):  # about 100 simulated ms, a progress file every ms
        cfg.add_task("t%d" % i, wl.WorkingSet(size="4MiB", pattern="random", passes=1,
                                              base=0x10000000 * (i + 1)), cpus=[i])
    return cfg


def test_status_line_when_asked(tmp_path, capfd, monkeypatch):
    monkeypatch.setattr(runner, "_STATUS_EVERY_S", 0.02)  # refreshes even on a fast host
    smpsim.run(long_run(), out=tmp_path, progress=True)
    err = capfd.readouterr().err
    lines = [x for x in err.split("\r") if x.startswith("simulated")]
    assert lines, err
    assert " ms " in lines[0] and "M ops/s" in lines[0] and "s host" in lines[0]
    assert err.endswith("\n")
    assert not (tmp_path / "progress").exists()


def test_no_status_line_by_default_off_a_terminal(capfd):
    cfg = smpsim.presets.quad()
    cfg.add_task("a", wl.WorkingSet(size="64KiB", passes=4), cpus=[0])
    smpsim.run(cfg)
    assert "simulated" not in capfd.readouterr().err
