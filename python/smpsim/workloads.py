"""Workloads: what a task runs. Each function returns a :class:`WorkloadConfig` to pass to
:meth:`SystemConfig.add_task`::

    cfg.add_task("a", smpsim.workloads.WorkingSet(size="256KiB", pattern="random", passes=8))

Values are checked when the configuration is validated (``cfg.validate()`` or ``smpsim.run``),
which raises ValueError naming the field, e.g. ``tasks[0].workload.pattern``.
"""

from ._smpsim import WorkloadConfig

__all__ = ["WorkingSet", "Spin", "WorkloadConfig"]


def WorkingSet(size, pattern="sequential", stride=64, passes=1, write_ratio=0.0,
               compute_per_access=0, access_size=8, base=None):
    """Sweep a working set of ``size`` bytes ``passes`` times.

    size               bytes, int or a string such as "64KiB" or "8MiB"
    pattern            "sequential" (every ``access_size`` bytes), "strided" (every ``stride``
                       bytes), "random" or "pointer_chase" (a dependent chain through the lines)
    stride             bytes between accesses of the strided pattern
    passes             number of sweeps over the working set
    write_ratio        fraction of accesses that are stores (0.0 to 1.0)
    compute_per_access cycles of compute after each access
    access_size        bytes per access (1 to 64)
    base               virtual base address (None: the default, 0x10000000)
    """
    w = WorkloadConfig()
    w.kind = "working_set"
    w.size = size
    w.pattern = pattern
    w.stride = stride
    w.passes = passes
    w.write_ratio = write_ratio
    w.compute_per_access = compute_per_access
    w.access_size = access_size
    if base is not None:
        w.base = base
    return w


def Spin(cycles):
    """Compute for ``cycles`` core cycles without touching memory, then exit."""
    w = WorkloadConfig()
    w.kind = "spin"
    w.cycles = cycles
    return w
