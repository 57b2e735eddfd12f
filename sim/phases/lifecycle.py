"""Phases ``arrive`` and ``expire``, and the coalition bookkeeping every phase shares.

A customer arrives (starts shopping) at its arrival step and leaves unserved when its
patience runs out. Coalitions are closed as ``bought`` or ``dissolved``; whoever leaves a
coalition gets back any crowdfunding money it holds in escrow (:func:`leave_coalitions`,
the one place pledges are released).
"""

from __future__ import annotations

import numpy as np

from agents.coalition import CoalitionStatus
from agents.customer import NO_COALITION, Status
from mechanisms.jit import lazy_kernel, use_kernels
from mechanisms.membership import members_of
from sim.state import MarketState

arrive_kernel = lazy_kernel("mechanisms.kernels.trade", "arrive_kernel")
expire_kernel = lazy_kernel("mechanisms.kernels.trade", "expire_kernel")

_WAITING, _ACTIVE, _LEFT = int(Status.WAITING), int(Status.ACTIVE), int(Status.LEFT)
#: Plain-int code of open coalitions: comparing the int8 column with the IntEnum member
#: would make numpy widen the column first.
_OPEN = int(CoalitionStatus.OPEN)


def arrive(state: MarketState) -> None:
    """Customers whose arrival step has come start shopping."""
    cu, t = state.customers, state.step.t
    if use_kernels(cu.n):
        arrive_kernel(cu.status, cu.arrival, cu.active_since, t, _WAITING, _ACTIVE)
        return
    # Plain-int codes (an IntEnum operand makes numpy widen the int8 column) and index
    # arrays: a step's arrivals are a small share of the customers.
    new = ((cu.status == _WAITING) & (cu.arrival <= t)).nonzero()[0]
    if len(new):
        cu.status[new] = _ACTIVE
        cu.active_since[new] = t


def expire(state: MarketState) -> None:
    """Customers out of patience leave unserved (and leave their coalition).

    Coalition sizes are recounted only when a member left: every step's trade ends with a
    recount, so otherwise the recount would change nothing.
    """
    cu, t = state.customers, state.step.t
    if use_kernels(cu.n):
        member_left = expire_kernel(
            cu.status,
            cu.active_since,
            cu.patience,
            cu.escrow,
            cu.coalition,
            cu.invite,
            t,
            _ACTIVE,
            _LEFT,
        )
    else:
        # Crowdfunding backers have paid: they wait for their campaign to close. Patience
        # runs out when ``remaining_patience(t) <= 0``, i.e. active_since + patience <= t.
        out = (
            (cu.status == _ACTIVE) & (cu.active_since + cu.patience <= t) & (cu.escrow == 0)
        ).nonzero()[0]
        if len(out) == 0:
            return
        member_left = bool((cu.coalition[out] != NO_COALITION).any())
        cu.status[out] = _LEFT
        cu.coalition[out] = NO_COALITION
        cu.invite[out] = NO_COALITION
    if member_left:
        refresh_coalitions(state)


def leave_coalitions(state: MarketState, who: np.ndarray) -> None:
    """Customers ``who`` leave their coalitions; pledged escrow is refunded to them."""
    if len(who) == 0:
        return
    cu, co = state.customers, state.coalitions
    back = cu.escrow[who]
    if back.any():
        cu.refunded[who] += back
        np.add.at(co.refunded, cu.coalition[who], back)
    cu.escrow[who] = 0.0
    cu.coalition[who] = NO_COALITION


def close(
    state: MarketState,
    ids: np.ndarray,
    status: CoalitionStatus,
    members: np.ndarray | None = None,
) -> None:
    """Close coalitions ``ids`` as ``status``; members of dissolved ones are freed.

    Args:
        state: The market.
        ids: The coalitions.
        status: ``BOUGHT`` or ``DISSOLVED``.
        members: The customers still in ``ids``, ascending, when the caller knows them (none,
            for groups it has just emptied); otherwise looked up in the customers' column.
    """
    if len(ids) == 0:
        return
    co, cu = state.coalitions, state.customers
    co.status[ids] = status
    co.closed[ids] = state.step.t
    if status == CoalitionStatus.DISSOLVED:
        if members is None:
            gone = np.zeros(len(co), dtype=bool)
            gone[ids] = True
            members = members_of(cu.coalition, gone, use_kernels(cu.n))
        leave_coalitions(state, members)


def refresh_coalitions(state: MarketState) -> None:
    """Recount coalition sizes from the members' column; empty open coalitions dissolve."""
    co, cu = state.coalitions, state.customers
    if len(co) == 0:
        return
    co.refresh_sizes(cu.coalition, cu.quantity)
    empty = ((co.status == _OPEN) & (co.size == 0)).nonzero()[0]
    if len(empty):
        # Just counted empty: no member to look up (a scan of every customer).
        close(state, empty, CoalitionStatus.DISSOLVED, members=np.empty(0, dtype=np.int64))
