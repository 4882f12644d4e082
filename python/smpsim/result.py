"""The outcome of one simulation (see :func:`smpsim.run`)."""

__all__ = ["Result"]


class Result:
    """Outcome of one simulation, read from the ``result.json`` the simulator wrote.

    stats         dict: dotted stat name ("system.cpu0.l1d.misses") -> int
    tasks         dict: task name -> {cpu, start_cycle, end_cycle, cycles, ops, accesses,
                  l1_misses, stall_cycles, served: {l1, l2, llc, peer_cache, remote_cache,
                  memory, remote_memory}, exited, started, migrations, switches, tlb_misses,
                  walk_cycles} (cpu: where it ran last; migrations/switches: 0 on bare metal;
                  accesses ... served count the task's own lines, its page walks are apart)
    migrations    list of dicts, one per migration (empty without the guest kernel): task, src,
                  dst, reason, reason_detail, mechanism, kernel_hot, since_ran_ns, t_decision, t_dequeue,
                  t_enqueue, t_first_run (cycles; 0 = did not happen), and the measured cost:
                  footprint_lines, cold_misses, cold_stall_cycles, shift_stall_cycles (signed:
                  the misses that happen anyway served nearer or farther than from the source),
                  migration_stall_cycles (cold + shift), cold_misses_by_level
                  {l1i, l1d, l2}, cold_stall_by_level, cold_served (where each cold miss was
                  served), cold_by_kind {user, kernel, page_table: {misses, stall_cycles,
                  shift_stall_cycles, migration_stall_cycles}}, tlb_footprint,
                  tlb_cold_misses, tlb_cold_walk_cycles (destination TLB misses on pages the
                  source TLB held, and their walks' cycles),
                  prefetch_hidden, prefetch_hidden_cycles, prefetch_hidden_stall_cycles,
                  prefetch_eased, prefetch_eased_cycles (what prefetchers hid of the cold
                  reload, docs/prefetch.md; cold_by_kind entries have prefetch_hidden too),
                  ghost {lines_touched, lines_lost, tlb_entries_lost, accesses, start, end,
                  ended} (None without
                  cfg.measure.ghost), stay_accesses and stay_user_stall_cycles (the task's user
                  accesses and their stall from its first run on dst to its next migration,
                  exit or the end), counterfactual_cycles (run(counterfactual=True) only)
    actions       list of dicts, one per timed action: kind, task, at, executed, cpu, result
                  (0 or -errno as the guest saw it), message
    sim_cycles    simulated core cycles
    stats_since   cycle the stats count from (the end of warm-up: cfg.warmup or the last
                  actions.ResetStats), 0 when they count from the start
    host_seconds  wall-clock seconds the simulation took
    peak_rss_mb   peak resident memory of the simulating process (MiB)
    ops           operations issued by every task together
    kernel_log    what the guest kernel printed, dmesg-style ("[    0.104000] migration_cost=19")
    calibration   with cfg.kernel.calibration.enabled: the boot calibration's outcome
                  {max_cache_size, migration_cost_ns, migration_cost_us (per domain distance;
                  -1 ns: not measured), levels [{distance, cpu1, cpu2, size_found, max_cost_ns,
                  migration_cost_ns, points [{size, cost_ns, avg_fluct_ns}]}], start_cycle,
                  end_cycle, seconds}; the stats count from its end (else None)
    counterfactual  counterfactual runs only: {migration, task, resumed, accesses,
                  user_stall_cycles, complete} of the held task's probe window (else None)
    out           the output directory, or None when the run used a removed temporary one
    config        a copy of the SystemConfig that was simulated
    replicas      from smpsim.sweep(replicas=n): the n replicas' Results (this one first); see
                  summary()
    """

    def __init__(self, stats, tasks, sim_cycles, host_seconds, ops, out=None, config=None,
                 migrations=None, actions=None, counterfactual=None, stats_since=0,
                 peak_rss_kb=0, kernel_log=None, calibration=None):
        self.stats = dict(stats)
        self.tasks = dict(tasks)
        self.sim_cycles = int(sim_cycles)
        self.host_seconds = float(host_seconds)
        self.ops = int(ops)
        self.out = out
        self.config = config
        self.migrations = list(migrations or [])
        self.actions = list(actions or [])
        self.counterfactual = counterfactual
        self.stats_since = int(stats_since)
        self.peak_rss_kb = int(peak_rss_kb)
        self.kernel_log = list(kernel_log or [])
        self.calibration = calibration
        self.replicas = [self]  # smpsim.sweep(replicas=n): every replica's Result, this first

    def summary(self):
        """Over this Result's replicas (smpsim.sweep(..., replicas=n)): {stat: (mean,
        half-width of the 95 % confidence interval)} for every numeric stat, ``sim_cycles`` and
        ``tasks.<name>.cycles``; half-widths are 0 for a single run."""
        from .sweeps import summarize
        return summarize(self.replicas)

    @classmethod
    def from_json(cls, data, out=None, config=None):
        """Build a Result from the parsed ``result.json`` object."""
        try:
            return cls(stats=data.get("stats", {}), tasks=data.get("tasks", {}),
                       sim_cycles=data["sim_cycles"], host_seconds=data.get("host_seconds", 0.0),
                       ops=data.get("ops", 0), out=out, config=config,
                       migrations=data.get("migrations", []), actions=data.get("actions", []),
                       counterfactual=data.get("counterfactual"),
                       stats_since=data.get("stats_since", 0),
                       peak_rss_kb=data.get("peak_rss_kb", 0),
                       kernel_log=data.get("kernel_log"), calibration=data.get("calibration"))
        except (KeyError, TypeError, AttributeError, ValueError) as e:
            raise ValueError(f"result.json: malformed ({type(e).__name__}: {e})") from None

    @property
    def peak_rss_mb(self):
        return self.peak_rss_kb / 1024.0

    def to_json(self):
        """The ``result.json`` object of this Result (from_json's inverse)."""
        return {"stats": self.stats, "tasks": self.tasks, "sim_cycles": self.sim_cycles,
                "stats_since": self.stats_since, "host_seconds": self.host_seconds,
                "ops": self.ops, "peak_rss_kb": self.peak_rss_kb, "migrations": self.migrations,
                "actions": self.actions, "counterfactual": self.counterfactual,
                "kernel_log": self.kernel_log, "calibration": self.calibration}

    def to_dataframe(self):
        """Return the per-task results as a pandas DataFrame (one row per task; the ``served``
        counts become columns ``served_l1`` ...). Needs pandas."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("Result.to_dataframe() needs pandas, which is not installed for "
                              "this interpreter; use Result.tasks (a dict) instead") from None
        rows = []
        for name, t in self.tasks.items():
            row = {"task": name}
            for key, value in t.items():
                if isinstance(value, dict):
                    row.update({f"{key}_{k}": v for k, v in value.items()})
                else:
                    row[key] = value
            rows.append(row)
        return pd.DataFrame(rows).set_index("task") if rows else pd.DataFrame()

    def __repr__(self):
        return (f"<Result: {self.sim_cycles} cycles, {len(self.tasks)} task(s), "
                f"{len(self.stats)} stats, {self.host_seconds:.3f} s host>")
