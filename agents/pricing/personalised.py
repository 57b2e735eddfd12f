"""One-to-one pricing: a personalised price from what the seller knows about each buyer."""

from __future__ import annotations

from dataclasses import dataclass

from agents.params import MAX_FACTOR, MAX_NOISE, number, probability
from agents.pricing.base import PolicyParams, PricingPolicy
from mechanisms.demand import personalised_price


@dataclass
class PersonalisedParams(PolicyParams):
    """Parameters of :class:`Personalised` (schema of ``pricing.personalised``)."""

    capture: float = number(0.85, ge=0.0, le=MAX_FACTOR)
    noise: float = number(0.1, ge=0.0, le=MAX_NOISE)
    privacy_share: float = probability(0.2)
    negotiable: bool = False


class Personalised(PricingPolicy):
    """Price each buyer at a share ``capture`` of its estimated willingness to pay.

    The seller's estimate (``signal``) comes from customer data: customers who hide their data
    (a share ``privacy_share``) give no signal, the others a noisy one (log-normal error with
    spread ``noise``; see ``mechanisms.demand.wtp_signal``). Without a signal — hidden data,
    or a coalition, which reveals only its aggregate demand — the seller charges its list
    price. ``price = max(reservation, capture * signal)``
    (``mechanisms.demand.personalised_price``).
    """

    name = "personalised"
    Params = PersonalisedParams
    classifier = {
        "family": "one_to_one",
        "mechanism": "list",
        "quantity_dependent": False,
        "uses_customer_data": True,
    }

    def _price(self, base, quantity, signal, reservation):
        if signal is None:
            return base
        return personalised_price(signal, base, reservation, self.params.capture)
