"""One-command pricing-policy comparison: ``python -m experiments.compare_policies [k=v ...]``.

A Hydra app (config ``configs/compare.yaml``: the run config plus ``policies``, ``seeds``,
``vary``, ``jobs`` and ``report``). For every policy (an option of the ``pricing`` config
group), every value of the optional ``vary`` key and every seed ``0..seeds-1`` it composes
the full run config with Hydra's compose API (the market overrides given on the command
line + ``pricing=NAME`` [+ ``KEY=VALUE``] + ``seed=S``), runs it with
:func:`sim.run.execute` (optionally in parallel, ``jobs=N``) and writes a report folder (the
Hydra run dir, default ``results/compare/<timestamp>/``): ``runs.parquet``,
``timeseries.parquet``, ``report.md``, ``report.html``, figures and ``manifest.json``.

Examples::

    python -m experiments.compare_policies
    python -m experiments.compare_policies seeds=20 jobs=2 customers.n=300 network=scale_free
    python -m experiments.compare_policies 'policies=[posted,volume_discount]' hydra.run.dir=out/cmp
    python -m experiments.compare_policies 'vary={key:coalition.max_size,values:[5,10,20,40]}'

Bad input stops before anything runs or is written, with one line on stderr and exit code 2.
"""

from __future__ import annotations

import math
import shlex
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import hydra
import pandas as pd
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import MISSING, DictConfig, OmegaConf

from experiments.report import MAIN_CONFIG_KEYS, write_report
from sim.config import Config, ConfigError
from sim.preflight import one_line
from sim.results import config_hash, git_commit, package_versions, write_json, write_parquet
from sim.run import CONFIG_DIR, execute

DEFAULT_POLICIES: tuple[str, ...] = (
    "posted",
    "personalised",
    "volume_discount",
    "threshold",
    "crowdfunding",
    "negotiated",
    "reverse_auction",
)
"""Policies compared when ``policies`` is not given. Extend as ``configs/pricing/`` grows."""

COMPARE_KEYS = frozenset({"policies", "seeds", "vary", "jobs", "report"})
"""Top-level keys of the comparison itself; every other override describes the market."""

RESERVED = {
    "seed": "it is set for each run; use seeds=K (runs use seeds 0..K-1)",
    "pricing": "it is set for each run; list the policies with policies=[a,b,...]",
    "pricing.mix": "it is set for each run by the policy; list policies with policies=[a,b,...]",
}
"""Market keys the comparison sets itself and a user may therefore not override."""


@dataclass
class VaryConfig:
    """One config key swept over values, on top of the policies and seeds."""

    key: str = ""
    values: list[Any] = field(default_factory=list)


@dataclass
class ReportConfig:
    """Report options."""

    title: str = "Pricing policy comparison"
    figures: bool = True


@dataclass
class CompareConfig(Config):
    """The run config plus the comparison's own keys."""

    policies: list[str] = field(default_factory=lambda: list(DEFAULT_POLICIES))
    seeds: int = 10
    # None or {key: ..., values: [...]}, checked against VaryConfig by parse_vary (typed as Any:
    # OmegaConf cannot merge a dict override into a structured node that is None).
    vary: Any = None
    jobs: int = 1
    report: ReportConfig = field(default_factory=ReportConfig)


def compare_schema() -> DictConfig:
    """:class:`CompareConfig` with every field it inherits from :class:`Config` left MISSING.

    ``compare.yaml`` lists it after ``config`` in its defaults: merging it turns the composed
    run config into a typed ``CompareConfig`` (so ``policies``, ``seeds``, ... are allowed
    and type-checked) while MISSING values keep the market values ``config`` chose.
    """
    node = OmegaConf.structured(CompareConfig)
    for f in fields(Config):
        node[f.name] = MISSING
    return node


def register_compare_configs() -> None:
    """Register :func:`compare_schema` as ``compare_schema`` in Hydra's ConfigStore."""
    ConfigStore.instance().store(name="compare_schema", node=compare_schema())


register_compare_configs()


@dataclass(frozen=True)
class RunTask:
    """One run to execute: its position in the plan and its resolved config."""

    policy: str
    policy_index: int
    value: Any
    value_index: int
    seed: int
    config: dict[str, Any]

    @property
    def order(self) -> tuple[int, int, int]:
        """Sort key: policy, vary value and seed, in the order they were given."""
        return (self.policy_index, self.value_index, self.seed)


@dataclass
class RunOutcome:
    """What one run gives back to the parent process."""

    order: tuple[int, int, int]
    summary: dict[str, Any]
    timeseries: pd.DataFrame
    runtime_s: float
    sellers: pd.DataFrame | None = None


# --------------------------------------------------------------------------- overrides


class InputError(ValueError):
    """Bad command-line input; the message is the one line shown to the user."""


def _key_of(override: str) -> str:
    """The key (or group) an override sets, without ``+``/``~``/``++`` prefixes."""
    return override.split("=", 1)[0].lstrip("+~").strip()


def split_overrides(overrides: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split overrides into (comparison, market) ones; ``hydra.*`` overrides are dropped."""
    compare_side, market = [], []
    for o in overrides:
        key = _key_of(o)
        if key.split(".", 1)[0] == "hydra":
            continue
        # A scenario file sets comparison keys (and maybe market keys): it goes with the
        # comparison, and every run is composed from the comparison config.
        head = key.split(".", 1)[0]
        (compare_side if head in COMPARE_KEYS or head == "scenario" else market).append(o)
    return compare_side, market


def format_value(value: Any) -> str:
    """A value written as a Hydra override value (strings quoted when needed)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{format_value(v)}" for k, v in value.items()) + "}"
    text = str(value)
    if text and all(c.isalnum() or c in "_-./:" for c in text) and not text[0].isdigit():
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


@contextmanager
def hydra_context() -> Iterator[None]:
    """Initialise Hydra on ``configs/`` for composing (clearing an app's global state first)."""
    gh = GlobalHydra.instance()
    if gh.is_initialized():
        gh.clear()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base=None):
        yield


def pricing_options() -> list[str]:
    """Names of the options of the ``pricing`` config group (inside :func:`hydra_context`)."""
    return sorted(GlobalHydra.instance().config_loader().get_group_options("pricing"))


VARY_SYNTAX = "vary={key:KEY,values:[V1,V2,...]} (or +vary.key=KEY '+vary.values=[V1,V2]')"


def parse_vary(node: Any) -> VaryConfig | None:
    """The ``vary`` node as a :class:`VaryConfig` (None when not used).

    Raises:
        InputError: if the node is not ``{key: str, values: [non-empty list of distinct values]}``
            or names a key the comparison sets itself.
    """
    if node is None:
        return None
    data = OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node
    if not isinstance(data, dict) or set(data) != {"key", "values"}:
        raise InputError(f"vary={data!r} is invalid; allowed: {VARY_SYNTAX}")
    key, values = data["key"], data["values"]
    if (
        not isinstance(key, str)
        or not key
        or key.split(".", 1)[0] in COMPARE_KEYS | {"hydra"}
        or key in RESERVED
    ):
        raise InputError(
            f"vary.key={key!r} is invalid; allowed: a market config key such as "
            "coalition.max_size (not seed, pricing or pricing.mix)"
        )
    if not isinstance(values, list) or not values:
        raise InputError(f"vary.values={values!r} is invalid; allowed: a non-empty list")
    if len({format_value(v) for v in values}) != len(values):
        raise InputError(f"vary.values={values!r} is invalid; allowed: distinct values")
    return VaryConfig(key=key, values=values)


def vary_override(vary: VaryConfig | None, value: Any) -> list[str]:
    """The override that sets the varied key to ``value`` (none without ``vary``)."""
    return [f"{vary.key}={format_value(value)}"] if vary else []


def check_comparison(cfg: DictConfig, market: Sequence[str]) -> None:
    """Check the comparison's own keys and the market overrides it must not touch.

    Args:
        cfg: The composed ``compare`` config.
        market: The market overrides given on the command line.

    Raises:
        InputError: naming the first problem.
    """
    allowed = pricing_options()
    policies = list(cfg.policies)
    if not policies:
        raise InputError(f"policies: the list is empty; allowed: {' | '.join(allowed)}")
    for name in policies:
        if name not in allowed:
            raise InputError(
                f"policies: {str(name)!r} is not a pricing option; allowed: {' | '.join(allowed)}"
            )
    repeated = sorted({p for p in policies if policies.count(p) > 1})
    if repeated:
        raise InputError(f"policies: {repeated[0]!r} is listed twice; allowed: distinct names")
    if cfg.seeds < 1:
        raise InputError(f"seeds={cfg.seeds} is invalid; allowed: an integer >= 1")
    if cfg.jobs < 1:
        raise InputError(f"jobs={cfg.jobs} is invalid; allowed: an integer >= 1")
    for o in market:
        key = _key_of(o)
        if key in RESERVED:
            raise InputError(f"{o} cannot be given here: {RESERVED[key]}")
    vary = parse_vary(cfg.vary)
    if vary is not None:
        key = vary.key
        clash = [o for o in market if _key_of(o) == key]
        if clash:
            raise InputError(f"{clash[0]} cannot be given here: {key} is the varied key")


def preflight(argv: Sequence[str]) -> str | None:
    """Check the command line before Hydra creates any folder.

    Composes the ``compare`` config with the overrides, checks the policy names against the
    ``pricing`` options, the counts, ``vary`` and, through :func:`sim.preflight.check_overrides`,
    every market config the comparison would run (each policy, each varied value).

    Returns:
        A one-line error message, or None if everything is fine.
    """
    from sim.preflight import check_overrides

    if any(a in ("--help", "-h", "--hydra-help", "--info", "--cfg", "-c") for a in argv):
        return None
    if any(a in ("-m", "--multirun") for a in argv):
        return "-m/--multirun is not supported; the comparison sweeps policies, seeds and vary"
    overrides = [a for a in argv if not a.startswith("-") and "=" in a]
    try:
        OverridesParser.create().parse_overrides(overrides)
    except Exception as exc:  # Hydra's grammar errors come in several types
        return one_line(exc)
    compare_side, market = split_overrides(overrides)
    try:
        with hydra_context():
            cfg = compose(config_name="compare", overrides=compare_side)
            check_comparison(cfg, market)
    except InputError as exc:
        return str(exc)
    except Exception as exc:
        if any(_key_of(o).startswith("vary.") for o in compare_side):
            return f"{one_line(exc)}; write {VARY_SYNTAX}"
        return one_line(exc)
    vary = parse_vary(cfg.vary)
    for policy in cfg.policies:
        for value in vary.values if vary else [None]:
            trial = [*market, f"pricing={policy}", *vary_override(vary, value)]
            problem = check_overrides(trial, CONFIG_DIR)
            if problem:
                return problem
    try:
        with hydra_context():
            compose(config_name="compare", overrides=[*compare_side, *market])
    except Exception as exc:
        return one_line(exc)
    return None


# --------------------------------------------------------------------------- plan and runs


def plan_runs(
    cfg: DictConfig, market: Sequence[str], compare_side: Sequence[str] = ()
) -> list[RunTask]:
    """Compose the resolved config of every run (policies x vary values x seeds).

    Args:
        cfg: The composed ``compare`` config (policies, seeds, vary).
        market: Market overrides, applied to every run before ``pricing``, the varied key
            and ``seed``.
        compare_side: The comparison's own overrides (``policies``, ``+scenario``, ...): each
            run is composed from the ``compare`` config with them, then stripped of the
            comparison keys, so market values a scenario sets reach every run.

    Returns:
        The runs in plan order (policy, value, seed).
    """
    vary = parse_vary(cfg.vary)
    values = vary.values if vary is not None else [None]
    tasks = []
    with hydra_context():
        for pi, policy in enumerate(cfg.policies):
            for vi, value in enumerate(values):
                for seed in range(int(cfg.seeds)):
                    overrides = [
                        *compare_side,
                        *market,
                        f"pricing={policy}",
                        *vary_override(vary, value),
                        f"seed={seed}",
                    ]
                    run_cfg = compose(config_name="compare", overrides=overrides)
                    data = OmegaConf.to_container(run_cfg, resolve=True)
                    for key in ("hydra", *COMPARE_KEYS):
                        data.pop(key, None)
                    tasks.append(RunTask(str(policy), pi, value, vi, seed, data))
    return tasks


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
    from tqdm import tqdm

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
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
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
    kept = [a for a in argv if _key_of(a).split(".", 1)[0] != "hydra"]
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
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
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
        seeds=int(cfg.seeds),
        vary_key=vary_key,
        vary_values=_vary_column(vary_values) if vary_values else None,
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
    problem = preflight(sys.argv[1:])
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        sys.exit(2)
    _app()


if __name__ == "__main__":
    main()
