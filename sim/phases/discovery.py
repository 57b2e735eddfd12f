"""Phase ``discover``: word of mouth spreads invitations to coalitions over the graph.

Every bot gossips (word of mouth does not need its owner to be shopping): members of open
coalitions, and bots holding an invitation that has travelled fewer than
``coalition.invite_hops`` hops, tell each neighbour with probability
``coalition.forward_p`` (:func:`mechanisms.discovery.forward`). Each customer keeps the best
invitation it holds or hears: one for its own product first, then the largest group, then
the fewest hops (:func:`mechanisms.discovery.best_per_target`).
"""

from __future__ import annotations

import numpy as np

from agents.coalition import CoalitionStatus
from agents.customer import NO_COALITION
from mechanisms.discovery import best_per_target, forward
from sim.state import MarketState


def discover(state: MarketState) -> None:
    """Forward invitations one round; every customer keeps its best one."""
    cu, co = state.customers, state.coalitions
    if len(co) == 0:
        return
    co_cfg = state.cfg.coalition
    open_c = co.status == CoalitionStatus.OPEN
    stale = (cu.invite >= 0) & ~open_c[np.maximum(cu.invite, 0)]
    cu.invite[stale] = NO_COALITION
    member = (cu.coalition >= 0) & open_c[np.maximum(cu.coalition, 0)]
    relay = ~member & (cu.invite >= 0) & (cu.invite_hops < co_cfg.invite_hops)
    senders = np.flatnonzero(member | relay)
    if len(senders) == 0:
        return
    msg_c = np.where(member, cu.coalition, cu.invite)
    msg_h = np.where(member, 0, cu.invite_hops).astype(np.int64)
    src, dst = forward(
        state.graph.indptr, state.graph.indices, senders, co_cfg.forward_p, state.rng
    )
    ok = cu.coalition[dst] != msg_c[src]
    src, dst = src[ok], dst[ok]
    cid, hops = msg_c[src], msg_h[src] + 1
    heard = np.zeros(cu.n, dtype=bool)
    heard[dst] = True
    holders = np.flatnonzero(heard & (cu.invite >= 0))
    cand_t = np.concatenate([dst, holders])
    cand_c = np.concatenate([cid, cu.invite[holders]]).astype(np.int64)
    cand_h = np.concatenate([hops, cu.invite_hops[holders]]).astype(np.int64)
    matches = (co.product[cand_c] == cu.product[cand_t]).astype(np.int64)
    win = best_per_target(cand_t, -matches, -co.size[cand_c].astype(np.int64), cand_h, cand_c)
    cu.invite[cand_t[win]] = cand_c[win]
    cu.invite_hops[cand_t[win]] = cand_h[win]
