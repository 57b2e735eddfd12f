"""Statistics for comparing policies over seeds: t confidence intervals, paired tests, Holm.

Pure functions on plain sequences of numbers (no I/O, no plotting). ``NaN`` values are
treated as missing: a confidence interval ignores them, a paired comparison drops the seeds
where either side is missing.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from scipy import stats as sps


@dataclass(frozen=True)
class MeanCI:
    """Mean of a sample with its Student-t confidence interval."""

    mean: float
    low: float
    high: float
    n: int


@dataclass(frozen=True)
class PairedResult:
    """Paired comparison of ``a`` and ``b`` on the same seeds (differences are ``a - b``)."""

    a: str
    b: str
    diff: float
    low: float
    high: float
    p: float
    n: int
    p_adjusted: float = math.nan
    clear: bool = False


def all_numbers(values: Sequence[Any]) -> bool:
    """Whether every value is an int or a float (bools excluded), e.g. to keep a column numeric."""
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _finite(values: Sequence[float] | np.ndarray) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    return x[np.isfinite(x)]


def mean_ci(values: Sequence[float] | np.ndarray, level: float = 0.95) -> MeanCI:
    """Sample mean and two-sided Student-t confidence interval.

    ``mean ± t_{(1+level)/2, n-1} · s / sqrt(n)`` with ``s`` the sample standard deviation
    (``ddof=1``). With fewer than two finite values the bounds are ``NaN``.

    Args:
        values: The sample (one value per seed); non-finite values are ignored.
        level: Confidence level in (0, 1).

    Returns:
        The mean, the interval bounds and the number of values used.
    """
    x = _finite(values)
    n = int(len(x))
    if n == 0:
        return MeanCI(math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n < 2:
        return MeanCI(mean, math.nan, math.nan, n)
    half = float(sps.t.ppf((1 + level) / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return MeanCI(mean, mean - half, mean + half, n)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values (step-down, monotone, capped at 1).

    The ``i``-th smallest of ``m`` p-values is multiplied by ``m - i`` (``i`` from 0), then
    a running maximum keeps the adjusted values in the same order as the raw ones. Rejecting
    every hypothesis whose adjusted p-value is below ``alpha`` controls the family-wise
    error rate at ``alpha``. ``NaN`` entries stay ``NaN`` and do not count in ``m``.

    Args:
        pvalues: Raw p-values of one family of tests.

    Returns:
        Adjusted p-values, in the input order.
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full(len(p), math.nan)
    idx = np.flatnonzero(np.isfinite(p))
    m = len(idx)
    if m == 0:
        return out.tolist()
    order = idx[np.argsort(p[idx], kind="stable")]
    running = 0.0
    for i, j in enumerate(order):
        running = max(running, min(1.0, (m - i) * p[j]))
        out[j] = running
    return out.tolist()


def paired_test(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    level: float = 0.95,
    names: tuple[str, str] = ("a", "b"),
) -> PairedResult:
    """Paired t-test of ``a`` against ``b`` (same seeds, same order) with a CI of the difference.

    Uses :func:`scipy.stats.ttest_rel`. Seeds where either value is missing are dropped.
    When every difference is the same number (up to rounding) the test statistic is
    undefined; the p-value is then 1 if that number is 0 (identical samples) and 0 otherwise
    (the same shift on every seed), provided there are at least two pairs.

    Args:
        a: First sample, one value per seed.
        b: Second sample, aligned with ``a``.
        level: Confidence level of the interval of the mean difference.
        names: Labels of ``a`` and ``b`` stored in the result.

    Returns:
        Mean difference ``a - b``, its interval, the two-sided p-value and the pair count.

    Raises:
        ValueError: if ``a`` and ``b`` have different lengths.
    """
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"paired samples differ in length: {len(x)} and {len(y)}")
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    d = x - y
    ci = mean_ci(d, level)
    n = ci.n
    # Differences equal up to rounding: the t statistic is 0/0 or c/0 (or rounding noise).
    tol = 1e-12 * max(1.0, float(np.abs(x).max(initial=0)), float(np.abs(y).max(initial=0)))
    if n < 2:
        p = math.nan
    elif float(np.ptp(d)) <= tol:
        p = 1.0 if abs(float(d.mean())) <= tol else 0.0
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            p = float(sps.ttest_rel(x, y).pvalue)
    return PairedResult(names[0], names[1], ci.mean, ci.low, ci.high, p, n)


def pairwise_comparisons(
    samples: Mapping[str, Sequence[float] | np.ndarray],
    level: float = 0.95,
    alpha: float = 0.05,
) -> list[PairedResult]:
    """Paired tests between every pair of samples, Holm-corrected across the pairs.

    Args:
        samples: Name -> values, all aligned on the same seeds.
        level: Confidence level of each difference's interval.
        alpha: A difference is ``clear`` when its Holm-adjusted p-value is below ``alpha``.

    Returns:
        One result per pair ``(a, b)`` with ``a`` before ``b`` in ``samples``' order.
    """
    results = [
        paired_test(samples[a], samples[b], level, (a, b)) for a, b in combinations(samples, 2)
    ]
    adjusted = holm([r.p for r in results])
    return [
        PairedResult(
            r.a,
            r.b,
            r.diff,
            r.low,
            r.high,
            r.p,
            r.n,
            p_adj,
            bool(math.isfinite(p_adj)) and p_adj < alpha,
        )
        for r, p_adj in zip(results, adjusted, strict=True)
    ]


def rank(means: Sequence[float], higher_is_better: bool = True) -> list[int]:
    """Competition ranks (1 = best; ties share the best rank; ``NaN`` ranks last).

    Args:
        means: One value per policy.
        higher_is_better: Whether a larger value is better.

    Returns:
        Ranks in the input order.
    """
    x = np.asarray(means, dtype=float)
    key = np.where(np.isfinite(x), -x if higher_is_better else x, np.inf)
    return [int(1 + np.sum(key < k)) for k in key]


def against(
    samples: Mapping[str, Sequence[float] | np.ndarray],
    reference: str,
    level: float = 0.95,
    alpha: float = 0.05,
) -> dict[str, PairedResult]:
    """Paired tests of every other sample against ``reference``, Holm-corrected across them.

    Args:
        samples: Name -> values, all aligned on the same seeds.
        reference: The name every other sample is compared with (differences ``name - ref``).
        level: Confidence level of each difference's interval.
        alpha: A difference is ``clear`` when its Holm-adjusted p-value is below ``alpha``.

    Returns:
        Name -> result, for every name but ``reference``, in ``samples``' order.
    """
    names = [n for n in samples if n != reference]
    raw = [paired_test(samples[n], samples[reference], level, (n, reference)) for n in names]
    adjusted = holm([r.p for r in raw])
    return {
        r.a: PairedResult(
            r.a, r.b, r.diff, r.low, r.high, r.p, r.n, p, bool(math.isfinite(p)) and p < alpha
        )
        for r, p in zip(raw, adjusted, strict=True)
    }


def best_of(means: Mapping[str, float], higher_is_better: bool = True) -> str | None:
    """The name with the best finite mean (the first one on ties), or None if none is finite."""
    finite = {k: v for k, v in means.items() if math.isfinite(v)}
    if not finite:
        return None
    pick = max if higher_is_better else min
    return pick(finite, key=finite.__getitem__)


def direction(means: Sequence[float]) -> str:
    """How a sequence of means moves, judged strictly from the means alone.

    Non-finite means are skipped.

    Args:
        means: Means in the order of the varied values.

    Returns:
        One of the four words above (``constant`` also for fewer than two finite means).
    """
    x = _finite(means)
    steps = np.diff(x)
    if len(steps) == 0 or np.all(steps == 0):
        return "constant"
    if np.all(steps > 0):
        return "increasing"
    if np.all(steps < 0):
        return "decreasing"
    return "not monotone"


def first_change(labels: Sequence[str | None]) -> int | None:
    """Index of the first label that differs from the one before it (None labels are skipped).

    Args:
        labels: E.g. the best policy at each varied value, in order.

    Returns:
        The index of the first change, or None when the label never changes.
    """
    previous = None
    for i, label in enumerate(labels):
        if label is None:
            continue
        if previous is not None and label != previous:
            return i
        previous = label
    return None
