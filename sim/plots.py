"""Figures of one run (drawing lives here only; the model never imports this module)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.results import atomic_write  # noqa: E402


def _per_step(deals: pd.DataFrame, steps: int, group: bool) -> tuple[np.ndarray, np.ndarray]:
    d = deals[(deals["coalition_id"] >= 0) == group]
    money = (d["unit_price"] * d["quantity"]).groupby(d["step"]).sum()
    units = d["quantity"].groupby(d["step"]).sum()
    price = (money / units).reindex(range(steps))
    surplus = (
        ((d["willingness_to_pay"] - d["unit_price"]) * d["quantity"] - d["coordination_cost"])
        .groupby(d["step"])
        .sum()
        .reindex(range(steps), fill_value=0.0)
    )
    return price.to_numpy(), surplus.to_numpy()


def price_and_surplus_figure(
    deals: pd.DataFrame, timeseries: pd.DataFrame, path: Path | str, title: str = ""
) -> Path:
    """Mean unit price paid and consumer surplus per step, coalition vs solo buyers."""
    steps = int(timeseries["step"].max()) + 1 if len(timeseries) else 0
    fig, axes = plt.subplots(1, 3, figsize=(14, 4), constrained_layout=True)
    x = np.arange(steps)
    for group, label, colour in (
        (True, "coalition members", "tab:blue"),
        (False, "solo buyers", "tab:orange"),
    ):
        price, surplus = _per_step(deals, steps, group)
        axes[0].plot(x, price, ".-", color=colour, label=label, alpha=0.8)
        axes[1].plot(x, np.cumsum(surplus), color=colour, label=label)
    axes[0].set(xlabel="step", ylabel="mean unit price paid", title="Price paid")
    axes[1].set(xlabel="step", ylabel="cumulative consumer surplus", title="Consumer surplus")
    axes[2].plot(timeseries["step"], timeseries["active_buyers"], label="active buyers")
    axes[2].plot(timeseries["step"], timeseries["coalitions"], label="open coalitions")
    axes[2].set(xlabel="step", title="Market activity")
    for ax in axes:
        ax.legend(frameon=False)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)
    return Path(path)
