"""Config schema: defaults are valid, and each bad value names its key and what is allowed."""

import pytest
from omegaconf import OmegaConf

from sim.config import Config, ConfigError, parse_mix, validate
from sim.model import MarketModel


def base():
    cfg = OmegaConf.structured(Config)
    cfg.pricing.mix = ["posted"]
    cfg.negotiation.buyer_tactics = ["linear"]
    cfg.negotiation.seller_tactics = ["linear"]
    return cfg


def test_defaults_validate():
    validate(base())


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("customers.n", 0, ">= 1"),
        ("steps", -1, ">= 1"),
        ("customers.arrival_rate", 1.2, "[0.0, 1.0]"),
        ("customers.wtp_dist", "pareto", "lognormal"),
        ("network.kind", "grid", "small_world"),
        ("network.rewire_p", -0.1, "[0.0, 1.0]"),
        ("coalition.max_size", 1, ">= 2"),
        ("coalition.division", "nash", "shapley"),
        ("negotiation.first_mover", "both", "seller | buyer"),
        ("negotiation.seller_tactics", ["haggler"], "boulware"),
        ("pricing.mix", [], "non-empty"),
        ("pricing.volume_discount.tier_quantities", [2, 5, 10, 20, 40], "starting at 1"),
        ("pricing.volume_discount.tier_discounts", [0, 0.2, 0.1, 0.3, 0.4], "non-decreasing"),
    ],
)
def test_bad_values_name_key_and_allowed(key, value, allowed):
    cfg = base()
    OmegaConf.update(cfg, key, value)
    with pytest.raises(ConfigError) as err:
        validate(cfg)
    msg = str(err.value)
    assert key in msg and allowed in msg and "\n" not in msg


def test_mix_parsing():
    assert parse_mix(["a:0.25", "b"]) == {"a": 0.25, "b": 1.0}
    assert parse_mix({"a": 2}) == {"a": 2.0}
    with pytest.raises(ConfigError):
        parse_mix(["a:x"])
    with pytest.raises(ConfigError):
        parse_mix(["a", "a"])


def test_model_accepts_mapping_mixes():
    m = MarketModel(
        steps=2,
        customers={"n": 30},
        pricing={"mix": {"volume_discount": 1}},
        negotiation={"buyer_tactics": {"rubinstein": 1}},
    )
    assert {p.name for p in m.sellers.policies} == {"volume_discount"}
    assert m.tactic_names[int(m.customers.tactic[0])] == "rubinstein"
