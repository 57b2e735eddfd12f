"""Barabási-Albert graphs identical to ``rustworkx.barabasi_albert_graph``, built straight into CSR.

``rustworkx.barabasi_albert_graph`` (rustworkx 0.18, ``rustworkx-core``'s
``generators::barabasi_albert_graph``) grows the graph node by node: each new node draws
targets uniformly from ``repeated_nodes`` (every node repeated once per edge end it holds)
until it has ``m`` distinct ones, links to them, and appends the targets and ``m`` copies of
itself. Its random numbers come from Rust's ``rand_pcg::Pcg64`` seeded with
``seed_from_u64(seed)``, and each draw is ``rand``'s ``random_range(..len)`` on a ``u32``
(Canon's widening-multiply method). At 10^7 nodes the Rust code, turning its graph into
Python edge tuples and those into CSR took about 25 s and 3 GB; this module makes the same
graph in a few seconds and only the CSR's memory plus ``repeated_nodes``:

* the draws: ``Pcg64`` is PCG XSL-RR 128/64, the generator behind numpy's ``PCG64``, so
  numpy's bit generator, set to the state ``seed_from_u64`` gives, produces the same 64-bit
  outputs (:func:`pcg64_seeded_like_rust`; checked against ``rand_pcg``'s published test
  vectors in the tests) in bulk;
* the growth loop and the CSR fill are compiled kernels (:func:`mechanisms.jit.kernel`) that
  consume those outputs in order exactly as ``rand`` does.

The tests compare every array with rustworkx's graph over many sizes, degrees and seeds.
With ``CROWDBARGAIN_JIT=0``, or beyond the ``u32`` range of ``repeated_nodes``,
:func:`barabasi_albert_csr` returns None and the caller uses rustworkx itself.

References:
    M. E. O'Neill, "PCG: A family of simple fast space-efficient statistically good
    algorithms for random number generation", HMC-CS-2014-0905, 2014.
    D. Lemire, "Fast random integer generation in an interval", ACM TOMACS 29(1), 2019
    (the widening multiply; ``rand``'s ``sample_single_inclusive`` adds Canon's second draw).
"""

from __future__ import annotations

import numpy as np

from mechanisms.jit import JIT_ENABLED, kernel

_U64 = (1 << 64) - 1
_U128 = (1 << 128) - 1
#: Multiplier of the 128-bit LCG behind PCG64 (``rand_pcg`` and numpy alike).
_PCG_MULTIPLIER = 0x2360_ED05_1FC6_5DA4_4385_DF64_9FCC_F645
#: Raw 64-bit outputs drawn per call of the growth kernel.
_CHUNK = 1 << 20


def pcg64_seeded_like_rust(seed: int) -> np.random.PCG64:
    """A numpy ``PCG64`` in the state of Rust's ``rand_pcg::Pcg64::seed_from_u64(seed)``.

    ``rand_core``'s ``seed_from_u64`` fills the 32-byte seed with a PCG32 stream started at
    ``seed``; ``Lcg128Xsl64::from_seed`` reads it as little-endian ``(state, increment)``,
    forces the increment odd, adds it to the state and steps once. numpy's ``PCG64`` steps
    then outputs, as ``rand_pcg``'s ``next_u64`` does, so the outputs agree from there on.

    Args:
        seed: The ``u64`` seed given to rustworkx.
    """
    state = int(seed) & _U64
    words = bytearray()
    for _ in range(8):
        state = (state * 6364136223846793005 + 11634580027462260723) & _U64
        shifted = (((state >> 18) ^ state) >> 27) & 0xFFFF_FFFF
        rot = state >> 59
        words += (((shifted >> rot) | (shifted << (32 - rot))) & 0xFFFF_FFFF).to_bytes(4, "little")
    w = [int.from_bytes(words[8 * i : 8 * i + 8], "little") for i in range(4)]
    increment = (w[2] | (w[3] << 64)) | 1
    lcg = ((w[0] | (w[1] << 64)) + increment) & _U128
    lcg = (lcg * _PCG_MULTIPLIER + increment) & _U128
    bits = np.random.PCG64()
    bits.state = {
        "bit_generator": "PCG64",
        "state": {"state": lcg, "inc": increment},
        "has_uint32": 0,
        "uinteger": 0,
    }
    return bits


@kernel
def _grow(
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
def _fill_csr(
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


def barabasi_albert_csr(n: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray] | None:
    """CSR ``(indptr, indices)`` of ``rustworkx.barabasi_albert_graph(n, m, seed=seed)``.

    For ``m == 1`` the growth starts from a single edge (rustworkx's
    ``initial_graph=path_graph(2)``, as :func:`sim.network.generators.scale_free` passes),
    else from rustworkx's default seed graph, the star on ``m`` nodes. ``repeated_nodes``
    counts each edge end twice for the seed graph: petgraph's ``edges_directed`` lists all
    of an undirected node's edges for both directions, and rustworkx chains the two.

    Args:
        n: Number of nodes (``> m + 1``).
        m: Edges per new node (``>= 1``).
        seed: rustworkx's ``u64`` seed.

    Returns:
        ``(indptr int64, indices int32)``, rows sorted; or None when the JIT is off
        (``CROWDBARGAIN_JIT=0``) or ``repeated_nodes`` would outgrow rand's ``u32`` draw.
    """
    if m == 1:
        first = np.array([0], dtype=np.int32)
        second = np.array([1], dtype=np.int32)
        n0 = 2
    else:
        first = np.zeros(m - 1, dtype=np.int32)
        second = np.arange(1, m, dtype=np.int32)
        n0 = m
    # Both directions of each seed-graph edge end: 2 x degree copies per node, in node order.
    degree = np.bincount(np.concatenate([first, second]), minlength=n0)
    initial = np.repeat(np.arange(n0, dtype=np.int32), 2 * degree)
    total = initial.size + 2 * m * (n - n0)
    if not JIT_ENABLED or total > 2**32 - 1:
        return None
    repeated = np.empty(total, dtype=np.int32)
    repeated[: initial.size] = initial
    bits = pcg64_seeded_like_rust(seed)
    source, length = n0, initial.size
    raw = np.empty(0, dtype=np.uint64)
    while source < n:
        raw = np.concatenate([raw, bits.random_raw(_CHUNK)])
        source, length, used = _grow(raw, source, n, m, repeated, length)
        raw = raw[used:]
    del raw
    cursor = np.zeros(n + 1, dtype=np.int32 if total < 2**31 else np.int64)
    return _fill_csr(n0, m, first, second, repeated, initial.size, cursor)
