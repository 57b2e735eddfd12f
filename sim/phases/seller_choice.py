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
    jitter = rng.random(quotes.shape)
    best = quotes.min(axis=1, keepdims=True)
    tied = np.where(quotes == best, jitter, np.inf)
    pick = np.argmin(tied, axis=1)
    return np.where(np.isfinite(best[:, 0]), pick, -1)
