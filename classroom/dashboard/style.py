"""The projector style of every dashboard figure: big type, thick lines, fixed colours.

Figures are ``matplotlib.figure.Figure`` objects (never pyplot), so sessions drawing in
their own threads share no global figure state; only the style context below is global.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib

#: Read from the back of a classroom: big type, thick lines.
PROJECTOR_RC: dict[str, object] = {
    "font.size": 17,
    "axes.titlesize": 20,
    "axes.titleweight": "bold",
    "axes.labelsize": 17,
    "xtick.labelsize": 15,
    "ytick.labelsize": 15,
    "legend.fontsize": 14,
    "figure.titlesize": 22,
    "lines.linewidth": 2.8,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
}

#: Pixels per inch of the figures sent to the page (the page scales them to fit).
DPI = 72

#: Seller colours (seller ``s`` gets ``SELLER_COLOURS[s % len]``).
SELLER_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
)

COALITION_COLOUR = "#1565c0"
SOLO_COLOUR = "#ef6c00"


#: Matplotlib's rcParams are process-wide: sessions drawing in their own threads take turns.
_DRAWING = threading.RLock()


@contextmanager
def projector_style() -> Iterator[None]:
    """Matplotlib's rcParams for figures made and drawn inside the block (one thread at a time)."""
    with _DRAWING, matplotlib.rc_context(PROJECTOR_RC):
        yield
