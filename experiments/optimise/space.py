"""The search space: which market values a study searches, and over what.

The space comes from two places: the ``search`` node of the config
(``{KEY: {low: L, high: H[, step: S][, log: true][, type: int]}}`` or
``{KEY: {choices: [...]}}``, see :class:`~experiments.optimise.spec.SearchSpec`) and Hydra
sweep overrides on the command line (``KEY=interval(L,H)``, ``KEY='tag(log,interval(L,H))'``,
``KEY=range(A,B[,S])``, ``KEY=choice(a,b)`` or ``KEY=a,b``), which take precedence per key.
Either way every key becomes a :class:`Param` checked against the composed config
(:func:`search_space`): it must be a market value (not a config group, not a key the
optimiser sets itself) and both its bounds (or every choice) must pass the schema's checks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import optuna
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import (
    ChoiceSweep,
    IntervalSweep,
    Override,
    OverrideType,
    RangeSweep,
)
from omegaconf import DictConfig, ListConfig, OmegaConf

from agents.params import parse_mix
from agents.pricing.registry import POLICIES
from experiments.campaign.plan import is_group
from experiments.optimise.spec import OPTIMISE_KEYS, RESERVED, SearchSpec
from experiments.overrides import InputError, format_value
from sim.config import ConfigError, validate
from sim.market import apportion

SEARCH_SYNTAX = (
    "KEY=interval(LOW,HIGH), KEY='tag(log,interval(LOW,HIGH))', KEY=range(START,STOP[,STEP]), "
    "KEY=choice(A,B,...) or search={KEY:{low:LOW,high:HIGH}}"
)
"""The search syntax that works, quoted in error messages."""

SPEC_SYNTAX = (
    "{low: LOW, high: HIGH[, step: STEP][, log: true][, type: int|float]} or {choices: [A, B]}"
)


@dataclass(frozen=True)
class Param:
    """One searched market value, checked and typed.

    Attributes:
        key: The dotted config key (also the Optuna parameter name).
        kind: ``float``, ``int`` or ``categorical``.
        low: Lower bound (numbers).
        high: Upper bound, inclusive (numbers).
        step: Grid step, or None for a continuous range.
        log: Sample on a log scale.
        choices: The values of a categorical parameter.
    """

    key: str
    kind: str
    low: float | None = None
    high: float | None = None
    step: float | None = None
    log: bool = False
    choices: tuple[Any, ...] = ()

    def suggest(self, trial: optuna.Trial) -> Any:
        """Ask ``trial`` for this parameter's value."""
        if self.kind == "categorical":
            return trial.suggest_categorical(self.key, list(self.choices))
        if self.kind == "int":
            return trial.suggest_int(
                self.key, int(self.low), int(self.high), step=int(self.step or 1), log=self.log
            )
        return trial.suggest_float(self.key, self.low, self.high, step=self.step, log=self.log)

    def as_dict(self) -> dict[str, Any]:
        """The parameter as plain data (for ``best.json`` and the study's record)."""
        if self.kind == "categorical":
            return {"type": "categorical", "choices": list(self.choices)}
        out: dict[str, Any] = {"type": self.kind, "low": self.low, "high": self.high}
        if self.step is not None:
            out["step"] = self.step
        if self.log:
            out["log"] = True
        return out

    def describe(self) -> str:
        """Short text, e.g. ``pricing.posted.markup in [0.0, 1.5]``."""
        if self.kind == "categorical":
            return f"{self.key} in {{{', '.join(map(format_value, self.choices))}}}"
        extra = [f"step {self.step:g}"] if self.step is not None else []
        extra += ["log scale"] if self.log else []
        tail = f" ({', '.join(extra)})" if extra else ""
        return f"{self.key} in [{self.low:g}, {self.high:g}]{tail}"


def _spec_from_sweep(override: Override) -> dict[str, Any]:
    """The raw spec (``SearchSpec`` fields) of one command-line sweep override.

    Raises:
        InputError: for a sweep the optimiser cannot turn into a search range.
    """
    key, value = override.get_key_element().lstrip("+~"), override.value()
    text = override.input_line
    where = f"{text}: "
    if override.type != OverrideType.CHANGE:
        raise InputError(
            f"{where}write {key}=... (no +, ++ or ~ on a searched key); allowed: {SEARCH_SYNTAX}"
        )
    tags = set(getattr(value, "tags", set()) or set())
    if tags - {"log"}:
        bad = sorted(tags - {"log"})[0]
        raise InputError(
            f"{where}tag {bad!r} is not supported; allowed: tag(log,interval(LOW,HIGH)) or "
            f"tag(log,range(START,STOP))"
        )
    log = "log" in tags
    if isinstance(value, IntervalSweep):
        return {"low": float(value.start), "high": float(value.end), "log": log}
    if isinstance(value, RangeSweep):
        if value.shuffle:
            raise InputError(f"{where}shuffle has no meaning in a search; write range(...)")
        values = list(override.sweep_iterator())
        if not values:
            raise InputError(
                f"{where}the range is empty; allowed: range(START,STOP[,STEP]) "
                "with at least one value (STOP is excluded)"
            )
        step = abs(value.step)
        ints = all(isinstance(v, int) for v in (value.start, value.stop, value.step))
        low, high = min(values), max(values)
        if not ints:
            # Hydra accumulates float steps (0.7000000000000001): snap the end to the grid.
            high = low + round((high - low) / step) * step
        spec = {"low": low, "high": high, "step": step, "log": log}
        return spec | ({"type": "int"} if ints else {})
    if isinstance(value, ChoiceSweep):
        if value.shuffle:
            raise InputError(f"{where}shuffle has no meaning in a search; write choice(...)")
        if log:
            raise InputError(f"{where}tag(log, ...) works on interval and range, not on choices")
        return {"choices": list(value.list)}
    raise InputError(f"{where}this sweep is not supported; allowed: {SEARCH_SYNTAX}")


def split_sweeps(argv: Sequence[str]) -> tuple[list[Override], list[str]]:
    """Split the command line into sweep overrides (the search) and everything else.

    Hydra refuses sweep overrides outside ``-m``, so they are taken out before Hydra sees
    the command line.

    Raises:
        InputError: if an override does not parse (Hydra's grammar), in one line.
    """
    sweeps, rest = [], []
    parser = OverridesParser.create()
    for arg in argv:
        if arg.startswith("-") or "=" not in arg:
            rest.append(arg)
            continue
        try:
            parsed = parser.parse_override(arg)
        except Exception as exc:  # Hydra's grammar errors come in several types
            raise InputError(f"{arg}: {_first_line(exc)}") from None
        if parsed.is_sweep_override():
            sweeps.append(parsed)
        else:
            rest.append(arg)
    return sweeps, rest


def _first_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return lines[0].strip() if lines else type(exc).__name__


def _raw_search(node: Any) -> dict[str, dict[str, Any]]:
    """The ``search`` node as ``{key: {SearchSpec field: value}}``.

    Raises:
        InputError: if the node is not a mapping of mappings with ``SearchSpec`` fields.
    """
    if node is None:
        return {}
    data = OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node
    if not isinstance(data, dict):
        raise InputError(f"search={data!r} is invalid; allowed: {{KEY: {SPEC_SYNTAX}, ...}}")
    allowed = {f.name for f in fields(SearchSpec)}
    out = {}
    for key, spec in data.items():
        if not isinstance(spec, dict) or not spec or set(spec) - allowed:
            raise InputError(f"search.{key}={spec!r} is invalid; allowed: {SPEC_SYNTAX}")
        try:
            typed = OmegaConf.merge(OmegaConf.structured(SearchSpec), spec)
        except Exception as exc:  # OmegaConf's conversion errors come in several types
            raise InputError(
                f"search.{key}={spec!r} is invalid ({_first_line(exc)}); allowed: {SPEC_SYNTAX}"
            ) from None
        out[str(key)] = {k: v for k, v in OmegaConf.to_container(typed).items() if k in spec}
    return out


def _market_leaf(cfg: DictConfig, key: str) -> Any:
    """The composed value of ``key``, which must be a searchable market value.

    Raises:
        InputError: naming the key and what can be searched instead.
    """
    head = key.split(".", 1)[0]
    if head in OPTIMISE_KEYS or head == "hydra":
        raise InputError(
            f"{key} is the optimiser's own setting and takes one value; allowed in a search: "
            "a market value such as pricing.posted.markup"
        )
    if head in RESERVED:
        raise InputError(f"{key} cannot be searched: {RESERVED[head]}")
    if is_group(key):
        compare = (
            "python -m experiments.compare_policies"
            if key == "pricing"
            else f"a sweep, python -m sim.run -m {key}=A,B"
        )
        raise InputError(
            f"{key} is a config group, which cannot be searched; allowed: a market value such "
            f"as pricing.posted.markup (compare {key} options with {compare})"
        )
    value = OmegaConf.select(cfg, key, default=KeyError)
    if value is KeyError or isinstance(value, DictConfig | ListConfig):
        raise InputError(
            f"{key} is not a market value; allowed: a number, true/false or name in "
            "config.yaml such as pricing.posted.markup, customers.wtp_sd or coalition.max_size"
        )
    return value


def _checked(cfg: DictConfig, key: str, value: Any, label: str) -> Any:
    """``value`` set on a copy of ``cfg`` (converted by the schema) and validated.

    Raises:
        InputError: ``label: KEY=VALUE is invalid; allowed: ...`` in one line.
    """
    trial = cfg.copy()
    try:
        OmegaConf.update(trial, key, value, merge=True)
        validate(trial)
    except ConfigError as exc:
        raise InputError(f"{label}: {exc}") from None
    except Exception as exc:  # OmegaConf's conversion errors come in several types
        raise InputError(f"{label}: {key}={value!r} is invalid ({_first_line(exc)})") from None
    return OmegaConf.select(trial, key)


def is_number(value: Any) -> bool:
    """Whether ``value`` is a finite int or float (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _on_grid(low: float, high: float, step: float) -> bool:
    n = (high - low) / step
    return abs(n - round(n)) < 1e-9


def make_param(cfg: DictConfig, key: str, spec: Mapping[str, Any], label: str) -> Param:
    """Check one raw spec against the composed config and type it.

    Args:
        cfg: The composed config (the market the search starts from).
        key: The searched key.
        spec: ``SearchSpec`` fields (from the config or a command-line sweep).
        label: How the user wrote it, to name it in errors.

    Raises:
        InputError: naming the key and what is allowed.
    """
    base = _market_leaf(cfg, key)
    choices = spec.get("choices")
    bounds = {k: spec.get(k) for k in ("low", "high", "step", "type") if spec.get(k) is not None}
    if choices is not None:
        if bounds or spec.get("log"):
            raise InputError(f"{label}: give choices or low/high, not both; allowed: {SPEC_SYNTAX}")
        if not isinstance(choices, list) or not choices:
            raise InputError(f"{label}: choices must be a non-empty list; allowed: {SPEC_SYNTAX}")
        if any(isinstance(c, dict | list) or c is None for c in choices):
            raise InputError(f"{label}: choices must be numbers, true/false or names")
        typed = tuple(_checked(cfg, key, c, label) for c in choices)
        if len({repr(c) for c in typed}) != len(typed):
            raise InputError(f"{label}: choices must be distinct, got {list(typed)}")
        return Param(key, "categorical", choices=typed)
    if not is_number(base):
        raise InputError(
            f"{label}: {key} is {format_value(base)}, not a number; allowed: "
            f"{key}=choice(A,B,...) or search={{{key}:{{choices:[A,B]}}}}"
        )
    low, high, step = spec.get("low"), spec.get("high"), spec.get("step")
    if low is None or high is None:
        raise InputError(f"{label}: low and high are both needed; allowed: {SPEC_SYNTAX}")
    kind = spec.get("type") or ("int" if isinstance(base, int) else "float")
    if kind not in ("int", "float"):
        raise InputError(f"{label}: type={kind!r} is invalid; allowed: int | float")
    if not (is_number(low) and is_number(high)) or low >= high:
        raise InputError(f"{label}: bounds must be numbers with low < high, got {low!r}, {high!r}")
    if step is not None and (not is_number(step) or step <= 0):
        raise InputError(f"{label}: step={step!r} is invalid; allowed: a number > 0")
    log = bool(spec.get("log"))
    if kind == "int":
        if not all(float(v).is_integer() for v in (low, high, step or 1)):
            raise InputError(
                f"{label}: {key} is searched as an integer, so low, high and step must be whole "
                f"numbers, got {low!r}, {high!r}" + (f", {step!r}" if step is not None else "")
            )
        low, high, step = int(low), int(high), (int(step) if step is not None else None)
    else:
        low, high = float(low), float(high)
        step = float(step) if step is not None else None
    if step is not None and not _on_grid(low, high, step):
        raise InputError(
            f"{label}: high - low must be a multiple of step, got {low}..{high} by {step}"
        )
    if log and low <= 0:
        raise InputError(f"{label}: a log scale needs low > 0, got {low}")
    if log and step is not None and not (kind == "int" and step == 1):
        raise InputError(f"{label}: a log scale takes no step (integers: step 1)")
    _checked(cfg, key, low, label)
    _checked(cfg, key, high, label)
    if kind == "int" and step == 1:
        step = None
    return Param(key, kind, low=low, high=high, step=step, log=log)


def policies_in_play(cfg: DictConfig, searched: set[str]) -> list[str]:
    """Pricing policies some seller uses (every policy of the mix if ``sellers.n`` varies).

    Args:
        cfg: The composed config.
        searched: The searched keys.
    """
    mix = OmegaConf.to_container(cfg.pricing.mix, resolve=True)
    if "sellers.n" in searched:
        return sorted(parse_mix(mix))
    return sorted(set(apportion(int(cfg.sellers.n), mix)))


def search_space(
    cfg: DictConfig, sweeps: Sequence[Override], market: Sequence[str] = ()
) -> tuple[Param, ...]:
    """The checked search space: the config's ``search`` node, then the command-line sweeps.

    Args:
        cfg: The composed ``optimise`` config.
        sweeps: Sweep overrides taken from the command line.
        market: The plain market overrides of the command line (a searched key may not be
            set there too).

    Raises:
        InputError: naming the first bad key; also when the space is empty.
    """
    raw: dict[str, tuple[dict[str, Any], str]] = {
        key: (spec, f"search.{key}") for key, spec in _raw_search(cfg.get("search")).items()
    }
    for o in sweeps:
        key = o.get_key_element().lstrip("+~")
        raw[key] = (_spec_from_sweep(o), o.input_line)
    if not raw:
        raise InputError(
            "the search space is empty; give it on the command line, e.g. "
            "'pricing.posted.markup=interval(0.0,1.5)', or in the config: "
            "search={pricing.posted.markup:{low:0.0,high:1.5}}"
        )
    set_keys = {o.split("=", 1)[0].lstrip("+~") for o in market}
    params = []
    for key, (spec, label) in raw.items():
        if key in set_keys:
            given = next(o for o in market if o.split("=", 1)[0].lstrip("+~") == key)
            raise InputError(f"{given} cannot be given here: {key} is searched ({label})")
        params.append(make_param(cfg, key, spec, label))
    in_play = policies_in_play(cfg, set(raw))
    for p in params:
        parts = p.key.split(".")
        # A policy's parameters change nothing unless some seller uses the policy.
        if parts[0] == "pricing" and len(parts) > 2 and parts[1] in set(POLICIES) - set(in_play):
            raise InputError(
                f"{p.key} has no effect: no seller uses {parts[1]} "
                f"(pricing.mix={format_value(list(cfg.pricing.mix))}); allowed: a parameter "
                f"of a policy in play: {' | '.join(in_play)}"
            )
    return tuple(params)
