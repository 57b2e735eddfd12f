"""Parameter dataclasses carry their bounds; one checker reads them; mixes parse."""

from dataclasses import dataclass, field

import pytest

from agents.params import (
    ConfigError,
    check_fields,
    choice,
    integer,
    mix,
    names,
    number,
    parse_mix,
    probability,
)
from agents.pricing import make_policy


@dataclass
class Inner:
    rate: float = probability(0.5)


@dataclass
class Example:
    size: int = integer(3, ge=1, le=10)
    spread: float = number(0.5, gt=0.0)
    kind: str = choice("a", ("a", "b"))
    tags: list[str] = names(list, ("x", "y"))
    shares: list[str] = mix(lambda: ["x:1"], ("x", "y"))
    untyped: str | None = None
    inner: Inner = field(default_factory=Inner)

    @staticmethod
    def checks(node, key):
        if node.kind == "b" and node.size < 5:
            raise ConfigError(f"{key}.size too small for kind b")


def test_defaults_pass():
    check_fields(Example(), Example, "ex")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"size": 0}, "ex.size=0 is invalid; allowed: an integer in [1, 10]"),
        ({"size": 11}, "ex.size=11 is invalid; allowed: an integer in [1, 10]"),
        ({"size": True}, "ex.size=True is invalid"),
        ({"spread": 0.0}, "ex.spread=0.0 is invalid; allowed: a number in (0.0, inf)"),
        ({"spread": float("nan")}, "ex.spread=nan is invalid"),
        ({"kind": "c"}, "ex.kind='c' is invalid; allowed: a | b"),
        ({"tags": ["x", "z"]}, "ex.tags='z' is invalid; allowed: x | y"),
        ({"shares": []}, "ex.shares={} is invalid; allowed: a non-empty map of x | y to shares"),
        ({"shares": ["z"]}, "ex.shares.z='z' is invalid; allowed: x | y"),
        ({"shares": ["x:0"]}, "ex.shares={'x': 0.0} is invalid; allowed: shares that sum"),
        (
            {"inner": Inner(rate=2.0)},
            "ex.inner.rate=2.0 is invalid; allowed: a number in [0.0, 1.0]",
        ),
        ({"kind": "b"}, "ex.size too small for kind b"),
    ],
)
def test_each_bound_gives_one_line_naming_key_and_allowed(change, message):
    with pytest.raises(ConfigError) as err:
        check_fields(Example(**change), Example, "ex")
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


def test_only_checks_the_named_fields():
    check_fields(Example(size=0), Example, "", only=["spread"])
    with pytest.raises(ConfigError, match="^size=0"):
        check_fields(Example(size=0), Example, "", only=["size"])


def test_number_needs_exactly_one_lower_bound():
    with pytest.raises(TypeError):
        number(1.0)
    with pytest.raises(TypeError):
        number(1.0, ge=0.0, gt=0.0)


def test_mix_parsing():
    assert parse_mix(["a:0.25", "b"]) == {"a": 0.25, "b": 1.0}
    assert parse_mix({"a": 2}) == {"a": 2.0}
    with pytest.raises(ConfigError):
        parse_mix(["a:x"])
    with pytest.raises(ConfigError):
        parse_mix(["a", "a"])
    with pytest.raises(ConfigError):
        parse_mix(["a:-1"])


def test_policies_check_their_parameters_when_built():
    with pytest.raises(ConfigError, match=r"pricing.threshold.deal_discount=1.5 .*\[0.0, 1.0\]"):
        make_policy("threshold", {"deal_discount": 1.5})
    with pytest.raises(ConfigError, match="pricing.volume_discount.tier_quantities"):
        make_policy("volume_discount", {"tier_quantities": [2, 5], "tier_discounts": [0, 0.1]})
    with pytest.raises(TypeError):
        make_policy("posted", {"capture": 0.5})  # not a parameter of a posted price
