"""Phase ``collect``: the step's figures for the time series and the sellers' table.

The Mesa ``DataCollector`` then records :attr:`sim.state.StepRecord.figures` (the model's
reporters read them).
"""

from __future__ import annotations

import numpy as np

from agents.coalition import CoalitionStatus
from mechanisms.arrays import filled
from sim.results.metrics import loyalty, step_metrics
from sim.state import MarketState

#: Per-seller community columns of the sellers' table (NaN without a community).
COMMUNITY_SELLER_COLUMNS = (
    "warmth",
    "competence",
    "public_rating",
    "boycott_share",
    "reviews",
    "outrage_seeds",
    "outrage_contagion",
)

#: Plain-int code of open coalitions: comparing the int8 column with the IntEnum member
#: would make numpy widen the column first.
_OPEN = int(CoalitionStatus.OPEN)


def collect(state: MarketState) -> None:
    """Compute the step's time-series row and append its sellers' rows."""
    step, co = state.step, state.coalitions
    open_sizes = co.size[co.status == _OPEN] if len(co) else np.empty(0)
    figures = step_metrics(step.t, step.deals, step.active_buyers, open_sizes, step.rounds)
    figures.update(state.community.step_figures(step.t))
    deals = step.deals
    figures["loyalty"] = (
        loyalty(deals.previous_seller, deals.seller_id) if deals is not None else float("nan")
    )
    step.figures = figures
    state.seller_log.append(seller_rows(state))


def seller_rows(state: MarketState) -> dict[str, np.ndarray]:
    """One row per seller for this step: sales, profit, share and (if on) reputation."""
    b, t = state.sellers, state.step.t
    n = b.n
    units0, revenue0, cost0 = state.step.sellers_before
    units = (b.units_sold - units0).astype(np.int64)
    total = units.sum()
    revenue = b.revenue - revenue0
    steps = filled(n, t, dtype=np.int64)
    row = {
        "step": steps,
        "seller_id": np.arange(n, dtype=np.int64),
        "units_sold": units,
        "revenue": revenue,
        "profit": revenue - (b.cost - cost0),
        "market_share": units / total if total else np.zeros(n),
        "price_multiplier": b.scale * b.response,
        "policy": np.array([p.name for p in b.policies], dtype=object),
    }
    extra = state.community.seller_rows(t)
    nan = filled(n, np.nan)
    if extra:
        row.update({key: extra.get(key, nan) for key in COMMUNITY_SELLER_COLUMNS})
    else:
        row.update(dict.fromkeys(COMMUNITY_SELLER_COLUMNS, nan))
    return row
