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

Before any of that, :func:`check_command_line` refuses what no command takes, from the
command line alone: overrides Hydra cannot parse, overrides that could run code (a
``_target_`` anywhere, anything under ``hydra.callbacks``), deletions of model config nodes
and unknown keys of the model's nodes; :func:`check_output_folder` refuses a folder the run
could not (or should not) be written to.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import functools
import os
import re
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_dir
from hydra._internal.utils import get_args_parser
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, Transformer
from hydra.errors import MissingConfigException, OverrideParseException
from omegaconf import DictConfig, OmegaConf

from agents.params import check_fields
from sim.config import CONFIG_DIR, Config, ConfigError, validate
from sim.config.memory import MEMORY_KEYS
from sim.config.validation import unknown_key, unknown_key_of
from sim.network import graph_file_problem

_CONVERT = re.compile(r"Value '(.*)' of type '.*' could not be converted to (\w+)")
_ARTICLE = {"Integer": "an integer", "Float": "a number", "Boolean": "true or false"}

#: Keys read by the rules of :func:`sim.config.validate` that span nodes (the memory
#: estimate reads every size key): each of their values is checked on the whole config. A
#: rule added there must list its keys here.
CROSS_NODE = frozenset({"products.n", "sellers.products_per_seller"}) | MEMORY_KEYS

#: Sweep values used as the parser typed them; any other value (a string, list or dict) is
#: parsed again from the text the job receives, so quoting and escapes read as in the job.
_TYPED = (bool, int, float, type(None))

_HELP = ("--help", "-h", "--hydra-help", "--info", "--cfg", "-c")

#: What a refused override may be replaced with, for the messages below.
SYNTAX = "KEY=VALUE with lists as [a,b] and quoted strings"
CODE_REFUSED = (
    "no _target_ or hydra.callbacks overrides (the project's callbacks are set in "
    "configs/config.yaml)"
)
#: Command-line flags that read configs from another folder than the project's.
_CONFIG_FOLDER_FLAGS = ("--config-dir", "-cd", "--config-path", "-cp")
OWN_CONFIGS = (
    "the configs of the project's configs/ folder (add a file there, e.g. "
    "configs/experiment/NAME.yaml, and choose it with +experiment=NAME)"
)
#: Where the ``_target_`` of a composed callback, launcher or sweeper may point.
_CALLBACKS = ("sim.cli.callbacks.",)
_PLUGINS = ("hydra._internal.core_plugins.", "hydra_plugins.")
_MULTIRUN = ("-m", "--multirun")


def one_line(exc: BaseException) -> str:
    """The first informative line of an exception chain (type errors made readable)."""
    e0: BaseException | None = exc
    while e0 is not None:
        unknown = unknown_key_of(e0)
        if unknown:
            return unknown
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


def command_overrides(argv: list[str]) -> tuple[list[str], argparse.Namespace | None]:
    """The overrides of a command line, as Hydra's own argument parser reads them.

    Returns:
        The overrides (with any stray argument that does not start with ``-``, so a check
        sees at least what Hydra might take) and the parsed flags (None if Hydra's parser
        rejects the line: Hydra will then say why itself).
    """
    parser = get_args_parser()
    parser.exit_on_error = False
    try:
        args, rest = parser.parse_known_args(argv)
    except argparse.ArgumentError:
        return [a for a in argv if not a.startswith("-")], None
    return [*args.overrides, *(a for a in rest if not a.startswith("-"))], args


def check_command_line(argv: list[str]) -> str | None:
    """A one-line refusal of what no command takes, from the command line alone, or None.

    Refused: an override Hydra cannot parse; one that could run code (a ``_target_`` in its
    key, anything under ``hydra.callbacks`` or the ``hydra/callbacks`` group); a rerun from
    a pickle; the deletion of a model config node or key (``~customers``, ``~seed``); and a
    key that the model's nodes do not have (``customers.extra=1``, with or without ``+``).
    Keys outside the model's nodes belong to each command's own check.
    """
    if any(a in _HELP for a in argv):
        return None
    outside = [a for a in argv if a.split("=", 1)[0] in _CONFIG_FOLDER_FLAGS]
    if outside:
        return f"{outside[0]} is refused; allowed: {OWN_CONFIGS}"
    if any(a.split("=", 1)[0] == "--experimental-rerun" for a in argv):
        return (
            "--experimental-rerun is refused; allowed: overrides on the command line (a rerun "
            "loads a pickle, which can run code)"
        )
    overrides, _ = command_overrides(argv)
    parser = OverridesParser.create()
    for line in overrides:
        try:
            o = parser.parse_overrides([line])[0]
        except OverrideParseException as exc:
            return f"{line} is not a valid override: {grammar_reason(line, exc)}; allowed: {SYNTAX}"
        except Exception as exc:  # the grammar's functions raise their own types
            return f"{line} is not a valid override: {one_line(exc)}; allowed: {SYNTAX}"
        problem = _refusal(o)
        if problem:
            return problem
    return None


def _refusal(o: Override) -> str | None:
    """Why one parsed override is refused whatever the command, or None."""
    key = o.key_or_group
    parts = re.split(r"[./]", key)
    if "_target_" in parts or key.replace("/", ".").startswith("hydra.callbacks"):
        return f"{o.input_line} is refused; allowed: {CODE_REFUSED}"
    if key.startswith("hydra.searchpath"):
        # Configs from another folder could declare callbacks the checks never compose.
        return f"{o.input_line} is refused; allowed: {OWN_CONFIGS}"
    if "/" in key or o.package:
        return None
    model = _hints(Config)
    if parts[0] not in model:
        return None
    if o.is_delete():
        return (
            f"{o.input_line} is refused; allowed: no deletion of model config nodes "
            "(set a value instead)"
        )
    schema = model[parts[0]]
    for depth, name in enumerate(parts[1:], start=1):
        if not (isinstance(schema, type) and dataclasses.is_dataclass(schema)):
            return None
        hints = _hints(schema)
        if name not in hints:
            return unknown_key(".".join(parts[: depth + 1]), hints)
        schema = hints[name]
    return None


def grammar_reason(line: str, exc: OverrideParseException) -> str:
    """Hydra's reason why ``line`` does not parse, short and in plain words.

    An unclosed bracket or quote is named as such; otherwise Hydra's (ANTLR's) first
    informative line, without the pointer to Hydra's documentation.
    """
    value = line.split("=", 1)[1] if "=" in line else ""
    unclosed = _unclosed(value)
    if unclosed:
        return unclosed
    text = [t.strip() for t in str(exc).splitlines()]
    text = [t for t in text if t and not t.startswith(("See https://", "Error parsing override"))]
    if text and text[0].startswith("LexerNoViableAltException") and len(text) > 1:
        # Hydra points at the character under a caret, after the prefix and the line.
        lines = str(exc).splitlines()
        column = lines[1].find("^") - len("LexerNoViableAltException: ")
        if 0 <= column < len(line):
            return f"unexpected character {line[column]!r} at position {column + 1}"
        text = ["cannot be parsed"]
    reason = text[0] if text else "cannot be parsed"
    reason = re.sub(r"^HydraException while evaluating '[^']*': ", "", reason)
    reason = re.sub(r"^no viable alternative at input (.*)$", r"cannot read \1", reason)
    return re.sub(r"^(?:mismatched|extraneous) input (.*) expecting .*$", r"unexpected \1", reason)


def _unclosed(value: str) -> str | None:
    """An unclosed quote or bracket in an override's value (None if they all pair up)."""
    pairs = {"]": "[", "}": "{", ")": "("}
    stack: list[str] = []
    quote = None
    escaped = False
    for ch in value:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "[{(":
            stack.append(ch)
        elif ch in pairs and (not stack or stack.pop() != pairs[ch]):
            return f"unmatched {ch!r}"
    if quote:
        return f"unclosed quote {quote}"
    return f"unclosed {stack[-1]!r}" if stack else None


def check_output_folder(
    argv: list[str], config_name: str, config_dir: str = CONFIG_DIR
) -> str | None:
    """A one-line refusal of the folder this command line would write, or None.

    Composes the command's config with Hydra's own node (as Hydra will) and checks
    ``hydra.run.dir`` (``hydra.sweep.dir`` with ``-m``): not empty (an empty folder is the
    current one), not an existing file, and writable (the folder, or its nearest existing
    parent). It also checks that every composed callback is one of the project's and that
    the launcher and sweeper are Hydra plugins. A line that does not compose is left to the
    command's own check.

    Args:
        argv: The command line's arguments (without the program).
        config_name: The command's primary config (``--config-name`` wins).
        config_dir: The config folder.
    """
    if any(a in _HELP for a in argv):
        return None
    overrides, args = command_overrides(argv)
    multirun = bool(args.multirun) if args else any(a in _MULTIRUN for a in argv)
    name = (args.config_name if args else None) or config_name
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    try:
        plain = _plain(overrides)
        with _hydra(config_dir):
            cfg = _compose_line(config_dir, name, plain)
            hydra_cfg = cfg.hydra
            folder = str(OmegaConf.select(cfg, key))
    except Exception:  # the command's own check names what does not compose
        return None
    return _code_in(hydra_cfg) or folder_problem(key, folder)


def _plain(overrides: list[str]) -> list[str]:
    """The overrides that are not sweeps, as Hydra's parser reads them."""
    parser = OverridesParser.create()
    lines = [o.input_line for o in parser.parse_overrides(overrides)]
    return [
        line
        for line, o in zip(lines, parser.parse_overrides(lines), strict=True)
        if not o.is_sweep_override()
    ]


#: The last command line composed by :func:`_compose_line` (key, config), for reuse.
_LAST_COMPOSED: list[tuple[tuple[str, str, tuple[str, ...]], DictConfig]] = []


def forget_compositions() -> None:
    """Drop the composition kept for reuse (a command's checks start from the files)."""
    _LAST_COMPOSED.clear()


def _compose_line(config_dir: str, name: str, overrides: list[str]) -> DictConfig:
    """``compose`` with Hydra's node, reusing the last result for the same command line.

    The output-folder check and ``sim.run``'s override check compose the same line; sharing
    one composition saves ~50 ms a command. Callers only read the result. Needs a Hydra
    context on ``config_dir``.
    """
    key = (config_dir, name, tuple(overrides))
    if _LAST_COMPOSED and _LAST_COMPOSED[0][0] == key:
        return _LAST_COMPOSED[0][1]
    cfg = compose(config_name=name, overrides=list(overrides), return_hydra_config=True)
    _LAST_COMPOSED[:] = [(key, cfg)]
    return cfg


def _code_in(hydra_cfg: DictConfig) -> str | None:
    """A composed callback that is not the project's, or a launcher or sweeper not a plugin."""
    for name, node in (hydra_cfg.get("callbacks") or {}).items():
        target = str(node.get("_target_", ""))
        if not target.startswith(_CALLBACKS):
            return f"hydra.callbacks.{name}._target_={target} is refused; allowed: {CODE_REFUSED}"
    for node in ("launcher", "sweeper"):
        target = str(OmegaConf.select(hydra_cfg, f"{node}._target_") or "")
        if not target.startswith(_PLUGINS):
            return (
                f"hydra.{node}._target_={target} is refused; allowed: the hydra/{node} options "
                "of the installed Hydra plugins"
            )
    return None


def folder_problem(key: str, folder: str) -> str | None:
    """Why ``folder`` (the value of ``key``) cannot be a run's output folder, or None."""
    if not folder.strip():
        return (
            f"{key}= is empty; allowed: a folder path (an empty one would write the run into "
            "the current folder)"
        )
    path = Path(folder)
    if path.exists() and not path.is_dir():
        return f"{key}={folder} is a file; allowed: a folder path"
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        return f"{key}={folder} is inside the file {probe}; allowed: a folder path"
    if not os.access(probe, os.W_OK | os.X_OK):
        return (
            f"{key}={folder} is not writable ({probe} is read-only); allowed: a folder you "
            "can write to"
        )
    return None


@contextmanager
def _hydra(config_dir: str) -> Iterator[None]:
    """A Hydra context on ``config_dir`` (clearing a global one first)."""
    gh = GlobalHydra.instance()
    if gh.is_initialized():
        gh.clear()
    with initialize_config_dir(config_dir=config_dir, version_base=None):
        yield


def check_overrides(argv: list[str], config_dir: str) -> str | None:
    """Return a one-line error for the first bad override in ``argv``, or None if all is well."""
    if any(a in _HELP for a in argv):
        return None
    problem = check_command_line(argv)
    if problem:
        return problem
    overrides = [a for a in argv if not a.startswith("-") and "=" in a]
    overrides = [a for a in overrides if not a.lstrip("+~").startswith("hydra.")]
    shared = _shared_line(argv, overrides)
    gh = GlobalHydra.instance()
    if gh.is_initialized():
        gh.clear()
    # One Hydra context for every composition, and its config loader for the parser, which
    # needs one to expand a group glob (``network=glob(*)``) as the sweeper will.
    with initialize_config_dir(config_dir=config_dir, version_base=None):
        parser = OverridesParser.create(config_loader=gh.config_loader())
        return _check(overrides, parser, config_dir, shared)


def _shared_line(argv: list[str], overrides: list[str]) -> list[str] | None:
    """The output-folder check's overrides if they are ``overrides`` plus Hydra's own, else None.

    Hydra's overrides only set the ``hydra`` node, so that composition holds the same model
    config; anything else (a sweep, another primary config, a flag) composes afresh.
    """
    try:
        line, args = command_overrides(argv)
        plain = _plain(line)
    except Exception:  # the check itself reports what does not parse
        return None
    if args is None or args.config_name or args.multirun:
        return None
    own = [o for o in plain if not o.lstrip("+~").startswith("hydra.")]
    return plain if own == overrides else None


def _check(
    overrides: list[str],
    parser: OverridesParser,
    config_dir: str = CONFIG_DIR,
    shared: list[str] | None = None,
) -> str | None:
    """:func:`check_overrides` inside a Hydra context.

    ``shared`` is the whole command line's overrides (Hydra's own included) when they
    compose the same model config as ``overrides``: then the composition is reused.
    """
    try:
        parsed = parser.parse_overrides(overrides)
        sweeps = [(i, o, _values(o)) for i, o in enumerate(parsed) if o.is_sweep_override()]
    except Exception as exc:  # Hydra's grammar errors come in several types
        return one_line(exc)
    loader = GlobalHydra.instance().config_loader()
    for o in parsed:
        problem = _unknown_addition(o, loader.get_group_options)
        if problem:
            return problem
    base = [o.input_line for o in parsed]
    for i, o, values in sweeps:
        if not values:
            return f"{o.input_line} is invalid; allowed: a sweep with at least one value"
        base[i] = f"{o.get_key_element()}={values[0][0]}"
    try:
        if sweeps or shared is None:
            cfg = compose(config_name="config", overrides=base)
        else:  # the output-folder check composed this line already
            cfg = _compose_line(config_dir, "config", shared)
        validate(cfg)
    except MissingConfigException as exc:
        return _missing(exc, base)
    except ConfigError as exc:
        return str(exc)
    except Exception as exc:
        return one_line(exc)
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


def _unknown_addition(o: Override, group_options: Callable[[str], list[str]]) -> str | None:
    """An added value (``+foo=1``) whose top-level key the run config does not have, or None.

    Config-group additions (``+experiment=NAME``) are not values; keys inside the model's
    nodes are checked by :func:`check_command_line`.
    """
    key = o.key_or_group
    if not (o.is_add() or o.is_force_add()) or "/" in key or o.package or group_options(key):
        return None
    top = key.split(".")[0]
    if top in _hints(Config):
        return None
    return unknown_key(top, _hints(Config)) + " (a config group is added as +GROUP=NAME)"


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
