"""Planning a campaign: the base market composed once, every run derived from it.

Hydra composes the base market once per combination of config-group choices the campaign
varies (usually once); every run's config is that base as plain data with the design
point's values, the arm's values and the seed set on it. Its id is the hash of that
resolved model config (:func:`sim.results.identity.config_hash`), the same hash
``python -m sim.run`` writes in a run's ``manifest.json`` for the same settings. Values are
checked once per distinct value, not once per run, so planning 10,000 runs takes seconds.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pandas as pd
from hydra import compose
from omegaconf import DictConfig, OmegaConf

from agents.params import ConfigError
from experiments.campaign.design import SPEC_FIELDS, Design, make_design, resolve_parameter
from experiments.campaign.spec import CAMPAIGN_KEYS
from experiments.overrides import format_value, hydra_context
from sim.config import CONFIG_DIR, Config, validate
from sim.results.identity import config_hash

#: Keys of the run config (what a run's identity is computed over, minus ``output``).
MARKET_KEYS = tuple(f.name for f in fields(Config))

#: Market keys a campaign sets itself.
RESERVED = {"seed": "campaign.seeds and campaign.first_seed", "output": "nothing (not data)"}


@dataclass(frozen=True)
class RunTask:
    """One planned run: its place in the plan, its identity and its whole config."""

    index: int
    run_id: str
    point: int
    seed: int
    #: The varied values (design parameters, then arms) as they appear in ``runs.parquet``.
    values: Mapping[str, Any]
    config: Mapping[str, Any]


@dataclass(frozen=True)
class Plan:
    """Every run of a campaign, in plan order (point, arm, seed)."""

    design: Design
    arms: tuple[str, ...]
    tasks: tuple[RunTask, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """The varied keys: design parameters, then arm keys."""
        return tuple(p.key for p in self.design.parameters) + self.arms

    def frame(self) -> pd.DataFrame:
        """One row per run: ``index``, ``run_id``, ``point``, varied keys, ``seed``."""
        rows = [
            {"index": t.index, "run_id": t.run_id, "point": t.point, **t.values, "seed": t.seed}
            for t in self.tasks
        ]
        return typed_frame(rows, ("index", "run_id", "point", *self.columns, "seed"))


def typed_frame(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A frame with ``columns`` (in that order); list/dict cells as JSON text."""
    frame = pd.DataFrame(list(rows), columns=list(columns))
    for col in frame.columns:
        if frame[col].map(lambda v: isinstance(v, list | dict)).any():
            frame[col] = frame[col].map(json.dumps)
    return frame


def flatten(node: Any, is_leaf: Any, prefix: str = "") -> dict[str, Any]:
    """``{dotted key: leaf}`` of a mapping whose keys may be dotted or nested."""
    out: dict[str, Any] = {}
    for key, value in node.items():
        path = f"{prefix}{key}"
        if is_leaf(value) or not isinstance(value, Mapping):
            out[path] = value
        else:
            out |= flatten(value, is_leaf, f"{path}.")
    return out


def _is_spec(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(set(value) & set(SPEC_FIELDS))


def market_config(cfg: DictConfig) -> dict[str, Any]:
    """The resolved run config of a composed config (campaign keys and Hydra's node dropped)."""
    data = OmegaConf.to_container(cfg, resolve=True)
    return {k: data[k] for k in MARKET_KEYS if k in data}


def is_group(key: str) -> bool:
    """Whether ``key`` names a config group (``pricing``, ``network``...), not a value."""
    return "." not in key and (Path(CONFIG_DIR) / key).is_dir()


def _leaf(cfg: DictConfig, key: str) -> Any:
    head = key.split(".", 1)[0]
    if head in CAMPAIGN_KEYS or head == "hydra" or head in RESERVED:
        allowed = RESERVED.get(head, "a market key such as coalition.max_size")
        raise ConfigError(f"campaign varies {key!r}, which is set by {allowed}")
    value = OmegaConf.select(cfg, key, default=KeyError)
    if value is KeyError or isinstance(value, DictConfig):
        raise ConfigError(
            f"campaign varies {key!r}, which is not a market value; allowed: a key of "
            "config.yaml such as customers.wtp_sd or coalition.max_size, or a config group"
        )
    return value


def _check_value(cfg: DictConfig, key: str, value: Any) -> Any:
    """``value`` set on a copy of ``cfg`` (type-converted by the schema) and validated."""
    trial = cfg.copy()
    try:
        OmegaConf.update(trial, key, value, merge=True)
        validate(trial)
    except ConfigError:
        raise
    except Exception as exc:  # OmegaConf's conversion errors come in several types
        raise ConfigError(f"{key}={value!r} is invalid: {str(exc).splitlines()[0]}") from None
    return OmegaConf.select(trial, key)


def _set(config: dict[str, Any], key: str, value: Any) -> None:
    """Set a dotted key, copying the dicts on its path (the rest is shared with the base)."""
    node = config
    *path, last = key.split(".")
    for part in path:
        node[part] = dict(node[part])
        node = node[part]
    node[last] = value


def compose_market(config_name: str, overrides: Sequence[str]) -> DictConfig:
    """Compose ``configs/<config_name>.yaml`` with ``overrides`` (Hydra's compose API)."""
    with hydra_context():
        return compose(config_name=config_name, overrides=list(overrides))


def make_plan(
    cfg: DictConfig,
    *,
    config_name: str = "run_campaign",
    overrides: Sequence[str] = (),
) -> Plan:
    """Every run of the campaign ``cfg`` (a composed ``run_campaign`` config).

    Args:
        cfg: The composed campaign config: the base market plus the ``campaign`` node.
        config_name: The config it was composed from (to compose arms that choose a
            config group, e.g. ``arms: {pricing: [posted, threshold]}``).
        overrides: The command-line overrides it was composed with (same purpose).

    Raises:
        ConfigError: naming the campaign key or market value that cannot be planned.
    """
    spec = cfg.campaign
    if spec.seeds < 1:
        raise ConfigError(f"campaign.seeds={spec.seeds} is invalid; allowed: an integer >= 1")
    validate(cfg)
    params = []
    specs = flatten(OmegaConf.to_container(spec.parameters, resolve=True), _is_spec)
    arms = flatten(OmegaConf.to_container(spec.arms, resolve=True), lambda v: isinstance(v, list))
    for key, pspec in specs.items():
        if is_group(key):
            raise ConfigError(
                f"campaign.parameters.{key} is a config group; allowed: put it in "
                f"campaign.arms ({key}: [option, ...])"
            )
        base_value = _leaf(cfg, key)
        kind = type(base_value) if isinstance(base_value, int | float) else str
        p = resolve_parameter(key, pspec, kind)
        params.append(p)
    design = make_design(
        spec.design,
        tuple(params),
        samples=spec.samples,
        second_order=spec.second_order,
        levels=spec.levels,
        seed=spec.design_seed,
    )
    # Listed values are checked (and typed by the schema) one by one; a sampled parameter
    # only at its bounds, since every sample lies between them: so checking costs per
    # parameter, not per run.
    converted: dict[tuple[str, str], Any] = {}
    for p in params:
        if p.values is not None:
            for v in dict.fromkeys(p.values):
                converted[(p.key, repr(v))] = _check_value(cfg, p.key, v)
            continue
        kind = type(_check_value(cfg, p.key, p.cast(p.bounds()[0])))
        _check_value(cfg, p.key, p.cast(p.bounds()[1]))
        for point in design.values:
            v = point[p.key]
            converted.setdefault((p.key, repr(v)), kind(v))
    arm_keys = tuple(arms)
    arm_values = []
    for key in arm_keys:
        values = arms[key]
        if not isinstance(values, list) or not values:
            raise ConfigError(
                f"campaign.arms.{key}={values!r} is invalid; allowed: a non-empty list"
            )
        if not is_group(key):
            _leaf(cfg, key)
            values = [_check_value(cfg, key, v) for v in values]
        arm_values.append(values)
    bases: dict[tuple[Any, ...], dict[str, Any]] = {}
    user = [o for o in overrides if o.split("=", 1)[0].lstrip("+~") not in arm_keys]

    def base_config(arm: tuple[Any, ...]) -> dict[str, Any]:
        groups = tuple((k, v) for k, v in zip(arm_keys, arm, strict=True) if is_group(k))
        if groups not in bases:
            if groups:
                extra = [f"{k}={format_value(v)}" for k, v in groups]
                try:
                    composed = compose_market(config_name, [*user, *extra])
                except Exception as exc:
                    k, v = groups[0]
                    raise ConfigError(
                        f"campaign.arms.{k} has {v!r}, which cannot be composed: "
                        f"{str(exc).splitlines()[0]}"
                    ) from None
                validate(composed)
            else:
                composed = cfg
            bases[groups] = market_config(composed)
        return bases[groups]

    seeds = range(spec.first_seed, spec.first_seed + spec.seeds)
    tasks = []
    for point, values in enumerate(design.values):
        typed = {k: converted[(k, repr(v))] for k, v in values.items()}
        for arm in itertools.product(*arm_values):
            template = base_config(arm)
            for seed in seeds:
                # Runs share the base's unchanged nodes: configs are read, never mutated.
                config = dict(template)
                for k, v in typed.items():
                    _set(config, k, v)
                for k, v in zip(arm_keys, arm, strict=True):
                    if not is_group(k):
                        _set(config, k, v)
                config["seed"] = seed
                tasks.append(
                    RunTask(
                        index=len(tasks),
                        run_id=config_hash(config),
                        point=point,
                        seed=seed,
                        values={**typed, **dict(zip(arm_keys, arm, strict=True))},
                        config=config,
                    )
                )
    return Plan(design=design, arms=arm_keys, tasks=tuple(tasks))
