r"""Search what a strategist controls for the best objective: ``python -m experiments.optimise``.

A Hydra app (config ``configs/optimise.yaml``: the run config plus the optimiser's keys,
:class:`experiments.optimise_space.OptimiseConfig`) driving an Optuna study:

- **search space**: the config's ``search`` node and Hydra sweep overrides on the command
  line (``KEY=interval(L,H)``, ``'KEY=tag(log,interval(L,H))'``, ``KEY=range(A,B[,S])``,
  ``KEY=choice(a,b)``), taken out of the command line before Hydra sees it (Hydra refuses
  sweeps outside ``-m``); see :mod:`experiments.optimise_space`;
- **objective**: ``objective=METRIC`` (a run summary metric or ``profit.POLICY``) or a
  weighted mix ``objective={welfare: 0.5, consumer_surplus: 0.5}``, ``direction=maximize|
  minimize``;
- **common random numbers**: every trial runs the same seeds ``first_seed ..
  first_seed + seeds - 1``; its value is the mean over seeds, the per-seed values are the
  trial's user attributes; ``jobs=N`` runs a trial's seeds in N processes (same results);
- **resumable**: the study lives in ``study.journal`` (Optuna's JournalStorage on a file) in
  the run folder, by default ``results/optimise/<study>``, so the same command continues the
  study and runs only the trials still missing (``trials`` is the total). Trial ``k`` is
  sampled by a sampler seeded from ``(sampler_seed, k)``, so a study stopped and resumed
  gets the same trials as one run at once (tpe and random samplers). One process runs a
  study at a time: a trial found running when a study opens was interrupted, and is run
  again;
- **report**: ``best.json`` (best parameters, objective mean with a t-interval over seeds,
  each metric of the objective), ``trials.parquet`` (``study.trials_dataframe()``),
  ``optimisation.png`` (unless ``report.figures=false``) and a short printed summary.

Examples::

    python -m experiments.optimise pricing=posted objective=profit.posted trials=30 \
        'pricing.posted.markup=interval(0.0,1.5)'
    python -m experiments.optimise 'coalition.max_size=range(2,41)' objective=welfare study=size
    python -m experiments.optimise 'customers.wtp_sd=tag(log,interval(0.05,1))' seeds=5 \
        jobs=2 'objective={welfare:0.5,consumer_surplus:0.5}'

Bad input stops before anything runs or is written, with one line on stderr and exit code 2.
"""

from __future__ import annotations

import copy
import importlib.util
import math
import multiprocessing
import shlex
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hydra
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import optuna
import pandas as pd
from hydra import compose
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.types import Override
from matplotlib.ticker import MaxNLocator
from omegaconf import DictConfig, OmegaConf, open_dict
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import FrozenTrial, TrialState
from tqdm import tqdm

from experiments.campaign.plan import market_config
from experiments.compare_plan import InputError, hydra_context, override_key
from experiments.optimise_space import (
    HEADLINE,
    OPTIMISE_KEYS,
    RESERVED,
    Objective,
    Param,
    allowed_metrics,
    metric_value,
    parse_objective,
    run_seed,
    search_space,
    split_sweeps,
    study_name_problem,
)
from experiments.stats import mean_ci
from sim.cli.entry import checked_main, fail
from sim.cli.preflight import check_overrides, one_line
from sim.config import CONFIG_DIR, ConfigError, validate
from sim.results.identity import config_hash, git_commit, package_versions
from sim.results.io import atomic_write, remove_stale, write_json, write_parquet

matplotlib.use("Agg")

#: The study's storage, in the run folder.
JOURNAL = "study.journal"
FIGURE = "optimisation.png"

#: Samplers by name, with the package each needs beyond Optuna's own dependencies.
SAMPLERS: dict[str, str | None] = {
    "tpe": None,
    "random": None,
    "qmc": "scipy",
    "gp": "torch",
    "cmaes": "cmaes",
}

#: User attribute marking a trial that failed on its own inputs (it counts as done; a trial
#: interrupted by a crash or Ctrl-C does not, and is run again on resume).
ERROR_ATTR = "error"


def available_samplers() -> list[str]:
    """Samplers whose extra package (if any) is installed."""
    return [n for n, pkg in SAMPLERS.items() if pkg is None or importlib.util.find_spec(pkg)]


def make_sampler(name: str, seed: int, index: int) -> optuna.samplers.BaseSampler:
    """The sampler that draws trial ``index`` of a study.

    Each trial gets a sampler seeded from ``(seed, index)``: what it draws then depends only
    on the earlier trials in the storage, never on how many processes the study took, so a
    resumed study samples what an uninterrupted one would have.
    """
    trial_seed = int(np.random.SeedSequence([seed, index]).generate_state(1)[0])
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=trial_seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=trial_seed)
    if name == "qmc":
        # The scramble seed stays fixed: the sequence's position is kept in the storage.
        return optuna.samplers.QMCSampler(
            seed=seed,
            independent_sampler=optuna.samplers.RandomSampler(seed=trial_seed),
            warn_independent_sampling=False,
        )
    if name == "gp":
        return optuna.samplers.GPSampler(seed=trial_seed)
    if name == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=trial_seed, warn_independent_sampling=False)
    raise ValueError(f"unknown sampler {name!r}")


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class StudyPlan:
    """A checked study: the market, the search space, the objective and the seeds."""

    cfg: DictConfig
    params: tuple[Param, ...]
    objective: Objective
    base: dict[str, Any]
    seeds: tuple[int, ...]

    @property
    def name(self) -> str:
        """The study's name."""
        return str(self.cfg.study)

    @property
    def recorded(self) -> tuple[str, ...]:
        """Metrics kept per seed for every trial: the objective's, then the headline ones."""
        return tuple(dict.fromkeys([*self.objective.names, *HEADLINE]))

    def spec(self) -> dict[str, Any]:
        """What a study's results mean; a resumed study must keep it."""
        market = copy.deepcopy(self.base)
        for p in self.params:
            # The searched keys' starting values do not matter to the study.
            _set(market, p.key, None)
        market.pop("seed", None)
        return {
            "search": {p.key: p.as_dict() for p in self.params},
            "objective": self.objective.as_dict(),
            "direction": self.objective.direction,
            "seeds": list(self.seeds),
            "market": config_hash(market),
        }

    def configs(self, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The run config of every seed at the searched ``values``."""
        out = []
        for seed in self.seeds:
            config = copy.deepcopy(self.base)
            for key, value in values.items():
                _set(config, key, value)
            config["seed"] = seed
            out.append(config)
        return out


def _set(config: dict[str, Any], key: str, value: Any) -> None:
    node = config
    *path, last = key.split(".")
    for part in path:
        node = node[part]
    node[last] = value


def split_overrides(overrides: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split plain overrides into (optimiser, market) ones; ``hydra.*`` ones are dropped."""
    own, market = [], []
    for o in overrides:
        head = override_key(o).split(".", 1)[0]
        if head == "hydra":
            continue
        (own if head in OPTIMISE_KEYS else market).append(o)
    return own, market


def check_reserved(market: Sequence[str]) -> None:
    """Refuse market overrides of keys the optimiser sets itself (``seed``).

    Raises:
        InputError: naming the override and what to use instead.
    """
    for o in market:
        head = override_key(o).split(".", 1)[0]
        if head in RESERVED:
            raise InputError(f"{o} cannot be given here: {RESERVED[head]}")


def check_settings(cfg: DictConfig) -> None:
    """Check the optimiser's own keys.

    Raises:
        InputError: naming the first bad key and what is allowed.
    """
    problem = study_name_problem(cfg.study)
    if problem:
        raise InputError(problem)
    for key, low in (("trials", 1), ("seeds", 1), ("jobs", 1), ("first_seed", 0)):
        if cfg[key] < low:
            raise InputError(f"{key}={cfg[key]} is invalid; allowed: an integer >= {low}")
    if not 0 < cfg.report.conf_level < 1:
        raise InputError(
            f"report.conf_level={cfg.report.conf_level} is invalid; allowed: a number in (0, 1)"
        )
    if cfg.sampler not in SAMPLERS:
        raise InputError(
            f"sampler={cfg.sampler!r} is invalid; allowed: {' | '.join(available_samplers())}"
        )
    needs = SAMPLERS[cfg.sampler]
    if needs and not importlib.util.find_spec(needs):
        raise InputError(
            f"sampler={cfg.sampler} needs the {needs} package, which is not installed; "
            f"allowed here: {' | '.join(available_samplers())}"
        )


def make_plan(cfg: DictConfig, sweeps: Sequence[Override], market: Sequence[str]) -> StudyPlan:
    """Check a composed ``optimise`` config and the command line's sweeps; plan the study.

    Args:
        cfg: The composed config.
        sweeps: The sweep overrides of the command line (the search).
        market: The plain market overrides of the command line.

    Raises:
        InputError: naming the first problem.
    """
    check_settings(cfg)
    check_reserved(market)
    try:
        validate(cfg)
    except ConfigError as exc:
        raise InputError(str(exc)) from None
    params = search_space(cfg, sweeps, market)
    objective = parse_objective(cfg.objective, cfg.direction, allowed_metrics(cfg, params))
    first = int(cfg.first_seed)
    seeds = tuple(range(first, first + int(cfg.seeds)))
    return StudyPlan(cfg, params, objective, market_config(cfg), seeds)


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


def plan_from_argv(argv: Sequence[str]) -> tuple[StudyPlan, Path]:
    """Compose and check the study a command line describes, without running anything.

    Returns:
        The plan and the folder Hydra will run it in.

    Raises:
        InputError: naming the first problem, in one line.
    """
    sweeps, rest = split_sweeps(argv)
    overrides = [a for a in rest if not a.startswith("-") and "=" in a]
    _, market = split_overrides(overrides)
    check_reserved(market)
    problem = check_overrides(market, CONFIG_DIR)
    if problem:
        raise InputError(problem)
    try:
        with hydra_context():
            cfg = compose(config_name="optimise", overrides=overrides, return_hydra_config=True)
            # The folder Hydra will use: a study already there must be continuable.
            folder = Path(str(cfg.hydra.run.dir))
            with open_dict(cfg):
                del cfg["hydra"]
    except Exception as exc:
        raise InputError(one_line(exc)) from None
    plan = make_plan(cfg, sweeps, market)
    check_resume(plan, folder)
    return plan, folder


def preflight(argv: Sequence[str]) -> str | None:
    """Check the command line before Hydra creates any folder.

    Returns:
        A one-line error message, or None if everything is fine.
    """
    if any(a in ("--help", "-h", "--hydra-help", "--info", "--cfg", "-c") for a in argv):
        return None
    if any(a in ("-m", "--multirun") for a in argv):
        return (
            "-m/--multirun is not supported; the optimiser runs its own trials (give the "
            "search as KEY=interval(LOW,HIGH) without -m)"
        )
    try:
        plan_from_argv(argv)
    except InputError as exc:
        return str(exc)
    return None


# --------------------------------------------------------------------------- running


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


# --------------------------------------------------------------------------- report


def _interval(values: Sequence[float], level: float) -> dict[str, Any]:
    ci = mean_ci(values, level)
    return {"mean": ci.mean, "low": ci.low, "high": ci.high, "n": ci.n, "per_seed": list(values)}


def best_report(plan: StudyPlan, run: StudyRun, command: str) -> dict[str, Any]:
    """The content of ``best.json``."""
    study, level = run.study, float(plan.cfg.report.conf_level)
    trials = study.get_trials(deepcopy=False)
    best = study.best_trial
    states = [t.state for t in trials]
    return {
        "study": plan.name,
        "objective": plan.objective.as_dict(),
        "direction": plan.objective.direction,
        "search": {p.key: p.as_dict() for p in plan.params},
        "seeds": list(plan.seeds),
        "conf_level": level,
        "best": {
            "trial": best.number,
            "params": dict(best.params),
            "objective": _interval(best.user_attrs["objective"], level),
            "metrics": {
                name: _interval(best.user_attrs[f"metric.{name}"], level) for name in plan.recorded
            },
        },
        "trials": {
            "total": len(trials),
            "complete": states.count(TrialState.COMPLETE),
            "failed": sum(counts(t) and t.state == TrialState.FAIL for t in trials),
            "interrupted": sum(not counts(t) for t in trials),
            "before_this_run": run.before,
            "run_now": run.ran,
        },
        "sampler": str(plan.cfg.sampler),
        "sampler_seed": int(plan.cfg.sampler_seed),
        "market_config_hash": plan.spec()["market"],
        "command": command,
        "git_commit": git_commit(),
        "packages": package_versions() | {"optuna": optuna.__version__},
    }


def trials_frame(study: optuna.Study) -> pd.DataFrame:
    """``study.trials_dataframe()`` ready for Parquet (missing list attributes as nulls)."""
    frame = study.trials_dataframe()
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = [None if isinstance(v, float) and math.isnan(v) else v for v in frame[col]]
    return frame


def _best_so_far(values: np.ndarray, direction: str) -> np.ndarray:
    return (
        np.maximum.accumulate(values) if direction == "maximize" else np.minimum.accumulate(values)
    )


def figure(plan: StudyPlan, study: optuna.Study, path: Path) -> None:
    """Draw ``optimisation.png``: the objective per trial and the best so far.

    For a one-parameter space a second panel shows the objective against the parameter,
    with the best trial's interval over seeds.
    """
    done = [t for t in study.get_trials(deepcopy=False) if t.state == TrialState.COMPLETE]
    one = len(plan.params) == 1
    fig, axes = plt.subplots(1, 2 if one else 1, figsize=(11 if one else 6, 4), squeeze=False)
    ax = axes[0][0]
    label = plan.objective.describe().split(" ", 1)[1]
    numbers = np.array([t.number for t in done], dtype=float)
    values = np.array([t.value for t in done], dtype=float)
    best = study.best_trial
    ax.plot(numbers, values, "o", color="tab:blue", alpha=0.7, label="trial (mean over seeds)")
    ax.step(
        numbers,
        _best_so_far(values, plan.objective.direction),
        where="post",
        color="tab:orange",
        label="best so far",
    )
    ax.set_xlabel("trial")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(label)
    ax.set_title(f"{plan.objective.direction} {label}")
    ax.legend(loc="best", fontsize=8)
    if one:
        p, ax2 = plan.params[0], axes[0][1]
        level = float(plan.cfg.report.conf_level)
        ci = mean_ci(best.user_attrs["objective"], level)
        if p.kind == "categorical":
            position = {repr(c): i for i, c in enumerate(p.choices)}
            x = np.array([position[repr(t.params[p.key])] for t in done], dtype=float)
            xb = position[repr(best.params[p.key])]
            ax2.set_xticks(range(len(p.choices)), [str(c) for c in p.choices])
            ax2.set_xlim(-0.5, len(p.choices) - 0.5)
        else:
            x = np.array([t.params[p.key] for t in done], dtype=float)
            xb = float(best.params[p.key])
            if p.log:
                ax2.set_xscale("log")
        ax2.plot(x, values, "o", color="tab:blue", alpha=0.7, label="trial (mean over seeds)")
        if math.isfinite(ci.low):
            ax2.errorbar(
                [xb],
                [ci.mean],
                yerr=[[ci.mean - ci.low], [ci.high - ci.mean]],
                fmt="*",
                color="tab:red",
                ms=12,
                capsize=4,
                label=f"best, {level:.0%} CI over {ci.n} seeds",
            )
        else:
            ax2.plot([xb], [ci.mean], "*", color="tab:red", ms=12, label="best")
        ax2.set_xlabel(p.key)
        ax2.set_ylabel(label)
        ax2.set_title(f"{label} vs {p.key}")
        ax2.legend(loc="best", fontsize=8)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))
    plt.close(fig)


def _number(x: float) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{x:,.2f}" if abs(x) >= 100 else f"{x:.4g}"


def summary_text(
    plan: StudyPlan, report: Mapping[str, Any], run: StudyRun, folder: Path, files: Sequence[str]
) -> str:
    """The short summary printed at the end."""
    best, tr, seeds = report["best"], report["trials"], report["seeds"]
    level = f"{report['conf_level']:.0%}"
    seed_text = f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {seeds[0]}-{seeds[-1]}"
    params = ", ".join(
        f"{k}={_number(v) if isinstance(v, float) else v}" for k, v in best["params"].items()
    )
    lines = [
        f"optimise: study {plan.name!r}, {tr['total']} trials ({tr['run_now']} run now) x "
        f"{len(seeds)} seed{'s' if len(seeds) > 1 else ''}, {report['sampler']} sampler, "
        f"{run.wall_s:.1f} s",
        f"  objective  {plan.objective.describe()}",
        f"  best       trial {best['trial']}: {params}",
    ]
    rows = [("objective", best["objective"])] if len(plan.objective.terms) > 1 else []
    rows += [(name, best["metrics"][name]) for name in plan.objective.names]
    width = max(len(name) for name, _ in rows)
    for name, ci in rows:
        spread = (
            f"{level} CI {_number(ci['low'])} to {_number(ci['high'])} over {seed_text}"
            if len(seeds) > 1
            else f"{seed_text}, no interval from one seed"
        )
        lines.append(f"  {name:<{width}}  {_number(ci['mean'])}  ({spread})")
    if tr["failed"] or tr["interrupted"]:
        lines.append(f"  failed     {tr['failed']} trials (and {tr['interrupted']} interrupted)")
    lines.append(f"  results in {folder} ({', '.join(files)})")
    return "\n".join(lines)


def write_results(
    plan: StudyPlan, run: StudyRun, folder: Path, command: str
) -> tuple[dict[str, Any] | None, list[str]]:
    """Write ``trials.parquet``, ``best.json`` and the figure.

    Returns:
        The content of ``best.json`` (None if no trial completed) and the files written.
    """
    figures = bool(plan.cfg.report.figures)
    remove_stale(folder, [] if figures else [FIGURE])
    write_parquet(folder / "trials.parquet", trials_frame(run.study))
    if not any(t.state == TrialState.COMPLETE for t in run.study.get_trials(deepcopy=False)):
        return None, ["trials.parquet"]
    report = best_report(plan, run, command)
    write_json(folder / "best.json", report)
    files = ["best.json", "trials.parquet"]
    if figures:
        figure(plan, run.study, folder / FIGURE)
        files.append(FIGURE)
    return report, files


# --------------------------------------------------------------------------- the app


#: The command line as given (with the sweeps Hydra never sees), set by :func:`main`.
_ARGV: list[str] = []


def command_line(argv: Sequence[str]) -> str:
    """The command that reproduces (continues) a study (``hydra.*`` overrides left out)."""
    kept = [a for a in argv if override_key(a).split(".", 1)[0] != "hydra"]
    return " ".join(["python -m experiments.optimise", *map(shlex.quote, kept)])


@hydra.main(version_base=None, config_path=CONFIG_DIR, config_name="optimise")
def _app(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    folder = Path(hc.runtime.output_dir)
    _, market = split_overrides(list(hc.overrides.task))
    try:
        plan = make_plan(cfg, split_sweeps(_ARGV)[0], market)
        run = run_study(plan, folder)
    except InputError as exc:
        fail(str(exc))
    report, files = write_results(plan, run, folder, command_line(_ARGV))
    if report is None:
        errors = [t.user_attrs.get(ERROR_ATTR) for t in run.study.get_trials(deepcopy=False)]
        why = next((e for e in errors if e), "every trial was interrupted")
        print(
            f"error: no trial of study {plan.name!r} completed (first failure: {why}); see "
            f"{folder / 'trials.parquet'}",
            file=sys.stderr,
        )
        sys.exit(1)
    print(summary_text(plan, report, run, folder, files))


def _run() -> None:
    """Take the sweeps out of the command line (Hydra refuses them) and run the app."""
    _ARGV[:] = sys.argv[1:]
    sys.argv = [sys.argv[0], *split_sweeps(_ARGV)[1]]
    _app()


def main() -> None:
    """Check the command line, then run the study."""
    checked_main(preflight, _run)


if __name__ == "__main__":
    main()
