"""A figure drawn in two layers: a cached still background, and the artists that move.

Drawing axes, ticks and labels is most of what a matplotlib frame costs; in a live chart
they change rarely. So the still part is rendered once (and again only when invalidated,
e.g. when an axis has to grow), and a frame copies it back and draws the moving artists
(lines, dots, counts) on top: the technique of matplotlib's blitting animations, on the
Agg canvas, without a GUI.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from classroom.dashboard.style import projector_style


class LiveFigure:
    """A figure with a cached background and artists redrawn each frame.

    Args:
        fig: The figure (its ``dpi`` is the frames' resolution).
    """

    def __init__(self, fig: Figure) -> None:
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.moving: list[Artist] = []
        self._background = None

    def animate(self, *artists: Artist) -> None:
        """Draw these artists each frame, in this order, on top of the background."""
        for a in artists:
            a.set_animated(True)
            self.moving.append(a)

    def invalidate(self) -> None:
        """Render the background again at the next frame (its still part changed)."""
        self._background = None

    def render(self) -> np.ndarray:
        """The frame as an RGBA array (a view of the canvas, valid until the next frame)."""
        with projector_style():
            if self._background is None:
                self.canvas.draw()  # animated artists are left out of a full draw
                self._background = self.canvas.copy_from_bbox(self.fig.bbox)
            else:
                self.canvas.restore_region(self._background)
            renderer = self.canvas.get_renderer()
            for a in self.moving:
                if a.get_visible():
                    a.draw(renderer)
        return np.asarray(self.canvas.buffer_rgba())

    def png(self, fast: bool = True) -> bytes:
        """The frame as PNG bytes.

        Args:
            fast: Light compression: a live frame is replaced a moment later, so encoding
                time matters more than bytes.
        """
        buf = io.BytesIO()
        rgb = Image.fromarray(self.render()).convert("RGB")
        rgb.save(buf, format="png", compress_level=1 if fast else 6)
        return buf.getvalue()
