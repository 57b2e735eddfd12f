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
* the growth loop and the CSR fill are compiled kernels
  (:mod:`mechanisms.kernels.barabasi_albert`) that consume those outputs in order exactly
  as ``rand`` does.

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

from mechanisms.jit import JIT_ENABLED, lazy_kernel

_U64 = (1 << 64) - 1
_U128 = (1 << 128) - 1
#: Multiplier of the 128-bit LCG behind PCG64 (``rand_pcg`` and numpy alike).
_PCG_MULTIPLIER = 0x2360_ED05_1FC6_5DA4_4385_DF64_9FCC_F645
#: Raw 64-bit outputs drawn per call of the growth kernel.
_CHUNK = 1 << 20

_grow = lazy_kernel("mechanisms.kernels.barabasi_albert", "grow")
_fill_csr = lazy_kernel("mechanisms.kernels.barabasi_albert", "fill_csr")


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
