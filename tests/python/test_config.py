"""Configuration API: typo-proof attributes, validation messages, sizes, presets, JSON, CLI, and
the runner's handling of a failing child. Fast: no real simulation is needed here."""

import json
import os
import subprocess
import sys

import pytest

import smpsim
from smpsim import SystemConfig
from smpsim import __main__ as cli
from smpsim import runner

PRESETS = ["quad", "core2_duo", "athlon_x2", "opteron_2x2", "smt_quad", "manycore_64"]


def _env():
    """Environment for a subprocess that imports the same smpsim package as this test."""
    env = dict(os.environ)
    parent = os.path.dirname(os.path.dirname(os.path.abspath(smpsim.__file__)))
    env["PYTHONPATH"] = parent + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["SYSTEMC_DISABLE_COPYRIGHT_MESSAGE"] = "1"
    return env


# --- attributes -------------------------------------------------------------------------------

def test_misspelt_attributes_raise_attribute_error():
    cfg = smpsim.presets.quad()
    with pytest.raises(AttributeError, match="wayz"):
        cfg.l2.wayz = 4
    with pytest.raises(AttributeError, match="l2s"):
        cfg.l2s
    with pytest.raises(AttributeError):
        cfg.topology.core = 3
    with pytest.raises(AttributeError):
        cfg.memory.latency = 3  # the field is latency_ns
    with pytest.raises(TypeError, match="wayz"):
        smpsim.CacheConfig(wayz=4)


def test_nested_configs_are_references_and_copies_are_independent():
    cfg = smpsim.presets.quad()
    cfg.l2.ways = 4
    assert cfg.l2.ways == 4
    other = cfg.copy()
    other.l2.ways = 16
    assert cfg.l2.ways == 4
    import copy
    deep = copy.deepcopy(cfg)
    deep.memory.latency_ns = 99.0
    assert cfg.memory.latency_ns == 60.0
    assert deep != cfg and cfg.copy() == cfg


# --- validation messages: dotted field and allowed range, raised in the parent ----------------

def _quad_with_task():
    cfg = smpsim.presets.quad()
    cfg.add_task("a", smpsim.workloads.WorkingSet(size="64KiB"), cpus=[0])
    return cfg


def _mutate(cfg, dotted, value):
    *path, last = dotted.split(".")
    obj = cfg
    for part in path:
        obj = getattr(obj, part)
    setattr(obj, last, value)


@pytest.mark.parametrize("field, value, pattern", [
    # 192 KiB / (8 ways * 64 B) = 384 sets
    ("l2.size", "192KiB", r"^l2\.size: .*number of sets.*power of two.*got 384 sets"),
    ("l1d.line", 48, r"^l1d\.line: must be a power of two, got 48"),
    ("l2.ways", 0, r"^l2\.ways: must be in \[1, 4096\].*got 0"),
    ("topology.cores_per_socket", 0, r"^topology\.cores_per_socket: must be in \[1, 1024\].*got 0"),
    ("l2.latency", -1, r"^l2\.latency: must be in \[0, 100000\].*got -1"),
    ("memory.latency_ns", -5.0, r"^memory\.latency_ns: must be in \[0, 1e\+06\].*got -5"),
    ("core.mlp", 0, r"^core\.mlp: must be in \[1, 64\].*1 = blocking.*got 0"),
    ("core.store_buffer", 257, r"^core\.store_buffer: must be in \[0, 256\].*got 257"),
    ("memory.model", "ddr4", r"^memory\.model: must be 'fixed' or 'dram', got 'ddr4'"),
    ("memory.dram.banks", 6, r"^memory\.dram\.banks: must be a power of two, got 6"),
    ("memory.dram.channels", 0, r"^memory\.dram\.channels: must be in \[1, 64\].*got 0"),
    ("memory.dram.row_bytes", 32, r"^memory\.dram\.row_bytes: must be in \[64, 1048576\].*got 32"),
    ("memory.dram.trcd_ns", -1.0, r"^memory\.dram\.trcd_ns: must be in \[0, 10000\].*got -1"),
    ("memory.dram.channel_gbps", 0.0, r"^memory\.dram\.channel_gbps: must be in \[0\.001,.*got 0"),
    ("memory.dram.page_policy", "lazy", r"^memory\.dram\.page_policy: must be 'open' or 'closed'"),
    ("memory.dram.mapping", "row:bank:colum",
     r"^memory\.dram\.mapping: unknown field 'colum' in 'row:bank:colum'"),
    ("memory.dram.mapping", "bank:row:column", r"^memory\.dram\.mapping: must start with 'row'"),
    ("watchdog_cycles", -1, r"^watchdog_cycles: must be in \[0, 1000000000000000\], got -1"),
])
def test_invalid_field_raises_value_error_in_parent(field, value, pattern, no_child, tmp_path):
    cfg = _quad_with_task()
    _mutate(cfg, field, value)  # accepted at assignment, rejected by validation
    out = tmp_path / "never"
    with pytest.raises(ValueError, match=pattern):
        smpsim.run(cfg, out=str(out))
    assert not out.exists(), "nothing may be started or written for an invalid config"
    with pytest.raises(ValueError, match=pattern):
        cfg.validate()


def test_dram_fields_are_checked_together(no_child):
    cfg = _quad_with_task()
    cfg.memory.model = "dram"
    cfg.memory.dram.channels = 2  # the default mapping has a channel field: fine
    cfg.validate()
    cfg.memory.dram.mapping = "row:rank:bank:column"
    with pytest.raises(ValueError, match=r"^memory\.dram\.mapping: must contain 'channel' when "
                                         r"channels is 2"):
        smpsim.run(cfg)
    cfg.memory.dram.channels = 1
    cfg.validate()  # one channel: the field may be left out
    for level in (cfg.l1i, cfg.l1d, cfg.l2, cfg.llc):
        level.line = 128
    cfg.memory.dram.row_bytes = 64
    with pytest.raises(ValueError, match=r"^memory\.dram\.row_bytes: must hold a line "
                                         r"\(l1d\.line, 128 bytes\), got 64"):
        smpsim.run(cfg)
    cfg.memory.model = "fixed"  # the fixed model has no rows
    cfg.validate()


def test_ways_above_lines_names_the_range(no_child):
    cfg = _quad_with_task()
    cfg.l1d.size = 256  # 4 lines of 64 B
    cfg.l1d.ways = 8
    with pytest.raises(ValueError, match=r"^l1d\.ways: must be in \[1, 4\].*got 8"):
        smpsim.run(cfg)


def test_unknown_preset_names_preset():
    with pytest.raises(ValueError, match=r"^preset: unknown preset 'nope'; known: quad"):
        smpsim.presets.get("nope")
    with pytest.raises(ValueError, match=r"^preset: unknown preset 'nope'"):
        SystemConfig.from_json('{"preset": "nope"}')


def test_task_fields_are_validated(no_child):
    cfg = _quad_with_task()
    cfg.add_task("b", smpsim.workloads.WorkingSet(size="4KiB", pattern="zigzag"), cpus=[7])
    with pytest.raises(ValueError, match=r"^tasks\[1\]\.cpus\[0\]: must be in \[0, 3\]"):
        smpsim.run(cfg)
    cfg.tasks = cfg.tasks[:1] + (smpsim.TaskConfig(name="b", workload=cfg.tasks[0].workload,
                                                   cpus=[1], threads_of="zz"),)
    with pytest.raises(ValueError, match=r"^tasks\[1\]\.threads_of: must name an earlier task"):
        smpsim.run(cfg)


def test_counterfactual_and_until_are_checked(no_child):
    cfg = _quad_with_task()
    with pytest.raises(ValueError, match="^until:"):
        smpsim.run(cfg, until="5 parsecs", counterfactual=True)
    cfg.measure.window = -1
    with pytest.raises(ValueError, match=r"^measure\.window: "):
        smpsim.run(cfg, counterfactual=True)
    cfg.measure.window = 0
    with pytest.raises(ValueError, match="^until:"):
        smpsim.run(cfg, until="5 parsecs")
    with pytest.raises(ValueError, match="^until:"):
        smpsim.run(cfg, until=0)


# --- sizes and units --------------------------------------------------------------------------

def test_size_strings_are_accepted():
    c = smpsim.CacheConfig()
    c.size = "32KiB"
    assert c.size == 32 * 1024
    c.size = "8MiB"
    assert c.size == 8 * 1024 * 1024
    c.size = 4096
    assert c.size == 4096
    assert smpsim.CacheConfig(size="1MiB", ways=16).size == 1 << 20
    assert smpsim.workloads.WorkingSet(size="64KiB").size == 65536
    with pytest.raises(ValueError, match=r"^size: unknown size unit 'XB'"):
        c.size = "12XB"
    with pytest.raises(TypeError):
        c.size = 1.5
    cfg = SystemConfig.from_json('{"preset": "quad", "l2": {"size": "512KiB"}}')
    assert cfg.l2.size == 512 * 1024


def test_time_units():
    assert smpsim.units.parse_time("150ns", 2.0) == 300
    assert smpsim.units.parse_time("2us", 2.0) == 4000
    assert smpsim.units.parse_time("1.5ms", 2.0) == 3_000_000
    assert smpsim.units.parse_time("1s", 2.2) == 2_200_000_000
    assert smpsim.units.parse_time(1234, 2.0) == 1234
    assert smpsim.units.parse_time("5000cycles", 2.0) == 5000
    with pytest.raises(ValueError, match="^until: unknown time unit"):
        smpsim.units.parse_time("3 weeks", 2.0, field="until")
    assert smpsim.units.parse_size("8MiB") == 8 << 20


# --- presets and topology ---------------------------------------------------------------------

def test_presets_all_listed_and_valid():
    assert smpsim.presets.names() == PRESETS
    for name in PRESETS:
        cfg = smpsim.presets.get(name)
        cfg.validate()
        assert cfg.name == name
        assert getattr(smpsim.presets, name)() == cfg
    assert smpsim.presets.opteron_2x2().cores == 4
    assert smpsim.presets.manycore_64().cores == 64


def test_cores_setter():
    cfg = smpsim.presets.quad()
    assert cfg.cores == 4
    cfg.cores = 8
    assert cfg.cores == 8 and cfg.topology.cores_per_socket == 8
    smt = smpsim.presets.smt_quad()  # 2 sockets x 1 core x 2 threads
    smt.cores = 8
    assert smt.topology.cores_per_socket == 2 and smt.cores == 8
    for bad in (6, 0, -4):
        with pytest.raises(ValueError, match=r"^cores: must be a positive multiple of .*\(4\)"):
            smt.cores = bad
    assert smt.cores == 8


def test_add_task_defaults_to_all_cpus():
    cfg = smpsim.presets.quad()
    cfg.add_task("a", smpsim.workloads.Spin(1000))
    cfg.add_task("b", smpsim.workloads.WorkingSet("4KiB"), cpus=[2], nice=5, threads_of="a")
    a, b = cfg.tasks
    assert a.cpus == [0, 1, 2, 3] and a.workload.kind == "spin" and a.workload.cycles == 1000
    assert b.cpus == [2] and b.nice == 5 and b.threads_of == "a" and b.start_after == ""
    cfg.validate()


# --- JSON -------------------------------------------------------------------------------------

def _everything_changed():
    cfg = smpsim.presets.opteron_2x2()
    cfg.name = "changed"
    cfg.freq_ghz = 2.345678901234
    cfg.l1d.replacement = "plru"
    cfg.l2.inclusive = True
    cfg.llc.enabled = True
    cfg.bus.occupancy_ns = 1.25
    cfg.link.latency_ns = 33.3
    cfg.memory.mapping = "random"
    cfg.memory.numa = "interleave"
    cfg.memory.model = "dram"
    for name, value in _DRAM_CHANGED.items():
        setattr(cfg.memory.dram, name, value)
    cfg.irq.tick_hz = 250
    cfg.core.atomic_cycles = 17
    cfg.kernel.era = "linux-4.7"
    cfg.kernel.enabled = False
    cfg.kernel.hz = 250
    cfg.kernel.trace = True
    policy = cfg.kernel.policy
    policy.nr_cpus = 8
    policy.stagger = False
    policy.node_level = False
    policy.sched_class, policy.pick_order, policy.migrator = "cfs", "rb_leftmost", "stopper"
    policy.nr_migrate, policy.migration_cost_ns, policy.sched_latency_ns = 17, -1, 3.5e6
    for k, level in enumerate((policy.smt, policy.cpu, policy.node)):
        # Every field moved off its value at every level (each level differs from the others).
        level.min_interval = 3 + k
        level.max_interval = 50 + k
        level.busy_factor = 5 + k
        level.imbalance_pct = 150 + k
        level.cache_hot_time_ns = 1234.5 + k
        level.cache_nice_tries = 7 + k
        level.per_cpu_gain = 42 + k
        for i, idx in enumerate(_DOMAIN_IDX):
            setattr(level, idx, (k + i + 1) % 5)
        for flag in _DOMAIN_FLAGS:
            setattr(level, flag, not getattr(level, flag))
    for k, name in enumerate(_COSTS):
        setattr(cfg.kernel.costs, name, 1001 + k)
    cfg.quantum_cycles = 7
    cfg.seed = 123456789012
    cfg.check = True
    cfg.add_task("a", smpsim.workloads.WorkingSet("256KiB", pattern="random", passes=3,
                                                  write_ratio=0.1, base=0x20000000), cpus=[0, 3])
    cfg.add_task("b", smpsim.workloads.Spin(77), cpus=[1], nice=-3, start_after="a")
    cfg.add_task("c", smpsim.workloads.Spin(55), cpus=[2], forked=True)
    A = smpsim.actions
    cfg.at("1.5ms", A.SetAffinity("a", cpus=[3, 1], cpu=2))
    cfg.at(12345, A.SetAffinity("b", cpus=[0], by="b"))
    cfg.at("2us", A.Exec("b"))
    cfg.at(3, A.Fork("a", child="c"))
    cfg.at("7ms", A.Sleep("a", "333us"))
    cfg.at("8ms", A.Wake("a", cpu=1))
    cfg.at("9ms", A.CpuOffline(2))
    cfg.at("10ms", A.CpuOnline(2))
    cfg.at("11ms", A.Freeze())
    cfg.at(2 ** 40, A.Thaw())
    return cfg


# Every DramConfig field moved off its default.
_DRAM_CHANGED = dict(channels=4, ranks=2, banks=16, row_bytes=4096, trcd_ns=15.0, tcl_ns=14.5,
                     trp_ns=16.25, tras_ns=36.0, tcwl_ns=11.0, twr_ns=16.0, channel_gbps=17.0,
                     controller_ns=12.5, page_policy="closed",
                     mapping="row:column:rank:bank:channel")

_DOMAIN_FLAGS = ["load_balance", "balance_newidle", "balance_exec", "wake_idle", "wake_affine",
                 "wake_balance", "share_cpupower", "balance_fork", "serialize"]
_DOMAIN_IDX = ["busy_idx", "idle_idx", "newidle_idx", "wake_idx", "forkexec_idx"]
_COSTS = ["irq_entry", "irq_exit", "tick", "schedule", "context_switch", "enqueue", "wakeup",
          "load_balance", "balance_per_cpu", "move_task", "migration_thread", "syscall",
          "set_cpus_allowed", "completion", "exec", "fork", "idle_entry", "pipe", "futex", "softirq", "stop_work", "select_rq"]


def test_json_round_trip_is_exact():
    for cfg in [_everything_changed()] + [smpsim.presets.get(n) for n in PRESETS]:
        text = cfg.to_json()
        again = SystemConfig.from_json(text)
        assert again.to_json() == text
        assert again == cfg
    data = json.loads(_everything_changed().to_json())
    assert data["freq_ghz"] == 2.345678901234
    assert data["memory"]["numa"] == "interleave"
    assert data["memory"]["model"] == "dram"
    assert data["memory"]["dram"] == _DRAM_CHANGED
    default = json.loads(SystemConfig().to_json())["memory"]
    assert default["model"] == "fixed"
    assert default["dram"] == {name: getattr(smpsim.DramConfig(), name) for name in _DRAM_CHANGED}
    assert all(default["dram"][k] != v for k, v in _DRAM_CHANGED.items())
    assert data["tasks"][1] == {"name": "b", "cpus": [1], "nice": -3, "threads_of": "",
                                "start_after": "a", "forked": False,
                                "workload": data["tasks"][1]["workload"]}
    assert data["tasks"][2]["forked"] is True
    assert data["tasks"][0]["workload"]["size"] == 256 * 1024
    kernel = data["kernel"]
    assert {k: kernel[k] for k in ("enabled", "era", "hz", "trace")} == {
        "enabled": False, "era": "linux-4.7", "hz": 250, "trace": True}
    assert {k: kernel["policy"][k] for k in ("nr_cpus", "stagger", "node_level", "sched_class",
                                            "pick_order", "migrator", "nr_migrate",
                                            "migration_cost_ns", "sched_latency_ns")} == {
        "nr_cpus": 8, "stagger": False, "node_level": False, "sched_class": "cfs",
        "pick_order": "rb_leftmost", "migrator": "stopper", "nr_migrate": 17,
        "migration_cost_ns": -1, "sched_latency_ns": 3.5e6}
    era = smpsim.KernelConfig()
    era.era = "linux-4.7"
    default = era.policy  # the era's preset, before every field was changed
    for k, level in enumerate(("smt", "cpu", "node")):
        flags = {f: not getattr(getattr(default, level), f) for f in _DOMAIN_FLAGS}
        assert kernel["policy"][level] == dict(
            min_interval=3 + k, max_interval=50 + k, busy_factor=5 + k, imbalance_pct=150 + k,
            cache_hot_time_ns=1234.5 + k, cache_nice_tries=7 + k, per_cpu_gain=42 + k, **flags,
            **{idx: (k + i + 1) % 5 for i, idx in enumerate(_DOMAIN_IDX)})
    assert kernel["costs"] == {name: 1001 + k for k, name in enumerate(_COSTS)}
    # Times in cycles at 2.345678901234 GHz, rounded to the nearest cycle.
    none = {"task": "", "cpus": [], "by": "", "cpu": -1, "duration": 0, "child": ""}
    assert data["actions"] == [
        dict(none, at=3518518, kind="set_affinity", task="a", cpus=[3, 1], cpu=2),
        dict(none, at=12345, kind="set_affinity", task="b", cpus=[0], by="b"),
        dict(none, at=4691, kind="exec", task="b"),
        dict(none, at=3, kind="fork", task="a", child="c"),
        dict(none, at=16419752, kind="sleep", task="a", duration=781111),
        dict(none, at=18765431, kind="wake", task="a", cpu=1),
        dict(none, at=21111110, kind="cpu_offline", cpu=2),
        dict(none, at=23456789, kind="cpu_online", cpu=2),
        dict(none, at=25802468, kind="freeze"),
        dict(none, at=2 ** 40, kind="thaw"),
    ]


def test_json_preset_plus_overrides():
    cfg = SystemConfig.from_json(json.dumps({"preset": "athlon_x2", "seed": 9,
                                             "topology": {"sockets": 2}}))
    assert cfg.name == "athlon_x2" and cfg.seed == 9 and cfg.cores == 4
    assert cfg.l2.size == smpsim.presets.athlon_x2().l2.size
    assert SystemConfig.from_json("{}") == SystemConfig()


@pytest.mark.parametrize("text, pattern", [
    ('{"l2": {"wayz": 4}}', r"^l2\.wayz: unknown field"),
    ('{"colour": 1}', r"^colour: unknown field"),
    ('{"tasks": [{"name": "a", "workload": {"sizee": 1}}]}', r"^tasks\[0\]\.workload\.sizee: unknown"),
    ('{"l2": {"ways": "8"}}', r"^l2\.ways: expected an integer"),
    ('{"check": 1}', r"^check: expected true or false"),
    ('{"tasks": [{"cpus": [0, 1.5]}]}', r"^tasks\[0\]\.cpus\[1\]: expected an integer"),
    ('{"l2": 5}', r"^l2: expected an object"),
    ('{"seed": 18446744073709551615}', r"^seed: integer out of range"),
    ('{"l1d": {"size": "lots"}}', r"^l1d\.size: expected a size"),
    ('{"quad": ', r"^config: invalid JSON"),
    ('{"memory": {"dram": {"bankz": 8}}}', r"^memory\.dram\.bankz: unknown field"),
    ('{"memory": {"dram": {"banks": "8"}}}', r"^memory\.dram\.banks: expected an integer"),
    ('{"memory": {"model": 1}}', r"^memory\.model: expected a string"),
])
def test_json_errors_name_the_path(text, pattern):
    with pytest.raises(ValueError, match=pattern):
        SystemConfig.from_json(text)


def test_pickle_round_trip():
    import pickle
    cfg = _everything_changed()
    assert pickle.loads(pickle.dumps(cfg)) == cfg
    assert pickle.loads(pickle.dumps(cfg.l2)) == cfg.l2
    assert pickle.loads(pickle.dumps(cfg.memory)) == cfg.memory
    assert pickle.loads(pickle.dumps(cfg.memory.dram)).banks == 16


# --- command line -----------------------------------------------------------------------------

def test_cli_unknown_key_exits_nonzero_naming_it(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"preset": "quad", "l2": {"wayz": 4}}))
    proc = subprocess.run([sys.executable, "-m", "smpsim", "run", str(path)], env=_env(),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "l2.wayz" in proc.stderr and "unknown field" in proc.stderr
    assert str(path) in proc.stderr


def test_cli_help():
    proc = subprocess.run([sys.executable, "-m", "smpsim", "run", "--help"], env=_env(),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "--set" in proc.stdout and "--until" in proc.stdout


def test_cli_set_assignments(tmp_path):
    cfg = _quad_with_task()
    cli.apply_set(cfg, "l2.size=512KiB")
    cli.apply_set(cfg, "topology.sockets=2")
    cli.apply_set(cfg, "check=true")
    cli.apply_set(cfg, "memory.latency_ns=70.5")
    cli.apply_set(cfg, "memory.model=dram")
    cli.apply_set(cfg, "memory.dram.banks=16")
    cli.apply_set(cfg, "memory.dram.trp_ns=12.5")
    cli.apply_set(cfg, "tasks[0].nice=5")
    cli.apply_set(cfg, "tasks[0].cpus=1,2")
    assert cfg.l2.size == 512 * 1024 and cfg.topology.sockets == 2 and cfg.check is True
    assert cfg.memory.latency_ns == 70.5
    assert cfg.memory.model == "dram" and cfg.memory.dram.banks == 16
    assert cfg.memory.dram.trp_ns == 12.5
    assert cfg.tasks[0].nice == 5 and cfg.tasks[0].cpus == [1, 2]
    with pytest.raises(ValueError, match="l2.wayz"):
        cli.apply_set(cfg, "l2.wayz=4")
    with pytest.raises(ValueError, match="expected KEY=VALUE"):
        cli.apply_set(cfg, "seed")
    with pytest.raises(ValueError, match="l2.ways"):
        cli.apply_set(cfg, "l2.ways=many")
    # A Python config file.
    py = tmp_path / "cfg.py"
    py.write_text("import smpsim\ndef config():\n    c = smpsim.presets.core2_duo()\n"
                  "    c.seed = 5\n    return c\n")
    loaded = cli.load_config(str(py))
    assert loaded.name == "core2_duo" and loaded.seed == 5


# --- runner: a failing child is reported, never hangs -----------------------------------------

def test_child_abort_raises_simulation_error(monkeypatch):
    # An honest crash: the child process dies from SIGABRT without writing anything.
    monkeypatch.setattr(runner, "_child_command",
                        lambda *a: [sys.executable, "-c",
                                    "import os, sys; sys.stderr.write('boom\\n'); os.abort()"])
    with pytest.raises(smpsim.SimulationError, match=r"(?s)killed by signal SIGABRT.*boom"):
        smpsim.run(_quad_with_task(), timeout=60)


def test_child_nonzero_exit_without_error_file(monkeypatch):
    monkeypatch.setattr(runner, "_child_command",
                        lambda *a: [sys.executable, "-c", "import sys; sys.exit(7)"])
    with pytest.raises(smpsim.SimulationError, match="exited with status 7"):
        smpsim.run(_quad_with_task(), timeout=60)


def test_child_timeout_stops_it(monkeypatch):
    monkeypatch.setattr(runner, "_child_command",
                        lambda *a: [sys.executable, "-c", "import time; time.sleep(60)"])
    with pytest.raises(smpsim.SimulationError, match="did not finish within"):
        smpsim.run(_quad_with_task(), timeout=0.5)


def test_child_reports_unreadable_and_malformed_config(tmp_path):
    # The real child, given input it cannot use: the error names the file and crosses back.
    missing = tmp_path / "missing.json"
    with pytest.raises(OSError, match="missing.json: cannot read"):
        runner._execute(str(missing), str(tmp_path), 0, timeout=60)
    bad = tmp_path / "bad.json"
    bad.write_text('{"l2": {"ways": 8,}}')
    with pytest.raises(ValueError, match=r"bad\.json: config: invalid JSON"):
        runner._execute(str(bad), str(tmp_path), 0, timeout=60)


def test_nan_and_overflowing_sizes_are_rejected():
    cfg = smpsim.presets.quad()
    cfg.freq_ghz = float("nan")
    with pytest.raises(ValueError, match=r"^freq_ghz:"):
        cfg.validate()
    with pytest.raises(ValueError, match="too large"):
        smpsim.presets.quad().l2.size = "999999999999999GiB"
