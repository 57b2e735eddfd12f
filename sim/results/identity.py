"""The identity of a run (a hash of what determines its results) and its provenance."""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from agents.params import ConfigError, parse_mix

PACKAGES = (
    "crowdbargain",
    "mesa",
    "numpy",
    "networkx",
    "scipy",
    "pandas",
    "pyarrow",
    "hydra-core",
    "omegaconf",
    "matplotlib",
    "rustworkx",
)

#: Top-level config keys that do not change a run's results (and so not its identity).
NOT_IDENTITY = ("output", "hydra")

#: ``(node, key)`` pairs that do not change a run's results either: a limit on what is
#: read (a run over the limit fails, one within it is the same run).
NOT_IDENTITY_KEYS = (("network", "max_file_mb"),)


#: Nodes of ``pricing`` that are not one policy's own parameters.
SHARED_PRICING = ("mix", "adaptive")


def effective_config(data: Mapping[str, Any]) -> dict[str, Any]:
    """The resolved config without what cannot change the run's results.

    Left out: :data:`NOT_IDENTITY` (what a run writes besides its data),
    :data:`NOT_IDENTITY_KEYS` (limits on what is read) and the parameter
    nodes of pricing policies that no seller plays (not in ``pricing.mix`` with a positive
    share): a market builds only the policies of its mix, so e.g. the personalised seller's
    ``privacy_share`` cannot matter to a market of posted prices. A comparison that varies
    such a key for a policy it does not affect thus runs it once
    (``tests/sim/test_results.py`` checks that such runs give identical results).
    """
    out = {k: v for k, v in dict(data).items() if k not in NOT_IDENTITY}
    for node, key in NOT_IDENTITY_KEYS:
        if isinstance(out.get(node), Mapping) and key in out[node]:
            out[node] = {k: v for k, v in out[node].items() if k != key}
    pricing = out.get("pricing")
    if isinstance(pricing, Mapping):
        try:
            used = {name for name, share in parse_mix(pricing.get("mix")).items() if share > 0}
        except ConfigError:
            return out  # an invalid mix is the validator's business: keep everything
        out["pricing"] = {k: v for k, v in pricing.items() if k in SHARED_PRICING or k in used}
    return out


def config_hash(cfg: DictConfig | Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the :func:`effective_config`: the identity of a run.

    What a run writes besides its data (``output.*``), Hydra's own node and the parameters
    of policies no seller plays are left out, so drawing a figure or not, or changing an
    unused policy's parameters, gives the same identity.
    """
    data = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else cfg
    canonical = json.dumps(
        effective_config(data), sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str]:
    """Installed versions of the packages a result depends on."""
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit(cwd: Path | str | None = None) -> str | None:
    """Commit of the source tree, or None outside a git checkout."""
    here = Path(cwd) if cwd else Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None
