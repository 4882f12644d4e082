#!/usr/bin/env python3
"""Simulation-speed benchmark: the scenarios of smpsim.bench (``python3 -m smpsim bench``).

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_platform.py [--runs 5] [--json]
"""
import sys

from smpsim.__main__ import main

if __name__ == "__main__":
    sys.exit(main(["bench"] + sys.argv[1:]))
