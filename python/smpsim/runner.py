"""Runs one simulation in a child process (SystemC allows one elaboration per process).

The parent validates the configuration (a ValueError is raised before anything starts), writes
``config.json`` into the output directory and starts ``python -m smpsim._child``, which simulates
and writes ``result.json`` (or ``error.json`` on failure). A child that dies without a word is
reported as :class:`SimulationError` with its exit status and the tail of its stderr.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from . import units
from ._smpsim import SystemConfig
from .errors import SimulationError
from .result import Result

__all__ = ["run"]

_STDERR_TAIL_LINES = 30
_STATUS_EVERY_S = 0.5  # host seconds between refreshes of the status line
_ERROR_TYPES = {"ValueError": ValueError, "OSError": OSError, "SimulationError": SimulationError}


def run(cfg, out=None, until=None, counterfactual=False, timeout=None, progress=None):
    """Simulate ``cfg`` once, in a child process, and return a :class:`Result`.

    out             output directory (created; config.json, stats and result.json are written
                    there); None: a temporary directory, removed once the results are read
    until           stop at this simulated time ("5ms", "200us") or cycle count (int);
                    None: run until every task has exited
    counterfactual  also run, for every affinity migration, the same configuration and seed
                    with that migration replaced by a same-CPU resumption after the same
                    off-CPU interval (one child each, in parallel), and set the migration's
                    ``counterfactual_cycles``: the task's extra user stall cycles over the same
                    number of user accesses (see smpsim.counterfactual)
    timeout         host seconds after which the child is stopped (SimulationError); None: wait
    progress        a live status line on stderr (simulated time, operations per host second);
                    None: when stderr is a terminal

    Raises ValueError for an invalid configuration (in this process, before anything starts),
    SimulationError for a failure inside the simulation. Ctrl-C stops the child and re-raises.
    """
    if not isinstance(cfg, SystemConfig):
        raise TypeError(f"run: expected a SystemConfig, got {type(cfg).__name__}")
    until_cycles = 0
    if until is not None:
        until_cycles = units.parse_time(until, cfg.freq_ghz, field="until")
        if until_cycles <= 0:
            raise ValueError(f"until: must be a positive time or cycle count, got {until!r}")
    cfg.validate()
    snapshot = cfg.copy()
    if counterfactual:
        from . import counterfactual as cf
        return cf.run_paired(snapshot, out, until_cycles, timeout)
    if progress is None:
        progress = sys.stderr.isatty()
    return run_once(snapshot, out, until_cycles, timeout, progress=progress)


def run_once(snapshot, out, until_cycles, timeout, progress=False):
    """Simulate the validated config copy ``snapshot`` in one child; see :func:`run`."""

    tmp = None
    if out is None:
        tmp = tempfile.mkdtemp(prefix="smpsim-")
        out_dir = tmp
    else:
        out_dir = os.path.abspath(os.fspath(out))
        os.makedirs(out_dir, exist_ok=True)
    try:
        for stale in ("result.json", "error.json"):
            try:
                os.remove(os.path.join(out_dir, stale))
            except FileNotFoundError:
                pass
        cfg_path = os.path.join(out_dir, "config.json")
        with open(cfg_path, "w", encoding="utf-8") as f:
            f.write(snapshot.to_json())
            f.write("\n")
        data = _execute(cfg_path, out_dir, until_cycles, timeout,
                        status_ghz=snapshot.freq_ghz if progress else None)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return Result.from_json(data, out=None if tmp is not None else out_dir, config=snapshot)


def _child_command(cfg_path, out_dir, until_cycles, progress_every=0):
    """The command line of the simulation child (with progress_every: it reports progress)."""
    cmd = [sys.executable, "-m", "smpsim._child", cfg_path, out_dir, str(until_cycles)]
    if progress_every:
        cmd += [os.path.join(out_dir, "progress"), str(progress_every)]
    return cmd


def _child_env():
    """The child's environment: this smpsim package first on PYTHONPATH, no SystemC banner."""
    env = dict(os.environ)
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rest = env.get("PYTHONPATH")
    env["PYTHONPATH"] = package_parent + (os.pathsep + rest if rest else "")
    env["SYSTEMC_DISABLE_COPYRIGHT_MESSAGE"] = "1"
    return env


def _stop(proc):
    """Terminate the child, then kill it if it does not exit within 5 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def _tail(text, lines=_STDERR_TAIL_LINES):
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else (text or "")
    kept = text.rstrip().splitlines()[-lines:]
    return "\n".join(kept)


class _Status:
    """The live status line of one run: simulated time and operations per host second, read
    from the child's progress file twice a second."""

    def __init__(self, out_dir, ghz):
        self.path = os.path.join(out_dir, "progress")
        self.ghz = ghz
        self.t0 = time.monotonic()
        self.shown = False

    def show(self):
        try:
            with open(self.path, encoding="utf-8") as f:
                cycle, ops = (int(x) for x in f.read().split())
        except (OSError, ValueError):
            return
        host = max(time.monotonic() - self.t0, 1e-9)
        sys.stderr.write(f"\rsimulated {cycle / (self.ghz * 1e6):10.3f} ms  "
                         f"{ops / host / 1e6:7.2f} M ops/s  {host:7.1f} s host")
        sys.stderr.flush()
        self.shown = True

    def end(self):
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _communicate(proc, timeout, status):
    """proc.communicate(timeout), refreshing the status line meanwhile (if any)."""
    if status is None:
        return proc.communicate(timeout=timeout)
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        while True:
            every = _STATUS_EVERY_S
            step = every if deadline is None else max(0.0, min(every, deadline - time.monotonic()))
            try:
                return proc.communicate(timeout=step)
            except subprocess.TimeoutExpired:
                if deadline is not None and time.monotonic() >= deadline:
                    raise
                status.show()
    finally:
        status.end()


def _execute(cfg_path, out_dir, until_cycles, timeout=None, status_ghz=None):
    """Run the child on ``cfg_path``; return the parsed result.json or raise its error. With
    status_ghz, a status line is shown while it runs."""
    every = int(status_ghz * 1e6) if status_ghz else 0  # one simulated millisecond
    status = _Status(out_dir, status_ghz) if status_ghz else None
    proc = subprocess.Popen(_child_command(cfg_path, out_dir, until_cycles, every),
                            env=_child_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        stdout, stderr = _communicate(proc, timeout, status)
    except subprocess.TimeoutExpired:
        _stop(proc)
        raise SimulationError(f"the simulation did not finish within {timeout} s of host time; "
                              f"the child process was stopped") from None
    except BaseException:  # KeyboardInterrupt included: never leave the child running
        _stop(proc)
        raise

    if proc.returncode != 0:
        error = _read_json(os.path.join(out_dir, "error.json"))
        if isinstance(error, dict) and "message" in error:
            raise _ERROR_TYPES.get(error.get("type"), SimulationError)(str(error["message"]))
        if proc.returncode < 0:
            try:
                how = f"was killed by signal {signal.Signals(-proc.returncode).name}"
            except ValueError:
                how = f"was killed by signal {-proc.returncode}"
        else:
            how = f"exited with status {proc.returncode}"
        tail = _tail(stderr) or _tail(stdout)
        raise SimulationError(f"the simulation process {how}"
                              + (f"; last output:\n{tail}" if tail else " without output"))

    for name in ("progress", "progress.tmp"):
        try:
            os.remove(os.path.join(out_dir, name))
        except FileNotFoundError:
            pass
    if stderr:
        sys.stderr.write(stderr.decode("utf-8", "replace"))
    data = _read_json(os.path.join(out_dir, "result.json"))
    if not isinstance(data, dict):
        raise SimulationError(f"the simulation process exited normally but wrote no readable "
                              f"result.json in {out_dir}")
    return data


def _read_json(path):
    """Parsed JSON of ``path``, or None if it is missing or unreadable."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
