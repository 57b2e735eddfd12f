"""The Python API: keyword arguments mirror the config; Mesa tools work with the model."""

import inspect

import mesa
import pytest
from hydra import compose, initialize_config_dir

from agents.customer import CustomerAgent
from agents.seller import SellerAgent
from sim import MarketModel
from sim.config import CONFIG_DIR, Config, ConfigError
from sim.results.metrics import summarize


def test_from_config_equals_keywords():
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base=None):
        cfg = compose("config", overrides=["customers.n=150", "steps=10", "seed=4"])
    a = MarketModel.from_config(cfg).run()
    b = MarketModel(
        seed=4,
        steps=10,
        customers=dict(cfg.customers),
        products=dict(cfg.products),
        sellers=dict(cfg.sellers),
        network=dict(cfg.network),
        pricing=cfg.pricing,
        coalition=dict(cfg.coalition),
        negotiation=cfg.negotiation,
    ).run()
    assert a.deals_frame().equals(b.deals_frame())


def test_constructor_keywords_mirror_config_nodes():
    params = set(inspect.signature(MarketModel.__init__).parameters) - {"self", "rng", "graph"}
    nodes = set(Config.__dataclass_fields__) - {"output", "tags"}
    assert params == nodes


def test_agents_are_mesa_agents_with_views():
    m = MarketModel(seed=1, steps=5, customers={"n": 50})
    customers = m.agents_by_type[CustomerAgent]
    sellers = m.agents_by_type[SellerAgent]
    assert len(customers) == 50 and len(sellers) == m.sellers.n
    c = m.customer_agents[7]
    assert c.product == m.customers.product[7]
    assert c.willingness_to_pay == pytest.approx(m.customers.wtp[7])
    assert m.seller_agents[0].policy.name in ("posted", "volume_discount")


def test_batch_run_sweeps_the_model():
    results = mesa.batch_run(
        MarketModel,
        parameters={
            "customers": [{"n": 60}],
            "steps": [5],
            "network": [{"kind": "small_world"}, {"kind": "erdos_renyi"}],
        },
        rng=[0, 1],
        max_steps=5,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    assert len(results) == 4
    assert {"deals", "seller_profit", "consumer_surplus"} <= set(results[0])


def test_batch_run_reports_whole_run_totals():
    kwargs = {"customers": {"n": 80}, "steps": 12}
    (row,) = mesa.batch_run(
        MarketModel,
        parameters={k: [v] for k, v in kwargs.items()},
        rng=[2],
        max_steps=12,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    model = MarketModel(rng=2, **kwargs).run()
    deals = model.deals_frame()
    summary = summarize(deals, n_customers=80, n_sellers=model.sellers.n, steps=12, seed=2)
    assert row["total_deals"] == len(deals) == summary["deals"] > row["deals"]
    assert row["total_units_sold"] == summary["units_sold"]
    for key in ("consumer_surplus", "seller_profit", "welfare"):
        assert row[f"total_{key}"] == pytest.approx(summary[key], rel=1e-9)


def test_bad_keyword_values_raise_config_error():
    with pytest.raises(ConfigError, match="customers.n"):
        MarketModel(customers={"n": 0})
    with pytest.raises(ConfigError, match="network.kind"):
        MarketModel(network={"kind": "lattice"})
    with pytest.raises(ConfigError, match="customers"):
        MarketModel(customers={"nn": 5})
