"""Check command-line overrides before Hydra runs anything.

Hydra reports a bad override with a multi-line message (or a traceback for a value our
schema rejects inside the job). This check composes the config for every value a sweep
would use and turns the first problem into one line that names the key and what is
allowed, so a user gets a clear message, a non-zero exit and no partial output.
"""

from __future__ import annotations

import re

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import MissingConfigException
from omegaconf import DictConfig, OmegaConf

from sim.config import ConfigError, validate

_CONVERT = re.compile(r"Value '(.*)' of type '.*' could not be converted to (\w+)")
_ARTICLE = {"Integer": "an integer", "Float": "a number", "Boolean": "true or false"}


def one_line(exc: BaseException) -> str:
    """The first informative line of an exception chain (type errors made readable)."""
    e0: BaseException | None = exc
    while e0 is not None:
        match = _CONVERT.search(str(e0))
        key = getattr(e0, "full_key", None)
        if match and key:
            allowed = _ARTICLE.get(match.group(2), match.group(2).lower())
            return f"{key}={match.group(1)!r} is invalid; allowed: {allowed}"
        e0 = e0.__cause__ or e0.__context__
    parts = []
    e: BaseException | None = exc
    while e is not None and len(parts) < 3:
        text = str(e).strip().splitlines()
        if text and text[0] not in parts and "$" not in text[0]:
            parts.append(text[0].rstrip("."))
        e = e.__cause__ or e.__context__
    return ": ".join(parts) or type(exc).__name__


def _compose(config_dir: str, overrides: list[str]) -> DictConfig:
    gh = GlobalHydra.instance()
    if gh.is_initialized():
        gh.clear()
    with initialize_config_dir(config_dir=config_dir, version_base=None):
        return compose(config_name="config", overrides=overrides)


def check_overrides(argv: list[str], config_dir: str) -> str | None:
    """Return a one-line error for the first bad override in ``argv``, or None if all is well."""
    overrides = [a for a in argv if not a.startswith("-") and "=" in a]
    overrides = [a for a in overrides if not a.lstrip("+~").startswith("hydra.")]
    if any(a in ("--help", "-h", "--hydra-help", "--info", "--cfg", "-c") for a in argv):
        return None
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except Exception as exc:  # Hydra's grammar errors come in several types
        return one_line(exc)
    base: list[str] = []
    variants: list[tuple[int, list[str]]] = []
    for i, o in enumerate(parsed):
        if o.is_sweep_override():
            values = list(o.sweep_string_iterator())
            base.append(f"{o.get_key_element()}={values[0]}")
            variants.append((i, [f"{o.get_key_element()}={v}" for v in values[1:]]))
        else:
            base.append(o.input_line)
    try:
        cfg = _compose(config_dir, base)
        validate(cfg)
    except MissingConfigException as exc:
        return _missing(exc, base)
    except ConfigError as exc:
        return str(exc)
    except Exception as exc:
        return one_line(exc)
    groups = set(OmegaConf.to_container(cfg, resolve=False).keys())
    for i, alternatives in variants:
        for alt in alternatives:
            trial = [*base[:i], alt, *base[i + 1 :]]
            key = alt.split("=", 1)[0].lstrip("+~")
            try:
                if "." not in key and key in groups and key not in ("seed", "steps", "tags"):
                    validate(_compose(config_dir, trial))
                else:
                    _quick_check(cfg, alt)
            except MissingConfigException as exc:
                return _missing(exc, trial)
            except ConfigError as exc:
                return str(exc)
            except Exception as exc:
                msg = one_line(exc)
                return msg if msg.startswith(key) else f"{alt}: {msg}"
    return None


def _quick_check(cfg: DictConfig, override: str) -> None:
    """Apply a plain ``key=value`` override to a copy of ``cfg`` (type-checked) and validate."""
    parsed = OverridesParser.create().parse_overrides([override])[0]
    trial = cfg.copy()
    OmegaConf.update(trial, parsed.key_or_group, parsed.value(), merge=True)
    validate(trial)


def _missing(exc: MissingConfigException, overrides: list[str]) -> str:
    options = sorted(exc.options or [])
    group = (exc.missing_cfg_file or "").split("/")[0]
    chosen = next((o for o in overrides if o.split("=", 1)[0].lstrip("+~") == group), group)
    if options:
        return f"{chosen} is invalid; allowed: {' | '.join(options)}"
    return one_line(exc)
