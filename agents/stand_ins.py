"""Bot sellers that play for absent students in the classroom game.

Axelrod-style: one small class per strategy, with a ``name`` and traits, and a registry keyed
by the name the teacher picks. A stand-in sees only a read-only :class:`SellerView` of its
own seller and last round's public prices, never the model, and returns an
:class:`~agents.pricing.offer.OfferParams`. Stand-ins are deterministic, so a game replays
from its decision log alone.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from agents.pricing.offer import OfferParams


@dataclass(frozen=True)
class SellerView:
    """What a stand-in knows when it decides a round's offer.

    Attributes:
        round: The round being decided (0-based).
        unit_cost: The seller's unit cost.
        floor: The lowest price the seller may ask (its reservation price).
        ceiling: The highest price the seller may ask.
        last_offer: Its offer last round (None in the first round).
        prices: Its posted price in each past round.
        profits: Its profit in each past round.
        rival_prices: The other sellers' posted prices last round (empty in the first round).
    """

    round: int
    unit_cost: float
    floor: float
    ceiling: float
    last_offer: OfferParams | None
    prices: tuple[float, ...]
    profits: tuple[float, ...]
    rival_prices: tuple[float, ...]

    def opening(self, markup: float = 0.4) -> OfferParams:
        """A cost-plus posted price, the offer of a seller with nothing to go on."""
        return OfferParams(price=self.clamp(self.unit_cost * (1 + markup)))

    def priced(self, price: float) -> OfferParams:
        """The last offer (or the opening one) with its price moved to ``price``, clamped."""
        base = self.last_offer or self.opening()
        return replace(base, price=self.clamp(price))

    def clamp(self, price: float) -> float:
        """``price`` rounded to cents and kept within ``[floor, ceiling]``."""
        return min(max(round(price, 2), self.floor), self.ceiling)


class StandIn(ABC):
    """A bot seller's rule for one round's offer."""

    name: ClassVar[str]
    traits: ClassVar[dict[str, Any]]

    @abstractmethod
    def decide(self, view: SellerView) -> OfferParams:
        """The offer for ``view.round``."""


class RepeatLast(StandIn):
    """Keeps the seller's last offer (a cost-plus opening price in the first round)."""

    name = "repeat_last"
    traits = {"reacts_to_rivals": False, "reacts_to_profit": False}

    def decide(self, view: SellerView) -> OfferParams:
        """The last offer again."""
        return view.last_offer or view.opening()


class CostPlus(StandIn):
    """Posts unit cost plus a fixed 40% markup every round."""

    name = "cost_plus"
    traits = {"reacts_to_rivals": False, "reacts_to_profit": False}

    def decide(self, view: SellerView) -> OfferParams:
        """Cost plus markup."""
        return view.opening()


class Undercut(StandIn):
    """Undercuts the cheapest rival by 2%, never below its floor (Bertrand's logic)."""

    name = "undercut"
    traits = {"reacts_to_rivals": True, "reacts_to_profit": False}

    def decide(self, view: SellerView) -> OfferParams:
        """2% under the cheapest rival."""
        if not view.rival_prices:
            return view.opening()
        return view.priced(0.98 * min(view.rival_prices))


class MatchAverage(StandIn):
    """Posts the average of the rivals' last prices (follows the market)."""

    name = "match_average"
    traits = {"reacts_to_rivals": True, "reacts_to_profit": False}

    def decide(self, view: SellerView) -> OfferParams:
        """The rivals' mean price."""
        if not view.rival_prices:
            return view.opening()
        return view.priced(sum(view.rival_prices) / len(view.rival_prices))


class HillClimb(StandIn):
    """Moves its price 5% up while profit grows, and turns back when profit falls."""

    name = "hill_climb"
    traits = {"reacts_to_rivals": False, "reacts_to_profit": True}

    def decide(self, view: SellerView) -> OfferParams:
        """One 5% step in the direction that last raised profit."""
        if view.last_offer is None:
            return view.opening()
        if len(view.profits) < 2 or len(view.prices) < 2:
            return view.priced(view.last_offer.price * 1.05)
        went_up = view.prices[-1] >= view.prices[-2]
        better = view.profits[-1] >= view.profits[-2]
        return view.priced(view.last_offer.price * (1.05 if went_up == better else 0.95))


_CLASSES: tuple[type[StandIn], ...] = (RepeatLast, CostPlus, Undercut, MatchAverage, HillClimb)
STAND_INS: dict[str, type[StandIn]] = {cls.name: cls for cls in _CLASSES}


def make_stand_in(name: str) -> StandIn:
    """The stand-in registered as ``name``.

    Raises:
        ValueError: if no stand-in has that name (the message lists the names).
    """
    if name not in STAND_INS:
        raise ValueError(f"stand_in={name!r} is invalid; allowed: {' | '.join(STAND_INS)}")
    return STAND_INS[name]()
