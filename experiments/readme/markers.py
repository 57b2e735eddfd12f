"""Generated regions of a Markdown file, between HTML-comment markers.

A region is the lines between ``<!-- generated: NAME -->`` and the next
``<!-- /generated -->``, each marker alone on its line. Markers render as nothing, so the
README reads as before; :func:`replace_regions` rewrites the inside of named regions and
leaves every other byte of the file as it was.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

START = "<!-- generated: {name} -->"
END = "<!-- /generated -->"
_START_RE = re.compile(r"^<!-- generated: (?P<name>[A-Za-z0-9_.:-]+) -->$")


class MarkerError(ValueError):
    """A marker is missing, unclosed or repeated; the message is one line naming it."""


@dataclass(frozen=True)
class Region:
    """One generated region: ``text[start:end]`` is its body (whole lines)."""

    name: str
    start: int
    end: int


def regions(text: str, source: str = "README.md") -> dict[str, Region]:
    """Every generated region of ``text`` by name.

    Args:
        text: The file's content.
        source: The file's name, for error messages.

    Raises:
        MarkerError: for a region opened twice, opened inside another or never closed, or
            a closing marker without an opening one.
    """
    found: dict[str, Region] = {}
    open_name: str | None = None
    body_start = 0
    offset = 0
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        bare = line.rstrip("\r\n").strip()
        match = _START_RE.match(bare)
        if match:
            name = match.group("name")
            if open_name is not None:
                raise MarkerError(
                    f"{source}:{number}: {START.format(name=name)} opens inside region "
                    f"{open_name!r}; close it first with {END}"
                )
            if name in found:
                raise MarkerError(f"{source}:{number}: {START.format(name=name)} appears twice")
            open_name, body_start = name, offset + len(line)
        elif bare == END:
            if open_name is None:
                raise MarkerError(f"{source}:{number}: {END} closes no region")
            found[open_name] = Region(open_name, body_start, offset)
            open_name = None
        offset += len(line)
    if open_name is not None:
        raise MarkerError(f"{source}: {START.format(name=open_name)} has no closing {END} after it")
    return found


def require(text: str, names: list[str] | tuple[str, ...], source: str = "README.md") -> None:
    """Check that ``text`` has a region for each of ``names``.

    Raises:
        MarkerError: naming the first missing marker.
    """
    present = regions(text, source)
    for name in names:
        if name not in present:
            raise MarkerError(f"{source}: marker {START.format(name=name)} not found")


def replace_regions(text: str, bodies: Mapping[str, str], source: str = "README.md") -> str:
    """``text`` with the body of each named region replaced; everything else unchanged.

    Args:
        text: The file's content.
        bodies: Region name -> new body (a final newline is added when missing).
        source: The file's name, for error messages.

    Raises:
        MarkerError: if a named region is missing (naming its marker) or markers are broken.
    """
    require(text, list(bodies), source)
    found = regions(text, source)
    out, pos = [], 0
    for region in sorted((found[n] for n in bodies), key=lambda r: r.start):
        body = bodies[region.name]
        if body and not body.endswith("\n"):
            body += "\n"
        out += [text[pos : region.start], body]
        pos = region.end
    out.append(text[pos:])
    return "".join(out)


def region_body(text: str, name: str, source: str = "README.md") -> str:
    """The current body of region ``name``.

    Raises:
        MarkerError: if the region is missing.
    """
    require(text, [name], source)
    region = regions(text, source)[name]
    return text[region.start : region.end]
