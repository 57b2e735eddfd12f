"""The batched alternating-offers protocol: known answers and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.negotiators import (
    NEGOTIATORS,
    bilateral_price,
    make_negotiator,
)
from mechanisms.bargaining import Outcome, Side, alternating_offers

NAMES = sorted(NEGOTIATORS)


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


@settings(max_examples=30, deadline=None)
@given(negotiations(), st.sampled_from([None, True]))
def test_trusted_sides_without_utilities_give_the_same_outcome(case, jit):
    buyer, seller, max_rounds, first_mover, _ = case
    want = alternating_offers(buyer, seller, TACTICS, max_rounds, first_mover, jit=jit)

    def trusted(side: Side) -> Side:
        fields = (side.reservation, side.opening, side.discount, side.tactic)
        return Side.trusted(*(a.copy() for a in fields))

    got = alternating_offers(
        trusted(buyer), trusted(seller), TACTICS, max_rounds, first_mover, jit=jit, utilities=False
    )
    assert got.buyer_utility is None and got.seller_utility is None
    for field in ("agreed", "price", "rounds"):
        assert getattr(got, field).tobytes() == getattr(want, field).tobytes(), field


def test_clip_as_maximum_then_minimum_keeps_np_clip_bits():
    # The memoryless path clips offers this way: not a bit may differ, signed zeros and NaN
    # included.
    vals = np.array([-0.0, 0.0, np.nan, np.inf, -np.inf, 1.0, -1.0, 2.5])
    x, lo, hi = (a.ravel() for a in np.meshgrid(vals, vals, vals, indexing="ij"))
    assert np.minimum(np.maximum(x, lo), hi).tobytes() == np.clip(x, lo, hi).tobytes()


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
