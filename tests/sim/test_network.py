from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.network import (
    GRAPH_KINDS,
    Graph,
    build_graph,
    communities,
    erdos_renyi,
    from_edges,
    from_file,
    scale_free,
    small_world,
)
from sim.network import GRAPH_KINDS as NETWORK_KINDS

GENERATED = ("erdos_renyi", "small_world", "scale_free", "communities")


def assert_simple(g: Graph, n: int | None = None) -> None:
    """CSR invariants: dtypes, sorted rows, no loops/duplicates, symmetric adjacency."""
    assert g.indptr.dtype == np.int64
    assert g.indices.dtype == np.int32
    assert g.indptr.flags.c_contiguous and g.indices.flags.c_contiguous
    if n is not None:
        assert g.n == n
    assert g.indptr.shape == (g.n + 1,)
    assert g.indptr[0] == 0 and g.indptr[-1] == g.indices.size
    assert np.all(np.diff(g.indptr) >= 0)
    src = g.edge_sources()
    assert src.dtype == np.int32 and src.size == g.indices.size
    if g.indices.size:
        assert g.indices.min() >= 0 and g.indices.max() < g.n
    assert not np.any(src == g.indices), "self loop"
    # Within a row, neighbours strictly increase (sorted and no duplicates).
    same_row = src[1:] == src[:-1]
    assert np.all(g.indices[1:][same_row] > g.indices[:-1][same_row])
    # Symmetry: the multiset of (u, v) equals that of (v, u).
    fwd = np.sort(src.astype(np.int64) * g.n + g.indices)
    bwd = np.sort(g.indices.astype(np.int64) * g.n + src)
    assert np.array_equal(fwd, bwd)
    assert g.n_edges * 2 == g.indices.size
    if g.blocks is not None:
        assert g.blocks.dtype == np.int32 and g.blocks.shape == (g.n,)


def edge_set(g: Graph) -> set[tuple[int, int]]:
    src = g.edge_sources()
    up = src < g.indices
    return set(zip(src[up].tolist(), g.indices[up].tolist(), strict=True))


def same_arrays(a: Graph, b: Graph) -> bool:
    blocks_equal = (a.blocks is None and b.blocks is None) or (
        a.blocks is not None and b.blocks is not None and np.array_equal(a.blocks, b.blocks)
    )
    return (
        np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices) and blocks_equal
    )


def test_kinds_match_config() -> None:
    assert tuple(GRAPH_KINDS) == tuple(NETWORK_KINDS)


@pytest.mark.parametrize("kind", GENERATED)
@pytest.mark.parametrize("n", [1, 2, 3, 7, 64, 1000])
def test_generated_graphs_are_simple_and_symmetric(kind: str, n: int) -> None:
    g = build_graph(kind, n, 7)
    assert_simple(g, n)
    if kind == "communities":
        assert g.blocks is not None
    else:
        assert g.blocks is None


@pytest.mark.parametrize("kind", GENERATED)
def test_single_node_graph_has_no_edges(kind: str) -> None:
    g = build_graph(kind, 1, 0)
    assert g.n == 1 and g.n_edges == 0
    assert g.neighbours(0).size == 0
    assert g.degrees().tolist() == [0]


@pytest.mark.parametrize("kind", GENERATED)
def test_same_seed_same_graph_different_seed_different_graph(kind: str) -> None:
    a = build_graph(kind, 2000, 123)
    b = build_graph(kind, 2000, 123)
    c = build_graph(kind, 2000, 124)
    assert same_arrays(a, b)
    assert not np.array_equal(a.indices, c.indices)
    ss = build_graph(kind, 500, np.random.SeedSequence(5))
    assert same_arrays(ss, build_graph(kind, 500, np.random.SeedSequence(5)))


@pytest.mark.parametrize(
    ("kind", "tol"),
    [("erdos_renyi", 1e-9), ("small_world", 0.05), ("scale_free", 0.05), ("communities", 0.3)],
)
@pytest.mark.parametrize("avg_degree", [4.0, 8.0])
def test_mean_degree_close_to_target(kind: str, tol: float, avg_degree: float) -> None:
    g = build_graph(kind, 5000, 11, avg_degree=avg_degree)
    assert abs(g.degrees().mean() - avg_degree) <= tol


def test_erdos_renyi_has_exactly_m_edges_and_caps_at_complete() -> None:
    rng = np.random.default_rng(0)
    assert erdos_renyi(101, 3.0, rng).n_edges == round(101 * 3.0 / 2)
    dense = erdos_renyi(10, 7.0, rng)  # 35 of 45 pairs: dense sampling path
    assert_simple(dense, 10)
    assert dense.n_edges == 35
    full = erdos_renyi(10, 50.0, rng)
    assert full.n_edges == 45
    assert erdos_renyi(10, 0.0, rng).n_edges == 0


def test_erdos_renyi_pairs_are_uniform() -> None:
    # G(n, m) with n=8, m=8: each of the 28 pairs is an edge with probability 8/28.
    rng = np.random.default_rng(3)
    counts = np.zeros((8, 8))
    reps = 3000
    for _ in range(reps):
        counts += erdos_renyi(8, 2.0, rng).to_scipy().toarray()
    freq = counts[np.triu_indices(8, 1)] / reps
    assert np.all(np.abs(freq - 8 / 28) < 0.04)


@pytest.mark.parametrize(("n", "avg_degree"), [(50, 8.0), (11, 6.0), (9, 2.0), (7, 3.0)])
def test_small_world_without_rewiring_is_ring_lattice(n: int, avg_degree: float) -> None:
    g = small_world(n, avg_degree, 0.0, np.random.default_rng(0))
    half = max(1, round(avg_degree / 2))
    assert_simple(g, n)
    for i in range(n):
        expected = {(i + d) % n for d in range(-half, half + 1) if d != 0}
        assert set(g.neighbours(i).tolist()) == expected
    assert np.all(g.degrees() == 2 * half)


def test_small_world_rewiring_changes_edges_but_keeps_count() -> None:
    lattice = small_world(3000, 8.0, 0.0, np.random.default_rng(1))
    rewired = small_world(3000, 8.0, 0.2, np.random.default_rng(1))
    kept = len(edge_set(lattice) & edge_set(rewired)) / lattice.n_edges
    assert 0.75 < kept < 0.85  # about 1 - rewire_p of the lattice edges survive
    assert rewired.n_edges >= lattice.n_edges - 10


def test_scale_free_is_heavy_tailed_and_handles_small_cases() -> None:
    g = scale_free(5000, 8.0, seed=42)
    deg = g.degrees()
    assert deg.min() >= 4 and deg.max() > 10 * deg.mean()
    tree = scale_free(3000, 2.0, seed=1)  # m = 1 (rustworkx's default seed graph panics)
    assert_simple(tree, 3000)
    assert tree.n_edges == 2999
    assert deg.size == 5000
    for n in (2, 3, 5):  # n <= m + 1: complete graph
        small = scale_free(n, 8.0, seed=0)
        assert small.n_edges == n * (n - 1) // 2


def test_communities_blocks_and_mixing() -> None:
    n, k = 5003, 8
    g = communities(n, k, 8.0, 0.1, np.random.default_rng(2))
    assert_simple(g, n)
    assert g.blocks is not None
    sizes = np.bincount(g.blocks)
    assert sizes.size == k and sizes.max() - sizes.min() <= 1
    assert np.all(np.diff(g.blocks) >= 0)  # contiguous groups labelled 0..k-1
    src = g.edge_sources()
    inside = np.mean(g.blocks[src] == g.blocks[g.indices])
    assert abs(inside - 0.9) < 0.02


@pytest.mark.parametrize("mixing", [0.0, 1.0])
def test_communities_extreme_mixing(mixing: float) -> None:
    g = communities(2000, 4, 6.0, mixing, np.random.default_rng(4))
    assert g.blocks is not None
    src = g.edge_sources()
    inside = g.blocks[src] == g.blocks[g.indices]
    assert inside.all() if mixing == 0.0 else not inside.any()
    assert abs(g.degrees().mean() - 6.0) < 0.4


def test_communities_more_blocks_than_nodes_and_dense_blocks() -> None:
    g = communities(5, 8, 4.0, 0.5, np.random.default_rng(0))
    assert g.blocks is not None and g.blocks.tolist() == [0, 1, 2, 3, 4]
    dense = communities(40, 4, 100.0, 0.0, np.random.default_rng(0))
    assert dense.n_edges == 4 * 45  # within-block probability capped at 1: four K10s


def test_from_edges_dedupes_and_symmetrises() -> None:
    u = np.array([0, 1, 1, 2, 3, 3, 0])
    v = np.array([1, 0, 1, 0, 2, 2, 1])
    g = from_edges(5, u, v)
    assert_simple(g, 5)
    assert edge_set(g) == {(0, 1), (0, 2), (2, 3)}
    assert g.neighbours(0).tolist() == [1, 2]
    assert g.neighbours(4).tolist() == []
    assert g.degrees().tolist() == [2, 1, 2, 1, 0]
    assert not g.indices.flags.writeable
    blocked = from_edges(3, np.array([0]), np.array([2]), blocks=np.array([1, 0, 1]))
    assert blocked.blocks is not None and blocked.blocks.dtype == np.int32


def test_from_edges_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="same length"):
        from_edges(3, np.array([0, 1]), np.array([1]))
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        from_edges(3, np.array([0]), np.array([3]))
    with pytest.raises(ValueError, match="one label per node"):
        from_edges(3, np.array([0]), np.array([1]), blocks=np.array([0, 1]))


def test_to_networkx_round_trip() -> None:
    g = build_graph("communities", 300, 9, blocks=3)
    h = g.to_networkx()
    assert sorted(h.nodes) == list(range(300))
    assert {tuple(sorted(e)) for e in h.edges} == edge_set(g)
    assert [h.nodes[i]["block"] for i in range(300)] == g.blocks.tolist()
    u, v = np.array(list(h.edges)).T
    back = from_edges(300, u, v, blocks=g.blocks)
    assert same_arrays(g, back)


def test_to_scipy_matches_csr() -> None:
    g = build_graph("small_world", 200, 3)
    a = g.to_scipy()
    assert a.shape == (200, 200) and a.nnz == g.indices.size
    assert (a != a.T).nnz == 0
    assert np.array_equal(a.indices, g.indices) and np.array_equal(a.indptr, g.indptr)


def test_from_file_edge_list_round_trip(tmp_path) -> None:
    g = build_graph("erdos_renyi", 120, 5, avg_degree=6.0)
    src = g.edge_sources()
    up = src < g.indices
    path = tmp_path / "edges.txt"
    lines = ["# an edge list", ""]
    lines += [f"{a}\t {b}" for a, b in zip(src[up], g.indices[up], strict=True)]
    path.write_text("\n".join(lines) + "\n")
    # Isolated nodes cannot appear in an edge list, so compare on the touched labels.
    loaded = from_file(path)
    touched = np.flatnonzero(g.degrees() > 0)
    assert loaded.n == touched.size
    relabelled = {(int(touched[a]), int(touched[b])) for a, b in edge_set(loaded)}
    assert relabelled == edge_set(g)
    assert from_file(str(path), n=touched.size).n_edges == g.n_edges


def test_from_file_csv_labels_sorted(tmp_path) -> None:
    path = tmp_path / "edges.csv"
    path.write_text("# src,dst,weight\n10,9,0.5\n9, 2, 1\n2,10,3\n10,10,1\n2,9,1\n")
    g = from_file(path)
    # Integer labels sort numerically: 2 -> 0, 9 -> 1, 10 -> 2.
    assert g.n == 3
    assert edge_set(g) == {(0, 1), (0, 2), (1, 2)}
    names = tmp_path / "names.edges"
    names.write_text("bob alice\ncarol bob\n")
    h = from_file(names)
    assert edge_set(h) == {(0, 1), (1, 2)}  # alice=0, bob=1, carol=2
    mixed = tmp_path / "mixed.txt"
    mixed.write_text("1.0 2\n7 007\n10 9\n")  # integer-valued labels: 7 == 007, loop dropped
    m = from_file(mixed)
    assert m.n == 5 and edge_set(m) == {(0, 1), (3, 4)}
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing here\n")
    assert from_file(empty).n == 0
    bad = tmp_path / "bad.txt"
    bad.write_text("1\n2 3\n")
    with pytest.raises(ValueError, match="line 1: '1' holds 1 node id;"):
        from_file(bad)


def test_from_file_graphml_with_blocks(tmp_path) -> None:
    g = build_graph("communities", 60, 2, blocks=3, avg_degree=5.0)
    path = tmp_path / "net.graphml"
    nx.write_graphml(g.to_networkx(), path)
    loaded = from_file(path, n=60)
    assert same_arrays(g, loaded)
    assert_simple(loaded, 60)

    h = nx.Graph()
    h.add_nodes_from([("x", {"community": "red"}), ("y", {"community": "blue"}), ("z", {})])
    h.nodes["z"]["community"] = "red"
    h.add_edges_from([("x", "y"), ("y", "z")])
    nx.write_graphml(h, tmp_path / "named.graphml")
    named = from_file(tmp_path / "named.graphml")
    assert named.blocks is not None and named.blocks.tolist() == [1, 0, 1]  # blue=0, red=1
    assert edge_set(named) == {(0, 1), (1, 2)}

    plain = nx.path_graph(4)
    nx.write_graphml(plain, tmp_path / "plain.graphml")
    assert from_file(tmp_path / "plain.graphml").blocks is None


def test_from_file_errors(tmp_path) -> None:
    path = tmp_path / "e.txt"
    path.write_text("0 1\n1 2\n")
    with pytest.raises(ValueError) as err:
        from_file(path, n=5)
    assert str(err.value) == (
        f"network.path={str(path)!r} has 3 nodes but customers.n=5 (an edge list holds only "
        "nodes with edges); allowed: customers.n=3, or a file with 5 nodes"
    )
    missing = str(tmp_path / "nope.txt")
    with pytest.raises(ValueError) as err:
        from_file(missing)
    assert str(err.value) == (
        f"network.path={missing!r} does not exist; allowed: an edge list or .graphml file"
    )
    with pytest.raises(ValueError, match="does not exist"):
        build_graph("file", 3, 0, path=missing)


def test_build_graph_file_and_errors(tmp_path) -> None:
    path = tmp_path / "e.txt"
    path.write_text("0 1\n1 2\n")
    g = build_graph("file", 3, 0, path=str(path))
    assert edge_set(g) == {(0, 1), (1, 2)}
    with pytest.raises(ValueError, match="network.path must be set"):
        build_graph("file", 3, 0)
    with pytest.raises(ValueError, match="erdos_renyi, small_world, scale_free"):
        build_graph("lattice", 10, 0)
    with pytest.raises(ValueError, match="mixing"):
        build_graph("communities", 10, 0, mixing=1.5)
    with pytest.raises(ValueError, match="rewire_p"):
        build_graph("small_world", 10, 0, rewire_p=-0.1)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=30).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(
                st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=0, max_size=80
            ),
        )
    )
)
def test_from_edges_property(case: tuple[int, list[tuple[int, int]]]) -> None:
    n, pairs = case
    u = np.array([p[0] for p in pairs], dtype=np.int64)
    v = np.array([p[1] for p in pairs], dtype=np.int64)
    g = from_edges(n, u, v)
    assert_simple(g, n)
    expected = {(min(a, b), max(a, b)) for a, b in pairs if a != b}
    assert edge_set(g) == expected
    assert g.n_edges == len(expected)
