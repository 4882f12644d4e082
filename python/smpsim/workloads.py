"""Workloads: what a task runs. Each function returns a :class:`WorkloadConfig` to pass to
:meth:`SystemConfig.add_task`::

    cfg.add_task("a", smpsim.workloads.WorkingSet(size="256KiB", pattern="random", passes=8))

A program is one step or :func:`Phases` of steps. Steps that enter the guest kernel (Sleep,
SetAffinity, the pipe calls, Barrier) need ``cfg.kernel.enabled``. Values are checked when the
configuration is validated (``cfg.validate()`` or ``smpsim.run``), which raises ValueError naming
the field, e.g. ``tasks[0].workload.steps[2].pattern``.

Multi-task programs (:func:`token_ring`, :func:`producer_consumer`) add their tasks to a
configuration; tasks meet through named pipes and barriers, shared by every task of the run.
"""

import os

from . import _smpsim
from ._smpsim import WorkloadConfig
from .units import parse_ns

__all__ = ["WorkingSet", "TouchCache", "Spin", "Trace", "convert_trace", "trace_info", "Phases", "Sleep", "SetAffinity",
           "Wbinvd", "Clflush", "Mark", "PipeWrite", "PipeRead", "Barrier", "token_ring",
           "producer_consumer", "WorkloadConfig"]

def _step(kind, **fields):
    w = WorkloadConfig()
    w.kind = kind
    for k, v in fields.items():
        setattr(w, k, v)
    return w


def _duration(w, value, field):
    """Set w's duration: an int is cycles, a string like '2ms' is kept in ns."""
    if isinstance(value, str):
        w.ns = parse_ns(value, field)
    else:
        w.cycles = value
    return w


def WorkingSet(size, pattern="sequential", stride=64, passes=1, write_ratio=0.0,
               compute_per_access=0, access_size=8, base=None):
    """Sweep a working set of ``size`` bytes ``passes`` times.

    size               bytes, int or a string such as "64KiB" or "8MiB"
    pattern            "sequential" (every ``access_size`` bytes), "strided" (every ``stride``
                       bytes), "random" (size/access_size accesses per pass at uniformly random
                       aligned offsets) or "pointer_chase" (one access per line along a fixed
                       random cycle through all lines)
    stride             bytes between accesses of the strided pattern
    passes             number of sweeps over the working set
    write_ratio        fraction of accesses that are stores (0.0 to 1.0)
    compute_per_access cycles of compute after each access
    access_size        bytes per access (1 to 64)
    base               virtual base address (None: the default, 0x10000000)
    """
    w = _step("working_set", size=size, pattern=pattern, stride=stride, passes=passes,
              write_ratio=write_ratio, compute_per_access=compute_per_access,
              access_size=access_size)
    if base is not None:
        w.base = base
    return w


def TouchCache(size, passes=1, base=None):
    """Linux 2.6.16's ``touch_cache(buf, size)``: six interleaved forward and backward sweeps of
    read-modify-writes of 8-byte words that touch 2/3 of the buffer's 64-byte lines."""
    w = _step("touch_cache", size=size, passes=passes)
    if base is not None:
        w.base = base
    return w


def Spin(cycles):
    """Compute without touching memory: int cycles or a time such as "50us"."""
    return _duration(_step("spin"), cycles, "Spin")


def Trace(path, format="auto"):
    """Replay a memory trace: valgrind lackey text (``--tool=lackey --trace-mem=yes``), plain or
    gzip-compressed, or smpsim's binary format (``python3 -m smpsim trace convert``).
    ``format``: "auto" (from the file's first bytes), "lackey" or "binary"."""
    return _step("trace", path=str(path), format=format)


def convert_trace(src, dst, from_format="auto"):
    """Convert the trace ``src`` ("auto", "lackey" or "binary") to smpsim's binary format in
    ``dst``, gzip-compressed if ``dst`` ends in ".gz"; returns the number of records. A malformed
    record raises ValueError naming the file and line (``dst`` is then removed)."""
    return _smpsim.trace_convert(os.fspath(src), os.fspath(dst), from_format)


def trace_info(path, format="auto"):
    """Read a trace to its end and return {"format", "gzip", "records", "by_kind": {"I", "L",
    "S", "M"}, "bytes_by_kind", "range": {"instr": (lo, hi) or None, "data": ...}}, where
    hi is the highest address + size."""
    return _smpsim.trace_info(os.fspath(path), format)


def Phases(steps, repeat=1):
    """Run ``steps`` in order, the whole list ``repeat`` times."""
    return _step("phases", steps=list(steps), repeat=repeat)


def Sleep(duration):
    """nanosleep: int cycles or a time such as "1ms"."""
    return _duration(_step("sleep"), duration, "Sleep")


def SetAffinity(cpus):
    """sched_setaffinity(0, cpus) on the task itself (it moves at once if its CPU is not allowed)."""
    return _step("set_affinity", cpus=list(cpus))


def Wbinvd():
    """Write back and invalidate the caches of the task's CPU (as 2.6.16's sched_cacheflush)."""
    return _step("wbinvd")


def Clflush(size, base=None):
    """clflush every line of [base, base+size): the lines leave every cache of the machine."""
    w = _step("clflush", size=size)
    if base is not None:
        w.base = base
    return w


def Mark(label):
    """Record the guest clock (the CPU's cycle) under ``label`` in res.tasks[name]["marks"]."""
    return _step("mark", label=label)


def PipeWrite(pipe, bytes=8, base=None):
    """write(fd, buf, bytes) to the pipe named ``pipe``; blocks while the pipe is full."""
    w = _step("pipe_write", object=pipe, bytes=bytes)
    if base is not None:
        w.base = base
    return w


def PipeRead(pipe, bytes=8, base=None):
    """read(fd, buf, bytes) from the pipe named ``pipe``; blocks until that many bytes came."""
    w = _step("pipe_read", object=pipe, bytes=bytes)
    if base is not None:
        w.base = base
    return w


def Barrier(name, parties):
    """Wait until ``parties`` tasks have reached the barrier ``name`` (then all go on)."""
    return _step("barrier", object=name, parties=parties)


def token_ring(cfg, n, size, rounds, name="ring", cpus=None, token_bytes=4):
    """lmbench ``lat_ctx``: ``n`` tasks pass a token round a ring of pipes ``rounds`` times; each
    task sums its private array of ``size`` bytes whenever it holds the token. Task 0 starts with
    the token. Adds tasks ``<name>0`` .. ``<name><n-1>`` and returns their names."""
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"token_ring: n must be a positive int, got {n!r}")
    names = []
    for i in range(n):
        body = []
        if i != 0:
            body.append(PipeRead(f"{name}.pipe{i}", token_bytes))
        body.append(WorkingSet(size, pattern="sequential", access_size=8))
        body.append(PipeWrite(f"{name}.pipe{(i + 1) % n}", token_bytes))
        if i == 0:
            body.append(PipeRead(f"{name}.pipe0", token_bytes))
        task = f"{name}{i}"
        cfg.add_task(task, Phases(body, repeat=rounds), cpus=cpus)
        names.append(task)
    return names


def producer_consumer(cfg, items, item_bytes, name="pc", producer_cpus=None,
                      consumer_cpus=None, compute_per_item=0):
    """A producer writes ``items`` records of ``item_bytes`` into its buffer and sends each down
    a pipe; the consumer reads each into its own buffer and reads it through. Adds tasks
    ``<name>.producer`` and ``<name>.consumer`` and returns their names."""
    pipe = f"{name}.pipe"
    produce = [WorkingSet(item_bytes, write_ratio=1.0)]
    if compute_per_item:
        produce.append(Spin(compute_per_item))
    produce.append(PipeWrite(pipe, item_bytes))
    consume = [PipeRead(pipe, item_bytes), WorkingSet(item_bytes)]
    if compute_per_item:
        consume.append(Spin(compute_per_item))
    p, c = f"{name}.producer", f"{name}.consumer"
    cfg.add_task(p, Phases(produce, repeat=items), cpus=producer_cpus)
    cfg.add_task(c, Phases(consume, repeat=items), cpus=consumer_cpus)
    return [p, c]
