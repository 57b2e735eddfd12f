"""The run's result tables as pandas frames, built from the state's logs and tables."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from agents.coalition import CoalitionStatus, CoalitionTable
from agents.seller import SellerBook
from sim.records import DEAL_COLUMNS, PROTOCOL_LABELS, DealChunk


def deals_frame(chunks: list[DealChunk]) -> pd.DataFrame:
    """The event log: one row per customer purchase (columns :data:`DEAL_COLUMNS`)."""
    if not chunks:
        return pd.DataFrame({k: np.empty(0, dtype=dt) for k, dt in DEAL_COLUMNS.items()})
    frame = pd.DataFrame(
        {
            f.name: np.concatenate([getattr(c, f.name) for c in chunks])
            for f in dataclasses.fields(DealChunk)
            if f.name != "protocol"
        }
    )
    frame["protocol"] = PROTOCOL_LABELS[np.concatenate([c.protocol for c in chunks])]
    return frame[list(DEAL_COLUMNS)]


def coalitions_frame(co: CoalitionTable, sellers: SellerBook) -> pd.DataFrame:
    """One row per coalition ever founded: its terms and outcome (the seller it bought from).

    ``status`` is ``open`` (still recruiting at the end), ``bought`` or ``dissolved``;
    ``refunded`` is the crowdfunding money returned to its backers (campaign failed, or
    backers left the order); ``host`` is the seller that seeded the group (-1 if none).
    """
    names = np.array([st.name.lower() for st in CoalitionStatus], dtype=object)
    mech = sellers.mechanism()
    seller = co.seller.astype(np.int64)
    return pd.DataFrame(
        {
            "coalition_id": np.arange(len(co), dtype=np.int64),
            "product": co.product.astype(np.int64),
            "founder": co.founder.astype(np.int64),
            "founded": co.founded.astype(np.int64),
            "closed": co.closed.astype(np.int64),
            "status": names[co.status.astype(np.int64)] if len(co) else names[:0],
            "seller_id": seller,
            "mechanism": np.where(seller >= 0, mech[np.maximum(seller, 0)], "")
            if len(co)
            else np.empty(0, dtype=object),
            "threshold": co.threshold.astype(np.int64),
            "deadline": co.deadline.astype(np.int64),
            "refunded": co.refunded.astype(np.float64),
            "host": co.host.astype(np.int64),
        }
    )


def sellers_frame(rows: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """Per step and seller: sales, profit, market share and reputation.

    Columns: units, revenue, profit, market share, price multiplier and, with community
    dynamics, mean warmth/competence, public rating, boycott share, reviews and new
    outrage (seeds and contagion); NaN for those without. Each row carries the policy the
    seller ran that step (a seller may reform).
    """
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame({k: np.concatenate([r[k] for r in rows]) for k in rows[0]})
    frame.insert(2, "policy", frame.pop("policy"))
    return frame


def cascades_frame(rows: list[tuple[int, int, int, int]]) -> pd.DataFrame:
    """Outrage cascades: seller, start and end step, size (ongoing ones end at -1)."""
    return pd.DataFrame(rows, columns=["seller_id", "start", "end", "size"]).astype("int64")
