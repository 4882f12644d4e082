"""Warm-up: cfg.warmup or actions.ResetStats() makes the stats count from a time on. A 16 KiB
working set swept 20 times on one core fits its 32 KiB L1D: once the first sweep is over, every
access hits, so stats counted from after it show no L1D miss and exactly the remaining hits."""

import pytest
import smpsim
from smpsim import actions as A
from smpsim import workloads as wl

ACCESSES_PER_PASS = 16 * 1024 // 8  # 8-byte accesses
PASSES = 20


def one_core(kernel):
    cfg = smpsim.presets.quad()
    cfg.kernel.enabled = kernel
    cfg.tlb.enabled = False  # no page-table lines: the L1D sees only the task's accesses
    cfg.add_task("a", wl.WorkingSet(size="16KiB", passes=PASSES), cpus=[0])
    return cfg


@pytest.mark.parametrize("kernel", [False, True])
def test_stats_count_from_the_end_of_warm_up(kernel):
    base = smpsim.run(one_core(kernel), timeout=120)
    warm = one_core(kernel)
    warm.warmup = "100us"  # well after the first sweep (256 misses from memory)
    w = smpsim.run(warm, timeout=120)
    by_action = one_core(kernel)
    by_action.at("100us", A.ResetStats())
    a = smpsim.run(by_action, timeout=120)
    assert w.stats_since == a.stats_since == 200_000  # 100 us at 2 GHz
    assert base.stats_since == 0
    if not kernel:  # on bare metal, the L1D sees the task's accesses only
        assert base.stats["system.cpu0.l1d.misses"] == 16 * 1024 // 64
        assert (base.stats["system.cpu0.l1d.hits"] + base.stats["system.cpu0.l1d.misses"]
                == ACCESSES_PER_PASS * PASSES)
    # After the first sweep the user accesses all hit; with the kernel, its own few accesses
    # (ticks) may still miss, but far fewer than the first sweep's 256.
    assert w.stats["system.cpu0.l1d.misses"] == a.stats["system.cpu0.l1d.misses"]
    assert w.stats["system.cpu0.l1d.misses"] < (1 if not kernel else 64)
    assert 0 < w.stats["system.cpu0.l1d.hits"] < base.stats["system.cpu0.l1d.hits"]
    assert w.stats == a.stats
    # Not reset: the task's own totals and the simulated time.
    assert w.tasks["a"]["accesses"] == base.tasks["a"]["accesses"]
    assert w.sim_cycles == base.sim_cycles


def test_reset_action_is_reported_and_warmup_is_checked():
    cfg = one_core(True)
    cfg.at("10us", A.ResetStats())
    res = smpsim.run(cfg, timeout=120)
    (act,) = res.actions
    assert (act["kind"], act["executed"], act["message"]) == ("reset_stats", 20_000, "stats reset")
    with pytest.raises(ValueError, match=r"^warmup: expected a time"):
        one_core(False).warmup = "-1ms"
    cfg = one_core(False)
    cfg.warmup = 5000
    assert cfg.warmup == 5000
    assert smpsim.SystemConfig.from_json(cfg.to_json()).warmup == 5000
