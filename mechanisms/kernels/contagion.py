"""Kernels of :mod:`mechanisms.contagion`: one step of complex contagion, near the active nodes.

:func:`packed_contagion` runs for up to 32 columns (one per seller); :func:`complex_contagion`
for more.
"""

from __future__ import annotations

import numpy as np

from mechanisms.kernels import kernel


@kernel
def complex_contagion(
    indptr: np.ndarray,
    indices: np.ndarray,
    active: np.ndarray,
    susceptible: np.ndarray,
    threshold: float,
) -> np.ndarray:
    """:func:`mechanisms.contagion.complex_contagion` for ``[n, S]`` masks, scalar threshold > 0."""
    # With a threshold above 0 only a node with an active neighbour can activate, so only
    # the neighbours of active nodes are counted; the arithmetic (an integer count divided
    # by the degree, compared with the threshold) is the reference's.
    n, n_cols = active.shape
    newly = np.zeros((n, n_cols), dtype=np.bool_)
    near = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        for s in range(n_cols):
            if active[i, s]:
                for j in range(indptr[i], indptr[i + 1]):
                    near[indices[j]] = True
                break
    counts = np.zeros(n_cols, dtype=np.int64)
    for i in range(n):
        if not near[i]:
            continue
        deg = indptr[i + 1] - indptr[i]
        counts[:] = 0
        for j in range(indptr[i], indptr[i + 1]):
            k = indices[j]
            for s in range(n_cols):
                if active[k, s]:
                    counts[s] += 1
        for s in range(n_cols):
            if susceptible[i, s] and not active[i, s] and counts[s] / deg >= threshold:
                newly[i, s] = True
    return newly


@kernel
def packed_contagion(
    indptr: np.ndarray,
    indices: np.ndarray,
    active: np.ndarray,
    susceptible: np.ndarray,
    threshold: float,
    bits: np.ndarray,
    candidate: np.ndarray,
) -> np.ndarray:
    """:func:`complex_contagion` with each node's columns packed into the bits of one word.

    ``bits`` and ``candidate`` are ``[n]`` scratch arrays of an unsigned type with at least
    ``S`` bits (filled here: bit ``s`` of ``bits[i]`` is ``active[i, s]``, of
    ``candidate[i]`` susceptible and not active). Reading a neighbour's state is then one
    word from an array of ``n`` words, not a row of ``[n, S]`` booleans: the random reads
    stay in cache longer, 2-2.7x faster mid-cascade at 10^6 nodes and 6 columns.

    Only candidates are counted: with a threshold above 0 no other node can activate.
    While active nodes are fewer than candidates (early in a cascade), only candidates next
    to an active node; once most nodes are active, every candidate, without marking the
    neighbours of every active node (at 10^6 nodes: 9 against 105 ms a step when nearly
    everyone is active). The arithmetic is :func:`complex_contagion`'s.
    """
    n, n_cols = active.shape
    active_rows = 0
    candidate_rows = 0
    for i in range(n):
        b = 0
        c = 0
        for s in range(n_cols):
            b |= np.int64(active[i, s]) << s
            c |= np.int64(susceptible[i, s] and not active[i, s]) << s
        bits[i] = b
        candidate[i] = c
        active_rows += b != 0
        candidate_rows += c != 0
    if candidate_rows > active_rows:
        near = np.zeros(n, dtype=np.bool_)
        for i in range(n):
            if bits[i] != 0:
                for j in range(indptr[i], indptr[i + 1]):
                    near[indices[j]] = True
        for i in range(n):
            if not near[i]:
                candidate[i] = 0
    newly = np.zeros((n, n_cols), dtype=np.bool_)
    counts = np.zeros(n_cols, dtype=np.int64)
    for i in range(n):
        c = np.int64(candidate[i])
        deg = indptr[i + 1] - indptr[i]
        if c == 0 or deg == 0:
            continue
        counts[:] = 0
        for j in range(indptr[i], indptr[i + 1]):
            b = np.int64(bits[indices[j]])
            if b != 0:
                for s in range(n_cols):
                    counts[s] += (b >> s) & 1
        for s in range(n_cols):
            if (c >> s) & 1 and counts[s] / deg >= threshold:
                newly[i, s] = True
    return newly
