"""The compiled Barabási-Albert builder gives rustworkx's graph, array for array."""

import numpy as np
import pytest
import rustworkx as rx

import sim.network.barabasi_albert as ba
from sim.network import generators, scale_free
from sim.network.graph import Graph, from_edges


def rustworkx_graph(n: int, m: int, seed: int) -> Graph:
    """What ``scale_free`` built before the replica: rustworkx's edges into CSR."""
    initial = rx.generators.path_graph(2) if m == 1 else None
    g = rx.barabasi_albert_graph(n, m, seed=seed, initial_graph=initial)
    edges = np.asarray(g.edge_list(), dtype=np.int64).reshape(-1, 2)
    return from_edges(n, edges[:, 0], edges[:, 1])


def test_pcg64_matches_rand_pcg_test_vector():
    # rand_pcg's tests/lcg128xsl64.rs: Lcg128Xsl64::seed_from_u64(0).next_u64().
    assert ba.pcg64_seeded_like_rust(0).random_raw(1)[0] == 2354861276966075475


CASES = [(3, 1, 0), (4, 2, 7), (10, 1, 0), (10, 2, 0), (50, 3, 5), (777, 10, 3)]
CASES += [(2000, 1, 2**63 + 5), (5000, 4, 12345), (5000, 7, 99), (20_000, 4, 2**64 - 1)]
rng = np.random.default_rng(0)
CASES += [
    (int(n), int(m), int(s))
    for n, m, s in zip(
        rng.integers(20, 3000, 12),
        rng.integers(1, 12, 12),
        rng.integers(0, 2**63, 12),
        strict=True,
    )
]


@pytest.mark.parametrize(("n", "m", "seed"), CASES)
def test_replica_equals_rustworkx(n: int, m: int, seed: int):
    ref = rustworkx_graph(n, m, seed)
    indptr, indices = ba.barabasi_albert_csr(n, m, seed)
    assert indptr.dtype == np.int64 and indices.dtype == np.int32
    assert np.array_equal(indptr, ref.indptr) and np.array_equal(indices, ref.indices)


def test_scale_free_uses_the_replica_for_large_graphs_with_the_same_result(monkeypatch):
    n, seed = 30_000, 2**62 + 17
    monkeypatch.setattr(generators, "BA_KERNEL_MIN_NODES", 1000)
    fast = scale_free(n, 8.0, seed)
    ref = rustworkx_graph(n, 4, seed)
    assert np.array_equal(fast.indptr, ref.indptr) and np.array_equal(fast.indices, ref.indices)
    monkeypatch.setattr(ba, "JIT_ENABLED", False)  # CROWDBARGAIN_JIT=0: rustworkx itself
    assert ba.barabasi_albert_csr(n, 4, seed) is None
    slow = scale_free(n, 8.0, seed)
    assert np.array_equal(slow.indices, fast.indices)


def test_replica_declines_beyond_rands_u32_draw():
    assert ba.barabasi_albert_csr(2**30, 4, 0) is None
