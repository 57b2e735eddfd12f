"""The comparison report's figures (PNG, matplotlib, the conventions of report_style).

Main figures: :func:`differences_figure` (each policy minus the baseline with its interval
and verdict) and :func:`trend_figure` (a metric against one varied key). Secondary:
:func:`seeds_figure` (every run and the mean per policy), :func:`price_figure` (smoothed
unit price per step), :func:`scatter_figure` (profit against surplus) and
:func:`seller_trajectories_figure` (sellers of several policies in one market). Each returns
the path written, or None when it would have nothing to show.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from experiments.report_analysis import Difference, Response
from experiments.report_metrics import LEVEL, Metric, Point, at_point, point_label
from experiments.report_style import (
    axis_label,
    chunks,
    colour,
    grid,
    hide_unused,
    informative,
    legend_below,
    point_ticks,
    save,
    scale,
    smoothed,
    x_positions,
)


def differences_figure(
    diffs: Sequence[Difference],
    metrics: Sequence[Metric],
    points: Sequence[Point],
    baseline: str,
    path: Path,
) -> Path | None:
    """One panel per metric: ``policy - baseline`` and its interval, per policy (and point).

    Filled markers are clear differences (Holm-adjusted p below 0.05), hollow ones are not;
    the zero line is the baseline. With a grid the x axis is the grid point and each policy
    is a colour (at most seven per panel; more policies get more panels).
    """
    shown = [m for m in metrics if any(d.metric == m.name for d in diffs)]
    if not shown:
        return None
    policies = list(dict.fromkeys(d.policy for d in diffs))
    groups = chunks(policies) if len(points) > 1 else [policies]
    panels = [(m, g) for m in shown for g in groups]
    cols = min(3, len(panels))
    fig, axes = grid(math.ceil(len(panels) / cols), cols, width=5.0)
    hide_unused(axes, len(panels))
    for ax, (m, group) in zip(axes.flat, panels, strict=False):
        k = scale(m)
        for j, p in enumerate(group):
            c = colour(j) if len(points) > 1 else "tab:blue"
            for i, pt in enumerate(points):
                r = next(
                    (d.result for d in diffs if (d.metric, d.policy, d.point) == (m.name, p, pt)),
                    None,
                )
                if r is None:
                    continue
                # Policies side by side within a grid point; one policy per tick without a grid.
                x = (
                    i + (j - (len(group) - 1) / 2) * 0.8 / len(group)
                    if len(points) > 1
                    else policies.index(p)
                )
                err = np.nan_to_num([[k * (r.diff - r.low)], [k * (r.high - r.diff)]])
                ax.errorbar(x, k * r.diff, yerr=err, fmt="none", ecolor=c, capsize=4)
                ax.plot(x, k * r.diff, "o", ms=8, color=c, mfc=c if r.clear else "white")
        ax.axhline(0, color="black", lw=1)
        if len(points) > 1:
            point_ticks(ax, points)
        else:
            ax.set_xticks(range(len(policies)), policies, rotation=30, ha="right")
        ax.set_ylabel(axis_label(m, difference=True), fontsize=9)
        ax.set_title(m.label + (" (lower is better)" if not m.higher_is_better else ""))
        ax.grid(alpha=0.3, axis="y")
    handles = [
        Line2D([], [], marker="o", ls="", color="grey"),
        Line2D([], [], marker="o", ls="", color="grey", mfc="white"),
    ]
    labels = ["clear difference (Holm)", "not clear"]
    if len(points) > 1:
        handles += [Line2D([], [], color=colour(j)) for j in range(len(groups[0]))]
        labels += groups[0]
    legend_below(fig, handles, labels)
    fig.suptitle(f"Difference from {baseline}, paired by seed, with {LEVEL:.0%} interval")
    return save(fig, path)


def trend_figure(responses: Sequence[Response], path: Path, log_x: bool = False) -> Path | None:
    """One panel per metric: mean and interval at each value of one varied key, per policy."""
    shown = [r for r in responses if informative([c.mean for t in r.trends for c in t.cis])]
    if not shown:
        return None
    panels = [(r, g) for r in shown for g in chunks(r.trends)]
    cols = min(3, len(panels))
    fig, axes = grid(math.ceil(len(panels) / cols), cols)
    hide_unused(axes, len(panels))
    names: dict[str, Any] = {}
    for ax, (r, group) in zip(axes.flat, panels, strict=False):
        x, numeric = x_positions(r.values)
        k = scale(r.metric)
        for j, t in enumerate(group):
            mean = k * np.array([c.mean for c in t.cis])
            low = k * np.array([c.low for c in t.cis])
            high = k * np.array([c.high for c in t.cis])
            ax.plot(x, mean, marker="o", color=colour(j))
            ax.fill_between(x, low, high, color=colour(j), alpha=0.18, lw=0)
            names.setdefault(t.policy, Line2D([], [], color=colour(j), marker="o"))
        if log_x and numeric and np.all(x > 0):
            ax.set_xscale("log")
            ax.set_xticks(x, [str(v) for v in r.values])
        elif not numeric:
            ax.set_xticks(x, [str(v) for v in r.values])
        ax.set_xlabel(r.key)
        ax.set_ylabel(axis_label(r.metric), fontsize=9)
        ax.set_title(r.metric.label)
        ax.grid(alpha=0.3)
    legend_below(fig, list(names.values()), list(names))
    fig.suptitle(f"Mean and {LEVEL:.0%} interval over seeds against {shown[0].key}")
    return save(fig, path)


def seeds_figure(
    runs: pd.DataFrame,
    metrics: Sequence[Metric],
    policies: Sequence[str],
    points: Sequence[Point],
    path: Path,
) -> Path | None:
    """Secondary: every run (faint dot) and the mean with its interval, per policy and point."""
    shown = [m for m in metrics if informative(runs[m.name])]
    if not shown:
        return None
    groups = chunks(points)
    panels = [(m, g) for m in shown for g in groups]
    cols = min(3, len(panels))
    fig, axes = grid(math.ceil(len(panels) / cols), cols, width=max(4.6, 0.6 * len(policies)))
    hide_unused(axes, len(panels))
    for ax, (m, group) in zip(axes.flat, panels, strict=False):
        k = scale(m)
        for j, pt in enumerate(group):
            sub = at_point(runs, pt)
            offset = (j - (len(group) - 1) / 2) * 0.7 / len(group)
            for i, p in enumerate(policies):
                y = k * sub.loc[sub["policy"] == p, m.name].dropna().to_numpy()
                if not len(y):
                    continue
                ax.plot(np.full(len(y), i + offset), y, ".", color=colour(j), alpha=0.3)
                half = (np.std(y, ddof=1) / math.sqrt(len(y))) * 2 if len(y) > 1 else 0.0
                ax.errorbar(i + offset, y.mean(), yerr=half, fmt="o", color=colour(j), capsize=3)
        ax.set_xticks(range(len(policies)), policies, rotation=30, ha="right")
        ax.set_ylabel(axis_label(m), fontsize=9)
        ax.set_title(m.label)
        ax.grid(alpha=0.3, axis="y")
    if len(points) > 1:
        legend_below(
            fig,
            [Line2D([], [], color=colour(j), marker="o") for j in range(len(groups[0]))],
            [point_label(pt) for pt in groups[0]],
        )
    fig.suptitle("Every run (dots) and the mean with about two standard errors")
    return save(fig, path)


def _first_key_slices(
    frame: pd.DataFrame, key: str | None, values: Sequence[Any]
) -> list[tuple[str, pd.DataFrame]]:
    if key is None:
        return [("", frame)]
    return [(f"{key} = {v}", frame[frame[key] == v]) for v in values]


def price_figure(
    timeseries: pd.DataFrame,
    policies: Sequence[str],
    path: Path,
    key: str | None = None,
    values: Sequence[Any] = (),
) -> Path | None:
    """Secondary: unit price per step (mean over seeds, smoothed), coalition and solo buyers.

    One panel per value of the first varied key (averaged over the other keys) and group of
    at most seven policies.
    """
    cols_needed = ["mean_price_coalition", "mean_price_solo"]
    if not informative(timeseries.reindex(columns=cols_needed).to_numpy().ravel()):
        return None
    panels = [
        (label, part, g)
        for label, part in _first_key_slices(timeseries, key, values)
        for g in chunks(policies)
    ]
    cols = min(3, len(panels))
    fig, axes = grid(math.ceil(len(panels) / cols), cols, width=5.2)
    hide_unused(axes, len(panels))
    for ax, (label, part, group) in zip(axes.flat, panels, strict=False):
        for j, p in enumerate(group):
            by_step = part[part["policy"] == p].groupby("step")[cols_needed].mean()
            smoothed(ax, by_step["mean_price_coalition"], color=colour(j))
            smoothed(ax, by_step["mean_price_solo"], color=colour(j), ls="--")
        ax.set(xlabel="step", ylabel="unit price paid (price units)", title=label)
        ax.grid(alpha=0.3)
    handles = [Line2D([], [], color=colour(j)) for j in range(min(len(policies), 7))]
    handles += [Line2D([], [], color="grey"), Line2D([], [], color="grey", ls="--")]
    legend_below(fig, handles, [*list(policies)[:7], "coalition members", "solo buyers"])
    fig.suptitle(f"Unit price paid per step (mean over seeds, {7}-step rolling mean)")
    return save(fig, path)


def scatter_figure(
    runs: pd.DataFrame,
    policies: Sequence[str],
    path: Path,
    key: str | None = None,
    values: Sequence[Any] = (),
) -> Path | None:
    """Secondary: seller profit against consumer surplus, one point per run.

    Colour is the policy (the eighth and later are grey, "other"); the marker shape is the
    value of the first varied key.
    """
    if not {"seller_profit", "consumer_surplus"} <= set(runs):
        return None
    markers = "osD^v<>Pph*X"
    fig, ax = grid(1, 1, width=8.0, height=5.0)
    ax = ax[0, 0]
    for i, p in enumerate(policies):
        for j, (_, part) in enumerate(_first_key_slices(runs, key, values)):
            sub = part[part["policy"] == p]
            c = colour(i) if i < 7 else "grey"
            ax.scatter(
                sub["consumer_surplus"],
                sub["seller_profit"],
                color=c,
                marker=markers[j % len(markers)],
                alpha=0.7,
            )
    ax.set(
        xlabel="consumer surplus (price units)",
        ylabel="seller profit (price units)",
        title="One point per run",
    )
    ax.grid(alpha=0.3)
    handles = [
        Line2D([], [], color=colour(i), marker="o", ls="") for i in range(min(7, len(policies)))
    ]
    labels = list(policies)[:7] + (["other"] if len(policies) > 7 else [])
    if len(policies) > 7:
        handles.append(Line2D([], [], color="grey", marker="o", ls=""))
    if key is not None:
        handles += [
            Line2D([], [], color="black", marker=markers[j % len(markers)], ls="")
            for j in range(len(values))
        ]
        labels += [f"{key}={v}" for v in values]
    legend_below(fig, handles, labels)
    return save(fig, path)


def seller_trajectories_figure(
    sellers: pd.DataFrame,
    path: Path,
    key: str | None = None,
    values: Sequence[Any] = (),
) -> Path:
    """Market share and cumulative profit over time, by the sellers' own policy.

    One column per value of the first varied key (or one column); lines per seller policy,
    averaged over seeds (shares summed over the sellers of a policy within a run first).
    """
    slices = [None] if key is None else list(values)
    fig, axes = grid(2, len(slices), width=5.0)
    keys = ["policy_run", "seed", "step", "policy"] + ([key] if key else [])
    per = sellers.groupby(keys, dropna=False)[["market_share", "profit"]].sum().reset_index()
    names: dict[str, Any] = {}
    for j, value in enumerate(slices):
        part = per if value is None else per[per[key] == value]
        for i, (name, grp) in enumerate(part.groupby("policy")):
            c = colour(i) if i < 7 else "grey"
            share = grp.groupby("step")["market_share"].mean()
            smoothed(axes[0, j], 100 * share, color=c)
            ordered = grp.sort_values("step")
            cum = ordered.groupby(["policy_run", "seed"])["profit"].cumsum()
            mean_cum = cum.groupby(ordered["step"]).mean()
            axes[1, j].plot(mean_cum.index, mean_cum.to_numpy(), color=c)
            names.setdefault(str(name) if i < 7 else "other", Line2D([], [], color=c))
        head = "" if value is None else f"{key} = {value}"
        axes[0, j].set(title=head, ylabel="market share (%)", xlabel="step")
        axes[1, j].set(ylabel="cumulative profit (price units)", xlabel="step")
        for ax in axes[:, j]:
            ax.grid(alpha=0.3)
    legend_below(fig, list(names.values()), list(names))
    return save(fig, path, dpi=90)
