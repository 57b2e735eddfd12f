"""One table for a sweep: every run folder's summary, identity and override values.

A sweep folder can hold run folders of an earlier sweep into the same ``hydra.sweep.dir``
(a second sweep with fewer jobs leaves the higher job numbers behind). ``since_ns`` keeps
only the runs whose summary was written after a sweep started.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from sim.results.identity import config_hash

_PARSER = OverridesParser.create()


def _typed(value: Any) -> Any:
    """An override value as a table cell: numbers and booleans stay typed, the rest text."""
    if isinstance(value, bool | int | float) or value is None:
        return value
    return str(value) if not isinstance(value, list | dict) else json.dumps(value)


def _override_cells(path: Path) -> dict[str, Any]:
    """``override.KEY`` cells from a run's ``.hydra/overrides.yaml`` (empty if none)."""
    if not path.exists():
        return {}
    lines = [str(item) for item in OmegaConf.load(path)]
    cells = {}
    for line, parsed in zip(lines, _PARSER.parse_overrides(lines), strict=True):
        key = line.partition("=")[0].lstrip("+~")
        cells[f"override.{key}"] = _typed(parsed.value())
    return cells


def _run_id(run_dir: Path) -> str | None:
    """The run's config hash: from its manifest, else computed from its ``config.yaml``."""
    manifest = run_dir / "manifest.json"
    if manifest.exists():
        return json.loads(manifest.read_text()).get("config_hash")
    config = run_dir / "config.yaml"
    return config_hash(OmegaConf.load(config)) if config.exists() else None


def _natural_key(name: str) -> tuple[Any, ...]:
    """Sort ``2`` before ``10`` (job numbers), text parts alphabetically."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))


def files_written_since(
    root: Path | str, names: tuple[str, ...], since_ns: int | None = None
) -> Iterator[Path]:
    """Files named one of ``names`` below ``root``, modified at or after ``since_ns``.

    Args:
        root: The folder to search (missing: nothing).
        names: File names to find.
        since_ns: A filesystem timestamp (``st_mtime_ns``); None: every such file.
    """
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".hydra"]  # Hydra's own files, never a result
        for name in names:
            if name not in files:
                continue
            path = Path(folder, name)
            try:
                fresh = since_ns is None or path.stat().st_mtime_ns >= since_ns
            except FileNotFoundError:  # removed since listed (a run clearing its folder)
                continue
            if fresh:
                yield path


def collect_summaries(
    root: Path | str, name: str = "summary.json", since_ns: int | None = None
) -> pd.DataFrame:
    """One row per run folder below ``root``: its identity, override values and summary.

    Columns: ``run_dir`` (relative to ``root``), ``run_id`` (the config hash, see
    :func:`~sim.results.identity.config_hash`), ``override.KEY`` for every command-line
    override (numbers as numbers), then the summary's fields (``seed`` an integer). Rows are
    sorted by run folder, numerically (job 2 before job 10).

    Args:
        root: The sweep folder.
        name: The summary file of a run folder.
        since_ns: Keep only summaries written at or after this filesystem timestamp
            (``st_mtime_ns``; see :func:`files_written_since`); None: all of them.
    """
    root = Path(root)
    paths = sorted(
        files_written_since(root, (name,), since_ns),
        key=lambda p: _natural_key(str(p.parent.relative_to(root))),
    )
    rows = []
    for path in paths:
        run_dir = path.parent
        row: dict[str, Any] = {
            "run_dir": str(run_dir.relative_to(root)),
            "run_id": _run_id(run_dir),
        }
        row.update(_override_cells(run_dir / ".hydra" / "overrides.yaml"))
        row.update(json.loads(path.read_text()))
        rows.append(row)
    table = pd.DataFrame(rows)
    if "seed" in table:
        table["seed"] = table["seed"].astype("int64")
    return table
