"""The metrics the comparison report compares, and their per-policy tables.

Each :class:`Metric` is a column of the runs table (one row per run). :func:`metric_table`
gives per policy (and varied value) its mean over seeds, the confidence interval and the
rank; :func:`paired_samples` lines the runs up by seed for the paired tests of
:mod:`experiments.stats`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from experiments.stats import mean_ci, rank

LEVEL = 0.95
"""Confidence level of the intervals (and of the paired differences)."""

ALPHA = 0.05
"""A difference is clear when its Holm-adjusted p-value is below this."""


@dataclass(frozen=True)
class Metric:
    """A run-level figure compared across policies."""

    name: str
    label: str
    higher_is_better: bool = True
    note: str = ""


METRICS: tuple[Metric, ...] = (
    Metric("seller_profit", "seller profit", note="sum over sellers of (price - cost) x units"),
    Metric(
        "consumer_surplus",
        "consumer surplus",
        note="sum of (willingness to pay - price paid) x units, minus coordination costs",
    ),
    Metric("welfare", "welfare", note="consumer surplus + seller profit"),
    Metric("buyers_served_share", "share of customers served", note="customers who bought"),
    Metric(
        "mean_price",
        "mean price paid",
        higher_is_better=False,
        note="quantity-weighted mean unit price over all purchases (coalition and solo), "
        "from the run's deal log; lower is better for customers",
    ),
    Metric(
        "mean_price_coalition",
        "mean price paid by coalition members",
        higher_is_better=False,
        note="quantity-weighted mean unit price of coalition purchases (runs without any "
        "coalition purchase are left out)",
    ),
    Metric(
        "coalition_buyers_share",
        "coalition share of purchases",
        note="share of purchases made by coalition members",
    ),
    Metric(
        "mean_coalition_size",
        "mean size of buying coalitions",
        note="members served per coalition that bought (runs without any are left out)",
    ),
    Metric(
        "coalition_time_to_buy",
        "steps from founding to purchase",
        higher_is_better=False,
        note="mean steps between a coalition's founding and its purchase (how fast groups "
        "form; runs without any are left out)",
    ),
    Metric(
        "coalition_success_rate",
        "coalition success rate",
        note="coalitions (pledge campaigns, threshold deals) that bought, out of those closed "
        "(runs where no coalition closed are left out)",
    ),
)
"""Metrics of the report, in order. Higher is better except price."""


# --------------------------------------------------------------------------- tables


def runs_by_value(
    runs: pd.DataFrame, vary_key: str | None, vary_values: Sequence[Any] | None
) -> list[tuple[Any, pd.DataFrame]]:
    """The runs split by vary value (a single group ``None`` without vary)."""
    if not vary_key:
        return [(None, runs)]
    return [(v, runs[runs[vary_key] == v]) for v in (vary_values or [])]


def paired_samples(
    group: pd.DataFrame, metric: str, policies: Sequence[str], seeds: int
) -> dict[str, np.ndarray]:
    """Per policy, the metric on seeds ``0..seeds-1`` (NaN where missing), aligned by seed."""
    out = {}
    for p in policies:
        rows = group[group["policy"] == p].set_index("seed")[metric]
        out[p] = rows.reindex(range(seeds)).to_numpy(dtype=float)
    return out


def metric_table(
    runs: pd.DataFrame,
    metric: Metric,
    policies: Sequence[str],
    seeds: int,
    vary_key: str | None = None,
    vary_values: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Per policy (and vary value): mean, CI bounds, n and rank, best first within a value.

    Returns:
        Columns ``[vary_key,] rank, policy, mean, ci_low, ci_high, n``.
    """
    rows = []
    for value, group in runs_by_value(runs, vary_key, vary_values):
        samples = paired_samples(group, metric.name, policies, seeds)
        cis = {p: mean_ci(x, LEVEL) for p, x in samples.items()}
        ranks = rank([cis[p].mean for p in policies], metric.higher_is_better)
        block = []
        for p, r in zip(policies, ranks, strict=True):
            row: dict[str, Any] = {vary_key: value} if vary_key else {}
            ci = cis[p]
            row.update(rank=r, policy=p, mean=ci.mean, ci_low=ci.low, ci_high=ci.high, n=ci.n)
            block.append(row)
        rows.extend(sorted(block, key=lambda b: (b["rank"], policies.index(b["policy"]))))
    columns = [*([vary_key] if vary_key else []), "rank", "policy", "mean", "ci_low", "ci_high"]
    return pd.DataFrame(rows, columns=[*columns, "n"])
