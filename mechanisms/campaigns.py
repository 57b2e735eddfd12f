"""Threshold (minimum-quantity) deals and all-or-nothing crowdfunding, settled in batch.

A threshold deal (the group-buying "tipping point" of e.g. Groupon) only happens when enough
buyers commit; an all-or-nothing crowdfunding campaign (the Kickstarter model) only charges
its backers when the pledged money reaches the goal, and refunds everybody otherwise.

References:
    M. Bagnoli & B. L. Lipman (1989). "Provision of public goods: fully implementing the core
    through private contributions". Review of Economic Studies 56(4):583-601 (provision-point
    mechanism with money-back guarantee).

    B. Edelman, S. Jaffe & S. D. Kominers (2016). "To Groupon or not to Groupon: the
    profitability of deep discounts". Marketing Letters 27(1):39-53.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
Int8Array = npt.NDArray[np.int8]

#: Outcome codes returned by :func:`threshold_outcome`.
FIRES, PENDING, FAILS = 1, 0, -1


def threshold_outcome(
    pledged: npt.ArrayLike, minimum: npt.ArrayLike, deadline_passed: npt.ArrayLike
) -> Int8Array:
    """State of minimum-quantity deals: fired, failed or still pending.

    ``outcome = 1`` (fires) if ``pledged >= minimum``; otherwise ``-1`` (fails: every pledge
    is released and nobody pays) if the deadline has passed, else ``0`` (pending). Reaching
    the minimum fires the deal whether or not the deadline has passed.

    Args:
        pledged: Quantity committed so far per campaign (broadcast with the others).
        minimum: Minimum quantity for the deal to happen.
        deadline_passed: Whether each campaign's deadline has passed.

    Returns:
        ``int8`` outcome per campaign: ``1`` fires, ``0`` pending, ``-1`` fails.
    """
    pledged = np.asarray(pledged)
    minimum = np.asarray(minimum)
    passed = np.asarray(deadline_passed, dtype=bool)
    out = np.where(pledged >= minimum, FIRES, np.where(passed, FAILS, PENDING))
    return out.astype(np.int8)


def crowdfunding_settlement(
    pledge: npt.ArrayLike,
    campaign: npt.ArrayLike,
    goal: npt.ArrayLike,
    closed: npt.ArrayLike,
) -> tuple[BoolArray, FloatArray, FloatArray]:
    """Settle all-or-nothing crowdfunding campaigns (Kickstarter model).

    With ``T_g = sum_{m : campaign[m] = g} pledge[m]`` the money pledged to campaign ``g``:

    * ``funded[g] = closed[g] and T_g >= goal[g]``;
    * ``charged[m] = pledge[m]`` if ``funded[campaign[m]]`` else ``0``;
    * ``refunded[m] = pledge[m]`` if ``closed[campaign[m]]`` and not funded else ``0``.

    Nothing settles for open campaigns (``charged = refunded = 0``, ``funded = False``), and
    for closed campaigns money is conserved: ``charged + refunded == pledge``. This is the
    provision-point mechanism with a money-back guarantee (Bagnoli & Lipman 1989).

    Args:
        pledge: Each backer's up-front payment (money, finite and ``>= 0``), shape ``[m]``.
        campaign: Campaign index of each pledge in ``0 .. G-1``, shape ``[m]``.
        goal: Funding goal (money) per campaign, shape ``[G]``.
        closed: Whether each campaign has closed, shape ``[G]`` (a scalar is broadcast).

    Returns:
        ``(funded [G] bool, charged [m] float, refunded [m] float)``.

    Raises:
        ValueError: On negative or non-finite pledges, out-of-range campaign indices or
            mismatched shapes.
    """
    p = np.asarray(pledge, dtype=np.float64)
    c = np.asarray(campaign)
    g = np.asarray(goal, dtype=np.float64)
    if p.ndim != 1 or c.shape != p.shape:
        raise ValueError(f"pledge and campaign must be 1-D of equal shape: {p.shape}, {c.shape}")
    if g.ndim != 1:
        raise ValueError(f"goal must be 1-D, got shape {g.shape}")
    n_campaigns = len(g)
    cl = np.broadcast_to(np.asarray(closed, dtype=bool), (n_campaigns,))
    if not np.all(np.isfinite(p) & (p >= 0)):
        raise ValueError("pledges must be finite and >= 0")
    if len(c) and (not np.issubdtype(c.dtype, np.integer) or c.min() < 0 or c.max() >= n_campaigns):
        raise ValueError(f"campaign indices must be integers in 0..{n_campaigns - 1}")
    c = c.astype(np.intp, copy=False)
    total = np.bincount(c, weights=p, minlength=n_campaigns)
    funded = cl & (total >= g)
    charged = np.where(funded[c], p, 0.0)
    refunded = np.where(cl[c] & ~funded[c], p, 0.0)
    return funded, charged, refunded
