"""Pricing policies: one contract every registered policy passes, plus known schedules."""

import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agents.pricing import POLICIES, PricingPolicy, make_policy
from agents.pricing.volume_discount import VolumeDiscount
from sim.pricing import tier_discount


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
