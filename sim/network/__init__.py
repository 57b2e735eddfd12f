"""Social graphs for the customer population, stored as compact CSR arrays.

Every builder returns a :class:`Graph`: an undirected simple graph (no self loops, no
parallel edges) in compressed sparse row form with ``int64`` row pointers and ``int32``
neighbour indices, each row sorted ascending. A graph of 10^6 nodes and average degree 8
takes about 40 MB and builds in about a second; no builder goes through networkx
(networkx is used only to read GraphML files and by :meth:`Graph.to_networkx`).

All randomness comes from the generator (or seed) passed in, so the same seed gives
identical arrays. :func:`build_graph` is the entry point used by the model; it maps a
``network`` config node onto one of the generators (``generators``) or the file readers
(``files``); :class:`Graph` is in ``graph``.
"""

from __future__ import annotations

import numpy as np

from sim.network.files import MAX_FILE_MB, from_file, graph_file_problem
from sim.network.generators import communities, erdos_renyi, scale_free, small_world
from sim.network.graph import Graph, from_edges

__all__ = [
    "GRAPH_KINDS",
    "MAX_FILE_MB",
    "Graph",
    "build_graph",
    "communities",
    "erdos_renyi",
    "from_edges",
    "from_file",
    "graph_file_problem",
    "scale_free",
    "small_world",
]

#: Values of ``network.kind``.
GRAPH_KINDS = ("erdos_renyi", "small_world", "scale_free", "communities", "file")


def build_graph(
    kind: str,
    n: int,
    seed: np.random.SeedSequence | int,
    *,
    avg_degree: float = 8.0,
    rewire_p: float = 0.1,
    blocks: int = 8,
    mixing: float = 0.1,
    path: str | None = None,
    max_file_mb: float | None = None,
) -> Graph:
    """Build the social graph described by a ``network`` config node.

    Args:
        kind: One of :data:`GRAPH_KINDS`.
        n: Number of nodes (customers).
        seed: Seed (or ``SeedSequence``) for ``np.random.default_rng``.
        avg_degree: Target mean degree (all generated kinds).
        rewire_p: Rewiring probability (``small_world``).
        blocks: Number of communities (``communities``).
        mixing: Share of edges leaving a community (``communities``).
        path: File to load (``file``); its node count must equal ``n``.
        max_file_mb: Largest file read (``file``), in MB; None reads any size.

    Returns:
        The graph.

    Raises:
        ValueError: For an unknown ``kind``, a missing ``path`` for ``file``, or
            parameters out of range.
    """
    rng = np.random.default_rng(seed)
    if kind == "erdos_renyi":
        return erdos_renyi(n, avg_degree, rng)
    if kind == "small_world":
        return small_world(n, avg_degree, rewire_p, rng)
    if kind == "scale_free":
        return scale_free(n, avg_degree, int(rng.integers(2**63)))
    if kind == "communities":
        return communities(n, blocks, avg_degree, mixing, rng)
    if kind == "file":
        if path is None:
            raise ValueError("network.path must be set when network.kind='file'")
        return from_file(path, n=n, max_mb=max_file_mb)
    raise ValueError(f"network.kind={kind!r} is not one of {', '.join(GRAPH_KINDS)}")
