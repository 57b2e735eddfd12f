"""The metrics the comparison report compares, and how the runs table is cut for them.

Each :class:`Metric` is a column of the runs table (one row per run). A comparison's runs
form a grid: every policy at every grid point (one value per varied key) on the same seeds.
:func:`grid_points` lists the points, :func:`at_point` selects one, :func:`paired_samples`
lines a point's runs up by seed and :func:`marginal_samples` averages over the other keys,
for the paired tests of :mod:`experiments.stats`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np
import pandas as pd

LEVEL = 0.95
"""Confidence level of the intervals (and of the paired differences)."""

ALPHA = 0.05
"""A difference is clear when its Holm-adjusted p-value is below this."""

Point = dict[str, Any]
"""A grid point: varied key -> value (empty without a vary grid)."""


@dataclass(frozen=True)
class Metric:
    """A run-level figure compared across policies.

    ``unit`` is what the axis and table show: ``price units`` (money), ``%`` (a share in
    0..1, shown in percent), ``steps`` or a count noun. ``bounds`` is the metric's natural
    range (shares: 0..1), where displayed intervals are cut.
    """

    name: str
    label: str
    higher_is_better: bool = True
    note: str = ""
    unit: str = ""
    bounds: tuple[float, float] | None = None

    @property
    def range(self) -> tuple[float, float] | None:
        """The natural range of the metric's values (shares: 0..1), if it has one."""
        return self.bounds if self.bounds is not None else (0.0, 1.0) if self.unit == "%" else None


METRICS: tuple[Metric, ...] = (
    Metric(
        "seller_profit",
        "seller profit",
        note="sum over sellers of (price - cost) x units",
        unit="price units",
    ),
    Metric(
        "consumer_surplus",
        "consumer surplus",
        note="sum of (willingness to pay - price paid) x units, minus coordination costs",
        unit="price units",
    ),
    Metric("welfare", "welfare", note="consumer surplus + seller profit", unit="price units"),
    Metric("buyers_served_share", "share served", note="customers who bought", unit="%"),
    Metric(
        "mean_price",
        "mean price",
        higher_is_better=False,
        note="quantity-weighted mean unit price over all purchases (coalition and solo); "
        "lower is better for customers",
        unit="price units",
    ),
    Metric(
        "public_rating",
        "reputation",
        note="mean over sellers of the public rating (mean review score, shrunk toward 0 "
        "while reviews are few) at the last step (community on)",
        unit="score, -1 to 1",
        bounds=(-1.0, 1.0),
    ),
    Metric(
        "peak_boycott_share",
        "peak boycott",
        higher_is_better=False,
        note="highest share of a seller's customers boycotting it at any step (community on)",
        unit="%",
    ),
    Metric(
        "mean_price_coalition",
        "mean price paid by coalition members",
        higher_is_better=False,
        note="quantity-weighted mean unit price of coalition purchases",
        unit="price units",
    ),
    Metric(
        "coalition_buyers_share",
        "coalition share of purchases",
        note="share of purchases made by coalition members",
        unit="%",
    ),
    Metric(
        "mean_coalition_size",
        "mean size of buying coalitions",
        note="members served per coalition that bought",
        unit="members",
    ),
    Metric(
        "coalition_time_to_buy",
        "steps from founding to purchase",
        higher_is_better=False,
        note="mean steps between a coalition's founding and its purchase",
        unit="steps",
    ),
    Metric(
        "coalition_success_rate",
        "coalition success rate",
        note="coalitions (pledge campaigns, threshold deals) that bought, out of those closed",
        unit="%",
    ),
)
"""Metrics of the report, in order (the decision metrics first)."""

DECISION_METRICS: tuple[str, ...] = (
    "seller_profit",
    "consumer_surplus",
    "welfare",
    "buyers_served_share",
    "mean_price",
    "public_rating",
    "peak_boycott_share",
)
"""The columns of the decision table (those present and not all NaN)."""

BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}


def present(runs: pd.DataFrame, names: Sequence[str] | None = None) -> list[Metric]:
    """The metrics (of ``names``, default all) that are columns of ``runs`` with a value."""
    wanted = [BY_NAME[n] for n in names] if names is not None else list(METRICS)
    return [m for m in wanted if m.name in runs and runs[m.name].notna().any()]


# --------------------------------------------------------------------------- the grid


def grid_points(runs: pd.DataFrame, vary: Mapping[str, Sequence[Any]] | None) -> list[Point]:
    """Every combination of the varied values in display order that has runs."""
    keys = [k for k in (vary or {}) if k in runs]
    if not keys:
        return [{}]
    points = [dict(zip(keys, combo, strict=True)) for combo in product(*(vary[k] for k in keys))]
    return [p for p in points if len(at_point(runs, p))]


def at_point(frame: pd.DataFrame, point: Point) -> pd.DataFrame:
    """The rows of ``frame`` at a grid point."""
    keep = np.ones(len(frame), dtype=bool)
    for key, value in point.items():
        keep &= (frame[key] == value).to_numpy()
    return frame[keep]


def point_label(point: Point) -> str:
    """``key=value, key=value`` (empty without a grid)."""
    return ", ".join(f"{k}={v}" for k, v in point.items())


def paired_samples(
    group: pd.DataFrame, metric: str, policies: Sequence[str], seeds: Sequence[int]
) -> dict[str, np.ndarray]:
    """Per policy, the metric on ``seeds`` (NaN where missing), aligned by seed."""
    out = {}
    for p in policies:
        rows = group[group["policy"] == p].groupby("seed")[metric].mean()
        out[p] = rows.reindex(list(seeds)).to_numpy(dtype=float)
    return out


def marginal_samples(
    runs: pd.DataFrame,
    metric: str,
    policy: str,
    key: str,
    values: Sequence[Any],
    seeds: Sequence[int],
) -> list[np.ndarray]:
    """Per value of ``key``, one policy's metric per seed averaged over the other varied keys.

    Averaging within a seed keeps the pairing: the same seed at two values of ``key`` still
    faces the same customers, so adjacent values can be tested pairwise.
    """
    sub = runs[runs["policy"] == policy]
    out = []
    for v in values:
        rows = sub[sub[key] == v].groupby("seed")[metric].mean()
        out.append(rows.reindex(list(seeds)).to_numpy(dtype=float))
    return out


def applicable(group: pd.DataFrame, metric: str, policies: Sequence[str]) -> list[str]:
    """The policies with at least one value of ``metric`` in ``group`` (NaN = does not apply)."""
    has = group.groupby("policy")[metric].apply(lambda s: bool(s.notna().any()))
    return [p for p in policies if bool(has.get(p, False))]
