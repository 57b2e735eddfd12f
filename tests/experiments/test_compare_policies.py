"""The policy comparison: report folder, vary, reproducibility, bad input, statistics."""

import json
import math
import shlex
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from experiments.compare_policies import DEFAULT_POLICIES
from experiments.stats import holm, mean_ci, paired_test, pairwise_comparisons, rank
from sim.model import MarketModel
from sim.results.metrics import TIMESERIES_COLUMNS, summarize

TINY = ["customers.n=120", "steps=12", "seeds=2"]
POLICIES = list(DEFAULT_POLICIES)


def compare_cli(args, cwd, check=True):
    return subprocess.run(
        [sys.executable, "-m", "experiments.compare_policies", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=check,
        timeout=600,
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory, repo_root):
    out = tmp_path_factory.mktemp("compare") / "report"
    proc = compare_cli([*TINY, f"hydra.run.dir={out}"], repo_root)
    return out, proc


def summary_keys():
    model = MarketModel(seed=0, steps=2, customers={"n": 40})
    model.run()
    deals = model.deals_frame()
    return set(summarize(deals, n_customers=40, n_sellers=6, steps=2, seed=0))


@pytest.mark.slow
def test_report_folder_has_every_file_with_the_right_rows(report):
    out, proc = report
    assert str(out / "report.md") in proc.stdout
    for name in (
        "runs.parquet",
        "timeseries.parquet",
        "report.md",
        "report.html",
        "metrics_by_policy.png",
        "price_over_time.png",
        "profit_vs_surplus.png",
        "manifest.json",
    ):
        assert (out / name).stat().st_size > 0, name
    assert not list(out.glob("*.tmp"))

    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == len(POLICIES) * 2
    assert list(runs["policy"]) == [p for p in POLICIES for _ in range(2)]
    assert list(runs["seed"]) == [0, 1] * len(POLICIES)
    for col in ("customers.n", "steps", "network.kind", "coalition.algorithm", "pricing.mix"):
        assert col in runs, col
    assert summary_keys() | {"mean_price"} <= set(runs.columns)
    assert (runs["customers.n"] == 120).all() and (runs["steps"] == 12).all()
    assert runs.groupby("policy")["pricing.mix"].nunique().eq(1).all()

    ts = pd.read_parquet(out / "timeseries.parquet")
    assert len(ts) == len(POLICIES) * 2 * 12
    assert {"policy", "seed", *TIMESERIES_COLUMNS} <= set(ts.columns)
    assert list(ts.groupby(["policy", "seed"]).size()) == [12] * (len(POLICIES) * 2)


@pytest.mark.slow
def test_report_text_names_policies_metrics_and_figures(report):
    out, _ = report
    md = (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    for word in (*POLICIES, "seller_profit", "consumer_surplus", "welfare", "mean_price"):
        assert word in md and word in html
    assert "Common random numbers" in md and "120 customers" in md
    assert "](metrics_by_policy.png)" in md
    assert "data:image/png;base64," in html and 'src="metrics_by_policy.png"' not in html
    assert html.count("<table") == md.count("\n|---") >= 7


@pytest.mark.slow
def test_vary_runs_policies_times_values_times_seeds(tmp_path, repo_root):
    out = tmp_path / "vary"
    compare_cli(
        [
            *TINY,
            "policies=[posted,volume_discount]",
            "vary={key:coalition.max_size,values:[5,20]}",
            "network=scale_free",
            "report.figures=false",
            f"hydra.run.dir={out}",
        ],
        repo_root,
    )
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 2 * 2 * 2
    assert list(runs["coalition.max_size"]) == [5, 5, 20, 20] * 2
    assert (runs["network.kind"] == "scale_free").all()
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert len(ts) == 8 * 12 and "coalition.max_size" in ts
    assert "coalition.max_size=20" in (out / "report.md").read_text()
    assert not (out / "metrics_by_policy.png").exists()


@pytest.mark.slow
def test_same_invocation_gives_identical_runs_table(report, tmp_path, repo_root):
    out, _ = report
    again = tmp_path / "again"
    compare_cli([*TINY, f"hydra.run.dir={again}"], repo_root)
    assert (again / "runs.parquet").read_bytes() == (out / "runs.parquet").read_bytes()
    assert (again / "report.md").read_text() == (out / "report.md").read_text()


@pytest.mark.slow
def test_parallel_jobs_give_the_same_results(report, tmp_path, repo_root):
    out, _ = report
    par = tmp_path / "parallel"
    compare_cli([*TINY, "jobs=2", "report.figures=false", f"hydra.run.dir={par}"], repo_root)
    assert (par / "runs.parquet").read_bytes() == (out / "runs.parquet").read_bytes()
    a = pd.read_parquet(par / "timeseries.parquet")
    pd.testing.assert_frame_equal(a, pd.read_parquet(out / "timeseries.parquet"))


def test_unknown_policy_fails_before_anything_runs(tmp_path, repo_root):
    out = tmp_path / "never"
    proc = compare_cli(["policies=[posted,x]", *TINY, f"hydra.run.dir={out}"], repo_root, False)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: policies: 'x' is not a pricing option; allowed: ")
    assert "posted" in lines[0] and "volume_discount" in lines[0] and " | " in lines[0]
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert not out.exists()


@pytest.mark.parametrize(
    "arg",
    ["seed=3", "pricing=posted", "seeds=0", "coalition.forward_p=1.5"],
)
def test_other_bad_input_is_one_line(arg, tmp_path, repo_root):
    out = tmp_path / "never"
    proc = compare_cli([arg, *TINY[:2], f"hydra.run.dir={out}"], repo_root, False)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and proc.stderr.startswith("error: ")
    assert not out.exists()


# --------------------------------------------------------------------------- statistics


def test_mean_ci_matches_hand_computation():
    x = [2, 4, 4, 4, 5, 5, 7, 9]
    # mean 5, s = sqrt(32 / 7), t(0.975, df=7) = 2.3646242510 (table value)
    half = 2.3646242510 * math.sqrt(32 / 7) / math.sqrt(8)
    ci = mean_ci(x)
    assert ci.n == 8 and ci.mean == pytest.approx(5.0)
    assert ci.low == pytest.approx(5 - half, rel=1e-9) and ci.high == pytest.approx(5 + half)
    assert ci.low == pytest.approx(3.2125, abs=1e-4)
    one = mean_ci([3.0, float("nan")])
    assert one.n == 1 and one.mean == 3.0 and math.isnan(one.low)


def test_holm_textbook_example():
    # m = 4; sorted p: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    adjusted = holm([0.01, float("nan"), 0.02])
    assert adjusted[0] == pytest.approx(0.02) and math.isnan(adjusted[1])
    assert adjusted[2] == pytest.approx(0.02)


def test_paired_test_detects_a_clear_difference_and_not_identical_samples():
    rng = np.random.default_rng(0)
    base = rng.normal(1000, 300, size=10)  # large between-seed spread
    shifted = base + 25 + rng.normal(0, 2, size=10)  # small, consistent policy effect
    r = paired_test(shifted, base, names=("new", "old"))
    assert r.p < 1e-6 and r.low > 0 and r.diff == pytest.approx(25, abs=3)
    same = paired_test(base, base.copy())
    assert same.p == 1.0 and same.diff == 0.0

    results = pairwise_comparisons({"a": base, "b": shifted, "c": base.copy()})
    flags = {(r.a, r.b): r.clear for r in results}
    assert flags == {("a", "b"): True, ("a", "c"): False, ("b", "c"): True}
    assert all(r.p_adjusted >= r.p for r in results)


def test_rank_best_first():
    assert rank([3.0, 1.0, 2.0]) == [1, 3, 2]
    assert rank([3.0, 1.0, 2.0], higher_is_better=False) == [3, 1, 2]
    assert rank([1.0, 1.0, float("nan")]) == [1, 1, 3]


# --------------------------------------------------------------------------- the campaign side

SCENARIO = [
    "+scenario=personalisation_and_privacy",
    "customers.n=120",
    "steps=12",
    "seeds=2",
    "report.figures=false",
]


@pytest.fixture(scope="module")
def privacy(tmp_path_factory, repo_root):
    """A small scenario comparison: posted does not use the varied key (privacy_share)."""
    out = tmp_path_factory.mktemp("privacy") / "cmp"
    proc = compare_cli([*SCENARIO, f"hydra.run.dir={out}"], repo_root)
    return out, proc


@pytest.mark.slow
def test_identical_configs_are_run_once_and_reused(privacy):
    out, proc = privacy
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 2 * 5 * 2
    posted = runs[runs["policy"] == "posted"]
    # Posted sellers ignore the personalised seller's privacy share: one run per seed.
    assert posted.groupby("seed")["run_id"].nunique().eq(1).all()
    assert runs["run_id"].nunique() == 5 * 2 + 2
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runs"] == 20 and manifest["distinct_runs"] == 12
    assert manifest["computed_now"] == 12
    series = pd.read_parquet(out / "runs" / "timeseries" / "part-00000.parquet")
    assert series["run_id"].nunique() == 12  # each distinct config simulated once
    assert "12 distinct" in proc.stdout
    # Reused rows carry the same results as the run they share.
    metrics = ["seller_profit", "consumer_surplus", "welfare"]
    assert posted.groupby("seed")[metrics].nunique().eq(1).all().all()


@pytest.mark.slow
def test_the_command_of_a_scenario_row_reproduces_it(privacy, tmp_path, repo_root):
    out, _ = privacy
    runs = pd.read_parquet(out / "runs.parquet")
    row = runs[(runs["policy"] == "personalised") & (runs["seed"] == 1)].iloc[2]
    args = shlex.split(row["command"])
    assert args[:3] == ["python", "-m", "sim.run"]
    assert "pricing=personalised" in args and "seed=1" in args
    assert "pricing.personalised.privacy_share=0.5" in args  # the varied value
    run_dir = tmp_path / "rerun"
    subprocess.run(
        [sys.executable, *args[1:], "output.figures=false", f"hydra.run.dir={run_dir}"],
        cwd=repo_root,
        check=True,
        capture_output=True,
        timeout=300,
    )
    summary = json.loads((run_dir / "summary.json").read_text())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["config_hash"] == row["run_id"]
    for key in ("seller_profit", "consumer_surplus", "welfare", "deals", "mean_price"):
        assert summary[key] == pytest.approx(row[key], rel=0, abs=0), key


@pytest.mark.slow
def test_scenario_settings_reach_the_reproduction_command(tmp_path, repo_root):
    # The backlash scenario sets steps, repeat rate and the community: all must be in it.
    out = tmp_path / "backlash"
    args = ["+scenario=personalisation_backlash", "customers.n=80", "seeds=1"]
    args += ["vary={key:community.price_visibility,values:[0.5]}"]
    compare_cli([*args, "steps=6", "report.figures=false", f"hydra.run.dir={out}"], repo_root)
    runs = pd.read_parquet(out / "runs.parquet")
    command = runs.loc[runs["policy"] == "personalised", "command"].iloc[0]
    for setting in ("customers.repeat_rate=0.05", "community.enabled=true", "steps=6"):
        assert setting in command, setting
    assert runs["public_rating"].between(0, 1).all()
    assert runs["peak_boycott_share"].between(0, 1).all()


@pytest.mark.slow
def test_the_same_command_resumes_and_recomputes_nothing(privacy, tmp_path, repo_root):
    out, _ = privacy
    again = tmp_path / "again"
    shutil.copytree(out, again)
    proc = compare_cli([*SCENARIO, f"hydra.run.dir={again}"], repo_root)
    manifest = json.loads((again / "manifest.json").read_text())
    assert manifest["computed_now"] == 0 and manifest["reused_from_folder"] == 12
    assert (again / "runs.parquet").read_bytes() == (out / "runs.parquet").read_bytes()
    assert "12 distinct" in proc.stdout


@pytest.mark.slow
def test_vary_over_two_keys_runs_their_grid(tmp_path, repo_root):
    out = tmp_path / "grid"
    vary = (
        "vary=[{key:coalition.max_size,values:[5,20]},{key:coalition.forward_p,values:[0.2,0.8]}]"
    )
    compare_cli(
        [*TINY, "policies=[posted,volume_discount]", vary, "report.figures=false",
         f"hydra.run.dir={out}"],
        repo_root,
    )  # fmt: skip
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 2 * 2 * 2 * 2
    assert list(runs["coalition.max_size"][:8]) == [5, 5, 5, 5, 20, 20, 20, 20]
    assert list(runs["coalition.forward_p"][:4]) == [0.2, 0.2, 0.8, 0.8]
    assert runs.groupby(["policy", "coalition.max_size", "coalition.forward_p"]).size().eq(2).all()
    for text in ("coalition.max_size", "coalition.forward_p"):
        assert text in (out / "report.md").read_text()
