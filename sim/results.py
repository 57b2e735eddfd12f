"""Writing a run's results: atomic files, the run identity, and sweep aggregation.

Every file is written to a temporary name in the destination folder and renamed into
place (``os.replace`` is atomic on POSIX), so a crash never leaves a half-written file and
an existing result is only ever replaced by a complete one.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
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


def atomic_write(path: Path | str, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then rename the temp file to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        # mkstemp creates 0600 files; give results the permissions a normal file would get.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: Path | str, text: str) -> Path:
    """Atomically write a text file."""
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def write_json(path: Path | str, data: Mapping[str, Any]) -> Path:
    """Atomically write JSON (NaN/inf become null), keys in insertion order."""
    return write_text(path, json.dumps(_clean(dict(data)), indent=2) + "\n")


def write_parquet(path: Path | str, frame: pd.DataFrame) -> Path:
    """Atomically write a DataFrame as Parquet without its index (byte-stable for equal data)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    return atomic_write(path, lambda p: pq.write_table(table, p))


def config_hash(cfg: DictConfig | Mapping[str, Any]) -> str:
    """SHA-256 of the resolved config's canonical JSON: the identity of a run."""
    data = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else cfg
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


def collect_summaries(root: Path | str, name: str = "summary.json") -> pd.DataFrame:
    """One row per run folder below ``root``: its summary plus its override values."""
    rows = []
    root = Path(root)
    for path in sorted(root.rglob(name)):
        row = {"run_dir": str(path.parent.relative_to(root))}
        overrides = path.parent / ".hydra" / "overrides.yaml"
        if overrides.exists():
            for item in OmegaConf.load(overrides):
                key, _, value = str(item).partition("=")
                row[f"override.{key.lstrip('+~')}"] = value
        row.update(json.loads(path.read_text()))
        rows.append(row)
    return pd.DataFrame(rows)
