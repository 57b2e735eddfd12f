"""One round of the game on the model: apply every seller's offer, run the round's steps.

The room and the replay both play rounds through :func:`play_round`, so a game replayed from
its decision log runs exactly the same code on exactly the same inputs.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from agents.pricing.offer import Offer, OfferParams
from sim.model import MarketModel

#: Per seller and round, in the order the leaderboard and the record use.
ROUND_COLUMNS = (
    "round",
    "seller_id",
    "price",
    "units_sold",
    "revenue",
    "profit",
    "market_share",
    "warmth",
    "competence",
    "public_rating",
    "boycott_share",
    "reviews",
    "outrage",
)


def play_round(model: MarketModel, offers: Mapping[int, OfferParams], steps: int) -> None:
    """Every seller posts its offer, then the market runs ``steps`` steps.

    Args:
        model: The game's market (its sellers' policies are replaced by the offers).
        offers: The offer of every seller, by seller index.
        steps: Steps in a round.

    Raises:
        ValueError: if a seller has no offer.
    """
    missing = sorted(set(range(model.sellers.n)) - set(offers))
    if missing:
        raise ValueError(f"no offer for seller(s) {missing}")
    for seller, params in sorted(offers.items()):
        model.sellers.policies[seller] = Offer(params)
    model.refresh_prices()
    model.run(steps)


def round_results(
    model: MarketModel, round_: int, steps: int, offers: Mapping[int, OfferParams]
) -> pd.DataFrame:
    """Per seller, what round ``round_`` (the last ``steps`` steps) brought it.

    Sales, revenue and profit are the round's; reputation and boycotts are as they stand at
    the round's end; ``outrage`` counts customers newly outraged at the seller in the round.
    """
    frame = model.sellers_frame()
    last = frame[frame["step"] >= frame["step"].max() - steps + 1]
    grouped = last.groupby("seller_id", sort=True)
    end = last[last["step"] == last["step"].max()].set_index("seller_id")
    units = grouped["units_sold"].sum()
    total = units.sum()
    out = pd.DataFrame(
        {
            "round": np.full(model.sellers.n, round_, dtype=np.int64),
            "seller_id": np.arange(model.sellers.n, dtype=np.int64),
            "price": [float(offers[s].price) for s in range(model.sellers.n)],
            "units_sold": units.to_numpy(np.int64),
            "revenue": grouped["revenue"].sum().to_numpy(),
            "profit": grouped["profit"].sum().to_numpy(),
            "market_share": (units / total).to_numpy() if total else np.zeros(model.sellers.n),
            "warmth": end["warmth"].to_numpy(),
            "competence": end["competence"].to_numpy(),
            "public_rating": end["public_rating"].to_numpy(),
            "boycott_share": end["boycott_share"].to_numpy(),
            "reviews": grouped["reviews"].sum().to_numpy(),
            "outrage": (
                grouped["outrage_seeds"].sum() + grouped["outrage_contagion"].sum()
            ).to_numpy(),
        }
    )
    return out[list(ROUND_COLUMNS)]


def coalition_prices(model: MarketModel, steps_per_round: int) -> pd.DataFrame:
    """Per round: the mean unit price coalition members and solo buyers paid."""
    deals = model.deals_frame()
    group = np.where(deals["coalition_id"].to_numpy() >= 0, "coalition", "solo")
    frame = pd.DataFrame(
        {
            "round": deals["step"].to_numpy() // steps_per_round,
            "buyer": group,
            "paid": deals["unit_price"].to_numpy() * deals["quantity"].to_numpy(),
            "units": deals["quantity"].to_numpy(),
        }
    )
    sums = frame.groupby(["round", "buyer"], sort=True)[["paid", "units"]].sum()
    return (sums["paid"] / sums["units"]).unstack("buyer").reset_index()
