#!/usr/bin/env python3
"""The direct context-switch cost of a preset, and the kernel-budget scale that matches a
measured one (docs/calibration.md).

Two tasks on CPU 0 pass a token through pipes (Li, Ding and Shen's and Ousterhout's ping-pong);
the cost per switch is the two-task time per switch minus the one-task time of the same work.
With --target-us, the budgets of cfg.kernel.costs are scaled by the factor k that makes the
simulated cost equal the measured one (the cost is linear in k; two runs fit it, a third checks).

    python3 configs/calibrate_switch.py [--preset smt_quad] [--target-us 3.8] [--out DIR]
"""
import argparse
import json
import os
import sys

import smpsim
from smpsim import calibration


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="smt_quad", choices=smpsim.presets.names())
    ap.add_argument("--era", default=None, help="kernel era (default: the preset's)")
    ap.add_argument("--target-us", type=float, default=None,
                    help="a measured direct switch cost to fit the budgets to")
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--out", default="out/calibrate_switch")
    args = ap.parse_args(argv)

    def make():
        cfg = smpsim.presets.get(args.preset)
        if args.era:
            cfg.kernel.era = args.era
        return cfg

    cyc, ns = calibration.direct_switch_cost(make, args.rounds)
    result = {"preset": args.preset, "era": make().kernel.era, "rounds": args.rounds,
              "switch_cycles": round(cyc, 1), "switch_ns": round(ns, 1)}
    print(f"{args.preset}: direct context switch {cyc:.0f} cycles = {ns / 1000:.3f} us")
    if args.target_us is not None:
        k, c0, c1 = calibration.fit_cost_scale(make, args.target_us * 1000, args.rounds)
        check = calibration.direct_switch_cost(
            lambda: calibration.scale_costs(make(), k), args.rounds)[1]
        result.update(target_ns=args.target_us * 1000, memory_only_ns=round(c0, 1), scale=k,
                      check_ns=round(check, 1),
                      costs={n: getattr(calibration.scale_costs(make(), k).kernel.costs, n)
                             for n in calibration.COST_FIELDS})
        print(f"  without budgets {c0:.0f} ns; budgets x {k:.2f} give {check:.0f} ns "
              f"(target {args.target_us * 1000:.0f} ns)")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, f"{args.preset}.json"), "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
