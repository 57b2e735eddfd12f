"""Checking what people type: names, offers and rules, with one clear message per problem.

Every check raises :class:`InputError` naming the field and what is allowed; the web layer
shows that message in the page and changes nothing.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from agents.pricing.offer import OfferParams
from classroom.game.rules import RULE_BOUNDS, GameRules

MAX_NAME = 24
#: Longest order a volume tier or threshold deal may require (customers buy a few units;
#: coalitions up to a few hundred).
MAX_MIN_QUANTITY = 1000
MAX_DISCOUNT = 0.9


class InputError(ValueError):
    """A value someone typed is not allowed; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def display_name(raw: Any, taken: set[str]) -> str:
    """A clean display name: 1 to 24 printable characters, unique in the room (any case).

    Raises:
        InputError: if empty, too long, not printable or already taken.
    """
    name = unicodedata.normalize("NFC", str(raw if raw is not None else "")).strip()
    name = " ".join(name.split())
    if not name:
        raise InputError("name", "please type a name (1 to 24 characters)")
    if len(name) > MAX_NAME:
        raise InputError("name", f"too long ({len(name)} characters); allowed: 1 to {MAX_NAME}")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise InputError("name", "only printable characters are allowed")
    if name.casefold() in taken:
        raise InputError("name", f"{name!r} is taken in this room; pick another name")
    return name


def _number(form: Mapping[str, Any], key: str, low: float, high: float, default: Any) -> float:
    raw = form.get(key, default)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if default is None:
            raise InputError(key, f"missing; allowed: a number from {low:g} to {high:g}")
        raw = default
    if isinstance(raw, bool):
        raise InputError(key, f"{raw!r} is not a number; allowed: {low:g} to {high:g}")
    try:
        value = float(str(raw).strip().replace(",", ".")) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        raise InputError(
            key, f"{str(raw)[:20]!r} is not a number; allowed: {low:g} to {high:g}"
        ) from None
    if not math.isfinite(value) or not low <= value <= high:
        raise InputError(key, f"{value:g} is out of range; allowed: {low:g} to {high:g}")
    return value


def _integer(form: Mapping[str, Any], key: str, low: int, high: int, default: Any) -> int:
    value = _number(form, key, low, high, default)
    if value != int(value):
        raise InputError(key, f"{value:g} is not a whole number; allowed: {low} to {high}")
    return int(value)


def _discount(form: Mapping[str, Any], key: str) -> float:
    """A discount typed as a share (0.1) or a percentage (10 or 10%)."""
    raw = form.get(key, 0.0)
    text = str(raw).strip() if raw is not None else ""
    allowed = f"0 to {100 * MAX_DISCOUNT:g}% (e.g. 10 or 10% or 0.1)"
    if not text:
        return 0.0
    percent = text.endswith("%")
    try:
        value = float(text.rstrip("%").strip().replace(",", "."))
    except ValueError:
        raise InputError(key, f"{text[:20]!r} is not a number; allowed: {allowed}") from None
    if isinstance(raw, bool) or not math.isfinite(value):
        raise InputError(key, f"{text[:20]!r} is not allowed; allowed: {allowed}")
    if percent or value >= 1:
        value /= 100
    if not 0 <= value <= MAX_DISCOUNT:
        raise InputError(key, f"{text[:20]} is out of range; allowed: {allowed}")
    return value


def _flag(form: Mapping[str, Any], key: str, default: bool = False) -> bool:
    raw = form.get(key, default)
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "on", "1", "yes"):
        return True
    if text in ("false", "off", "0", "no", ""):
        return False
    raise InputError(key, f"{str(raw)[:20]!r} is not allowed; allowed: on or off")


def offer(form: Mapping[str, Any], rules: GameRules) -> OfferParams:
    """A student's offer from a submitted form.

    ``price`` is required (``rules.floor`` to ``rules.ceiling``); a volume tier and a
    threshold deal are optional (a minimum quantity of 0 or empty means none, and then the
    discount is ignored; a discount is a share, 0.1, or a percentage, 10 or 10%);
    ``personalised`` only if the lesson allows it.

    Raises:
        InputError: for the first field that is missing or out of range.
    """
    price = _number(form, "price", rules.floor, rules.ceiling, None)
    tier_q = _integer(form, "tier_quantity", 0, MAX_MIN_QUANTITY, 0)
    tier_d = _discount(form, "tier_discount") if tier_q else 0.0
    deal_q = _integer(form, "deal_min_quantity", 0, MAX_MIN_QUANTITY, 0)
    deal_d = _discount(form, "deal_discount") if deal_q else 0.0
    personalised = _flag(form, "personalised")
    if personalised and not rules.allow_personalised:
        raise InputError("personalised", "not allowed in this lesson; allowed: off")
    return OfferParams(
        price=round(price, 2),
        tier_quantity=tier_q,
        tier_discount=round(tier_d, 4),
        deal_min_quantity=deal_q,
        deal_discount=round(deal_d, 4),
        personalised=personalised,
    )


def rules(form: Mapping[str, Any]) -> GameRules:
    """Game rules from the teacher's form; missing fields take their defaults.

    Raises:
        InputError: for an unknown field or the first value out of range.
    """
    known = {f.name: f for f in fields(GameRules)}
    unknown = sorted(set(form) - set(known))
    if unknown:
        raise InputError(unknown[0], f"unknown setting; allowed: {', '.join(known)}")
    values: dict[str, Any] = {}
    defaults = GameRules()
    for name in known:
        default = getattr(defaults, name)
        bound = RULE_BOUNDS.get(name)
        if isinstance(default, bool):
            values[name] = _flag(form, name, default)
        elif isinstance(bound, tuple) and bound and isinstance(bound[0], str):
            raw = str(form.get(name, default))
            if raw not in bound:
                raise InputError(name, f"{raw[:20]!r} is not allowed; allowed: {' | '.join(bound)}")
            values[name] = raw
        elif isinstance(default, int):
            values[name] = _integer(form, name, bound[0], bound[1], default)
        else:
            values[name] = _number(form, name, bound[0], bound[1], default)
    return GameRules(**values)
