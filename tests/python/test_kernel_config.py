"""The guest kernel's configuration through the Python API: era, policy, costs and timed actions
(defaults, validation messages, JSON and pickle round trips). No simulation is needed."""

import copy
import json
import pickle
import pytest
import smpsim
from smpsim import calibration
from smpsim import SystemConfig
from smpsim import actions as A
from smpsim import workloads as wl

from kernel_common import COSTS, FLAGS, one_task, ws

# --- configuration: defaults and era ----------------------------------------------------------

def _level(min_i, max_i, busy, pct, hot_ns, tries, gain, flags):
    d = dict(min_interval=min_i, max_interval=max_i, busy_factor=busy, imbalance_pct=pct,
             cache_hot_time_ns=hot_ns, cache_nice_tries=tries, per_cpu_gain=gain)
    d.update({f: f in flags for f in FLAGS})
    return d


# Linux 2.6.10, i386: SD_SIBLING_INIT, SD_CPU_INIT, SD_NODE_INIT (parameters and SD_* flags).
LINUX_2_6_10 = {
    "smt": _level(1, 2, 8, 110, 0.0, 0, 25, {"load_balance", "balance_newidle", "balance_exec",
                                              "wake_affine", "wake_idle", "share_cpupower"}),
    "cpu": _level(1, 4, 64, 125, 2500.0, 1, 100, {"load_balance", "balance_newidle",
                                                   "balance_exec", "wake_affine",
                                                   "wake_balance"}),
    "node": _level(8, 32, 32, 125, 10000.0, 1, 100, {"load_balance", "balance_exec",
                                                      "wake_balance"}),
}


def _as_dict(level):
    return {f: getattr(level, f) for f in LINUX_2_6_10["cpu"]}


def test_kernel_defaults_are_linux_2_6_10():
    k = smpsim.SystemConfig().kernel
    assert isinstance(k, smpsim.KernelConfig)
    assert isinstance(k.policy, smpsim.SchedPolicy) and isinstance(k.costs, smpsim.KernelCosts)
    assert (k.enabled, k.era, k.hz, k.trace) == (True, "linux-2.6.10", 1000, False)
    assert (k.policy.nr_cpus, k.policy.stagger, k.policy.node_level) == (0, True, True)
    for name, expected in LINUX_2_6_10.items():
        level = getattr(k.policy, name)
        assert isinstance(level, smpsim.DomainParams)
        assert _as_dict(level) == expected, name
    for name in COSTS:
        assert isinstance(getattr(k.costs, name), int) and getattr(k.costs, name) > 0, name
    for preset in smpsim.presets.names():
        pk = smpsim.presets.get(preset).kernel
        if preset == "smt_quad":  # NetBurst: every budget 8x (docs/calibration.md)
            for name in calibration.COST_FIELDS:
                assert getattr(pk.costs, name) == 8 * getattr(k.costs, name), name
                setattr(pk.costs, name, getattr(k.costs, name))
        assert pk == k, preset


def test_era_setter_fills_hz_and_policy():
    k = smpsim.KernelConfig()
    k.hz = 250
    k.policy.cpu.busy_factor = 3
    k.policy.node.balance_newidle = True
    k.policy.smt.imbalance_pct = 200
    k.costs.tick = 7  # not part of the era
    k.era = "linux-2.6.10"
    assert k.hz == 1000
    assert {n: _as_dict(getattr(k.policy, n)) for n in LINUX_2_6_10} == LINUX_2_6_10
    assert k.costs.tick == 7


def test_linux_4_7_validates_and_its_balancer_comes_with_its_metric_order_and_stopper(no_child):
    cfg = one_task()
    cfg.kernel.era = "linux-4.7"
    cfg.kernel.policy.validate("kernel.policy")
    cfg.validate()  # runs: CFS, the 4.7 balancer, the stopper, select_task_rq_fair
    for field, value, error in [
            ("load_metric", "cpu_load_idx", r"load_metric: 'cpu_load_idx' with imbalance_algo 'cfs_47'"),
            ("pick_order", "rb_leftmost", r"pick_order: 'rb_leftmost' with imbalance_algo 'cfs_47'"),
            ("caller_moves_queued_task", False, r"migrator: 'kthread' with imbalance_algo 'cfs_47'"),
            ("exec_balance", "find_idlest", r"exec_balance: 'find_idlest' with sched_class 'cfs'")]:
        cfg = one_task()
        cfg.kernel.era = "linux-4.7"
        setattr(cfg.kernel.policy, field, value)
        if field == "caller_moves_queued_task":
            cfg.kernel.policy.migrator = "kthread"  # and no stopper for active balancing
        with pytest.raises(ValueError, match=r"^kernel\.policy\.%s is not implemented yet "
                                             r"\(era linux-4\.7\)" % error):
            cfg.validate()
        cfg.kernel.enabled = False  # bare metal does not use the era
        cfg.validate()
    cfg = one_task()
    cfg.kernel.era = "linux-2.6.24"
    cfg.kernel.policy.load_metric = "pelt"  # PELT under the 2.6.24 balancer
    with pytest.raises(ValueError, match=r"^kernel\.policy\.load_metric: 'pelt' with "
                                         r"imbalance_algo 'cfs_2624'"):
        cfg.validate()


def test_linux_2_6_24_validates_and_mixing_its_mechanisms_with_o1_names_the_field(no_child):
    cfg = one_task()
    cfg.kernel.era = "linux-2.6.24"
    cfg.validate()  # runs: CFS, softirq balancing, 2.6.24 wake-up and exec/fork placement
    cfg.kernel.policy.trigger = "tick_domains"  # the 2.6.10 tick balancer on a CFS runqueue
    with pytest.raises(ValueError, match=r"^kernel\.policy\.trigger: 'tick_domains' with "
                                         r"sched_class 'cfs' is not implemented yet"):
        cfg.validate()
    cfg = one_task()
    cfg.kernel.policy.wake_policy = "affine_2624"  # 2.6.24 wake-up placement on the O(1) kernel
    with pytest.raises(ValueError, match=r"^kernel\.policy\.wake_policy: 'affine_2624' with "
                                         r"sched_class 'o1' is not implemented yet"):
        cfg.validate()


ERAS = ["linux-2.4.21", "linux-2.6.10", "linux-2.6.24", "linux-4.7"]


def test_each_era_fills_every_policy_field():
    fields = [f for f in dir(smpsim.SchedPolicy()) if not f.startswith("_") and
              not callable(getattr(smpsim.SchedPolicy(), f))]
    seen = {}
    for era in ERAS:
        k = smpsim.KernelConfig()
        k.era = era
        seen[era] = ({f: repr(getattr(k.policy, f)) for f in fields}, k.hz)
    assert [seen[e][1] for e in ERAS] == [100, 1000, 250, 250]
    p24, p2610, p2624, p47 = (seen[e][0] for e in ERAS)
    assert p2610 == {f: repr(getattr(smpsim.KernelConfig().policy, f)) for f in fields}
    # Each era differs from the one before it in its mechanisms.
    assert (p24["trigger"], p2610["trigger"], p2624["trigger"], p47["trigger"]) == \
        ("'tick_modulo'", "'tick_domains'", "'softirq'", "'softirq'")
    assert (p24["sched_class"], p2624["sched_class"]) == ("'o1'", "'cfs'")
    assert (p2624["migrator"], p47["migrator"]) == ("'kthread'", "'stopper'")
    assert (p2624["nr_migrate"], p47["nr_migrate"], p2610["nr_migrate"]) == ("32", "32", "0")
    assert (p24["affinity_dest"], p2610["affinity_dest"]) == ("'lowest_allowed_online'",
                                                             "'first_online_in_mask'")


def test_linux_2_4_21_validates():
    cfg = one_task()
    cfg.kernel.era = "linux-2.4.21"
    cfg.validate()
    p = cfg.kernel.policy
    assert (cfg.kernel.hz, p.timeslice, p.trigger, p.load_metric, p.imbalance_algo) == (
        100, "linux-2.4", "tick_modulo", "nr_minfilter", "o1_25pct_half")
    assert (p.hot_test, p.cache_decay_ticks, p.busy_steal_ignores_hot,
            p.idle_steal_ignores_hot, p.rhel3_update1) == ("jiffies_last_run", -1, True, False,
                                                           False)
    assert (p.active_balance, p.wake_policy, p.exec_balance, p.fork_balance) == (
        "none", "sync_pull", "none", "parent_cpu")


# 2.4.21's balancer is one piece: its trigger keeps no cpu_load for sd_2610, and nr_minfilter
# is find_busiest_queue's own load; the other 2.4 values combine with 2.6.10's.
@pytest.mark.parametrize("era,field,value,message", [
    ("linux-2.4.21", "imbalance_algo", "sd_2610",
     r"^kernel\.policy\.trigger: 'tick_modulo' with imbalance_algo 'sd_2610' is not implemented"),
    ("linux-2.6.10", "trigger", "tick_modulo",
     r"^kernel\.policy\.trigger: 'tick_modulo' with imbalance_algo 'sd_2610' is not implemented"),
    ("linux-2.6.10", "load_metric", "nr_minfilter",
     r"^kernel\.policy\.load_metric: 'nr_minfilter' with imbalance_algo 'sd_2610' is not "
     r"implemented"),
    ("linux-2.4.21", "load_metric", "cpu_load_avg2",
     r"^kernel\.policy\.load_metric: 'cpu_load_avg2' with imbalance_algo 'o1_25pct_half' is "
     r"not implemented"),
])
def test_2_4_21_balancer_is_not_split(era, field, value, message, no_child):
    cfg = one_task()
    cfg.kernel.era = era
    setattr(cfg.kernel.policy, field, value)
    cfg.kernel.policy.validate("kernel.policy")  # a valid policy, not one the kernel runs
    with pytest.raises(ValueError, match=message):
        cfg.validate()


@pytest.mark.parametrize("field,value", [
    ("timeslice", "linux-2.4"), ("hot_test", "jiffies_last_run"), ("active_balance", "none"),
    ("wake_policy", "sync_pull"), ("exec_balance", "none"),
    ("affinity_dest", "lowest_allowed_online"), ("idle_resched_every_tick", True)])
def test_2_4_21_values_combine_with_2_6_10(field, value):
    cfg = one_task()
    setattr(cfg.kernel.policy, field, value)
    cfg.validate()


def test_policy_fields_override_one_by_one():
    k = smpsim.KernelConfig()
    k.era = "linux-2.6.24"
    k.policy.migrator = "stopper"  # ablation: 2.6.24 policy with the 4.7 stopper
    assert (k.era, k.policy.migrator, k.policy.sched_class) == ("linux-2.6.24", "stopper", "cfs")
    k.policy.validate("kernel.policy")


@pytest.mark.parametrize("field,value,message", [
    ("migrator", "kthreads", r"^kernel\.policy\.migrator: must be one of kthread, stopper, "
                             r"got 'kthreads'"),
    ("pick_order", "rb_leftmost", r"^kernel\.policy\.pick_order: 'rb_leftmost' needs "
                                  r"sched_class 'cfs'"),
    ("migration_cost_ns", -2, r"^kernel\.policy\.migration_cost_ns: must be in \[-1, "),
    ("nr_migrate", -1, r"^kernel\.policy\.nr_migrate: must be in \[0, "),
    ("affinity_dest", "lowest", r"^kernel\.policy\.affinity_dest: must be one of "
                                r"lowest_allowed_online, first_online_in_mask, got 'lowest'"),
])
def test_bad_policy_values_name_the_field(field, value, message):
    cfg = one_task()
    setattr(cfg.kernel.policy, field, value)
    with pytest.raises(ValueError, match=message):
        cfg.validate()


@pytest.mark.parametrize("era", ["linux-2.6.11", "", "2.6.10"])
def test_unknown_era_is_rejected(era):
    cfg = one_task()
    cfg.kernel.era = era
    with pytest.raises(ValueError, match=r"^kernel\.era: must be one of linux-2\.4\.21, "
                                         r"linux-2\.6\.10, linux-2\.6\.24, linux-4\.7"):
        cfg.validate()
    cfg.kernel.enabled = False
    with pytest.raises(ValueError, match=r"^kernel\.era: must be one of"):
        cfg.validate()


# --- configuration: validation messages -------------------------------------------------------

def _set(obj, dotted, value):
    *path, last = dotted.split(".")
    for part in path:
        obj = getattr(obj, part)
    setattr(obj, last, value)


@pytest.mark.parametrize("field, value, pattern", [
    ("policy.cpu.imbalance_pct", 50, r"must be in \[100, 1000\], got 50"),
    ("policy.node.imbalance_pct", 1001, r"must be in \[100, 1000\], got 1001"),
    ("policy.smt.min_interval", -1, r"must be in \[0, 100000\] .*got -1"),
    ("policy.node.max_interval", 4, r"must be in \[8, 100000\].*min_interval.*got 4"),
    ("policy.cpu.busy_factor", 0, r"got 0"),
    ("policy.cpu.cache_hot_time_ns", -1.0, r"got -1"),
    ("policy.smt.cache_nice_tries", -1, r"got -1"),
    ("policy.cpu.per_cpu_gain", 101, r"must be in \[0, 100\], got 101"),
    ("policy.nr_cpus", -1, r"got -1"),
    ("hz", 0, r"must be in \[1, 100000\], got 0"),
])
def test_invalid_kernel_field_names_it(field, value, pattern, no_child, tmp_path):
    cfg = one_task()
    _set(cfg.kernel, field, value)  # accepted at assignment, rejected by validation
    full = r"^kernel\.%s: .*%s" % (field.replace(".", r"\."), pattern)
    with pytest.raises(ValueError, match=full):
        cfg.validate()
    with pytest.raises(ValueError, match=full):
        smpsim.run(cfg, out=str(tmp_path / "never"))
    assert not (tmp_path / "never").exists()


@pytest.mark.parametrize("name", COSTS)
def test_negative_cost_names_it(name):
    cfg = one_task()
    setattr(cfg.kernel.costs, name, 0)
    cfg.validate()  # zero is allowed
    setattr(cfg.kernel.costs, name, -1)
    with pytest.raises(ValueError, match=r"^kernel\.costs\.%s: must be in \[0, 100000000\] "
                                         r"\(cycles\), got -1" % name):
        cfg.validate()


def test_misspelt_kernel_attributes_raise():
    cfg = smpsim.presets.quad()
    with pytest.raises(AttributeError, match="imbalance"):
        cfg.kernel.policy.cpu.imbalance = 3
    with pytest.raises(AttributeError, match="hertz"):
        cfg.kernel.hertz = 100
    with pytest.raises(AttributeError, match="ticks"):
        cfg.kernel.costs.ticks = 5
    with pytest.raises(TypeError, match="wake"):
        smpsim.ActionConfig(wake=1)


# --- configuration: actions -------------------------------------------------------------------

def test_at_builds_action_configs():
    cfg = one_task()
    cfg.add_task("c", ws(), cpus=[1], forked=True)
    cfg.at("2ms", A.SetAffinity("a", cpus=[2]))
    cfg.at(12345, A.SetAffinity("a", cpus=3, by="a", cpu=1))
    cfg.at("150ns", A.Exec("a"))
    cfg.at("1us", A.Fork("a", child="c"))
    cfg.at("3ms", A.Sleep("a", "1.5ms"))
    cfg.at("4ms", A.Wake("a"))
    cfg.at("4ms", A.Wake("a", cpu=3))
    cfg.at(0, A.CpuOffline(2))
    cfg.at("5ms", A.CpuOnline(2))
    cfg.at("6ms", A.Freeze())
    cfg.at("7ms", A.Thaw())
    got = [{f: getattr(a, f) for f in ("at", "kind", "task", "cpus", "by", "cpu", "duration",
                                       "child")} for a in cfg.actions]
    none = dict(task="", cpus=[], by="", cpu=-1, duration=0, child="")
    assert got == [
        dict(none, at=4 * 10**6, kind="set_affinity", task="a", cpus=[2]),
        dict(none, at=12345, kind="set_affinity", task="a", cpus=[3], by="a", cpu=1),
        dict(none, at=300, kind="exec", task="a"),
        dict(none, at=2000, kind="fork", task="a", child="c"),
        dict(none, at=6 * 10**6, kind="sleep", task="a", duration=3 * 10**6),
        dict(none, at=8 * 10**6, kind="wake", task="a"),
        dict(none, at=8 * 10**6, kind="wake", task="a", cpu=3),
        dict(none, at=0, kind="cpu_offline", cpu=2),
        dict(none, at=10 * 10**6, kind="cpu_online", cpu=2),
        dict(none, at=12 * 10**6, kind="freeze"),
        dict(none, at=14 * 10**6, kind="thaw"),
    ]
    assert all(isinstance(a, smpsim.ActionConfig) for a in cfg.actions)
    cfg.validate()
    # A time string and its cycle count give the same configuration.
    other = one_task()
    other.add_task("c", ws(), cpus=[1], forked=True)
    for a in cfg.actions:
        other.add_action(a)
    assert other == cfg
    assert cfg.at("1ms", A.Freeze()) is cfg  # returns the config


def test_actions_are_copies():
    cfg = one_task()
    cfg.at("1ms", A.SetAffinity("a", cpus=[1]))
    acts = cfg.actions
    assert isinstance(acts, tuple) and len(acts) == 1
    acts[0].at = 7
    acts[0].cpus = [3]
    assert cfg.actions[0].at == 2 * 10**6 and cfg.actions[0].cpus == [1]
    dup = cfg.copy()
    dup.at("2ms", A.Freeze())
    assert len(cfg.actions) == 1 and len(dup.actions) == 2


@pytest.mark.parametrize("make, exc, pattern", [
    (lambda c: c.at("1ms", A.SetAffinity("a", cpus=[1], by="b")), ValueError,
     r"^SetAffinity\.by: must be None .* or the task itself \('a'\), got 'b'"),
    (lambda c: c.at(-1, A.Freeze()), ValueError, r"^at: must be >= 0 cycles, got -1"),
    (lambda c: c.at("2 weeks", A.Freeze()), ValueError, r"^at: unknown time unit 'weeks'"),
    (lambda c: c.at("1ms", "freeze"), TypeError, r"^at: expected an action from smpsim\.actions"),
    (lambda c: c.at("1ms", A.Sleep("a", "3 parsec")), ValueError, r"^Sleep\.duration: unknown"),
    (lambda c: c.at("1ms", A.Wake("a", cpu=True)), TypeError, r"^cpu: expected an int CPU"),
    (lambda c: A.Exec(3), TypeError, r"^task: expected a task name"),
])
def test_action_arguments_are_checked_in_python(make, exc, pattern):
    cfg = one_task()
    with pytest.raises(exc, match=pattern):
        make(cfg)
    assert cfg.actions == ()


def _forked_child(cfg):
    cfg.add_task("c", ws(), forked=True)
    return cfg


@pytest.mark.parametrize("build, pattern", [
    (lambda c: c.at("1ms", A.SetAffinity("zz", cpus=[1])),
     r"^actions\[0\]\.task: must name a task, got 'zz'"),
    (lambda c: c.add_action(smpsim.ActionConfig(kind="exec", task="")),
     r"^actions\[0\]\.task: must name a task"),
    (lambda c: c.at("1ms", A.SetAffinity("a", cpus=[1, 4])),
     r"^actions\[0\]\.cpus\[1\]: must be in \[0, 3\]"),
    (lambda c: c.at("1ms", A.SetAffinity("a", cpus=[])),
     r"^actions\[0\]\.cpus: must list at least one CPU"),
    (lambda c: c.add_action(smpsim.ActionConfig(kind="set_affinity", task="a", cpus=[1], by="b")),
     r"^actions\[0\]\.by: must be empty \(a control task\) or the task itself \('a'\), got 'b'"),
    (lambda c: c.at("1ms", A.CpuOffline(4)), r"^actions\[0\]\.cpu: must be in \[0, 3\]"),
    (lambda c: c.at("1ms", A.CpuOnline(-1)), r"^actions\[0\]\.cpu: must be in \[0, 3\]"),
    (lambda c: c.at("1ms", A.Wake("a", cpu=9)), r"^actions\[0\]\.cpu: must be in \[-1, 3\]"),
    (lambda c: c.add_action(smpsim.ActionConfig(kind="sleep", task="a", duration=0)),
     r"^actions\[0\]\.duration: must be in \[1, "),
    (lambda c: c.add_action(smpsim.ActionConfig(kind="explode")),
     r"^actions\[0\]\.kind: must be one of set_affinity, exec, fork, sleep, wake, cpu_offline, "
     r"cpu_online, freeze, thaw, reset_stats, got 'explode'"),
    (lambda c: c.add_action(smpsim.ActionConfig(kind="freeze", at=-1)), r"^actions\[0\]\.at: "),
    (lambda c: c.add_task("k", ws()) or c.at("1ms", A.Fork("a", child="k")),
     r"^actions\[0\]\.child: must name a task added with forked=True, got 'k'"),
    (lambda c: c.at("1ms", A.Fork("a", child="nobody")), r"^actions\[0\]\.child: must name a task"),
    (lambda c: _forked_child(c), r"^tasks\[1\]\.forked: no fork action creates task 'c'"),
    (lambda c: _forked_child(c).at(1, A.Fork("a", child="c")).at(2, A.Fork("a", child="c")),
     r"^actions\[1\]\.child: task 'c' is forked twice"),
    (lambda c: c.at("1ms", A.Freeze()).at("2ms", A.Exec("zz")), r"^actions\[1\]\.task: "),
])
def test_invalid_actions_name_the_field(build, pattern, no_child):
    cfg = one_task()
    build(cfg)
    with pytest.raises(ValueError, match=pattern):
        cfg.validate()
    with pytest.raises(ValueError, match=pattern):
        smpsim.run(cfg)


def test_actions_and_forked_tasks_need_the_kernel(no_child):
    cfg = one_task()
    cfg.kernel.enabled = False
    cfg.validate()
    cfg.at("1ms", A.Freeze())
    with pytest.raises(ValueError, match=r"^actions\[0\]: actions need the guest kernel"):
        cfg.validate()
    cfg = one_task()
    cfg.kernel.enabled = False
    cfg.add_task("c", ws(), forked=True)
    with pytest.raises(ValueError, match=r"^tasks\[1\]\.forked: a forked task needs the guest "
                                         r"kernel"):
        smpsim.run(cfg)


def test_valid_fork_validates():
    cfg = one_task()
    cfg.add_task("c", ws(), cpus=[2], forked=True)
    cfg.at("1ms", A.Fork("a", child="c"))
    cfg.validate()
    assert cfg.tasks[1].forked is True and cfg.tasks[0].forked is False


# --- configuration: JSON and pickle -----------------------------------------------------------

def _kernel_experiment():
    """A valid config with kernel overrides and one action of every kind."""
    cfg = smpsim.presets.opteron_2x2()
    cfg.kernel.hz = 250
    cfg.kernel.trace = True
    cfg.kernel.policy.nr_cpus = 32
    cfg.kernel.policy.stagger = False
    cfg.kernel.policy.cpu.imbalance_pct = 117
    cfg.kernel.policy.cpu.cache_hot_time_ns = 0.1 + 0.2  # not a short decimal
    cfg.kernel.policy.node.balance_newidle = True
    cfg.kernel.policy.smt.wake_balance = True
    cfg.kernel.costs.context_switch = 999
    cfg.kernel.costs.idle_entry = 0
    cfg.add_task("a", ws(), cpus=[0, 2])
    cfg.add_task("c", wl.Spin(5000), cpus=[1], forked=True)
    cfg.at("0.5ms", A.SetAffinity("a", cpus=[3, 1], cpu=2))
    cfg.at(777, A.SetAffinity("a", cpus=[2], by="a"))
    cfg.at("1us", A.Exec("a"))
    cfg.at("2us", A.Fork("a", child="c"))
    cfg.at("3us", A.Sleep("a", "1ms"))
    cfg.at("4us", A.Wake("a", cpu=3))
    cfg.at("5us", A.CpuOffline(1))
    cfg.at("6us", A.CpuOnline(1))
    cfg.at("7us", A.Freeze())
    cfg.at("8us", A.Thaw())
    return cfg


def test_kernel_and_actions_json_round_trip_is_exact():
    cfg = _kernel_experiment()
    cfg.validate()
    text = cfg.to_json()
    again = SystemConfig.from_json(text)
    assert again == cfg and again.to_json() == text
    assert again.kernel.policy.cpu.cache_hot_time_ns == 0.1 + 0.2
    data = json.loads(text)
    assert data["kernel"]["hz"] == 250 and data["kernel"]["trace"] is True
    assert data["kernel"]["policy"]["cpu"]["imbalance_pct"] == 117
    assert data["kernel"]["costs"]["context_switch"] == 999
    assert [a["kind"] for a in data["actions"]] == [
        "set_affinity", "set_affinity", "exec", "fork", "sleep", "wake", "cpu_offline",
        "cpu_online", "freeze", "thaw"]
    assert data["actions"][0] == {"at": 1_100_000, "kind": "set_affinity", "task": "a",
                                  "cpus": [3, 1], "by": "", "cpu": 2, "duration": 0, "child": ""}
    assert data["actions"][4]["duration"] == 2_200_000  # 1 ms at 2.2 GHz
    assert data["tasks"][1]["forked"] is True
    # Every difference is seen by ==.
    for change in (lambda c: setattr(c.kernel.policy.node, "wake_idle", True),
                   lambda c: setattr(c.kernel.costs, "fork", 1),
                   lambda c: setattr(c.kernel, "trace", False),
                   lambda c: c.at(1, A.Thaw())):
        other = SystemConfig.from_json(text)
        change(other)
        assert other != cfg


def test_json_kernel_overrides_apply_after_the_era():
    cfg = SystemConfig.from_json(json.dumps({"preset": "quad", "kernel": {
        "hz": 250, "era": "linux-2.6.10", "policy": {"cpu": {"busy_factor": 3}}}}))
    assert cfg.kernel.hz == 250 and cfg.kernel.policy.cpu.busy_factor == 3
    assert cfg.kernel.policy.node.busy_factor == 32


@pytest.mark.parametrize("text, pattern", [
    ('{"kernel": {"policy": {"cpu": {"imbalance": 1}}}}',
     r"^kernel\.policy\.cpu\.imbalance: unknown field"),
    ('{"kernel": {"costs": {"tick": "x"}}}', r"^kernel\.costs\.tick: expected an integer"),
    ('{"kernel": {"enabled": "yes"}}', r"^kernel\.enabled: expected true or false"),
    ('{"actions": [{"kind": "freeze", "when": 1}]}', r"^actions\[0\]\.when: unknown field"),
    ('{"actions": [{"kind": "set_affinity", "cpus": [1, "a"]}]}',
     r"^actions\[0\]\.cpus\[1\]: expected an integer"),
    ('{"actions": {}}', r"^actions: expected a list"),
    ('{"tasks": [{"name": "a", "forked": 1}]}', r"^tasks\[0\]\.forked: expected true or false"),
])
def test_kernel_json_errors_name_the_path(text, pattern):
    with pytest.raises(ValueError, match=pattern):
        SystemConfig.from_json(text)


def test_kernel_and_actions_pickle_and_copy():
    cfg = _kernel_experiment()
    assert pickle.loads(pickle.dumps(cfg)) == cfg
    assert pickle.loads(pickle.dumps(cfg.kernel)) == cfg.kernel
    assert pickle.loads(pickle.dumps(cfg.actions[0])) == cfg.actions[0]
    deep = copy.deepcopy(cfg)
    deep.kernel.policy.cpu.busy_factor = 1
    dup = cfg.copy()
    dup.kernel.costs.tick = 1
    assert cfg.kernel.policy.cpu.busy_factor == 64 and cfg.kernel.costs.tick == 250
    assert deep != cfg and dup != cfg
