"""What the network panel draws: a fixed sample of customers, its cached layout, node states.

The functions over arrays are pure, so they are tested without a model or a browser. A
layout is computed once per graph (keyed by the graph's content, so a Reset with the same
seed reuses it) and kept in a small cache; drawing a frame only recolours the nodes.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import rustworkx as rx

from agents.coalition import CoalitionStatus
from agents.customer import NO_COALITION, Status
from sim.model import MarketModel
from sim.network import Graph

#: Most customers the network panel draws; larger populations are sampled.
SAMPLE_CAP = 1500


class NodeState(IntEnum):
    """What a customer's dot shows (later states win where several hold)."""

    NOT_ARRIVED = 0
    SHOPPING = 1
    INVITED = 2
    LEFT = 3
    SERVED = 4
    BOYCOTTING = 5
    IN_COALITION = 6


STATE_LABELS: dict[NodeState, str] = {
    NodeState.NOT_ARRIVED: "not yet shopping",
    NodeState.SHOPPING: "shopping alone",
    NodeState.INVITED: "invited to a coalition",
    NodeState.LEFT: "left unserved",
    NodeState.SERVED: "served",
    NodeState.BOYCOTTING: "boycotting a seller",
    NodeState.IN_COALITION: "in a coalition",
}


def neighbours_of(indptr: np.ndarray, indices: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Every neighbour of ``nodes`` (with repeats), from CSR arrays."""
    starts, ends = indptr[nodes], indptr[nodes + 1]
    lengths = ends - starts
    if lengths.sum() == 0:
        return np.empty(0, dtype=indices.dtype)
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return indices[offsets + np.arange(lengths.sum())]


def sample_nodes(
    indptr: np.ndarray, indices: np.ndarray, cap: int = SAMPLE_CAP, seed: int = 0
) -> np.ndarray:
    """At most ``cap`` nodes to draw (all of them if the graph is that small), sorted.

    A snowball sample: breadth-first from a seeded random root, a new root whenever a
    component runs out. Neighbourhoods stay whole, so an invitation is seen travelling
    from dot to dot; a uniform sample of a big sparse graph would be isolated dots.

    Args:
        indptr: CSR row pointers.
        indices: CSR neighbour indices.
        cap: Most nodes to return.
        seed: Seed of the roots and of the cut through the last layer.
    """
    n = len(indptr) - 1
    if n <= cap:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    roots = iter(rng.permutation(n))  # drawn once: a graph of many small parts needs many
    picked = np.zeros(n, dtype=bool)
    count = 0
    frontier = np.empty(0, dtype=np.int64)
    while count < cap:
        if frontier.size == 0:
            root = next(r for r in roots if not picked[r])
            frontier = np.array([root])
        if count + frontier.size > cap:
            frontier = rng.choice(frontier, cap - count, replace=False)
        picked[frontier] = True
        count += frontier.size
        nxt = np.unique(neighbours_of(indptr, indices, frontier))
        frontier = nxt[~picked[nxt]]
    return np.flatnonzero(picked)


def induced_edges(indptr: np.ndarray, indices: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Edges among ``nodes`` as ``(m, 2)`` positions into ``nodes`` (each edge once)."""
    local = np.full(len(indptr) - 1, -1, dtype=np.int64)
    local[nodes] = np.arange(len(nodes))
    src = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    keep = (src < indices) & (local[src] >= 0) & (local[indices] >= 0)
    return np.column_stack([local[src[keep]], local[indices[keep]]])


def spring_positions(k: int, edges: np.ndarray, seed: int) -> np.ndarray:
    """A force-directed layout of ``k`` nodes, scaled into the unit square, ``(k, 2)``.

    rustworkx's spring layout runs in compiled code: about a second for 1,500 nodes,
    where networkx's takes ten.
    """
    g = rx.PyGraph()
    g.add_nodes_from(range(k))
    g.add_edges_from_no_data([(int(a), int(b)) for a, b in edges])
    layout = rx.spring_layout(g, seed=int(seed))
    pos = np.array([layout[i] for i in range(k)], dtype=np.float64).reshape(k, 2)
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    return (pos - lo) / np.where(hi > lo, hi - lo, 1.0)


@dataclass(frozen=True)
class NetworkLayout:
    """The drawn part of a graph.

    Attributes:
        nodes: The customers drawn (sorted ids).
        pos: Their positions in the unit square, ``(len(nodes), 2)``.
        edges: Edges among them, as positions into ``nodes``, ``(m, 2)``.
        n_total: Customers in the whole graph.
    """

    nodes: np.ndarray
    pos: np.ndarray
    edges: np.ndarray
    n_total: int

    @property
    def sampled(self) -> bool:
        """Whether only part of the graph is drawn."""
        return len(self.nodes) < self.n_total


def compute_layout(graph: Graph, seed: int = 0, cap: int = SAMPLE_CAP) -> NetworkLayout:
    """Sample and lay out ``graph`` (uncached; see :class:`LayoutCache`)."""
    nodes = sample_nodes(graph.indptr, graph.indices, cap, seed)
    edges = induced_edges(graph.indptr, graph.indices, nodes)
    return NetworkLayout(nodes, spring_positions(len(nodes), edges, seed), edges, graph.n)


def graph_fingerprint(graph: Graph) -> str:
    """A digest of the graph's arrays: equal graphs share a layout."""
    h = hashlib.blake2b(digest_size=16)
    h.update(graph.indptr.tobytes())
    h.update(graph.indices.tobytes())
    return h.hexdigest()


class LayoutCache:
    """The layouts of recent graphs (least recently used dropped first); thread-safe.

    Args:
        size: Layouts kept.
    """

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[tuple[str, int, int], NetworkLayout] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, graph: Graph, seed: int = 0, cap: int = SAMPLE_CAP) -> NetworkLayout:
        """The layout of ``graph`` drawn with ``seed`` and ``cap``, computed on first use."""
        key = (graph_fingerprint(graph), int(seed), int(cap))
        # Held while computing: a second session asking for the same graph waits for this
        # layout instead of computing its own.
        with self._lock:
            if key in self._items:
                self.hits += 1
                self._items.move_to_end(key)
                return self._items[key]
            self.misses += 1
            layout = compute_layout(graph, seed, cap)
            self._items[key] = layout
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            return layout


#: The process's layouts (shared by every browser session).
LAYOUTS = LayoutCache()


def node_states(
    status: np.ndarray,
    coalition: np.ndarray,
    coalition_status: np.ndarray,
    invite: np.ndarray,
    boycotting: np.ndarray | None = None,
    bought: np.ndarray | None = None,
) -> np.ndarray:
    """Each customer's :class:`NodeState` code (``int8``).

    Args:
        status: Customers' :class:`~agents.customer.Status` codes.
        coalition: Coalition each customer belongs to (-1 if none).
        coalition_status: :class:`~agents.coalition.CoalitionStatus` of every coalition.
        invite: Coalition each customer has heard of (-1 if none).
        boycotting: Whether each customer boycotts some seller now (None: no community).
        bought: Units each customer has bought so far (None: not known).
    """
    out = np.full(status.shape, NodeState.NOT_ARRIVED, dtype=np.int8)
    active = status == Status.ACTIVE
    out[active] = NodeState.SHOPPING
    out[active & (invite != NO_COALITION)] = NodeState.INVITED
    out[status == Status.LEFT] = NodeState.LEFT
    out[status == Status.SERVED] = NodeState.SERVED
    if bought is not None:
        # With repeat demand a served customer waits to shop again: it has been served.
        out[(status == Status.WAITING) & (bought > 0)] = NodeState.SERVED
    if boycotting is not None:
        out[boycotting] = NodeState.BOYCOTTING
    member = coalition != NO_COALITION
    open_member = np.zeros_like(member)
    open_member[member] = coalition_status[coalition[member]] == CoalitionStatus.OPEN
    out[open_member] = NodeState.IN_COALITION
    return out


def model_states(model: MarketModel) -> tuple[np.ndarray, np.ndarray]:
    """``(states, coalition)`` of every customer of ``model`` now.

    ``coalition`` is the open coalition of customers in state ``IN_COALITION``, else -1.
    """
    cu = model.customers
    community = model.community
    boycotting = None
    if community is not None:
        boycotting = community.rep.boycotting(model.state.step.t).any(axis=1)
    states = node_states(
        cu.status, cu.coalition, model.coalitions.status, cu.invite, boycotting, cu.bought
    )
    coalition = np.where(states == NodeState.IN_COALITION, cu.coalition, NO_COALITION)
    return states, coalition


def open_coalitions(model: MarketModel) -> int:
    """Coalitions recruiting now."""
    return int((model.coalitions.status == CoalitionStatus.OPEN).sum())


def state_counts(states: np.ndarray) -> dict[NodeState, int]:
    """Customers in each state."""
    counts = np.bincount(states.astype(np.int64), minlength=len(NodeState))
    return {s: int(counts[s]) for s in NodeState}
