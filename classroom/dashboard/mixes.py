"""Pricing mixes the dashboard offers, read from the pricing options of ``configs/pricing``.

A pricing option is a file ``configs/pricing/NAME.yaml``: most hold the ``pricing`` node
(``mix`` and policy parameters), a few are ``# @package _global_`` files that also override
another config group (``threshold`` and ``crowdfunding`` select
``coalition=threshold_pledge``). Reading the files directly, rather than composing with
Hydra per click, keeps a preset or a Reset instant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from sim.config import CONFIG_DIR, PricingConfig, mix_to_list, parse_mix

_GLOBAL_PACKAGE = "@package _global_"


@dataclass(frozen=True)
class PricingMix:
    """A market's pricing: the policies' shares of sellers and what else they set.

    Attributes:
        label: Name shown in the mix selector.
        options: The pricing options (``configs/pricing`` file names) combined.
        mix: The ``pricing.mix`` list (``policy:share`` entries).
        overrides: Config nodes the options set besides ``pricing.mix`` (e.g.
            ``{"coalition": {"algorithm": "threshold_pledge"}}``).
    """

    label: str
    options: tuple[str, ...]
    mix: tuple[str, ...]
    overrides: dict[str, Any] = field(default_factory=dict)


def _load(path: Path) -> dict[str, Any]:
    data = OmegaConf.to_container(OmegaConf.load(path), resolve=True)
    return dict(data) if isinstance(data, dict) else {}


def read_option(name: str, config_dir: Path | str = CONFIG_DIR) -> tuple[dict[str, float], dict]:
    """One pricing option: its policies' shares (summing to 1) and its other overrides.

    Args:
        name: A file name (without ``.yaml``) of ``configs/pricing``.
        config_dir: The ``configs`` folder.

    Returns:
        ``(shares, overrides)``; ``overrides`` holds nested config nodes.

    Raises:
        FileNotFoundError: if there is no such option.
    """
    root = Path(config_dir)
    path = root / "pricing" / f"{name}.yaml"
    data = _load(path)
    overrides: dict[str, Any] = {}
    if _GLOBAL_PACKAGE in path.read_text(encoding="utf-8"):
        for entry in data.pop("defaults", []):
            for key, option in entry.items() if isinstance(entry, dict) else ():
                group = key.removeprefix("override").strip().strip("/")
                overrides[group] = _load(root / group / f"{option}.yaml")
        pricing = dict(data.pop("pricing", {}) or {})
        overrides |= data
    else:
        pricing = data
    shares = parse_mix(pricing.pop("mix", None) or PricingConfig().mix, f"pricing/{name}.mix")
    if pricing:
        overrides["pricing"] = pricing
    total = sum(shares.values()) or 1.0
    return {k: v / total for k, v in shares.items()}, overrides


def combine(options: tuple[str, ...], label: str | None = None) -> PricingMix:
    """Options in equal shares of sellers, as one market's pricing.

    Overrides merge in order, so where two options set the same key (the first- and
    second-price auction formats) the later one holds: one market has one format.
    """
    shares: dict[str, float] = {}
    merged = OmegaConf.create({})
    for name in options:
        part, overrides = read_option(name)
        for policy, share in part.items():
            shares[policy] = shares.get(policy, 0.0) + share / len(options)
        merged = OmegaConf.merge(merged, overrides)
    return PricingMix(
        label=label or " + ".join(o.replace("_", " ") for o in options),
        options=tuple(options),
        mix=tuple(mix_to_list({k: round(v, 4) for k, v in shares.items()})),
        overrides=OmegaConf.to_container(merged),
    )


#: The named mixes of the selector, in its order: label -> pricing options.
NAMED_OPTIONS: dict[str, tuple[str, ...]] = {
    "posted + volume discount": ("mixed",),
    "posted only": ("posted",),
    "volume discount only": ("volume_discount",),
    "personalised + posted": ("personalised", "posted"),
    "negotiated group deals": ("negotiated",),
    "threshold deals": ("threshold",),
    "crowdfunding": ("crowdfunding",),
    "reverse auction": ("reverse_auction",),
    "reverse auction, first price": ("reverse_auction_first",),
    "customer-first vs short-term": ("archetypes",),
}

#: The default mix (the schema's: half posted, half volume discount).
DEFAULT_MIX = "posted + volume discount"

MIXES: dict[str, PricingMix] = {k: combine(v, k) for k, v in NAMED_OPTIONS.items()}


def mix_for(options: tuple[str, ...]) -> PricingMix:
    """The mix of these options: a named one that sets the same, else added under a new label.

    Compared by what the mix sets, not by name: the auctions scenario's first- and
    second-price options make one first-price market, which is a named mix already.
    """
    m = combine(tuple(options))
    for named in MIXES.values():
        if (named.mix, named.overrides) == (m.mix, m.overrides):
            return named
    return MIXES.setdefault(m.label, m)
