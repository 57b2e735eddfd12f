"""One-command pricing-policy comparison: ``python -m experiments.compare_policies [k=v ...]``.

A Hydra app (config ``configs/compare.yaml``: the run config plus ``policies``, ``seeds``,
``vary``, ``baseline``, ``jobs``, ``executor`` and ``report``). The comparison is a
campaign (:mod:`experiments.campaign`): every policy (an option of the ``pricing`` config
group) at every point of the grid of the varied keys on seeds ``0..seeds-1``, the same
seeds everywhere (common random numbers). The campaign engine runs each distinct config
once (a varied key that a policy does not use gives it one run, reused), on any executor
(``executor=local|ray|submitit_local|slurm``, ``jobs=N``), and keeps its folder
``<report folder>/runs/``: the same command with the same ``hydra.run.dir`` resumes an
interrupted comparison. The report folder (default ``results/compare/<timestamp>/``) gets
``runs.parquet`` (one row per planned run with its ``run_id`` and the exact
``python -m sim.run`` command that reproduces it), ``timeseries.parquet``, ``report.md``,
a self-contained ``report.html``, the figures and ``manifest.json``.

Examples::

    python -m experiments.compare_policies
    python -m experiments.compare_policies seeds=20 jobs=2 customers.n=300 network=scale_free
    python -m experiments.compare_policies 'policies=[posted,volume_discount]' hydra.run.dir=out/cmp
    python -m experiments.compare_policies 'vary={key:coalition.max_size,values:[5,10,20,40]}'
    python -m experiments.compare_policies +scenario=personalisation_backlash executor=ray

Bad input stops before anything runs or is written, with one line on stderr and exit code 2.

The planning and command-line checks live in :mod:`experiments.compare_plan`, the config
schema in :mod:`experiments.compare_config` and the report in :mod:`experiments.report`;
this module runs the campaign, gathers the tables and writes the report folder.
"""

from __future__ import annotations

import shlex
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from experiments.campaign.engine import Interrupted, check_options, run_campaign
from experiments.campaign.plan import Plan, make_plan
from experiments.campaign.store import CampaignBusy

# DEFAULT_POLICIES is re-exported: it is part of this entry point's interface (tests, docs).
from experiments.compare_config import DEFAULT_POLICIES as DEFAULT_POLICIES
from experiments.compare_plan import (
    CONFIG_NAME,
    baseline_of,
    campaign_config,
    parse_vary,
    preflight,
    reproduction_commands,
    split_overrides,
)
from experiments.overrides import override_key
from experiments.report import MAIN_CONFIG_KEYS, write_report
from sim.cli.entry import INTERRUPTED, checked_main, fail
from sim.config import CONFIG_DIR, ConfigError
from sim.results.identity import git_commit, package_versions
from sim.results.io import write_json, write_parquet

#: The campaign folder inside the report folder (resumable: the same command continues it).
RUNS_FOLDER = "runs"

#: Columns of the campaign's runs table that describe its execution, not the result.
_EXECUTION = ("index", "point", "pricing", "status", "error", "runtime_s")


# --------------------------------------------------------------------------- tables


def _config_value(config: Mapping[str, Any], key: str) -> Any:
    """The value at dotted ``key`` of a resolved config (lists joined by commas; None if absent)."""
    node: Any = config
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    if isinstance(node, list | tuple):
        return ",".join(map(str, node))
    return node


def tables(
    plan: Plan,
    campaign_runs: pd.DataFrame,
    timeseries: pd.DataFrame,
    sellers: pd.DataFrame,
    commands: Sequence[str],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The comparison's runs, timeseries and sellers tables, rows for every planned run.

    Runs that share a config (a varied key the policy does not use) were computed once:
    their results are repeated for each planned run. Runs come in policy, grid point and
    seed order; each carries its ``run_id`` and the ``command`` that reproduces it. In the
    sellers table ``policy_run`` is the compared policy and ``policy`` the seller's own.
    """
    vary_keys = [c for c in plan.columns if c != "pricing"]
    policies = list(dict.fromkeys(str(t.values["pricing"]) for t in plan.tasks))
    by_index = campaign_runs.set_index("index")
    rows = []
    for task, command in zip(plan.tasks, commands, strict=True):
        result = by_index.loc[task.index]
        row: dict[str, Any] = {"policy": str(task.values["pricing"]), "seed": task.seed}
        row |= {k: task.values[k] for k in vary_keys}
        row |= {"run_id": task.run_id, "command": command, "status": result["status"]}
        for key in MAIN_CONFIG_KEYS:
            if key not in row:
                row[key] = _config_value(task.config, key)
        row |= {
            k: v
            for k, v in result.items()
            if k not in _EXECUTION and k not in row and not str(k).startswith("Unnamed")
        }
        row["_order"] = (policies.index(row["policy"]), task.point, task.seed)
        rows.append(row)
    runs = pd.DataFrame(rows).sort_values("_order", kind="stable").drop(columns="_order")
    runs = runs.reset_index(drop=True)
    ident = runs[["policy", "seed", *vary_keys, "run_id"]]
    return runs, _per_run(ident, timeseries), _per_run(ident, sellers, "policy_run")


def _per_run(ident: pd.DataFrame, table: pd.DataFrame, policy: str = "policy") -> pd.DataFrame:
    """``table`` (rows tagged by ``run_id``) repeated for every planned run, identified."""
    ident = ident.rename(columns={"policy": policy})
    if not len(table):
        return ident.drop(columns="run_id").iloc[0:0]
    rows = ident.merge(table, on="run_id", how="left", sort=False)
    return rows.drop(columns="run_id").reset_index(drop=True)


def read_table(folder: Path, name: str) -> pd.DataFrame:
    """A per-run table of every run of a campaign folder (``run_id`` first)."""
    parts = sorted((folder / name).glob("part-*.parquet"))
    if not parts:
        return pd.DataFrame()
    return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)


# --------------------------------------------------------------------------- the app


def command_line(argv: Sequence[str]) -> str:
    """The command that reproduces a comparison (``hydra.*`` overrides left out)."""
    kept = [a for a in argv if override_key(a).split(".", 1)[0] != "hydra"]
    return " ".join(["python -m experiments.compare_policies", *map(shlex.quote, kept)])


@hydra.main(version_base=None, config_path=CONFIG_DIR, config_name=CONFIG_NAME)
def _app(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    compare_side, market = split_overrides(list(hc.overrides.task))
    overrides = [*compare_side, *market]
    t0 = time.perf_counter()
    camp = campaign_config(cfg)
    try:
        check_options(camp)
        plan = make_plan(camp, config_name=CONFIG_NAME, overrides=overrides)
        commands = reproduction_commands(plan, market)
        outcome = run_campaign(
            camp, out_dir / RUNS_FOLDER, overrides=overrides, config_name=CONFIG_NAME
        )
    except (ConfigError, CampaignBusy) as exc:
        fail(str(exc))
    except Interrupted as exc:
        print(
            f"interrupted: {exc}; the same command with hydra.run.dir={out_dir} resumes",
            file=sys.stderr,
        )
        sys.exit(INTERRUPTED)
    wall = time.perf_counter() - t0
    folder = out_dir / RUNS_FOLDER
    runs, timeseries, sellers = tables(
        plan,
        outcome.runs,
        read_table(folder, "timeseries"),
        read_table(folder, "sellers"),
        commands,
    )
    failed = runs[runs["status"] != "ok"]
    if len(failed):
        print(
            f"compare: {len(failed)} runs failed (see {out_dir / RUNS_FOLDER / 'errors'}); "
            "the report leaves them out",
            file=sys.stderr,
        )
    write_parquet(out_dir / "runs.parquet", runs)
    write_parquet(out_dir / "timeseries.parquet", timeseries)
    write_parquet(out_dir / "sellers.parquet", sellers)
    vary = parse_vary(cfg.vary)
    write_report(
        out_dir,
        runs[runs["status"] == "ok"],
        timeseries,
        title=str(cfg.report.title),
        question=str(cfg.report.question or ""),
        mechanism=cfg.report.mechanism,
        policies=[str(p) for p in cfg.policies],
        baseline=baseline_of(cfg),
        seeds=list(range(int(cfg.seeds))),
        vary=vary or None,
        market_config=dict(plan.tasks[0].config),
        market_overrides=market,
        command=command_line(sys.argv[1:]),
        figures=bool(cfg.report.figures),
        sellers=sellers,
    )
    write_json(
        out_dir / "manifest.json",
        {
            "runs": outcome.planned,
            "distinct_runs": outcome.distinct,
            "computed_now": outcome.done + outcome.failed,
            "reused_from_folder": outcome.skipped,
            "failed": int(len(failed)),
            "executor": str(cfg.executor.kind),
            "jobs": int(cfg.jobs),
            "wall_time_s": round(wall, 3),
            "git_commit": git_commit(),
            "packages": package_versions(),
            "argv": sys.argv,
        },
    )
    grid = " x ".join(f"{len(v)} values of {k}" for k, v in vary.items())
    n_policies = len(cfg.policies)
    noun = "policy" if n_policies == 1 else "policies"
    print(
        f"compare: {outcome.planned} runs ({n_policies} {noun}"
        + (f" x {grid}" if grid else "")
        + f" x {cfg.seeds} seeds; {outcome.distinct} distinct, {outcome.skipped} of them "
        f"already in the folder) in {wall:.1f} s\n"
        f"  report in {out_dir / 'report.md'} (and report.html, runs.parquet, timeseries.parquet)"
    )


def main() -> None:
    """Check the command line, then hand over to Hydra."""
    checked_main(preflight, _app, CONFIG_NAME)


if __name__ == "__main__":
    main()
