"""Comparing result files: a hash for equality, and a readable account of a difference."""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd


def sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _short(value: Any, width: int = 60) -> str:
    if hasattr(value, "item") and callable(value.item):  # numpy scalar -> Python scalar
        with contextlib.suppress(ValueError, TypeError):
            value = value.item()
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _same_value(a: Any, b: Any) -> bool:
    """Equality that treats NaN as equal to NaN (and None to None)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # e.g. array-valued cells
        return repr(a) == repr(b)


def diff_parquet(base: Path, head: Path) -> list[str]:
    """Describe how two parquet files differ: columns, dtypes, length, first differing row."""
    a, b = pd.read_parquet(base), pd.read_parquet(head)
    notes = []
    if list(a.columns) != list(b.columns):
        only_a = [c for c in a.columns if c not in b.columns]
        only_b = [c for c in b.columns if c not in a.columns]
        notes.append(f"columns only in base {only_a}, only in head {only_b}")
        if not only_a and not only_b:
            notes.append("same columns, different order")
    common = [c for c in a.columns if c in b.columns]
    dtypes = [f"{c}: {a[c].dtype}->{b[c].dtype}" for c in common if a[c].dtype != b[c].dtype]
    if dtypes:
        notes.append("dtypes differ: " + ", ".join(dtypes))
    if len(a) != len(b):
        notes.append(f"rows: base {len(a)}, head {len(b)}")
    n = min(len(a), len(b))
    aa, bb = a[common].iloc[:n].reset_index(drop=True), b[common].iloc[:n].reset_index(drop=True)
    differ = [c for c in common if not aa[c].equals(bb[c])]
    if differ:
        notes.append(f"columns with differing values: {differ}")
        for i in range(n):
            cols = [c for c in differ if not _same_value(aa.at[i, c], bb.at[i, c])]
            if cols:
                pairs = ", ".join(
                    f"{c}: {_short(aa.at[i, c])} vs {_short(bb.at[i, c])}" for c in cols[:6]
                )
                notes.append(f"first differing row {i}: {pairs}")
                break
    if not notes:
        notes.append("same data when loaded; bytes differ (schema or metadata)")
    return notes


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for k, v in data.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: data}


def diff_json(base: Path, head: Path) -> list[str]:
    """Describe how two JSON files differ: missing keys and keys whose values differ."""
    a = _flatten(json.loads(base.read_text(encoding="utf-8")))
    b = _flatten(json.loads(head.read_text(encoding="utf-8")))
    notes = []
    only_a, only_b = [k for k in a if k not in b], [k for k in b if k not in a]
    if only_a or only_b:
        notes.append(f"keys only in base {only_a}, only in head {only_b}")
    for k in a:
        if k in b and not _same_value(a[k], b[k]):
            notes.append(f"{k}: {_short(a[k])} vs {_short(b[k])}")
    if list(a) == list(b) and len(notes) == 0:
        notes.append("same values when loaded; bytes differ (formatting)")
    elif not notes:
        notes.append("same keys and values in a different order")
    return notes


def diagnose(name: str, base: Path, head: Path) -> list[str]:
    """Diagnostic lines for one mismatched file (never raises)."""
    try:
        if name.endswith(".parquet"):
            return diff_parquet(base, head)
        return diff_json(base, head)
    except Exception as exc:  # a diagnostic must not hide the verdict
        return [f"could not diagnose: {type(exc).__name__}: {exc}"]
