"""smpsim: a cycle-level SMP hardware simulator (SystemC/TLM-2.0) driven from Python.

Quick start::

    import smpsim

    cfg = smpsim.presets.quad()                      # a SystemConfig; presets.names() lists all
    cfg.l2.size = "512KiB"                           # sizes accept "32KiB"-style strings
    cfg.add_task("a", smpsim.workloads.WorkingSet(size="64KiB"), cpus=[0])
    res = smpsim.run(cfg, out="out/run1")            # one simulation, in a child process
    res.stats["system.cpu0.l1d.misses"], res.tasks["a"]["cycles"]

An invalid configuration raises ValueError naming the dotted field and its allowed range
(misspelt attributes raise AttributeError); a failure inside the simulation raises
:class:`SimulationError`. Command line: ``python3 -m smpsim run CONFIG.json|CONFIG.py``.
"""

__version__ = "0.1.0"

from . import _smpsim
from ._smpsim import (ActionConfig, BusConfig, CacheConfig, CoreConfig, DomainParams, DramConfig,
                      IrqConfig, KernelConfig, KernelCosts, LinkConfig, MemoryConfig,
                      PrefetchConfig, SchedPolicy, SystemConfig, TaskConfig, TlbConfig,
                      TopologyConfig, WorkloadConfig)
from .errors import SimulationError
from . import actions, analysis, presets, units, workloads
from .result import Result
from .runner import run

__all__ = ["__version__", "analysis", "presets", "workloads", "actions", "units", "run", "Result",
           "SimulationError", "ActionConfig", "DomainParams", "KernelCosts", "SchedPolicy",
           "SystemConfig", "CacheConfig", "TopologyConfig", "BusConfig", "LinkConfig",
           "MemoryConfig", "DramConfig", "IrqConfig", "CoreConfig", "KernelConfig",
           "WorkloadConfig", "TaskConfig", "TlbConfig", "PrefetchConfig"]
