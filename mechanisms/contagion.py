"""Outrage spreading over the social graph: complex contagion and the cascade log.

:func:`complex_contagion` is one synchronous step of a fractional-threshold contagion over
the CSR graph, for one contagion (``[n]`` masks) or ``S`` independent ones at once (one per
seller, ``[n, S]`` masks); :class:`CascadeLog` turns the per-step activation counts into
cascade sizes for the metrics.

References:
    M. Granovetter (1978). "Threshold models of collective behavior". American Journal of
    Sociology 83(6):1420-1443.

    D. J. Watts (2002). "A simple model of global cascades on random networks". PNAS
    99(9):5766-5771 (fractional thresholds on a network).

    D. Centola & M. Macy (2007). "Complex contagions and the weakness of long ties".
    American Journal of Sociology 113(3):702-734.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from mechanisms.arrays import column_counts
from mechanisms.jit import lazy_kernel, use_kernels

_contagion_kernel = lazy_kernel("mechanisms.kernels.contagion", "complex_contagion")
_packed_kernel = lazy_kernel("mechanisms.kernels.contagion", "packed_contagion")

#: The word that holds one node's columns in the packed kernel, by the most columns it fits.
_WORDS = ((8, np.uint8), (16, np.uint16), (32, np.uint32))

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


def complex_contagion(
    indptr: np.ndarray,
    indices: np.ndarray,
    active: npt.ArrayLike,
    susceptible: npt.ArrayLike,
    threshold: npt.ArrayLike,
) -> BoolArray:
    """One synchronous step of a fractional-threshold (complex) contagion.

    Rule (Granovetter 1978; Watts 2002; Centola & Macy 2007), for every column ``s``::

        newly[i, s] = susceptible[i, s] and not active[i, s] and deg[i] > 0
                      and (number of neighbours j with active[j, s]) / deg[i] >= threshold

    All nodes decide on the same ``active`` set (synchronous update); a node without
    neighbours never activates. Unlike a simple contagion, one active contact is not enough
    once ``threshold > 1 / deg``, so spread needs clustered, redundant ties. The counts of
    all columns come from one sparse product ``A @ active`` (``O(nnz * S)`` time); for a
    scalar threshold above 0 and large graphs (:func:`mechanisms.jit.use_kernels`) a kernel
    with the same result counts only around the active nodes instead (``O(S)`` per edge of
    an active node, plus one pass over the nodes); with at most 32 columns, only at nodes
    that could still activate, each node's columns packed into one word.

    Args:
        indptr: CSR row pointers of the social graph, shape ``(n + 1,)``.
        indices: CSR neighbour indices.
        active: Bool mask ``[n]`` (one contagion) or ``[n, S]`` (``S`` independent ones).
        susceptible: Bool mask of the shape of ``active``: nodes that may activate.
        threshold: Fraction of active neighbours needed, broadcastable to ``active``: a
            scalar, one per node (``[n]`` for one contagion, ``[n, 1]`` for several) or one
            per column (``[S]``). ``0`` activates every susceptible node with a neighbour;
            above ``1`` none.

    Returns:
        Bool mask of the shape of ``active``: the nodes activated in this step (never
        already active or non-susceptible ones).

    Raises:
        ValueError: If the arrays do not have matching shapes.
    """
    indptr = np.asarray(indptr)
    indices = np.asarray(indices)
    if indptr.ndim != 1 or indptr.size < 1 or indices.ndim != 1 or indptr[-1] != indices.size:
        raise ValueError("indptr/indices do not form a CSR graph")
    n = indptr.size - 1
    act = np.asarray(active, dtype=bool)
    sus = np.asarray(susceptible, dtype=bool)
    if act.ndim not in (1, 2) or act.shape[0] != n or sus.shape != act.shape:
        raise ValueError(f"active and susceptible must have the same shape ({n},) or ({n}, S)")
    thr = np.asarray(threshold, dtype=np.float64)
    single = act.ndim == 1
    if thr.ndim == 0 and thr > 0.0 and use_kernels(n):
        act2 = np.ascontiguousarray(act.reshape(n, -1))
        sus2 = np.ascontiguousarray(sus.reshape(n, -1))
        scratch = _packing_words(n, act2.shape[1])
        if scratch is None:
            newly = _contagion_kernel(indptr, indices, act2, sus2, float(thr))
        else:
            newly = _packed_kernel(indptr, indices, act2, sus2, float(thr), *scratch)
        return newly[:, 0] if single else newly
    if single:
        act, sus = act[:, None], sus[:, None]
        thr = thr.reshape(-1, 1) if thr.ndim == 1 else thr
    adj = sp.csr_array((np.ones(indices.size, dtype=np.int32), indices, indptr), shape=(n, n))
    counts = np.asarray(adj @ act.astype(np.int32))
    deg = np.diff(indptr)[:, None]
    frac = counts / np.maximum(deg, 1)  # rows without neighbours are masked out below
    newly = sus & ~act & (deg > 0) & (frac >= thr)
    return newly[:, 0] if single else newly


def _packing_words(n: int, n_cols: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Two ``[n]`` scratch arrays of the smallest word with ``n_cols`` bits (None: over 32)."""
    word = next((w for most, w in _WORDS if n_cols <= most), None)
    return None if word is None else (np.empty(n, dtype=word), np.empty(n, dtype=word))


def outrage_step(
    indptr: np.ndarray,
    indices: np.ndarray,
    outraged: np.ndarray,
    grievance: np.ndarray,
    boycott_until: np.ndarray,
    step: int,
    *,
    seed_threshold: float,
    contagion_threshold: float,
    boycott_steps: int,
) -> tuple[IntArray, IntArray]:
    """One step of outrage over ``[n, S]`` columns (one per seller), in place.

    In order: a node not yet outraged whose grievance reaches ``seed_threshold`` turns
    (a seed); outrage spreads one synchronous step of :func:`complex_contagion` with
    ``contagion_threshold`` among the nodes not outraged; every node that turned boycotts
    the seller until ``step + boycott_steps``; and an outraged node whose boycott is over
    and whose grievance is below half ``seed_threshold`` cools down. All nodes decide on
    the state after the seeds (the contagion is synchronous).

    Args:
        indptr: CSR row pointers of the social graph.
        indices: CSR neighbour indices.
        outraged: ``[n, S]`` bool, updated.
        grievance: ``[n, S]`` float32.
        boycott_until: ``[n, S]`` int32, updated for the nodes that turn.
        step: The step.
        seed_threshold: Grievance at which a node turns by itself.
        contagion_threshold: Share of outraged neighbours at which a node turns (> 0).
        boycott_steps: Steps a boycott lasts.

    Returns:
        ``(seeds, contagion)``: per column, how many nodes turned by themselves and by
        contagion (int64).
    """
    seeds = ~outraged & (grievance >= seed_threshold)
    outraged |= seeds
    newly = complex_contagion(indptr, indices, outraged, ~outraged, contagion_threshold)
    outraged |= newly
    boycott_until[seeds | newly] = step + boycott_steps
    cooled = outraged & (boycott_until <= step) & (grievance < seed_threshold / 2)
    outraged &= ~cooled
    return column_counts(seeds), column_counts(newly)


class CascadeLog:
    """Bookkeeping of outrage cascades per seller, fed with per-step activation counts.

    Rules, per seller ``s``:

    * a cascade *starts* in a step with ``seeds[s] >= 1`` when no cascade of ``s`` is
      active; its size is that step's ``seeds[s] + contagion[s]``;
    * while active it *grows* by ``seeds[s] + contagion[s]`` in every later step;
    * it *ends* in the first later step with no new activation for ``s``
      (``seeds[s] + contagion[s] == 0``), which is recorded as its ``end_step``.

    Contagion arriving while no cascade of ``s`` is active and without a seed is not
    attributed to any cascade; it is counted in :attr:`unattributed`. Steps must be given
    in strictly increasing order. The object only holds numpy arrays and lists, so it is
    deterministic and picklable.

    Attributes:
        n_sellers: Number of sellers ``S``.
        unattributed: Activations per seller outside any cascade, ``int64 [S]``.
    """

    def __init__(self, n_sellers: int) -> None:
        n_sellers = int(n_sellers)
        if n_sellers < 0:
            raise ValueError(f"n_sellers must be >= 0, got {n_sellers}")
        self.n_sellers = n_sellers
        self.unattributed = np.zeros(n_sellers, dtype=np.int64)
        self._active = np.zeros(n_sellers, dtype=bool)
        self._start = np.full(n_sellers, -1, dtype=np.int64)
        self._size = np.zeros(n_sellers, dtype=np.int64)
        self._started = np.zeros(n_sellers, dtype=np.int64)
        self._done: list[IntArray] = []  # chunks of rows (seller, start, end, size)
        self._last_step: int | None = None

    def _counts(self, name: str, values: npt.ArrayLike) -> IntArray:
        arr = np.asarray(values)
        if arr.shape != (self.n_sellers,):
            raise ValueError(f"{name} must have shape ({self.n_sellers},), got {arr.shape}")
        if arr.size and not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"{name} must be integer counts, got dtype {arr.dtype}")
        arr = arr.astype(np.int64)
        if np.any(arr < 0):
            raise ValueError(f"{name} must be >= 0")
        return arr

    def update(
        self, step: int, seeds_per_seller: npt.ArrayLike, contagion_per_seller: npt.ArrayLike
    ) -> None:
        """Record one step's activations.

        Args:
            step: Step number, strictly greater than the previous call's.
            seeds_per_seller: Nodes activated directly (seeded) per seller, ``int [S]``.
            contagion_per_seller: Nodes activated by contagion per seller, ``int [S]``.

        Raises:
            ValueError: If the step does not increase or a count array is malformed.
        """
        step = int(step)
        if self._last_step is not None and step <= self._last_step:
            raise ValueError(f"steps must increase: got {step} after {self._last_step}")
        seeds = self._counts("seeds_per_seller", seeds_per_seller)
        contagion = self._counts("contagion_per_seller", contagion_per_seller)
        new = seeds + contagion

        ends = self._active & (new == 0)
        grows = self._active & (new > 0)
        starts = ~self._active & (seeds > 0)
        orphan = ~self._active & (seeds == 0)

        if ends.any():
            sellers = np.flatnonzero(ends)
            rows = np.column_stack(
                (
                    sellers,
                    self._start[sellers],
                    np.full(sellers.size, step, dtype=np.int64),
                    self._size[sellers],
                )
            ).astype(np.int64)
            self._done.append(rows)
            self._active[ends] = False
            self._start[ends] = -1
            self._size[ends] = 0
        self._size[grows] += new[grows]
        self._active[starts] = True
        self._start[starts] = step
        self._size[starts] = new[starts]
        self._started[starts] += 1
        self.unattributed[orphan] += contagion[orphan]
        self._last_step = step

    def _rows(self) -> IntArray:
        if not self._done:
            return np.empty((0, 4), dtype=np.int64)
        return np.concatenate(self._done)

    def finished(self) -> list[tuple[int, int, int, int]]:
        """Ended cascades as ``(seller, start_step, end_step, size)``, by end step then seller."""
        return [tuple(row) for row in self._rows().tolist()]

    def started(self) -> IntArray:
        """Number of cascades started per seller (ended or still running), ``int64 [S]``."""
        return self._started.copy()

    def sizes(self) -> IntArray:
        """Sizes of the ended cascades, in the order of :meth:`finished`, ``int64``."""
        return self._rows()[:, 3].copy()

    def ongoing(self) -> list[tuple[int, int, int]]:
        """Cascades still running as ``(seller, start_step, size_so_far)``, by seller."""
        sellers = np.flatnonzero(self._active)
        return list(
            zip(
                sellers.tolist(),
                self._start[sellers].tolist(),
                self._size[sellers].tolist(),
                strict=True,
            )
        )
