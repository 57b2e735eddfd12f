"""The live part of the page: step counter, network and charts, redrawn as the model steps."""

from __future__ import annotations

import solara
from mesa.visualization.utils import update_counter

from classroom.dashboard.lesson import LessonModel
from classroom.dashboard.painter import Frame, Painter


@solara.component
def LiveViews(model: LessonModel) -> None:
    """Step counter, network and charts of ``model``.

    Mesa's ``ModelController`` bumps ``update_counter`` after each frame's steps; reading
    it here re-renders this component then. The render only asks the page's painter for
    a frame and shows the latest one it drew (see :mod:`classroom.dashboard.painter`).
    """
    update_counter.get()
    frame = solara.use_reactive(None)
    painter = solara.use_memo(lambda: Painter(frame.set), [])

    def run_painter():
        painter.start()
        return painter.stop

    solara.use_effect(run_painter, [])
    solara.use_effect(lambda: painter.request(model), [model.build, model.steps])

    with solara.Column(gap="4px"):
        with solara.Row(style={"align-items": "baseline", "gap": "24px"}):
            solara.Text(
                f"Step {model.steps} of {model.n_steps}",
                # The build as a class: tests tell this market's count from the last one's.
                classes=["cb-step", f"cb-step-of-{model.build}"],
                style={"font-size": "28px", "font-weight": "bold"},
            )
            if not model.running:
                solara.Text(
                    "finished: press Reset to run again",
                    classes=["cb-finished"],
                    style={"font-size": "20px"},
                )
        shown: Frame | None = frame.value
        if shown is None or shown.build != model.build:
            solara.Text("drawing the market…", classes=["cb-drawing"], style={"font-size": "24px"})
            return
        # The frame's step as a class: tests wait for the frame of the step shown.
        drawn = f"cb-frame-{shown.step}"
        with solara.Columns([2, 3], gutters_dense=True):
            solara.Image(shown.network, format="png", width="100%", classes=["cb-network", drawn])
            solara.Image(shown.charts, format="png", width="100%", classes=["cb-charts", drawn])
