"""Community maths: satisfaction, price fairness, beliefs and ratings."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mechanisms.community import (
    public_rating,
    relative_overpayment,
    satisfaction,
    satisfaction_to_belief,
    update_belief,
)

# -------------------------------------------------------------------- satisfaction


def test_satisfaction_known_values():
    # rel. surplus (10-6)/10 = 0.4, 0.4 - 0.2 = 0.2, tanh(4 * 0.2) = tanh(0.8)
    s = satisfaction(10.0, 6.0, 0.2, 0.0, 1.0)
    assert s == pytest.approx(math.tanh(0.8)) and s == pytest.approx(0.664036770)
    # same purchase, paid 10% more than a neighbour, weight 2: tanh(0.8) - 0.2
    assert satisfaction(10.0, 6.0, 0.2, 0.1, 2.0) == pytest.approx(math.tanh(0.8) - 0.2)
    # surplus exactly as expected -> 0
    assert satisfaction(10.0, 8.0, 0.2, 0.0, 1.0) == pytest.approx(0.0, abs=1e-15)
    # overpaid: rel -0.5, tanh(-2) = -0.964, minus 0.5 -> clipped at -1
    assert satisfaction(10.0, 15.0, 0.0, 0.0, 1.0) == pytest.approx(math.tanh(-2.0))
    assert satisfaction(10.0, 15.0, 0.0, 0.5, 1.0) == -1.0
    # sensitivity scales the slope: tanh(1 * 0.2)
    assert satisfaction(10.0, 6.0, 0.2, 0.0, 1.0, sensitivity=1.0) == pytest.approx(math.tanh(0.2))
    # windfall saturates at +1 after clipping (tanh < 1, no penalty)
    assert 0.999 < satisfaction(10.0, 0.0, -5.0, 0.0, 1.0) <= 1.0


def test_satisfaction_is_batched_and_guards_non_positive_wtp():
    wtp = np.array([10.0, 0.0, -3.0, 20.0])
    price = np.array([6.0, 1.0, 0.0, 10.0])
    with np.errstate(all="raise"):
        s = satisfaction(wtp, price, 0.2, np.array([0.0, 0.0, 0.0, 0.05]), 2.0)
    assert s.shape == (4,)
    np.testing.assert_allclose(
        s, [math.tanh(0.8), -1.0, -1.0, math.tanh(4 * 0.3) - 0.1], rtol=1e-12
    )


def test_satisfaction_rejects_bad_parameters():
    with pytest.raises(ValueError):
        satisfaction(10.0, 5.0, 0.0, -0.1, 1.0)
    with pytest.raises(ValueError):
        satisfaction(10.0, 5.0, 0.0, 0.1, -1.0)
    with pytest.raises(ValueError):
        satisfaction(10.0, 5.0, 0.0, 0.1, 1.0, sensitivity=-1.0)


finite = st.floats(-50, 50, allow_nan=False)
positive = st.floats(0.01, 50, allow_nan=False)
gaps = st.floats(0.0, 5.0, allow_nan=False)


@given(
    wtp=finite,
    p1=finite,
    p2=finite,
    expected=st.floats(-1, 1),
    gap=gaps,
    weight=st.floats(0, 3),
    sens=st.floats(0, 10),
)
def test_satisfaction_bounded_and_decreasing_in_price(wtp, p1, p2, expected, gap, weight, sens):
    lo, hi = min(p1, p2), max(p1, p2)
    s_lo = satisfaction(wtp, lo, expected, gap, weight, sens)
    s_hi = satisfaction(wtp, hi, expected, gap, weight, sens)
    assert -1.0 <= s_lo <= 1.0 and -1.0 <= s_hi <= 1.0
    assert s_hi <= s_lo + 1e-12


@given(wtp=positive, price=finite, expected=st.floats(-1, 1), g1=gaps, g2=gaps, weight=positive)
def test_satisfaction_decreasing_in_fairness_gap(wtp, price, expected, g1, g2, weight):
    lo, hi = min(g1, g2), max(g1, g2)
    s_lo = satisfaction(wtp, price, expected, lo, weight)
    s_hi = satisfaction(wtp, price, expected, hi, weight)
    assert s_hi <= s_lo
    # the penalty is linear in the gap until the score is clipped at -1
    if s_hi > -1.0:
        assert s_lo - s_hi == pytest.approx(weight * (hi - lo), abs=1e-12)


# ---------------------------------------------------------------- fairness, beliefs


def test_relative_overpayment_known_values():
    own = np.array([110.0, 104.0, 90.0, 120.0, 50.0, 50.0, 50.0, np.nan])
    ref = np.array([100.0, 100.0, 100.0, 100.0, np.nan, np.inf, 0.0, 40.0])
    gap = relative_overpayment(own, ref, 0.05)
    # 110/100 - 1 - 0.05 = 0.05; 4% is within tolerance; paying less is fair;
    # 120/100 - 1.05 = 0.15; no valid neighbour price / no own price -> 0
    np.testing.assert_allclose(gap, [0.05, 0.0, 0.0, 0.15, 0.0, 0.0, 0.0, 0.0], atol=1e-12)
    assert relative_overpayment(150.0, 100.0) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        relative_overpayment(1.0, 1.0, -0.1)


def test_update_belief_known_values_and_purity():
    belief = np.array([0.2, 0.8, 0.5])
    before = belief.copy()
    new = update_belief(belief, np.array([1.0, 0.0, 0.0]), 0.25, np.array([True, True, False]))
    np.testing.assert_allclose(new, [0.4, 0.6, 0.5])
    np.testing.assert_array_equal(belief, before)  # input untouched
    assert new is not belief
    np.testing.assert_allclose(update_belief(belief, 0.9, 1.0, True), [0.9, 0.9, 0.9])
    np.testing.assert_allclose(update_belief(belief, 0.9, 0.0, True), belief)
    # per-customer rates
    np.testing.assert_allclose(
        update_belief(belief, 1.0, np.array([0.5, 0.0, 1.0]), True), [0.6, 0.8, 1.0]
    )
    with pytest.raises(ValueError):
        update_belief(belief, 1.0, 1.5, True)


unit = st.floats(0.0, 1.0)


@given(
    data=st.lists(st.tuples(unit, unit, unit, st.booleans()), min_size=1, max_size=30),
)
def test_update_belief_stays_in_unit_interval_and_moves_toward_target(data):
    b, t, r, m = (np.array(x) for x in zip(*data, strict=True))
    new = update_belief(b, t, r, m)
    assert np.all((new >= 0.0) & (new <= 1.0))
    np.testing.assert_array_equal(new[~m], b[~m])
    # between the old belief and the target, hence no farther from the target
    lo, hi = np.minimum(b, t), np.maximum(b, t)
    assert np.all((new >= lo - 1e-15) & (new <= hi + 1e-15))
    assert np.all(np.abs(new - t) <= np.abs(b - t) + 1e-15)


def test_satisfaction_to_belief():
    np.testing.assert_allclose(
        satisfaction_to_belief(np.array([-1.0, 0.0, 1.0, 0.5])), [0.0, 0.5, 1.0, 0.75]
    )


def test_public_rating_is_a_bayesian_average():
    r = public_rating(np.array([0.0, 40.0, 9.0]), np.array([0, 10, 1]), 3.0, 5.0)
    # no reviews -> prior; (3*5 + 40)/(5 + 10) = 3.667; (15 + 9)/6 = 4
    np.testing.assert_allclose(r, [3.0, 55 / 15, 4.0])
    # prior weight 0: the plain mean, and the prior mean when there are no reviews
    np.testing.assert_allclose(
        public_rating(np.array([8.0, 0.0]), np.array([2, 0]), 1.5, 0.0), [4.0, 1.5]
    )
    # many reviews: close to the plain average
    assert public_rating(np.array([4e6]), np.array([1e6]), 0.0, 5.0)[0] == pytest.approx(4.0, 1e-5)
    with pytest.raises(ValueError):
        public_rating(np.array([1.0]), np.array([-1]))
