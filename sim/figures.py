"""Figures of one run (drawing lives here only; the model never imports this module)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.results.io import atomic_write  # noqa: E402

COLOURS = {True: "tab:blue", False: "tab:orange"}
LABELS = {True: "coalition members", False: "solo buyers"}


def relative_prices(deals: pd.DataFrame) -> pd.Series:
    """Unit price paid relative to the mean solo price of the same product (1 = solo level).

    Products differ in cost, so raw prices are not comparable across products; products
    nobody bought alone are compared with the overall solo mean.
    """
    solo = deals[deals["coalition_id"] < 0]
    overall = solo["unit_price"].mean() if len(solo) else deals["unit_price"].mean()
    ref = deals["product"].map(solo.groupby("product")["unit_price"].mean()).fillna(overall)
    return deals["unit_price"] / ref


def price_and_surplus_figure(
    deals: pd.DataFrame, timeseries: pd.DataFrame, path: Path | str, title: str = ""
) -> Path:
    """Four panels: relative price over time, cumulative surplus, price by size, activity."""
    steps = int(timeseries["step"].max()) + 1 if len(timeseries) else 0
    d = deals.assign(rel=relative_prices(deals), group=deals["coalition_id"] >= 0)
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), constrained_layout=True)
    (a_price, a_surplus), (a_size, a_activity) = axes
    x = np.arange(steps)
    for group in (True, False):
        part = d[d["group"] == group]
        weight = part["quantity"]
        num = (part["rel"] * weight).groupby(part["step"]).sum().reindex(x, fill_value=0.0)
        den = weight.groupby(part["step"]).sum().reindex(x, fill_value=0)
        window = 5
        smooth = num.rolling(window, min_periods=1).sum() / den.rolling(window, min_periods=1).sum()
        a_price.plot(x, smooth.to_numpy(), color=COLOURS[group], label=LABELS[group])
        surplus = (
            (
                (part["willingness_to_pay"] - part["unit_price"]) * part["quantity"]
                - part["coordination_cost"]
            )
            .groupby(part["step"])
            .sum()
            .reindex(x, fill_value=0.0)
        )
        a_surplus.plot(x, np.cumsum(surplus.to_numpy()), color=COLOURS[group], label=LABELS[group])
    a_price.axhline(1.0, color="grey", lw=0.8, ls="--")
    a_price.set(
        xlabel="step",
        ylabel="price paid / product's mean solo price",
        title="Price paid (5-step rolling mean)",
    )
    a_surplus.set(xlabel="step", ylabel="cumulative consumer surplus", title="Consumer surplus")

    g = d[d["group"]]
    if len(g):
        a_size.scatter(g["coalition_size"], g["rel"], s=6, alpha=0.25, color=COLOURS[True])
        means = g.groupby("coalition_size")["rel"].mean()
        a_size.plot(means.index, means.to_numpy(), "o-", color="navy", label="mean")
        a_size.legend(frameon=False)
    a_size.axhline(1.0, color="grey", lw=0.8, ls="--")
    a_size.set(
        xlabel="coalition size (members)",
        ylabel="price paid / mean solo price",
        title="Group buying: price by coalition size",
    )

    a_activity.plot(timeseries["step"], timeseries["active_buyers"], label="active buyers")
    a_activity.plot(timeseries["step"], timeseries["coalitions"], label="open coalitions")
    a_activity.plot(timeseries["step"], timeseries["deals"], label="purchases")
    a_activity.set(xlabel="step", title="Market activity")
    for ax in axes.flat:
        ax.grid(alpha=0.3)
    for ax in (a_price, a_surplus, a_activity):
        ax.legend(frameon=False)
    if title:
        fig.suptitle(title)
    atomic_write(path, lambda p: fig.savefig(p, dpi=100, format="png"))
    plt.close(fig)
    return Path(path)
