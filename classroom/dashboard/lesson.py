"""The lesson's parameters and the model the dashboard runs (``LessonModel``).

The dashboard's controls are a few flat parameters (customers, forwarding probability, ...);
:class:`LessonModel` maps them onto :class:`~sim.model.MarketModel`'s config nodes, so
Mesa's ``ModelController`` can rebuild it on Reset with ``LessonModel(**parameters)``.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from omegaconf import OmegaConf

from classroom.dashboard.mixes import DEFAULT_MIX, MIXES
from sim.model import MarketModel

#: Parameters of a fresh dashboard: the default market, long enough to watch.
LESSON_DEFAULTS: dict[str, Any] = {
    "customers": 1000,
    "forward_p": 0.8,
    "max_size": 40,
    "mix": DEFAULT_MIX,
    "price_visibility": 0.0,
    "community": False,
    "seed": 0,
    "steps": 200,
    "overrides": {},
    "title": "Default market",
}

#: Where each control's parameter lands in the model's config (dotted key).
CONFIG_KEYS: dict[str, str] = {
    "customers": "customers.n",
    "forward_p": "coalition.forward_p",
    "max_size": "coalition.max_size",
    "price_visibility": "community.price_visibility",
    "community": "community.enabled",
    "seed": "seed",
    "steps": "steps",
}


@dataclass(frozen=True)
class Slider:
    """A numeric control: label, bounds and step."""

    label: str
    lo: float
    hi: float
    step: float


#: The sliders (customers, mix, community and seed have widgets of their own).
SLIDERS: dict[str, Slider] = {
    "forward_p": Slider("forwarding probability", 0.0, 1.0, 0.05),
    "max_size": Slider("maximum coalition size", 2, 100, 1),
    "price_visibility": Slider("price visibility", 0.0, 1.0, 0.05),
}

_BUILDS = itertools.count()


def nested(dotted: dict[str, Any]) -> dict[str, Any]:
    """Dotted keys as nested nodes: ``{"a.b": 1}`` -> ``{"a": {"b": 1}}``."""
    out: dict[str, Any] = {}
    for key, value in dotted.items():
        *path, last = key.split(".")
        node = out
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def lesson_config(lesson: Mapping[str, Any]) -> dict[str, Any]:
    """The model's config nodes for a lesson (``LessonModel.lesson``).

    Precedence, lowest first: what the pricing mix sets (e.g. pledge campaigns for
    threshold deals), the preset's other overrides, then the controls.

    Raises:
        KeyError: for an unknown mix label.
    """
    # Seed and steps are the model's own keywords, not config nodes.
    controls = {
        key: lesson[name] for name, key in CONFIG_KEYS.items() if name not in ("seed", "steps")
    }
    mix = MIXES[lesson["mix"]]
    controls["pricing.mix"] = list(mix.mix)
    merged = OmegaConf.merge(mix.overrides, lesson["overrides"], nested(controls))
    return OmegaConf.to_container(merged)


class LessonModel(MarketModel):
    """The market with the dashboard's flat parameters (what Reset rebuilds).

    Args:
        customers: Number of customers (``customers.n``).
        forward_p: Word-of-mouth forwarding probability (``coalition.forward_p``).
        max_size: Maximum coalition size (``coalition.max_size``).
        mix: Label of a pricing mix (:data:`classroom.dashboard.mixes.MIXES`).
        price_visibility: Share of neighbours' prices customers see
            (``community.price_visibility``).
        community: Whether reviews, reputation and boycotts run (``community.enabled``).
        seed: The run's seed.
        steps: Steps until the run stops.
        overrides: Other config values as nested nodes (a preset's), e.g.
            ``{"customers": {"repeat_rate": 0.05}}``.
        title: What the page calls this market (a preset's name).

    Raises:
        ConfigError: if a value is out of range.
        KeyError: for an unknown mix label.
    """

    def __init__(
        self,
        customers: int = LESSON_DEFAULTS["customers"],
        forward_p: float = LESSON_DEFAULTS["forward_p"],
        max_size: int = LESSON_DEFAULTS["max_size"],
        mix: str = DEFAULT_MIX,
        price_visibility: float = LESSON_DEFAULTS["price_visibility"],
        community: bool = LESSON_DEFAULTS["community"],
        seed: int = LESSON_DEFAULTS["seed"],
        steps: int = LESSON_DEFAULTS["steps"],
        overrides: dict[str, Any] | None = None,
        title: str = LESSON_DEFAULTS["title"],
    ) -> None:
        lesson: dict[str, Any] = {
            "customers": int(customers),
            "forward_p": float(forward_p),
            "max_size": int(max_size),
            "mix": mix,
            "price_visibility": float(price_visibility),
            "community": bool(community),
            "seed": int(seed),
            "steps": int(steps),
            "overrides": dict(overrides or {}),
            "title": title,
        }
        super().__init__(seed=lesson["seed"], steps=lesson["steps"], **lesson_config(lesson))
        self.lesson = lesson
        # Tells the page a model was rebuilt even when Python reuses a freed object's id.
        self.build = next(_BUILDS)
        # Mesa's controller steps in its own thread while the page draws or exports in
        # another: whoever reads the state holds this, so it never sees half a step.
        self.lock = threading.RLock()

    def step(self) -> None:
        """One step of the market (under :attr:`lock`)."""
        with self.lock:
            super().step()


def swap_market(
    current: LessonModel, parameters: Mapping[str, Any], install: Callable[[LessonModel], None]
) -> tuple[LessonModel, bool]:
    """Build the market of ``parameters`` and ``install`` it in place of ``current``.

    Returns the new market and whether ``current`` had finished when it was replaced.

    Why the lock: Mesa's controller plays in its own thread and, after each step, reads
    ``running`` from whichever market the page then holds; reading a finished one stops
    its play for good (until Reset). Were ``current`` to finish between the check and the
    swap, the page would show a fresh market that never plays, with no word to press
    Reset. Under ``current``'s lock it cannot step, so "not finished" stays true until
    the new market is in place, and the controller's next read is of the new market.
    """
    with current.lock:
        finished = not current.running
        market = LessonModel(**parameters)
        install(market)
    return market, finished


def pending_changes(model_lesson: dict[str, Any], parameters: dict[str, Any]) -> list[str]:
    """Controls whose value differs from the running model's (they apply on Reset)."""
    return [
        k
        for k in LESSON_DEFAULTS
        if k not in ("overrides", "title") and parameters.get(k) != model_lesson.get(k)
    ]
