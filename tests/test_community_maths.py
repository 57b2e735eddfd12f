"""Community dynamics maths: known answers and properties (mechanisms/community.py)."""

import math
import pickle

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
from mechanisms.contagion import CascadeLog, complex_contagion
from sim.network import from_edges

# ------------------------------------------------------------------------- helpers


def path_graph(n):
    return from_edges(n, np.arange(n - 1), np.arange(1, n))


def ring_lattice(n, k):
    """Each node i joined to i±1, ..., i±k (mod n): degree 2k."""
    u = np.repeat(np.arange(n), k)
    v = (u + np.tile(np.arange(1, k + 1), n)) % n
    return from_edges(n, u, v)


def brute_force_contagion(g, active, susceptible, threshold):
    """Reference rule, one node at a time (small graphs only)."""
    out = np.zeros(g.n, dtype=bool)
    for i in range(g.n):
        nb = g.neighbours(i)
        if susceptible[i] and not active[i] and len(nb) > 0:
            out[i] = active[nb].sum() / len(nb) >= threshold
    return out


@st.composite
def graphs_with_states(draw, columns=1):
    n = draw(st.integers(1, 25))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n))
    u = np.array([a for a, _ in pairs], dtype=np.int64)
    v = np.array([b for _, b in pairs], dtype=np.int64)
    g = from_edges(n, u, v)
    bools = st.lists(st.booleans(), min_size=n * columns, max_size=n * columns)
    active = np.array(draw(bools), dtype=bool).reshape(n, columns)
    susceptible = np.array(draw(bools), dtype=bool).reshape(n, columns)
    if columns == 1:
        active, susceptible = active[:, 0], susceptible[:, 0]
    return g, active, susceptible


thresholds = st.floats(0.0, 1.0, allow_nan=False)

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


# ------------------------------------------------------------------------ contagion


def test_complex_contagion_on_a_path_with_an_isolated_node():
    # 0-1-2-3-4 and isolated node 5
    g = from_edges(6, np.arange(4), np.arange(1, 5))
    active = np.array([1, 0, 0, 0, 0, 0], dtype=bool)
    everyone = np.ones(6, dtype=bool)
    # node 1 has 1 of 2 neighbours active
    new = complex_contagion(g.indptr, g.indices, active, everyone, 0.5)
    assert np.flatnonzero(new).tolist() == [1]
    assert not complex_contagion(g.indptr, g.indices, active, everyone, 0.51).any()
    # threshold 0: every susceptible, inactive node with a neighbour
    new = complex_contagion(g.indptr, g.indices, active, everyone, 0.0)
    assert np.flatnonzero(new).tolist() == [1, 2, 3, 4]
    # the end node 4 has a single neighbour: fraction 1 once node 3 is active
    active = np.array([0, 0, 0, 1, 0, 0], dtype=bool)
    new = complex_contagion(g.indptr, g.indices, active, everyone, 1.0)
    assert np.flatnonzero(new).tolist() == [4]
    # not susceptible -> never
    sus = np.array([1, 1, 1, 1, 0, 1], dtype=bool)
    assert not complex_contagion(g.indptr, g.indices, active, sus, 1.0).any()
    # per-node thresholds
    new = complex_contagion(g.indptr, g.indices, active, everyone, np.array([0.6, 0, 0.6, 0, 1, 0]))
    assert np.flatnonzero(new).tolist() == [1, 4]


def test_threshold_half_spreads_deterministically_on_a_ring_lattice():
    n, k = 20, 2  # degree 4: neighbours i±1, i±2
    g = ring_lattice(n, k)
    everyone = np.ones(n, dtype=bool)
    # a single seed: 1/4 < 1/2, a complex contagion cannot start (Centola & Macy 2007)
    lone = np.zeros(n, dtype=bool)
    lone[0] = True
    assert not complex_contagion(g.indptr, g.indices, lone, everyone, 0.5).any()
    # two non-adjacent seeds far apart: still stuck
    apart = lone.copy()
    apart[10] = True
    assert not complex_contagion(g.indptr, g.indices, apart, everyone, 0.5).any()
    # two adjacent seeds: the front advances one node each way per step
    active = np.zeros(n, dtype=bool)
    active[[0, 1]] = True
    for t in range(1, 10):
        new = complex_contagion(g.indptr, g.indices, active, everyone, 0.5)
        assert sorted(np.flatnonzero(new).tolist()) == sorted([(1 + t) % n, (0 - t) % n])
        active |= new
        assert active.sum() == 2 + 2 * t
    assert active.all()
    assert not complex_contagion(g.indptr, g.indices, active, everyone, 0.5).any()


@given(gs=graphs_with_states(), threshold=thresholds)
def test_complex_contagion_matches_the_node_by_node_rule(gs, threshold):
    g, active, susceptible = gs
    new = complex_contagion(g.indptr, g.indices, active, susceptible, threshold)
    np.testing.assert_array_equal(new, brute_force_contagion(g, active, susceptible, threshold))
    assert not (new & active).any() and not (new & ~susceptible).any()


@given(gs=graphs_with_states())
def test_complex_contagion_extreme_thresholds(gs):
    g, active, susceptible = gs
    deg = g.degrees()
    zero = complex_contagion(g.indptr, g.indices, active, susceptible, 0.0)
    np.testing.assert_array_equal(zero, susceptible & ~active & (deg > 0))
    assert not complex_contagion(g.indptr, g.indices, active, susceptible, 1.0001).any()


@given(gs=graphs_with_states(), extra=st.lists(st.booleans(), max_size=25), threshold=thresholds)
def test_complex_contagion_is_monotone_in_the_active_set(gs, extra, threshold):
    g, active, susceptible = gs
    more = active.copy()
    more[: len(extra)] |= np.array(extra[: g.n], dtype=bool)
    reach = active | complex_contagion(g.indptr, g.indices, active, susceptible, threshold)
    reach_more = more | complex_contagion(g.indptr, g.indices, more, susceptible, threshold)
    assert not (reach & ~reach_more).any()


@given(
    gs=graphs_with_states(columns=4),
    thr=st.lists(thresholds, min_size=4, max_size=4),
)
def test_multi_column_contagion_equals_single_column(gs, thr):
    g, active, susceptible = gs
    thr = np.array(thr)
    multi = complex_contagion(g.indptr, g.indices, active, susceptible, thr)
    assert multi.shape == active.shape and multi.dtype == bool
    for s in range(4):
        single = complex_contagion(g.indptr, g.indices, active[:, s], susceptible[:, s], thr[s])
        np.testing.assert_array_equal(multi[:, s], single)


def test_multi_column_contagion_with_per_node_thresholds_and_no_sellers():
    g = ring_lattice(12, 1)  # a cycle: degree 2
    active = np.zeros((12, 2), dtype=bool)
    active[0, 0] = True
    active[[0, 2], 1] = True
    sus = np.ones((12, 2), dtype=bool)
    per_node = np.where(np.arange(12) == 1, 1.0, 0.5)[:, None]
    new = complex_contagion(g.indptr, g.indices, active, sus, per_node)
    assert np.flatnonzero(new[:, 0]).tolist() == [11]  # node 1 needs both neighbours
    assert np.flatnonzero(new[:, 1]).tolist() == [1, 3, 11]
    empty = complex_contagion(g.indptr, g.indices, active[:, :0], sus[:, :0], 0.5)
    assert empty.shape == (12, 0)
    with pytest.raises(ValueError):
        complex_contagion(g.indptr, g.indices, active, sus[:, :1], 0.5)


# ------------------------------------------------------------------------ CascadeLog

SCRIPT = [
    # step, seeds, contagion
    (0, [1, 0, 0], [0, 0, 2]),  # seller 0 starts (size 1); seller 2: contagion, no cascade
    (1, [0, 2, 0], [3, 0, 0]),  # seller 0 grows to 4; seller 1 starts (size 2)
    (2, [0, 0, 0], [0, 1, 0]),  # seller 0 ends; seller 1 grows to 3
    (3, [2, 0, 1], [0, 0, 0]),  # seller 0 restarts (2); seller 1 ends; seller 2 starts (1)
    (4, [0, 0, 0], [0, 0, 0]),  # sellers 0 and 2 end
    (5, [0, 0, 0], [0, 0, 0]),  # nothing
    (7, [0, 1, 0], [0, 4, 0]),  # seller 1 starts with seeds + contagion = 5 (still running)
]


def run_script(log, script):
    for step, seeds, contagion in script:
        log.update(step, np.array(seeds), np.array(contagion))
    return log


def test_cascade_log_bookkeeping():
    log = run_script(CascadeLog(3), SCRIPT[:3])
    assert log.finished() == [(0, 0, 2, 4)]
    assert log.ongoing() == [(1, 1, 3)]
    log = run_script(log, SCRIPT[3:])
    assert log.finished() == [(0, 0, 2, 4), (1, 1, 3, 3), (0, 3, 4, 2), (2, 3, 4, 1)]
    assert log.sizes().tolist() == [4, 3, 2, 1]
    assert log.started().tolist() == [2, 2, 1]
    assert log.ongoing() == [(1, 7, 5)]
    assert log.unattributed.tolist() == [0, 0, 2]


def test_cascade_log_is_picklable_and_deterministic():
    a = run_script(CascadeLog(3), SCRIPT[:2])
    b = pickle.loads(pickle.dumps(a))
    run_script(a, SCRIPT[2:])
    run_script(b, SCRIPT[2:])
    assert a.finished() == b.finished()
    np.testing.assert_array_equal(a.started(), b.started())
    assert a.ongoing() == b.ongoing()


def test_cascade_log_rejects_bad_input():
    log = CascadeLog(2)
    log.update(3, np.array([1, 0]), np.array([0, 0]))
    with pytest.raises(ValueError):
        log.update(3, np.array([0, 0]), np.array([0, 0]))  # step must increase
    with pytest.raises(ValueError):
        log.update(4, np.array([0, 0, 0]), np.array([0, 0, 0]))
    with pytest.raises(ValueError):
        log.update(4, np.array([0, -1]), np.array([0, 0]))
    with pytest.raises(TypeError):
        log.update(4, np.array([0.5, 0.0]), np.array([0, 0]))
    empty = CascadeLog(0)
    empty.update(0, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    assert empty.finished() == [] and empty.sizes().size == 0
