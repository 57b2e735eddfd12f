"""The end-of-game debrief: who won, who was boycotted and why, what coalitions did to prices.

Pure functions over the game's records (per round and seller results, the decision log and
the per-round prices coalition members and solo buyers paid), so the projector, the tests
and a notebook all read the same sentences.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

#: A seller counts as boycotted once this share of customers boycotts it.
BOYCOTT_SHARE = 0.2


def boycotts(history: pd.DataFrame, decisions: pd.DataFrame, capacity: int) -> list[dict[str, Any]]:
    """Every seller boycotted at some round end, with what it did before.

    Args:
        history: Per round and seller results (``Room.history``).
        decisions: The decision log.
        capacity: Units a seller can sell in a round (customers who agreed to buy from a
            seller that has sold out are turned away, and complain).

    Returns:
        One entry per boycotted seller: name, the round the boycott first passed
        ``BOYCOTT_SHARE``, its peak share, the customers outraged at it, and the reasons
        its record suggests (personalised prices, selling out, prices above the market's).
    """
    out = []
    if history.empty:
        return out
    market = history.groupby("round")["price"].mean()
    for seller, rows in history.groupby("seller_id", sort=True):
        hit = rows[rows["boycott_share"] >= BOYCOTT_SHARE]
        if hit.empty:
            continue
        first = int(hit["round"].iloc[0])
        before = decisions[(decisions["seller_id"] == seller) & (decisions["round"] <= first)]
        reasons = []
        personalised = before[before["personalised"].astype(bool)]["round"].tolist()
        if personalised:
            reasons.append(
                "personalised prices (customers who saw neighbours pay less felt cheated) "
                f"in round(s) {', '.join(str(int(r) + 1) for r in personalised)}"
            )
        if (rows.loc[rows["round"] <= first, "units_sold"] >= capacity).any():
            reasons.append(
                "selling out: customers who had agreed to buy were turned away "
                f"(at most {capacity} units a round)"
            )
        dear = rows[
            (rows["round"] <= first) & (rows["price"] > 1.1 * market[rows["round"]].to_numpy())
        ]
        if len(dear):
            reasons.append("prices more than 10% above the market average")
        if not reasons:
            reasons.append("poor value for money in customers' reviews")
        out.append(
            {
                "seller_id": int(seller),
                "name": str(rows["name"].iloc[0]),
                "first_round": first + 1,
                "peak_share": float(rows["boycott_share"].max()),
                "outraged": int(rows["outrage"].sum()),
                "reasons": reasons,
            }
        )
    return out


def coalition_effect(prices: pd.DataFrame) -> dict[str, Any]:
    """How much less coalition members paid than solo buyers, over the game."""
    if prices.empty or "coalition" not in prices or prices["coalition"].isna().all():
        return {"coalition_price": None, "solo_price": None, "saving": None}
    coal = float(np.nanmean(prices["coalition"]))
    solo = float(np.nanmean(prices["solo"])) if "solo" in prices else float("nan")
    saving = None if solo != solo or solo <= 0 else 1 - coal / solo
    return {"coalition_price": coal, "solo_price": solo if solo == solo else None, "saving": saving}


def sentences(
    leaderboard: list[dict[str, Any]], banned: list[dict[str, Any]], effect: dict[str, Any]
) -> list[str]:
    """The debrief in a few plain sentences."""
    lines = []
    if leaderboard:
        top = leaderboard[0]
        lines.append(
            f"{top['name']} earned the most: {top['profit']:,.2f} profit with "
            f"{100 * top['market_share']:.0f}% of units sold."
        )
    if banned:
        for b in banned:
            lines.append(
                f"{b['name']} was boycotted from round {b['first_round']} (peak "
                f"{100 * b['peak_share']:.0f}% of customers, {b['outraged']} outraged), "
                f"after {'; '.join(b['reasons'])}."
            )
    else:
        lines.append("No seller was boycotted.")
    if effect["saving"] is not None:
        lines.append(
            f"Coalition members paid {effect['coalition_price']:.2f} a unit against "
            f"{effect['solo_price']:.2f} for solo buyers ({100 * effect['saving']:.0f}% less)."
        )
    else:
        lines.append("No coalition bought: no seller offered a group deal worth banding for.")
    return lines
