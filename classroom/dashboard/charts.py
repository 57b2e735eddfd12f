"""The live charts: prices, surplus and profit, sellers' shares, coalitions, reputation.

One figure per model, drawn from the model's own tables (:mod:`~classroom.dashboard.chart_data`),
one panel per chart (:mod:`~classroom.dashboard.chart_panels`). Its axes are kept as a still
background (:class:`~classroom.dashboard.live_figure.LiveFigure`); a frame replaces the
lines' data and draws only them. The x axes span the whole run, so the lines grow across
the charts.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from classroom.dashboard.chart_data import ChartData, seller_labels
from classroom.dashboard.chart_panels import (
    BoycottPanel,
    Panel,
    ReputationPanel,
    ScoreboardPanel,
    SellerPanel,
    coalitions_panel,
    cumulative_profit,
    cumulative_share,
    price_panel,
    seller_colour,
    welfare_panel,
)
from classroom.dashboard.live_figure import LiveFigure
from classroom.dashboard.style import DPI, projector_style


class ChartsView:
    """The charts of one model: a figure made once, updated each frame.

    Two columns, to sit beside the network on a projector: prices and gains, coalitions
    and the scoreboard, sellers' profit and share, and with the community reputation and
    boycotts.

    Args:
        n_sellers: Sellers in the market.
        steps: Steps of the run (the x axes' span).
        community: Whether the community runs (adds reputation and boycott charts).
        dpi: Pixels per inch of the frames.
    """

    def __init__(self, n_sellers: int, steps: int, community: bool, dpi: int = DPI) -> None:
        rows = 4 if community else 3
        height = 3.4 * rows + 1.3
        with projector_style():
            fig = Figure(figsize=(12.5, height), dpi=dpi)
            axes = fig.subplots(rows, 2)
            # A fixed layout: a layout engine would move the axes as tick labels change.
            fig.subplots_adjust(
                left=0.09,
                right=0.985,
                top=1 - 0.5 / height,
                bottom=2.0 / height,
                wspace=0.28,
                hspace=0.42,
            )
            self.panels: list[Panel] = [
                price_panel(axes[0][0]),
                welfare_panel(axes[0][1]),
                coalitions_panel(axes[1][0]),
                ScoreboardPanel(axes[1][1]),
                SellerPanel(axes[2][0], "Profit per seller", n_sellers, cumulative_profit),
                SellerPanel(
                    axes[2][1],
                    "Market share (units so far)",
                    n_sellers,
                    cumulative_share,
                    "%",
                    ceiling=100.0,
                ),
            ]
            if community:
                self.panels += [
                    ReputationPanel(axes[3][0], n_sellers),
                    BoycottPanel(axes[3][1], n_sellers),
                ]
            for p in self.panels:
                if not isinstance(p, ScoreboardPanel):
                    p.ax.set_xlim(0, steps)
            for ax in axes[-1]:
                ax.set_xlabel("step")
            self.waiting = fig.text(
                0.5, 0.5, "the charts start at step 1", ha="center", color="grey", fontsize=24
            )
            self.legend = fig.legend(
                handles=[
                    Line2D([], [], color=seller_colour(s), label=f"seller {s + 1}")
                    for s in range(n_sellers)
                ],
                loc="lower center",
                ncols=min(n_sellers, 3),
                frameon=False,
            )
        self.live = LiveFigure(fig)
        for p in self.panels:
            self.live.animate(*p.moving)

    @property
    def fig(self) -> Figure:
        """The figure."""
        return self.live.fig

    def update(self, data: ChartData) -> None:
        """Show the model's tables now."""
        if self.waiting.get_visible() == data.started:
            self.waiting.set_visible(not data.started)
            self.live.invalidate()
        if not data.started:
            return
        with projector_style():
            changed = [p.update(data) for p in self.panels]
            labels = seller_labels(data.sellers)
            for s, text in enumerate(self.legend.get_texts()):
                if s in labels and text.get_text() != labels[s]:
                    text.set_text(labels[s])
                    changed.append(True)
        if any(changed):
            self.live.invalidate()

    def png(self, fast: bool = True) -> bytes:
        """The charts as PNG bytes."""
        return self.live.png(fast)
