"""The dashboard's side panel: speed, lesson parameters, presets and export.

Every lesson control writes into one reactive dict of ``LessonModel`` keywords, the same
dict Mesa's ``ModelController`` rebuilds the model from on Reset, so a preset can set the
controls and a control takes effect on Reset, as in any Mesa app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara
from mesa.visualization.utils import update_counter

from classroom.dashboard.export import export_model
from classroom.dashboard.lesson import SLIDERS, LessonModel, pending_changes
from classroom.dashboard.mixes import MIXES
from classroom.dashboard.presets import PRESETS, Preset

#: Speed name -> (milliseconds between frames, steps per frame). Faster speeds draw fewer
#: frames: drawing a frame costs far more than a step.
SPEEDS: dict[str, tuple[int, int]] = {
    "slow": (600, 1),
    "normal": (200, 1),
    "fast": (0, 2),
    "faster": (0, 5),
}
DEFAULT_SPEED = "normal"

#: Market sizes offered (the network panel samples above 1,500 customers).
CUSTOMER_COUNTS = [200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000]

LABELS: dict[str, str] = {
    "customers": "customers",
    "forward_p": "forwarding probability",
    "max_size": "maximum coalition size",
    "mix": "pricing mix",
    "price_visibility": "price visibility",
    "community": "community",
    "seed": "seed",
    "steps": "steps",
}


def _setter(params: solara.Reactive[dict[str, Any]], key: str) -> Callable[[Any], None]:
    def set_value(value: Any) -> None:
        params.set({**params.value, key: value})

    return set_value


@solara.component
def SpeedControl(play_interval: solara.Reactive[int], render_interval: solara.Reactive[int]):
    """How fast the market plays."""
    current = next(
        (k for k, v in SPEEDS.items() if v == (play_interval.value, render_interval.value)),
        DEFAULT_SPEED,
    )

    def choose(name: str) -> None:
        play_interval.set(SPEEDS[name][0])
        render_interval.set(SPEEDS[name][1])

    solara.ToggleButtonsSingle(
        value=current, values=list(SPEEDS), on_value=choose, dense=True, classes=["cb-speed"]
    )


@solara.component
def LessonControls(params: solara.Reactive[dict[str, Any]], running: dict[str, Any]):
    """The lesson's parameters; a change applies on Reset.

    Args:
        params: The parameters Reset builds from.
        running: The running model's parameters (to show what is pending).
    """
    p = params.value
    counts = sorted({*CUSTOMER_COUNTS, int(p["customers"])})
    solara.Select(
        label="customers",
        values=counts,
        value=int(p["customers"]),
        on_value=_setter(params, "customers"),
        classes=["cb-customers"],
    )
    for key in ("forward_p", "max_size", "price_visibility"):
        spec = SLIDERS[key]
        # The value sits in a line of its own: vuetify's inline label squeezes the track.
        shown = f"{p[key]}" if key == "max_size" else f"{p[key]:.2f}"
        with solara.Div(classes=[f"cb-slider-{key}"]):
            solara.Text(f"{spec.label}: {shown}", classes=["cb-slider-label"])
            slider = solara.SliderInt if key == "max_size" else solara.SliderFloat
            kind = int if key == "max_size" else float
            slider(
                "",
                value=kind(p[key]),
                min=kind(spec.lo),
                max=kind(spec.hi),
                step=kind(spec.step),
                on_value=_setter(params, key),
                thumb_label=False,
            )
    mixes = list(MIXES)
    solara.Select(
        label="pricing mix",
        values=mixes,
        value=p["mix"],
        on_value=_setter(params, "mix"),
        classes=["cb-mix"],
    )
    solara.Checkbox(
        label="community: reviews, reputation, boycotts",
        value=bool(p["community"]),
        on_value=_setter(params, "community"),
    )
    solara.InputInt(
        "seed",
        value=int(p["seed"]),
        on_value=lambda v: _setter(params, "seed")(max(0, int(v or 0))),
        classes=["cb-seed"],
    )
    pending = pending_changes(running, p)
    if pending:
        names = ", ".join(LABELS.get(k, k) for k in pending)
        solara.Warning(
            f"Changed: {names}. Changes apply on Reset.", dense=True, classes=["cb-pending"]
        )
    else:
        solara.Text("Changes apply on Reset.", classes=["cb-apply-hint"])


@solara.component
def PresetButtons(on_load: Callable[[Preset], None]):
    """One button per preset."""
    with solara.Column(gap="6px"):
        for preset in PRESETS.values():
            solara.Button(
                label=preset.name.replace("_", " "),
                on_click=lambda preset=preset: on_load(preset),
                outlined=True,
                classes=["cb-preset", f"cb-preset-{preset.name}"],
                style={"justify-content": "flex-start", "text-transform": "none"},
            )


@solara.component
def ExportPanel(model: LessonModel):
    """Write the session's run folder and figures; show where."""
    update_counter.get()
    written = solara.use_reactive("")
    error = solara.use_reactive("")

    def export() -> None:
        try:
            written.set(str(export_model(model, title=model.lesson["title"])))
            error.set("")
        except (OSError, ValueError) as err:
            error.set(str(err))

    solara.Button(
        "Export run folder",
        on_click=export,
        disabled=model.steps < 1,
        color="primary",
        outlined=True,
        classes=["cb-export"],
    )
    if model.steps < 1:
        solara.Text("Run a step first.")
    if written.value:
        solara.Text(f"Written to {written.value}", classes=["cb-export-path"])
    if error.value:
        solara.Error(error.value)
