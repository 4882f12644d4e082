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
from ._smpsim import (ActionConfig, BusConfig, CacheConfig, CalibrationConfig, CoreConfig,
                      DomainParams, DramConfig,
                      IrqConfig, KernelConfig, KernelCosts, LinkConfig, MemoryConfig,
                      PrefetchConfig, SchedPolicy, SystemConfig, TaskConfig, TlbConfig,
                      TopologyConfig, WorkloadConfig)
from .errors import ConfigTypeError, SimulationError
from . import actions, analysis, presets, units, workloads
from .result import Result
from .runner import run
from .sweeps import PointFailure, sweep



def _name_wrong_types(cls):
    """Replaces pybind11's "incompatible function arguments" on assignment to a field of a
    config class by a ConfigTypeError naming the field, the expected type and the value."""
    setattr_ = cls.__setattr__

    def __setattr__(self, name, value):
        try:
            setattr_(self, name, value)
        except TypeError as e:
            if "incompatible function arguments" not in str(e):
                raise
            current = getattr(self, name)
            raise ConfigTypeError(f"{cls.__name__}.{name}: expected {type(current).__name__}, "
                                  f"got {type(value).__name__} {value!r}") from None

    cls.__setattr__ = __setattr__


for _cls in (ActionConfig, BusConfig, CacheConfig, CalibrationConfig, CoreConfig, DomainParams, DramConfig, IrqConfig,
             KernelConfig, KernelCosts, LinkConfig, MemoryConfig, PrefetchConfig, SchedPolicy,
             SystemConfig, TaskConfig, TlbConfig, TopologyConfig, WorkloadConfig):
    _name_wrong_types(_cls)
del _cls

__all__ = ["__version__", "analysis", "presets", "workloads", "actions", "units", "run", "Result",
           "sweep", "PointFailure",
           "SimulationError", "ConfigTypeError", "ActionConfig", "DomainParams", "KernelCosts", "SchedPolicy",
           "SystemConfig", "CacheConfig", "TopologyConfig", "BusConfig", "LinkConfig",
           "MemoryConfig", "DramConfig", "IrqConfig", "CoreConfig", "KernelConfig",
           "WorkloadConfig", "TaskConfig", "TlbConfig", "PrefetchConfig", "CalibrationConfig"]
