"""The command line: a run writes its folder; bad input fails cleanly; sweeps aggregate."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.cli.run_folder import model_config, write_run
from sim.config import CONFIG_DIR

TINY = ["customers.n=120", "steps=12", "output.figures=false"]


def run_cli(args, cwd, check=False):
    return subprocess.run(
        [sys.executable, "-m", "sim.run", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=check,
        timeout=300,
    )


def test_run_writes_every_result_file(tmp_path, repo_root):
    out = tmp_path / "run"
    proc = run_cli(["customers.n=200", "steps=15", f"hydra.run.dir={out}"], repo_root, check=True)
    assert "mean unit price paid" in proc.stdout and str(out) in proc.stdout
    for name in (
        "config.yaml",
        "timeseries.parquet",
        "deals.parquet",
        "summary.json",
        "manifest.json",
        "price_surplus.png",
    ):
        assert (out / name).stat().st_size > 0, name
    assert not list(out.glob("*.tmp"))
    cfg = OmegaConf.load(out / "config.yaml")
    assert cfg.customers.n == 200 and cfg.steps == 15 and "hydra" not in cfg
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert list(ts["step"]) == list(range(15))
    for col in (
        "active_buyers",
        "coalitions",
        "mean_coalition_size",
        "deals",
        "units_sold",
        "mean_price_coalition",
        "mean_price_solo",
        "consumer_surplus",
        "seller_profit",
        "welfare",
        "mean_rounds_to_agreement",
    ):
        assert col in ts
    deals = pd.read_parquet(out / "deals.parquet")
    for col in (
        "step",
        "customer_id",
        "seller_id",
        "coalition_id",
        "product",
        "quantity",
        "unit_price",
        "willingness_to_pay",
        "seller_unit_cost",
        "seller_reservation_price",
        "protocol",
    ):
        assert col in deals
    summary = json.loads((out / "summary.json").read_text())
    assert summary["deals"] == len(deals) and summary["units_sold"] == deals["quantity"].sum()
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["config_hash"]) == 64 and manifest["runtime_s"] > 0
    assert manifest["packages"]["mesa"].startswith("3.")


BAD = [
    ("customers.n=-5", "customers.n"),
    ("customers.n=abc", "customers.n"),
    ("network=foo", "network"),
    ("pricing=bogus", "pricing"),
    ("coalition.forward_p=1.5", "coalition.forward_p"),
    ("coalition.algorithm=magic", "coalition.algorithm"),
    ("negotiation.buyer_tactics=[nobody]", "negotiation.buyer_tactics"),
    ("customers.unknown_key=1", "customers.unknown_key"),
    ("sellers.products_per_seller=9", "sellers.products_per_seller"),
]


@pytest.mark.parametrize(("override", "key"), BAD)
def test_bad_input_one_line_error_no_output(tmp_path, repo_root, override, key):
    out = tmp_path / "never"
    proc = run_cli([override, f"hydra.run.dir={out}"], repo_root)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and key in lines[0]
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not out.exists()


def test_bad_value_inside_a_sweep_fails_before_any_run(tmp_path, repo_root):
    sweep = tmp_path / "sweep"
    proc = run_cli(["-m", "customers.n=50,0", *TINY[1:], f"hydra.sweep.dir={sweep}"], repo_root)
    assert proc.returncode == 2 and "customers.n=0" in proc.stderr
    assert not sweep.exists()


@pytest.mark.slow
def test_existing_results_survive_a_failed_run(tmp_path, repo_root):
    out = tmp_path / "run"
    run_cli([*TINY, f"hydra.run.dir={out}"], repo_root, check=True)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    proc = run_cli([*TINY, "customers.n=-1", f"hydra.run.dir={out}"], repo_root)
    assert proc.returncode == 2
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert before == after


@pytest.mark.slow
def test_multirun_sweep_aggregates_one_table(tmp_path, repo_root):
    sweep = tmp_path / "sweep"
    run_cli(
        ["-m", "network=small_world,scale_free", "seed=0,1", *TINY, f"hydra.sweep.dir={sweep}"],
        repo_root,
        check=True,
    )
    runs = sorted(p.parent for p in sweep.rglob("summary.json"))
    assert len(runs) == 4
    table = pd.read_parquet(sweep / "summaries.parquet")
    assert len(table) == 4
    assert set(table["override.network"]) == {"small_world", "scale_free"}
    assert sorted(table["seed"]) == [0, 0, 1, 1]
    assert table["seed"].dtype == "int64" and table["override.seed"].dtype == "int64"
    assert table["run_id"].nunique() == 4
    for row in table.itertuples():
        manifest = json.loads((sweep / row.run_dir / "manifest.json").read_text())
        assert manifest["config_hash"] == row.run_id


def test_threshold_pricing_selects_pledging_unless_told_otherwise():
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base=None):
        chosen = compose("config", overrides=["pricing=threshold"])
        explicit = compose("config", overrides=["pricing=crowdfunding", "coalition=greedy_merge"])
    assert chosen.coalition.algorithm == "threshold_pledge"
    assert explicit.coalition.algorithm == "greedy_merge"
    assert explicit.pricing.mix == ["crowdfunding"]


def experiment_names():
    return sorted(p.stem for p in (Path(CONFIG_DIR) / "experiment").glob("*.yaml"))


@pytest.mark.parametrize("name", experiment_names())
def test_every_experiment_config_composes_and_runs_tiny(tmp_path, name):
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base=None):
        cfg = compose("config", overrides=[f"+experiment={name}", "customers.n=80", "steps=6"])
    summary = write_run(cfg, tmp_path, figures=False)
    assert summary["n_customers"] == 80
    assert (tmp_path / "summary.json").exists()


def test_every_group_option_composes():
    for group in ("network", "pricing", "coalition", "negotiation"):
        for option in sorted((Path(CONFIG_DIR) / group).glob("*.yaml")):
            with initialize_config_dir(config_dir=CONFIG_DIR, version_base=None):
                extra = ["network.path=x.edgelist"] if option.stem == "file" else []
                cfg = compose("config", overrides=[f"{group}={option.stem}", *extra])
            assert cfg[group] is not None


def test_only_a_run_that_draws_imports_matplotlib(tmp_path, repo_root):
    code = """
import sys
import sim.run
from hydra import compose, initialize_config_dir
from sim.cli.run_folder import FIGURE, write_run
from sim.config import CONFIG_DIR
assert "matplotlib" not in sys.modules, "importing the command loaded matplotlib"
with initialize_config_dir(config_dir=CONFIG_DIR, version_base=None):
    cfg = compose("config", overrides=["customers.n=60", "steps=3"])
write_run(cfg, sys.argv[1], figures=False)
assert "matplotlib" not in sys.modules, "a run without figures loaded matplotlib"
write_run(cfg, sys.argv[1], figures=True)
assert "matplotlib" in sys.modules
print(FIGURE)
"""
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / proc.stdout.strip()).stat().st_size > 0


def test_the_model_config_is_a_plain_resolved_copy_with_typed_nodes():
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base=None):
        cfg = compose(config_name="config", overrides=["customers.n=300"])
    OmegaConf.set_struct(cfg, True)
    OmegaConf.set_readonly(cfg, True)
    out = model_config(cfg)
    assert OmegaConf.to_container(out) == OmegaConf.to_container(cfg, resolve=True)
    assert OmegaConf.get_type(out.customers) is OmegaConf.get_type(cfg.customers)
    out.extra = 1  # neither struct nor read-only, as a config made from plain data
    out.customers.n = 5
    assert cfg.customers.n == 300 and "extra" not in cfg
