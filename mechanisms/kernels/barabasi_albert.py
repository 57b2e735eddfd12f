"""Kernels of :mod:`sim.network.barabasi_albert`: rustworkx's Barabási-Albert growth, into CSR."""

from __future__ import annotations

import numpy as np

from mechanisms.kernels import kernel


@kernel
def grow(
    raw: np.ndarray,
    source: int,
    n: int,
    m: int,
    repeated: np.ndarray,
    length: int,
) -> tuple[int, int, int]:
    """Add nodes ``source, source + 1, ...`` while the draws in ``raw`` last.

    ``repeated[:length]`` is rustworkx's ``repeated_nodes``; each node appends its ``m``
    targets (in the order drawn) and ``m`` copies of itself. A node is committed only when
    all its draws were available, so the caller continues with the unused tail of ``raw``.

    Returns:
        ``(next source, repeated length, draws used)``.
    """
    pos = 0
    targets = np.empty(m, dtype=np.int32)
    while source < n:
        p = pos
        k = 0
        span = np.uint64(length)
        neg = np.uint64(2**32) - span  # ``range.wrapping_neg()`` as a u32
        complete = True
        while k < m:
            if p >= raw.size:
                complete = False
                break
            # rand's UniformInt::<u32>::sample_single_inclusive(0, len - 1), Canon's method:
            # the high word of next_u32() * range, plus a carry from a second draw when the
            # low word is within range of overflowing.
            prod = (raw[p] & np.uint64(0xFFFF_FFFF)) * span
            p += 1
            pick = prod >> np.uint64(32)
            low = prod & np.uint64(0xFFFF_FFFF)
            if low > neg:
                if p >= raw.size:
                    complete = False
                    break
                carry = ((raw[p] & np.uint64(0xFFFF_FFFF)) * span) >> np.uint64(32)
                p += 1
                if low + carry > np.uint64(0xFFFF_FFFF):
                    pick += np.uint64(1)
            t = repeated[pick]
            seen = False
            for j in range(k):
                if targets[j] == t:
                    seen = True
                    break
            if not seen:
                targets[k] = t
                k += 1
        if not complete:
            break
        for j in range(m):
            repeated[length + j] = targets[j]
            repeated[length + m + j] = source
        length += 2 * m
        pos = p
        source += 1
    return source, length, pos


@kernel
def fill_csr(
    n0: int,
    m: int,
    first: np.ndarray,
    second: np.ndarray,
    repeated: np.ndarray,
    start: int,
    cursor: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """CSR of the seed edges ``(first, second)`` plus every grown node's ``m`` edges.

    Node ``s >= n0`` linked to ``repeated[start + 2m(s - n0) : ... + m]``. ``cursor``
    (zeros, ``n + 1`` long, an integer type that holds the number of entries) counts the
    degrees, then serves as each row's fill position: the smallest type keeps more of it
    in cache during the random writes. Rows are filled in edge order, so each row holds
    its own early entries, then later sources in ascending order; an insertion sort
    (linear on such nearly sorted rows) finishes each row.
    """
    n = cursor.size - 1
    for e in range(first.size):
        cursor[first[e] + 1] += 1
        cursor[second[e] + 1] += 1
    for s in range(n0, n):
        base = start + 2 * m * (s - n0)
        cursor[s + 1] += m
        for j in range(m):
            cursor[repeated[base + j] + 1] += 1
    indptr = np.empty(n + 1, dtype=np.int64)
    total = 0
    for i in range(n + 1):
        total += cursor[i]
        indptr[i] = total
    for i in range(n):
        cursor[i] = indptr[i]
    indices = np.empty(total, dtype=np.int32)
    for e in range(first.size):
        a, b = first[e], second[e]
        indices[cursor[a]] = b
        cursor[a] += 1
        indices[cursor[b]] = a
        cursor[b] += 1
    for s in range(n0, n):
        base = start + 2 * m * (s - n0)
        for j in range(m):
            t = repeated[base + j]
            indices[cursor[s]] = t
            cursor[s] += 1
            indices[cursor[t]] = s
            cursor[t] += 1
    for i in range(n):
        lo, hi = indptr[i], indptr[i + 1]
        for a in range(lo + 1, hi):
            v = indices[a]
            b = a - 1
            while b >= lo and indices[b] > v:
                indices[b + 1] = indices[b]
                b -= 1
            indices[b + 1] = v
    return indptr, indices
