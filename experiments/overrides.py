"""Hydra overrides as text: their keys, values written as overrides, a compose context.

Shared by the commands that compose run configs themselves (the policy comparison, the
campaign engine, the optimiser, the README generator).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from sim.config import CONFIG_DIR


class InputError(ValueError):
    """Bad command-line input; the message is the one line shown to the user."""


def override_key(override: str) -> str:
    """The key (or group) an override sets, without ``+``/``~``/``++`` prefixes."""
    return override.split("=", 1)[0].lstrip("+~").strip()


def format_value(value: Any) -> str:
    """A value written as a Hydra override value (strings quoted when needed)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{format_value(v)}" for k, v in value.items()) + "}"
    text = str(value)
    if text and all(c.isalnum() or c in "_-./:" for c in text) and not text[0].isdigit():
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


@contextmanager
def hydra_context() -> Iterator[None]:
    """Initialise Hydra on ``configs/`` for composing (clearing an app's global state first)."""
    gh = GlobalHydra.instance()
    if gh.is_initialized():
        gh.clear()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base=None):
        yield
