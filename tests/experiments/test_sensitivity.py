"""Sensitivity indices: known answers (Ishigami, a linear model), campaign folders, command."""

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf
from SALib.sample import sobol as sobol_sample
from SALib.test_functions import Ishigami

from experiments.analysis import AnalysisError
from experiments.analysis.sensitivity import (
    campaign_problem,
    campaign_sensitivity,
    design_matrix,
    morris_indices,
    point_means,
    sensitivity_figure,
    sobol_indices,
)
from experiments.campaign.design import make_design, resolve_parameter
from experiments.sensitivity import analyse_folder, main

# Analytic Ishigami indices (a=7, b=0.1; Ishigami & Homma 1990, SALib's test function).
ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)


def ishigami_design(seed=0):
    params = tuple(
        resolve_parameter(k, {"low": -math.pi, "high": math.pi}, float) for k in ("x1", "x2", "x3")
    )
    return make_design("sobol", params, samples=1024, seed=seed)


def test_sobol_design_round_trips_to_salib_and_through_parquet(tmp_path):
    design = ishigami_design(seed=7)
    own = sobol_sample.sample(design.problem, 1024, calc_second_order=False, seed=7)
    np.testing.assert_array_equal(design.raw, own)
    # design.parquet as the campaign writes it, rows shuffled: read back by point.
    frame = pd.DataFrame({"point": np.arange(len(design.raw), dtype="int64")})
    for j, name in enumerate(design.problem["names"]):
        frame[name] = design.raw[:, j]
    frame.sample(frac=1.0, random_state=1).to_parquet(tmp_path / "design.parquet")
    back = design_matrix(pd.read_parquet(tmp_path / "design.parquet"), design.problem)
    np.testing.assert_array_equal(back, design.raw)


def test_ishigami_indices_match_the_analytic_values():
    design = ishigami_design(seed=0)
    y = Ishigami.evaluate(design.raw)
    table = sobol_indices(design.problem, design.raw, y, resamples=1000, seed=0)
    assert list(table.columns) == ["parameter", "index", "value", "conf", "low", "high"]
    got = table.set_index(["index", "parameter"])
    for index, truth in (("S1", ISHIGAMI_S1), ("ST", ISHIGAMI_ST)):
        for name, value in zip(("x1", "x2", "x3"), truth, strict=True):
            row = got.loc[(index, name)]
            # No widening needed: the scrambled Sobol sequence errs well inside SALib's
            # bootstrap half-widths (about 0.03-0.09 at N=1024).
            assert row["low"] <= value <= row["high"], (index, name, row.to_dict())
            # The intervals are narrow enough for that to mean something...
            assert 0 < row["conf"] < 0.1, (index, name)
            # ...and the estimates themselves are close.
            assert row["value"] == pytest.approx(value, abs=0.02), (index, name)


def test_sobol_bootstrap_is_reproducible_with_seed_zero():
    # SALib treats seed=0 as "no seed" (numpy's global state); ours must not.
    design = ishigami_design(seed=0)
    y = Ishigami.evaluate(design.raw)
    np.random.seed(1)
    a = sobol_indices(design.problem, design.raw, y, resamples=200, seed=0)
    np.random.seed(2)
    b = sobol_indices(design.problem, design.raw, y, resamples=200, seed=0)
    pd.testing.assert_frame_equal(a, b)


def test_sobol_second_order_rows_and_constant_output():
    design = make_design(
        "sobol",
        tuple(resolve_parameter(k, {"low": 0, "high": 1}, float) for k in "abc"),
        samples=256,
        second_order=True,
    )
    # A pure interaction: E[y | a] = E[y | b] = 0, so S1 = 0 and S2(a, b) = 1.
    y = (design.raw[:, 0] - 0.5) * (design.raw[:, 1] - 0.5)
    table = sobol_indices(design.problem, design.raw, y, second_order=True, resamples=500)
    assert table.loc[table["index"] == "S2", "parameter"].tolist() == ["a|b", "a|c", "b|c"]
    rows = table.set_index(["index", "parameter"])
    for key, truth in ((("S2", "a|b"), 1.0), (("S2", "b|c"), 0.0), (("S1", "a"), 0.0)):
        assert rows.loc[key, "low"] <= truth <= rows.loc[key, "high"], key
    assert rows.loc[("S2", "a|b"), "value"] > 0.8
    flat = sobol_indices(design.problem, design.raw, np.ones(len(design.raw)), second_order=True)
    assert flat["value"].isna().all()
    with pytest.raises(ValueError, match="N x 8"):
        sobol_indices(design.problem, design.raw[:-1], y[:-1], second_order=True)


def test_morris_on_a_linear_model_ranks_and_sizes_the_effects():
    params = (
        resolve_parameter("a", {"low": 0, "high": 2}, float),
        resolve_parameter("b", {"low": -1, "high": 3}, float),
        resolve_parameter("c", {"low": 1, "high": 100, "log": True}, float),
    )
    design = make_design("morris", params, samples=20, levels=4, seed=3)
    x = np.array([[v["a"], v["b"], v["c"]] for v in design.values])
    y = 5 * x[:, 0] + 1 * x[:, 1] + 0 * x[:, 2]
    table = morris_indices(design.problem, design.raw, y, levels=4, resamples=200)
    got = table.set_index(["index", "parameter"])["value"]
    mu_star = [got[("mu_star", p)] for p in "abc"]
    assert mu_star[0] > mu_star[1] > mu_star[2]
    # Effects are per parameter range: 5 x (2 - 0) and 1 x (3 - -1).
    assert mu_star[0] == pytest.approx(5 * 2, abs=1e-9)
    assert mu_star[1] == pytest.approx(1 * 4, abs=1e-9)
    assert mu_star[2] == pytest.approx(0, abs=1e-9)
    for p in "abc":
        assert got[("sigma", p)] == pytest.approx(0, abs=1e-9)
    assert table.loc[table["index"] != "mu_star", "conf"].isna().all()


# --------------------------------------------------------------------------- campaign folders

PARAMS = {
    "customers.wtp_sd": {"low": 0.05, "high": 0.8},
    "coalition.max_size": {"low": 3, "high": 40, "type": "int"},
}
SEED_OFFSET = {0: 1.0, 1: -1.0}


def surplus(wtp_sd, max_size, arm):
    return 3 * wtp_sd + (0.02 if arm == "volume_discount" else 0.1) * max_size


def write_campaign(folder, *, design="sobol", arms=("posted", "volume_discount"), failed=()):
    """A campaign folder in the runner's format; ``failed`` holds (point, seed, arm)."""
    folder.mkdir(parents=True, exist_ok=True)
    params = tuple(resolve_parameter(k, v, float) for k, v in PARAMS.items())
    d = make_design(design, params, samples=8, seed=0)
    spec = {
        "name": "synthetic",
        "parameters": PARAMS,
        "arms": {"pricing": list(arms)} if arms else {},
        "design": design,
        "samples": 8,
        "second_order": False,
        "levels": 4,
        "design_seed": 0,
        "seeds": 2,
        "first_seed": 0,
        "analysis": {
            "outputs": ["consumer_surplus", "welfare"],
            "conf_level": 0.9,
            "resamples": 200,
            "figures": True,
        },
    }
    OmegaConf.save(OmegaConf.create(spec), folder / "campaign.yaml")
    if d.raw is not None:
        frame = pd.DataFrame({"point": np.arange(len(d.raw), dtype="int64")})
        for j, key in enumerate(PARAMS):
            frame[key] = d.raw[:, j]
        frame.to_parquet(folder / "design.parquet")
    rows = []
    for point, values in enumerate(d.values):
        for arm in arms or (None,):
            for seed in (0, 1):
                bad = (point, seed, arm) in failed
                cs = surplus(values["customers.wtp_sd"], values["coalition.max_size"], arm)
                row = {"index": len(rows), "run_id": f"r{len(rows)}", "point": point, **values}
                if arm is not None:
                    row["pricing"] = arm
                row |= {
                    "seed": seed,
                    "status": "failed" if bad else "ok",
                    # A failed run's numbers must not count even if some were recorded.
                    "consumer_surplus": -1000.0 if bad else cs + SEED_OFFSET[seed],
                    "welfare": math.nan if bad else 2 * cs,
                    "coalitions_formed": 0,
                    "profit.posted": math.nan if bad else 1.0 + seed,
                    "error": "RuntimeError: boom" if bad else None,
                    "runtime_s": 0.1,
                }
                rows.append(row)
    pd.DataFrame(rows).to_parquet(folder / "runs.parquet")
    return spec, d


def expected_y(d, arm, failed):
    y = []
    for point, v in enumerate(d.values):
        cs = surplus(v["customers.wtp_sd"], v["coalition.max_size"], arm)
        ok = [cs + SEED_OFFSET[s] for s in (0, 1) if (point, s, arm) not in failed]
        y.append(np.mean(ok))
    return np.array(y)


def test_campaign_sensitivity_averages_the_ok_seeds_per_point_and_arm(tmp_path):
    failed = {(3, 1, "posted")}
    spec, d = write_campaign(tmp_path / "c", failed=failed)
    runs = pd.read_parquet(tmp_path / "c" / "runs.parquet")
    design = pd.read_parquet(tmp_path / "c" / "design.parquet")
    table = campaign_sensitivity(runs, design, spec)
    assert list(table.columns) == [
        "output",
        "arm",
        "parameter",
        "index",
        "value",
        "conf",
        "low",
        "high",
    ]
    assert list(dict.fromkeys(table["output"])) == ["consumer_surplus", "welfare"]
    assert list(dict.fromkeys(table["arm"])) == ["pricing=posted", "pricing=volume_discount"]
    problem = campaign_problem(spec)
    for arm in ("posted", "volume_discount"):
        y = expected_y(d, arm, failed)
        want = sobol_indices(problem, d.raw, y, conf_level=0.9, resamples=200, seed=0)
        got = table[(table["output"] == "consumer_surplus") & (table["arm"] == f"pricing={arm}")]
        pd.testing.assert_frame_equal(got.iloc[:, 2:].reset_index(drop=True), want)
    # Point 3 of the posted arm is seed 0 alone (wtp_sd + offset +1), not the failed -1000.
    posted = runs[runs["pricing"] == "posted"]
    y = point_means(posted, "consumer_surplus", len(d.values))
    v = d.values[3]
    assert y[3] == pytest.approx(
        surplus(v["customers.wtp_sd"], v["coalition.max_size"], "posted") + 1.0
    )


def test_campaign_sensitivity_without_arms_and_with_morris(tmp_path):
    spec, d = write_campaign(tmp_path / "m", design="morris", arms=())
    runs = pd.read_parquet(tmp_path / "m" / "runs.parquet")
    design = pd.read_parquet(tmp_path / "m" / "design.parquet")
    table = campaign_sensitivity(runs, design, spec, ["consumer_surplus"])
    assert set(table["arm"]) == {""}
    mu = table[table["index"] == "mu_star"].set_index("parameter")["value"]
    # 3 x range of wtp_sd (0.75) against 0.1 x range of max_size (37; the runs used
    # rounded values, the effects divide by the unrounded steps: hence rel=0.1).
    assert mu["customers.wtp_sd"] == pytest.approx(3 * 0.75, rel=1e-9)
    assert mu["coalition.max_size"] == pytest.approx(0.1 * 37, rel=0.1)


def test_campaign_sensitivity_names_the_empty_point_and_the_design(tmp_path):
    failed = {(5, 0, "posted"), (5, 1, "posted")}
    spec, _ = write_campaign(tmp_path / "c", failed=failed)
    runs = pd.read_parquet(tmp_path / "c" / "runs.parquet")
    design = pd.read_parquet(tmp_path / "c" / "design.parquet")
    with pytest.raises(ValueError, match=r"'consumer_surplus' has no value at point 5 .*retry"):
        campaign_sensitivity(runs, design, spec)
    # Ok runs whose metric is undefined: nothing to retry.
    undefined = runs.assign(welfare=np.where(runs["point"] == 2, np.nan, runs["welfare"]))
    with pytest.raises(ValueError, match=r"'welfare' has no value at point 2 .*undefined"):
        campaign_sensitivity(undefined, design, spec, ["welfare"])
    with pytest.raises(ValueError, match=r"campaign.design='lhs' .*allowed: sobol \| morris"):
        campaign_sensitivity(runs, design, {**spec, "design": "lhs"})
    with pytest.raises(ValueError, match="'nope' .*allowed: consumer_surplus, welfare"):
        campaign_sensitivity(runs, design, spec, ["nope"])


def test_sensitivity_figure_is_deterministic(tmp_path):
    spec, _ = write_campaign(tmp_path / "c")
    table = campaign_sensitivity(
        pd.read_parquet(tmp_path / "c" / "runs.parquet"),
        pd.read_parquet(tmp_path / "c" / "design.parquet"),
        spec,
    )
    a = sensitivity_figure(table, tmp_path / "a.png").read_bytes()
    b = sensitivity_figure(table, tmp_path / "b.png").read_bytes()
    assert a[:8] == b"\x89PNG\r\n\x1a\n"
    assert a == b


# --------------------------------------------------------------------------- command


def run_main(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    err = capsys.readouterr().err
    return exc.value.code, err


def test_command_writes_the_three_files(tmp_path, capsys):
    folder = tmp_path / "c"
    write_campaign(folder)
    table = main([str(folder), "--outputs", "welfare,consumer_surplus", "--resamples", "100"])
    out = capsys.readouterr().out
    assert "welfare [pricing=posted]" in out and "customers.wtp_sd" in out
    for name in ("sensitivity.parquet", "sensitivity.csv", "sensitivity.png"):
        assert (folder / name).stat().st_size > 0, name
    assert not list(folder.glob(".*.tmp"))
    saved = pd.read_parquet(folder / "sensitivity.parquet")
    pd.testing.assert_frame_equal(saved, table)
    assert list(dict.fromkeys(saved["output"])) == ["welfare", "consumer_surplus"]
    csv = pd.read_csv(folder / "sensitivity.csv", keep_default_na=False, na_values=[""])
    assert len(csv) == len(saved)


def test_analyse_folder_uses_the_campaign_defaults_and_can_skip_the_figure(tmp_path):
    folder = tmp_path / "c"
    write_campaign(folder)
    (folder / "sensitivity.png").write_bytes(b"stale")
    table = analyse_folder(folder, figures=False)
    assert list(dict.fromkeys(table["output"])) == ["consumer_surplus", "welfare"]
    assert not (folder / "sensitivity.png").exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--outputs", "nope"], "output 'nope' is not a metric column"),
        (["--conf-level", "1.5"], "--conf-level=1.5"),
        (["--resamples", "1"], "--resamples=1"),
    ],
)
def test_command_rejects_bad_options_in_one_line(tmp_path, capsys, args, fragment):
    folder = tmp_path / "c"
    write_campaign(folder)
    code, err = run_main(capsys, folder, *args)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ") and fragment in err
    if args[0] == "--outputs":
        assert "allowed: consumer_surplus, welfare, coalitions_formed, profit.posted" in err
    assert not (folder / "sensitivity.parquet").exists()


def test_command_rejects_bad_folders_in_one_line(tmp_path, capsys):
    code, err = run_main(capsys, tmp_path / "missing")
    assert code == 2 and err.count("\n") == 1 and "is not a folder" in err
    (tmp_path / "empty").mkdir()
    code, err = run_main(capsys, tmp_path / "empty")
    assert code == 2 and err.count("\n") == 1 and "has no runs.parquet" in err
    write_campaign(tmp_path / "grid", design="lhs")
    code, err = run_main(capsys, tmp_path / "grid")
    assert code == 2 and err.count("\n") == 1 and "campaign.design='lhs'" in err


def test_module_entry_point_exits_2(tmp_path, repo_root):
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.sensitivity", str(tmp_path / "missing")],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: ")


def test_campaign_problem_rejects_value_lists():
    with pytest.raises(AnalysisError, match="bounds"):
        campaign_problem({"design": "sobol", "parameters": {"a": {"values": [1, 2]}}})
