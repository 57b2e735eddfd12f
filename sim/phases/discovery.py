"""Phase ``discover``: word of mouth spreads invitations to coalitions over the graph.

Every bot gossips (word of mouth does not need its owner to be shopping): members of open
coalitions, and bots holding an invitation that has travelled fewer than
``coalition.invite_hops`` hops, tell each neighbour with probability
``coalition.forward_p``. Under ``coalition.discovery=cascade`` (the default) a bot forwards
a coalition's invitation once, as in the independent cascade; under ``resend`` it re-sends
every step. Each customer keeps the best invitation it holds or hears: one for its own
product first, then the largest group, then the fewest hops
(:func:`mechanisms.discovery.gossip_round`).
"""

from __future__ import annotations

from agents.coalition import CoalitionStatus
from mechanisms.discovery import gossip_round
from mechanisms.jit import use_kernels
from sim.state import MarketState

#: Plain-int code of open coalitions: comparing the int8 column with the IntEnum member
#: would make numpy widen the column first.
_OPEN = int(CoalitionStatus.OPEN)


def discover(state: MarketState) -> None:
    """Forward invitations one round; every customer keeps its best one."""
    cu, co = state.customers, state.coalitions
    if len(co) == 0:
        return
    co_cfg = state.cfg.coalition
    gossip_round(
        state.graph.indptr,
        state.graph.indices,
        coalition=cu.coalition,
        invite=cu.invite,
        invite_hops=cu.invite_hops,
        told=cu.told,
        is_open=co.status == _OPEN,
        co_product=co.product,
        co_size=co.size,
        product=cu.product,
        p=co_cfg.forward_p,
        max_hops=co_cfg.invite_hops,
        cascade=co_cfg.discovery == "cascade",
        rng=state.rng,
        jit=use_kernels(cu.n),
    )
