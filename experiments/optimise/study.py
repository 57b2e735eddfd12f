"""The study on disk: its journal, resume checks, and the loop that runs its trials.

The study lives in ``study.journal`` (Optuna's JournalStorage on a file) in the run folder,
so the same command continues it and runs only the trials still missing (``trials`` is the
total). Trial ``k`` is sampled by a sampler seeded from ``(sampler_seed, k)``, so a study
stopped and resumed gets the same trials as one run at once (tpe and random samplers).
Every trial runs the same seeds (common random numbers), in ``jobs`` processes. One process
runs a study at a time: a trial found running when a study opens was interrupted, and is
run again.
"""

from __future__ import annotations

import math
import multiprocessing
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from omegaconf import OmegaConf
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import FrozenTrial, TrialState
from tqdm import tqdm

from experiments.optimise.objective import metric_value, run_seed
from experiments.optimise.plan import StudyPlan
from experiments.optimise.samplers import make_sampler
from experiments.overrides import InputError
from sim.config import ConfigError, validate

#: The study's storage, in the run folder.
JOURNAL = "study.journal"

#: User attribute marking a trial that failed on its own inputs (it counts as done; a trial
#: interrupted by a crash or Ctrl-C does not, and is run again on resume).
ERROR_ATTR = "error"


def _storage(path: Path) -> JournalStorage:
    return JournalStorage(JournalFileBackend(str(path)))


def spec_problem(study: optuna.Study, plan: StudyPlan, folder: Path) -> str | None:
    """Why ``study`` (from a journal) cannot be continued with ``plan``, or None."""
    stored = study.user_attrs.get("spec")
    if stored is None:
        return None
    spec = plan.spec()
    for field, what in (
        ("objective", "objective"),
        ("direction", "direction"),
        ("search", "search space"),
        ("seeds", "seeds"),
        ("market", "market config"),
    ):
        if stored.get(field) != spec[field]:
            return (
                f"study {plan.name!r} in {folder} was run with another {what}; allowed: the "
                f"same settings to continue it, or a new study=NAME (or delete {folder})"
            )
    return None


def check_resume(plan: StudyPlan, folder: Path) -> None:
    """Refuse to continue a study of the same name in ``folder`` that means something else.

    Raises:
        InputError: if the journal holds a study named ``plan.name`` with another spec.
    """
    path = folder / JOURNAL
    if not path.is_file():
        return
    storage = _storage(path)
    if plan.name not in optuna.study.get_all_study_names(storage):
        return
    problem = spec_problem(optuna.load_study(study_name=plan.name, storage=storage), plan, folder)
    if problem:
        raise InputError(problem)


def counts(trial: FrozenTrial) -> bool:
    """Whether a stored trial counts towards ``trials`` (done, not interrupted)."""
    return trial.state == TrialState.COMPLETE or (
        trial.state == TrialState.FAIL and ERROR_ATTR in trial.user_attrs
    )


def evaluate(
    plan: StudyPlan,
    trial: optuna.Trial,
    run: Callable[[Sequence[dict[str, Any]]], list[dict[str, float]]],
) -> float | None:
    """Sample a trial's values, run its seeds and record them; the mean, or None if it failed.

    A trial whose values make an invalid market (a rule spanning several keys) or an
    undefined objective fails with a user attribute ``error`` saying why.
    """
    values = {p.key: p.suggest(trial) for p in plan.params}
    configs = plan.configs(values)
    try:
        validate(OmegaConf.create(configs[0]))
    except ConfigError as exc:
        trial.set_user_attr(ERROR_ATTR, str(exc))
        return None
    metrics = run(configs)
    per_seed = [plan.objective.value(m) for m in metrics]
    trial.set_user_attr("seeds", list(plan.seeds))
    trial.set_user_attr("objective", per_seed)
    for name in plan.recorded:
        trial.set_user_attr(f"metric.{name}", [metric_value(m, name) for m in metrics])
    if not all(math.isfinite(v) for v in per_seed):
        bad = [s for s, v in zip(plan.seeds, per_seed, strict=True) if not math.isfinite(v)]
        trial.set_user_attr(ERROR_ATTR, f"the objective is undefined on seed {bad[0]}")
        return None
    return float(np.mean(per_seed))


@dataclass
class StudyRun:
    """What one invocation did to a study."""

    study: optuna.Study
    before: int
    ran: int
    wall_s: float


def open_study(plan: StudyPlan, folder: Path) -> optuna.Study:
    """Create or load the study in ``folder``'s journal; stale running trials are failed.

    Raises:
        InputError: if the stored study means something else (see :func:`spec_problem`).
    """
    folder.mkdir(parents=True, exist_ok=True)
    study = optuna.create_study(
        storage=_storage(folder / JOURNAL),
        study_name=plan.name,
        direction=plan.objective.direction,
        load_if_exists=True,
    )
    problem = spec_problem(study, plan, folder)
    if problem:
        raise InputError(problem)
    if "spec" not in study.user_attrs:
        study.set_user_attr("spec", plan.spec())
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        # One process runs a study at a time: a trial still running was interrupted. It
        # does not count (see counts) and is sampled and run again.
        study.tell(t.number, state=TrialState.FAIL)
    return study


def run_study(plan: StudyPlan, folder: Path, progress: bool = True) -> StudyRun:
    """Run the trials of ``plan`` still missing from the study in ``folder``."""
    t0 = time.perf_counter()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = open_study(plan, folder)
    done = sum(counts(t) for t in study.get_trials(deepcopy=False))
    todo = max(0, int(plan.cfg.trials) - done)
    jobs = int(plan.cfg.jobs)
    pool: Executor | None = None
    if jobs > 1 and todo:
        # Not fork: this process has threads (BLAS, tqdm) that a forked child could find
        # holding a lock. The fork server imports run_seed's module once for all workers.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([run_seed.__module__])
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context)

    def run(configs: Sequence[dict[str, Any]]) -> list[dict[str, float]]:
        if pool is None:
            return [run_seed(c) for c in configs]
        return list(pool.map(run_seed, configs))

    try:
        with tqdm(
            total=todo, desc="trials", unit="trial", file=sys.stderr, disable=not progress
        ) as bar:
            for k in range(done, done + todo):
                study.sampler = make_sampler(str(plan.cfg.sampler), int(plan.cfg.sampler_seed), k)
                trial = study.ask()
                try:
                    value = evaluate(plan, trial, run)
                except BaseException:
                    study.tell(trial, state=TrialState.FAIL)
                    raise
                if value is None:
                    study.tell(trial, state=TrialState.FAIL)
                else:
                    study.tell(trial, value)
                bar.update(1)
    finally:
        if pool is not None:
            pool.shutdown()
    return StudyRun(study, done, todo, time.perf_counter() - t0)
