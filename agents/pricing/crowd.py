"""One-to-crowd deals struck with a group: threshold deals, crowdfunding, negotiation, tenders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from agents.params import MAX_UNITS, choice, integer, probability
from agents.pricing.base import PolicyParams, PricingPolicy
from mechanisms.auctions import AUCTION_RULES


@dataclass
class ThresholdParams(PolicyParams):
    """Parameters of :class:`ThresholdDeal` (schema of ``pricing.threshold``)."""

    deal_discount: float = probability(0.15)
    min_quantity: int = integer(20, ge=1, le=MAX_UNITS)
    negotiable: bool = False


@dataclass
class CrowdfundingParams(PolicyParams):
    """Parameters of :class:`Crowdfunding` (schema of ``pricing.crowdfunding``).

    Backers pay a fixed price up front, so a campaign is never bargained.
    """

    deal_discount: float = probability(0.18)
    goal_units: int = integer(30, ge=1, le=MAX_UNITS)
    negotiable: ClassVar[bool] = False

    @property
    def min_quantity(self) -> int:
        """The campaign's goal is its minimum quantity."""
        return self.goal_units


@dataclass
class NegotiatedParams(PolicyParams):
    """Parameters of :class:`Negotiated` (schema of ``pricing.negotiated``)."""

    negotiate_solo: bool = False
    negotiable: ClassVar[bool] = True


@dataclass
class ReverseAuctionParams(PolicyParams):
    """Parameters of :class:`ReverseAuction` (schema of ``pricing.reverse_auction``)."""

    format: str = choice("second", AUCTION_RULES)
    negotiable: ClassVar[bool] = False


class ThresholdDeal(PricingPolicy):
    """Group price only if the pledged quantity reaches the seller's minimum by a deadline.

    ``price(Q) = list_price * (1 - deal_discount)`` if ``Q >= min_quantity``, else the list
    price. In pledge campaigns (``coalition=threshold_pledge``) the deal fires as soon as
    pledges reach ``min_quantity``; a campaign still short at its deadline is cancelled and every
    pledge released, so no money moves (``mechanisms.campaigns.threshold_outcome``).
    """

    name = "threshold"
    Params = ThresholdParams
    classifier = {
        "family": "one_to_crowd",
        "mechanism": "threshold",
        "quantity_dependent": True,
        "uses_customer_data": False,
    }

    def _price(self, base, quantity, signal, reservation):
        p = self.params
        return np.where(quantity >= p.min_quantity, base * (1.0 - p.deal_discount), base)

    def min_group_quantity(self) -> int:
        """The minimum quantity of the deal."""
        return int(self.params.min_quantity)


class Crowdfunding(ThresholdDeal):
    """All-or-nothing campaign: backers pay up front; delivery only if the goal is met.

    A campaign (``coalition=threshold_pledge``) runs until its deadline. Backers pay the
    campaign price ``list_price * (1 - deal_discount)`` when they pledge; at the deadline the
    campaign is funded iff the units pledged reach ``goal_units`` — the seller then delivers and
    keeps the money — otherwise every backer is refunded (the rule of
    ``mechanisms.campaigns.crowdfunding_settlement``; the model settles campaigns as they close).
    A campaign never takes more pledged units than its seller can deliver in one step. Buyers
    outside campaigns pay the list price.
    """

    name = "crowdfunding"
    Params = CrowdfundingParams
    classifier = {
        "family": "one_to_crowd",
        "mechanism": "crowdfunding",
        "quantity_dependent": True,
        "uses_customer_data": False,
    }


class Negotiated(PricingPolicy):
    """The coalition bargains for its aggregate demand (alternating offers).

    The seller opens at its list price and concedes towards its reservation with its tactic;
    the coalition's representative bargains with the lowest valuation among the members who
    stay (only aggregate demand is revealed). Solo buyers pay the list price unless
    ``negotiate_solo``.
    """

    name = "negotiated"
    Params = NegotiatedParams
    classifier = {
        "family": "one_to_crowd",
        "mechanism": "list",
        "quantity_dependent": False,
        "uses_customer_data": False,
    }

    def _price(self, base, quantity, signal, reservation):
        return base

    def expected_quote(self, unit_cost, reservation, quantity, *, scale=None, learned=None):
        """Groups expect to settle halfway between list price and reservation.

        This is the limit of symmetric linear concession (Faratin et al. 1998) and the
        Nash/Rubinstein split with equal patience; solo buyers expect the list price.
        """
        return _group_expectation(
            self.quote(unit_cost, reservation, quantity, scale=scale, learned=learned),
            reservation,
            quantity,
        )

    def bargains(self, is_group: np.ndarray) -> np.ndarray:
        """Group orders are bargained; solo orders only with ``negotiate_solo``."""
        is_group = np.asarray(is_group, dtype=bool)
        return is_group | self.params.negotiate_solo


class ReverseAuction(PricingPolicy):
    """Coalitions put their order out to tender; sellers of this policy bid, the lowest wins.

    ``format="second"``: sellers bid truthfully (their reservation price, a dominant strategy)
    and the winner is paid the second-lowest bid (Vickrey 1961), capped by the coalition's
    reserve (its lowest member valuation). ``format="first"``: sellers shade their bid to the
    symmetric equilibrium for uniform costs, ``b(c) = c + (c_high − c)/n`` (n bidders), and the
    winner is paid its bid. Revenue equivalence: the expected price is the same. Solo buyers pay
    the list price.
    """

    name = "reverse_auction"
    Params = ReverseAuctionParams
    classifier = {
        "family": "one_to_crowd",
        "mechanism": "auction",
        "quantity_dependent": False,
        "uses_customer_data": False,
    }

    def _price(self, base, quantity, signal, reservation):
        return base

    def expected_quote(self, unit_cost, reservation, quantity, *, scale=None, learned=None):
        """Groups expect a tender to settle halfway between list price and reservation."""
        return _group_expectation(
            self.quote(unit_cost, reservation, quantity, scale=scale, learned=learned),
            reservation,
            quantity,
        )


def _group_expectation(
    quote: np.ndarray, reservation: np.ndarray, quantity: np.ndarray
) -> np.ndarray:
    """Orders of two or more units (groups) expect the midpoint of quote and reservation."""
    return np.where(np.asarray(quantity) >= 2, (quote + reservation) / 2.0, quote)
