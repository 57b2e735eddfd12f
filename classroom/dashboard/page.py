"""The dashboard page: one market on the projector, with controls, presets and charts.

Mesa's split: the model (``LessonModel``) knows nothing of this page; the page holds it in
a reactive value and Mesa's ``ModelController`` plays, steps and resets it. Mesa's
``SolaraViz`` wrapper is not used because its model parameters are internal state, and a
preset must be able to set them. The figures are drawn off the render path
(:mod:`classroom.dashboard.painter`), so every render stays cheap.
"""

from __future__ import annotations

from typing import Any

import solara
from mesa.visualization.solara_viz import ModelController

from classroom.dashboard.controls import (
    DEFAULT_SPEED,
    SPEEDS,
    ExportPanel,
    LessonControls,
    PresetButtons,
    SpeedControl,
)
from classroom.dashboard.lesson import LESSON_DEFAULTS, LessonModel, swap_market
from classroom.dashboard.live import LiveViews
from classroom.dashboard.presets import PRESETS, Preset

PRESET_BY_TITLE: dict[str, Preset] = {p.title: p for p in PRESETS.values()}


def model_summary(lesson: dict[str, Any]) -> str:
    """One line saying which market is running."""
    return " · ".join(
        [
            f"{lesson['customers']:,} customers",
            lesson["mix"],
            f"community {'on' if lesson['community'] else 'off'}",
            f"seed {lesson['seed']}",
            f"{lesson['steps']} steps",
        ]
    )


@solara.component
def Header(model: LessonModel):
    """Title, the running market and, for a preset, what its comparison varies."""
    lesson = model.lesson
    preset = PRESET_BY_TITLE.get(lesson["title"])
    solara.Text(
        f"crowdbargain · {lesson['title']}",
        classes=["cb-title"],
        style={"font-size": "30px", "font-weight": "bold"},
    )
    solara.Text(model_summary(lesson), classes=["cb-model-info"], style={"font-size": "20px"})
    if preset is not None and preset.varied:
        solara.Text(
            f"The comparison varies {preset.varied}",
            classes=["cb-varied"],
            style={"font-size": "16px", "color": "#555"},
        )


@solara.component
def Page():
    """The dashboard."""
    first = solara.use_memo(lambda: LessonModel(**LESSON_DEFAULTS), [])
    model = solara.use_reactive(first)
    params = solara.use_reactive(dict(LESSON_DEFAULTS))
    play_interval = solara.use_reactive(SPEEDS[DEFAULT_SPEED][0])
    render_interval = solara.use_reactive(SPEEDS[DEFAULT_SPEED][1])
    use_threads = solara.use_reactive(False)
    # Build of a preset's market loaded after the last one had finished (-1: none).
    needs_reset = solara.use_reactive(-1)

    def load(preset: Preset) -> None:
        params.set(dict(preset.parameters))
        market, finished = swap_market(model.value, preset.parameters, model.set)
        if finished:
            needs_reset.set(market.build)

    solara.Title("crowdbargain classroom")
    with solara.Column(classes=["cb-dashboard"], style={"padding": "8px 16px"}):
        Header(model.value)
        with solara.Columns([1, 5], gutters_dense=True):
            with solara.Column(gap="8px"):
                # The build id is a hook for tests: it changes when a new market is in place.
                run_classes = ["cb-run", f"cb-build-{model.value.build}"]
                with solara.Card("Run", margin=0, classes=run_classes):
                    # One controller for the page's life: a preset swaps the market under
                    # it (a playing market plays on). Remounting it instead would leave its
                    # play loop, a thread that outlives the component, stepping on unseen.
                    ModelController(
                        model,
                        model_parameters=params,
                        play_interval=play_interval,
                        render_interval=render_interval,
                        use_threads=use_threads,
                    )
                    SpeedControl(play_interval, render_interval)
                    if needs_reset.value == model.value.build and model.value.steps == 0:
                        # The controller keeps the finished run's state (play disabled)
                        # until its Reset, which rebuilds this same market. (Steps taken:
                        # the old market finished just as it was replaced, and the
                        # controller read the new one's state: it plays on.)
                        solara.Info(
                            "Press Reset to start this market.",
                            dense=True,
                            classes=["cb-press-reset"],
                        )
                with solara.Card("Lesson", subtitle="Changes apply on Reset", margin=0):
                    LessonControls(params, model.value.lesson)
                with solara.Card("Presets", margin=0):
                    PresetButtons(load)
                with solara.Card("Export", margin=0):
                    ExportPanel(model.value)
            LiveViews(model.value)
