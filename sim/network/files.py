"""Reading a social graph from a file: an edge list or GraphML."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from mechanisms.arrays import sorted_unique
from sim.network.graph import Graph, from_edges


def _is_int_label(x: Any) -> bool:
    if isinstance(x, bool):
        return False
    if isinstance(x, (int, np.integer)):
        return True
    if isinstance(x, str):
        try:
            int(x.strip())
        except ValueError:
            return False
        return True
    return False


def _label_order(labels: Sequence[Hashable]) -> dict[Hashable, int]:
    """Map distinct labels to ``0..N-1`` in sorted order (numeric if all int-like)."""
    distinct = list(dict.fromkeys(labels))
    if all(_is_int_label(x) for x in distinct):
        ordered = sorted(distinct, key=lambda x: int(x.strip()) if isinstance(x, str) else int(x))
    else:
        ordered = sorted(distinct, key=str)
    return {lab: i for i, lab in enumerate(ordered)}


def _read_graphml(path: Path) -> tuple[int, np.ndarray, np.ndarray, np.ndarray | None]:
    g = nx.read_graphml(path)
    index = _label_order(list(g.nodes))
    n = len(index)
    edges = np.array([(index[a], index[b]) for a, b in g.edges()], dtype=np.int64).reshape(-1, 2)
    blocks = None
    for attr in ("block", "community"):
        values = dict(g.nodes(data=attr))
        if all(val is None for val in values.values()):
            continue
        missing = [node for node, val in values.items() if val is None]
        if missing:
            raise ValueError(
                f"network.path={str(path)!r}: node attribute {attr!r} is missing on "
                f"{len(missing)} node(s), e.g. {missing[0]!r}"
            )
        code = _label_order(list(values.values()))
        blocks = np.empty(n, dtype=np.int32)
        for node, val in values.items():
            blocks[index[node]] = code[val]
        break
    return n, edges[:, 0], edges[:, 1], blocks


def _int_codes(labels: np.ndarray) -> tuple[int, np.ndarray]:
    """Map integer labels to ``0..N-1`` in increasing order: ``(N, codes)``."""
    if labels.size == 0:
        return 0, labels.astype(np.int64)
    lo, hi = int(labels.min()), int(labels.max())
    if hi - lo <= 4 * labels.size:  # dense label range: O(len) lookup table
        present = np.zeros(hi - lo + 1, dtype=bool)
        present[labels - lo] = True
        remap = np.cumsum(present, dtype=np.int64) - 1
        return int(remap[-1] + 1), remap[labels - lo]
    uniques = sorted_unique(labels)
    return int(uniques.size), np.searchsorted(uniques, labels).astype(np.int64)


def _read_edge_list(path: Path) -> tuple[int, np.ndarray, np.ndarray]:
    sep = r"\s+"
    with path.open() as fh:
        for line in fh:
            text = line.strip()
            if text and not text.startswith("#"):
                sep = "," if "," in text else r"\s+"
                break
        else:
            return 0, np.empty(0, np.int64), np.empty(0, np.int64)

    def read(dtype: Any) -> pd.DataFrame:
        return pd.read_csv(
            path,
            sep=sep,
            comment="#",
            header=None,
            usecols=[0, 1],
            skipinitialspace=True,
            skip_blank_lines=True,
            dtype=dtype,
            engine="c",
        )

    try:
        try:  # fast path: integer labels
            df = read(np.int64)
            labels = np.concatenate([df[0].to_numpy(), df[1].to_numpy()])
            del df
            count, codes = _int_codes(labels)
        except (ValueError, OverflowError):  # some label is not an int64
            df = read(str)
            if df.isna().to_numpy().any():
                raise ValueError("every edge line needs two node labels") from None
            strings = np.concatenate([df[0].str.strip().to_numpy(), df[1].str.strip().to_numpy()])
            del df
            numeric = pd.to_numeric(pd.Series(strings), errors="coerce")
            if not numeric.isna().any() and (numeric % 1 == 0).all():
                # Integer-valued labels ("7", "007", "7.0") order numerically.
                count, codes = _int_codes(numeric.to_numpy().astype(np.int64))
            else:
                codes, uniques = pd.factorize(strings, sort=True)
                count = len(uniques)
    except ValueError as exc:  # pandas' ParserError is a ValueError
        raise ValueError(f"network.path={str(path)!r} is not a readable edge list: {exc}") from exc
    half = codes.size // 2
    return count, codes[:half], codes[half:]


def from_file(path: str | Path, n: int | None = None) -> Graph:
    """Load a graph from a GraphML file or an edge list.

    ``*.graphml`` files are read with ``networkx.read_graphml``; a ``block`` (or else
    ``community``) node attribute becomes :attr:`Graph.blocks`, relabelled ``0..B-1``
    in sorted order. Any other file is an edge list: one edge per line, comma- or
    whitespace-separated (decided from the first data line), only the first two columns
    used, lines starting with ``#`` ignored. Node labels are mapped to ``0..N-1`` in
    sorted order, numerically when every label is an integer. Edge lists cannot contain
    isolated nodes; self loops and duplicate edges are dropped.

    Args:
        path: File to read.
        n: Expected node count (``customers.n``); checked if given.

    Returns:
        The graph.

    Raises:
        ValueError: If the file does not exist, is malformed, or has a node count
            different from ``n``.
    """
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"network.path={str(path)!r} does not exist")
    blocks = None
    if p.suffix.lower() == ".graphml":
        count, u, v, blocks = _read_graphml(p)
    else:
        count, u, v = _read_edge_list(p)
    if n is not None and int(n) != count:
        raise ValueError(
            f"network.path has {count} nodes but customers.n={n}; set customers.n={count}"
        )
    return from_edges(count, u, v, blocks=blocks)
