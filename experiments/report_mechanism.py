"""The scenario's mechanism figure: the one picture that shows why the answer comes out so.

:data:`MECHANISMS` maps a scenario's ``report.mechanism`` to its figure:

- ``backlash``: customers newly outraged and customers boycotting per step, one column per
  policy, one line per value of the varied key.
- ``reviews``: the key time series with reviews off (``review_prob = 0``, dashed) and on
  (``> 0``, solid) overlaid.
- ``threshold_minimum``: metrics against the varied minimum quantity (log x), the best value
  marked.
- ``auction_pair``: first- minus second-price reverse auction, paired by seed, per varied
  value with its interval and a zero line.

Each figure returns its path, or None when the comparison lacks what it needs (no empty
figure is ever written).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import NullFormatter

from experiments.report_analysis import vary_response
from experiments.report_metrics import ALPHA, BY_NAME, LEVEL, paired_samples
from experiments.report_style import (
    axis_label,
    chunks,
    colour,
    grid,
    hide_unused,
    informative,
    legend_below,
    save,
    scale,
    smoothed,
    x_positions,
)
from experiments.stats import holm, paired_test

FIRST_PRICE, SECOND_PRICE = "reverse_auction_first", "reverse_auction"
"""The two auctions ``auction_pair`` compares (first minus second)."""

OUTCOMES = ("seller_profit", "consumer_surplus", "welfare", "mean_price")
"""Run metrics of the threshold and auction figures."""


@dataclass(frozen=True)
class Inputs:
    """What a mechanism figure may read."""

    runs: pd.DataFrame
    timeseries: pd.DataFrame
    policies: Sequence[str]
    seeds: Sequence[int]
    vary: Mapping[str, Sequence[Any]]


def _key(vary: Mapping[str, Sequence[Any]], hint: str) -> str | None:
    """The varied key whose name contains ``hint``, else the first varied key."""
    keys = list(vary)
    return next((k for k in keys if hint in k), keys[0] if keys else None)


def backlash(data: Inputs, path: Path) -> Path | None:
    """Customers newly outraged and boycotting per step, per policy that caused any, and value."""
    ts, key = data.timeseries, _key(data.vary, "visibility")
    rows = [c for c in ("outrage_new", "boycotting_customers") if c in ts and informative(ts[c])]
    if not rows or key is None:
        return None
    values = list(data.vary[key])
    # A policy that caused no backlash at all gets no panel (the caption says so).
    hit = [p for p in data.policies if informative(ts.loc[ts["policy"] == p, rows].to_numpy())]
    panels = [(p, g) for p in hit for g in chunks(values)]
    fig, axes = grid(len(rows), len(panels), width=4.4)
    labels = {
        "outrage_new": "customers newly outraged",
        "boycotting_customers": "customers boycotting",
    }
    for j, (p, group) in enumerate(panels):
        for r, col in enumerate(rows):
            ax = axes[r, j]
            for i, v in enumerate(group):
                part = ts[(ts["policy"] == p) & (ts[key] == v)]
                smoothed(ax, part.groupby("step")[col].mean(), color=colour(i))
            ax.set(xlabel="step", ylabel=f"{labels[col]} per step", title=p if r == 0 else "")
            ax.grid(alpha=0.3)
    group = chunks(values)[0]
    legend_below(
        fig,
        [Line2D([], [], color=colour(i)) for i in range(len(group))],
        [str(v) for v in group],
        title=key,
    )
    calm = [p for p in data.policies if p not in hit]
    note = f"; no backlash under {', '.join(calm)}" if calm else ""
    fig.suptitle(f"Backlash over time (mean over seeds, rolling mean; raw faint){note}")
    return save(fig, path)


def reviews(data: Inputs, path: Path) -> Path | None:
    """Key time series with reviews off (dashed) and on (solid), per policy."""
    ts, key = data.timeseries, _key(data.vary, "review_prob")
    if key is None or key not in ts:
        return None
    off, on = ts[ts[key] == 0], ts[ts[key] > 0]
    cols = [
        c
        for c in (
            "seller_profit",
            "consumer_surplus",
            "units_sold",
            "reviews",
            "boycotting_customers",
            "loyalty",
        )
        if c in ts and informative(ts[c])
    ]
    if off.empty or on.empty or not cols:
        return None
    policies = chunks(data.policies)[0]
    fig, axes = grid(math.ceil(len(cols) / 3), min(3, len(cols)))
    hide_unused(axes, len(cols))
    for ax, col in zip(axes.flat, cols, strict=False):
        for i, p in enumerate(policies):
            for part, ls in ((off, "--"), (on, "-")):
                by_step = part[part["policy"] == p].groupby("step")[col].mean()
                smoothed(ax, by_step, color=colour(i), ls=ls)
        unit = " (price units)" if col in ("seller_profit", "consumer_surplus") else ""
        ax.set(
            xlabel="step",
            ylabel=col.replace("_", " ") + unit + " per step",
            title=col.replace("_", " "),
        )
        ax.grid(alpha=0.3)
    handles = [Line2D([], [], color=colour(i)) for i in range(len(policies))]
    handles += [Line2D([], [], color="grey", ls="--"), Line2D([], [], color="grey")]
    legend_below(fig, handles, [*policies, f"{key} = 0 (no reviews)", f"{key} > 0"])
    fig.suptitle("With and without reviews (mean over seeds, rolling mean; raw faint)")
    return save(fig, path)


def threshold_minimum(data: Inputs, path: Path) -> Path | None:
    """Metrics against the minimum quantity (log x), the best value of each line starred."""
    key = _key(data.vary, "min_quantity")
    if key is None:
        return None
    names = ["coalition_success_rate", *OUTCOMES]
    responses = [
        r
        for n in names
        if n in data.runs
        if (
            r := vary_response(
                data.runs, key, data.vary[key], BY_NAME[n], data.policies, data.seeds
            )
        )
        is not None
        and informative([c.mean for t in r.trends for c in t.cis])
    ]
    if not responses:
        return None
    fig, axes = grid(math.ceil(len(responses) / 3), min(3, len(responses)))
    hide_unused(axes, len(responses))
    for ax, r in zip(axes.flat, responses, strict=False):
        x, numeric = x_positions(r.values)
        k = scale(r.metric)
        for i, t in enumerate(chunks(r.trends)[0]):
            mean = k * np.array([c.mean for c in t.cis])
            ax.plot(x, mean, marker="o", color=colour(i))
            ax.fill_between(
                x,
                k * np.array([c.low for c in t.cis]),
                k * np.array([c.high for c in t.cis]),
                color=colour(i),
                alpha=0.18,
            )
            best = np.nanargmax(mean) if r.metric.higher_is_better else np.nanargmin(mean)
            ax.plot(x[best], mean[best], "*", ms=16, color=colour(i), mec="black")
        if numeric and np.all(x > 0):
            ax.set_xscale("log")
        ax.set_xticks(x, [str(v) for v in r.values])
        # Only the varied values are labelled (no log-scale minor labels beside them).
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set(xlabel=f"{key} (log scale)", ylabel=axis_label(r.metric), title=r.metric.label)
        ax.grid(alpha=0.3)
    legend_below(
        fig,
        [Line2D([], [], color=colour(i), marker="o") for i in range(len(responses[0].trends[:7]))]
        + [Line2D([], [], marker="*", ls="", color="grey", mec="black", ms=12)],
        [t.policy for t in responses[0].trends[:7]] + ["best value"],
    )
    fig.suptitle(f"Threshold deals against the minimum quantity (mean, {LEVEL:.0%} interval)")
    return save(fig, path)


def auction_pair(data: Inputs, path: Path) -> Path | None:
    """First- minus second-price auction per varied value, paired by seed, with a zero line."""
    key = _key(data.vary, "sellers")
    if {FIRST_PRICE, SECOND_PRICE} - set(data.policies) or key is None:
        return None
    values = list(data.vary[key])
    metrics = [BY_NAME[n] for n in OUTCOMES if n in data.runs and informative(data.runs[n])]
    if not metrics:
        return None
    fig, axes = grid(1, len(metrics), width=4.2)
    x, numeric = x_positions(values)
    for ax, m in zip(axes.flat, metrics, strict=False):
        tests = []
        for v in values:
            s = paired_samples(
                data.runs[data.runs[key] == v], m.name, [FIRST_PRICE, SECOND_PRICE], data.seeds
            )
            tests.append(paired_test(s[FIRST_PRICE], s[SECOND_PRICE], LEVEL))
        adjusted = holm([t.p for t in tests])
        k = scale(m)
        for xi, t, p in zip(x, tests, adjusted, strict=True):
            clear = math.isfinite(p) and p < ALPHA
            err = np.nan_to_num([[k * (t.diff - t.low)], [k * (t.high - t.diff)]])
            ax.errorbar(xi, k * t.diff, yerr=err, fmt="none", ecolor="tab:blue", capsize=4)
            ax.plot(
                xi, k * t.diff, "o", ms=8, color="tab:blue", mfc="tab:blue" if clear else "white"
            )
        ax.axhline(0, color="black", lw=1)
        if not numeric:
            ax.set_xticks(x, [str(v) for v in values])
        ax.set(xlabel=key, ylabel=axis_label(m, difference=True), title=m.label)
        ax.grid(alpha=0.3)
    legend_below(
        fig,
        [
            Line2D([], [], marker="o", ls="", color="tab:blue"),
            Line2D([], [], marker="o", ls="", color="tab:blue", mfc="white"),
        ],
        ["clear difference (Holm across values)", "not clear"],
    )
    fig.suptitle(f"First-price minus second-price auction, paired by seed ({LEVEL:.0%} interval)")
    return save(fig, path)


MECHANISMS: dict[str, Callable[[Inputs, Path], Path | None]] = {
    "backlash": backlash,
    "reviews": reviews,
    "threshold_minimum": threshold_minimum,
    "auction_pair": auction_pair,
}
"""Mechanism kind (``report.mechanism``) -> its figure."""

CAPTIONS: dict[str, str] = {
    "backlash": "Outrage cascades and boycotts over time, per policy and varied value.",
    "reviews": "The main time series with reviews off (dashed) and on (solid).",
    "threshold_minimum": "Outcomes against the minimum quantity (log scale); the star marks "
    "each line's best value.",
    "auction_pair": "First-price minus second-price reverse auction, paired by seed; filled "
    "markers are clear differences, the zero line is revenue equivalence.",
}
