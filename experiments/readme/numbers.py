"""Numbers in words for the README: formats, trends and means over seeds.

Pure functions on numbers and the tables a comparison writes (``runs.parquet``): every
number a README sentence shows goes through one of the formats here, and every
"rises"/"falls" is chosen by :func:`change` from the numbers as shown, so a sentence
never contradicts its own figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

Format = Callable[[float], str]


def money(x: float) -> str:
    """A surplus or profit: whole units with thousands separators (``7,626``)."""
    return "n/a" if not math.isfinite(x) else f"{round(x) + 0:,}"


def price(x: float) -> str:
    """A unit price: two decimals (``11.35``)."""
    return "n/a" if not math.isfinite(x) else f"{x:,.2f}"


def ratio(x: float) -> str:
    """A rate in [0, 1] (success rate): two decimals (``0.87``)."""
    return "n/a" if not math.isfinite(x) else f"{x:.2f}"


def one_decimal(x: float) -> str:
    """A size or a number of steps: one decimal (``3.3``)."""
    return "n/a" if not math.isfinite(x) else f"{x:.1f}"


def percent(x: float) -> str:
    """A share in [0, 1] as a whole percentage (``92%``)."""
    return "n/a" if not math.isfinite(x) else f"{round(100 * x)}%"


def percent1(x: float) -> str:
    """A share in [0, 1] as a percentage with one decimal (``5.6%``)."""
    return "n/a" if not math.isfinite(x) else f"{100 * x:.1f}%"


def count(x: float) -> str:
    """A mean count (cascades), to the nearest whole number (``39``)."""
    return "n/a" if not math.isfinite(x) else f"{round(x) + 0:,}"


def signed(x: float, digits: int = 3) -> str:
    """A signed difference with a typographic minus (``−0.012``, ``+0.018``)."""
    if not math.isfinite(x):
        return "n/a"
    text = f"{round(x, digits) + 0.0:+.{digits}f}"
    return text.replace("-", "\u2212")


def significant(x: float, digits: int = 1) -> str:
    """``x`` to ``digits`` significant figures (``0.08``)."""
    if not math.isfinite(x) or x == 0:
        return "0" if x == 0 else "n/a"
    places = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    return f"{round(x, places):.{places}f}"


def value(x: Any) -> str:
    """A varied config value as the README writes it (``0.25``, ``1``, ``80``)."""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def seconds(t: float) -> str:
    """A measured wall time, rounded for prose (``about`` goes in the sentence).

    Below 10 s to the second, below 90 s to 5 s, then to the half minute.
    """
    if not math.isfinite(t):
        return "n/a"
    if t < 10:
        return f"{max(1, round(t))} s"
    if t < 90:
        return f"{max(10, 5 * round(t / 5))} s"
    minutes = round(t / 30) / 2
    return f"{minutes:g} min"


def change(
    a: float,
    b: float,
    fmt: Format,
    up: str = "rises",
    down: str = "falls",
    same: str = "stays at",
) -> tuple[str, str, str]:
    """The verb and both numbers of a change from ``a`` to ``b``, as shown.

    The verb compares the formatted numbers, so "rises from 7,626 to 7,626" cannot happen:
    equal numbers give ``same``.

    Returns:
        ``(verb, a as shown, b as shown)``.
    """
    sa, sb = fmt(a), fmt(b)
    if sa == sb or not (math.isfinite(a) and math.isfinite(b)):
        return same, sa, sb
    return (up if b > a else down), sa, sb


def from_to(a: float, b: float, fmt: Format, **verbs: str) -> str:
    """``"rises from A to B"`` (or ``"stays at A"``), see :func:`change`."""
    verb, sa, sb = change(a, b, fmt, **verbs)
    if sa == sb:
        return f"{verb} {sa}"
    return f"{verb} from {sa} to {sb}"


def plateau_start(series: Sequence[float], fmt: Format) -> int:
    """Index of the first of the trailing values that all show as the last one does."""
    shown = [fmt(x) for x in series]
    i = len(shown) - 1
    while i > 0 and shown[i - 1] == shown[-1]:
        i -= 1
    return i


def monotone(series: Sequence[float], direction: int, fmt: Format | None = None) -> bool:
    """Whether every step of ``series`` moves in ``direction`` (+1 up, −1 down), strictly.

    With ``fmt``, the values are compared as shown (rounded): a step that rounds to no
    change does not count as a move.
    """
    xs = list(series)
    for a, b in zip(xs, xs[1:], strict=False):
        if fmt is not None and fmt(a) == fmt(b):
            return False
        if (b - a) * direction <= 0:
            return False
    return True


def means(
    runs: pd.DataFrame,
    metric: str,
    *,
    vary_key: str | None,
    values: Sequence[Any] | None = None,
    policy: str | Sequence[str] | None = None,
) -> pd.Series:
    """Mean over seeds of ``metric`` per varied value (missing values ignored).

    Args:
        runs: A comparison's runs table (``runs.parquet``).
        metric: A column of it.
        vary_key: The varied key (a column), or None for one overall mean.
        values: The varied values in order (default: as they appear).
        policy: Keep these policies only (one name or several, pooled).

    Returns:
        The means indexed by varied value (a single entry ``None`` without ``vary_key``).
    """
    rows = runs
    if policy is not None:
        names = [policy] if isinstance(policy, str) else list(policy)
        rows = rows[rows["policy"].isin(names)]
    if vary_key is None:
        return pd.Series({None: float(rows[metric].astype(float).mean())})
    out = rows.groupby(vary_key, sort=False)[metric].mean()
    order = list(values) if values is not None else list(dict.fromkeys(rows[vary_key]))
    return out.reindex(order).astype(float)
