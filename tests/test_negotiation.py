"""Negotiation maths, the tactic family and the batched alternating-offers protocol."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.negotiators import NEGOTIATORS, NegotiationState, Negotiator, make_negotiator
from agents.negotiators.base import REQUIRED_TRAITS
from agents.negotiators.registry import filter_negotiators
from agents.negotiators import bilateral_price
from mechanisms.bargaining import Outcome, Side, alternating_offers
from mechanisms.concession import (
    exponential_alpha,
    linear_utility,
    polynomial_alpha,
    rubinstein_shares,
    time_dependent_offer,
)

NAMES = sorted(NEGOTIATORS)


# ---------------------------------------------------------------- concession maths


@pytest.mark.parametrize("beta", [0.2, 0.5, 1.0, 2.0, 5.0])
@pytest.mark.parametrize("kappa", [0.0, 0.1, 0.5])
def test_polynomial_alpha_matches_faratin_formula(beta, kappa):
    deadline = 12
    for t in [0, 1, 3, 6, 9, 12, 15]:
        expected = kappa + (1 - kappa) * (min(t, deadline) / deadline) ** (1 / beta)
        assert float(polynomial_alpha(t, deadline, beta, kappa)) == pytest.approx(expected)
    ts = np.arange(16)
    got = polynomial_alpha(ts, deadline, beta, kappa)
    assert got.shape == ts.shape
    assert got[0] == pytest.approx(kappa)
    assert np.all(got[deadline:] == 1.0)


@pytest.mark.parametrize("beta", [0.2, 0.5, 1.0, 2.0, 5.0])
@pytest.mark.parametrize("kappa", [0.01, 0.1, 0.5])
def test_exponential_alpha_matches_faratin_formula(beta, kappa):
    deadline = 12
    for t in [0, 1, 3, 6, 9, 12, 15]:
        expected = math.exp((1 - min(t, deadline) / deadline) ** beta * math.log(kappa))
        assert float(exponential_alpha(t, deadline, beta, kappa)) == pytest.approx(expected)


def test_exponential_alpha_floors_kappa():
    np.testing.assert_allclose(exponential_alpha(0, 10, 1.0, 0.0), 0.01)
    np.testing.assert_allclose(exponential_alpha(4, 10, 2.0, 0.0), exponential_alpha(4, 10, 2.0))
    np.testing.assert_allclose(exponential_alpha(10, 10, 2.0, 0.0), 1.0)


def test_alpha_validation_and_zero_deadline():
    with pytest.raises(ValueError):
        polynomial_alpha(1, 10, 0.0)
    with pytest.raises(ValueError):
        exponential_alpha(1, 10, 1.0, 1.5)
    assert float(polynomial_alpha(0, 0, 1.0)) == 1.0
    assert float(exponential_alpha(0, 0, 1.0)) == 1.0


@pytest.mark.parametrize("alpha_fn", [polynomial_alpha, exponential_alpha])
def test_boulware_slower_than_linear_slower_than_conceder(alpha_fn):
    t, deadline = 5, 10
    boulware, linear, conceder = (float(alpha_fn(t, deadline, b)) for b in (0.2, 1.0, 5.0))
    assert boulware < linear < conceder


def test_time_dependent_offer_and_utility_both_sides():
    np.testing.assert_allclose(time_dependent_offer(0.25, 2.0, 10.0), 4.0)  # buyer
    np.testing.assert_allclose(time_dependent_offer(0.25, 10.0, 2.0), 8.0)  # seller
    np.testing.assert_allclose(linear_utility(4.0, 10.0, 2.0, True), 0.75)
    np.testing.assert_allclose(linear_utility(8.0, 2.0, 10.0, False), 0.75)
    np.testing.assert_allclose(linear_utility([1.0, 11.0], 10.0, 2.0, True), [1.0, 0.0])
    np.testing.assert_allclose(linear_utility([5.0, 6.0], 5.0, 5.0, True), [1.0, 0.0])


def test_rubinstein_shares():
    first, second = rubinstein_shares(0.9, 0.9)
    assert float(first) == pytest.approx(1 / 1.9)
    assert float(first + second) == pytest.approx(1.0)
    first, _ = rubinstein_shares(np.array([0.5, 0.9, 1.0]), np.array([0.9, 0.5, 1.0]))
    np.testing.assert_allclose(first, [0.1 / 0.55, 0.5 / 0.55, 0.5])


# ---------------------------------------------------------------- time-dependent tactics


@pytest.mark.parametrize(
    "name", ["boulware", "linear", "conceder", "exp_boulware", "exp_linear", "exp_conceder"]
)
@pytest.mark.parametrize("is_buyer", [True, False])
def test_time_dependent_reaches_reservation_at_final_round(name, is_buyer):
    tactic = make_negotiator(name)
    res, opening = (np.array([10.0, 7.0]), np.array([2.0, 1.0]))
    if not is_buyer:
        res, opening = opening, res
    max_rounds = 9
    offers = np.array(
        [
            tactic.propose(NegotiationState(r, max_rounds, is_buyer, res, opening))
            for r in range(max_rounds)
        ]
    )
    np.testing.assert_array_equal(offers[-1], res)
    step = np.diff(offers, axis=0) * (1 if is_buyer else -1)
    assert np.all(step >= 0)  # monotone concession
    if name in ("boulware", "linear", "conceder"):
        np.testing.assert_array_equal(offers[0], opening)


def test_params_override_and_validation():
    assert make_negotiator("boulware", beta=0.5).params == {"beta": 0.5, "kappa": 0.0}
    with pytest.raises(ValueError, match="unknown parameter"):
        make_negotiator("linear", gamma=1.0)
    with pytest.raises(ValueError, match="beta"):
        make_negotiator("conceder", beta=-1.0)
    with pytest.raises(ValueError, match="unknown negotiation tactic 'nope'; allowed: "):
        make_negotiator("nope")


def test_filter_negotiators():
    assert filter_negotiators(family="time_dependent", attitude="boulware") == [
        "boulware",
        "exp_boulware",
    ]
    assert filter_negotiators(uses_opponent_offers=True) == ["tit_for_tat"]
    assert filter_negotiators(uses_discount=True) == ["rubinstein"]
    assert filter_negotiators(no_such_trait=1) == []


# ---------------------------------------------------------------- protocol: known answers


def test_rubinstein_unit_pie_agrees_immediately_at_equilibrium_split():
    out = alternating_offers(
        Side(np.array([1.0]), 0.0, 0.9, 0),
        Side(np.array([0.0]), 1.0, 0.9, 0),
        [make_negotiator("rubinstein")],
        max_rounds=10,
        first_mover="seller",
    )
    assert out.agreed[0]
    assert out.rounds[0] == 1
    assert out.price[0] == pytest.approx(1 / 1.9)
    assert out.seller_utility[0] == pytest.approx(1 / 1.9)
    assert out.buyer_utility[0] == pytest.approx(0.9 / 1.9)


def test_rubinstein_buyer_first_and_asymmetric_discounts():
    # Buyer proposes first, keeps (1 - d_s) / (1 - d_b d_s) of its pie [0, 1].
    price = bilateral_price(
        1.0, 0.0, 0.0, 1.0, "rubinstein", "rubinstein",
        buyer_discount=0.8, seller_discount=0.95, first_mover="buyer",
    )  # fmt: skip
    buyer_share = 0.05 / (1 - 0.8 * 0.95)
    assert price == pytest.approx(1 - buyer_share)


def test_linear_vs_linear_tends_to_midpoint():
    v, c = 10.0, 2.0
    errors = []
    for max_rounds in (10, 40, 200):
        price = bilateral_price(v, c, c, v, "linear", "linear", max_rounds=max_rounds)
        assert c <= price <= v
        errors.append(abs(price - (v + c) / 2))
    assert errors[0] > errors[1] > errors[2]
    assert errors[-1] < 0.01 * (v - c)


def test_tit_for_tat_mirrors_linear_seller_concessions():
    out = alternating_offers(
        Side(np.array([100.0]), 50.0, 1.0, 0),
        Side(np.array([60.0]), 120.0, 1.0, 1),
        [make_negotiator("tit_for_tat"), make_negotiator("linear")],
        max_rounds=20,
        first_mover="seller",
        record=True,
    )
    assert out.offers is not None
    log = out.offers[:, 0]
    seller, buyer = log[0::2], log[1::2]  # seller offers at even rounds, buyer at odd ones
    assert buyer[0] == 50.0  # opening
    checked = 0
    for k in range(1, len(buyer)):
        if np.isnan(buyer[k]) or buyer[k] >= 100.0:
            break
        # buyer's k-th offer follows the seller's ratio between its two latest offers
        assert buyer[k] / buyer[k - 1] == pytest.approx(seller[k - 1] / seller[k])
        checked += 1
    assert checked >= 3
    assert out.agreed[0] and 60.0 <= out.price[0] <= 100.0


def test_empty_zone_never_agrees_and_record_shape():
    out = alternating_offers(
        Side(np.array([5.0, 5.0]), 1.0, 0.9, 0),
        Side(np.array([6.0, 6.0]), 9.0, 0.9, np.array([0, 1])),
        [make_negotiator("conceder"), make_negotiator("rubinstein")],
        max_rounds=7,
        record=True,
    )
    assert not out.agreed.any()
    assert np.isnan(out.price).all()
    np.testing.assert_array_equal(out.rounds, [7, 7])
    np.testing.assert_array_equal(out.buyer_utility, [0.0, 0.0])
    assert out.offers is not None and out.offers.shape == (7, 2)


def test_protocol_validation():
    b = Side(np.array([5.0]), 1.0, 0.9, 0)
    s = Side(np.array([1.0]), 9.0, 0.9, 3)
    with pytest.raises(ValueError, match="out of range"):
        alternating_offers(b, s, [make_negotiator("linear")], 5)
    with pytest.raises(ValueError, match="first_mover"):
        alternating_offers(b, b, [make_negotiator("linear")], 5, first_mover="both")
    with pytest.raises(ValueError, match="max_rounds"):
        alternating_offers(b, b, [make_negotiator("linear")], 0)
    with pytest.raises(ValueError, match="discount"):
        Side(np.array([5.0]), 1.0, 0.0, 0)


# ---------------------------------------------------------------- shared strategy contract


def random_state(rng: np.random.Generator, m: int, is_buyer: bool) -> NegotiationState:
    """A random but consistent state of m negotiations for one side."""
    max_rounds = int(rng.integers(1, 30))
    low = rng.uniform(0.5, 10.0, m)
    high = low + rng.uniform(0.0, 10.0, m)
    res, opening = (high, low) if is_buyer else (low, high)

    def history(p_missing: float) -> np.ndarray:
        x = rng.uniform(0.1, 25.0, m)
        x[rng.random(m) < p_missing] = np.nan
        return x

    return NegotiationState(
        round=int(rng.integers(0, max_rounds)),
        max_rounds=max_rounds,
        is_buyer=is_buyer,
        reservation=res,
        opening=opening,
        own_discount=rng.uniform(0.5, 1.0, m),
        opp_discount=rng.uniform(0.5, 1.0, m),
        own_last=history(0.2),
        opp_last=history(0.2),
        opp_prev=history(0.3),
        own_prev=history(0.3),
    )


@pytest.mark.parametrize("name", NAMES)
class TestNegotiatorContract:
    """Every registered tactic must pass these checks."""

    def test_name_and_classifier(self, name):
        cls = NEGOTIATORS[name]
        assert cls.name == name
        assert issubclass(cls, Negotiator)
        assert all(key in cls.classifier for key in REQUIRED_TRAITS)
        assert cls.classifier["stochastic"] is False
        assert isinstance(cls.classifier["memory_depth"], int)
        assert sum(c.name == name for c in NEGOTIATORS.values()) == 1
        assert repr(make_negotiator(name)).startswith(cls.__name__ + "(")

    @pytest.mark.parametrize("is_buyer", [True, False])
    def test_propose_inside_own_range(self, name, is_buyer):
        tactic = make_negotiator(name)
        rng = np.random.default_rng(1)
        for _ in range(25):
            state = random_state(rng, 40, is_buyer)
            offer = tactic.propose(state)
            assert offer.shape == (40,)
            assert np.all(np.isfinite(offer))
            assert np.all((offer >= state.low) & (offer <= state.high))

    @pytest.mark.parametrize("is_buyer", [True, False])
    def test_accept_never_outside_reservation(self, name, is_buyer):
        tactic = make_negotiator(name)
        rng = np.random.default_rng(2)
        for _ in range(25):
            state = random_state(rng, 40, is_buyer)
            offer = rng.uniform(0.0, 25.0, 40)
            acc = tactic.accept(state, offer)
            assert acc.shape == (40,) and acc.dtype == bool
            outside = offer > state.reservation if is_buyer else offer < state.reservation
            assert not np.any(acc & outside)

    def test_deterministic(self, name):
        tactic = make_negotiator(name)
        for is_buyer in (True, False):
            s1 = random_state(np.random.default_rng(3), 30, is_buyer)
            s2 = random_state(np.random.default_rng(3), 30, is_buyer)
            offer = np.random.default_rng(4).uniform(0.0, 25.0, 30)
            np.testing.assert_array_equal(tactic.propose(s1), tactic.propose(s2))
            np.testing.assert_array_equal(tactic.accept(s1, offer), tactic.accept(s2, offer))

    def test_pickle_round_trip(self, name):
        tactic = make_negotiator(name)
        clone = pickle.loads(pickle.dumps(tactic))
        assert clone == tactic and hash(clone) == hash(tactic)
        assert clone is not tactic
        state = random_state(np.random.default_rng(5), 30, False)
        offer = np.random.default_rng(6).uniform(0.0, 25.0, 30)
        np.testing.assert_array_equal(clone.propose(state), tactic.propose(state))
        np.testing.assert_array_equal(clone.accept(state, offer), tactic.accept(state, offer))

    def test_state_arrays_read_only(self, name):
        tactic = make_negotiator(name)
        res = np.array([10.0, 8.0])
        state = NegotiationState(2, 10, True, res, np.array([1.0, 2.0]), opp_last=[9.0, 9.0])
        for field in ("reservation", "opening", "own_discount", "opp_last", "own_last"):
            arr = getattr(state, field)
            assert not arr.flags.writeable
            with pytest.raises(ValueError):
                arr[0] = 0.0
        before = {f: getattr(state, f).copy() for f in ("reservation", "opening", "opp_last")}
        tactic.propose(state)
        tactic.accept(state, np.array([5.0, 9.0]))
        for field, value in before.items():
            np.testing.assert_array_equal(getattr(state, field), value)
        assert res.flags.writeable  # the caller's array is untouched

    @pytest.mark.parametrize("is_buyer", [True, False])
    def test_empty_arrays(self, name, is_buyer):
        tactic = make_negotiator(name)
        empty = np.empty(0)
        state = NegotiationState(3, 10, is_buyer, empty, empty)
        assert tactic.propose(state).shape == (0,)
        acc = tactic.accept(state, empty)
        assert acc.shape == (0,) and acc.dtype == bool


# ---------------------------------------------------------------- protocol properties

TACTICS = [make_negotiator(name) for name in NAMES]


@st.composite
def negotiations(draw):
    m = draw(st.integers(0, 25))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    buyer_res = rng.uniform(1.0, 20.0, m)
    seller_res = rng.uniform(1.0, 20.0, m)
    buyer = Side(
        buyer_res,
        buyer_res * rng.uniform(0.0, 1.0, m),
        rng.uniform(0.5, 1.0, m),
        rng.integers(0, len(TACTICS), m),
    )
    seller = Side(
        seller_res,
        seller_res * rng.uniform(1.0, 2.0, m),
        rng.uniform(0.5, 1.0, m),
        rng.integers(0, len(TACTICS), m),
    )
    max_rounds = draw(st.integers(1, 30))
    first_mover = draw(st.sampled_from(["seller", "buyer"]))
    perm = rng.permutation(m)
    return buyer, seller, max_rounds, first_mover, perm


def _permute(side: Side, perm: np.ndarray) -> Side:
    return Side(side.reservation[perm], side.opening[perm], side.discount[perm], side.tactic[perm])


@settings(max_examples=60, deadline=None)
@given(negotiations())
def test_protocol_properties(case):
    buyer, seller, max_rounds, first_mover, perm = case
    out = alternating_offers(buyer, seller, TACTICS, max_rounds, first_mover)
    assert isinstance(out, Outcome)
    p = out.price[out.agreed]
    assert np.all(p >= seller.reservation[out.agreed])
    assert np.all(p <= buyer.reservation[out.agreed])
    assert not np.any(out.agreed & (buyer.reservation < seller.reservation))
    assert np.all((out.rounds >= 1) & (out.rounds <= max_rounds))
    assert np.all(out.rounds[~out.agreed] == max_rounds)
    assert np.all(np.isnan(out.price[~out.agreed]))
    for u in (out.buyer_utility, out.seller_utility):
        assert np.all((u >= 0.0) & (u <= 1.0))
        assert np.all(u[~out.agreed] == 0.0)

    shuffled = alternating_offers(
        _permute(buyer, perm), _permute(seller, perm), TACTICS, max_rounds, first_mover
    )
    for field in ("agreed", "price", "rounds", "buyer_utility", "seller_utility"):
        np.testing.assert_array_equal(getattr(shuffled, field), getattr(out, field)[perm])


def test_large_batch_is_fast_and_consistent():
    rng = np.random.default_rng(0)
    m = 20_000
    buyer_res = rng.uniform(5.0, 15.0, m)
    seller_res = rng.uniform(5.0, 15.0, m)
    buyer = Side(buyer_res, 0.7 * buyer_res, 0.95, rng.integers(0, len(TACTICS), m))
    seller = Side(seller_res, 1.5 * seller_res, 0.95, rng.integers(0, len(TACTICS), m))
    out = alternating_offers(buyer, seller, TACTICS, 20)
    assert out.agreed.sum() > 0
    assert np.all(out.price[out.agreed] <= buyer_res[out.agreed])
    one = bilateral_price(
        buyer_res[7], 0.7 * buyer_res[7], seller_res[7], 1.5 * seller_res[7],
        TACTICS[buyer.tactic[7]], TACTICS[seller.tactic[7]],
        buyer_discount=0.95, seller_discount=0.95,
    )  # fmt: skip
    np.testing.assert_array_equal(one, out.price[7])
