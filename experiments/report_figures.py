"""The comparison report's figures (PNG, drawn with matplotlib on the Agg backend).

:data:`FIGURES` are drawn for every report with figures: the metrics with their confidence
intervals, the unit price paid over time and profit against surplus per run.
:func:`seller_trajectories_figure` (:data:`SELLER_FIGURE`) is added when sellers of several
policies share a market. Every file is written atomically.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from experiments.report_metrics import LEVEL, METRICS
from experiments.stats import all_numbers
from sim.results.io import atomic_write

matplotlib.use("Agg")

FIGURES = ("metrics_by_policy.png", "price_over_time.png", "profit_vs_surplus.png")
"""The figures of every report with figures, in the order they are drawn."""

SELLER_FIGURE = "seller_trajectories.png"
"""Market share and cumulative profit by seller policy, for markets with mixed sellers."""


def _colour(i: int, n: int = 10) -> Any:
    """Colour of the ``i``-th of ``n`` policies (tab10, tab20 beyond ten policies)."""
    return plt.get_cmap("tab10")(i % 10) if n <= 10 else plt.get_cmap("tab20")(i % 20)


def _save(fig: Any, path: Path, dpi: int = 110) -> None:
    """Write ``fig`` to ``path`` as PNG (atomically) and close it."""
    atomic_write(path, lambda p: fig.savefig(p, format="png", dpi=dpi))
    plt.close(fig)


def _x_positions(values: Sequence[Any]) -> tuple[np.ndarray, bool]:
    numeric = all_numbers(values)
    return (np.asarray(values, dtype=float) if numeric else np.arange(len(values))), numeric


def metrics_figure(
    tables: dict[str, pd.DataFrame],
    policies: Sequence[str],
    path: Path,
    vary_key: str | None = None,
    vary_values: Sequence[Any] | None = None,
) -> None:
    """One panel per metric: mean and 95% CI per policy (vs the varied value with CI bands)."""
    metrics = [m for m in METRICS if m.name in tables]
    cols = 3
    rows = max(1, math.ceil(len(metrics) / cols))
    width = max(4.6, 0.5 * len(policies)) if not vary_key else 4.6
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, 3.8 * rows), squeeze=False)
    for ax in axes.flat[len(metrics) :]:
        ax.set_visible(False)
    for ax, m in zip(axes.flat, metrics, strict=False):
        t = tables[m.name]
        if vary_key:
            x, numeric = _x_positions(list(vary_values or []))
            for i, p in enumerate(policies):
                sub = t[t["policy"] == p].set_index(vary_key).reindex(list(vary_values or []))
                c = _colour(i, len(policies))
                ax.plot(x, sub["mean"], marker="o", color=c, label=p)
                ax.fill_between(x, sub["ci_low"], sub["ci_high"], color=c, alpha=0.2, lw=0)
            ax.set_xlabel(vary_key)
            if not numeric:
                ax.set_xticks(x, [str(v) for v in vary_values or []])
        else:
            sub = t.set_index("policy").reindex(list(policies))
            x = np.arange(len(policies))
            err = np.vstack([sub["mean"] - sub["ci_low"], sub["ci_high"] - sub["mean"]])
            for i in range(len(policies)):
                ax.errorbar(
                    x[i],
                    sub["mean"].iloc[i],
                    yerr=np.nan_to_num(err[:, i : i + 1]),
                    fmt="o",
                    capsize=5,
                    color=_colour(i, len(policies)),
                )
            ax.set_xticks(x, list(policies), rotation=20 if len(policies) <= 4 else 40, ha="right")
            ax.set_xlim(-0.6, len(policies) - 0.4)
        ax.set_title(m.label + (" (lower is better)" if not m.higher_is_better else ""))
        ax.grid(alpha=0.3)
    if vary_key and metrics:
        axes.flat[0].legend(fontsize=8)
    fig.suptitle(f"Mean and {LEVEL:.0%} confidence interval over seeds")
    fig.tight_layout()
    _save(fig, path)


def price_figure(
    timeseries: pd.DataFrame,
    policies: Sequence[str],
    path: Path,
    vary_key: str | None = None,
    vary_values: Sequence[Any] | None = None,
) -> None:
    """Mean unit price paid per step and policy (mean over seeds): coalition and solo lines."""
    values = list(vary_values or []) if vary_key else [None]
    cols = min(len(values), 3)
    rows = math.ceil(len(values) / cols)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(6 * cols + 2, 3.8 * rows),
        squeeze=False,
        sharey=True,
        layout="constrained",
    )
    for ax in axes.flat[len(values) :]:
        ax.set_visible(False)
    for ax, value in zip(axes.flat, values, strict=False):
        ts = timeseries if value is None else timeseries[timeseries[vary_key] == value]
        for i, p in enumerate(policies):
            by_step = (
                ts[ts["policy"] == p]
                .groupby("step")[["mean_price_coalition", "mean_price_solo"]]
                .mean()
            )
            c = _colour(i, len(policies))
            ax.plot(by_step.index, by_step["mean_price_coalition"], color=c)
            ax.plot(by_step.index, by_step["mean_price_solo"], color=c, ls="--")
        ax.set_xlabel("step")
        ax.set_ylabel("mean unit price paid")
        if value is not None:
            ax.set_title(f"{vary_key} = {value}")
        ax.grid(alpha=0.3)
    handles = [Line2D([], [], color=_colour(i, len(policies))) for i in range(len(policies))]
    handles += [Line2D([], [], color="grey"), Line2D([], [], color="grey", ls="--")]
    fig.legend(
        handles,
        [*policies, "coalition members", "solo buyers"],
        loc="outside right upper",
        fontsize=8,
    )
    fig.suptitle("Unit price paid per step (mean over seeds)")
    _save(fig, path)


def scatter_figure(
    runs: pd.DataFrame,
    policies: Sequence[str],
    path: Path,
    vary_key: str | None = None,
    vary_values: Sequence[Any] | None = None,
) -> None:
    """Seller profit against consumer surplus, one point per run, coloured by policy."""
    markers = "osD^v<>Pph*X"
    fig, ax = plt.subplots(figsize=(9, 5.5), layout="constrained")
    values = list(vary_values or []) if vary_key else [None]
    for i, p in enumerate(policies):
        for j, value in enumerate(values):
            sub = runs[runs["policy"] == p]
            if value is not None:
                sub = sub[sub[vary_key] == value]
            label = p if value is None else f"{p}, {vary_key}={value}"
            ax.scatter(
                sub["consumer_surplus"],
                sub["seller_profit"],
                color=_colour(i, len(policies)),
                marker=markers[j % len(markers)],
                alpha=0.75,
                label=label,
            )
    ax.set_xlabel("consumer surplus")
    ax.set_ylabel("seller profit")
    ax.set_title("One point per run")
    ax.grid(alpha=0.3)
    fig.legend(loc="outside right upper", fontsize=7)
    _save(fig, path)


def seller_trajectories_figure(
    sellers: pd.DataFrame,
    path: Path,
    vary_key: str | None = None,
    vary_values: Sequence[Any] | None = None,
) -> Path:
    """Market share and cumulative profit over time, by the sellers' own policy.

    One column per varied value (or one column); lines per seller policy, averaged over
    seeds (shares summed over the sellers of a policy within a run first).
    """
    values = list(vary_values) if vary_key and vary_values is not None else [None]
    fig, axes = plt.subplots(
        2, len(values), figsize=(5 * len(values), 7), squeeze=False, constrained_layout=True
    )
    keys = ["policy_run", "seed", "step", "policy"] + ([vary_key] if vary_key else [])
    per = sellers.groupby(keys, dropna=False)[["market_share", "profit"]].sum().reset_index()
    for j, value in enumerate(values):
        part = per if value is None else per[per[vary_key] == value]
        for name, grp in part.groupby("policy"):
            share = grp.groupby("step")["market_share"].mean().rolling(5, min_periods=1).mean()
            profit = grp.sort_values("step").groupby(["policy_run", "seed"])["profit"].cumsum()
            cum = profit.groupby(grp.sort_values("step")["step"]).mean()
            axes[0, j].plot(share.index, share.to_numpy(), label=str(name))
            axes[1, j].plot(cum.index, cum.to_numpy(), label=str(name))
        head = "" if value is None else f"{vary_key} = {value}"
        axes[0, j].set(title=head, ylabel="market share (units)", xlabel="step")
        axes[1, j].set(ylabel="cumulative profit", xlabel="step")
        for ax in axes[:, j]:
            ax.grid(alpha=0.3)
            ax.legend(frameon=False, fontsize=8)
    _save(fig, path, dpi=90)
    return path
