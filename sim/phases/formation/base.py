"""What every coalition-formation strategy shares: joining, switching and founding groups.

A strategy is chosen once, when the model is built (``coalition.algorithm``), and answers
every question whose answer depends on the algorithm: the price a group expects, who may
join, the terms a founder sets, which groups are ready to buy, from which seller and on
which terms, and which of them still make a viable order. The phases call these methods and
never branch on the algorithm's name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from agents.coalition import CoalitionStatus
from agents.customer import NO_COALITION, Status
from mechanisms.arrays import filled, sorted_unique
from mechanisms.formation import admit
from mechanisms.jit import use_kernels
from mechanisms.membership import free_customers, join_candidates
from sim.phases.lifecycle import close
from sim.state import MarketState

_ACTIVE = int(Status.ACTIVE)
_OPEN = int(CoalitionStatus.OPEN)


@dataclass(frozen=True)
class FoundingTerms:
    """What founders of new groups announce, one entry per founder.

    Attributes:
        seller: Seller the group targets (-1: chosen when it buys).
        threshold: Pledge minimum, or a greedy group's advertised target order.
        hoped: Unit price the founder expects at ``threshold`` units.
        deadline: Step by which the group buys or breaks up.
        price: Campaign price fixed at founding (crowdfunding), NaN otherwise.
    """

    seller: np.ndarray
    threshold: np.ndarray
    hoped: np.ndarray
    deadline: np.ndarray
    price: np.ndarray


@dataclass(frozen=True)
class DealTerms:
    """How each ready group buys: its seller, protocol and any price fixed beforehand.

    Attributes:
        seller: Seller of each group (-1 where none can serve it this step).
        protocol: :class:`~sim.records.Protocol` code of each group's deal.
        fixed: Unit price set before clearing (tenders, campaigns), NaN where the seller's
            schedule applies.
    """

    seller: np.ndarray
    protocol: np.ndarray
    fixed: np.ndarray


class FormationStrategy(ABC):
    """A coalition-formation algorithm (see the module docstring)."""

    #: The ``coalition.algorithm`` value that selects this strategy.
    name: ClassVar[str]
    #: Whether groups form at all (the ``discover`` and ``form`` phases run only if so).
    forms_coalitions: ClassVar[bool] = True

    # ------------------------------------------------------------------ phase ``form``

    def form(self, state: MarketState) -> None:
        """Phase ``form``: customers join or switch groups, then founders start new ones.

        ``form`` never recounts the population: whatever moves members keeps the coalition
        table's sizes and units (:func:`move_members`, ``CoalitionTable.adjust``), and the
        tests check them against a recount after every ``form``.
        """
        self.join(state)
        self.found(state)
        self.after_founding(state)

    def after_founding(self, state: MarketState) -> None:  # noqa: B027 - optional hook
        """What the algorithm does once groups are founded (default: nothing)."""

    @abstractmethod
    def group_price(
        self, state: MarketState, cids: np.ndarray, units: np.ndarray, advertised: bool = True
    ) -> np.ndarray:
        """Expected unit price for coalitions ``cids`` ordering ``units``.

        With ``advertised`` the order counts as at least the group's target (pledge minimum
        or the founder's advertised target), as a group-buying page shows it.
        """

    def may_join(self, state: MarketState, idx: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Which of the customers ``idx`` may request to join their invited group ``target``."""
        return np.ones(len(idx), dtype=bool)

    def admit(
        self,
        state: MarketState,
        idx: np.ndarray,
        target: np.ndarray,
        priority: np.ndarray,
        ok: np.ndarray,
    ) -> np.ndarray:
        """Narrow the admitted join requests ``ok`` (room limits already applied)."""
        return ok

    @abstractmethod
    def founding_terms(self, state: MarketState, product: np.ndarray) -> FoundingTerms:
        """The terms founders of groups for ``product`` would announce."""

    def outside_value(self, state: MarketState, idx: np.ndarray) -> np.ndarray:
        """Surplus a customer expects from buying alone (0 if the best solo price > wtp)."""
        cu = state.customers
        return _solo_surplus(state, idx, cu.quantity[idx], cu.wtp[idx])

    def _outside_value(
        self, state: MarketState, idx: np.ndarray, q: np.ndarray, wtp: np.ndarray
    ) -> np.ndarray:
        """:meth:`outside_value` of ``idx``, whose quantities and valuations the caller read."""
        if type(self).outside_value is FormationStrategy.outside_value:
            return _solo_surplus(state, idx, q, wtp)  # the default, without reading them again
        return self.outside_value(state, idx)

    def join(self, state: MarketState) -> None:
        """Invited customers join (or switch to) a group when it is worth more to them."""
        cu, co = state.customers, state.coalitions
        if len(co) == 0:
            return
        co_cfg = state.cfg.coalition
        cost = co_cfg.coordination_cost
        jit = use_kernels(cu.n)
        idx = join_candidates(
            cu.status, _ACTIVE, cu.loner, cu.invite, cu.coalition, cu.product,
            co.status == _OPEN, co.product, jit,
        )  # fmt: skip
        if len(idx) == 0:
            return
        target = cu.invite[idx]
        if type(self).may_join is not FormationStrategy.may_join:
            # The default lets everyone ask: skip its all-true mask and the copies it makes.
            may = self.may_join(state, idx, target)
            idx, target = idx[may], target[may]
            if len(idx) == 0:
                return
        q, wtp = cu.quantity[idx], cu.wtp[idx]
        units = co.units
        new_price = self.group_price(state, target, units[target] + q)
        value_new = (wtp - new_price) * q - cost
        cur = cu.coalition[idx]
        value_now = self._outside_value(state, idx, q, wtp)
        inside = (cur >= 0).nonzero()[0]
        if len(inside):
            # Switching compares realised group sizes, not advertised targets.
            c_in, t_in, q_in, w_in = cur[inside], target[inside], q[inside], wtp[inside]
            now_p = self.group_price(state, c_in, units[c_in], advertised=False)
            new_p = self.group_price(state, t_in, units[t_in] + q_in, advertised=False)
            new_price[inside] = new_p
            value_new[inside] = (w_in - new_p) * q_in - cost
            value_now[inside] = (w_in - now_p) * q_in - cost + 1e-9
        wants = ((wtp >= new_price) & (value_new > value_now)).nonzero()[0]
        if len(wants) == 0:
            return  # an empty lottery draws nothing from the generator
        if len(wants) < len(idx):
            idx, target, cur, q = idx[wants], target[wants], cur[wants], q[wants]
        priority = state.rng.random(len(idx))
        size = co.size
        if len(idx) <= co_cfg.max_size - size[target].max():
            # Even the fullest target has room for every request: the lottery turns nobody
            # away, so :func:`admit` would admit them all.
            ok = filled(len(idx), True, dtype=bool)
        else:
            ok = admit(target, np.maximum(co_cfg.max_size - size, 0), priority, jit)
        ok = self.admit(state, idx, target, priority, ok)
        if not ok.all():
            idx, target, cur, q = idx[ok], target[ok], cur[ok], q[ok]
        cu.coalition[idx] = target
        cu.invite[idx] = NO_COALITION
        move_members(state, q, cur if len(inside) else None, target)

    def found(self, state: MarketState) -> None:
        """Free customers without an invitation found a group with ``leader_prob``."""
        cu, co, t = state.customers, state.coalitions, state.step.t
        co_cfg = state.cfg.coalition
        # An invitation blocks founding only if it is for an open group of one's own product.
        free = free_customers(
            cu.status, _ACTIVE, cu.loner, cu.invite, cu.coalition, cu.product,
            co.status == _OPEN, co.product, use_kernels(cu.n),
        )  # fmt: skip
        if len(free):
            free = free[state.rng.random(len(free)) < co_cfg.leader_prob]
        if len(free) == 0:
            return
        product = cu.product[free]
        terms = self.founding_terms(state, product)
        q, wtp = cu.quantity[free], cu.wtp[free]
        hoped = terms.hoped
        alone = self._outside_value(state, free, q, wtp)
        worth = (wtp >= hoped) & ((wtp - hoped) * q - co_cfg.coordination_cost > alone)
        seller, threshold, deadline, price = (
            terms.seller,
            terms.threshold,
            terms.deadline,
            terms.price,
        )
        if not worth.all():
            free = free[worth]
            if len(free) == 0:
                return
            product, q = product[worth], q[worth]
            seller, threshold, deadline = seller[worth], threshold[worth], deadline[worth]
            price = price[worth]
        # New rows start empty, so each founder's membership is set outright rather than
        # added (what :func:`move_members` does for movers from no group).
        ids = co.found(
            product=product,
            founder=free,
            founded=t,
            status=_OPEN,
            seller=seller,
            threshold=threshold,
            deadline=deadline,
            tactic=cu.tactic[free],
            discount=cu.discount[free],
            price=price,
            size=1,
            units=q,
        )
        cu.coalition[free] = ids

    # ------------------------------------------------------------------ phase ``trade``

    @abstractmethod
    def ready(self, state: MarketState) -> np.ndarray:
        """Open coalitions that buy this step (closing those that fail or break up)."""

    @abstractmethod
    def deal_terms(self, state: MarketState, ready: np.ndarray, product: np.ndarray) -> DealTerms:
        """Seller, protocol and fixed price of each ready group."""

    @abstractmethod
    def viable(
        self,
        state: MarketState,
        ready: np.ndarray,
        units: np.ndarray,
        terms: DealTerms,
        kept_members: np.ndarray,
    ) -> np.ndarray:
        """Which cleared groups place their order (closing those that break up).

        Args:
            state: The market.
            ready: The ready coalitions.
            units: Units each still orders after clearing.
            terms: Their deal terms.
            kept_members: Members each kept after clearing.
        """

    def solo_wait(self, state: MarketState) -> int:
        """Steps a customer waits for a group before buying alone."""
        return int(state.cfg.customers.solo_after)


def move_members(
    state: MarketState,
    q: np.ndarray,
    old: np.ndarray | None,
    new: np.ndarray,
) -> None:
    """Movers of quantities ``q`` left groups ``old`` (-1: none) for ``new``; emptied groups end.

    The incremental form of :func:`sim.phases.lifecycle.refresh_coalitions` for the ``form``
    phase, which knows exactly who moved: it gives the recount's sizes as long as they were
    exact before, and they are (the last phase to move anyone, ``expire``, recounted them,
    and every move of ``form`` since updated them, here or by ``CoalitionTable.adjust``).
    Groups only become empty by losing members, and none was empty before (the recount
    dissolved those), so only ``old`` groups can dissolve. Work is proportional to the
    movers, not to the population.

    Args:
        state: The market.
        q: Each mover's quantity.
        old: Each mover's previous group (-1: none), or None when none was in a group.
        new: Each mover's new group (every mover enters one).
    """
    co = state.coalitions
    left = () if old is None else (old >= 0).nonzero()[0]
    if len(left):
        lost = old[left]
        co.adjust(lost, -1, -q[left])
    co.adjust(new, 1, q)
    if len(left):
        lost = sorted_unique(lost)
        empty = lost[(co.status[lost] == _OPEN) & (co.size[lost] == 0)]
        close(state, empty, CoalitionStatus.DISSOLVED, members=np.empty(0, dtype=np.int64))


def _solo_surplus(
    state: MarketState, idx: np.ndarray, q: np.ndarray, wtp: np.ndarray
) -> np.ndarray:
    """:meth:`FormationStrategy.outside_value` from the customers' quantities and valuations."""
    cu, prices = state.customers, state.prices
    # Integer bounds: the same indices as ``np.clip``, without its Python-level wrapper.
    solo = prices.solo[cu.product[idx], np.minimum(np.maximum(q, 1), prices.max_order)]
    return np.maximum(wtp - solo, 0.0) * q
