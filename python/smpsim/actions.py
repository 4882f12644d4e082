"""Timed actions applied inside the guest kernel: ``cfg.at(time, action)``.

``time`` is a time string ("2ms", "150us") or a cycle count (int). Each action is delivered as
an interrupt at that time; what the guest did with it (and when) is in ``Result.actions``.

    SetAffinity(task, cpus, by=None, cpu=None)  sched_setaffinity. by=None: a control task on
                                                another CPU issues it (forced migration, F1;
                                                cpu= picks that CPU); by=task: the task itself
                                                at its next return to user mode (F2)
    Exec(task)        the task calls execve: sched_exec may move it to the idlest CPU (F7)
    Fork(task, child) the task forks `child`, a task added with forked=True
    Sleep(task, duration)  the task sleeps (nanosleep) for `duration`
    Wake(task, cpu=None)   wakes a sleeping task from `cpu` (default: the task's own CPU)
    CpuOffline(cpu), CpuOnline(cpu)  CPU hotplug, issued by a control task
    Freeze(), Thaw()  the suspend freezer: user tasks stop in the refrigerator, then resume

A request the guest refuses (a mask with no online CPU, offlining the last CPU) is reported in
Result.actions with result -22 (EINVAL) or -16 (EBUSY); the run goes on.
"""

from . import units
from ._smpsim import ActionConfig, SystemConfig

__all__ = ["SetAffinity", "Exec", "Fork", "Sleep", "Wake", "CpuOffline", "CpuOnline", "Freeze",
           "Thaw", "ResetStats"]


class _Action:
    kind = ""

    def _config(self, cfg):
        return ActionConfig(kind=self.kind)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


def _name(task):
    if not isinstance(task, str) or not task:
        raise TypeError(f"task: expected a task name (str), got {task!r}")
    return task


def _cpu(cpu, field="cpu"):
    if cpu is None:
        return -1
    if isinstance(cpu, bool) or not isinstance(cpu, int):
        raise TypeError(f"{field}: expected an int CPU number or None, got {cpu!r}")
    return cpu


class SetAffinity(_Action):
    kind = "set_affinity"

    def __init__(self, task, cpus, by=None, cpu=None):
        self.task = _name(task)
        self.cpus = [cpus] if isinstance(cpus, int) else list(cpus)
        self.by = by
        self.cpu = cpu

    def _config(self, cfg):
        if self.by is not None and self.by != self.task:
            raise ValueError(f"SetAffinity.by: must be None (a control task) or the task itself "
                             f"({self.task!r}), got {self.by!r}")
        return ActionConfig(kind=self.kind, task=self.task, cpus=self.cpus, by=self.by or "",
                            cpu=_cpu(self.cpu))


class Exec(_Action):
    kind = "exec"

    def __init__(self, task):
        self.task = _name(task)

    def _config(self, cfg):
        return ActionConfig(kind=self.kind, task=self.task)


class Fork(_Action):
    kind = "fork"

    def __init__(self, task, child):
        self.task = _name(task)
        self.child = _name(child)

    def _config(self, cfg):
        return ActionConfig(kind=self.kind, task=self.task, child=self.child)


class Sleep(_Action):
    kind = "sleep"

    def __init__(self, task, duration):
        self.task = _name(task)
        self.duration = duration

    def _config(self, cfg):
        cycles = units.parse_time(self.duration, cfg.freq_ghz, field="Sleep.duration")
        return ActionConfig(kind=self.kind, task=self.task, duration=cycles)


class Wake(_Action):
    kind = "wake"

    def __init__(self, task, cpu=None):
        self.task = _name(task)
        self.cpu = cpu

    def _config(self, cfg):
        return ActionConfig(kind=self.kind, task=self.task, cpu=_cpu(self.cpu))


class CpuOffline(_Action):
    kind = "cpu_offline"

    def __init__(self, cpu):
        self.cpu = _cpu(cpu)

    def _config(self, cfg):
        return ActionConfig(kind=self.kind, cpu=self.cpu)


class CpuOnline(CpuOffline):
    kind = "cpu_online"


class Freeze(_Action):
    kind = "freeze"


class Thaw(_Action):
    kind = "thaw"


class ResetStats(_Action):
    """End of warm-up: the run's stats count from this time on (``cfg.warmup`` does the same).
    Works with or without the guest kernel; tasks, migrations and actions are not reset."""
    kind = "reset_stats"

    def __init__(self):
        pass

    def _config(self, cfg):
        return ActionConfig(kind=self.kind)


def _at(cfg, time, action):
    """Schedule ``action`` (from smpsim.actions) at ``time`` ("2ms" or cycles); returns cfg."""
    if not isinstance(action, _Action):
        raise TypeError(f"at: expected an action from smpsim.actions, got {action!r}")
    cycles = units.parse_time(time, cfg.freq_ghz, field="at")
    if cycles < 0:
        raise ValueError(f"at: must not be negative, got {time!r}")
    a = action._config(cfg)
    a.at = cycles
    cfg.add_action(a)
    return cfg


SystemConfig.at = _at

_warmup = SystemConfig.warmup


def _set_warmup(cfg, time):
    cycles = units.parse_time(time, cfg.freq_ghz, field="warmup")
    if cycles < 0:
        raise ValueError(f"warmup: must not be negative, got {time!r}")
    _warmup.__set__(cfg, cycles)


SystemConfig.warmup = property(_warmup.__get__, _set_warmup, doc=(
    "End of warm-up in cycles; also settable as a time ('1ms', converted at the current "
    "freq_ghz). Stats count from here (as actions.ResetStats); 0 = none."))
