"""Word-of-mouth discovery over the social graph (pure functions on CSR arrays).

:func:`forward` is one round of gossip: every sender tells each neighbour independently with
probability ``p``. :func:`gossip_round` is the model's round: who sends (members of open
coalitions and bots holding an invitation within its hop limit), what travels, and which
invitation each customer keeps. Who sends depends on the mode (``coalition.discovery``):

* ``cascade`` (default): the independent cascade of Kempe, Kleinberg & Tardos (2003). A bot
  forwards an invitation once, when it first holds it (as a member or as an invitee), and
  again only for a different, better one; each edge gets one chance per coalition, so the
  final reach of one coalition is its founder's cluster in bond percolation with
  occupation probability ``p`` (Newman 2002), and a step's work is proportional to the
  bots that have news, not to the population.
* ``resend``: every informed bot re-sends every step, so an edge that did not fire gets a
  fresh chance next step (word of mouth that keeps going, bounded by the hop limit). Work
  per step is proportional to every informed bot's degree.

:func:`cascade_reach` is the standalone one-shot cascade run to its end.

The round exists twice: the numpy reference (:func:`gossip_round_reference`, the
specification) and numba kernels with the same results on the same uniforms; the uniforms
are always drawn with numpy, one per edge of the senders in CSR order.

References:
    D. Kempe, J. Kleinberg & E. Tardos (2003). "Maximizing the spread of influence through
    a social network". KDD '03, 137-146.

    M. E. J. Newman (2002). "Spread of epidemic disease on networks". Phys. Rev. E 66,
    016128.
"""

from __future__ import annotations

import numpy as np

from mechanisms.arrays import sorted_unique
from mechanisms.jit import lazy_kernel

#: How informed bots forward invitations (``coalition.discovery``).
DISCOVERY_MODES = ("cascade", "resend")

_senders_kernel = lazy_kernel("mechanisms.kernels.discovery", "senders")
_deliver_kernel = lazy_kernel("mechanisms.kernels.discovery", "deliver")


def incident_edges(indptr: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All CSR entries of ``nodes``: (positions into ``indices``, their source node)."""
    nodes = np.asarray(nodes, dtype=np.int64)
    pos, which = _incident(indptr, nodes)
    return pos, nodes[which]


def _incident(indptr: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All CSR entries of ``nodes``: (positions into ``indices``, index into ``nodes``)."""
    start = indptr[nodes]
    deg = indptr[nodes + 1] - start
    total = int(deg.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    which = np.repeat(np.arange(len(nodes)), deg)
    # Entry j of node i sits at start[i] + (j - where node i's entries begin in the output).
    pos = np.arange(total, dtype=np.int64) + (start - (np.cumsum(deg) - deg))[which]
    return pos, which


def forward(
    indptr: np.ndarray,
    indices: np.ndarray,
    senders: np.ndarray,
    p: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """One word-of-mouth round: each sender tells each neighbour with probability ``p``.

    Args:
        indptr: CSR row pointers.
        indices: CSR column indices (neighbours).
        senders: Sorted node ids that forward this round.
        p: Per-edge forwarding probability.
        rng: Random generator (one uniform draw per incident edge, in CSR order).

    Returns:
        ``(src, dst)`` arrays of the edges along which a message travelled.
    """
    pos, src = incident_edges(indptr, senders)
    fired = np.ones(len(pos), dtype=bool) if p >= 1.0 else rng.random(len(pos)) < p
    return src[fired], indices[pos[fired]].astype(np.int64)


def best_per_target(target: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """Index of the best candidate for each distinct target.

    Candidates are ranked by ``keys`` in order, smallest first (negate a key to prefer
    large values), so ties are broken deterministically by the later keys; exact ties on
    every key go to the earliest candidate.

    Integer keys are packed into one int64 score and reduced with ``np.minimum.at`` (linear
    time); when they do not fit in 63 bits a lexicographic sort is used instead.

    Returns:
        Positions (into the candidate arrays) of one winner per distinct target.
    """
    n = len(target)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    packed = _pack(keys)
    if packed is None:
        order = np.lexsort(tuple(reversed((target, *keys))))
        t_sorted = target[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = t_sorted[1:] != t_sorted[:-1]
        return order[first]
    n_targets = int(target.max()) + 1
    best = np.full(n_targets, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best, target, packed)
    pos = (packed == best[target]).nonzero()[0]
    first = np.full(n_targets, n, dtype=np.int64)
    np.minimum.at(first, target[pos], pos)
    return first[first < n]


def _pack(keys: tuple[np.ndarray, ...]) -> np.ndarray | None:
    """Pack integer keys (most significant first) into one non-negative int64, if they fit."""
    shifted, widths = [], []
    for k in keys:
        k = np.asarray(k)
        if k.dtype.kind not in "iu":  # bool and floats sort lexicographically instead
            return None
        k = k.astype(np.int64) - int(k.min())
        widths.append(max(int(k.max()).bit_length(), 1))
        shifted.append(k)
    if sum(widths) > 63:
        return None
    packed = shifted[0]  # a fresh array: shifting it in place is safe
    for k, w in zip(shifted[1:], widths[1:], strict=True):
        packed <<= w
        packed |= k
    return packed


def cascade_reach(
    indptr: np.ndarray,
    indices: np.ndarray,
    seeds: np.ndarray,
    p: float,
    rng: np.random.Generator,
    max_rounds: int | None = None,
) -> np.ndarray:
    """Run a one-shot independent cascade to the end; returns the mask of reached nodes.

    Each newly informed node gets exactly one chance to inform each neighbour (probability
    ``p``), so the final reach is the seeds' cluster in bond percolation with occupation
    probability ``p``.
    """
    n = len(indptr) - 1
    reached = np.zeros(n, dtype=bool)
    frontier = sorted_unique(np.asarray(seeds, dtype=np.int64))
    reached[frontier] = True
    rounds = 0
    while len(frontier) and (max_rounds is None or rounds < max_rounds):
        _, dst = forward(indptr, indices, frontier, p, rng)
        new = sorted_unique(dst[~reached[dst]])
        reached[new] = True
        frontier = new
        rounds += 1
    return reached


def _senders_reference(
    coalition: np.ndarray,
    invite: np.ndarray,
    invite_hops: np.ndarray,
    is_open: np.ndarray,
    told: np.ndarray,
    max_hops: int,
    cascade: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clear invitations to closed coalitions; who sends this round and what (numpy)."""
    # Id -1 (no coalition, no invitation) reads the appended False, so one gather tells
    # whether an id names an open coalition.
    open_ext = np.zeros(len(is_open) + 1, dtype=bool)
    open_ext[:-1] = is_open
    # ``take`` is the cheaper gather on arrays this small.
    held_open = open_ext.take(invite)
    np.putmask(invite, ~held_open, -1)  # stale ones; -1 stays -1
    member = open_ext.take(coalition)
    send = held_open & (invite_hops < max_hops)
    send |= member
    # Only read where ``send``: a member's own coalition, else the invitation it relays.
    msg = np.where(member, coalition, invite)
    if cascade:
        send &= msg != told
    senders = send.nonzero()[0]
    msg_c = msg.take(senders).astype(np.int64)
    msg_h = invite_hops.take(senders).astype(np.int64)
    msg_h[member.take(senders)] = 0
    return senders, msg_c, msg_h


def _deliver_reference(
    indptr: np.ndarray,
    indices: np.ndarray,
    senders: np.ndarray,
    msg_c: np.ndarray,
    msg_h: np.ndarray,
    fired: np.ndarray | None,
    coalition: np.ndarray,
    invite: np.ndarray,
    invite_hops: np.ndarray,
    co_product: np.ndarray,
    co_size: np.ndarray,
    product: np.ndarray,
    stop: np.ndarray | None = None,
    ends: np.ndarray | None = None,
) -> None:
    """Messages travel along fired edges; every hearer keeps its best invitation (numpy).

    ``stop`` (``indptr[senders + 1]``) and ``ends`` (cumulative degrees of ``senders``) may
    be passed when the caller has them.
    """
    if ends is None or stop is None:
        stop = indptr[senders + 1]
        ends = (stop - indptr[senders]).cumsum()
    if fired is None:
        edge = np.arange(ends[-1] if len(ends) else 0)
        src = np.arange(len(senders)).repeat(np.diff(ends, prepend=0))
    else:
        edge = fired.nonzero()[0]
        # ``src``: index of each edge's sender in ``senders`` (edges come in sender order).
        src = ends.searchsorted(edge, side="right")
    if len(edge) == 0:
        return
    # Edge ``e`` of sender ``i`` is CSR entry stop[i] - (ends[i] - e).
    dst = indices.take(edge + (stop - ends).take(src)).astype(np.int64)
    cid = msg_c.take(src)
    # Index arrays, not masks: ``take`` by indices is the cheaper selection here.
    ok = (coalition.take(dst) != cid).nonzero()[0]
    if len(ok) == 0:
        return
    dst = dst.take(ok)
    cid = cid.take(ok)
    hops = msg_h.take(src.take(ok)) + 1
    # A hearer's held invitation competes too; one copy per edge it heard on is harmless,
    # since copies tie on every key and so give the same winner.
    held = invite.take(dst)
    has = (held >= 0).nonzero()[0]
    holders = dst.take(has)
    cand_t = np.concatenate([dst, holders])
    cand_c = np.concatenate([cid, held.take(has)]).astype(np.int64, copy=False)
    cand_h = np.concatenate([hops, invite_hops.take(holders)]).astype(np.int64, copy=False)
    t, c, h = _best_invitations(cand_t, cand_c, cand_h, co_product, co_size, product, len(invite))
    invite[t] = c
    invite_hops[t] = h


def _best_invitations(
    cand_t: np.ndarray,
    cand_c: np.ndarray,
    cand_h: np.ndarray,
    co_product: np.ndarray,
    co_size: np.ndarray,
    product: np.ndarray,
    n: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per hearer, the best candidate invitation: (hearers, their coalitions, their hops).

    Best is: own product, then the largest coalition, then the fewest hops, then the lowest
    id (:func:`best_per_target`'s order). The key ends in the coalition id, so candidates
    tied on every key are one invitation and any of them wins alike. ``n`` is the number of
    customers (hearers' ids are below it).
    """
    nomatch = co_product.take(cand_c) != product.take(cand_t)
    lo_h, hi_h = int(cand_h.min()), int(cand_h.max())
    sizes = co_size.astype(np.int64)
    lo_s, hi_s = int(sizes.min()), int(sizes.max())
    bits_c = max((len(co_size) - 1).bit_length(), 1)
    bits_h = max((hi_h - lo_h).bit_length(), 1)
    shift_s = bits_c + bits_h
    shift_t = shift_s + max((hi_s - lo_s).bit_length(), 1) + 1
    if shift_t + max((n - 1).bit_length(), 1) > 63:
        size = sizes[cand_c]
        win = best_per_target(cand_t, nomatch.astype(np.int64), -size, cand_h, cand_c)
        return cand_t[win], cand_c[win], cand_h[win]
    # One int64 per candidate, hearer first: sorting it puts each hearer's best first, and
    # the winners' fields are read back from their keys. The size and id fields come from
    # a per-coalition table, built once over the (few) coalitions.
    rank = (hi_s - sizes) << shift_s
    rank |= np.arange(len(co_size))
    key = cand_t << 1
    key |= nomatch
    key <<= shift_t - 1
    key |= rank.take(cand_c)
    key |= (cand_h - lo_h) << bits_c
    key.sort()
    target = key >> shift_t
    first = np.empty(len(key), dtype=bool)
    first[0] = True
    np.not_equal(target[1:], target[:-1], out=first[1:])
    first = first.nonzero()[0]
    win = key.take(first)
    return (
        target.take(first),
        win & ((1 << bits_c) - 1),
        ((win >> bits_c) & ((1 << bits_h) - 1)) + lo_h,
    )


def gossip_round(
    indptr: np.ndarray,
    indices: np.ndarray,
    *,
    coalition: np.ndarray,
    invite: np.ndarray,
    invite_hops: np.ndarray,
    told: np.ndarray,
    is_open: np.ndarray,
    co_product: np.ndarray,
    co_size: np.ndarray,
    product: np.ndarray,
    p: float,
    max_hops: int,
    cascade: bool,
    rng: np.random.Generator,
    jit: bool = True,
    chunk: int = 1 << 22,
) -> int:
    """One round of word of mouth; updates ``invite``, ``invite_hops`` and ``told`` in place.

    Invitations to coalitions that are no longer open are dropped. Senders are the members
    of open coalitions (their own coalition, at hop 0) and the other bots holding an
    invitation that has travelled fewer than ``max_hops`` hops; with ``cascade`` only those
    whose message differs from the one they last sent (``told``). Each sender tells each
    neighbour with probability ``p`` (one uniform per incident edge, in CSR order, unless
    ``p >= 1``). A neighbour already in the coalition ignores it; every other hearer keeps
    the best of what it holds and what it heard: its own product first, then the largest
    coalition, then the fewest hops, then the lowest id.

    Args:
        indptr: CSR row pointers.
        indices: CSR neighbours.
        coalition: Coalition of each customer (-1 none).
        invite: Invitation each customer holds (-1 none); updated.
        invite_hops: Hops each held invitation travelled; updated.
        told: Coalition each bot last forwarded (-1 none); updated for this round's senders.
        is_open: Per coalition: still recruiting.
        co_product: Product of each coalition.
        co_size: Members of each coalition.
        product: Product each customer wants.
        p: Per-edge forwarding probability.
        max_hops: Hop limit of relayed invitations.
        cascade: Independent cascade (send once per coalition) instead of re-sending.
        rng: Generator of the round's uniforms.
        jit: Run the compiled kernels (same results as the numpy reference).
        chunk: Edges per slice of senders on the kernel path (bounds its uniforms' memory).

    Returns:
        Number of senders this round.
    """
    senders_fn = _senders_kernel if jit else _senders_reference
    senders, msg_c, msg_h = senders_fn(
        coalition, invite, invite_hops, is_open, told, max_hops, cascade
    )
    if len(senders) == 0:
        return 0
    told[senders] = msg_c
    draw = p < 1.0
    if not jit:
        stop = indptr[1:].take(senders)
        ends = (stop - indptr.take(senders)).cumsum()
        fired = rng.random(int(ends[-1])) < p if draw else None
        _deliver_reference(
            indptr, indices, senders, msg_c, msg_h, fired, coalition, invite, invite_hops,
            co_product, co_size, product, stop, ends,
        )  # fmt: skip
        return len(senders)
    # The kernel takes the senders in slices of about ``chunk`` edges, each with its own
    # draw: consecutive draws continue one stream (one 64-bit output per double), so the
    # uniforms are those of a single draw, without holding one per edge of every sender.
    ends = np.cumsum(indptr[senders + 1] - indptr[senders])
    start, done = 0, 0
    while start < len(senders):
        stop = max(int(np.searchsorted(ends, done + chunk, side="right")), start + 1)
        uniforms = rng.random(int(ends[stop - 1]) - done) if draw else np.empty(0)
        _deliver_kernel(
            indptr, indices, senders[start:stop], msg_c[start:stop], msg_h[start:stop],
            uniforms, float(p), draw, coalition, invite, invite_hops, co_product, co_size,
            product,
        )  # fmt: skip
        start, done = stop, int(ends[stop - 1])
    return len(senders)
