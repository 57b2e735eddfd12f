"""Metrics: per-step figures for the DataCollector and run summaries from the deal log.

The deal log (one row per customer purchase) is the source of truth: :func:`summarize`
computes every summary figure from it, so a summary can always be re-derived from
``deals.parquet``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.records import DealChunk, Protocol

TIMESERIES_COLUMNS: tuple[str, ...] = (
    "step",
    "active_buyers",
    "coalitions",
    "mean_coalition_size",
    "deals",
    "units_sold",
    "mean_price_coalition",
    "mean_price_solo",
    "consumer_surplus",
    "seller_profit",
    "welfare",
    "mean_rounds_to_agreement",
    "reviews",
    "outrage_new",
    "boycotting_customers",
    "loyalty",
)


RUN_TOTALS: dict[str, str] = {
    "total_deals": "deals",
    "total_units_sold": "units_sold",
    "total_consumer_surplus": "consumer_surplus",
    "total_seller_profit": "seller_profit",
    "total_welfare": "welfare",
}
"""Whole-run totals the model also reports each step (running sums of the step flows named
here), so ``mesa.batch_run``, which keeps the last step's reporters, gets run totals."""


def _mean(values: np.ndarray) -> float:
    """``float(np.mean(values))`` of a non-empty array, without ``np.mean``'s wrappers.

    Integer and boolean values are summed as float64 and divided by the count, as
    ``np.mean`` does; other dtypes go to ``np.mean`` itself.
    """
    values = np.asarray(values)
    if values.dtype.kind in "iub":
        return float(np.add.reduce(values, axis=None, dtype=np.float64)) / values.size
    return float(np.mean(values))


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    w = float(weights.sum())
    return float((values * weights).sum() / w) if w > 0 else float("nan")


def _flows(
    qty: np.ndarray,
    unit_price: np.ndarray,
    seller_price: np.ndarray,
    wtp: np.ndarray,
    cost: np.ndarray,
    coord: np.ndarray,
) -> tuple[float, float]:
    """Consumer surplus (net of coordination costs) and seller profit of a set of purchases."""
    cs = float(((wtp - unit_price) * qty).sum() - coord.sum())
    profit = float(((seller_price - cost) * qty).sum())
    return cs, profit


def loyalty(previous_seller: np.ndarray, seller: np.ndarray) -> float:
    """Share of repeat purchases made from the same seller as the customer's previous one.

    Args:
        previous_seller: Seller of each purchase's previous purchase (-1 for a first one).
        seller: Seller of each purchase.

    Returns:
        The share, NaN when no purchase is a repeat.
    """
    back = previous_seller >= 0
    return _mean(previous_seller[back] == seller[back]) if back.any() else float("nan")


def step_metrics(
    step: int,
    chunk: DealChunk | None,
    active_buyers: int,
    open_sizes: np.ndarray,
    rounds: np.ndarray,
) -> dict[str, float]:
    """Figures of one step, from that step's purchases and the open coalitions."""
    out: dict[str, float] = {
        "step": int(step),
        "active_buyers": int(active_buyers),
        "coalitions": int(len(open_sizes)),
        "mean_coalition_size": _mean(open_sizes) if len(open_sizes) else float("nan"),
        "deals": 0,
        "units_sold": 0,
        "mean_price_coalition": float("nan"),
        "mean_price_solo": float("nan"),
        "consumer_surplus": 0.0,
        "seller_profit": 0.0,
        "welfare": 0.0,
        "mean_rounds_to_agreement": _mean(rounds) if len(rounds) else float("nan"),
    }
    if chunk is None or len(chunk) == 0:
        return out
    q = chunk.quantity
    group = chunk.coalition_id >= 0
    if group.any():
        price_coalition = _weighted_mean(chunk.unit_price[group], q[group])
        price_solo = _weighted_mean(chunk.unit_price[~group], q[~group])
    else:
        price_coalition = float("nan")
        price_solo = _weighted_mean(chunk.unit_price, q)
    cs, profit = _flows(
        q,
        chunk.unit_price,
        chunk.seller_unit_price,
        chunk.willingness_to_pay,
        chunk.seller_unit_cost,
        chunk.coordination_cost,
    )
    out.update(
        deals=int(len(q)),
        units_sold=int(q.sum()),
        mean_price_coalition=price_coalition,
        mean_price_solo=price_solo,
        consumer_surplus=cs,
        seller_profit=profit,
        welfare=cs + profit,
    )
    return out


def summarize(
    deals: pd.DataFrame,
    *,
    n_customers: int,
    n_sellers: int,
    steps: int,
    seed: int,
    coalitions: pd.DataFrame | None = None,
    sellers: pd.DataFrame | None = None,
    cascades: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Run summary computed from the deal log alone (plus the run's size and seed).

    Prices are quantity-weighted means of what customers paid per unit. Consumer surplus is
    net of coordination costs. ``coalitions_formed`` counts coalitions that bought and
    ``mean_coalition_size`` is their mean number of buying members (the time series'
    ``coalitions``/``mean_coalition_size`` describe the coalitions open at each step).
    ``mean_rounds_to_agreement`` averages over bargained orders (one per coalition).

    With the coalition log (``coalitions.parquet``) it adds ``coalitions_started``,
    ``coalition_success_rate`` (bought / closed), ``money_refunded`` (crowdfunding money
    returned to backers) and
    ``coalition_time_to_buy`` (mean steps from founding to purchase);
    with the sellers' table and the outrage-cascade log, ``reviews_posted``,
    ``outrage_cascades`` and ``mean_cascade_size``, and with the community on,
    ``public_rating`` (sellers' mean public rating at the last step, -1..1) and
    ``peak_boycott_share`` (the largest share of customers boycotting one seller at any step).
    """
    q = deals["quantity"].to_numpy()
    group = deals["coalition_id"].to_numpy() >= 0
    unit_price = deals["unit_price"].to_numpy()
    cs, profit = _flows(
        q,
        unit_price,
        deals["seller_unit_price"].to_numpy(),
        deals["willingness_to_pay"].to_numpy(),
        deals["seller_unit_cost"].to_numpy(),
        deals["coordination_cost"].to_numpy(),
    )
    sizes = deals.loc[group].groupby("coalition_id").size()
    # Rounds are counted per order (a coalition's order is one negotiation), as per step.
    bargained = deals["protocol"].to_numpy() == Protocol.ALTERNATING_OFFERS.label
    # A solo order is one customer's purchase in one step (customers may buy again).
    solo_id = deals["customer_id"].to_numpy() * (int(steps) + 1) + deals["step"].to_numpy()
    order_id = np.where(group, deals["coalition_id"], -1 - solo_id)
    first_row = np.zeros(len(deals), dtype=bool)
    if len(deals):
        _, first = np.unique(order_id, return_index=True)
        first_row[first] = True
    rounds = deals["rounds"].to_numpy()[bargained & first_row]
    served = int(deals["customer_id"].nunique())
    return (
        {
            "n_customers": int(n_customers),
            "n_sellers": int(n_sellers),
            "steps": int(steps),
            "seed": int(seed),
            "deals": int(len(deals)),
            "units_sold": int(q.sum()),
            "buyers_served": served,
            "buyers_served_share": served / n_customers if n_customers else 0.0,
            "coalition_buyers_share": float(group.sum() / len(deals)) if len(deals) else 0.0,
            "mean_price_coalition": _weighted_mean(unit_price[group], q[group]),
            "mean_price_solo": _weighted_mean(unit_price[~group], q[~group]),
            "consumer_surplus": cs,
            "seller_profit": profit,
            "welfare": cs + profit,
            "coalitions_formed": int(len(sizes)),
            "mean_coalition_size": float(sizes.mean()) if len(sizes) else float("nan"),
            "mean_rounds_to_agreement": float(rounds.mean()) if len(rounds) else float("nan"),
            "mean_price": _weighted_mean(unit_price, q),
            "repeat_purchases": int((deals["previous_seller"].to_numpy() >= 0).sum()),
            "loyalty": loyalty(deals["previous_seller"].to_numpy(), deals["seller_id"].to_numpy()),
            "mean_satisfaction": float(deals["satisfaction"].mean())
            if len(deals)
            else float("nan"),
        }
        | (_coalition_summary(coalitions) if coalitions is not None else {})
        | (_community_summary(sellers, cascades) if sellers is not None else {})
    )


def _community_summary(sellers: pd.DataFrame, cascades: pd.DataFrame | None) -> dict[str, Any]:
    reviews = sellers["reviews"].fillna(0).sum() if len(sellers) else 0
    n_cascades = int(len(cascades)) if cascades is not None else 0
    out = {
        "reviews_posted": int(reviews),
        "outrage_cascades": n_cascades,
        "mean_cascade_size": float(cascades["size"].mean()) if n_cascades else float("nan"),
    }
    if len(sellers) and sellers["public_rating"].notna().any():
        # Only with the community on (its columns are NaN otherwise).
        last = sellers[sellers["step"] == sellers["step"].max()]
        out["public_rating"] = float(last["public_rating"].mean())
        out["peak_boycott_share"] = float(sellers["boycott_share"].max())
    return out


def _coalition_summary(co: pd.DataFrame) -> dict[str, Any]:
    closed = co["status"] != "open"
    bought = int((co["status"] == "bought").sum())
    done = co[co["status"] == "bought"]
    return {
        "coalitions_started": int(len(co)),
        "coalition_success_rate": bought / int(closed.sum()) if closed.any() else float("nan"),
        "money_refunded": float(co["refunded"].sum()),
        "coalition_time_to_buy": float((done["closed"] - done["founded"]).mean())
        if len(done)
        else float("nan"),
    }
