"""Config schema: defaults are valid, and each bad value names its key and what is allowed."""

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.config import CONFIG_DIR, Config, ConfigError, resolve, to_node, validate
from sim.config.schema import NODE_SCHEMAS
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
        ("customers.n", 0, "[1, 2000000000]"),
        ("steps", -1, "[1, 1000000]"),
        ("customers.arrival_rate", 1.2, "[0.0, 1.0]"),
        ("customers.wtp_dist", "pareto", "lognormal"),
        ("network.kind", "grid", "small_world"),
        ("network.rewire_p", -0.1, "[0.0, 1.0]"),
        ("coalition.max_size", 1, "[2, 100000]"),
        ("coalition.division", "nash", "shapley"),
        ("negotiation.first_mover", "both", "seller | buyer"),
        ("negotiation.seller_tactics", ["haggler"], "boulware"),
        ("pricing.mix", [], "non-empty"),
        ("pricing.volume_discount.tier_quantities", [2, 5, 10, 20, 40], "starting at 1"),
        ("pricing.volume_discount.tier_discounts", [0, 0.2, 0.1, 0.3, 0.4], "non-decreasing"),
        # A length mismatch names both lists: either may be the one given wrong.
        ("pricing.volume_discount.tier_discounts", [], "one discount per tier quantity"),
        ("pricing.volume_discount.tier_quantities", [1, 5], "one discount per tier quantity"),
        ("pricing.volume_discount.tier_quantities", [], "a non-empty list"),
        ("pricing.customer_first.tier_discounts", [0.0], "one discount per tier quantity"),
    ],
)
def test_bad_values_name_key_and_allowed(key, value, allowed):
    cfg = base()
    OmegaConf.update(cfg, key, value)
    with pytest.raises(ConfigError) as err:
        validate(cfg)
    msg = str(err.value)
    assert key in msg and allowed in msg and "\n" not in msg


def test_schema_defaults_are_the_only_defaults():
    """The YAML group options repeat no schema default (defaults live in one place)."""
    import yaml

    from sim.config import CONFIG_DIR, NODE_SCHEMAS

    defaults = OmegaConf.to_container(OmegaConf.structured(Config))
    for group in NODE_SCHEMAS:
        for path in (Path(CONFIG_DIR) / group).glob("*.yaml"):
            data = yaml.safe_load(path.read_text()) or {}
            if "defaults" in data:  # a @package _global_ option: its node is one level down
                data = data.get(group, {})
            for key, value in data.items():
                if key in ("kind", "algorithm", "enabled", "protocol", "mix"):
                    continue  # the value that names the option
                assert value != defaults[group].get(key), f"{path.name} repeats {group}.{key}"


def test_ranges_come_from_the_schema():
    """A bound declared on a schema field is what validation enforces and reports."""
    from dataclasses import fields

    from sim.config.schema import CommunityConfig

    meta = {f.name: f.metadata for f in fields(CommunityConfig)}
    assert meta["review_hops"] == {"int_ge": 1, "int_le": 100}
    cfg = base()
    cfg.community.review_hops = 101
    with pytest.raises(ConfigError, match=r"community.review_hops=101 .*\[1, 100\]"):
        validate(cfg)


def test_model_accepts_mapping_mixes():
    m = MarketModel(
        steps=2,
        customers={"n": 30},
        pricing={"mix": {"volume_discount": 1}},
        negotiation={"buyer_tactics": {"rubinstein": 1}},
    )
    assert {p.name for p in m.sellers.policies} == {"volume_discount"}
    assert m.tactic_names[int(m.customers.tactic[0])] == "rubinstein"


@pytest.mark.parametrize(
    "overrides",
    [[], ["pricing=personalised", "customers.n=300"], ["network=small_world", "community=active"]],
)
def test_typed_nodes_resolve_as_their_merge_onto_the_schema_would(overrides):
    # Hydra's nodes are typed by their schema and skip the merge; the plain-dict route
    # merges. Both must give the same config, down to OmegaConf's flags.
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base=None):
        cfg = compose(config_name="config", overrides=overrides)
    typed = {k: cfg[k] for k in NODE_SCHEMAS}
    plain = {k: OmegaConf.to_container(cfg[k]) for k in NODE_SCHEMAS}
    a, b = resolve(cfg.seed, cfg.steps, **typed), resolve(cfg.seed, cfg.steps, **plain)
    assert OmegaConf.to_yaml(a) == OmegaConf.to_yaml(b)
    for k in NODE_SCHEMAS:
        assert OmegaConf.get_type(a[k]) is OmegaConf.get_type(b[k]) is NODE_SCHEMAS[k]
        assert a[k]._get_flag("struct") == b[k]._get_flag("struct")
        assert a[k] is not cfg[k]
    a.customers.n = 7  # the resolved config is the model's own
    assert cfg.customers.n != 7


def test_nodes_handed_out_are_copies_of_the_shared_defaults():
    node = to_node("customers", None)
    node.n = 7
    assert resolve().customers.n == to_node("customers", None).n != 7
    typed = resolve().customers
    assert to_node("customers", typed) is not typed
