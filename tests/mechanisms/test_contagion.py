"""Complex contagion over CSR graphs and the outrage cascade log."""

import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mechanisms import contagion as contagion_module
from mechanisms.contagion import CascadeLog, complex_contagion, outrage_step
from mechanisms.kernels import contagion as contagion_kernels
from tests.mechanisms.graphs import csr_graph, ring_lattice

# ------------------------------------------------------------------------- helpers


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
    g = csr_graph(n, u, v)
    bools = st.lists(st.booleans(), min_size=n * columns, max_size=n * columns)
    active = np.array(draw(bools), dtype=bool).reshape(n, columns)
    susceptible = np.array(draw(bools), dtype=bool).reshape(n, columns)
    if columns == 1:
        active, susceptible = active[:, 0], susceptible[:, 0]
    return g, active, susceptible


thresholds = st.floats(0.0, 1.0, allow_nan=False)


# ------------------------------------------------------------------------ contagion


def test_complex_contagion_on_a_path_with_an_isolated_node():
    # 0-1-2-3-4 and isolated node 5
    g = csr_graph(6, np.arange(4), np.arange(1, 5))
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


# Exact ratios too, where counts / degree lands on the threshold itself.
@given(
    gs=graphs_with_states(columns=3),
    threshold=st.sampled_from([0.2, 0.25, 1 / 3, 0.5, 2 / 3, 0.75, 1.0]) | st.floats(0.01, 1.0),
)
def test_the_contagion_kernel_gives_the_reference_result(gs, threshold):
    g, active, susceptible = gs
    reference = complex_contagion(g.indptr, g.indices, active, susceptible, threshold)
    compiled = contagion_module._contagion_kernel(
        g.indptr, g.indices, np.ascontiguousarray(active), np.ascontiguousarray(susceptible),
        threshold,
    )  # fmt: skip
    np.testing.assert_array_equal(compiled, reference)


def packed(g, active, susceptible, threshold, word):
    n = len(active)
    scratch = np.empty(n, dtype=word), np.empty(n, dtype=word)
    return contagion_kernels.packed_contagion(
        g.indptr, g.indices, active, susceptible, threshold, *scratch
    )


# Densities from almost none active (the kernels count next to active nodes) to almost all
# (they count at every candidate), and every word the packed kernel fills, to its last bit.
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 60),
    columns=st.sampled_from([1, 3, 8, 16, 32, 40]),
    density=st.floats(0.0, 1.0),
    threshold=st.sampled_from([0.2, 0.25, 1 / 3, 0.5, 1.0]) | st.floats(0.01, 1.0),
)
def test_every_contagion_kernel_gives_the_reference_result(seed, n, columns, density, threshold):
    rng = np.random.default_rng(seed)
    pairs = rng.integers(0, n, (rng.integers(0, 4 * n + 1), 2))
    g = csr_graph(n, pairs[:, 0], pairs[:, 1])
    active = rng.random((n, columns)) < density
    susceptible = rng.random((n, columns)) < 0.7
    reference = complex_contagion(g.indptr, g.indices, active, susceptible, threshold)
    unpacked = contagion_module._contagion_kernel(
        g.indptr, g.indices, active, susceptible, threshold
    )
    np.testing.assert_array_equal(unpacked, reference)
    for most, word in ((8, np.uint8), (16, np.uint16), (32, np.uint32)):
        if columns <= most:
            got = packed(g, active, susceptible, threshold, word)
            np.testing.assert_array_equal(got, reference, err_msg=str(word))


def test_the_packed_kernel_reads_the_last_bit_of_its_word():
    # 32 columns in uint32 words: the top column spreads alone, along a path.
    g = csr_graph(3, np.array([0, 1]), np.array([1, 2]))
    active = np.zeros((3, 32), dtype=bool)
    active[0, 31] = True
    everyone = np.ones((3, 32), dtype=bool)
    got = packed(g, active, everyone, 0.5, np.uint32)
    assert got[:, 31].tolist() == [False, True, False]
    assert not got[:, :31].any()


def test_outrage_seeds_spread_boycott_and_cool():
    # Path 0-1-2: node 0 seeds; 1 (one of two neighbours outraged) turns by contagion at
    # 0.5; node 2, outraged before with its boycott over and little grievance, cools.
    g = csr_graph(3, np.array([0, 1]), np.array([1, 2]))
    outraged = np.array([[False], [False], [True]])
    grievance = np.array([[1.0], [0.0], [0.1]], dtype=np.float32)
    until = np.array([[-1], [-1], [3]], dtype=np.int32)
    seeds, spread = outrage_step(
        g.indptr, g.indices, outraged, grievance, until, 5,
        seed_threshold=0.8, contagion_threshold=0.5, boycott_steps=10,
    )  # fmt: skip
    assert seeds.tolist() == [1] and spread.tolist() == [1]
    assert outraged[:, 0].tolist() == [True, True, False]
    assert until[:, 0].tolist() == [15, 15, 3]
