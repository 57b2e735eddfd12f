"""Payoff-division rules for a buying coalition, as pure functions.

A coalition ``g`` of members ``i`` with per-unit willingness to pay ``w_i >= 0`` and integer
quantity ``q_i >= 1`` buys ``Q_g = sum_i q_i`` units at the negotiated unit price ``P_g``; the
seller receives ``P_g * Q_g``. Every member has ``w_i >= P_g`` (members below the price are
dropped before division), so the coalition surplus

    S_g = sum_{i in g} (w_i - P_g) * q_i >= 0

is non-negative. A *division rule* fixes each member's payment ``pay_i``; the member's surplus
is ``s_i = w_i * q_i - pay_i``. Every rule here is

* budget balanced: ``sum_{i in g} pay_i = P_g * Q_g`` (up to float rounding), and
* individually rational: ``pay_i <= w_i * q_i`` (``s_i >= 0``).

Rules:

* ``"uniform"``: everyone pays the unit price, ``pay_i = P_g * q_i``.
* ``"equal_surplus"``: ``s_i = S_g / n_g`` with ``n_g`` the coalition size.
* ``"proportional"``: ``s_i = S_g * q_i / Q_g``.
* ``"shapley"``: ``s_i = phi_i``, the Shapley (1953) value of the group-buying game
  (:func:`mechanisms.shapley.group_buying_value`) in which a sub-coalition ``T`` buys at
  the schedule's price for its own volume ``Q_T``. Exact for small coalitions, otherwise
  estimated by the permutation-sampling estimator of Castro, Gomez & Tejada (2009).

The first three rules are vectorised over many coalitions at once: members of all coalitions
live in flat arrays with an int array ``group`` in ``0..G-1`` and a per-coalition price array
``price`` of length ``G``.

References:
    L. S. Shapley (1953). A value for n-person games. In H. W. Kuhn and A. W. Tucker (eds.),
    *Contributions to the Theory of Games II*, Annals of Mathematics Studies 28, 307-317.

    J. Castro, D. Gomez and J. Tejada (2009). Polynomial calculation of the Shapley value
    based on sampling. *Computers & Operations Research* 36(5), 1726-1730.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mechanisms.shapley import shapley_payments

DIVISION_RULES: tuple[str, ...] = ("uniform", "equal_surplus", "proportional", "shapley")


# --------------------------------------------------------------------------------------------
# Vectorised rules (many coalitions at once)
# --------------------------------------------------------------------------------------------


def _flat_inputs(
    qty: np.ndarray, group: np.ndarray, price: np.ndarray, wtp: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Convert and check the flat member arrays shared by the vectorised rules."""
    q = np.asarray(qty, dtype=float)
    g = np.asarray(group)
    p = np.atleast_1d(np.asarray(price, dtype=float))
    if q.ndim != 1 or g.shape != q.shape:
        raise ValueError(f"qty and group must be 1-D of equal length, got {q.shape}, {g.shape}")
    if g.size and not np.issubdtype(g.dtype, np.integer):
        raise ValueError(f"group must be an integer array, got dtype {g.dtype}")
    g = g.astype(np.intp, copy=False)
    if g.size and (g.min() < 0 or g.max() >= p.size):
        raise ValueError(f"group ids must lie in 0..{p.size - 1} (one price per group)")
    w = None
    if wtp is not None:
        w = np.asarray(wtp, dtype=float)
        if w.shape != q.shape:
            raise ValueError(f"wtp must have the shape of qty {q.shape}, got {w.shape}")
    return q, g, p, w


def uniform_payments(qty: np.ndarray, group: np.ndarray, price: np.ndarray) -> np.ndarray:
    """Uniform pricing: every member pays the coalition's unit price for its units.

    ``pay_i = P_g * q_i`` for member ``i`` of coalition ``g``, so each member keeps its own
    surplus ``(w_i - P_g) * q_i``.

    Args:
        qty: Quantities ``q_i`` of all members of all coalitions, shape ``(m,)``.
        group: Coalition index of each member, ints in ``0..G-1``, shape ``(m,)``.
        price: Negotiated unit price ``P_g`` per coalition, shape ``(G,)``.

    Returns:
        Payments ``pay_i``, shape ``(m,)``.

    Raises:
        ValueError: If the array shapes disagree or a group id has no price.
    """
    q, g, p, _ = _flat_inputs(qty, group, price)
    return p[g] * q


def _group_surplus(
    w: np.ndarray, q: np.ndarray, g: np.ndarray, p: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-member gross value ``w_i q_i`` and per-group surplus ``S_g``."""
    value = w * q
    surplus = np.bincount(g, weights=value - p[g] * q, minlength=p.size)
    return value, surplus


def equal_surplus_payments(
    wtp: np.ndarray, qty: np.ndarray, group: np.ndarray, price: np.ndarray
) -> np.ndarray:
    """Equal split of the coalition surplus.

    ``s_i = S_g / n_g`` and ``pay_i = w_i q_i - S_g / n_g`` with
    ``S_g = sum_{j in g} (w_j - P_g) q_j`` and ``n_g`` the number of members of ``g``.
    A member with a small valuation may receive a net transfer (``pay_i < P_g q_i``, even
    ``pay_i < 0``); budget balance holds since ``sum_i s_i = S_g``.

    Args:
        wtp: Per-unit willingness to pay ``w_i`` (``>= P_g``), shape ``(m,)``.
        qty: Quantities ``q_i``, shape ``(m,)``.
        group: Coalition index of each member, ints in ``0..G-1``, shape ``(m,)``.
        price: Negotiated unit price ``P_g`` per coalition, shape ``(G,)``.

    Returns:
        Payments ``pay_i``, shape ``(m,)``.

    Raises:
        ValueError: If the array shapes disagree or a group id has no price.
    """
    q, g, p, w = _flat_inputs(qty, group, price, wtp)
    value, surplus = _group_surplus(w, q, g, p)
    size = np.bincount(g, minlength=p.size)
    share = surplus / np.maximum(size, 1)
    return value - share[g]


def proportional_payments(
    wtp: np.ndarray, qty: np.ndarray, group: np.ndarray, price: np.ndarray
) -> np.ndarray:
    """Surplus split in proportion to quantity.

    ``s_i = S_g q_i / Q_g`` and ``pay_i = w_i q_i - S_g q_i / Q_g`` with
    ``S_g = sum_{j in g} (w_j - P_g) q_j`` and ``Q_g = sum_{j in g} q_j``. Equivalently every
    member pays the unit price ``w_i - S_g / Q_g``.

    Args:
        wtp: Per-unit willingness to pay ``w_i`` (``>= P_g``), shape ``(m,)``.
        qty: Quantities ``q_i >= 1``, shape ``(m,)``.
        group: Coalition index of each member, ints in ``0..G-1``, shape ``(m,)``.
        price: Negotiated unit price ``P_g`` per coalition, shape ``(G,)``.

    Returns:
        Payments ``pay_i``, shape ``(m,)``.

    Raises:
        ValueError: If the array shapes disagree or a group id has no price.
    """
    q, g, p, w = _flat_inputs(qty, group, price, wtp)
    value, surplus = _group_surplus(w, q, g, p)
    total_q = np.bincount(g, weights=q, minlength=p.size)
    per_unit = np.divide(surplus, total_q, out=np.zeros_like(surplus), where=total_q > 0)
    return value - per_unit[g] * q


# --------------------------------------------------------------------------------------------
# Dispatcher
# --------------------------------------------------------------------------------------------


def divide(
    rule: str,
    wtp: np.ndarray,
    qty: np.ndarray,
    group: np.ndarray,
    price: np.ndarray,
    price_of_quantity: Callable[[int, np.ndarray], np.ndarray] | None = None,
    rng: np.random.Generator | None = None,
    samples: int = 256,
    exact_max: int = 12,
) -> np.ndarray:
    """Payments of all members of all coalitions under a division rule.

    Args:
        rule: One of :data:`DIVISION_RULES`.
        wtp: Per-unit willingness to pay ``w_i``, shape ``(m,)``.
        qty: Quantities ``q_i``, shape ``(m,)``.
        group: Coalition index of each member, ints in ``0..G-1``, shape ``(m,)``.
        price: Negotiated unit price ``P_g`` per coalition, shape ``(G,)``.
        price_of_quantity: For ``"shapley"`` only: ``(g, quantities) -> unit prices``, the
            seller's schedule faced by coalition ``g``.
        rng: Random generator for coalitions larger than ``exact_max`` (``"shapley"``).
        samples: Permutations per sampled Shapley estimate.
        exact_max: Largest coalition whose Shapley value is computed exactly.

    Returns:
        Payments ``pay_i``, shape ``(m,)``, in the order of the inputs.

    Raises:
        ValueError: For an unknown rule, inconsistent arrays, or ``"shapley"`` without a
            ``price_of_quantity``.
    """
    if rule == "uniform":
        return uniform_payments(qty, group, price)
    if rule == "equal_surplus":
        return equal_surplus_payments(wtp, qty, group, price)
    if rule == "proportional":
        return proportional_payments(wtp, qty, group, price)
    if rule != "shapley":
        raise ValueError(f"unknown division rule {rule!r}; allowed: {', '.join(DIVISION_RULES)}")
    if price_of_quantity is None:
        raise ValueError("rule 'shapley' needs price_of_quantity(group_index, quantities)")
    q, g, p, w = _flat_inputs(qty, group, price, wtp)
    pay = np.empty_like(q)
    order = np.argsort(g, kind="stable")
    bounds = np.cumsum(np.bincount(g, minlength=p.size))
    start = 0
    for gi, stop in enumerate(bounds):
        if stop > start:
            members = order[start:stop]
            pay[members] = shapley_payments(
                w[members],
                q[members],
                p[gi],
                lambda quantity, gi=gi: price_of_quantity(gi, quantity),
                rng=rng,
                exact_max=exact_max,
                samples=samples,
            )
        start = stop
    return pay
