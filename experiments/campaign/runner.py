"""Running planned runs in a worker: simulate, summarise, catch failures.

What a worker returns is plain data (a :class:`RunResult` per run), so any executor (local
processes, Ray tasks, submitit jobs) can carry it back to the parent, which alone writes
the campaign's files. Nothing here draws or writes.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mechanisms.jit import LOADED_MIN_WORK, warm_up
from sim.cli.run_folder import run_summary
from sim.model import MarketModel

#: Summary fields that repeat a plan column (the plan's value is kept).
_PLAN_FIELDS = ("seed",)


@dataclass
class RunResult:
    """The outcome of one run: its metrics or its error, and what the campaign keeps."""

    index: int
    run_id: str
    status: str
    metrics: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    traceback: str | None = None
    #: Seconds building and running the model (the simulation itself).
    runtime_s: float = 0.0
    #: Seconds computing the metrics and tables after it (overhead, not in the dataset).
    summarise_s: float = 0.0
    timeseries: pd.DataFrame | None = None
    deals: pd.DataFrame | None = None
    sellers: pd.DataFrame | None = None


#: The per-run tables a campaign can keep, by name (``KeepSpec``'s flags).
FRAMES: dict[str, Callable[[MarketModel], pd.DataFrame]] = {
    "timeseries": MarketModel.timeseries_frame,
    "deals": MarketModel.deals_frame,
    "sellers": MarketModel.sellers_frame,
}


def run_metrics(model: MarketModel) -> dict[str, Any]:
    """The run's summary metrics plus each pricing policy's total profit (``profit.NAME``)."""
    summary = run_summary(model)
    metrics = {k: v for k, v in summary.items() if k not in _PLAN_FIELDS}
    sellers = model.sellers_frame()
    if len(sellers):
        by_policy = sellers.groupby("policy", sort=True)["profit"].sum()
        metrics |= {f"profit.{name}": float(v) for name, v in by_policy.items()}
    return metrics


def simulate(config: Mapping[str, Any]) -> MarketModel:
    """Build and run the model of a resolved run config."""
    model = MarketModel.from_config(dict(config))
    model.run()
    return model


def run_config(config: Mapping[str, Any]) -> tuple[MarketModel, dict[str, Any]]:
    """Build and run the model of a resolved run config; returns it and its metrics."""
    model = simulate(config)
    return model, run_metrics(model)


def run_task(
    index: int,
    run_id: str,
    config: Mapping[str, Any],
    *,
    keep: Sequence[str] = ("timeseries",),
) -> RunResult:
    """Run one config; an exception becomes a ``failed`` result with its traceback.

    ``keep`` names the per-run tables to return besides the metrics (of :data:`FRAMES`).
    """
    t0 = time.perf_counter()
    try:
        model = simulate(config)
        runtime = time.perf_counter() - t0
        metrics = run_metrics(model)
    except Exception as exc:
        first_line = (str(exc).strip().splitlines() or [""])[0]
        return RunResult(
            index,
            run_id,
            "failed",
            error=f"{type(exc).__name__}: {first_line}",
            traceback=traceback.format_exc(),
            runtime_s=time.perf_counter() - t0,
        )
    result = RunResult(
        index,
        run_id,
        "ok",
        metrics=metrics,
        runtime_s=runtime,
        **{name: FRAMES[name](model) for name in keep},
    )
    result.summarise_s = time.perf_counter() - t0 - runtime
    return result


def _customers(config: Mapping[str, Any]) -> int:
    """``customers.n`` of a run's config (0 where it is not a number)."""
    n = (config.get("customers") or {}).get("n", 0)
    return n if isinstance(n, int) else 0


def run_batch(
    batch: Sequence[tuple[int, str, Mapping[str, Any]]],
    keep: Sequence[str] = ("timeseries",),
) -> list[RunResult]:
    """Run a batch of ``(index, run_id, config)`` in order (one task of an executor).

    A worker that runs several markets large enough for the kernels once loaded (from
    :data:`mechanisms.jit.LOADED_MIN_WORK` customers) loads them first
    (:func:`mechanisms.jit.warm_up`, once per process): numba's start-up then pays off.
    Below that size the numpy paths are faster, so nothing is loaded. Results are the same
    either way.
    """
    if len(batch) > 1 and any(_customers(cfg) >= LOADED_MIN_WORK for _, _, cfg in batch):
        warm_up()
    return [run_task(i, rid, cfg, keep=keep) for i, rid, cfg in batch]
