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


def config_hash(cfg: DictConfig | Mapping[str, Any]) -> str:
    """SHA-256 of the resolved config's canonical JSON: the identity of a run.

    What a run writes besides its data (``output.*``) and Hydra's own node are left out,
    so drawing a figure or not gives the same identity.
    """
    data = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else cfg
    data = {k: v for k, v in dict(data).items() if k not in NOT_IDENTITY}
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
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
