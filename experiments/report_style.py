"""Shared drawing conventions of the report's figures (matplotlib, Agg backend).

At most :data:`MAX_COLOURS` colours in a panel (more series are split across panels), axis
labels with units, legends below the panels, time series smoothed with the raw data faint
behind. Every file is written atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from experiments.report_metrics import Metric
from experiments.stats import all_numbers
from sim.results.io import atomic_write

matplotlib.use("Agg")

MAX_COLOURS = 7
"""A panel never shows more colours than this; a reader cannot tell more apart."""

SMOOTH = 7
"""Steps in the centred rolling mean of a time series."""


def colour(i: int) -> Any:
    """The ``i``-th of at most :data:`MAX_COLOURS` colours of a panel."""
    return plt.get_cmap("tab10")(i % MAX_COLOURS)


def chunks(items: Sequence[Any], size: int = MAX_COLOURS) -> list[list[Any]]:
    """``items`` in groups of at most ``size`` (one group per panel)."""
    items = list(items)
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def save(fig: Any, path: Path, dpi: int = 100) -> Path:
    """Write ``fig`` to ``path`` as PNG (atomically), close it and return the path."""
    atomic_write(path, lambda p: fig.savefig(p, format="png", dpi=dpi))
    plt.close(fig)
    return path


def scale(metric: Metric) -> float:
    """Factor from stored values to shown values (shares are shown in percent)."""
    return 100.0 if metric.unit == "%" else 1.0


def axis_label(metric: Metric, difference: bool = False) -> str:
    """The y label of a metric panel: its unit (the panel's title names the metric)."""
    unit = "percentage points" if difference and metric.unit == "%" else metric.unit
    head = "difference" if difference else metric.label
    return f"{head} ({unit})" if unit else head


def point_ticks(ax: Any, points: Sequence[dict[str, Any]]) -> None:
    """Grid points as x ticks: the bare values (and the key as x label) for one varied key."""
    keys = list(points[0]) if points else []
    if len(keys) == 1:
        ax.set_xticks(range(len(points)), [str(pt[keys[0]]) for pt in points])
        ax.set_xlabel(keys[0])
    else:
        labels = [", ".join(f"{k}={v}" for k, v in pt.items()) for pt in points]
        ax.set_xticks(range(len(points)), labels, rotation=30, ha="right", fontsize=8)


def x_positions(values: Sequence[Any]) -> tuple[np.ndarray, bool]:
    """Positions of varied values on an axis: the numbers themselves, else 0, 1, 2..."""
    numeric = all_numbers(values)
    return (np.asarray(values, dtype=float) if numeric else np.arange(len(values))), numeric


def smoothed(ax: Any, series: pd.Series, **style: Any) -> None:
    """Plot a per-step series: raw faint, its centred rolling mean on top.

    Missing steps (NaN) are dropped first, so the smoothed line runs over the steps that
    have a value instead of breaking at every gap.
    """
    s = series.dropna()
    if s.empty:
        return
    ax.plot(s.index, s.to_numpy(), alpha=0.2, lw=0.8, color=style.get("color"), ls=style.get("ls"))
    roll = s.rolling(SMOOTH, min_periods=1, center=True).mean()
    ax.plot(roll.index, roll.to_numpy(), lw=1.8, **style)


def grid(rows: int, cols: int, width: float = 4.6, height: float = 3.4) -> tuple[Any, Any]:
    """A figure of ``rows`` x ``cols`` panels with constrained layout (titles never overlap)."""
    width = max(width, 8.0) if cols == 1 else width  # room for the title and the legend
    fig, axes = plt.subplots(
        rows, cols, figsize=(width * cols, height * rows + 0.8), squeeze=False, layout="constrained"
    )
    return fig, axes


def legend_below(
    fig: Any, handles: Sequence[Any], labels: Sequence[str], title: str | None = None
) -> None:
    """A legend under the panels, where it covers no data."""
    if handles:
        fig.legend(
            handles, labels, loc="outside lower center", ncols=min(len(labels), 5), title=title
        )


def hide_unused(axes: Any, used: int) -> None:
    """Hide the panels after the first ``used`` (no empty panels)."""
    for ax in axes.flat[used:]:
        ax.set_visible(False)


def informative(values: Sequence[float] | np.ndarray) -> bool:
    """Whether a panel would show something: some finite value that is not zero."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    return bool(len(x)) and bool(np.any(x != 0))
