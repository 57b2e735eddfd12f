"""Word-of-mouth spreading on CSR graphs."""

import numpy as np

from mechanisms.discovery import best_per_target, cascade_reach, forward, incident_edges
from tests.mechanisms.graphs import path_graph, random_graph


def test_incident_edges_lists_all_neighbours():
    g = path_graph(5)
    pos, src = incident_edges(g.indptr, np.array([0, 2]))
    assert src.tolist() == [0, 2, 2]
    assert g.indices[pos].tolist() == [1, 1, 3]


def test_forward_with_certainty_reaches_exactly_the_neighbours():
    g = path_graph(6)
    src, dst = forward(g.indptr, g.indices, np.array([2]), 1.0, np.random.default_rng(0))
    assert sorted(dst.tolist()) == [1, 3] and set(src.tolist()) == {2}


def test_forward_never_with_zero_probability():
    g = path_graph(6)
    _, dst = forward(g.indptr, g.indices, np.arange(6), 0.0, np.random.default_rng(0))
    assert len(dst) == 0


def test_forward_rate_matches_probability():
    g = random_graph(2000, 8, np.random.default_rng(1))
    src, _ = forward(g.indptr, g.indices, np.arange(2000), 0.3, np.random.default_rng(2))
    assert abs(len(src) / len(g.indices) - 0.3) < 0.01


def test_cascade_on_a_path_with_certainty_reaches_everyone():
    g = path_graph(50)
    reached = cascade_reach(g.indptr, g.indices, np.array([0]), 1.0, np.random.default_rng(0))
    assert reached.all()
    reached = cascade_reach(
        g.indptr, g.indices, np.array([0]), 1.0, np.random.default_rng(0), max_rounds=3
    )
    assert np.flatnonzero(reached).tolist() == [0, 1, 2, 3]


def test_best_per_target_orders_by_keys():
    target = np.array([5, 5, 7, 5])
    key1 = np.array([1, 0, 3, 0])
    key2 = np.array([0, 9, 0, 2])
    win = best_per_target(target, key1, key2)
    assert sorted(win.tolist()) == [2, 3]


def test_best_per_target_packed_and_sorted_paths_agree():
    rng = np.random.default_rng(5)
    target = rng.integers(0, 50, 3000)
    k1 = rng.integers(-2, 1, 3000)
    k2 = rng.integers(0, 7, 3000)
    fast = best_per_target(target, k1, k2)
    big = k2.astype(np.int64) << 60  # does not fit: forces the sorted path
    slow = best_per_target(target, k1, big)
    assert sorted(fast.tolist()) == sorted(slow.tolist())
    for w in fast:
        mine = target == target[w]
        assert (k1[w], k2[w]) == min(zip(k1[mine], k2[mine], strict=True))
