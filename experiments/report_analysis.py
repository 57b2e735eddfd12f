"""What the comparison report concludes, as plain records (no text, no drawing, no I/O).

- :func:`decision_rows`: per grid point and policy, each decision metric's mean and
  interval, marked best or equal to best (paired t-tests against the best on the same
  seeds, Holm-corrected across those comparisons).
- :func:`baseline_differences`: each policy minus the baseline, paired by seed (Holm across
  the policies).
- :func:`vary_response`: how a metric responds to one varied key (marginal over the other
  keys): trend per policy, its direction, the steps within noise, and the value where the
  best policy changes.

A policy with no value of a metric (NaN: the metric does not apply to it) is left out of
that metric's comparison; :func:`not_applicable` lists them for the report's footnotes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from experiments.report_metrics import (
    ALPHA,
    LEVEL,
    Metric,
    Point,
    applicable,
    at_point,
    marginal_samples,
    paired_samples,
)
from experiments.stats import (
    MeanCI,
    PairedResult,
    against,
    best_of,
    direction,
    first_change,
    holm,
    mean_ci,
    paired_test,
)


@dataclass(frozen=True)
class Cell:
    """One policy's metric at one grid point: mean, interval and its mark in the column."""

    ci: MeanCI
    best: bool = False
    equal_to_best: bool = False
    versus_best: PairedResult | None = None


@dataclass(frozen=True)
class DecisionRow:
    """One policy at one grid point; ``cells`` holds no entry where the metric does not apply."""

    point: Point
    policy: str
    cells: dict[str, Cell]


def _column(
    group: pd.DataFrame, metric: Metric, policies: Sequence[str], seeds: Sequence[int]
) -> dict[str, Cell]:
    names = applicable(group, metric.name, policies)
    samples = paired_samples(group, metric.name, names, seeds)
    cis = {p: mean_ci(samples[p], LEVEL) for p in names}
    best = best_of({p: c.mean for p, c in cis.items()}, metric.higher_is_better)
    if best is None or len(names) < 2:
        return {p: Cell(cis[p]) for p in names}
    tests = against(samples, best, LEVEL, ALPHA)
    return {
        p: Cell(
            cis[p],
            best=p == best,
            equal_to_best=p != best and not tests[p].clear,
            versus_best=tests.get(p),
        )
        for p in names
    }


def decision_rows(
    runs: pd.DataFrame,
    metrics: Sequence[Metric],
    policies: Sequence[str],
    seeds: Sequence[int],
    points: Sequence[Point],
) -> list[DecisionRow]:
    """The decision table: one row per grid point and policy, points in display order."""
    rows = []
    for point in points:
        group = at_point(runs, point)
        columns = {m.name: _column(group, m, policies, seeds) for m in metrics}
        for p in policies:
            cells = {name: col[p] for name, col in columns.items() if p in col}
            rows.append(DecisionRow(point, p, cells))
    return rows


def not_applicable(
    runs: pd.DataFrame, metrics: Sequence[Metric], policies: Sequence[str]
) -> dict[str, list[str]]:
    """Metric name -> the policies without any value of it (left out of its comparison)."""
    out = {}
    for m in metrics:
        missing = [p for p in policies if p not in applicable(runs, m.name, policies)]
        if missing:
            out[m.name] = missing
    return out


@dataclass(frozen=True)
class Difference:
    """``policy - baseline`` of one metric at one grid point (paired by seed, Holm-adjusted)."""

    point: Point
    metric: str
    policy: str
    result: PairedResult


def baseline_differences(
    runs: pd.DataFrame,
    metrics: Sequence[Metric],
    policies: Sequence[str],
    seeds: Sequence[int],
    points: Sequence[Point],
    baseline: str,
) -> list[Difference]:
    """Every policy against the baseline, per metric and grid point.

    Holm's correction runs across the policies compared with the baseline for one metric at
    one point. Metrics that do not apply to the baseline give no differences.
    """
    out = []
    for point in points:
        group = at_point(runs, point)
        for m in metrics:
            names = applicable(group, m.name, policies)
            if baseline not in names or len(names) < 2:
                continue
            tests = against(paired_samples(group, m.name, names, seeds), baseline, LEVEL, ALPHA)
            out += [Difference(point, m.name, p, r) for p, r in tests.items()]
    return out


@dataclass(frozen=True)
class Trend:
    """One policy's metric at each value of a varied key.

    ``noisy_steps`` are the indices ``i`` where the step from value ``i`` to ``i + 1`` is
    within noise (paired test across the two values, Holm across the steps).
    """

    policy: str
    cis: list[MeanCI]
    direction: str
    noisy_steps: list[int]


@dataclass(frozen=True)
class Response:
    """How one metric responds to one varied key (marginal over the other varied keys)."""

    key: str
    values: list[Any]
    metric: Metric
    trends: list[Trend]
    best: list[str | None]
    flip: int | None = None
    flip_clear: bool = False


def _trend(samples: list[Any], policy: str) -> Trend:
    cis = [mean_ci(x, LEVEL) for x in samples]
    steps = [paired_test(b, a, LEVEL) for a, b in zip(samples, samples[1:], strict=False)]
    adjusted = holm([s.p for s in steps])
    noisy = [i for i, p in enumerate(adjusted) if not (p < ALPHA)]
    return Trend(policy, cis, direction([c.mean for c in cis]), noisy)


def vary_response(
    runs: pd.DataFrame,
    key: str,
    values: Sequence[Any],
    metric: Metric,
    policies: Sequence[str],
    seeds: Sequence[int],
) -> Response | None:
    """The response of ``metric`` to ``key`` for the policies it applies to (None if none).

    The best policy at each value is the one with the best mean; the flip is the first value
    where it changes, called clear when the new best is clearly better there than the
    previous best (paired t-test on the same seeds, p below :data:`ALPHA`).
    """
    names = applicable(runs, metric.name, policies)
    if not names:
        return None
    samples = {p: marginal_samples(runs, metric.name, p, key, values, seeds) for p in names}
    trends = [_trend(samples[p], p) for p in names]
    best = [
        best_of({t.policy: t.cis[i].mean for t in trends}, metric.higher_is_better)
        for i in range(len(values))
    ]
    flip = first_change(best) if len(names) > 1 else None
    clear = False
    if flip is not None:
        previous = next(b for b in reversed(best[:flip]) if b is not None)
        new = best[flip]
        test = paired_test(samples[new][flip], samples[previous][flip], LEVEL)
        clear = bool(test.p < ALPHA)
    return Response(key, list(values), metric, trends, best, flip, clear)
