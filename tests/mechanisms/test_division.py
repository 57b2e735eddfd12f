"""Tests for mechanisms.division: known answers and Hypothesis properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanisms.division import (
    DIVISION_RULES,
    divide,
    equal_surplus_payments,
    proportional_payments,
    uniform_payments,
)
from mechanisms.shapley import group_buying_value, shapley_payments, shapley_values

# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def tier_schedule(base: float, thresholds, factors):
    """Volume-discount tiers: p(x) = base * prod(factors[k] for thresholds[k] <= x)."""
    thresholds = np.asarray(thresholds, dtype=float)
    levels = base * np.concatenate([[1.0], np.cumprod(np.asarray(factors, dtype=float))])

    def price(quantity):
        return levels[np.searchsorted(thresholds, np.asarray(quantity, dtype=float), "right")]

    return price


def glove_game(masks):
    """Player 0 holds a left glove, players 1 and 2 a right glove each."""
    m = np.asarray(masks, dtype=bool)
    return (m[:, 0] & (m[:, 1] | m[:, 2])).astype(float)


@st.composite
def coalitions(draw, min_size=1, max_size=10):
    n = draw(st.integers(min_size, max_size))
    price = draw(st.floats(0.5, 3.0))
    extra = draw(st.lists(st.one_of(st.just(0.0), st.floats(0.0, 2.0)), min_size=n, max_size=n))
    qty = np.array(draw(st.lists(st.integers(1, 5), min_size=n, max_size=n)), dtype=float)
    k = draw(st.integers(0, 4))
    thresholds = sorted(draw(st.lists(st.integers(2, 40), min_size=k, max_size=k, unique=True)))
    factors = draw(st.lists(st.floats(0.6, 1.0), min_size=k, max_size=k))
    base = draw(st.floats(0.5, 4.0))
    wtp = price + np.array(extra)
    return wtp, qty, price, tier_schedule(base, thresholds, factors)


@st.composite
def many_coalitions(draw):
    groups = draw(st.lists(coalitions(max_size=6), min_size=1, max_size=4))
    wtp = np.concatenate([c[0] for c in groups])
    qty = np.concatenate([c[1] for c in groups])
    group = np.concatenate([np.full(c[0].size, g) for g, c in enumerate(groups)])
    perm = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).permutation(group.size)
    price = np.array([c[2] for c in groups])
    schedules = [c[3] for c in groups]
    return wtp[perm], qty[perm], group[perm], price, schedules


def one_group(wtp, qty, price):
    return np.zeros(np.size(wtp), dtype=int), np.array([price])


# --------------------------------------------------------------------------------------------
# known answers
# --------------------------------------------------------------------------------------------


def test_uniform_pays_price_times_quantity():
    pay = uniform_payments(np.array([1, 3, 2]), np.array([0, 1, 1]), np.array([2.0, 5.0]))
    np.testing.assert_allclose(pay, [2.0, 15.0, 10.0])


def test_equal_surplus_hand_example():
    # P = 4; member values 10*1 and 6*2 -> surplus 6 + 4 = 10, 5 each
    wtp, qty = np.array([10.0, 6.0]), np.array([1, 2])
    group, price = one_group(wtp, qty, 4.0)
    np.testing.assert_allclose(equal_surplus_payments(wtp, qty, group, price), [5.0, 7.0])


def test_proportional_hand_example():
    # P = 4, Q = 3, S = 10 -> surplus 10/3 per unit
    wtp, qty = np.array([10.0, 6.0]), np.array([1, 2])
    group, price = one_group(wtp, qty, 4.0)
    pay = proportional_payments(wtp, qty, group, price)
    np.testing.assert_allclose(pay, [10.0 - 10.0 / 3.0, 12.0 - 20.0 / 3.0])
    assert pay.sum() == pytest.approx(12.0)


def test_glove_game_exact():
    phi = shapley_values(glove_game, 3)
    np.testing.assert_allclose(phi, [2 / 3, 1 / 6, 1 / 6])


def test_symmetric_game_equal_shares():
    n = 6
    phi = shapley_values(lambda m: np.asarray(m).sum(axis=1).astype(float) ** 2, n)
    np.testing.assert_allclose(phi, np.full(n, n**2 / n))


def test_group_buying_value_and_shapley_hand_example():
    # p(1) = 9, p(2) = 6; w = (10, 8), q = (1, 1)
    schedule = tier_schedule(9.0, [2], [6.0 / 9.0])
    v = group_buying_value(np.array([10.0, 8.0]), np.array([1, 1]), schedule)
    masks = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=bool)
    np.testing.assert_allclose(v(masks), [0.0, 1.0, 0.0, 6.0])
    phi = shapley_values(v, 2)
    np.testing.assert_allclose(phi, [3.5, 2.5])
    pay = shapley_payments(np.array([10.0, 8.0]), np.array([1, 1]), 6.0, schedule)
    np.testing.assert_allclose(pay, [6.5, 5.5])


def test_shapley_payments_rescale_to_negotiated_price():
    # negotiated P = 5 is below the schedule's p(2) = 6: ratio 5/6 applied to the schedule
    schedule = tier_schedule(9.0, [2], [6.0 / 9.0])
    pay = shapley_payments(np.array([10.0, 8.0]), np.array([1, 1]), 5.0, schedule)
    # p'(1) = 7.5: v({1}) = 2.5, v({2}) = 0.5, v(N) = 5 + 3 = 8
    phi = np.array([0.5 * 2.5 + 0.5 * (8 - 0.5), 0.5 * 0.5 + 0.5 * (8 - 2.5)])
    np.testing.assert_allclose(pay, [10.0, 8.0] - phi)
    assert pay.sum() == pytest.approx(10.0)


def test_divide_rejects_unknown_rule():
    with pytest.raises(ValueError, match="uniform, equal_surplus, proportional, shapley"):
        divide("nash", np.ones(1), np.ones(1), np.zeros(1, int), np.ones(1))


def test_divide_shapley_needs_schedule():
    with pytest.raises(ValueError, match="price_of_quantity"):
        divide("shapley", np.ones(1), np.ones(1), np.zeros(1, int), np.ones(1))


def test_sampling_needs_rng():
    with pytest.raises(ValueError, match="rng"):
        shapley_values(glove_game, 3, exact_max=2)


def test_rule_names():
    assert DIVISION_RULES == ("uniform", "equal_surplus", "proportional", "shapley")


def test_empty_coalition_and_empty_groups():
    pay = divide(
        "shapley",
        np.array([3.0]),
        np.array([2]),
        np.array([2]),
        np.array([1.0, 1.0, 2.0]),
        price_of_quantity=lambda g, x: np.full(np.shape(x), 2.0),
    )
    np.testing.assert_allclose(pay, [4.0])
    assert shapley_values(glove_game, 0).shape == (0,)


# --------------------------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------------------------


def rule_payments(rule, wtp, qty, price, schedule, rng=None):
    group, prices = one_group(wtp, qty, price)
    return divide(
        rule, wtp, qty, group, prices, price_of_quantity=lambda g, x: schedule(x), rng=rng
    )


@pytest.mark.parametrize("rule", DIVISION_RULES)
@settings(max_examples=60, deadline=None)
@given(c=coalitions())
def test_budget_balance_and_individual_rationality(rule, c):
    wtp, qty, price, schedule = c
    pay = rule_payments(rule, wtp, qty, price, schedule)
    assert pay.sum() == pytest.approx(price * qty.sum(), rel=1e-9)
    assert np.all(pay <= wtp * qty + 1e-9)


@settings(max_examples=80, deadline=None)
@given(c=coalitions())
def test_shapley_efficiency_and_nonnegativity(c):
    wtp, qty, price, schedule = c
    p_grand = schedule(np.array([qty.sum()]))[0]
    v = group_buying_value(wtp, qty, lambda x: schedule(x) * price / p_grand)
    phi = shapley_values(v, wtp.size)
    grand = v(np.ones((1, wtp.size), dtype=bool))[0]
    assert phi.sum() == pytest.approx(grand, rel=1e-9, abs=1e-12)
    assert grand == pytest.approx(((wtp - price) * qty).sum(), rel=1e-9, abs=1e-12)
    assert np.all(phi >= -1e-12)


@settings(max_examples=60, deadline=None)
@given(c=coalitions(min_size=2), data=st.data())
def test_symmetric_members_equal_shapley(c, data):
    wtp, qty, price, schedule = c
    i, j = data.draw(st.lists(st.integers(0, wtp.size - 1), min_size=2, max_size=2, unique=True))
    wtp[j], qty[j] = wtp[i], qty[i]
    pay = shapley_payments(wtp, qty, price, schedule)
    phi = wtp * qty - pay
    assert phi[i] == pytest.approx(phi[j], rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("rule", DIVISION_RULES)
@settings(max_examples=40, deadline=None)
@given(mc=many_coalitions())
def test_vectorised_matches_per_group(rule, mc):
    wtp, qty, group, price, schedules = mc
    pay = divide(rule, wtp, qty, group, price, price_of_quantity=lambda g, x: schedules[g](x))
    assert pay.shape == wtp.shape
    for g in range(price.size):
        sel = group == g
        if rule == "shapley":
            expected = shapley_payments(wtp[sel], qty[sel], price[g], schedules[g])
        else:
            expected = rule_payments(rule, wtp[sel], qty[sel], price[g], schedules[g])
        np.testing.assert_allclose(pay[sel], expected, rtol=1e-12, atol=1e-12)
    totals = np.bincount(group, weights=pay, minlength=price.size)
    np.testing.assert_allclose(
        totals, price * np.bincount(group, weights=qty, minlength=price.size), rtol=1e-9
    )


# --------------------------------------------------------------------------------------------
# sampled Shapley
# --------------------------------------------------------------------------------------------


def _random_coalition(seed, n):
    rng = np.random.default_rng(seed)
    price = 1.0
    wtp = price + rng.uniform(0.0, 1.0, n)
    qty = rng.integers(1, 6, n).astype(float)
    schedule = tier_schedule(1.6, [5, 12, 20, 30], [0.9, 0.85, 0.9, 0.95])
    return wtp, qty, price, schedule


def test_sampled_shapley_deterministic_and_efficient():
    wtp, qty, price, schedule = _random_coalition(1, 15)
    a = shapley_payments(wtp, qty, price, schedule, rng=np.random.default_rng(7))
    b = shapley_payments(wtp, qty, price, schedule, rng=np.random.default_rng(7))
    c = shapley_payments(wtp, qty, price, schedule, rng=np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    phi = wtp * qty - a
    assert phi.sum() == pytest.approx(((wtp - price) * qty).sum(), rel=1e-12)
    assert np.all(phi >= 0.0)
    assert np.all(a <= wtp * qty)


def test_sampled_shapley_efficiency_exact_per_permutation():
    wtp, qty, price, schedule = _random_coalition(2, 15)
    v = group_buying_value(wtp, qty, schedule)
    phi = shapley_values(v, 15, rng=np.random.default_rng(0), samples=3)
    full = v(np.ones((1, 15), bool))[0]
    assert phi.sum() == pytest.approx(full, rel=1e-12)


def test_sampled_close_to_exact():
    wtp, qty, price, schedule = _random_coalition(3, 8)
    exact = shapley_payments(wtp, qty, price, schedule)
    sampled = shapley_payments(
        wtp, qty, price, schedule, rng=np.random.default_rng(11), exact_max=4, samples=4000
    )
    grand = ((wtp - price) * qty).sum()
    assert np.max(np.abs(sampled - exact)) < 0.03 * grand


def test_divide_shapley_large_group_uses_sampling():
    wtp, qty, price, schedule = _random_coalition(4, 15)
    group = np.zeros(15, dtype=int)
    kwargs = dict(price_of_quantity=lambda g, x: schedule(x), samples=64)
    with pytest.raises(ValueError, match="rng"):
        divide("shapley", wtp, qty, group, np.array([price]), **kwargs)
    pay = divide(
        "shapley", wtp, qty, group, np.array([price]), rng=np.random.default_rng(5), **kwargs
    )
    assert pay.sum() == pytest.approx(price * qty.sum(), rel=1e-12)
