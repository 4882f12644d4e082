"""Running the scripts under configs/ from the tests: this interpreter, the banner off."""

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_script(path, *args, timeout=600):
    """configs/<path> with `args`; the finished process (text output)."""
    return subprocess.run([sys.executable, os.path.join(REPO, "configs", path), *args],
                          capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1"))


def script_ok(path, *args, timeout=600):
    """run_script that must succeed; its standard output."""
    p = run_script(path, *args, timeout=timeout)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-4000:]
    return p.stdout
