"""How a buyer (or a group) picks a seller from a row of quotes."""

from __future__ import annotations

import numpy as np


def cheapest(quotes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Seller with the lowest quote per row (random tie-break); -1 where none can serve.

    Args:
        quotes: ``[R, S]`` unit prices (``inf`` where a seller cannot serve the row).
        rng: Generator for the tie-break (one uniform per cell, drawn even without ties so
            that the stream does not depend on the quotes).

    Returns:
        ``[R]`` seller index or -1.
    """
    if quotes.shape[0] == 0:
        return np.empty(0, dtype=np.int64)
    return pick_cheapest(quotes, rng.random(quotes.shape))


def pick_cheapest(quotes: np.ndarray, jitter: np.ndarray) -> np.ndarray:
    """:func:`cheapest` given its tie-break uniforms ``jitter`` (``[R, S]``, drawn by the caller).

    Among the sellers whose quote equals the row's lowest, the one with the lowest uniform
    wins (the first of equal uniforms); -1 where the lowest quote is not finite.
    """
    # Rows are many and sellers few: numpy reduces along the outer axis of the transposed
    # copy several times faster than along the short rows. ``best`` only feeds ``==`` and
    # ``isfinite``, where the order of the minimum's comparisons cannot show.
    best = np.ascontiguousarray(quotes.T).min(axis=0)
    tied = np.where(quotes == best[:, None], jitter, np.inf)
    pick = tied.argmin(axis=1)
    return np.where(np.isfinite(best), pick, -1)
