"""Planning a campaign: run ids, common random numbers, one composition, clear errors."""

from __future__ import annotations

import pytest
from hydra import compose

from agents.params import ConfigError
from experiments.campaign import plan as plan_module
from experiments.campaign.plan import compose_market, make_plan
from experiments.overrides import hydra_context
from sim.cli.run_folder import model_config
from sim.results.identity import config_hash


def planned(*overrides: str):
    ov = ["+campaign=example", *overrides]
    return make_plan(compose_market("run_campaign", ov), overrides=ov)


def test_run_id_is_the_hash_sim_run_writes_for_the_same_settings():
    plan = planned()
    task = next(t for t in plan.tasks if t.seed == 3 and t.values["coalition.max_size"] == 20)
    with hydra_context():
        cfg = compose(
            "config",
            overrides=[
                "customers.n=400",
                "steps=40",
                f"coalition.forward_p={task.values['coalition.forward_p']}",
                "coalition.max_size=20",
                "seed=3",
                "output.quiet=true",
            ],
        )
    assert task.run_id == config_hash(model_config(cfg))
    assert task.config["customers"]["n"] == 400 and task.config["seed"] == 3


def test_grid_times_seeds_with_common_random_numbers():
    plan = planned()
    assert len(plan.tasks) == 3 * 2 * 4
    assert len({t.run_id for t in plan.tasks}) == len(plan.tasks)
    seeds_by_point = {}
    for t in plan.tasks:
        seeds_by_point.setdefault(t.point, []).append(t.seed)
    assert all(s == [0, 1, 2, 3] for s in seeds_by_point.values())
    assert [t.index for t in plan.tasks] == list(range(len(plan.tasks)))


def test_more_seeds_extend_the_campaign_and_keep_every_run_id():
    small, large = planned(), planned("campaign.seeds=6")
    assert {t.run_id for t in small.tasks} < {t.run_id for t in large.tasks}


def test_values_are_typed_as_the_schema_types_them():
    plan = planned("+campaign.parameters.customers.wtp_mean.values=[2]")
    assert all(isinstance(t.config["customers"]["wtp_mean"], float) for t in plan.tasks)


def test_the_base_market_is_composed_once_per_group_choice(monkeypatch):
    calls = []
    real = plan_module.compose_market
    monkeypatch.setattr(plan_module, "compose_market", lambda *a: calls.append(a) or real(*a))
    ov = ["+campaign=discovery", "campaign.samples=50", "campaign.seeds=4"]
    cfg = compose_market("run_campaign", ov)
    plan = make_plan(cfg, overrides=ov)
    assert len(plan.tasks) == 50 * 2 * 4
    assert len(calls) == 2  # one per pricing arm, not one per run
    mixes = {t.values["pricing"]: t.config["pricing"]["mix"] for t in plan.tasks}
    assert mixes == {"posted": ["posted"], "volume_discount": ["volume_discount"]}


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("+campaign.parameters.nope.x.values=[1]", "nope.x"),
        ("+campaign.parameters.seed.values=[1,2]", "seed"),
        ("campaign.design=sobol", "coalition.forward_p"),
        ("+campaign.parameters.coalition.max_size.values=[1]", "coalition.max_size"),
        ("+campaign.parameters.coalition.max_size.lo=1", "coalition.max_size"),
        ("campaign.seeds=0", "campaign.seeds"),
        ("campaign.design=bogus", "campaign.design"),
    ],
)
def test_bad_campaigns_fail_naming_the_key(override, expected):
    with pytest.raises(ConfigError, match=expected.replace(".", r"\.")):
        planned(override)
