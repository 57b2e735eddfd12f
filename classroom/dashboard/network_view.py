"""The network figure: the social graph at its cached positions, dots coloured by state.

Made once per model (edges, dots, legend); a frame recolours the dots, redraws the ties
inside coalitions and updates the counts.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import hsv_to_rgb, to_rgba_array
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from classroom.dashboard.live_figure import LiveFigure
from classroom.dashboard.network import (
    STATE_LABELS,
    NetworkLayout,
    NodeState,
    state_counts,
)
from classroom.dashboard.style import DPI, projector_style

STATE_COLOURS: dict[NodeState, str] = {
    NodeState.NOT_ARRIVED: "#e0e0e0",
    NodeState.SHOPPING: "#8d8d8d",
    NodeState.INVITED: "#ffc107",
    NodeState.LEFT: "#3e2723",
    NodeState.SERVED: "#a5d6a7",
    NodeState.BOYCOTTING: "#d50000",
    NodeState.IN_COALITION: "#1565c0",
}

#: Dot area per state: members stand out, customers not yet shopping recede.
STATE_SIZES: dict[NodeState, float] = {
    NodeState.NOT_ARRIVED: 10,
    NodeState.SHOPPING: 18,
    NodeState.INVITED: 30,
    NodeState.LEFT: 14,
    NodeState.SERVED: 16,
    NodeState.BOYCOTTING: 34,
    NodeState.IN_COALITION: 60,
}

_STATE_RGBA = to_rgba_array([STATE_COLOURS[s] for s in NodeState])
_STATE_SIZE = np.array([STATE_SIZES[s] for s in NodeState], dtype=np.float64)


def coalition_colours(ids: np.ndarray) -> np.ndarray:
    """A distinct, stable colour (RGBA) per coalition id: hues a golden angle apart."""
    hue = (np.asarray(ids, dtype=np.float64) * 0.618034) % 1.0
    hsv = np.column_stack([hue, np.full(len(hue), 0.85), np.full(len(hue), 0.85)])
    return np.column_stack([hsv_to_rgb(hsv), np.ones(len(hue))])


def node_colours(states: np.ndarray, coalition: np.ndarray) -> np.ndarray:
    """RGBA per node: its state's colour, or its coalition's own colour for members."""
    rgba = _STATE_RGBA[states.astype(np.int64)].copy()
    member = states == NodeState.IN_COALITION
    rgba[member] = coalition_colours(coalition[member])
    return rgba


def shown_states(community: bool) -> list[NodeState]:
    """The legend's states, most eye-catching first (boycotts only with the community)."""
    return [s for s in reversed(NodeState) if community or s != NodeState.BOYCOTTING]


class NetworkView:
    """The network panel of one model.

    The edges are the still background; dots, coalition ties, counts and title move.

    Args:
        layout: The drawn nodes and their positions.
        community: Whether the community runs (boycotts are then shown).
        dpi: Pixels per inch of the frames.
    """

    def __init__(self, layout: NetworkLayout, community: bool, dpi: int = DPI) -> None:
        self.layout = layout
        self.states = shown_states(community)
        pos = layout.pos
        a, b = layout.edges[:, 0], layout.edges[:, 1]
        with projector_style():
            fig = Figure(figsize=(9, 10), dpi=dpi)
            fig.subplots_adjust(left=0.01, right=0.99, top=0.9, bottom=0.2)
            ax = fig.add_subplot()
            ax.set_axis_off()
            ax.set_xlim(-0.02, 1.02)
            ax.set_ylim(-0.02, 1.02)
            ax.add_collection(
                LineCollection(
                    np.stack([pos[a], pos[b]], axis=1),
                    colors="#9e9e9e",
                    linewidths=0.4,
                    alpha=0.35,
                    zorder=1,
                )
            )
            self.ties = LineCollection([], linewidths=2.2, zorder=2)
            ax.add_collection(self.ties)
            self.dots = ax.scatter(pos[:, 0], pos[:, 1], s=10, linewidths=0, zorder=3)
            self.legend = fig.legend(
                handles=[
                    Line2D(
                        [],
                        [],
                        ls="",
                        marker="o",
                        markersize=11,
                        color=STATE_COLOURS[s],
                        label=STATE_LABELS[s],
                    )
                    for s in self.states
                ],
                loc="lower center",
                ncols=2,
                frameon=False,
                fontsize=17,
                handletextpad=0.2,
                columnspacing=1.0,
            )
            self.title = ax.set_title("", fontsize=22)
        self.live = LiveFigure(fig)
        self.live.animate(self.ties, self.dots, self.legend, self.title)

    def update(
        self, states: np.ndarray, coalition: np.ndarray, step: int, open_coalitions: int
    ) -> None:
        """Show the customers' states now.

        Args:
            states: :class:`NodeState` of every customer (all of them, for the counts).
            coalition: Open coalition of every customer (-1 if none).
            step: Steps run so far.
            open_coalitions: Coalitions recruiting now.
        """
        layout = self.layout
        s, c = states[layout.nodes], coalition[layout.nodes]
        order = np.argsort(s, kind="stable")  # members drawn last, on top
        self.dots.set_offsets(layout.pos[order])
        self.dots.set_facecolors(node_colours(s[order], c[order]))
        self.dots.set_sizes(_STATE_SIZE[s[order]])
        a, b = layout.edges[:, 0], layout.edges[:, 1]
        # Ties inside a coalition, in its colour: a group shows as a connected patch.
        same = (c[a] >= 0) & (c[a] == c[b])
        self.ties.set_segments(np.stack([layout.pos[a[same]], layout.pos[b[same]]], axis=1))
        self.ties.set_color(coalition_colours(c[a[same]]))
        counts = state_counts(states)
        for state, text in zip(self.states, self.legend.get_texts(), strict=True):
            text.set_text(f"{STATE_LABELS[state]}: {counts[state]:,}")
        title = f"Step {step}: {open_coalitions} coalitions recruiting"
        if layout.sampled:
            title += f"\nshowing {len(layout.nodes):,} of {layout.n_total:,} customers"
        self.title.set_text(title)

    def png(self, fast: bool = True) -> bytes:
        """The network as PNG bytes."""
        return self.live.png(fast)
