"""The optimiser: a known optimum, the command line end to end, resume, bad input, the space."""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest
import yaml
from omegaconf import OmegaConf

from experiments.optimise.command import plan_from_argv, preflight
from experiments.optimise.objective import run_seed
from experiments.optimise.space import Param
from experiments.optimise.spec import OptimiseConfig
from experiments.optimise.study import JOURNAL, run_study
from sim.config import CONFIG_DIR

MARKUP = "pricing.posted.markup"

#: A tiny mixed market (posted + volume discount sellers) where the posted markup matters.
TINY = ["customers.n=60", "steps=5", "seeds=2"]


def optimise_cli(args, cwd, check=False):
    return subprocess.run(
        [sys.executable, "-m", "experiments.optimise", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=check,
        timeout=600,
    )


def plan_in(folder, *args):
    """A checked plan whose run folder is ``folder`` (as the command line would give it)."""
    plan, where = plan_from_argv([*args, f"hydra.run.dir={folder}"])
    assert where == Path(folder)
    return plan


# --------------------------------------------------------------------------- known optimum


def test_finds_the_analytic_profit_maximising_markup(tmp_path):
    """One posted-price seller facing uniform valuations: the optimiser finds p*.

    In this model a customer's valuation is ``wtp = U * ref`` with ``ref`` the product's base
    cost and ``U`` uniform on ``[m - sqrt(3) s, m + sqrt(3) s]`` (``customers.wtp_mean=m``,
    ``customers.wtp_sd=s``: the uniform with that mean and standard deviation). A posted
    seller asks ``c (1 + markup)`` with ``c`` its unit cost, and a solo buyer who does not
    bargain buys (one unit) iff the price is within its valuation. With ``c = ref`` the
    expected profit at ``x = 1 + markup`` is ``n c (x - 1) P(U >= x) = n c (x - 1)(b - x) /
    (b - a)``, maximal at ``x* = (1 + b) / 2``, i.e. ``markup* = (b - 1) / 2 = 0.5098`` for
    ``m = 1.5, s = 0.3`` (interior: ``x* > a``).

    Features that would move the answer, switched off here:

    - cost spreads (``products.cost_spread``, ``sellers.cost_spread``): the seller's cost
      would differ from the reference price valuations are drawn relative to;
    - ``sellers.min_margin``: the price is floored at ``c (1 + min_margin)``;
    - ``sellers.capacity`` (per step, default 400): a binding capacity raises the optimal
      price to the one where demand meets capacity;
    - arrivals and patience: everyone is active at step 0 (``initially_active=1``) and the
      price never changes, so one step shows each customer the price once;
    - ``quantity_max=1``, one seller (no competition), ``coalition=none`` (no groups, no
      group prices), posted prices are not negotiable, not adaptive, not demand based, and
      the community (reviews, boycotts) is off by default.

    Tolerance: the sample optimum of 2 x 4,000 draws lies about n^(-1/3) from the analytic
    one (measured 0.02-0.03 for this seed set with several sampler seeds), and profit is flat
    there (1% below the peak at +-0.05), so the best markup must be within 0.05 of markup*,
    and, on the same customers, at least as profitable as markup* itself (to 0.5%).
    """
    m, s, n = 1.5, 0.3, 4000
    a, b = m - math.sqrt(3) * s, m + math.sqrt(3) * s
    best_markup = (b - 1) / 2
    assert 1 + best_markup > a  # the optimum is interior
    market = [
        "pricing=posted",
        "coalition=none",
        "sellers.n=1",
        "products.n=1",
        "sellers.products_per_seller=1",
        "products.cost_spread=0",
        "sellers.cost_spread=0",
        "sellers.min_margin=0",
        f"sellers.capacity={n}",
        "customers.wtp_dist=uniform",
        f"customers.wtp_mean={m}",
        f"customers.wtp_sd={s}",
        "customers.quantity_max=1",
        "customers.initially_active=1",
        f"customers.n={n}",
        "steps=1",
    ]
    plan = plan_in(
        tmp_path,
        *market,
        f"{MARKUP}=interval(0.0,1.5)",
        "objective=profit.posted",
        "trials=30",
        "seeds=2",
        "report.figures=false",
    )
    study = run_study(plan, tmp_path, progress=False).study
    found = study.best_params[MARKUP]
    assert abs(found - best_markup) < 0.05, (found, best_markup)

    def profit(markup):
        return float(
            np.mean([run_seed(c)["profit.posted"] for c in plan.configs({MARKUP: markup})])
        )

    at_optimum = profit(best_markup)
    assert study.best_value >= 0.995 * at_optimum
    assert study.best_value > max(profit(0.0), profit(1.5))
    # The model's demand is the analytic one: profit at markup* is n c markup*^2 / (b - a)
    # up to the sampling error of 8,000 draws (about 1%).
    expected = n * 10.0 * best_markup * (b - 1 - best_markup) / (b - a)
    assert at_optimum == pytest.approx(expected, rel=0.03)


# --------------------------------------------------------------------------- command line


@pytest.fixture(scope="module")
def resumed(tmp_path_factory):
    """The same command run with trials=3, then trials=5, in the default study folder."""
    cwd = tmp_path_factory.mktemp("optimise")
    args = [
        *TINY,
        f"{MARKUP}=interval(0.0,1.5)",
        "objective={welfare:0.5,consumer_surplus:0.5}",
    ]
    first = optimise_cli([*args, "trials=3"], cwd, check=True)
    first_trials = pd.read_parquet(cwd / "results/optimise/default/trials.parquet")
    second = optimise_cli([*args, "trials=5"], cwd, check=True)
    return cwd / "results/optimise/default", first, first_trials, second


def test_interval_on_the_command_line_runs_a_study(resumed):
    folder, first, first_trials, _ = resumed
    assert "3 trials (3 run now)" in first.stdout
    assert str(folder) in first.stdout or "results/optimise/default" in first.stdout
    assert len(first_trials) == 3
    assert first_trials[f"params_{MARKUP}"].between(0.0, 1.5).all()
    for name in ("best.json", "trials.parquet", "optimisation.png", JOURNAL):
        assert (folder / name).stat().st_size > 0, name
    assert not list(folder.glob(".*.tmp"))


def test_rerun_continues_the_study_up_to_the_total(resumed):
    folder, _, first_trials, second = resumed
    assert "5 trials (2 run now)" in second.stdout
    study = optuna.load_study(
        study_name="default",
        storage=optuna.storages.JournalStorage(
            optuna.storages.journal.JournalFileBackend(str(folder / JOURNAL))
        ),
    )
    assert len(study.trials) == 5
    trials = pd.read_parquet(folder / "trials.parquet")
    assert list(trials["number"]) == [0, 1, 2, 3, 4]
    assert (trials["state"] == "COMPLETE").all()
    # The first three trials are the ones the first run made, untouched.
    pd.testing.assert_series_equal(trials["value"][:3], first_trials["value"])


def test_best_json_holds_the_mix_and_its_intervals(resumed):
    folder, *_ = resumed
    best = json.loads((folder / "best.json").read_text())
    trials = pd.read_parquet(folder / "trials.parquet")
    assert best["objective"] == {"welfare": 0.5, "consumer_surplus": 0.5}
    assert best["seeds"] == [0, 1] and best["trials"]["total"] == 5
    top = trials.loc[trials["value"].idxmax()]
    assert best["best"]["trial"] == top["number"]
    assert best["best"]["params"][MARKUP] == top[f"params_{MARKUP}"]
    obj, metrics = best["best"]["objective"], best["best"]["metrics"]
    # Each seed's objective is the weighted mix of that seed's metrics; the value the mean.
    mixed = [
        0.5 * w + 0.5 * cs
        for w, cs in zip(
            metrics["welfare"]["per_seed"], metrics["consumer_surplus"]["per_seed"], strict=True
        )
    ]
    assert obj["per_seed"] == pytest.approx(mixed)
    assert obj["mean"] == pytest.approx(top["value"]) == pytest.approx(np.mean(mixed))
    assert obj["low"] < obj["mean"] < obj["high"] and obj["n"] == 2
    assert list(top["user_attrs_objective"]) == pytest.approx(obj["per_seed"])


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ([f"{MARKUP}=interval(0.0,1.5)", "objective=profit_margin"], "profit_margin"),
        (["customers.patience=interval(1,10)"], "customers.patience"),
        (["coalition.max_size=glob(*)"], "coalition.max_size"),
    ],
    ids=["objective", "key", "sweep"],
)
def test_bad_input_fails_in_one_line_and_writes_nothing(tmp_path, args, named):
    proc = optimise_cli([*TINY, *args], tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert named in lines[0] and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- checks


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "the search space is empty"),
        ([f"{MARKUP}=interval(-1,1.5)"], f"{MARKUP}=-1.0 is invalid; allowed: a number in"),
        ([f"{MARKUP}=interval(1.5,0)"], "low < high"),
        (["pricing=choice(posted,threshold)"], "pricing is a config group"),
        (["seeds=2,3"], "seeds is the optimiser's own setting"),
        (["seed=3", f"{MARKUP}=interval(0,1)"], "use first_seed=S and seeds=K"),
        ([f"{MARKUP}=interval(0,1)", f"{MARKUP}=0.2"], f"{MARKUP} is searched"),
        (["pricing.mix=choice(a,b)"], "pricing.mix is not a market value"),
        (["pricing.threshold.markup=interval(0,1)"], "no seller uses threshold"),
        (["coalition.max_size=interval(2.5,40)"], "whole numbers"),
        (["coalition.division=interval(0,1)"], "coalition.division=choice(A,B,...)"),
        (["coalition.division=choice(uniform,nope)"], "coalition.division='nope' is invalid"),
        (["customers.wtp_sd=tag(log,interval(0,1))"], "a log scale needs low > 0"),
        (["customers.wtp_sd=tag(cool,interval(0.1,1))"], "tag 'cool' is not supported"),
        (["customers.wtp_sd=shuffle(0.1,0.2)"], "shuffle has no meaning"),
        (["+customers.wtp_sd=interval(0.1,1)"], "no +, ++ or ~"),
        (["search={customers.wtp_sd:{lo:0.1,hi:1}}"], "search.customers.wtp_sd="),
        ([f"{MARKUP}=interval(0,1)", "objective={welfare:big}"], "objective.welfare='big'"),
        ([f"{MARKUP}=interval(0,1)", "direction=up"], "direction='up' is invalid"),
        ([f"{MARKUP}=interval(0,1)", "sampler=annealing"], "allowed: tpe | random"),
        ([f"{MARKUP}=interval(0,1)", "trials=0"], "trials=0 is invalid"),
        ([f"{MARKUP}=interval(0,1)", "study=../x"], "study='../x' is invalid"),
        ([f"{MARKUP}=interval(0,1)", "coalition.forward_p=2"], "coalition.forward_p=2"),
        (["-m", f"{MARKUP}=interval(0,1)"], "-m/--multirun is not supported"),
    ],
)
def test_preflight_names_the_problem_in_one_line(args, expected):
    problem = preflight(args)
    assert problem is not None and expected in problem, problem
    assert "\n" not in problem


def test_unknown_objective_lists_the_metrics_of_the_market():
    problem = preflight([f"{MARKUP}=interval(0,1)", "objective=profit.threshold"])
    assert "'profit.threshold' is not a metric" in problem
    for name in ("welfare", "consumer_surplus", "seller_profit", "profit.posted"):
        assert name in problem.split("allowed: ")[1].split(" | ")


def test_search_space_from_sweeps_and_config(tmp_path):
    plan = plan_in(
        tmp_path,
        "search={customers.wtp_sd:{low:0.1,high:0.5},pricing.posted.markup:{low:0,high:3}}",
        f"{MARKUP}=interval(0.0,1.5)",
        "customers.wtp_mean=tag(log,interval(1,4))",
        "coalition.max_size=range(2,41,2)",
        "sellers.min_margin=range(0,0.5,0.1)",
        "coalition.division=uniform,shapley",
        "objective=profit.posted",
    )
    space = {p.key: p for p in plan.params}
    assert space == {
        "customers.wtp_sd": Param("customers.wtp_sd", "float", low=0.1, high=0.5),
        # The command line takes precedence over the config's search node.
        MARKUP: Param(MARKUP, "float", low=0.0, high=1.5),
        "customers.wtp_mean": Param("customers.wtp_mean", "float", low=1.0, high=4.0, log=True),
        "coalition.max_size": Param("coalition.max_size", "int", low=2, high=40, step=2),
        "sellers.min_margin": Param("sellers.min_margin", "float", low=0.0, high=0.4, step=0.1),
        "coalition.division": Param(
            "coalition.division", "categorical", choices=("uniform", "shapley")
        ),
    }
    trial = optuna.create_study().ask()
    values = {p.key: p.suggest(trial) for p in plan.params}
    assert isinstance(values["coalition.max_size"], int) and values["coalition.max_size"] % 2 == 0
    config = plan.configs(values)[0]
    assert config["coalition"]["division"] == values["coalition.division"]
    assert config["seed"] == 0


def test_a_study_is_only_continued_with_the_same_settings(tmp_path):
    base = ["customers.n=60", "steps=5", "seeds=2", f"{MARKUP}=interval(0.0,1.5)"]
    run_study(plan_in(tmp_path, *base, "trials=1"), tmp_path, progress=False)
    here = f"hydra.run.dir={tmp_path}"
    assert preflight([*base, "trials=2", "jobs=2", "sampler=random", here]) is None
    for changed, what in [
        ([*base, "objective=welfare"], "objective"),
        ([*base, "direction=minimize"], "direction"),
        ([*base[:3], f"{MARKUP}=interval(0.0,1.0)"], "search space"),
        ([*base, "first_seed=1"], "seeds"),
        (["customers.n=61", *base[1:]], "market config"),
    ]:
        problem = preflight([*changed, here])
        assert f"was run with another {what}" in problem and "study=NAME" in problem, problem
    # Another study may share the folder's journal.
    assert preflight([*base, "objective=welfare", "study=other", here]) is None


def test_jobs_and_resume_give_the_same_trials_as_one_run(tmp_path):
    args = [*TINY, f"{MARKUP}=interval(0.0,1.5)", "report.figures=false"]
    once = run_study(plan_in(tmp_path / "a", *args, "trials=4"), tmp_path / "a", progress=False)
    run_study(plan_in(tmp_path / "b", *args, "trials=2"), tmp_path / "b", progress=False)
    resumed = run_study(
        plan_in(tmp_path / "b", *args, "trials=4", "jobs=2"), tmp_path / "b", progress=False
    )
    assert resumed.before == 2 and resumed.ran == 2
    for a, b in zip(once.study.trials, resumed.study.trials, strict=True):
        assert a.params == b.params
        assert a.value == b.value
        assert a.user_attrs["objective"] == b.user_attrs["objective"]
    per_seed = once.study.best_trial.user_attrs["objective"]
    assert once.study.best_value == pytest.approx(np.mean(per_seed)) and len(per_seed) == 2


def test_an_interrupted_trial_is_run_again(tmp_path):
    args = [*TINY, f"{MARKUP}=interval(0.0,1.5)", "report.figures=false", "trials=2"]
    plan = plan_in(tmp_path, *args)
    run_study(plan, tmp_path, progress=False)
    # A process killed mid-trial leaves the trial RUNNING in the journal.
    storage = optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(tmp_path / JOURNAL))
    )
    optuna.load_study(study_name="default", storage=storage).ask()
    run = run_study(plan_in(tmp_path, *args[:-1], "trials=3"), tmp_path, progress=False)
    states = [t.state for t in run.study.trials]
    assert states == [
        optuna.trial.TrialState.COMPLETE,
        optuna.trial.TrialState.COMPLETE,
        optuna.trial.TrialState.FAIL,
        optuna.trial.TrialState.COMPLETE,
    ]
    assert run.ran == 1


def test_a_trial_with_an_invalid_market_fails_and_counts(tmp_path):
    plan = plan_in(
        tmp_path,
        *TINY,
        "products.n=range(2,4)",
        "sellers.products_per_seller=range(2,5)",
        "objective=welfare",
        "sampler=random",
        "trials=6",
        "report.figures=false",
    )
    trials = run_study(plan, tmp_path, progress=False).study.trials
    assert len(trials) == 6
    failed = [t for t in trials if t.state == optuna.trial.TrialState.FAIL]
    assert failed, "no trial drew products_per_seller > products.n"
    for t in failed:
        assert t.params["sellers.products_per_seller"] > t.params["products.n"]
        assert "sellers.products_per_seller" in t.user_attrs["error"]


def test_config_file_holds_only_differences_from_the_schema():
    data = yaml.safe_load((Path(CONFIG_DIR) / "optimise.yaml").read_text())
    assert data["defaults"] == ["config", "optimise_schema", "_self_"]
    defaults = OmegaConf.to_container(OmegaConf.structured(OptimiseConfig))
    for key, value in data.items():
        if key not in ("defaults", "hydra"):
            assert value != defaults.get(key), f"optimise.yaml repeats {key}"
    assert data["hydra"]["run"]["dir"] == "results/optimise/${study}"
