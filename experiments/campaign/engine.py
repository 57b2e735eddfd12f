"""Running a campaign: plan, skip what is done, dispatch batches, write shards, compact.

:func:`run_campaign` is the whole command minus its command line: it holds the folder's
lock, records the plan, runs every run not yet recorded (or recorded as failed, with
``retry_failed``) through an executor with a progress bar, writes each finished batch as a
shard, and compacts the shards into the dataset at the end, also after Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import math
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig, OmegaConf
from tqdm import tqdm

from agents.params import ConfigError
from experiments.campaign.executors import Executor, executor_class, make_executor
from experiments.campaign.plan import Plan, RunTask, make_plan, market_config
from experiments.campaign.store import TABLES, CampaignFolder, write_text_once
from sim.results.io import write_parquet


class Interrupted(Exception):
    """The campaign was stopped by Ctrl-C or SIGTERM (what finished is saved)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass
class Outcome:
    """What one invocation did, with its timings (seconds)."""

    folder: Path
    planned: int
    distinct: int
    skipped: int
    done: int = 0
    failed: int = 0
    interrupted: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    runs: pd.DataFrame | None = None


def batch_size(todo: int, executor: Executor, requested: int) -> int:
    """Runs per batch: ``requested``, else about ``batches_per_worker`` batches per worker."""
    if requested > 0:
        return requested
    size = math.ceil(todo / (executor.jobs * executor.batches_per_worker)) if todo else 1
    return max(1, min(size, executor.max_batch or size))


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGINT into :class:`Interrupted` while the block runs."""

    def handler(signum: int, frame: Any) -> None:
        raise Interrupted(signum)

    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def check_options(cfg: DictConfig) -> None:
    """Check the command's own keys (``jobs``, ``executor.*``) and that the engine is installed.

    Raises:
        ConfigError: naming the key and what is allowed.
    """
    o = cfg.executor
    for key, value, low in (
        ("jobs", cfg.jobs, 1),
        ("executor.batch_size", o.batch_size, 0),
        ("executor.time_min", o.time_min, 1),
        ("executor.cpus_per_task", o.cpus_per_task, 1),
        ("executor.array_parallelism", o.array_parallelism, 1),
        ("campaign.keep.part_runs", cfg.campaign.keep.part_runs, 1),
    ):
        if value < low:
            raise ConfigError(f"{key}={value} is invalid; allowed: an integer >= {low}")
    if not o.mem_gb > 0:
        raise ConfigError(f"executor.mem_gb={o.mem_gb} is invalid; allowed: a number > 0")
    executor_class(o.kind, cfg.jobs)
    if o.kind == "slurm" and shutil.which("sbatch") is None:
        raise ConfigError(
            "executor=slurm needs Slurm (sbatch) on this machine; allowed here: local | ray | "
            "submitit_local (the same job-array code path, run locally)"
        )


def record_plan(folder: CampaignFolder, cfg: DictConfig, plan: Plan) -> None:
    """Write ``campaign.yaml``, ``market.yaml``, ``plan.parquet`` and ``design.parquet``."""
    root = folder.root
    write_text_once(root / "campaign.yaml", OmegaConf.to_yaml(cfg.campaign, resolve=True))
    write_text_once(root / "market.yaml", OmegaConf.to_yaml(OmegaConf.create(market_config(cfg))))
    write_parquet(root / "plan.parquet", plan.frame())
    if plan.design.raw is not None:
        design = pd.DataFrame(plan.design.raw, columns=[p.key for p in plan.design.parameters])
        design.insert(0, "point", range(len(design)))
        write_parquet(root / "design.parquet", design)


def foreign_runs(folder: CampaignFolder, plan: Plan) -> list[str]:
    """Run ids recorded in the folder that this plan does not contain."""
    planned = {t.run_id for t in plan.tasks}
    return sorted(set(folder.statuses()) - planned)


def run_campaign(
    cfg: DictConfig,
    root: Path | str,
    *,
    overrides: list[str] | tuple[str, ...] = (),
    config_name: str = "run_campaign",
    retry_failed: bool = False,
    progress: bool = True,
) -> Outcome:
    """Run (or resume) the campaign ``cfg`` in folder ``root``.

    Args:
        cfg: The composed ``run_campaign`` config.
        root: The campaign folder (``hydra.run.dir``).
        overrides: The command-line overrides ``cfg`` was composed with (for arms that
            choose a config group).
        config_name: The config ``cfg`` was composed from (the same purpose; the policy
            comparison composes ``compare``).
        retry_failed: Also re-run the runs recorded as failed.
        progress: Show a progress bar on stderr.

    Raises:
        ConfigError: on a campaign that cannot be planned, or a folder holding runs of
            another plan.
        CampaignBusy: if another process runs a campaign in the folder.
        Interrupted: after Ctrl-C/SIGTERM, once the finished runs are saved.
    """
    t0 = time.perf_counter()
    plan = make_plan(cfg, config_name=config_name, overrides=overrides)
    t_plan = time.perf_counter() - t0
    keep = cfg.campaign.keep
    folder = CampaignFolder(root, part_runs=keep.part_runs)
    folder.lock()
    try:
        return _run_locked(cfg, plan, folder, retry_failed, progress, t_plan)
    finally:
        folder.unlock()


def _run_locked(
    cfg: DictConfig,
    plan: Plan,
    folder: CampaignFolder,
    retry_failed: bool,
    progress: bool,
    t_plan: float,
) -> Outcome:
    foreign = foreign_runs(folder, plan)
    if foreign:
        raise ConfigError(
            f"{folder.root} holds {len(foreign)} runs this campaign does not plan (changed "
            "parameters?); allowed: the same campaign, or one that extends it; choose a new "
            "folder with hydra.run.dir=PATH"
        )
    record_plan(folder, cfg, plan)
    statuses = folder.statuses()
    first: dict[str, RunTask] = {}
    for t in plan.tasks:
        first.setdefault(t.run_id, t)
    redo = {"failed"} if retry_failed else set()
    todo = [t for rid, t in first.items() if statuses.get(rid) in (None, *redo)]
    out = Outcome(folder.root, len(plan.tasks), len(first), len(first) - len(todo))
    t1 = time.perf_counter()
    timer = {"writing_s": 0.0, "simulation_s": 0.0, "summarising_s": 0.0}
    # Nothing to run: start no engine (a Ray instance, a job array) for nothing.
    if todo:
        try:
            _dispatch(cfg, folder, todo, out, timer, progress)
        except Interrupted as exc:
            out.interrupted = str(exc)
    t_run = time.perf_counter() - t1
    tc = time.perf_counter()
    out.runs = folder.compact(plan)
    t_compact = time.perf_counter() - tc
    executed = out.done + out.failed
    out.timings = {
        "planning_s": t_plan,
        "running_s": t_run,
        "simulation_s": timer["simulation_s"],
        "summarising_s": timer["summarising_s"],
        "writing_s": timer["writing_s"] + t_compact,
        "runs": executed,
    }
    if out.interrupted:
        raise _InterruptedWith(out)
    return out


def _dispatch(
    cfg: DictConfig,
    folder: CampaignFolder,
    todo: list[RunTask],
    out: Outcome,
    timer: dict[str, float],
    progress: bool,
) -> None:
    """Run ``todo`` in batches on the chosen executor, writing each batch as it finishes."""
    options, keep = cfg.executor, cfg.campaign.keep
    with (
        stop_on_signals(),
        make_executor(options.kind, cfg.jobs, options, folder.root) as executor,
    ):
        size = batch_size(len(todo), executor, options.batch_size)
        batches = [
            [(t.index, t.run_id, t.config) for t in todo[i : i + size]]
            for i in range(0, len(todo), size)
        ]
        bar = tqdm(
            total=len(todo),
            desc=f"campaign {cfg.campaign.name}",
            unit="run",
            file=sys.stderr,
            mininterval=1.0,
            disable=not progress,
            dynamic_ncols=True,
        )
        bar.set_postfix(done=0, failed=0, skipped=out.skipped, refresh=False)
        with bar:
            tables = tuple(name for name in TABLES if keep[name])
            for results in executor.run(batches, tables):
                tw = time.perf_counter()
                folder.write_batch(results)
                timer["writing_s"] += time.perf_counter() - tw
                for r in results:
                    timer["simulation_s"] += r.runtime_s
                    timer["summarising_s"] += r.summarise_s
                    if r.status == "ok":
                        out.done += 1
                    else:
                        out.failed += 1
                bar.set_postfix(
                    done=out.done, failed=out.failed, skipped=out.skipped, refresh=False
                )
                bar.update(len(results))


class _InterruptedWith(Interrupted):
    """:class:`Interrupted` carrying the invocation's :class:`Outcome`."""

    def __init__(self, outcome: Outcome) -> None:
        Exception.__init__(self, outcome.interrupted)
        self.signum = getattr(signal, str(outcome.interrupted), signal.SIGINT)
        self.outcome = outcome
