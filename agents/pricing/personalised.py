"""One-to-one pricing: a personalised price from what the seller knows about each buyer."""

from __future__ import annotations

from agents.pricing.base import PricingPolicy
from sim.demand import personalised_price


class Personalised(PricingPolicy):
    """Price each buyer at a share ``capture`` of its estimated willingness to pay.

    The seller's estimate (``signal``) comes from customer data: customers who hide their data
    (a share ``privacy_share``) give no signal, the others a noisy one (log-normal error with
    spread ``noise``; see ``sim.demand.wtp_signal``). Without a signal — hidden data, or a
    coalition, which reveals only its aggregate demand — the seller charges its list price.
    ``price = max(reservation, capture * signal)`` (``sim.demand.personalised_price``).
    """

    name = "personalised"
    classifier = {
        "family": "one_to_one",
        "mechanism": "list",
        "quantity_dependent": False,
        "uses_customer_data": True,
    }

    def __init__(
        self,
        markup: float = 0.3,
        capture: float = 0.85,
        noise: float = 0.1,
        privacy_share: float = 0.2,
        negotiable: bool = False,
        adaptive: bool = False,
    ) -> None:
        super().__init__(
            markup=markup,
            negotiable=negotiable,
            adaptive=adaptive,
            capture=float(capture),
            noise=float(noise),
            privacy_share=float(privacy_share),
        )
        self.capture = float(capture)
        self.noise = float(noise)
        self.privacy_share = float(privacy_share)

    def _price(self, base, quantity, signal, reservation):
        if signal is None:
            return base
        return personalised_price(signal, base, reservation, self.capture)
