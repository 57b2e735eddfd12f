"""Concession maths (Faratin time-dependent curves, utilities, Rubinstein shares)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mechanisms.concession import (
    exponential_alpha,
    exponential_alpha_unchecked,
    linear_utility,
    polynomial_alpha,
    polynomial_alpha_unchecked,
    rubinstein_shares,
    time_dependent_offer,
)

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


@pytest.mark.parametrize(
    ("checked", "unchecked"),
    [
        (polynomial_alpha, polynomial_alpha_unchecked),
        (exponential_alpha, exponential_alpha_unchecked),
    ],
)
@pytest.mark.parametrize("beta", [0.2, 0.5, 1, 1.0, 2.0, 5.0])
@pytest.mark.parametrize("kappa", [0, 0.0, 0.01, 0.3, 1.0])
def test_unchecked_alpha_is_bit_identical(checked, unchecked, beta, kappa):
    b, k = np.asarray(beta, dtype=np.float64), np.asarray(kappa, dtype=np.float64)
    for deadline in (0, 1, 7, 19, 29):
        for t in range(deadline + 2):
            want = checked(t, deadline, beta, kappa)
            got = unchecked(t, deadline, b, k)
            assert np.asarray(got).tobytes() == np.asarray(want).tobytes()


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
