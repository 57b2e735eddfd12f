"""What the charts read: the model's tables at one moment, and figures derived from them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.figures import relative_prices
from sim.model import MarketModel


@dataclass(frozen=True)
class ChartData:
    """What the charts read, taken from the model at one moment.

    Attributes:
        timeseries: ``model.timeseries_frame()``.
        sellers: ``model.sellers_frame()`` (empty before the first step).
        deals: ``model.deals_frame()``.
        n_customers: Customers in the market.
    """

    timeseries: pd.DataFrame
    sellers: pd.DataFrame
    deals: pd.DataFrame
    n_customers: int

    @classmethod
    def of(cls, model: MarketModel) -> ChartData:
        """The model's tables now."""
        return cls(
            model.timeseries_frame(),
            model.sellers_frame(),
            model.deals_frame(),
            model.customers.n,
        )

    @property
    def started(self) -> bool:
        """Whether a step has run."""
        return len(self.timeseries) > 0 and len(self.sellers) > 0

    @property
    def x(self) -> np.ndarray:
        """Steps run (1, 2, ...), the x of every line."""
        return self.timeseries["step"].to_numpy() + 1


def per_seller(sellers: pd.DataFrame, column: str) -> pd.DataFrame:
    """``column`` as a step x seller table."""
    return sellers.pivot(index="step", columns="seller_id", values=column).sort_index()


def seller_labels(sellers: pd.DataFrame) -> dict[int, str]:
    """``seller s (policy)`` per seller id, with the policy it runs now."""
    last = sellers[sellers["step"] == sellers["step"].max()]
    return {
        int(s): f"seller {int(s) + 1} ({p.replace('_', ' ')})"
        for s, p in zip(last["seller_id"], last["policy"], strict=True)
    }


def coalition_discount(deals: pd.DataFrame) -> float:
    """How much less coalition members paid than solo buyers of the same product (share).

    NaN until both kinds of buyer have bought.
    """
    group = (deals["coalition_id"] >= 0).to_numpy()
    if not group.any() or group.all():
        return float("nan")
    rel = relative_prices(deals).to_numpy()
    q = deals["quantity"].to_numpy()
    return float(1.0 - (rel[group] * q[group]).sum() / q[group].sum())
