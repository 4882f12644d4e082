"""Simulation child: ``python -m smpsim._child CONFIG.json OUT_DIR UNTIL_CYCLES [PROGRESS_PATH
PROGRESS_EVERY]`` (with the last two, "<cycle> <ops>" is written to PROGRESS_PATH every
PROGRESS_EVERY simulated cycles, for the parent's status line).

Loads the configuration, runs one simulation in this process and lets the C++ side write its
outputs into OUT_DIR. On failure it writes ``OUT_DIR/error.json`` ({"type", "message"}), which
the parent re-raises as the same exception type, and exits with status 3.
"""

import json
import os
import sys
import traceback

EXIT_ERROR = 3


def _write_error(out_dir, kind, message):
    try:
        with open(os.path.join(out_dir, "error.json"), "w", encoding="utf-8") as f:
            json.dump({"type": kind, "message": message}, f)
    except OSError as e:
        sys.stderr.write(f"smpsim child: cannot write error.json ({e})\n")
    sys.stderr.write(f"smpsim child: {kind}: {message}\n")


def main(argv):
    """Run one simulation as told by ``argv`` (config path, out dir, until cycles)."""
    if len(argv) not in (3, 5):
        sys.stderr.write("usage: python -m smpsim._child CONFIG.json OUT_DIR UNTIL_CYCLES "
                         "[PROGRESS_PATH PROGRESS_EVERY]\n")
        return 2
    cfg_path, out_dir, until = argv[:3]
    progress_path, progress_every = (argv[3], int(argv[4])) if len(argv) == 5 else ("", 0)
    try:
        from smpsim import _smpsim

        until_cycles = int(until)
        try:
            with open(cfg_path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            raise OSError(f"{cfg_path}: cannot read the configuration: "
                          f"{e.strerror or e}") from None
        try:
            cfg = _smpsim.SystemConfig.from_json(text)
        except ValueError as e:
            raise ValueError(f"{cfg_path}: {e}") from None
        _smpsim.simulate(cfg, out_dir, until_cycles, progress_path, progress_every)
    except ValueError as e:
        _write_error(out_dir, "ValueError", str(e))
        return EXIT_ERROR
    except OSError as e:
        _write_error(out_dir, "OSError", str(e))
        return EXIT_ERROR
    except Exception as e:  # _smpsim.SimulationError and anything unexpected
        if type(e).__name__ != "SimulationError":
            traceback.print_exc()
            message = f"{type(e).__name__}: {e}"
        else:
            message = str(e)
        _write_error(out_dir, "SimulationError", message)
        return EXIT_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
