"""Check command-line overrides before Hydra runs anything.

Hydra reports a bad override with a multi-line message (or a traceback for a value our
schema rejects inside the job). This check composes the config for the first value of
every sweep, checks every further value, and turns the first problem into one line that
names the key and what is allowed, so a user gets a clear message, a non-zero exit and no
partial output.

Each sweep is checked against the composed first values of the others, one key at a time:

- a config-group choice (``network=small_world,scale_free``, ``+experiment=a,b``) can change
  any node, so the whole config is composed and validated for each choice;
- a plain key (``seed=range(0,2000)``, ``customers.wtp_mean=range(1,3,0.001)``) is cheap:
  each distinct value is set on one copy of the node that holds the key (its typed node
  converts it, as Hydra would in the job) and that node alone is checked against its
  bounds and rules. A full validate per value cost ~14 ms, 28–62 s for 2,000 values;
- a key read by a rule that spans nodes (:data:`CROSS_NODE`), an added or deleted key and a
  whole node are set on a copy of the whole config, validated for each value.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import re
import typing
from collections.abc import Callable
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, Transformer
from hydra.errors import MissingConfigException
from omegaconf import DictConfig, OmegaConf

from agents.params import check_fields
from sim.config import Config, ConfigError, validate
from sim.network import graph_file_problem

_CONVERT = re.compile(r"Value '(.*)' of type '.*' could not be converted to (\w+)")
_ARTICLE = {"Integer": "an integer", "Float": "a number", "Boolean": "true or false"}

#: Keys read by the rules of :func:`sim.config.validate` that span nodes: each of their
#: values is checked on the whole config. A rule added there must list its keys here.
CROSS_NODE = frozenset({"products.n", "sellers.products_per_seller"})

#: Sweep values used as the parser typed them; any other value (a string, list or dict) is
#: parsed again from the text the job receives, so quoting and escapes read as in the job.
_TYPED = (bool, int, float, type(None))

_HELP = ("--help", "-h", "--hydra-help", "--info", "--cfg", "-c")


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


def check_overrides(argv: list[str], config_dir: str) -> str | None:
    """Return a one-line error for the first bad override in ``argv``, or None if all is well."""
    if any(a in _HELP for a in argv):
        return None
    overrides = [a for a in argv if not a.startswith("-") and "=" in a]
    overrides = [a for a in overrides if not a.lstrip("+~").startswith("hydra.")]
    gh = GlobalHydra.instance()
    if gh.is_initialized():
        gh.clear()
    # One Hydra context for every composition, and its config loader for the parser, which
    # needs one to expand a group glob (``network=glob(*)``) as the sweeper will.
    with initialize_config_dir(config_dir=config_dir, version_base=None):
        parser = OverridesParser.create(config_loader=gh.config_loader())
        return _check(overrides, parser)


def _check(overrides: list[str], parser: OverridesParser) -> str | None:
    """:func:`check_overrides` inside a Hydra context."""
    try:
        parsed = parser.parse_overrides(overrides)
        sweeps = [(i, o, _values(o)) for i, o in enumerate(parsed) if o.is_sweep_override()]
    except Exception as exc:  # Hydra's grammar errors come in several types
        return one_line(exc)
    base = [o.input_line for o in parsed]
    for i, o, values in sweeps:
        if not values:
            return f"{o.input_line} is invalid; allowed: a sweep with at least one value"
        base[i] = f"{o.get_key_element()}={values[0][0]}"
    try:
        cfg = compose(config_name="config", overrides=base)
        validate(cfg)
    except MissingConfigException as exc:
        return _missing(exc, base)
    except ConfigError as exc:
        return str(exc)
    except Exception as exc:
        return one_line(exc)
    loader = GlobalHydra.instance().config_loader()
    for i, o, values in sweeps:
        further = _further(values)
        if not further:
            continue
        key = o.key_or_group
        if "/" in key or loader.get_group_options(key):
            problem = _check_choices(base, i, o, [text for text, _ in further])
        else:
            problem = _check_values(cfg, o, further, parser)
        if problem:
            return problem
    # Graph files last (they are read whole), with every swept path and customers.n.
    return graph_file_problem(
        cfg.network, cfg.customers.n, {o.key_or_group: [v for _, v in vs] for _, o, vs in sweeps}
    )


def _values(o: Override) -> list[tuple[str, Any]]:
    """``(text, typed value)`` of every value of a sweep, in the sweeper's order.

    One pass, so texts and values pair up even for ``shuffle()`` (each pass reshuffles).
    """
    return [(Transformer.str(e), e) for e in o.sweep_iterator()]


def _further(values: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The values after the first (which the base config holds), each text once."""
    seen = {values[0][0]}
    out = []
    for text, value in values[1:]:
        if text not in seen:
            seen.add(text)
            out.append((text, value))
    return out


def _check_choices(base: list[str], i: int, o: Override, values: list[str]) -> str | None:
    """Compose and validate the whole config for each further choice of a group sweep."""
    for value in values:
        alt = f"{o.get_key_element()}={value}"
        trial = [*base[:i], alt, *base[i + 1 :]]
        try:
            validate(compose(config_name="config", overrides=trial))
        except MissingConfigException as exc:
            return _missing(exc, trial)
        except ConfigError as exc:
            return str(exc)
        except Exception as exc:
            return _problem(exc, alt)
    return None


def _check_values(
    cfg: DictConfig, o: Override, values: list[tuple[str, Any]], parser: OverridesParser
) -> str | None:
    """Check each ``(text, typed value)`` of a swept key on one copy of the node holding it.

    The values are set in turn on the same copy (each replaces the one before, as a list
    does too); a mapping is merged into what it finds, so it gets a fresh copy.
    """
    anchor, check = _plan(o)
    original = OmegaConf.select(cfg, anchor) if anchor else cfg
    leaf = o.key_or_group.removeprefix(f"{anchor}.") if anchor else o.key_or_group
    trial = copy.deepcopy(original)
    for text, element in values:
        alt = f"{o.get_key_element()}={text}"
        try:
            value = element
            if not isinstance(value, _TYPED):
                value = parser.parse_overrides([alt])[0].value()
            if isinstance(value, dict):
                trial = copy.deepcopy(original)
            OmegaConf.update(trial, leaf, value, merge=True)
            check(trial)
        except ConfigError as exc:
            return str(exc)
        except Exception as exc:
            return _problem(exc, alt)
    return None


def _plan(o: Override) -> tuple[str, Callable[[Any], None]]:
    """Which node a value of ``o`` is set on (``""``: the root) and the check of that node.

    A schema leaf is checked on its parent node, or on the outermost node above it that has
    a ``checks`` rule (a rule may read any field below its node). A top-level leaf is
    checked on the root for its own bounds only. Everything else (a cross-node key, an added
    or deleted key, a whole node, a key outside the schema) gets the full validate.
    """
    key = o.key_or_group
    parts = key.split(".")
    if o.is_add() or o.is_force_add() or o.is_delete() or o.package or key in CROSS_NODE:
        return "", validate
    schemas = _schema_path(parts)
    if schemas is None:
        return "", validate
    if len(parts) == 1:
        return "", functools.partial(check_fields, schema=Config, key="", only=parts)
    depth = len(parts) - 1  # the leaf's parent node...
    for d in range(1, len(parts)):
        if hasattr(schemas[d], "checks"):  # ...or the outermost one with a rule
            depth = d
            break
    anchor = ".".join(parts[:depth])
    return anchor, functools.partial(check_fields, schema=schemas[depth], key=anchor)


def _schema_path(parts: list[str]) -> list[type] | None:
    """The dataclasses of :class:`Config` and of each node down to a value's parent.

    None unless ``parts`` name a value field of the schema (not a whole node).
    """
    schemas: list[type] = [Config]
    for name in parts:
        hints = _hints(schemas[-1])
        if name not in hints:
            return None
        hint = hints[name]
        if not (isinstance(hint, type) and dataclasses.is_dataclass(hint)):
            break
        schemas.append(hint)
    return schemas if len(schemas) == len(parts) else None


@functools.cache
def _hints(schema: type) -> dict[str, Any]:
    """Resolved types of a schema dataclass's fields (its module postpones annotations)."""
    hints = typing.get_type_hints(schema)
    return {f.name: hints[f.name] for f in dataclasses.fields(schema)}


def _problem(exc: BaseException, alt: str) -> str:
    """One line for a failed value: the key's own message, else prefixed by the override."""
    msg = one_line(exc)
    key = alt.split("=", 1)[0].lstrip("+~")
    return msg if msg.startswith(key) else f"{alt}: {msg}"


def _missing(exc: MissingConfigException, overrides: list[str]) -> str:
    options = sorted(exc.options or [])
    group = (exc.missing_cfg_file or "").split("/")[0]
    chosen = next((o for o in overrides if o.split("=", 1)[0].lstrip("+~") == group), group)
    if options:
        return f"{chosen} is invalid; allowed: {' | '.join(options)}"
    return one_line(exc)
