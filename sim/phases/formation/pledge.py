"""``coalition.algorithm=threshold_pledge``: pledge campaigns for threshold and crowdfunding deals.

A founder targets the seller with the best group price at its minimum quantity; pledges
accumulate until the campaign deadline (``pledge_window`` steps). A threshold deal fires as
soon as pledges reach the seller's minimum; a crowdfunding campaign (backers pay into escrow
when they pledge) settles at its deadline; a campaign still short at its deadline is
cancelled and every pledge released (:func:`mechanisms.campaigns.threshold_outcome`). A
campaign never takes more pledged units than its seller can deliver in a step.
"""

from __future__ import annotations

import numpy as np

from agents.coalition import CoalitionStatus
from mechanisms.allocation import first_fit
from mechanisms.campaigns import FAILS, FIRES, threshold_outcome
from mechanisms.jit import use_kernels
from mechanisms.membership import members_of
from sim.community import CANCELLED_CAMPAIGN
from sim.phases.formation.base import DealTerms, FormationStrategy, FoundingTerms
from sim.phases.lifecycle import close
from sim.records import Protocol
from sim.state import MarketState


class ThresholdPledge(FormationStrategy):
    """Pledge campaigns at a seller's minimum quantity (module docstring)."""

    name = "threshold_pledge"

    def group_price(
        self, state: MarketState, cids: np.ndarray, units: np.ndarray, advertised: bool = True
    ) -> np.ndarray:
        """The target seller's quote (a crowdfunding price is fixed at founding)."""
        co = state.coalitions
        q = np.maximum(units, co.threshold[cids]) if advertised else units
        price = state.sellers.quote(co.seller[cids], co.product[cids], q)
        return np.where(np.isnan(co.price[cids]), price, co.price[cids])

    def may_join(self, state: MarketState, idx: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Only customers in no campaign pledge, never to a seller they boycott."""
        target_seller = np.maximum(state.coalitions.seller[target], 0)
        refuses = state.community.refuses(idx, target_seller, state.step.t)
        return (state.customers.coalition[idx] < 0) & ~refuses

    def admit(
        self,
        state: MarketState,
        idx: np.ndarray,
        target: np.ndarray,
        priority: np.ndarray,
        ok: np.ndarray,
    ) -> np.ndarray:
        """A campaign never takes more pledges than its seller can deliver in a step."""
        co = state.coalitions
        units_room = np.maximum(state.sellers.capacity[np.maximum(co.seller, 0)] - co.units, 0)
        k = ok.nonzero()[0]
        ok[k] = first_fit(target[k], state.customers.quantity[idx[k]], units_room, priority[k])
        return ok

    def founding_terms(self, state: MarketState, product: np.ndarray) -> FoundingTerms:
        """The seller with the best quote at its own minimum quantity, and that quote."""
        b = state.sellers
        moq = np.array([pol.min_group_quantity() for pol in b.policies])
        s_grid = np.broadcast_to(np.arange(b.n), (len(product), b.n))
        quotes = b.quote(s_grid, np.broadcast_to(product[:, None], s_grid.shape), moq[s_grid])
        seller = np.argmin(quotes, axis=1).astype(np.int32)
        threshold = moq[seller].astype(np.int32)
        hoped = b.quote(seller, product, threshold)
        crowdfunding = b.mechanism()[seller] == "crowdfunding"
        deadline = state.step.t + state.cfg.coalition.pledge_window
        return FoundingTerms(
            seller=seller,
            threshold=threshold,
            hoped=hoped,
            deadline=np.full(len(product), deadline, dtype=np.int32),
            price=np.where(crowdfunding, hoped, np.nan),
        )

    def after_founding(self, state: MarketState) -> None:
        """Crowdfunding backers pay the campaign price up front, into escrow."""
        cu, co = state.customers, state.coalitions
        if len(co) == 0:
            return
        crowdfunding = state.sellers.mechanism() == "crowdfunding"
        campaign = (co.seller >= 0) & crowdfunding[np.maximum(co.seller, 0)]
        backers = members_of(cu.coalition, campaign, use_kernels(cu.n))
        payers = backers[cu.escrow[backers] == 0]
        cu.escrow[payers] = co.price[cu.coalition[payers]] * cu.quantity[payers]
        state.escrow_in += float(cu.escrow[payers].sum())

    # ------------------------------------------------------------------ trade

    def ready(self, state: MarketState) -> np.ndarray:
        """Threshold deals that reached their minimum; crowdfunding at its deadline.

        Campaigns short of their minimum at the deadline are cancelled (every pledge
        released) and their backers remember the let-down.
        """
        cu, co, t = state.customers, state.coalitions, state.step.t
        if len(co) == 0:
            return np.empty(0, dtype=np.int64)
        open_c = co.status == CoalitionStatus.OPEN
        status = threshold_outcome(co.units, co.threshold, t >= co.deadline)
        mech = state.sellers.mechanism()[np.maximum(co.seller, 0)]
        waits = (mech == "crowdfunding") & (t < co.deadline)
        expired = open_c & (status == FAILS)
        if expired.any():
            let_down = members_of(cu.coalition, expired, use_kernels(cu.n))
            state.community.record_failure(
                let_down, co.seller[cu.coalition[let_down]], CANCELLED_CAMPAIGN
            )
        close(state, expired.nonzero()[0], CoalitionStatus.DISSOLVED)
        return (open_c & (status == FIRES) & ~waits).nonzero()[0]

    def deal_terms(self, state: MarketState, ready: np.ndarray, product: np.ndarray) -> DealTerms:
        """The campaign's own seller; threshold or crowdfunding protocol, campaign price."""
        co = state.coalitions
        seller = co.seller[ready]
        mech = state.sellers.mechanism()[seller]
        protocol = np.full(len(ready), Protocol.TAKE_IT_OR_LEAVE_IT, dtype=np.int8)
        protocol[mech == "threshold"] = Protocol.THRESHOLD
        cf = mech == "crowdfunding"
        protocol[cf] = Protocol.CROWDFUNDING
        fixed = np.full(len(ready), np.nan)
        fixed[cf] = co.price[ready[cf]]
        return DealTerms(seller=seller, protocol=protocol, fixed=fixed)

    def viable(
        self,
        state: MarketState,
        ready: np.ndarray,
        units: np.ndarray,
        terms: DealTerms,
        kept_members: np.ndarray,
    ) -> np.ndarray:
        """Campaigns still at their minimum and within their seller's capacity left.

        Campaigns that fell below the minimum stay open (minus the dropped pledges); a
        campaign larger than its seller's capacity left waits for the next step.
        """
        co, b = state.coalitions, state.sellers
        enough = units >= co.threshold[ready]
        return enough & (units <= b.capacity_left[np.maximum(terms.seller, 0)])
