"""The experiment scripts of configs/ run end to end on small options and their tables hold what
the hardware implies: the cold misses of a forced move equal the lines of a working set that
fits the private L2 (and fall once it does not); pinned tasks never migrate."""

import csv

from script_common import script_ok as script


def test_sweep_working_set(tmp_path):
    script("sweep_working_set.py", "--presets", "quad,athlon_x2", "--sizes",
           "32KiB,128KiB,1MiB", "--no-cache", "--out", str(tmp_path))
    rows = {(r["preset"], int(r["size"])): r
            for r in csv.DictReader(open(tmp_path / "sweep_working_set.csv"))}
    assert len(rows) == 6
    for preset in ("quad", "athlon_x2"):
        for kib in (32, 128):  # fits the private L2 (256 KiB, 512 KiB): every line is lost
            lines = kib * 1024 // 64
            assert abs(float(rows[(preset, kib * 1024)]["cold_misses"]) - lines) <= 0.02 * lines
    # Past the private L2 the random set thrashes it: fewer live lines survive to be reloaded.
    assert float(rows[("quad", 1 << 20)]["cold_misses"]) < 256 * 1024 // 64
    assert (tmp_path / "sweep_working_set.png").exists()


def test_affinity_vs_balance(tmp_path):
    out = script("affinity_vs_balance.py", "--tasks", "5", "--eras", "linux-2.6.10",
                 "--no-cache", "--out", str(tmp_path))
    rows = {r["mode"]: r for r in csv.DictReader(open(tmp_path / "affinity_vs_balance.csv"))}
    assert int(rows["pinned"]["migrations"]) == 0
    assert float(rows["pinned"]["makespan_cycles"]) > 0
    assert float(rows["free"]["makespan_cycles"]) > 0
    assert "makespan" in out


def test_migration_cost_on_a_dask_cluster_matches_the_local_run(tmp_path):
    import pytest
    distributed = pytest.importorskip("dask.distributed")
    script("migration_cost.py", "--preset", "core2_duo", "--working-set", "64KiB", "--out",
           str(tmp_path / "local"))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        script("migration_cost.py", "--preset", "core2_duo", "--working-set", "64KiB",
               "--scheduler", cluster.scheduler_address, "--out", str(tmp_path / "dask"))
    local = (tmp_path / "local" / "cost.csv").read_text()
    assert (tmp_path / "dask" / "cost.csv").read_text() == local
    assert (tmp_path / "dask" / "0-1" / "result.json").exists()
