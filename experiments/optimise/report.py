"""What a study leaves behind: ``best.json``, ``trials.parquet``, the figure, the summary.

``best.json`` holds the best parameters, the objective's mean with a t-interval over seeds
and each metric of the objective; ``trials.parquet`` is ``study.trials_dataframe()``;
``optimisation.png`` (unless ``report.figures=false``) shows the objective per trial and,
for a one-parameter space, against the parameter. :func:`summary_text` is what the command
prints at the end.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import optuna
import pandas as pd
from matplotlib.ticker import MaxNLocator
from optuna.trial import TrialState

from experiments.optimise.plan import StudyPlan
from experiments.optimise.study import StudyRun, counts
from experiments.stats import mean_ci
from sim.results.identity import git_commit, package_versions
from sim.results.io import atomic_write, remove_stale, write_json, write_parquet

matplotlib.use("Agg")

#: The figure, in the run folder.
FIGURE = "optimisation.png"


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
