"""Quotes looked up in the sellers' quote table equal quotes computed order by order.

``SellerBook.quote`` / ``quote_all`` / ``bargains`` / ``best_price_table`` answer from
tables kept while prices stay the same; ``quote_direct`` / ``quote_all_direct`` /
``bargains_direct`` are the references. On random books (every policy family, learned
prices, multipliers, customer-data policies with signals) the answers must be bitwise equal,
also after prices or policies change between calls.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.pricing.archetypes import CustomerFirst, ShortTerm
from agents.pricing.crowd import Crowdfunding, Negotiated, ReverseAuction, ThresholdDeal
from agents.pricing.offer import Offer
from agents.pricing.personalised import Personalised
from agents.pricing.posted import PostedPrice
from agents.pricing.volume_discount import VolumeDiscount
from agents.seller import SellerBook

POLICIES = (
    PostedPrice(),
    PostedPrice(markup=0.5),
    VolumeDiscount(),
    Personalised(),
    Negotiated(),
    Negotiated(negotiate_solo=True),
    ThresholdDeal(min_quantity=4),
    Crowdfunding(),
    ReverseAuction(),
    CustomerFirst(),
    ShortTerm(),
    Offer(price=14.0, tier_quantity=3, tier_discount=0.1, deal_min_quantity=6, deal_discount=0.2),
    Offer(price=13.0, personalised=True),
)


def signals(policy, buyers: np.ndarray) -> np.ndarray:
    """A deterministic stand-in for ``CustomerPopulation.signals``."""
    buyers = np.asarray(buyers)
    return np.where(buyers >= 0, 8.0 + (buyers % 7) * 1.5, np.nan)


def book(rng: np.random.Generator, n_sellers: int, n_products: int) -> SellerBook:
    shape = (n_sellers, n_products)
    offered = rng.random(shape) < 0.7
    cost = np.where(offered, rng.uniform(5, 15, shape), np.nan)
    picks = rng.integers(0, len(POLICIES), n_sellers)
    # Some sellers share one policy object, as the model's mixes do.
    policies = [POLICIES[i] for i in picks]
    b = SellerBook(
        offered=offered,
        unit_cost=cost,
        reservation=cost * 1.05,
        policies=policies,
        tactic=np.zeros(n_sellers, dtype=np.int64),
        discount=np.full(n_sellers, 0.95),
        capacity=np.full(n_sellers, 50),
        capacity_left=np.full(n_sellers, 50),
        revenue=np.zeros(n_sellers),
        units_sold=np.zeros(n_sellers),
        cost=np.zeros(n_sellers),
        signal_source=signals,
    )
    b.scale[:] = rng.choice([0.9, 1.0, 1.15], n_sellers)
    b.learned[rng.random(shape) < 0.3] = 17.5
    return b


def check(b: SellerBook, rng: np.random.Generator, r: int, max_q: int) -> None:
    n_s, n_p = b.offered.shape
    seller = rng.integers(0, n_s, r)
    product = rng.integers(0, n_p, r)
    quantity = rng.integers(0, max_q + 1, r)
    buyers = np.where(rng.random(r) < 0.3, -1, rng.integers(0, 40, r))
    for expected in (False, True):
        for who in (None, buyers):
            got = b.quote(seller, product, quantity, who, expected)
            want = b.quote_direct(seller, product, quantity, who, expected)
            assert got.dtype == want.dtype and np.array_equal(got, want, equal_nan=True)
            got = b.quote_all(product, quantity, who, expected)
            want = b.quote_all_direct(product, quantity, who, expected)
            assert got.shape == want.shape
            assert np.array_equal(got, want, equal_nan=True)
    is_group = rng.random(r) < 0.5
    assert np.array_equal(b.bargains(seller, is_group), b.bargains_direct(seller, is_group))
    for expected in (False, True):
        q = np.arange(max_q + 1)
        g = np.repeat(np.arange(n_p), max_q + 1)
        ref = b.quote_all_direct(g, np.maximum(np.tile(q, n_p), 1), expected=expected).min(1)
        ref = ref.reshape(n_p, max_q + 1)
        ref[:, 0] = np.inf
        assert np.array_equal(b.best_price_table(max_q, expected), ref, equal_nan=True)


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_sellers=st.integers(1, 7),
    n_products=st.integers(1, 4),
    r=st.integers(1, 300),
    max_q=st.integers(1, 60),
)
def test_table_quotes_equal_direct_quotes(seed, n_sellers, n_products, r, max_q):
    rng = np.random.default_rng(seed)
    b = book(rng, n_sellers, n_products)
    check(b, rng, r, max_q)
    # Prices move (multipliers, learned prices, a new policy): the tables follow.
    b.scale[:] = rng.choice([0.85, 1.0, 1.2], n_sellers)
    b.response[0] = 0.9
    check(b, rng, r, max_q)
    b.learned[:] = np.nan
    b.policies[0] = POLICIES[int(rng.integers(0, len(POLICIES)))]
    check(b, rng, r, 2 * max_q)


def test_float_quantities_are_quoted_directly():
    rng = np.random.default_rng(1)
    b = book(rng, 4, 2)
    q = np.array([1.0, 2.5, 7.0])
    s, g = np.array([0, 1, 2]), np.array([0, 1, 1])
    assert np.array_equal(b.quote(s, g, q), b.quote_direct(s, g, q), equal_nan=True)
