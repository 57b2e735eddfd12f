"""Tests for mechanisms.campaigns: threshold deals and all-or-nothing crowdfunding."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mechanisms.campaigns import crowdfunding_settlement, threshold_outcome

# --------------------------------------------------------------------------------------------
# threshold deals
# --------------------------------------------------------------------------------------------


def test_threshold_known_answers():
    out = threshold_outcome(
        np.array([5, 3, 3, 10, 0]),
        np.array([5, 4, 4, 2, 0]),
        np.array([False, False, True, True, True]),
    )
    assert out.dtype == np.int8
    assert out.tolist() == [1, 0, -1, 1, 1]


@given(
    st.lists(
        st.tuples(st.integers(0, 50), st.integers(0, 50), st.booleans()), min_size=0, max_size=30
    )
)
def test_threshold_properties(rows):
    pledged = np.array([r[0] for r in rows], dtype=np.int64)
    minimum = np.array([r[1] for r in rows], dtype=np.int64)
    passed = np.array([r[2] for r in rows], dtype=bool)
    out = threshold_outcome(pledged, minimum, passed)
    assert out.shape == pledged.shape
    assert set(out.tolist()) <= {-1, 0, 1}
    assert np.array_equal(out == 1, pledged >= minimum)
    assert np.array_equal(out == -1, passed & (pledged < minimum))
    assert np.array_equal(out == 0, ~passed & (pledged < minimum))


# --------------------------------------------------------------------------------------------
# crowdfunding
# --------------------------------------------------------------------------------------------


def test_crowdfunding_known_answer():
    pledge = np.array([10.0, 20.0, 5.0, 5.0, 7.0, 1.0])
    campaign = np.array([0, 0, 1, 1, 2, 3])
    goal = np.array([30.0, 20.0, 5.0, 2.0])
    closed = np.array([True, True, False, True])
    funded, charged, refunded = crowdfunding_settlement(pledge, campaign, goal, closed)
    # 0: 30 >= 30 funded; 1: 10 < 20 failed; 2: open; 3: 1 < 2 failed
    assert funded.tolist() == [True, False, False, False]
    assert charged.tolist() == [10.0, 20.0, 0.0, 0.0, 0.0, 0.0]
    assert refunded.tolist() == [0.0, 0.0, 5.0, 5.0, 0.0, 1.0]


def test_crowdfunding_empty_campaign_and_zero_goal():
    funded, charged, refunded = crowdfunding_settlement(
        np.array([]), np.array([], dtype=int), np.array([0.0, 1.0]), True
    )
    assert funded.tolist() == [True, False]  # a zero goal is met by zero pledges
    assert charged.size == 0 and refunded.size == 0


def test_crowdfunding_rejects_bad_input():
    with pytest.raises(ValueError):
        crowdfunding_settlement(np.array([-1.0]), np.array([0]), np.array([1.0]), True)
    with pytest.raises(ValueError):
        crowdfunding_settlement(np.array([1.0]), np.array([1]), np.array([1.0]), True)
    with pytest.raises(ValueError):
        crowdfunding_settlement(np.array([1.0, 2.0]), np.array([0]), np.array([1.0]), True)


@st.composite
def campaigns(draw):
    n_campaigns = draw(st.integers(1, 6))
    m = draw(st.integers(0, 30))
    # integer-valued money (cents) so that sums are exact and goals can be hit exactly
    pledge = np.array(draw(st.lists(st.integers(0, 100), min_size=m, max_size=m)), dtype=float)
    camp = np.array(
        draw(st.lists(st.integers(0, n_campaigns - 1), min_size=m, max_size=m)), dtype=np.int64
    )
    goal = np.array(
        draw(st.lists(st.integers(0, 300), min_size=n_campaigns, max_size=n_campaigns)),
        dtype=float,
    )
    closed = np.array(
        draw(st.lists(st.booleans(), min_size=n_campaigns, max_size=n_campaigns)), dtype=bool
    )
    return pledge, camp, goal, closed


@given(campaigns())
def test_crowdfunding_properties(data):
    pledge, camp, goal, closed = data
    funded, charged, refunded = crowdfunding_settlement(pledge, camp, goal, closed)
    assert funded.shape == goal.shape and charged.shape == refunded.shape == pledge.shape
    for g in range(len(goal)):
        mine = camp == g
        total = sum(pledge[mine].tolist())
        raised = sum(charged[mine].tolist())
        returned = sum(refunded[mine].tolist())
        if not closed[g]:
            assert not funded[g] and raised == 0 and returned == 0
        elif total >= goal[g]:
            assert funded[g] and raised == total and returned == 0
        else:
            assert not funded[g] and raised == 0 and returned == total
    # conservation per backer of a closed campaign; open campaigns settle nothing
    closed_m = closed[camp] if len(camp) else np.zeros(0, dtype=bool)
    assert np.array_equal((charged + refunded)[closed_m], pledge[closed_m])
    assert (charged[~closed_m] == 0).all() and (refunded[~closed_m] == 0).all()
    # each backer is either charged in full or refunded in full, never both
    assert not ((charged > 0) & (refunded > 0)).any()
