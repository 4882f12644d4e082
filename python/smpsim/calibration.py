"""Calibrating the guest kernel's budgets against a published context-switch measurement.

The direct cost of a context switch, measured as Li, Ding and Shen (ExpCS 2007) and Ousterhout
did: two tasks on one CPU pass a token back and forth through a pair of pipes, each touching a
small array per round; the cost per switch is the two-task time per switch minus the one-task
time of the same array work per round. In the model that cost is the memory time of the kernel
code on the way (fixed by the caches) plus the kernel budgets (``cfg.kernel.costs``), so it is
linear in a common scale factor k of the budgets: two runs fit it, and ``fit_cost_scale`` finds
the k that gives a measured value. docs/calibration.md lists the anchors and the results.
"""

import smpsim
from smpsim import workloads as wl

__all__ = ["COST_FIELDS", "scale_costs", "direct_switch_cost", "fit_cost_scale"]

COST_FIELDS = tuple(k for k in dir(smpsim.KernelCosts())
                    if not k.startswith("_") and not callable(getattr(smpsim.KernelCosts(), k)))


def scale_costs(cfg, k):
    """Multiplies every kernel budget of ``cfg`` by ``k`` (rounded to whole cycles); returns cfg."""
    if not k >= 0:
        raise ValueError(f"scale_costs: k must be >= 0, got {k!r}")
    for name in COST_FIELDS:
        setattr(cfg.kernel.costs, name, int(getattr(cfg.kernel.costs, name) * k + 0.5))
    return cfg


def direct_switch_cost(make_cfg, rounds=200, array="64B", timeout=600):
    """Cycles per context switch of the pipe ping-pong on CPU 0 of ``make_cfg()`` (a function
    returning a fresh configuration, called twice). Returns (cycles, nanoseconds)."""
    cfg = make_cfg()
    names = wl.token_ring(cfg, 2, array, rounds=rounds, cpus=[0], name="pingpong")
    tasks = smpsim.run(cfg, timeout=timeout).tasks
    span = (max(tasks[n]["end_cycle"] for n in names)
            - min(tasks[n]["start_cycle"] for n in names))
    alone = make_cfg()
    alone.add_task("single", wl.Phases([wl.WorkingSet(array, access_size=8)], repeat=rounds),
                   cpus=[0])
    work = smpsim.run(alone, timeout=timeout).tasks["single"]["cycles"] / rounds
    cycles = span / (2 * rounds) - work
    return cycles, cycles / cfg.freq_ghz


def fit_cost_scale(make_cfg, target_ns, rounds=200):
    """The factor k by which ``make_cfg()``'s kernel budgets must be multiplied for the direct
    switch cost to be ``target_ns``, from runs at k = 0 and k = 1. Returns (k, c0_ns, c1_ns):
    the cost without budgets and with the configuration's own."""
    c0 = direct_switch_cost(lambda: scale_costs(make_cfg(), 0), rounds)[1]
    c1 = direct_switch_cost(make_cfg, rounds)[1]
    if c1 <= c0:
        raise ValueError("the configuration's kernel budgets are all zero: nothing to scale")
    if target_ns < c0:
        raise ValueError(f"target {target_ns} ns is below the memory time alone ({c0:.0f} ns)")
    return (target_ns - c0) / (c1 - c0), c0, c1
