#!/usr/bin/env python3
"""Determinism across builds, and the Python module under the sanitizers (make sanitize).

Runs the same configurations in simulation children of two builds of the module, the release
build and the ASan + UBSan debug build (the latter with the sanitizer runtimes preloaded into
Python), and checks that stats.json, migrations.csv, trace.json and samples.csv are
byte-identical. A sanitizer report aborts its child, which fails this check.

    python3 tests/cross_build_determinism.py RELEASE_PYTHON_DIR ASAN_PYTHON_DIR
"""
import os
import subprocess
import sys
import tempfile

FILES = ("stats.json", "migrations.csv", "trace.json", "samples.csv")


def configs(smpsim):
    """A forced migration under 2.6.10 on quad, and a 4.7 mix on opteron_2x2 (check mode)."""
    wl, A = smpsim.workloads, smpsim.actions
    a = smpsim.presets.quad()
    a.check = True
    a.add_task("a", wl.WorkingSet(size="64KiB", pattern="random", passes=6), cpus=[0])
    a.add_task("b", wl.WorkingSet(size="32KiB", passes=10))
    a.at("0.1ms", A.SetAffinity("a", cpus=[2]))
    b = smpsim.presets.opteron_2x2()
    b.check = True
    b.kernel.era = "linux-4.7"
    for i in range(5):
        b.add_task("t%d" % i, wl.WorkingSet(size="48KiB", pattern="random", passes=4,
                                            base=0x10000000 * (i + 1)))
    wl.token_ring(b, 2, "2KiB", rounds=10)
    return {"quad_forced": a, "opteron_47_mix": b}


def sanitizer_env():
    libs = []
    for lib in ("libasan.so", "libubsan.so"):
        path = subprocess.run(["gcc", "-print-file-name=" + lib], capture_output=True,
                              text=True).stdout.strip()
        libs.append(path)
    return {"LD_PRELOAD": ":".join(libs), "ASAN_OPTIONS": "detect_leaks=0"}


def simulate(module_dir, cfg_path, out_dir, extra_env):
    env = dict(os.environ, PYTHONPATH=module_dir, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1",
               **extra_env)
    out = subprocess.run([sys.executable, "-m", "smpsim._child", cfg_path, out_dir, "0"],
                         env=env, capture_output=True, text=True, timeout=1200)
    if out.returncode != 0:
        raise SystemExit(f"{module_dir}: the simulation failed ({out.returncode}):\n"
                         f"{out.stderr[-3000:]}")


def main(argv):
    release, asan = (os.path.abspath(d) for d in argv[1:3])
    sys.path.insert(0, release)
    import smpsim
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, cfg in configs(smpsim).items():
            cfg_path = os.path.join(tmp, name + ".json")
            with open(cfg_path, "w") as f:
                f.write(cfg.to_json())
            outs = {}
            for label, module, env in (("release", release, {}), ("asan", asan, sanitizer_env())):
                outs[label] = os.path.join(tmp, name, label)
                os.makedirs(outs[label])
                simulate(module, cfg_path, outs[label], env)
            for f in FILES:
                same = open(os.path.join(outs["release"], f), "rb").read() == open(
                    os.path.join(outs["asan"], f), "rb").read()
                print(f"{name}: {f}: {'identical' if same else 'DIFFERS'}")
                failed += not same
    print("cross-build determinism: " + ("ok" if not failed else f"{failed} file(s) differ"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
