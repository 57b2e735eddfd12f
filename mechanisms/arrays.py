"""Small array kernels shared by the mechanisms and the graph builders."""

from __future__ import annotations

import numpy as np


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sort + mask; much faster than ``np.unique`` on large int arrays).

    ``np.unique`` takes seconds on ~10^7 integers with numpy 2.5 here, where a sort and a
    neighbour comparison take a fraction of that.
    """
    s = np.sort(values)
    if s.size == 0:
        return s
    keep = np.empty(s.size, dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]
