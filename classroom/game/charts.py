"""The game's charts for the projector, drawn server-side as PNG (large fonts, one figure).

Drawn with matplotlib's object API (no pyplot state), so requests in parallel threads do
not share a figure.
"""

from __future__ import annotations

import io

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

#: Readable from the back of a classroom.
FONTS = {"font.size": 15, "axes.titlesize": 18, "axes.labelsize": 15, "legend.fontsize": 12}


def market_png(history: pd.DataFrame, prices: pd.DataFrame, rounds: int) -> bytes:
    """Four panels over the game's ``rounds``: price, profit, share, coalition vs solo."""
    with mpl.rc_context(FONTS):
        fig = Figure(figsize=(14, 9), layout="constrained")
        axes = fig.subplots(2, 2)
        if history.empty:
            for ax in axes.flat:
                ax.text(0.5, 0.5, "after the first round", ha="center", va="center")
                ax.set_axis_off()
            return _png(fig)
        shown = history.assign(round=history["round"] + 1)
        for (_, name), rows in shown.groupby(["seller_id", "name"], sort=True):
            axes[0, 0].plot(rows["round"], rows["price"], marker="o", label=name)
            axes[0, 1].plot(rows["round"], rows["profit"].cumsum(), marker="o", label=name)
            axes[1, 0].plot(rows["round"], 100 * rows["market_share"], marker="o", label=name)
        axes[0, 0].set_title("Posted price")
        axes[0, 1].set_title("Profit so far")
        axes[1, 0].set_title("Market share (%)")
        if shown["seller_id"].nunique() <= 12:
            axes[0, 0].legend(loc="best", ncols=2)
        _buyers(axes[1, 1], prices)
        for ax in axes.flat:
            _rounds_axis(ax, rounds)
        return _png(fig)


def debrief_png(history: pd.DataFrame, prices: pd.DataFrame, rounds: int) -> bytes:
    """Three panels: price over rounds per seller, boycotts per seller, coalition vs solo."""
    with mpl.rc_context(FONTS):
        fig = Figure(figsize=(18, 6), layout="constrained")
        axes = fig.subplots(1, 3)
        if not history.empty:
            shown = history.assign(round=history["round"] + 1)
            for (_, name), rows in shown.groupby(["seller_id", "name"], sort=True):
                axes[0].plot(rows["round"], rows["price"], marker="o", label=name)
                axes[1].plot(rows["round"], 100 * rows["boycott_share"], marker="o", label=name)
            if shown["seller_id"].nunique() <= 12:
                axes[0].legend(loc="best", ncols=2)
        axes[0].set_title("Price over rounds")
        axes[1].set_title("Customers boycotting (%)")
        _buyers(axes[2], prices)
        for ax in axes:
            _rounds_axis(ax, rounds)
        return _png(fig)


def _rounds_axis(ax, rounds: int) -> None:
    ax.set_xlabel("round")
    ax.set_xlim(0.5, rounds + 0.5)
    step = max(1, rounds // 10)
    ax.set_xticks(range(1, rounds + 1, step))


def _buyers(ax, prices: pd.DataFrame) -> None:
    ax.set_title("Price paid: coalition vs solo")
    if prices.empty:
        return
    x = prices["round"].to_numpy() + 1
    for col, style in (("solo", "s-"), ("coalition", "o-")):
        if col in prices:
            y = prices[col].to_numpy(dtype=float)
            if np.isfinite(y).any():
                ax.plot(x, y, style, label=col)
    ax.legend(loc="best")


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=72)
    return buf.getvalue()
