"""Parameter dataclasses that carry their allowed values, and the one check that reads them.

A pricing policy's parameters and the config schemas of ``sim.config`` declare every bound
once, beside its default, with :func:`number`, :func:`probability`, :func:`integer`,
:func:`choice`, :func:`names` and :func:`mix`. :func:`check_fields` reads those bounds from
the field metadata and raises :class:`ConfigError` with the one line a user sees
(``key=value is invalid; allowed: ...``); a dataclass adds rules that span several fields
in a ``checks(node, key)`` static method. Nothing else repeats a range.

A *mix* (policy shares, tactic shares) is written as a list ``["name", "name:share", ...]``
so that a command-line override replaces it whole; :func:`parse_mix` reads it.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from typing import Any, NoReturn

# Upper bounds shared by many fields. A value that sizes an array, a table or a loop has a
# finite bound, so that a typo (``steps=10000000000``) fails in one line before anything is
# built; how much memory a run needs overall is estimated by ``sim.config.memory``.

#: Most steps a run takes; a duration in steps is capped likewise (a longer one never ends).
MAX_STEPS = 10**6
#: Most units an order, a threshold or a campaign goal counts (coalition units are int32).
MAX_UNITS = 10**9
#: Largest multiplier, markup or spread (a price is a cost or a reference price times one).
MAX_FACTOR = 1000.0
#: Largest absolute price or cost.
MAX_PRICE = 1e9
#: Largest spread of a log-normal error (``exp(noise * z)`` stays finite).
MAX_NOISE = 10.0


class ConfigError(ValueError):
    """A configuration value is outside what the model accepts (a one-line message)."""


def fail(key: str, got: Any, allowed: str) -> NoReturn:
    """Raise the standard one-line error for ``key``."""
    raise ConfigError(f"{key}={got!r} is invalid; allowed: {allowed}")


# ---------------------------------------------------------------------------- declaring


def number(
    default: float, *, ge: float | None = None, gt: float | None = None, le: float = math.inf
) -> Any:
    """A finite real parameter in ``[ge, le]`` or ``(gt, le]`` (give exactly one lower bound)."""
    if (ge is None) == (gt is None):
        raise TypeError("number() needs exactly one of ge= or gt=")
    lower = {"ge": float(ge)} if ge is not None else {"gt": float(gt)}
    return field(default=default, metadata={**lower, "le": float(le)})


def probability(default: float) -> Any:
    """A real parameter in ``[0, 1]``."""
    return number(default, ge=0.0, le=1.0)


def integer(default: int, *, ge: int, le: int | None = None) -> Any:
    """An integer parameter ``>= ge`` (and ``<= le`` if given)."""
    meta: dict[str, Any] = {"int_ge": int(ge)}
    if le is not None:
        meta["int_le"] = int(le)
    return field(default=default, metadata=meta)


def choice(default: str, options: Sequence[str]) -> Any:
    """A name from ``options`` (the tuple owned by the module that implements them)."""
    return field(default=default, metadata={"choices": tuple(options)})


def names(default: Callable[[], list[str]], options: Sequence[str]) -> Any:
    """A list whose every entry is one of ``options``."""
    return field(default_factory=default, metadata={"each_in": tuple(options)})


def mix(default: Callable[[], list[str]], options: Sequence[str]) -> Any:
    """A non-empty ``[name, name:share, ...]`` list over ``options`` (see :func:`parse_mix`)."""
    return field(default_factory=default, metadata={"mix_of": tuple(options)})


# ---------------------------------------------------------------------------- mixes


def parse_mix(items: Any, key: str = "mix") -> dict[str, float]:
    """Read a mix written as ``["name", "name:share", ...]`` (a missing share means 1).

    A mix is a list so that a command-line override replaces it whole, e.g.
    ``negotiation.buyer_tactics=[rubinstein]`` or ``pricing.mix=[posted:1,volume_discount:3]``.
    A mapping ``{name: share}`` is accepted too.

    Raises:
        ConfigError: on a malformed entry, a negative share or a repeated name.
    """
    if isinstance(items, Mapping):
        return {str(k): float(v) for k, v in items.items()}
    out: dict[str, float] = {}
    for item in items or []:
        name, sep, share = str(item).partition(":")
        try:
            value = float(share) if sep else 1.0
        except ValueError:
            value = math.nan
        if not name or not math.isfinite(value) or value < 0 or name in out:
            fail(key, list(items), "a list of distinct name or name:share entries, shares >= 0")
        out[name] = value
    return out


def mix_to_list(shares: Mapping[str, float]) -> list[str]:
    """Write a ``{name: share}`` mapping as the list form of :func:`parse_mix`."""
    return [f"{k}:{float(v):g}" for k, v in shares.items()]


# ---------------------------------------------------------------------------- checking


def is_real(v: Any) -> bool:
    """Whether ``v`` is a finite int or float (not a bool)."""
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _check_number(key: str, v: Any, meta: Mapping[str, Any]) -> None:
    hi = meta["le"]
    if "gt" in meta:
        lo, ok_lo, left = meta["gt"], is_real(v) and v > meta["gt"], "("
    else:
        lo, ok_lo, left = meta["ge"], is_real(v) and v >= meta["ge"], "["
    if not (ok_lo and v <= hi):
        right = "inf)" if hi == math.inf else f"{hi}]"
        fail(key, v, f"a number in {left}{lo}, {right}")


def _check_integer(key: str, v: Any, meta: Mapping[str, Any]) -> None:
    lo, hi = meta["int_ge"], meta.get("int_le")
    ok = isinstance(v, int) and not isinstance(v, bool) and v >= lo and (hi is None or v <= hi)
    if not ok:
        fail(key, v, f"an integer >= {lo}" if hi is None else f"an integer in [{lo}, {hi}]")


def _check_mix(key: str, items: Any, allowed: Sequence[str]) -> None:
    shares = parse_mix(items, key)
    if not shares:
        fail(key, dict(shares), f"a non-empty map of {' | '.join(allowed)} to shares")
    for name in shares:
        if name not in allowed:
            fail(f"{key}.{name}", name, " | ".join(allowed))
    if not 0 < sum(shares.values()) < math.inf:
        fail(key, dict(shares), "shares that sum to a finite number > 0")


def check_fields(node: Any, schema: type, key: str, only: Sequence[str] | None = None) -> None:
    """Check every bounded field of ``node`` against the metadata of dataclass ``schema``.

    Nested dataclass fields are checked recursively; a ``checks(node, key)`` static method of
    ``schema`` runs last, for rules that span several fields.

    Args:
        node: The values: an instance of ``schema``, or a config node with its fields
            (attribute access).
        schema: The dataclass that declares the fields and bounds.
        key: Dotted path of ``node`` in the config, for messages (``"pricing.posted"``).
        only: Check just these fields (and skip ``checks``); default: all.

    Raises:
        ConfigError: naming the first offending key and what is allowed.
    """
    hints = _type_hints(schema)
    for f in dataclasses.fields(schema):
        if only is not None and f.name not in only:
            continue
        name = f"{key}.{f.name}" if key else f.name
        meta = f.metadata
        sub = hints.get(f.name)
        nested = isinstance(sub, type) and dataclasses.is_dataclass(sub)
        if not meta and not nested:
            continue  # typed by the schema, nothing to bound (and maybe a MISSING value)
        value = getattr(node, f.name)
        if "le" in meta:
            _check_number(name, value, meta)
        elif "int_ge" in meta:
            _check_integer(name, value, meta)
        elif "choices" in meta:
            if value not in meta["choices"]:
                fail(name, value, " | ".join(meta["choices"]))
        elif "each_in" in meta:
            for item in value:
                if item not in meta["each_in"]:
                    fail(name, item, " | ".join(meta["each_in"]))
        elif "mix_of" in meta:
            _check_mix(name, value, sorted(meta["mix_of"]))
        elif nested and value is not None:
            check_fields(value, sub, name)
    extra = getattr(schema, "checks", None)
    if extra is not None and only is None:
        extra(node, key)


@functools.cache
def _type_hints(schema: type) -> dict[str, Any]:
    """Resolved annotations of ``schema`` (modules here postpone them as strings)."""
    return typing.get_type_hints(schema)
