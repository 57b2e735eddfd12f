"""One-click presets: the scenarios of ``configs/scenario`` as lesson parameters.

A scenario file describes a comparison (``policies`` compared while ``vary.key`` takes each
of ``vary.values``); a preset is one market of it: the policies in equal shares of sellers,
the varied key at a middle value, and the scenario's other settings (steps, repeat rate,
community, ...) as the model's overrides.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from classroom.dashboard.lesson import CONFIG_KEYS, LESSON_DEFAULTS, nested
from classroom.dashboard.mixes import mix_for
from sim.config import CONFIG_DIR

#: Keys of a scenario that describe the comparison, not the market.
COMPARISON_KEYS = ("policies", "vary", "seeds", "report", "jobs")


@dataclass(frozen=True)
class Preset:
    """A ready-made lesson.

    Attributes:
        name: Its id (the scenario's file name, or ``default``).
        title: What the page shows.
        parameters: The lesson parameters (``LessonModel`` keywords).
        varied_key: The config key the scenario's comparison varies ("" if none).
        varied_values: The values it takes there; the preset takes :func:`middle` of them.
    """

    name: str
    title: str
    parameters: dict[str, Any]
    varied_key: str = ""
    varied_values: tuple[Any, ...] = ()

    @property
    def varied(self) -> str:
        """E.g. ``"coalition.forward_p = 0.5 (of 0.1, 0.3, 0.5, 0.8, 1.0)"``; "" if none."""
        if not self.varied_key:
            return ""
        shown = ", ".join(str(v) for v in self.varied_values)
        return f"{self.varied_key} = {middle(list(self.varied_values))} (of {shown})"


def _flatten(node: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            out |= _flatten(value, dotted + ".")
        else:
            out[dotted] = value
    return out


def middle(values: list[Any]) -> Any:
    """The value a preset takes from a comparison's values (the upper median)."""
    return values[len(values) // 2]


def scenario_preset(path: Path) -> Preset:
    """The preset of one scenario file."""
    data = OmegaConf.to_container(OmegaConf.load(path), resolve=True)
    policies = tuple(data.get("policies") or ())
    vary = data.get("vary") or {}
    title = (data.get("report") or {}).get("title") or path.stem.replace("_", " ")
    settings = _flatten({k: v for k, v in data.items() if k not in COMPARISON_KEYS})
    varied_key, values = vary.get("key") or "", tuple(vary.get("values") or ())
    if not (varied_key and values):
        varied_key, values = "", ()
    if varied_key:
        settings[varied_key] = middle(list(values))
    parameters = {k: v for k, v in LESSON_DEFAULTS.items() if k != "overrides"}
    for name, dotted in CONFIG_KEYS.items():
        if dotted in settings:
            parameters[name] = settings.pop(dotted)
    if policies:
        parameters["mix"] = mix_for(policies).label
    parameters["overrides"] = nested(settings)
    parameters["title"] = title
    return Preset(path.stem, title, parameters, varied_key, values)


def load_presets(config_dir: Path | str = CONFIG_DIR) -> dict[str, Preset]:
    """The default market, then every scenario of ``configs/scenario``, by name."""
    default = Preset("default", "Default market", dict(LESSON_DEFAULTS))
    scenarios = sorted((Path(config_dir) / "scenario").glob("*.yaml"))
    return {"default": default} | {p.stem: scenario_preset(p) for p in scenarios}


PRESETS: dict[str, Preset] = load_presets()
