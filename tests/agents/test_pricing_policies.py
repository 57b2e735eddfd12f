"""Pricing policies: one contract every registered policy passes, plus known schedules."""

import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agents.pricing import POLICIES, PricingPolicy, make_policy
from agents.pricing.volume_discount import VolumeDiscount
from mechanisms.pricing import tier_discount


@pytest.fixture(params=sorted(POLICIES), scope="module")
def policy(request) -> PricingPolicy:
    return make_policy(request.param)


class TestPolicyContract:
    def test_name_and_traits(self, policy):
        assert policy.name in POLICIES and POLICIES[policy.name] is type(policy)
        assert policy.classifier["family"] in ("one_to_many", "one_to_one", "one_to_crowd")
        assert {"quantity_dependent", "uses_customer_data"} <= set(policy.classifier)

    @given(
        cost=st.floats(0.1, 100),
        margin=st.floats(0, 1),
        qty=st.lists(st.integers(1, 500), min_size=1, max_size=20),
    )
    def test_never_below_reservation_and_deterministic(self, policy, cost, margin, qty):
        q = np.array(qty)
        c = np.full(len(q), cost)
        r = c * (1 + margin)
        p1 = policy.quote(c, r, q)
        assert p1.shape == q.shape
        assert (p1 >= r - 1e-12).all()
        assert np.array_equal(p1, policy.quote(c, r, q))

    def test_picklable(self, policy):
        clone = pickle.loads(pickle.dumps(policy))
        assert clone == policy
        c, q = np.array([10.0, 10.0]), np.array([1, 50])
        assert np.array_equal(clone.quote(c, c, q), policy.quote(c, c, q))

    def test_minimum_group_quantity_positive(self, policy):
        assert policy.min_group_quantity() >= 1

    def test_in_a_market_respects_capacity_reservation_and_seed(self, policy):
        from sim import MarketModel

        kw = dict(
            seed=3,
            steps=25,
            customers={"n": 300},
            sellers={"n": 3, "capacity": 12},
            pricing={"mix": [policy.name]},
            coalition={
                "algorithm": "threshold_pledge"
                if policy.mechanism in ("threshold", "crowdfunding")
                else "greedy_merge"
            },
        )
        model = MarketModel(**kw)
        per_step = []
        while model.running:
            before = model.sellers.units_sold.copy()
            model.step()
            per_step.append(model.sellers.units_sold - before)
        assert (np.array(per_step) <= 12).all()
        deals = model.deals_frame()
        assert len(deals) > 0
        assert (deals["seller_unit_price"] >= deals["seller_reservation_price"] - 1e-9).all()
        assert deals.equals(MarketModel(**kw).run().deals_frame())


def test_names_are_unique():
    assert len({cls.name for cls in POLICIES.values()}) == len(POLICIES)


def test_unknown_policy_is_a_clear_error():
    with pytest.raises(ValueError, match="allowed"):
        make_policy("haggle")


def test_volume_tiers_match_the_schedule_exactly():
    vd = VolumeDiscount(markup=0.25, tier_quantities=[1, 5, 10], tier_discounts=[0, 0.1, 0.2])
    q = np.arange(1, 15)
    price = vd.quote(np.full(14, 8.0), np.full(14, 1.0), q)
    expected = np.array([10.0] * 4 + [9.0] * 5 + [8.0] * 5)
    assert np.allclose(price, expected)
    floor = vd.quote(np.full(14, 8.0), np.full(14, 8.5), q)
    assert np.allclose(floor, np.maximum(expected, 8.5))
    assert tier_discount(
        np.array([1, 4, 5, 9, 10, 99]), np.array([1, 5, 10]), np.array([0, 0.1, 0.2])
    ).tolist() == [0, 0, 0.1, 0.1, 0.2, 0.2]


def test_posted_price_is_cost_plus_and_flat():
    p = make_policy("posted", {"markup": 0.5})
    price = p.quote(np.array([4.0, 4.0]), np.array([1.0, 1.0]), np.array([1, 100]))
    assert price.tolist() == [6.0, 6.0]


class TestPolicyContractWithData:
    @given(
        cost=st.floats(0.1, 100),
        wtp=st.lists(st.floats(0, 300), min_size=1, max_size=20),
        hidden=st.booleans(),
    )
    def test_signals_never_push_below_reservation(self, policy, cost, wtp, hidden):
        w = np.array(wtp)
        signal = np.where(hidden, np.nan, w)
        c = np.full(len(w), cost)
        r = c * 1.05
        price = policy.quote(c, r, np.ones(len(w), dtype=int), signal=signal, scale=1.1)
        assert (price >= r - 1e-12).all()
        assert np.array_equal(
            price, policy.quote(c, r, np.ones(len(w), dtype=int), signal=signal, scale=1.1)
        )

    def test_expected_quote_never_below_reservation(self, policy):
        c = np.full(5, 10.0)
        r = c * 1.05
        q = np.array([1, 2, 10, 40, 100])
        assert (policy.expected_quote(c, r, q) >= r - 1e-12).all()

    def test_mechanism_is_known(self, policy):
        from agents.pricing.base import MECHANISMS

        assert policy.mechanism in MECHANISMS


def test_personalised_price_known_answers():
    p = make_policy("personalised", {"markup": 0.3, "capture": 0.9})
    c = np.array([10.0, 10.0, 10.0])
    r = np.array([10.5, 10.5, 10.5])
    price = p.quote(c, r, np.ones(3, dtype=int), signal=np.array([20.0, np.nan, 5.0]))
    assert price.tolist() == [18.0, 13.0, 10.5]  # 0.9*20; list price; floor


def test_threshold_and_crowdfunding_prices():
    t = make_policy("threshold", {"markup": 0.5, "deal_discount": 0.2, "min_quantity": 10})
    q = np.array([1, 9, 10, 50])
    assert np.allclose(t.quote(np.full(4, 10.0), np.full(4, 1.0), q), [15, 15, 12, 12])
    assert t.min_group_quantity() == 10 and t.mechanism == "threshold"
    cf = make_policy("crowdfunding", {"goal_units": 7})
    assert cf.min_group_quantity() == 7 and cf.mechanism == "crowdfunding"


def test_negotiated_bargains_for_groups_only():
    n = make_policy("negotiated")
    assert n.bargains(np.array([True, False])).tolist() == [True, False]
    assert make_policy("negotiated", {"negotiate_solo": True}).bargains(
        np.array([False])
    ).tolist() == [True]


def test_groups_expect_the_midpoint_under_negotiated_and_auction_policies():
    for name in ("negotiated", "reverse_auction"):
        p = make_policy(name, {"markup": 0.3})
        c, r = np.full(2, 10.0), np.full(2, 10.5)
        assert np.allclose(p.expected_quote(c, r, np.array([1, 5])), [13.0, 11.75])


def test_archetypes_are_presets_of_their_base_policies():
    cf, st_ = make_policy("customer_first"), make_policy("short_term")
    assert cf.markup < make_policy("volume_discount").markup and cf.negotiable
    assert st_.adaptive and st_.classifier["uses_customer_data"]
    assert cf.classifier["archetype"] == "customer_first"


def test_adaptive_scale_multiplies_the_list_price():
    p = make_policy("posted", {"markup": 0.2})
    c = np.array([10.0])
    assert p.quote(c, np.array([1.0]), np.array([1]), scale=1.5).tolist() == [18.0]


def test_policies_can_be_filtered_by_traits():
    from agents.pricing.registry import filter_policies

    assert set(filter_policies(family="one_to_one")) == {"personalised", "short_term"}
    assert "reverse_auction" in filter_policies(mechanism="auction")
