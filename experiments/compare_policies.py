"""One-command pricing-policy comparison: ``python -m experiments.compare_policies [k=v ...]``.

A Hydra app (config ``configs/compare.yaml``: the run config plus ``policies``, ``seeds``,
``vary``, ``jobs`` and ``report``). For every policy (an option of the ``pricing`` config
group), every value of the optional ``vary`` key and every seed ``0..seeds-1`` it composes
the full run config with Hydra's compose API (the market overrides given on the command
line + ``pricing=NAME`` [+ ``KEY=VALUE``] + ``seed=S``), runs it with
:func:`sim.cli.run_folder.execute` (optionally in parallel, ``jobs=N``) and writes a report
folder (the Hydra run dir, default ``results/compare/<timestamp>/``): ``runs.parquet``,
``timeseries.parquet``, ``report.md``, ``report.html``, figures and ``manifest.json``.

Examples::

    python -m experiments.compare_policies
    python -m experiments.compare_policies seeds=20 jobs=2 customers.n=300 network=scale_free
    python -m experiments.compare_policies 'policies=[posted,volume_discount]' hydra.run.dir=out/cmp
    python -m experiments.compare_policies 'vary={key:coalition.max_size,values:[5,10,20,40]}'

Bad input stops before anything runs or is written, with one line on stderr and exit code 2.

The planning and command-line checks live in :mod:`experiments.compare_plan`, the config
schema in :mod:`experiments.compare_config` and the report in :mod:`experiments.report`;
this module runs the plan, gathers the tables and writes the report folder.
"""

from __future__ import annotations

import math
import shlex
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf
from tqdm import tqdm

# DEFAULT_POLICIES is re-exported: it is part of this entry point's interface (tests, docs).
from experiments.compare_config import DEFAULT_POLICIES as DEFAULT_POLICIES
from experiments.compare_plan import (
    RunTask,
    format_value,
    override_key,
    parse_vary,
    plan_runs,
    preflight,
    split_overrides,
)
from experiments.report import MAIN_CONFIG_KEYS, write_report
from experiments.stats import all_numbers
from sim.cli.entry import checked_main, fail
from sim.cli.run_folder import execute
from sim.config import CONFIG_DIR, ConfigError
from sim.results.identity import config_hash, git_commit, package_versions
from sim.results.io import write_json, write_parquet

# --------------------------------------------------------------------------- runs


@dataclass
class RunOutcome:
    """What one run gives back to the parent process."""

    order: tuple[int, int, int]
    summary: dict[str, Any]
    timeseries: pd.DataFrame
    runtime_s: float
    sellers: pd.DataFrame | None = None


def mean_price(deals: pd.DataFrame) -> float:
    """Quantity-weighted mean unit price customers paid over all purchases (NaN if none)."""
    q = deals["quantity"].to_numpy(dtype=float)
    total = float(q.sum())
    return float((deals["unit_price"].to_numpy() * q).sum() / total) if total > 0 else math.nan


def run_task(task: RunTask) -> RunOutcome:
    """Execute one run (in this process or a worker) and keep what the report needs."""
    model, summary, runtime = execute(OmegaConf.create(task.config))
    summary = dict(summary)
    if "mean_price" not in summary:
        summary["mean_price"] = mean_price(model.deals_frame())
    return RunOutcome(task.order, summary, model.timeseries_frame(), runtime, model.sellers_frame())


def run_all(tasks: Sequence[RunTask], jobs: int = 1) -> list[RunOutcome]:
    """Run every task, ``jobs`` at a time, with a progress bar; results in plan order."""
    outcomes: list[RunOutcome] = []
    with tqdm(total=len(tasks), desc="runs", unit="run", file=sys.stderr) as bar:
        if jobs <= 1:
            for task in tasks:
                outcomes.append(run_task(task))
                bar.update(1)
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = [pool.submit(run_task, t) for t in tasks]
                for future in as_completed(futures):
                    outcomes.append(future.result())
                    bar.update(1)
    return sorted(outcomes, key=lambda o: o.order)


# --------------------------------------------------------------------------- tables


def _config_value(config: dict[str, Any], key: str) -> Any:
    """The value at dotted ``key`` of a resolved config (lists joined by commas; None if absent)."""
    node: Any = config
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    if isinstance(node, list):
        return ",".join(map(str, node))
    return format_value(node) if isinstance(node, dict) else node


def _vary_column(values: Sequence[Any]) -> list[Any]:
    """Vary values as one Parquet-friendly column (numbers stay numbers, else strings)."""
    if all_numbers(values):
        return list(values)
    return [v if isinstance(v, str) else format_value(v) for v in values]


def tables(
    tasks: Sequence[RunTask], outcomes: Sequence[RunOutcome], vary_key: str | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The runs table, the timeseries table (per run and step) and the sellers table.

    The sellers table has one row per run, step and seller; its ``policy_run`` column is the
    compared policy (pricing option) and ``policy`` the seller's own policy.
    """
    by_order = {t.order: t for t in tasks}
    ordered = [by_order[o.order] for o in outcomes]
    vary_values = _vary_column([t.value for t in ordered]) if vary_key else []
    rows, frames, seller_frames = [], [], []
    for i, (task, out) in enumerate(zip(ordered, outcomes, strict=True)):
        ident: dict[str, Any] = {"policy": task.policy, "seed": task.seed}
        if vary_key:
            ident[vary_key] = vary_values[i]
        row = dict(ident)
        for key in MAIN_CONFIG_KEYS:
            if key not in row:
                row[key] = _config_value(task.config, key)
        row["config_hash"] = config_hash(task.config)
        row.update({k: v for k, v in out.summary.items() if k not in ident})
        rows.append(row)
        ts = out.timeseries.reset_index(drop=True)
        prefix = pd.DataFrame({k: [v] * len(ts) for k, v in ident.items()})
        frames.append(pd.concat([prefix, ts], axis=1))
        if out.sellers is not None and len(out.sellers):
            sl = out.sellers.reset_index(drop=True)
            ident_s = {("policy_run" if k == "policy" else k): v for k, v in ident.items()}
            pre = pd.DataFrame({k: [v] * len(sl) for k, v in ident_s.items()})
            seller_frames.append(pd.concat([pre, sl], axis=1))
    runs = pd.DataFrame(rows)
    timeseries = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    sellers = pd.concat(seller_frames, ignore_index=True) if seller_frames else pd.DataFrame()
    return runs, timeseries, sellers


# --------------------------------------------------------------------------- the app


def command_line(argv: Sequence[str]) -> str:
    """The command that reproduces a comparison (``hydra.*`` overrides left out)."""
    kept = [a for a in argv if override_key(a).split(".", 1)[0] != "hydra"]
    return " ".join(["python -m experiments.compare_policies", *map(shlex.quote, kept)])


@hydra.main(version_base=None, config_path=CONFIG_DIR, config_name="compare")
def _app(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    compare_side, market = split_overrides(list(hc.overrides.task))
    t0 = time.perf_counter()
    try:
        tasks = plan_runs(cfg, market, compare_side)
        outcomes = run_all(tasks, int(cfg.jobs))
    except ConfigError as exc:
        fail(str(exc))
    wall = time.perf_counter() - t0
    vary = parse_vary(cfg.vary)
    vary_key = vary.key if vary else None
    runs, timeseries, sellers = tables(tasks, outcomes, vary_key)
    write_parquet(out_dir / "runs.parquet", runs)
    write_parquet(out_dir / "timeseries.parquet", timeseries)
    write_parquet(out_dir / "sellers.parquet", sellers)
    vary_values = vary.values if vary else None
    write_report(
        out_dir,
        runs,
        timeseries,
        title=str(cfg.report.title),
        policies=list(cfg.policies),
        seeds=range(int(cfg.seeds)),
        vary={vary_key: _vary_column(vary_values)} if vary_key and vary_values else None,
        question=str(cfg.report.get("question") or ""),
        mechanism=cfg.report.get("mechanism"),
        market_config=tasks[0].config,
        market_overrides=market,
        command=command_line(sys.argv[1:]),
        figures=bool(cfg.report.figures),
        sellers=sellers,
    )
    write_json(
        out_dir / "manifest.json",
        {
            "runs": len(outcomes),
            "jobs": int(cfg.jobs),
            "wall_time_s": round(wall, 3),
            "run_time_s_total": round(sum(o.runtime_s for o in outcomes), 3),
            "git_commit": git_commit(),
            "packages": package_versions(),
            "argv": sys.argv,
        },
    )
    print(
        f"compare: {len(outcomes)} runs ({len(cfg.policies)} policies"
        + (f" x {len(vary_values)} values of {vary_key}" if vary_values else "")
        + f" x {cfg.seeds} seeds) in {wall:.1f} s\n"
        f"  report in {out_dir / 'report.md'} (and report.html, runs.parquet, timeseries.parquet)"
    )


def main() -> None:
    """Check the command line, then hand over to Hydra."""
    checked_main(preflight, _app)


if __name__ == "__main__":
    main()
