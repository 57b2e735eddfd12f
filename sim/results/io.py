"""Atomic result files: every write goes to a temporary name and is renamed into place.

``os.replace`` is atomic on POSIX, so a crash never leaves a half-written file and an
existing result is only ever replaced by a complete one. A killed writer can leave its
temporary ``.NAME.XXXX.tmp`` behind: :func:`remove_stale` clears those (and files a new run
will not rewrite) when a run starts in a reused folder.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


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


def remove_stale(folder: Path | str, names: Iterable[str]) -> list[Path]:
    """Delete leftovers in ``folder``: temporary files of killed writes and ``names``.

    Args:
        folder: A run folder about to be (re)written.
        names: Result files the new run will not write (e.g. a figure it skips).

    Returns:
        The files removed.
    """
    root = Path(folder)
    if not root.is_dir():
        return []
    stale = [p for p in root.glob(".*.tmp") if p.is_file()]
    stale += [root / n for n in names if (root / n).is_file()]
    for p in stale:
        p.unlink(missing_ok=True)
    return stale
