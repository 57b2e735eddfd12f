"""Drawing the live frames off the render path, in a thread of each page's own.

Why: Mesa's ``ModelController`` asks for a render after every frame's steps, from its play
thread. Drawing the network and charts takes 0.2-0.5 s; were it done while rendering, a
render would outlast the play interval, and the thread that happened to start rendering
(say, a preset button's handler) would go on rendering frame after frame until the market
ended, with its click never finished. So a render only asks for a frame; the painter draws
the latest state of the latest market, skipping the steps it could not keep up with, and
hands the images over (a cheap render).
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from classroom.dashboard.chart_data import ChartData
from classroom.dashboard.charts import ChartsView
from classroom.dashboard.lesson import LessonModel
from classroom.dashboard.network import LAYOUTS, model_states, open_coalitions
from classroom.dashboard.network_view import NetworkView


@dataclass(frozen=True)
class Frame:
    """One drawn moment of a market.

    Attributes:
        build: The model's build id.
        step: Steps run when drawn.
        network: The network figure (PNG bytes).
        charts: The charts (PNG bytes).
    """

    build: int
    step: int
    network: bytes
    charts: bytes


def draw_frame(model: LessonModel, network: NetworkView, charts: ChartsView) -> Frame:
    """The network and charts of ``model`` now."""
    with model.lock:
        states, coalition = model_states(model)
        step, recruiting = model.steps, open_coalitions(model)
        data = ChartData.of(model)
    network.update(states, coalition, step, recruiting)
    charts.update(data)
    return Frame(model.build, step, network.png(), charts.png())


class Painter:
    """A thread that draws the frames of whichever market it was last asked for.

    Args:
        show: Called (in the painter's thread) with each new frame.
    """

    def __init__(self, show: Callable[[Frame], None]) -> None:
        self.show = show
        self._wanted: LessonModel | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._views: tuple[int, NetworkView, ChartsView] | None = None
        self._drawn: tuple[int, int] | None = None
        self._thread = threading.Thread(target=self._run, name="dashboard-painter", daemon=True)

    def start(self) -> None:
        """Start drawing (once)."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the frame being drawn, if any."""
        self._stopped.set()
        self._wake.set()

    def request(self, model: LessonModel) -> None:
        """Draw ``model`` as it is when the painter gets to it (returns at once)."""
        with self._lock:
            self._wanted = model
        self._wake.set()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread to end (after :meth:`stop`)."""
        self._thread.join(timeout)

    def _views_for(self, model: LessonModel) -> tuple[NetworkView, ChartsView]:
        if self._views is None or self._views[0] != model.build:
            community = model.community is not None
            network = NetworkView(LAYOUTS.get(model.graph, model.seed), community)
            charts = ChartsView(model.sellers.n, model.n_steps, community)
            self._views = (model.build, network, charts)
        return self._views[1], self._views[2]

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stopped.is_set():
                return
            with self._lock:
                model = self._wanted
            if model is None or self._drawn == (model.build, model.steps):
                continue
            try:
                frame = draw_frame(model, *self._views_for(model))
                self._drawn = (frame.build, frame.step)
                self.show(frame)
            except Exception:  # noqa: BLE001 - a failed frame must not end the live view
                traceback.print_exc()
