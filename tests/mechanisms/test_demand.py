"""Tests for mechanisms.demand: WTP signals, personalised prices and monopoly prices."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mechanisms.demand import (
    monopoly_price,
    monopoly_price_uniform,
    personalised_price,
    wtp_signal,
)

# --------------------------------------------------------------------------------------------
# signals
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("noise", [0.1, 0.5, 1.0])
def test_signal_is_mean_unbiased(noise):
    rng = np.random.default_rng(7)
    n = 100_000
    wtp = np.array([1.0, 5.0, 20.0])
    z = rng.standard_normal((n, 3))
    sig = wtp_signal(wtp, z, noise, np.zeros((n, 3), dtype=bool))
    se = sig.std(axis=0, ddof=1) / np.sqrt(n)
    assert (np.abs(sig.mean(axis=0) - wtp) < 4 * se).all()
    # the log-signal is normal with mean ln(wtp) - noise^2/2 and sd noise
    logs = np.log(sig)
    assert np.allclose(logs.mean(axis=0), np.log(wtp) - noise**2 / 2, atol=4 * noise / np.sqrt(n))
    assert np.allclose(logs.std(axis=0), noise, rtol=0.02)


def test_signal_known_answers_and_hidden():
    wtp = np.array([2.0, 3.0, 4.0])
    z = np.array([0.0, 1.0, -1.0])
    hidden = np.array([False, False, True])
    sig = wtp_signal(wtp, z, 0.5, hidden)
    assert sig[0] == pytest.approx(2.0 * np.exp(-0.125))
    assert sig[1] == pytest.approx(3.0 * np.exp(0.5 - 0.125))
    assert np.isnan(sig[2])
    exact = wtp_signal(wtp, z, 0.0, np.zeros(3, dtype=bool))
    assert np.array_equal(exact, wtp)
    with pytest.raises(ValueError):
        wtp_signal(wtp, z, -0.1, hidden)


# --------------------------------------------------------------------------------------------
# personalised prices
# --------------------------------------------------------------------------------------------


def test_personalised_price_known_answer():
    sig = np.array([np.nan, 10.0, 1.0])
    p = personalised_price(sig, 8.0, 5.0, 0.9)
    assert p.tolist() == pytest.approx([8.0, 9.0, 5.0])


@given(
    st.lists(
        st.tuples(
            st.one_of(st.floats(0, 1e3), st.just(float("nan"))),
            st.floats(0, 1e3),
            st.floats(0, 1e3),
        ),
        min_size=1,
        max_size=20,
    ),
    st.floats(0, 1),
)
def test_personalised_price_properties(rows, capture):
    sig = np.array([r[0] for r in rows])
    reservation = np.array([r[1] for r in rows])
    list_price = reservation + np.array([r[2] for r in rows])  # list >= reservation
    p = personalised_price(sig, list_price, reservation, capture)
    assert (p >= reservation).all()
    hidden = np.isnan(sig)
    assert np.array_equal(p[hidden], list_price[hidden])
    assert np.array_equal(p[~hidden], np.maximum(reservation, capture * sig)[~hidden])
    # a list price below the reservation is floored too
    low = personalised_price(sig, reservation / 2, reservation, capture)
    assert (low >= reservation).all()


# --------------------------------------------------------------------------------------------
# monopoly prices
# --------------------------------------------------------------------------------------------


def test_monopoly_price_hand_example():
    v = np.array([4.0, 1.0, 3.0, 2.0])
    # cost 0: profits p*D(p) = 1*4, 2*3, 3*2, 4*1 -> tie 6 at p=2 and p=3 -> lower price
    assert monopoly_price(v, 0.0, 0.0) == 2.0
    # cost 1: (p-1)*D(p) = 0, 3, 4, 3 -> p = 3
    assert monopoly_price(v, 1.0, 0.0) == 3.0
    # floor 3.5: candidates 3.5 (D=1, profit 3.5) and 4 (D=1, profit 4)
    assert monopoly_price(v, 0.0, 3.5) == 4.0
    # floor above all values: only the floor is admissible
    assert monopoly_price(v, 0.0, 10.0) == 10.0
    # the lowest admissible value beats a floor below it: same demand D=3, higher price
    assert monopoly_price(np.array([1.6, 1.7, 1.8]), 0.0, 1.5) == 1.6
    assert monopoly_price(np.array([1.6, 1.7, 5.0]), 1.0, 1.55) == 5.0


def test_monopoly_price_empty_and_nan():
    assert np.isnan(monopoly_price(np.array([]), 0.0, 0.0))
    assert np.isnan(monopoly_price(np.array([np.nan, np.nan]), 0.0, 0.0))
    assert monopoly_price(np.array([np.nan, 2.0, 1.0]), 0.0, 0.0) == 1.0  # 1*2 == 2*1 -> lower


@pytest.mark.parametrize("cost", [0.0, 0.2])
def test_monopoly_price_large_uniform_sample(cost):
    v = np.random.default_rng(11).random(20_000)
    expected = float(monopoly_price_uniform(0.0, 1.0, cost))
    assert expected == pytest.approx((1.0 + cost) / 2)
    # the empirical argmax fluctuates by ~0.01 at this sample size (sd over seeds)
    assert monopoly_price(v, cost, 0.0) == pytest.approx(expected, abs=0.05)


def test_monopoly_price_uniform_clipping():
    assert float(monopoly_price_uniform(0.8, 1.0, 0.0)) == 0.8  # (1+0)/2 below low
    assert float(monopoly_price_uniform(0.0, 1.0, 3.0)) == 1.0  # cost above high
    got = monopoly_price_uniform(np.array([0.0, 2.0]), np.array([4.0, 3.0]), np.array([1.0, 0.0]))
    assert got.tolist() == [2.5, 2.0]


@given(
    st.lists(st.integers(0, 20), min_size=1, max_size=15),
    st.integers(0, 10),
    st.integers(0, 25),
)
def test_monopoly_price_beats_every_candidate(values, cost, floor):
    v = np.array(values, dtype=float)
    p = monopoly_price(v, float(cost), float(floor))
    assert p >= floor

    def profit(price):
        return (price - cost) * sum(x >= price for x in values)

    candidates = sorted({x for x in values if x >= floor} | {floor})
    best = max(profit(c) for c in candidates)
    assert profit(p) == best
    assert p == min(c for c in candidates if profit(c) == best)
