"""Property test of the pre-flight: any plausible override, typo or odd value fails cleanly.

Overrides are drawn from a grammar of what a user types: a key of the schema (or the key with
a letter dropped, doubled or swapped) and a value (integers from negative to huge, floats
including nan, inf, -0.0 and 1e308, booleans, words, lists with broken brackets, nothing).
:func:`sim.cli.preflight.check_overrides` must either accept the override, and then a small
market with it (``customers.n=50 steps=2``) builds and runs, or return one line that names
the key. No exception may escape either.

An override Hydra's grammar rejects (``seed=[``) is reported with the override itself
(``seed=[ is not a valid override: unclosed '['; ...``), so it names its key too.

The number of examples follows the Hypothesis profile (``HYPOTHESIS_PROFILE``, see
``tests/conftest.py``).
"""

import dataclasses
import functools
import typing

import pytest
from hydra import compose, initialize_config_dir
from hypothesis import given
from hypothesis import strategies as st

from sim.cli.preflight import check_overrides
from sim.cli.run_folder import execute, model_config
from sim.config import CONFIG_DIR, Config
from sim.config.memory import estimate

#: What the market is shrunk to before an accepted override is built.
SMALL = ["customers.n=50", "steps=2"]
#: Accepted overrides whose small market would still need more than this are not built.
BUILD_BELOW = 64e6


@functools.cache
def schema_keys() -> tuple[str, ...]:
    """Every value key of :class:`Config`, dotted (``pricing.adaptive.arms``)."""
    out: list[str] = []

    def walk(schema: type, prefix: str) -> None:
        hints = typing.get_type_hints(schema)
        for f in dataclasses.fields(schema):
            hint, key = hints[f.name], f"{prefix}{f.name}"
            if isinstance(hint, type) and dataclasses.is_dataclass(hint):
                walk(hint, f"{key}.")
            else:
                out.append(key)

    walk(Config, "")
    return tuple(out)


@st.composite
def typo(draw: st.DrawFn, key: str) -> str:
    """``key`` with one letter of its last part dropped, doubled or swapped with the next."""
    head, _, leaf = key.rpartition(".")
    i = draw(st.integers(0, len(leaf) - 1))
    kind = draw(st.sampled_from(["drop", "double", "swap"]))
    if kind == "drop" and len(leaf) > 1:
        leaf = leaf[:i] + leaf[i + 1 :]
    elif kind == "swap" and i + 1 < len(leaf):
        leaf = leaf[:i] + leaf[i + 1] + leaf[i] + leaf[i + 2 :]
    else:
        leaf = leaf[:i] + leaf[i] + leaf[i:]
    return f"{head}.{leaf}" if head else leaf


keys = st.sampled_from(schema_keys()).flatmap(lambda k: st.one_of(st.just(k), st.just(k), typo(k)))

numbers = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(["0", "-1", "1", "2", "3", "50", "2147483648", "10**6", "1_000"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "inf", "-inf", "-0.0", "1e308", "-1e308", "1e-320", "2e9", "0.5"]),
)
words = st.one_of(
    st.sampled_from(["true", "false", "null", "none", "posted", "linear", "small_world", "1.0.0"]),
    st.text(alphabet="abcxyz_:-.0123456789", max_size=8),
)
atoms = st.one_of(numbers, words)
lists = st.one_of(
    st.lists(atoms, max_size=4).map(lambda xs: f"[{','.join(xs)}]"),
    st.lists(atoms, max_size=3).map(lambda xs: f"[{','.join(xs)}"),
    st.lists(atoms, max_size=3).map(lambda xs: f"{','.join(xs)}]"),
    st.sampled_from(["[]", "[", "]", "[[1]", "[posted:1e308,volume_discount:1e308]", "{}"]),
)
values = st.one_of(numbers, words, lists, st.just(""))


def built_and_run(override: str) -> None:
    """Build the small market with ``override`` and run it (unless it would be big)."""
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base=None):
        cfg = compose(config_name="config", overrides=[override, *SMALL])
    est = estimate(cfg)
    if est is not None and est.total > BUILD_BELOW:
        return
    execute(model_config(cfg))


@given(key=keys, value=values)
def test_override_is_accepted_and_runs_or_named_in_one_line(key, value):
    override = f"{key}={value}"
    problem = check_overrides([override], CONFIG_DIR)
    if problem is None:
        built_and_run(override)
    else:
        assert isinstance(problem, str) and problem, override
        assert "\n" not in problem, problem
        assert key in problem, (override, problem)


@pytest.mark.parametrize("override", ["seed=[", "customers.n=[1,2"])
def test_grammar_errors_name_the_key(override):
    problem = check_overrides([override], CONFIG_DIR)
    assert problem is not None and "\n" not in problem
    assert override.split("=")[0] in problem, problem
