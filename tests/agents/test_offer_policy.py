"""The offer policy: a price set from outside, with a volume tier, a deal and data use."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agents.params import ConfigError
from agents.pricing.offer import Offer, OfferParams
from agents.seller import SellerBook
from sim.model import MarketModel


def quote(policy, q, signal=None, cost=10.0, reservation=10.5):
    q = np.asarray(q)
    return policy.quote(np.full(q.shape, cost), np.full(q.shape, reservation), q, signal=signal)


def test_price_is_absolute_and_tiers_apply_from_their_minimum():
    policy = Offer(
        price=14.0, tier_quantity=3, tier_discount=0.1, deal_min_quantity=20, deal_discount=0.25
    )
    np.testing.assert_allclose(
        quote(policy, [1, 2, 3, 19, 20, 50]), [14, 14, 12.6, 12.6, 10.5, 10.5]
    )


def test_the_deepest_reached_discount_wins_and_the_floor_holds():
    policy = Offer(
        price=20.0, tier_quantity=2, tier_discount=0.3, deal_min_quantity=5, deal_discount=0.1
    )
    np.testing.assert_allclose(quote(policy, [1, 2, 5]), [20, 14, 14])
    assert (quote(Offer(price=11.0, tier_quantity=1, tier_discount=0.5), [1, 4]) == 10.5).all()


def test_personalised_offer_uses_the_signal_only_when_switched_on():
    sig = np.array([20.0, np.nan])
    on = Offer(price=15.0, personalised=True)
    off = Offer(price=15.0)
    np.testing.assert_allclose(quote(on, [1, 1], signal=sig), [0.85 * 20, 15])
    np.testing.assert_allclose(quote(off, [1, 1], signal=sig), [15, 15])
    assert on.classifier["uses_customer_data"] and not off.classifier["uses_customer_data"]
    assert Offer.classifier["uses_customer_data"] is False  # the class trait is untouched


def test_reform_keeps_the_offer_and_drops_customer_data():
    book = SellerBook.__new__(SellerBook)
    book.policies = [Offer(price=13.0, personalised=True, tier_quantity=2, tier_discount=0.1)]
    book.reformed_at = np.array([-1])
    assert book.reform(0, 7)
    new = book.policies[0]
    assert isinstance(new, Offer) and not new.params.personalised
    assert new.params.price == 13.0 and new.params.tier_quantity == 2 and book.reformed_at[0] == 7


@pytest.mark.parametrize("field", ["tier_discount", "deal_discount"])
def test_a_full_discount_is_refused(field):
    with pytest.raises(ConfigError, match=field):
        Offer(**{field: 1.0})


def test_offer_markets_run_from_the_config():
    model = MarketModel(
        seed=3,
        steps=10,
        customers={"n": 200},
        products={"n": 1},
        sellers={"n": 2, "products_per_seller": 1},
        pricing={"mix": ["offer"], "offer": {"price": 13.0}},
    )
    model.run()
    deals = model.deals_frame()
    assert len(deals) > 0
    assert (deals["seller_unit_price"] == 13.0).all()


@given(
    price=st.floats(0.5, 200),
    tq=st.integers(0, 50),
    td=st.floats(0, 0.99),
    dq=st.integers(0, 50),
    dd=st.floats(0, 0.99),
    q=st.lists(st.integers(1, 100), min_size=1, max_size=10),
)
def test_never_above_the_offered_price_nor_below_the_floor(price, tq, td, dq, dd, q):
    policy = Offer(
        OfferParams(
            price=price, tier_quantity=tq, tier_discount=td, deal_min_quantity=dq, deal_discount=dd
        )
    )
    p = quote(policy, q)
    assert (p >= 10.5).all()
    assert (p <= max(price, 10.5) + 1e-12).all()
