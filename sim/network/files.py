"""Reading a social graph from a file: an edge list or GraphML.

A graph file is untrusted input. Every problem with one is a
:class:`~agents.params.ConfigError` (a ``ValueError``) whose message is one line naming
``network.path``, the line of the file when it is known, and what is allowed:

- a file over ``network.max_file_mb`` is refused before it is read, as are a missing
  path, a directory, a device and an empty file;
- GraphML is parsed with ``defusedxml``, which refuses a DTD, an entity declaration or an
  external reference before anything is expanded or fetched (no external-entity read of a
  local file, no entity-expansion bomb); networkx's GraphML reader then builds the graph
  from the safely parsed tree. A truncated, binary or otherwise malformed file is named
  with the line the XML parser stopped at;
- an edge list must be UTF-8 text with two node ids per line; a binary byte, a short line,
  a negative id or a mix of integer ids and names is named with its line.

:func:`graph_file_problem` runs all of this for the command-line pre-flight, before Hydra
creates any folder.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import math
import os
import re
import stat
from collections.abc import Hashable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_xml
import networkx as nx
import numpy as np
import pandas as pd
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from networkx.readwrite.graphml import GraphMLReader

from agents.params import ConfigError
from mechanisms.arrays import sorted_unique
from sim.network.graph import Graph, from_edges

#: Default of ``network.max_file_mb``: the largest graph file read, in MB (10^6 bytes).
MAX_FILE_MB = 100.0

GRAPHML_NS = "{http://graphml.graphdrawing.org/xmlns}"

_SAFE_GRAPHML = "GraphML without DTD or entities"
_GRAPHML = "a complete GraphML file (XML), as networkx, Gephi or igraph write it"
_EDGE_LIST = "two node ids per line, comma or whitespace separated ('#' starts a comment)"
_IDS = "integer node ids 0 or above on every line, or names on every line"
_TEXT = "a UTF-8 text edge list, or a .graphml file"
_XML_POSITION = re.compile(r":? line \d+, column \d+$")
_INTEGER = re.compile(r"[+-]?\d+")
_SNIPPET = 40


@dataclasses.dataclass(frozen=True)
class _Parsed:
    """What a graph file holds: node count, edge endpoints ``0..count-1``, blocks.

    ``lowest`` is the smallest node id of an edge list with integer ids (else None).
    """

    count: int
    u: np.ndarray
    v: np.ndarray
    blocks: np.ndarray | None = None
    lowest: int | None = None


def _name(path: Path | str) -> str:
    return f"network.path={str(path)!r}"


def _refuse(message: str) -> NoReturn:
    raise ConfigError(message) from None


def _is_int_label(x: Any) -> bool:
    if isinstance(x, bool):
        return False
    if isinstance(x, (int, np.integer)):
        return True
    if isinstance(x, str):
        try:
            int(x.strip())
        except ValueError:
            return False
        return True
    return False


def _label_order(labels: Sequence[Hashable]) -> dict[Hashable, int]:
    """Map distinct labels to ``0..N-1`` in sorted order (numeric if all int-like)."""
    distinct = list(dict.fromkeys(labels))
    if all(_is_int_label(x) for x in distinct):
        ordered = sorted(distinct, key=lambda x: int(x.strip()) if isinstance(x, str) else int(x))
    else:
        ordered = sorted(distinct, key=str)
    return {lab: i for i, lab in enumerate(ordered)}


# ------------------------------------------------------------------------------- the file


def _read_bytes(p: Path, max_mb: float | None) -> bytes:
    """The bytes of a regular, non-empty file no larger than ``max_mb`` MB."""
    try:
        info = p.stat()
    except FileNotFoundError:
        _refuse(f"{_name(p)} does not exist; allowed: an edge list or .graphml file")
    except OSError as exc:
        _refuse(f"{_name(p)} cannot be read: {exc.strerror}; allowed: a readable file")
    if stat.S_ISDIR(info.st_mode):
        _refuse(f"{_name(p)} is a directory; allowed: an edge list or .graphml file")
    if not stat.S_ISREG(info.st_mode):
        _refuse(f"{_name(p)} is not a regular file; allowed: an edge list or .graphml file")
    if max_mb is not None and info.st_size > max_mb * 1e6:
        _refuse(
            f"{_name(p)} is {info.st_size / 1e6:.4g} MB, over network.max_file_mb={max_mb:g}; "
            "allowed: a smaller file, or raise network.max_file_mb"
        )
    if info.st_size == 0:
        _refuse(f"{_name(p)} is empty; allowed: an edge list or .graphml file with edges")
    try:
        return p.read_bytes()
    except OSError as exc:
        _refuse(f"{_name(p)} cannot be read: {exc.strerror}; allowed: a readable file")


# -------------------------------------------------------------------------------- GraphML


def _parse_graphml(p: Path, data: bytes) -> Element:
    """The root of a GraphML document parsed without DTD, entities or external references."""
    unsafe = ""
    try:
        return safe_xml.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DTDForbidden as exc:
        unsafe = f"it declares a DTD (<!DOCTYPE {exc.name}>)"
    except EntitiesForbidden as exc:
        unsafe = f"it declares the entity {exc.name!r}"
    except ExternalReferenceForbidden as exc:
        unsafe = f"it references the external resource {exc.sysid!r}"
    except ParseError as exc:
        line, column = exc.position
        reason = _XML_POSITION.sub("", str(exc))
        _refuse(
            f"{_name(p)} line {line}, column {column}: XML error: {reason}; allowed: {_GRAPHML}"
        )
    except (ValueError, LookupError) as exc:  # e.g. an unknown declared encoding
        _refuse(f"{_name(p)} is not readable XML ({exc}); allowed: {_GRAPHML}")
    _refuse(f"{_name(p)} is not a safe GraphML file: {unsafe}; allowed: {_SAFE_GRAPHML}")


def _graphml_graph(p: Path, root: Element) -> nx.Graph:
    """The first graph of a parsed GraphML document, built by networkx's reader."""
    if root.tag == "graphml":  # no namespace declared: read it in GraphML's, as networkx does
        for element in root.iter():
            if isinstance(element.tag, str) and not element.tag.startswith("{"):
                element.tag = GRAPHML_NS + element.tag
    graphs = root.findall(f"{GRAPHML_NS}graph")
    if root.tag != f"{GRAPHML_NS}graphml" or not graphs:
        tag = str(root.tag).removeprefix(GRAPHML_NS)
        _refuse(f"{_name(p)} holds no GraphML <graph> (its root is <{tag}>); allowed: {_GRAPHML}")
    reader = GraphMLReader()
    problem = ""
    try:
        keys, defaults = reader.find_graphml_keys(root)
        return reader.make_graph(graphs[0], keys, defaults)
    except KeyError as exc:
        problem = f"data key {exc.args[0]!r} is not declared"
    except (nx.NetworkXError, ValueError, TypeError, AttributeError) as exc:
        problem = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    _refuse(f"{_name(p)} is not a readable GraphML file: {problem}; allowed: {_GRAPHML}")


def _read_graphml(p: Path, data: bytes) -> _Parsed:
    g = _graphml_graph(p, _parse_graphml(p, data))
    index = _label_order(list(g.nodes))
    n = len(index)
    edges = np.array([(index[a], index[b]) for a, b in g.edges()], dtype=np.int64).reshape(-1, 2)
    blocks = None
    for attr in ("block", "community"):
        values = dict(g.nodes(data=attr))
        if all(val is None for val in values.values()):
            continue
        missing = [node for node, val in values.items() if val is None]
        if missing:
            _refuse(
                f"{_name(p)}: node attribute {attr!r} is missing on {len(missing)} node(s), "
                f"e.g. {missing[0]!r}; allowed: {attr!r} on every node or on none"
            )
        code = _label_order(list(values.values()))
        blocks = np.empty(n, dtype=np.int32)
        for node, val in values.items():
            blocks[index[node]] = code[val]
        break
    return _Parsed(n, edges[:, 0], edges[:, 1], blocks)


# ------------------------------------------------------------------------------ edge list


def _int_codes(labels: np.ndarray) -> tuple[int, np.ndarray]:
    """Map integer labels to ``0..N-1`` in increasing order: ``(N, codes)``."""
    if labels.size == 0:
        return 0, labels.astype(np.int64)
    lo, hi = int(labels.min()), int(labels.max())
    if hi - lo <= 4 * labels.size:  # dense label range: O(len) lookup table
        present = np.zeros(hi - lo + 1, dtype=bool)
        present[labels - lo] = True
        remap = np.cumsum(present, dtype=np.int64) - 1
        return int(remap[-1] + 1), remap[labels - lo]
    uniques = sorted_unique(labels)
    return int(uniques.size), np.searchsorted(uniques, labels).astype(np.int64)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _decode(p: Path, data: bytes) -> str:
    """The text of an edge list; its first NUL or non-UTF-8 byte is named by line."""
    nul = data.find(b"\0")
    text, bad = "", -1
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start
    if nul >= 0 and (bad < 0 or nul < bad):
        line = _line_of(data, nul)
        _refuse(f"{_name(p)} line {line}: binary data (a NUL byte); allowed: {_TEXT}")
    if bad >= 0:
        line = _line_of(data, bad)
        _refuse(
            f"{_name(p)} line {line}: byte 0x{data[bad]:02x} is not UTF-8 text; allowed: {_TEXT}"
        )
    return text


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` of a text, lazily (a 100 MB list of lines is not built)."""
    start, number = 0, 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        number += 1
        yield number, text[start:end]
        start = end + 1


def _separator(text: str) -> str | None:
    """``","`` or whitespace, from the first data line; None if there is none."""
    for _, line in _lines(text):
        body = line.strip().lstrip("\ufeff")
        if body and not body.startswith("#"):
            return "," if "," in body else r"\s+"
    return None


def _fields(text: str, sep: str) -> Iterator[tuple[int, str, list[str]]]:
    """``(line number, line, fields)`` of every data line, split as the reader splits it."""
    for number, line in _lines(text):
        body = line.split("#", 1)[0].strip().lstrip("\ufeff")
        if body:
            fields = [f.strip() for f in body.split(",")] if sep == "," else body.split()
            yield number, body, fields


def _int_value(label: str) -> int | None:
    """The integer a node id denotes (``7``, ``007``, ``7.0``), or None for a name."""
    if _INTEGER.fullmatch(label):
        return int(label)
    if "_" in label:
        return None
    try:
        x = float(label)
    except ValueError:
        return None
    return int(x) if math.isfinite(x) and x.is_integer() else None


def _snippet(body: str) -> str:
    return repr(body if len(body) <= _SNIPPET else body[:_SNIPPET] + "...")


def _bad_line(text: str, sep: str) -> tuple[int, str, str] | None:
    """``(line, what, allowed)`` of the first line with too few ids, a negative id or a mix."""
    first: tuple[int, bool] | None = None  # (line, are its ids integers?)
    for number, body, fields in _fields(text, sep):
        ids = [f for f in fields[:2] if f]
        if len(ids) < 2:
            what = f"{_snippet(body)} holds {len(ids)} node id{'' if len(ids) == 1 else 's'}"
            return number, what, _EDGE_LIST
        for label in ids:
            value = _int_value(label)
            if value is not None and value < 0:
                return number, f"node id {label!r} is negative", _IDS
            if first is None:
                first = (number, value is not None)
            elif (value is not None) != first[1]:
                kind = "an integer" if value is not None else "not an integer"
                other = "integer ids" if first[1] else "names"
                return number, f"node id {label!r} is {kind} but line {first[0]} has {other}", _IDS
    return None


def _edge_codes(data: bytes, sep: str) -> tuple[int, np.ndarray, int | None] | None:
    """``(count, codes of both columns, lowest integer id)``; None if a line is bad."""

    def read(dtype: Any) -> pd.DataFrame:
        return pd.read_csv(
            io.BytesIO(data),
            sep=sep,
            comment="#",
            header=None,
            usecols=[0, 1],
            skipinitialspace=True,
            skip_blank_lines=True,
            dtype=dtype,
            engine="c",
        )

    try:  # fast path: integer labels
        df = read(np.int64)
        ints = np.concatenate([df[0].to_numpy(), df[1].to_numpy()])
    except (ValueError, OverflowError):  # some label is not an int64, or a line is short
        df = read(str)
        if df.isna().to_numpy().any():
            return None
        strings = np.concatenate([df[0].str.strip().to_numpy(), df[1].str.strip().to_numpy()])
        numeric = pd.to_numeric(pd.Series(strings), errors="coerce")
        integral = (numeric.notna() & (numeric % 1 == 0)).to_numpy()
        if not integral.all():
            if integral.any():
                return None  # integer ids mixed with names
            codes, uniques = pd.factorize(strings, sort=True)
            return len(uniques), codes.astype(np.int64), None
        # Integer-valued labels ("7", "007", "7.0") order numerically.
        ints = numeric.to_numpy().astype(np.int64)
    del df
    if ints.size and ints.min() < 0:
        return None
    count, codes = _int_codes(ints)
    return count, codes, int(ints.min()) if ints.size else None


def _read_edge_list(p: Path, data: bytes) -> _Parsed:
    text = _decode(p, data)
    sep = _separator(text)
    if sep is None:
        return _Parsed(0, np.empty(0, np.int64), np.empty(0, np.int64))
    error = "a line the reader could not split"
    try:
        read = _edge_codes(data, sep)
    except ValueError as exc:  # pandas' ParserError is a ValueError
        read, error = None, (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if read is None:
        found = _bad_line(text, sep)
        if found:
            line, what, allowed = found
            _refuse(f"{_name(p)} line {line}: {what}; allowed: {allowed}")
        _refuse(f"{_name(p)} is not a readable edge list: {error}; allowed: {_EDGE_LIST}")
    count, codes, lowest = read
    half = codes.size // 2
    return _Parsed(count, codes[:half], codes[half:], lowest=lowest)


# --------------------------------------------------------------------------------- checks


def _read(p: Path, max_mb: float | None) -> _Parsed:
    data = _read_bytes(p, max_mb)
    if p.suffix.lower() == ".graphml":
        return _read_graphml(p, data)
    return _read_edge_list(p, data)


def _check_count(p: Path, parsed: _Parsed, n: int | None) -> None:
    """Refuse a node count other than ``n``, naming an out-of-range id's line if it can."""
    if n is None or int(n) == parsed.count:
        return
    n = int(n)
    if parsed.count == 0:
        _refuse(f"{_name(p)} holds no edges; allowed: a graph of customers.n={n} nodes")
    if parsed.lowest is not None and parsed.count > n:
        lo, hi = parsed.lowest, parsed.lowest + n - 1
        text = _decode(p, _read_bytes(p, None))
        for number, _, fields in _fields(text, _separator(text) or r"\s+"):
            for label in fields[:2]:
                value = _int_value(label)
                if value is not None and value > hi:
                    _refuse(
                        f"{_name(p)} line {number}: node id {label!r} is out of range for "
                        f"customers.n={n} (ids {lo}..{hi}); allowed: ids {lo}..{hi}, "
                        f"or customers.n={parsed.count}"
                    )
    graphml = p.suffix.lower() == ".graphml"
    isolated = "" if graphml else " (an edge list holds only nodes with edges)"
    _refuse(
        f"{_name(p)} has {parsed.count} nodes but customers.n={n}{isolated}; "
        f"allowed: customers.n={parsed.count}, or a file with {n} nodes"
    )


def from_file(path: str | Path, n: int | None = None, *, max_mb: float | None = None) -> Graph:
    """Load a graph from a GraphML file or an edge list.

    ``*.graphml`` files are parsed with ``defusedxml`` (no DTD, entities or external
    references) and read with networkx's GraphML reader; a ``block`` (or else
    ``community``) node attribute becomes :attr:`Graph.blocks`, relabelled ``0..B-1`` in
    sorted order. Any other file is a UTF-8 edge list: one edge per line, comma- or
    whitespace-separated (decided from the first data line), only the first two columns
    used, ``#`` starting a comment. Node ids are all integers 0 or above (``7``, ``007`` and
    ``7.0`` are the same node) or all names; they are mapped to ``0..N-1`` in sorted order.
    Edge lists cannot contain isolated nodes; self loops and duplicate edges are dropped.

    Args:
        path: File to read.
        n: Expected node count (``customers.n``); checked if given.
        max_mb: Largest file read, in MB (10^6 bytes); None reads any size.

    Returns:
        The graph.

    Raises:
        ConfigError: (a ``ValueError``) with one line naming ``network.path``, the line of
            the file when known and what is allowed: a missing, unreadable, empty or too
            large file, unsafe or malformed GraphML, a malformed edge list, or a node count
            other than ``n``.
    """
    p = Path(path)
    parsed = _read(p, max_mb)
    _check_count(p, parsed, n)
    return from_edges(parsed.count, parsed.u, parsed.v, blocks=parsed.blocks)


def graph_file_problem(
    network: Any, n: int, swept: Mapping[str, Sequence[Any]] | None = None
) -> str | None:
    """One line for the first problem with the graph file(s) a config reads, or None.

    Nothing to check unless ``network.kind`` is ``file``. Each file is read once and its
    node count checked against every value of ``customers.n``.

    Args:
        network: The ``network`` node (``kind``, ``path``, ``max_file_mb``).
        n: ``customers.n``.
        swept: Further values of swept keys (``network.path``, ``customers.n``); values
            of other types than a path or a positive count are left to their own checks.
    """
    if network.kind != "file" or not network.path:
        return None
    swept = swept or {}
    more_paths = [x for x in swept.get("network.path", ()) if isinstance(x, str) and x]
    more_ns = [
        x
        for x in swept.get("customers.n", ())
        if isinstance(x, int) and not isinstance(x, bool) and x >= 1
    ]
    paths = dict.fromkeys([str(network.path), *more_paths])
    counts = dict.fromkeys([int(n), *more_ns])
    for path in paths:
        try:
            parsed = _remembered(path, float(network.max_file_mb))
            for count in counts:
                _check_count(Path(path), parsed, count)
        except ConfigError as exc:
            return str(exc)
    return None


def _remembered(path: str, max_mb: float) -> _Parsed:
    """:func:`_read` without the edges, remembered while the file is unchanged.

    A comparison's pre-flight checks the same file once per market config it would run.
    """
    try:
        info = os.stat(path)
    except OSError:
        return _read(Path(path), max_mb)  # refused, with the reason
    stamp = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
    return _counted(os.path.abspath(path), path, max_mb, stamp)


@functools.lru_cache(maxsize=32)
def _counted(key: str, path: str, max_mb: float, stamp: tuple[int, ...]) -> _Parsed:
    """:func:`_read` of ``path`` without the edges.

    ``key`` (the absolute path) and ``stamp`` (device, inode, size, modification time) only
    key the cache.
    """
    empty = np.empty(0, np.int64)
    return dataclasses.replace(_read(Path(path), max_mb), u=empty, v=empty, blocks=None)
