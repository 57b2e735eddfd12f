"""The charts, one panel each: axes made once, lines whose data a frame replaces.

A y axis grows with headroom when the data outgrow it (and reports that it did, so the
figure's still background is redrawn), so a growing series moves it a handful of times
per run rather than every frame.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from classroom.dashboard.chart_data import ChartData, coalition_discount, per_seller
from classroom.dashboard.style import COALITION_COLOUR, SELLER_COLOURS, SOLO_COLOUR

#: Steps in the rolling mean of the per-step price lines (single steps are noisy).
SMOOTHING = 5

#: Room left above (and below) the data when an axis grows, as a share of the data's span:
#: a growing series then redraws the background every 50% of growth, not every step.
HEADROOM = 0.5


def seller_colour(s: int) -> str:
    """Seller ``s``'s colour in every chart."""
    return SELLER_COLOURS[s % len(SELLER_COLOURS)]


#: Mantissas of the round numbers an axis may end at.
NICE = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)


def nice_ceil(x: float) -> float:
    """The smallest round number (:data:`NICE` x 10^k) at or above ``x`` (``x`` if not > 0)."""
    if not x > 0:
        return x
    scale = 10.0 ** np.floor(np.log10(x))
    value = next(m * scale for m in NICE if m * scale >= x * (1 - 1e-12))
    return float(f"{value:.6g}")  # 0.15, not 0.15000000000000002


def grown_limits(
    limits: tuple[float, float] | None, values: np.ndarray, floor: float | None
) -> tuple[float, float] | None:
    """The y limits that hold ``values``, or None if ``limits`` already do.

    Limits only grow, with :data:`HEADROOM`, so a growing series moves them rarely.

    Args:
        limits: The current limits (None: not set yet).
        values: The data (NaN ignored).
        floor: Fixed lower limit (None: follow the data).
    """
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return None
    lo, hi = float(finite.min()), float(finite.max())
    if floor is not None:
        lo = min(lo, floor)
    if limits is not None and limits[0] <= lo and hi <= limits[1]:
        return None
    # At least one unit: an all-zero series gets 0..1, not a range of rounding noise.
    span = max(hi - lo, abs(hi) * 0.05, 1.0)
    old_lo, old_hi = limits if limits is not None else (np.inf, -np.inf)
    new_hi = nice_ceil(hi + HEADROOM * span) if hi > old_hi else old_hi
    below = floor if floor is not None else lo - HEADROOM * span
    new_lo = below if lo < old_lo else old_lo
    return new_lo, new_hi


class Panel:
    """One chart: its axes, made once, and how a frame updates it.

    Args:
        ax: Its axes.
        title: Its title.
        floor: Fixed lower y limit (None: follow the data).
        fixed: Whether the y limits stay as set (no growing).
        ceiling: Highest upper limit (percentages stop at 100).

    Attributes:
        moving: Artists drawn each frame (lines, then the legend over them).
    """

    def __init__(
        self,
        ax: Axes,
        title: str,
        floor: float | None = 0.0,
        fixed: bool = False,
        ceiling: float = np.inf,
    ) -> None:
        self.ax = ax
        self.floor = floor
        self.fixed = fixed
        self.ceiling = ceiling
        self.limits: tuple[float, float] | None = None
        self.moving: list[Artist] = []
        ax.set_title(title)

    def line(self, **style) -> Line2D:
        """A new moving line."""
        (line,) = self.ax.plot([], [], **style)
        self.moving.append(line)
        return line

    def legend(self, **kwargs) -> None:
        """The axes' legend, drawn over the lines."""
        self.moving.append(self.ax.legend(frameon=False, **kwargs))

    def fit(self, values: np.ndarray) -> bool:
        """Grow the y axis to hold ``values``; True if it changed."""
        if self.fixed:
            return False
        new = grown_limits(self.limits, values, self.floor)
        if new is None:
            return False
        self.limits = new = (new[0], max(min(new[1], self.ceiling), new[0] + 1e-9))
        self.ax.set_ylim(*new)
        return True

    def update(self, data: ChartData) -> bool:
        """Show ``data`` (called once a step has run); True if the y axis changed."""
        raise NotImplementedError


class TimeseriesPanel(Panel):
    """Lines of time-series columns.

    Args:
        ax: Its axes.
        title: Its title.
        lines: ``column -> (label, line style)``.
        transform: What to plot of a column (default: as is).
        floor: See :class:`Panel`.
        legend_at: The legend's place.
    """

    def __init__(
        self,
        ax: Axes,
        title: str,
        lines: dict[str, tuple[str, dict]],
        transform: Callable[[pd.Series], pd.Series] = lambda s: s,
        floor: float | None = 0.0,
        legend_at: str = "upper left",
    ) -> None:
        super().__init__(ax, title, floor)
        self.transform = transform
        self.lines = {col: self.line(label=label, **style) for col, (label, style) in lines.items()}
        self.legend(loc=legend_at)

    def update(self, data: ChartData) -> bool:
        """Each column's line."""
        ys = []
        for col, line in self.lines.items():
            y = self.transform(data.timeseries[col]).to_numpy(dtype=np.float64)
            line.set_data(data.x, y)
            ys.append(y)
        return self.fit(np.concatenate(ys))


def smoothed(series: pd.Series) -> pd.Series:
    """Rolling mean over :data:`SMOOTHING` steps."""
    return series.rolling(SMOOTHING, min_periods=1).mean()


def cumulative(series: pd.Series) -> pd.Series:
    """Running total."""
    return series.cumsum()


def price_panel(ax: Axes) -> TimeseriesPanel:
    """Mean unit price paid per step: coalition members vs solo buyers."""
    return TimeseriesPanel(
        ax,
        "Price paid per unit",
        {
            "mean_price_coalition": ("in a coalition", {"color": COALITION_COLOUR}),
            "mean_price_solo": ("alone", {"color": SOLO_COLOUR}),
        },
        smoothed,
        floor=None,
        legend_at="upper right",
    )


def welfare_panel(ax: Axes) -> TimeseriesPanel:
    """Running totals of consumer surplus and seller profit."""
    return TimeseriesPanel(
        ax,
        "Who gains (running total)",
        {
            "consumer_surplus": ("customers' surplus", {"color": "#2e7d32"}),
            "seller_profit": ("sellers' profit", {"color": "#6a1b9a"}),
        },
        cumulative,
        legend_at="lower right",
    )


def coalitions_panel(ax: Axes) -> TimeseriesPanel:
    """Coalitions recruiting and their mean size."""
    return TimeseriesPanel(
        ax,
        "Coalitions recruiting",
        {
            "coalitions": ("open coalitions", {"color": COALITION_COLOUR}),
            "mean_coalition_size": ("mean size (members)", {"color": "#00897b", "ls": "--"}),
        },
        legend_at="upper right",
    )


class SellerPanel(Panel):
    """One line per seller of a per-seller series.

    Args:
        ax: Its axes.
        title: Its title.
        n_sellers: Sellers in the market.
        series: ``sellers frame -> step x seller table`` of what to plot.
        ylabel: The y axis label.
        floor: See :class:`Panel`.
        style: Line style of every seller's line.
        ceiling: See :class:`Panel`.
    """

    def __init__(
        self,
        ax: Axes,
        title: str,
        n_sellers: int,
        series: Callable[[pd.DataFrame], pd.DataFrame],
        ylabel: str = "",
        floor: float | None = 0.0,
        style: dict | None = None,
        ceiling: float = np.inf,
    ) -> None:
        super().__init__(ax, title, floor, ceiling=ceiling)
        self.series = series
        self.seller_lines = [
            self.line(color=seller_colour(s), **(style or {})) for s in range(n_sellers)
        ]
        ax.set_ylabel(ylabel)

    def update(self, data: ChartData) -> bool:
        """The series of every seller."""
        table = self.series(data.sellers)
        for s, line in enumerate(self.seller_lines):
            if s in table.columns:
                line.set_data(table.index + 1, table[s])
        return self.fit(table.to_numpy(dtype=np.float64).ravel())


def cumulative_profit(sellers: pd.DataFrame) -> pd.DataFrame:
    """Each seller's profit so far."""
    return per_seller(sellers, "profit").cumsum()


def cumulative_share(sellers: pd.DataFrame) -> pd.DataFrame:
    """Each seller's share (%) of the units sold so far."""
    units = per_seller(sellers, "units_sold").cumsum()
    return units.div(units.sum(axis=1).replace(0, np.nan), axis=0) * 100


def boycott_percent(sellers: pd.DataFrame) -> pd.DataFrame:
    """Share (%) of customers boycotting each seller."""
    return per_seller(sellers, "boycott_share") * 100


class ReputationPanel(Panel):
    """Each seller's mean warmth (solid) and competence (dashed) in customers' eyes."""

    def __init__(self, ax: Axes, n_sellers: int) -> None:
        super().__init__(ax, "Reputation", fixed=True)
        self.warmth = [self.line(color=seller_colour(s)) for s in range(n_sellers)]
        self.competence = [
            self.line(color=seller_colour(s), ls="--", lw=1.8) for s in range(n_sellers)
        ]
        ax.set_ylim(0, 1)
        self.moving.append(
            ax.legend(
                handles=[
                    Line2D([], [], color="k", label="warmth"),
                    Line2D([], [], color="k", ls="--", lw=1.8, label="competence"),
                ],
                frameon=False,
                loc="lower left",
            )
        )

    def update(self, data: ChartData) -> bool:
        """Both dimensions per seller (on a fixed 0-1 scale)."""
        for column, lines in (("warmth", self.warmth), ("competence", self.competence)):
            table = per_seller(data.sellers, column)
            for s, line in enumerate(lines):
                if s in table.columns:
                    line.set_data(table.index + 1, table[s])
        return False


class BoycottPanel(SellerPanel):
    """Share of customers boycotting each seller, and boycotting any seller."""

    def __init__(self, ax: Axes, n_sellers: int) -> None:
        super().__init__(
            ax, "Boycotts", n_sellers, boycott_percent, "% of customers", ceiling=100.0
        )
        self.any = self.line(color="k", lw=2, ls=":", label="any seller")
        self.legend(loc="upper left")

    def update(self, data: ChartData) -> bool:
        """Per seller and in all."""
        share = data.timeseries["boycotting_customers"] / max(data.n_customers, 1) * 100
        self.any.set_data(data.x, share)
        changed = super().update(data)
        return self.fit(share.to_numpy(dtype=np.float64)) or changed


class ScoreboardPanel(Panel):
    """The run so far in three big lines of text."""

    def __init__(self, ax: Axes) -> None:
        super().__init__(ax, "So far", fixed=True)
        ax.set_axis_off()
        self.texts = [
            ax.text(
                0.0,
                0.8 - 0.3 * i,
                "",
                transform=ax.transAxes,
                fontsize=19,
                va="center",
                fontweight="bold" if i == 0 else "normal",
            )
            for i in range(3)
        ]
        self.moving += self.texts

    def update(self, data: ChartData) -> bool:
        """Price gap, customers served, surplus and profit."""
        ts, deals = data.timeseries, data.deals
        gap = coalition_discount(deals)
        if gap == gap:
            price = f"coalitions pay {abs(gap):.0%} {'less' if gap >= 0 else 'more'}"
        else:
            price = "no price comparison yet"
        served = deals["customer_id"].nunique() / max(data.n_customers, 1)
        lines = [
            price,
            f"{served:.0%} of customers served",
            f"surplus {ts['consumer_surplus'].sum():,.0f} · "
            f"profit {ts['seller_profit'].sum():,.0f}",
        ]
        for text, line in zip(self.texts, lines, strict=True):
            text.set_text(line)
        return False
