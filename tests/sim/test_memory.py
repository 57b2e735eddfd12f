"""Memory estimate: huge runs are refused in one line before anything is allocated."""

import pytest
from omegaconf import OmegaConf

from sim.cli.preflight import check_overrides
from sim.config import CONFIG_DIR, Config, ConfigError, validate
from sim.config.memory import ENV, MEMORY_KEYS, check_memory, estimate

GB = 1e9


def config(**values):
    cfg = OmegaConf.structured(Config)
    for key, value in values.items():
        OmegaConf.update(cfg, key.replace("__", "."), value)
    return cfg


def test_default_run_is_small_and_checked_without_asking_the_os(monkeypatch):
    est = estimate(config())
    assert est is not None and est.total < 5e6
    monkeypatch.setenv(ENV, "not a number")  # never read: the estimate is below the floor
    check_memory(config())


def test_estimate_matches_the_measured_scale():
    """10⁶ customers on the default graph peaked ~180 MB above the imports."""
    est = estimate(config(customers__n=10**6))
    assert 150e6 < est.total < 300e6
    assert est.main_parts() == ["customers", "graph"]


def test_partial_config_is_not_estimated():
    cfg = OmegaConf.create({"customers": {"n": 2 * 10**9, "quantity_max": 3}})
    assert estimate(cfg) is None
    check_memory(cfg, available=1.0)


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"customers__n": 2 * 10**9}, "customers.n=2000000000 "),
        (
            {"customers__n": 10**6, "network__kind": "erdos_renyi", "network__avg_degree": 5e4},
            "network.avg_degree=50000.0 ",
        ),
        ({"sellers__n": 10**4, "products__n": 10**4}, "products.n=10000 "),
        ({"customers__quantity_max": 10**4, "coalition__max_size": 10**4}, "quantity_max=10000"),
        ({"steps": 10**6, "customers__n": 10}, "steps=1000000 "),
    ],
)
def test_refusal_names_the_key_to_make_smaller(values, key):
    with pytest.raises(ConfigError) as err:
        check_memory(config(**values), available=0.3 * GB)
    msg = str(err.value)
    assert msg.count(key) == 1 and "\n" not in msg
    assert "more than the 0.3 GB available; allowed: a smaller" in msg


def test_environment_sets_the_limit(monkeypatch):
    cfg = config(customers__n=2 * 10**9)
    monkeypatch.setenv(ENV, "1000")
    check_memory(cfg)
    monkeypatch.setenv(ENV, "off")
    check_memory(cfg)
    monkeypatch.setenv(ENV, "50")
    with pytest.raises(ConfigError, match=r"more than the 50\.0 GB available"):
        check_memory(cfg)
    monkeypatch.setenv(ENV, "-1")
    with pytest.raises(ConfigError, match=f"{ENV}='-1' is invalid"):
        check_memory(cfg)


def test_validate_ends_with_the_memory_check(monkeypatch):
    monkeypatch.setenv(ENV, "1")
    with pytest.raises(ConfigError, match=r"^customers\.n=100000000 needs about"):
        validate(config(customers__n=10**8))


def test_memory_keys_are_schema_keys():
    cfg = OmegaConf.structured(Config)
    for key in MEMORY_KEYS:
        assert OmegaConf.select(cfg, key, default=KeyError) is not KeyError, key


@pytest.mark.parametrize(
    ("override", "start"),
    [
        ("customers.n=2e9", "customers.n='2000000000.0' is invalid; allowed: an integer"),
        ("customers.n=2000000000", "customers.n=2000000000 needs about"),
        (
            "customers.n=1000000000000",
            "customers.n=1000000000000 is invalid; allowed: an integer in",
        ),
        ("customers.quantity_max=1000000000000000000", "customers.quantity_max=10000000000"),
        (
            "pricing.adaptive.arms=[1.0,inf]",
            "pricing.adaptive.arms=[1.0, inf] is invalid; allowed: ",
        ),
        ("sellers.n=1000000000", "sellers.n=1000000000 is invalid; allowed: an integer in"),
        ("steps=10000000000", "steps=10000000000 is invalid; allowed: an integer in"),
        ("pricing.mix=[posted:1e308,volume_discount:1e308]", "pricing.mix={"),
        ("negotiation.max_rounds=1000000000", "negotiation.max_rounds=1000000000 is invalid"),
    ],
)
def test_issue_12_huge_values_fail_in_the_preflight(override, start, monkeypatch):
    monkeypatch.setenv(ENV, "20")
    msg = check_overrides([override], CONFIG_DIR)
    assert msg is not None and msg.startswith(start) and "\n" not in msg
