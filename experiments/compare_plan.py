"""Planning a policy comparison: command-line checks, the comparison as a campaign, reruns.

The command line of ``python -m experiments.compare_policies`` mixes the comparison's own
keys (``policies``, ``seeds``, ``vary``, ...) with market overrides. This module splits them
(:func:`split_overrides`), checks them before Hydra creates any folder (:func:`preflight`),
states the comparison as a campaign (:func:`campaign_config`: the policies are an arm of
``pricing`` options, the varied keys a grid design, on the same seeds) so that the campaign
engine plans it, runs each distinct config once, resumes and runs on any executor, and
writes for every planned run the ``python -m sim.run`` command that reproduces it exactly
(:func:`reproduction_commands`).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from hydra import compose
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf

from experiments.campaign.plan import Plan, compose_market, flatten, market_config
from experiments.campaign.spec import CampaignSpec
from experiments.compare_config import COMPARE_KEYS
from experiments.overrides import InputError, format_value, hydra_context, override_key
from sim.cli.preflight import check_overrides, one_line
from sim.config import CONFIG_DIR
from sim.results.identity import config_hash

# --------------------------------------------------------------------------- overrides


RESERVED = {
    "seed": "it is set for each run; use seeds=K (runs use seeds 0..K-1)",
    "pricing": "it is set for each run; list the policies with policies=[a,b,...]",
    "pricing.mix": "it is set for each run by the policy; list policies with policies=[a,b,...]",
}
"""Market keys the comparison sets itself and a user may therefore not override."""

#: The config every comparison composes (run config + the comparison's keys).
CONFIG_NAME = "compare"


def split_overrides(overrides: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split overrides into (comparison, market) ones; ``hydra.*`` overrides are dropped."""
    compare_side, market = [], []
    for o in overrides:
        key = override_key(o)
        if key.split(".", 1)[0] == "hydra":
            continue
        # A scenario file sets comparison keys (and maybe market keys): it goes with the
        # comparison, and every run is composed from the comparison config.
        head = key.split(".", 1)[0]
        (compare_side if head in COMPARE_KEYS or head == "scenario" else market).append(o)
    return compare_side, market


def pricing_options() -> list[str]:
    """Names of the options of the ``pricing`` config group (inside :func:`hydra_context`)."""
    return sorted(GlobalHydra.instance().config_loader().get_group_options("pricing"))


VARY_SYNTAX = (
    "vary={key:KEY,values:[V1,V2,...]}, a list of such nodes for a grid "
    "(vary=[{key:K1,values:[...]},{key:K2,values:[...]}]) or, in a file, a mapping KEY: [V1, V2]"
)


def _vary_items(data: Any) -> list[tuple[Any, Any]]:
    """``(key, values)`` pairs of any accepted ``vary`` form, in the order given."""
    if isinstance(data, dict) and set(data) == {"key", "values"}:
        return [(data["key"], data["values"])]
    if isinstance(data, list) and data:
        items = []
        for node in data:
            if not (isinstance(node, dict) and set(node) == {"key", "values"}):
                raise InputError(f"vary={data!r} is invalid; allowed: {VARY_SYNTAX}")
            items.append((node["key"], node["values"]))
        return items
    if isinstance(data, dict) and data:
        return list(flatten(data, lambda v: isinstance(v, list)).items())
    raise InputError(f"vary={data!r} is invalid; allowed: {VARY_SYNTAX}")


def parse_vary(node: Any) -> dict[str, list[Any]]:
    """The varied keys and their values, in display order (empty when not used).

    Raises:
        InputError: if the node is not one of the forms of :data:`VARY_SYNTAX`, a key is
            repeated or set by the comparison itself, or a value list is empty or repeats.
    """
    if node is None:
        return {}
    data = OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node
    out: dict[str, list[Any]] = {}
    for key, values in _vary_items(data):
        if (
            not isinstance(key, str)
            or not key
            or key.split(".", 1)[0] in COMPARE_KEYS | {"hydra"}
            or key in RESERVED
        ):
            raise InputError(
                f"vary.key={key!r} is invalid; allowed: a market config key such as "
                "coalition.max_size (not seed, pricing or pricing.mix)"
            )
        if key in out:
            raise InputError(f"vary.key={key!r} is listed twice; allowed: distinct keys")
        if not isinstance(values, list) or not values:
            raise InputError(f"vary.values={values!r} is invalid; allowed: a non-empty list")
        if len({format_value(v) for v in values}) != len(values):
            raise InputError(f"vary.values={values!r} is invalid; allowed: distinct values")
        out[key] = values
    return out


def vary_overrides(point: Mapping[str, Any]) -> list[str]:
    """The overrides that set each varied key to its value at ``point``."""
    return [f"{key}={format_value(value)}" for key, value in point.items()]


def baseline_of(cfg: DictConfig) -> str:
    """The policy the paired differences are taken against."""
    policies = [str(p) for p in cfg.policies]
    if cfg.baseline is not None:
        return str(cfg.baseline)
    return "posted" if "posted" in policies else policies[0]


def check_comparison(cfg: DictConfig, market: Sequence[str]) -> None:
    """Check the comparison's own keys and the market overrides it must not touch.

    Args:
        cfg: The composed ``compare`` config.
        market: The market overrides given on the command line.

    Raises:
        InputError: naming the first problem.
    """
    allowed = pricing_options()
    policies = list(cfg.policies)
    if not policies:
        raise InputError(f"policies: the list is empty; allowed: {' | '.join(allowed)}")
    for name in policies:
        if name not in allowed:
            raise InputError(
                f"policies: {str(name)!r} is not a pricing option; allowed: {' | '.join(allowed)}"
            )
    repeated = sorted({p for p in policies if policies.count(p) > 1})
    if repeated:
        raise InputError(f"policies: {repeated[0]!r} is listed twice; allowed: distinct names")
    if cfg.baseline is not None and cfg.baseline not in policies:
        raise InputError(
            f"baseline={cfg.baseline!r} is invalid; allowed: one of the compared policies "
            f"({' | '.join(map(str, policies))})"
        )
    if cfg.seeds < 1:
        raise InputError(f"seeds={cfg.seeds} is invalid; allowed: an integer >= 1")
    if cfg.jobs < 1:
        raise InputError(f"jobs={cfg.jobs} is invalid; allowed: an integer >= 1")
    for o in market:
        key = override_key(o)
        if key in RESERVED:
            raise InputError(f"{o} cannot be given here: {RESERVED[key]}")
    for key in parse_vary(cfg.vary):
        clash = [o for o in market if override_key(o) == key]
        if clash:
            raise InputError(f"{clash[0]} cannot be given here: {key} is a varied key")


def preflight(argv: Sequence[str]) -> str | None:
    """Check the command line before Hydra creates any folder.

    Composes the ``compare`` config with the overrides, checks the policy names against the
    ``pricing`` options, the counts, ``vary`` and, through
    :func:`sim.cli.preflight.check_overrides`, every market config the comparison would run
    (each policy with each value of each varied key).

    Returns:
        A one-line error message, or None if everything is fine.
    """
    if any(a in ("--help", "-h", "--hydra-help", "--info", "--cfg", "-c") for a in argv):
        return None
    if any(a in ("-m", "--multirun") for a in argv):
        return "-m/--multirun is not supported; the comparison sweeps policies, seeds and vary"
    overrides = [a for a in argv if not a.startswith("-") and "=" in a]
    try:
        OverridesParser.create().parse_overrides(overrides)
    except Exception as exc:  # Hydra's grammar errors come in several types
        return one_line(exc)
    compare_side, market = split_overrides(overrides)
    try:
        with hydra_context():
            cfg = compose(config_name=CONFIG_NAME, overrides=compare_side)
            check_comparison(cfg, market)
        vary = parse_vary(cfg.vary)
    except InputError as exc:
        return str(exc)
    except Exception as exc:
        if any(override_key(o).startswith("vary") for o in compare_side):
            return f"{one_line(exc)}; write {VARY_SYNTAX}"
        return one_line(exc)
    for policy in cfg.policies:
        trials = [[]] + [[f"{k}={format_value(v)}"] for k, vs in vary.items() for v in vs]
        for trial in trials:
            problem = check_overrides([*market, f"pricing={policy}", *trial], CONFIG_DIR)
            if problem:
                return problem
    try:
        with hydra_context():
            compose(config_name=CONFIG_NAME, overrides=[*compare_side, *market])
    except Exception as exc:
        return one_line(exc)
    return None


# --------------------------------------------------------------------------- the campaign


def campaign_config(cfg: DictConfig) -> DictConfig:
    """The comparison ``cfg`` (a composed ``compare`` config) as a campaign config.

    The market is ``cfg``'s; the campaign crosses the policies (an arm of ``pricing``
    options) with the grid of the varied keys, every run on seeds ``0..seeds-1``, and keeps
    each run's time series and sellers' table.
    """
    vary = parse_vary(cfg.vary)
    spec = OmegaConf.structured(CampaignSpec)
    spec.merge_with(
        {
            "name": "compare",
            "description": str(cfg.report.title),
            "design": "grid",
            "parameters": {key: {"values": values} for key, values in vary.items()},
            "arms": {"pricing": [str(p) for p in cfg.policies]},
            "seeds": int(cfg.seeds),
            "first_seed": 0,
            "keep": {"timeseries": True, "deals": False, "sellers": True},
        }
    )
    return OmegaConf.create(
        {**market_config(cfg), "campaign": spec, "executor": cfg.executor, "jobs": cfg.jobs}
    )


def _leaves(config: Mapping[str, Any]) -> dict[str, Any]:
    return flatten(config, lambda v: not isinstance(v, Mapping))


def reproduction_commands(plan: Plan, market: Sequence[str]) -> list[str]:
    """For every planned run, the ``python -m sim.run`` command that reproduces it exactly.

    The command is the market overrides, ``pricing=POLICY``, every value the comparison
    (e.g. a scenario file) set differently from what ``sim.run`` would compose from those,
    the varied values and ``seed=S``. Each policy's command is checked once by composing it
    as ``sim.run`` does and comparing the run's identity.

    Raises:
        RuntimeError: if a command would not reproduce its run (a bug, not bad input).
    """
    varied = set(plan.columns) - {"pricing"}
    fixed: dict[str, list[str]] = {}
    commands = []
    for task in plan.tasks:
        policy = str(task.values["pricing"])
        head = [*market, f"pricing={policy}"]
        first = policy not in fixed
        if first:
            plain = _leaves(market_config(compose_market("config", head)))
            fixed[policy] = [
                f"{'' if key in plain else '+'}{key}={format_value(value)}"
                for key, value in _leaves(task.config).items()
                if key not in varied and key != "seed" and plain.get(key, KeyError) != value
            ]
        point = {k: task.values[k] for k in plan.columns if k in varied}
        args = [*head, *fixed[policy], *vary_overrides(point), f"seed={task.seed}"]
        if first and config_hash(market_config(compose_market("config", args))) != task.run_id:
            raise RuntimeError(f"the reproduction command of {policy} misses a setting")
        commands.append(shlex.join(["python", "-m", "sim.run", *args]))
    return commands
