"""The README's generated sections: what each runs, what it writes into the README, its image.

A :class:`Section` names its README regions (markers), the commands that produce its
results (each into its own folder under the results root, ``results/readme/`` by default),
how its regions are rendered from those folders and which figure it copies to
``docs/img/``. Rendering reads only the folders, so a README can be re-rendered or checked
without running anything again.

Sections: ``demo`` (``make demo``'s printout and figure), ``compare`` (the default
comparison's size and time), one per scenario of ``configs/scenario/`` and ``scale`` (the
benchmark table; slow, never run by default).
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from experiments.benchmark import MODEL
from experiments.compare_config import COMPARE_KEYS
from experiments.overrides import override_key
from experiments.readme.numbers import seconds
from experiments.readme.scenarios import FIGURES, TEMPLATES, load

RUN_FILE = "readme_run.json"
"""Written into each command's folder: the command, its measured wall time and the load."""

STDOUT_FILE = "readme_stdout.txt"
"""Written into each command's folder: what the command printed on stdout."""

DEMO_PATH = "/…/results/runs/<timestamp>"
"""The neutral path the README's demo printout shows after ``results in``."""

SCALE_RUNS = (((1_000, 2_000, 10_000, 100_000), 100), ((1_000_000,), 20))
"""Populations of the Scale table and the steps of their runs (the model's and the Mesa
yardstick's alike: the first steps of a process run slower, so both sides take as many).

2,000 customers is about where the model passes twice the tuned yardstick. At 10^6 agents
each step of the yardstick takes seconds, so that size runs fewer steps.
"""

WIDTH = 95
"""Prose in generated regions is wrapped at this width (as the README's own paragraphs)."""

# A wrapped line must not start like Markdown block syntax (a list item, heading, quote).
_BLOCK_START = re.compile(r"^(\d+[.)](\s|$)|[-+*](\s|$)|#|>|=+\s*$|\|)")


class MissingResults(FileNotFoundError):
    """A section's results folder (or a file in it) is missing; the message names it."""


@dataclass(frozen=True)
class Command:
    """One command of a section: ``python -m ARGV...`` writing into ``folder``."""

    folder: str
    argv: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    """A generated part of the README.

    Attributes:
        name: The name ``--only`` takes.
        markers: The README regions it fills.
        commands: Results root and extra overrides -> the commands to run.
        render: Results root -> body of each of its regions.
        images: Results root -> ``(figure, file name in docs/img)`` pairs.
        default: Whether it runs without ``--only``.
    """

    name: str
    markers: tuple[str, ...]
    commands: Callable[[Path, Sequence[str]], list[Command]]
    render: Callable[[Path], dict[str, str]]
    images: Callable[[Path], list[tuple[Path, str]]] | None = None
    default: bool = True


# --------------------------------------------------------------------------- helpers


def wrap(text: str, width: int = WIDTH) -> str:
    """``text`` as lines of at most ``width`` characters, none starting like Markdown syntax.

    Words are never broken; when a line would start like a list item, heading, quote or
    table row, the paragraph is wrapped slightly narrower until none does.
    """
    for w in range(width, max(20, width - 30), -1):
        lines = textwrap.wrap(text, w, break_long_words=False, break_on_hyphens=False)
        if not any(_BLOCK_START.match(line) for line in lines[1:]):
            return "\n".join(lines) + "\n"
    return "\n".join(textwrap.wrap(text, width, break_long_words=False)) + "\n"


def run_record(folder: Path) -> dict:
    """The ``readme_run.json`` of a command's folder (empty when missing)."""
    path = folder / RUN_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def wall_time(folder: Path) -> float:
    """The measured wall time of the command that wrote ``folder`` (NaN if not recorded)."""
    value = run_record(folder).get("wall_s")
    return float(value) if value is not None else math.nan


def need(path: Path) -> Path:
    """``path`` if it exists.

    Raises:
        MissingResults: naming the missing file or folder.
    """
    if not path.exists():
        raise MissingResults(f"{path} is missing (run the section without --no-run first)")
    return path


def market_overrides(overrides: Sequence[str]) -> list[str]:
    """The overrides that describe the market (not the comparison's own keys)."""
    return [o for o in overrides if override_key(o).split(".", 1)[0] not in COMPARE_KEYS]


# --------------------------------------------------------------------------- demo


def demo_commands(root: Path, overrides: Sequence[str]) -> list[Command]:
    """``python -m sim.run`` as ``make demo`` runs it, into ``ROOT/demo``."""
    return [
        Command("demo", ("sim.run", f"hydra.run.dir={root / 'demo'}", *market_overrides(overrides)))
    ]


def demo_text(stdout: str) -> str:
    """The demo's printed summary, its results path replaced by :data:`DEMO_PATH`.

    Raises:
        ValueError: if the printout has no summary.
    """
    lines = stdout.splitlines()
    start = next((i for i, s in enumerate(lines) if s.startswith("crowdbargain run:")), None)
    end = next((i for i, s in enumerate(lines) if s.lstrip().startswith("results in")), None)
    if start is None or end is None or end < start:
        raise ValueError("the demo printed no summary (no 'crowdbargain run:' ... 'results in')")
    block = lines[start:end]
    head = re.match(r"^(\s*results in\s+)", lines[end])
    block.append((head.group(1) if head else "  results in            ") + DEMO_PATH)
    return "\n".join(block) + "\n"


def demo_render(root: Path) -> dict[str, str]:
    """The ``demo`` region: the printout in a code block."""
    stdout = need(root / "demo" / STDOUT_FILE).read_text(encoding="utf-8")
    return {"demo": "```\n" + demo_text(stdout) + "```\n"}


def demo_images(root: Path) -> list[tuple[Path, str]]:
    """The run figure, shown as ``docs/img/default_run.png``."""
    return [(root / "demo" / "price_surplus.png", "default_run.png")]


# --------------------------------------------------------------------------- compare


def compare_commands(root: Path, overrides: Sequence[str]) -> list[Command]:
    """The default comparison, once on one core and once with ``jobs=2``."""
    return [
        Command(
            f"compare_jobs{jobs}",
            (
                "experiments.compare_policies",
                f"jobs={jobs}",
                f"hydra.run.dir={root / f'compare_jobs{jobs}'}",
                *overrides,
            ),
        )
        for jobs in (1, 2)
    ]


def compare_paragraph(
    runs: pd.DataFrame, runs_parallel: pd.DataFrame, wall_1: float, wall_2: float
) -> str:
    """The paragraph on the default comparison's size and time (unwrapped)."""
    policies = list(dict.fromkeys(runs["policy"]))
    n_customers = int(runs["customers.n"].iloc[0])
    same = runs.reset_index(drop=True).equals(runs_parallel.reset_index(drop=True))
    identical = (
        "`jobs=N` runs in N processes with identical results."
        if same
        else "`jobs=N` runs in N processes; here its `runs.parquet` differed from the one "
        "of `jobs=1`, which it must not."
    )
    return (
        f"Defaults: {n_customers:,} customers, {int(runs['steps'].iloc[0])} steps, the "
        f"default market of `configs/config.yaml`, policies `{', '.join(policies)}`, "
        f"{runs['seed'].nunique()} seeds: {len(runs)} runs in about {seconds(wall_1)} on one "
        f"core ({seconds(wall_2)} with `jobs=2`). {identical}"
    )


def compare_render(root: Path) -> dict[str, str]:
    """The ``compare`` region."""
    one, two = root / "compare_jobs1", root / "compare_jobs2"
    runs = pd.read_parquet(need(one / "runs.parquet"))
    runs_parallel = pd.read_parquet(need(two / "runs.parquet"))
    text = compare_paragraph(runs, runs_parallel, wall_time(one), wall_time(two))
    return {"compare": wrap(text)}


# --------------------------------------------------------------------------- scenarios


def scenario_commands(name: str) -> Callable[[Path, Sequence[str]], list[Command]]:
    """The scenario's comparison with ``jobs=2``, into ``ROOT/scenario_NAME``."""

    def commands(root: Path, overrides: Sequence[str]) -> list[Command]:
        return [
            Command(
                f"scenario_{name}",
                (
                    "experiments.compare_policies",
                    f"+scenario={name}",
                    "jobs=2",
                    f"hydra.run.dir={root / f'scenario_{name}'}",
                    *overrides,
                ),
            )
        ]

    return commands


def scenario_render(name: str) -> Callable[[Path], dict[str, str]]:
    """The scenario's paragraph, from its folder."""

    def render(root: Path) -> dict[str, str]:
        folder = root / f"scenario_{name}"
        need(folder / "runs.parquet")
        data = load(folder, name, wall_time(folder), jobs=2)
        return {name: wrap(TEMPLATES[name](data))}

    return render


def scenario_images(name: str) -> Callable[[Path], list[tuple[Path, str]]]:
    """The scenario's main report figure, shown as ``docs/img/scenario_NAME.png``."""

    def images(root: Path) -> list[tuple[Path, str]]:
        return [(root / f"scenario_{name}" / FIGURES[name], f"scenario_{name}.png")]

    return images


# --------------------------------------------------------------------------- scale


def scale_commands(root: Path, overrides: Sequence[str]) -> list[Command]:
    """The benchmark at every size of the table, beside the Mesa yardstick, as JSON files."""
    return [
        Command(
            f"scale/{i}",
            (
                "experiments.benchmark",
                "--sizes",
                ",".join(str(n) for n in sizes),
                "--steps",
                str(steps),
                "--vs-mesa",
                "--mesa-style",
                "both",
                # The largest size runs with the community off and on.
                *(("--community", "both") if i == len(SCALE_RUNS) - 1 else ()),
                "--json",
                str(root / "scale" / str(i) / "benchmark.json"),
            ),
        )
        for i, (sizes, steps) in enumerate(SCALE_RUNS)
    ]


def power_of_ten(n: int) -> str:
    """``10⁶`` for a power of ten, else ``1,234``."""
    exponent = len(str(n)) - 1
    if n >= 100 and n == 10**exponent:
        digits = str(exponent).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
        return f"10{digits}"
    return f"{n:,}"


#: The ``× Mesa`` columns of the Scale table: benchmark key, column title and the yardstick's
#: name in prose. The idiomatic style is the per-agent Mesa step the performance issue names;
#: the tuned one is the fastest per-agent Python we could write (experiments.mesa_yardstick).
YARDSTICK_COLUMNS = (
    ("x_mesa_idiomatic", "× Mesa (idiomatic)", "the idiomatic Mesa yardstick"),
    ("x_mesa", "× Mesa (tuned)", "the tuned Mesa yardstick"),
)


def scale_text(rows: Sequence[dict]) -> str:
    """The Scale table and the sentence on its largest size.

    Reads only ``impl, n, steps, build_s, customer_steps_per_s, peak_rss_mb, x_mesa,
    x_mesa_idiomatic, community`` of each row (other keys are ignored). The Mesa yardstick's
    rows are left out; a ``× Mesa`` column per yardstick style (:data:`YARDSTICK_COLUMNS`)
    and a sentence say how the model's rows compare with it, when any row has its ratio.
    Rows with the community on are not in the table: a sentence gives the largest one's
    customer-steps per second.
    """
    model = [r for r in rows if r.get("impl", MODEL) == MODEL]
    community = sorted((r for r in model if r.get("community")), key=lambda r: int(r["n"]))
    rows = sorted((r for r in model if not r.get("community")), key=lambda r: int(r["n"]))
    columns = [c for c in YARDSTICK_COLUMNS if any(r.get(c[0]) is not None for r in rows)]
    head = "| n | build (s) | customer-steps/s | peak memory (MB) |"
    head += "".join(f" {title} |" for _, title, _ in columns)
    table = [head, "|---:|---:|---:|---:|" + "---:|" * len(columns)]
    for r in rows:
        line = (
            f"| {int(r['n']):,} | {float(r['build_s']):.2f} | "
            f"{float(r['customer_steps_per_s']) / 1e6:.2f} M | {float(r['peak_rss_mb']):,.0f} |"
        )
        for key, _, _ in columns:
            ratio = r.get(key)
            line += " – |" if ratio is None else f" {float(ratio):.1f}× |"
        table.append(line)
    big = rows[-1]
    n, steps = int(big["n"]), int(big["steps"])
    run_s = n * steps / float(big["customer_steps_per_s"])
    peak = float(big["peak_rss_mb"])
    memory = f"{peak / 1024:.1f} GB" if peak >= 1024 else f"{peak:,.0f} MB"
    sentence = (
        f"{power_of_ten(n)} customers × {steps} steps build in {float(big['build_s']):.1f} s "
        f"and run in {run_s:.1f} s ({memory} peak)."
    )
    if community:
        on = community[-1]
        sentence += (
            f" With the community on (reviews, reputation, outrage and boycotts), "
            f"{power_of_ten(int(on['n']))} customers run "
            f"{float(on['customer_steps_per_s']) / 1e6:.2f} M customer-steps per second."
        )
    for key, _, name in columns:
        sentence += " " + mesa_sentence(rows, key, name)
    return "\n".join(table) + "\n\n" + wrap(sentence)


def mesa_sentence(
    rows: Sequence[dict], key: str = "x_mesa", yardstick: str = "the Mesa yardstick"
) -> str:
    """What a ``× Mesa`` column says, from the smallest size to the largest.

    Args:
        rows: The model's rows, by size, at least one with ``key``.
        key: The column's ratio (``x_mesa`` or ``x_mesa_idiomatic``).
        yardstick: The yardstick's name in the sentence.
    """
    rated = [(int(r["n"]), float(r[key])) for r in rows if r.get(key) is not None]
    (n0, x0), (n1, x1) = rated[0], rated[-1]
    text = f"Against {yardstick} the model runs {x0:.1f}× the customer-steps per second"
    text += f" at {_size(n0)} customers"
    if x0 < 2:
        text += (
            ", where a step's fixed cost (numpy and Python calls whose number does not grow "
            "with the population) outweighs its work"
        )
    twice = next((n for n, x in rated if x >= 2), None)
    if twice is not None and twice not in (n0, n1):
        text += f", at least twice from {_size(twice)}"
    if n1 != n0:
        ratio = f"{x1:.1f}" if x1 < 10 else f"{x1:.0f}"
        text += f" and {ratio}× at {_size(n1)}"
    return text + "."


def _size(n: int) -> str:
    """``1,000`` below 10^5, else as :func:`power_of_ten` writes it (``10⁶``)."""
    return f"{n:,}" if n < 100_000 else power_of_ten(n)


def scale_render(root: Path) -> dict[str, str]:
    """The ``scale`` region, from each of its commands' ``benchmark.json``."""
    rows: list[dict] = []
    for i in range(len(SCALE_RUNS)):
        path = need(root / "scale" / str(i) / "benchmark.json")
        rows += json.loads(path.read_text(encoding="utf-8"))
    return {"scale": scale_text(rows)}


# --------------------------------------------------------------------------- registry


SECTIONS: dict[str, Section] = {
    s.name: s
    for s in [
        Section("demo", ("demo",), demo_commands, demo_render, demo_images),
        Section("compare", ("compare",), compare_commands, compare_render),
        *(
            Section(
                name,
                (name,),
                scenario_commands(name),
                scenario_render(name),
                scenario_images(name),
            )
            for name in TEMPLATES
        ),
        Section("scale", ("scale",), scale_commands, scale_render, default=False),
    ]
}
"""Every section by name, in README order (scale last)."""

GROUPS: dict[str, tuple[str, ...]] = {
    "scenarios": tuple(TEMPLATES),
    "default": tuple(name for name, s in SECTIONS.items() if s.default),
    "all": tuple(SECTIONS),
}
"""Names ``--only`` accepts for several sections at once."""


def all_markers() -> list[str]:
    """Every region the README must have."""
    return [m for s in SECTIONS.values() for m in s.markers]
