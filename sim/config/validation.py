"""Value checks of a composed config, and merging user values onto the schema.

Hydra/OmegaConf check *types* when overrides are merged onto the schema; :func:`validate`
checks *values* against the bounds declared on the schema's fields
(:func:`agents.params.check_fields`) plus the rules that span nodes, and raises
:class:`~agents.params.ConfigError` with a one-line message that names the key and what is
allowed.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import fields
from functools import cache
from typing import Any

from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import ConfigKeyError

from agents.params import ConfigError, check_fields, fail, mix_to_list
from sim.config.memory import check_memory
from sim.config.schema import NODE_SCHEMAS, Config

#: Nodes whose values are mixes (a mapping ``{name: share}`` is accepted for them).
MIX_KEYS = {"pricing": ("mix",), "negotiation": ("buyer_tactics", "seller_tactics")}


def validate(cfg: Any) -> None:
    """Check every value of a composed config (or of the model nodes) against its bounds.

    Args:
        cfg: A DictConfig with the nodes of :class:`~sim.config.schema.Config` (missing
            nodes are skipped).

    Last, a config with the nodes a run's size depends on is checked against the memory
    available (:func:`sim.config.memory.check_memory`).

    Raises:
        ConfigError: naming the first offending key and what is allowed.
    """
    get = cfg.get
    check_fields(cfg, Config, "", only=[k for k in ("seed", "steps") if get(k) is not None])
    for name, schema in NODE_SCHEMAS.items():
        node = get(name)
        if node is not None:
            check_fields(node, schema, name)
    p, s = get("products"), get("sellers")
    if p is not None and s is not None and s.products_per_seller > p.n:
        fail(
            "sellers.products_per_seller",
            s.products_per_seller,
            f"an integer in [1, products.n={p.n}]",
        )
    check_memory(cfg)


def resolve(seed: Any = 0, steps: Any = 100, **nodes: Any) -> DictConfig:
    """The model's config: ``seed``, ``steps`` and every node merged onto its schema, checked.

    Args:
        seed: The run's seed.
        steps: Number of steps.
        **nodes: Node values by name (dict, DictConfig or dataclass; missing: defaults).

    Raises:
        ConfigError: on an unknown node or key, a wrong type or a value out of range.
    """
    unknown = sorted(set(nodes) - set(NODE_SCHEMAS))
    if unknown:
        fail(unknown[0], nodes[unknown[0]], " | ".join(NODE_SCHEMAS))
    resolved = {"seed": seed, "steps": steps}
    resolved |= {name: _merged(name, nodes.get(name)) for name in NODE_SCHEMAS}
    cfg = OmegaConf.create(resolved)
    validate(cfg)
    return cfg


@cache
def _template(name: str) -> DictConfig:
    """The defaults of node ``name`` (built once: ``OmegaConf.structured`` costs ~2 ms)."""
    return OmegaConf.structured(NODE_SCHEMAS[name])


def to_node(name: str, value: Any) -> DictConfig:
    """Merge a user value (dict, DictConfig, dataclass or None) onto a node's schema.

    Returns a node of its own (never ``value`` itself).

    Raises:
        ConfigError: if the value has an unknown key or a value of the wrong type.
    """
    node = _merged(name, value)
    return copy.deepcopy(node) if node is value or node is _template(name) else node


def _merged(name: str, value: Any) -> DictConfig:
    """:func:`to_node`, except that it may return ``value`` or the shared defaults.

    ``resolve`` copies every node into its config anyway, so it skips :func:`to_node`'s copy.
    """
    if value is None:
        return _template(name)
    if isinstance(value, DictConfig) and OmegaConf.get_type(value) is NODE_SCHEMAS[name]:
        # A node already typed by its schema (as Hydra composes it) holds every key with a
        # checked type: merging it onto the schema again would give the same node, at ~3 ms.
        return value
    if isinstance(value, Mapping) and not isinstance(value, DictConfig):
        value = {
            k: mix_to_list(v) if k in MIX_KEYS.get(name, ()) and isinstance(v, Mapping) else v
            for k, v in value.items()
        }
    try:
        if not isinstance(value, DictConfig):
            value = OmegaConf.create(
                value if isinstance(value, dict) else OmegaConf.structured(value)
            )
        return OmegaConf.merge(_template(name), value)  # merge copies its inputs
    except ConfigKeyError as exc:
        raise ConfigError(
            unknown_key_of(exc, prefix=name) or f"{name}: {_first_line(exc)}"
        ) from None
    except Exception as exc:  # OmegaConf raises several types; report them uniformly
        raise ConfigError(f"{name}: {_first_line(exc)}") from None


def unknown_key(key: str, allowed: Iterable[str]) -> str:
    """The one-line message for a key that is not in the config.

    Args:
        key: The full dotted key, e.g. ``customers.nn``.
        allowed: The keys its node has.
    """
    return f"{key} is not a config key; allowed: {', '.join(allowed)}"


def unknown_key_of(exc: BaseException, prefix: str = "") -> str | None:
    """:func:`unknown_key` for OmegaConf's ``Key 'nn' not in 'CustomersConfig'``, else None.

    Args:
        exc: An exception raised by OmegaConf when a key is not in a typed node.
        prefix: The node's own key when OmegaConf's ``full_key`` is relative to it.
    """
    schema = getattr(exc, "object_type", None)
    key = getattr(exc, "full_key", None)
    if not (key and isinstance(schema, type) and dataclasses.is_dataclass(schema)):
        return None
    if "not in" not in str(exc):
        return None
    return unknown_key(f"{prefix}.{key}" if prefix else key, [f.name for f in fields(schema)])


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def command_schema(schema: type) -> DictConfig:
    """``schema`` (a subclass of :class:`Config`) with every run-config field left MISSING.

    A command's config lists it after ``config`` in its defaults: merging it types the
    command's own keys while the MISSING values keep the market values ``config`` chose.
    """
    node = OmegaConf.structured(schema)
    for f in fields(Config):
        node[f.name] = MISSING
    return node
