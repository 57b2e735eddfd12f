"""Result files: run identity, the sweep table, atomic writes and reused run folders."""

import json

import pandas as pd
from omegaconf import OmegaConf

from sim import MarketModel
from sim.cli.run_folder import FIGURE, write_run
from sim.config import Config
from sim.results.aggregate import collect_summaries
from sim.results.identity import config_hash
from sim.results.io import remove_stale, write_json


def tiny_config():
    cfg = OmegaConf.structured(Config)
    cfg.customers.n, cfg.steps = 60, 5
    return cfg


def test_identity_ignores_output_settings_but_not_the_market():
    cfg = tiny_config()
    quiet = cfg.copy()
    quiet.output.figures, quiet.output.quiet = False, True
    bigger = cfg.copy()
    bigger.customers.n = 61
    assert config_hash(cfg) == config_hash(quiet)
    assert config_hash(cfg) != config_hash(bigger)


def test_identity_ignores_the_parameters_of_policies_no_seller_plays():
    cfg = tiny_config()
    cfg.pricing.mix = ["posted:1", "volume_discount:1", "threshold:0"]
    unused = cfg.copy()
    unused.pricing.personalised.privacy_share = 0.9
    unused.pricing.threshold.min_quantity = 77  # listed with share 0: no seller plays it
    used = cfg.copy()
    used.pricing.volume_discount.markup = 0.9
    adaptive = cfg.copy()
    adaptive.pricing.adaptive.enabled = not cfg.pricing.adaptive.enabled
    assert config_hash(cfg) == config_hash(unused)
    assert config_hash(cfg) != config_hash(used)
    assert config_hash(cfg) != config_hash(adaptive)


def test_runs_that_share_an_identity_give_identical_results():
    # The promise behind reusing one run for every config of the same identity.
    cfg = tiny_config()
    cfg.customers.n, cfg.steps = 150, 15
    other = cfg.copy()
    other.pricing.personalised.privacy_share = 0.9
    other.pricing.threshold.min_quantity = 3
    other.pricing.crowdfunding.markup = 1.3
    assert config_hash(cfg) == config_hash(other)
    frames = []
    for c in (cfg, other):
        model = MarketModel.from_config(c)
        model.run()
        frames.append((model.deals_frame(), model.timeseries_frame(), model.sellers_frame()))
    assert len(frames[0][0]) > 0
    for a, b in zip(*frames, strict=True):
        pd.testing.assert_frame_equal(a, b)


def fake_run(root, job, overrides, seed, run_id):
    folder = root / str(job)
    (folder / ".hydra").mkdir(parents=True)
    (folder / ".hydra" / "overrides.yaml").write_text(OmegaConf.to_yaml(overrides))
    write_json(folder / "summary.json", {"seed": seed, "welfare": float(job)})
    write_json(folder / "manifest.json", {"config_hash": run_id})


def test_sweep_table_has_identity_typed_overrides_and_numeric_order(tmp_path):
    for job in (10, 2, 0, 1):
        overrides = [
            f"seed={job}",
            "customers.n=500",
            "network=scale_free",
            "pricing.adaptive.epsilon=0.25",
            "+tags=[a,b]",
        ]
        fake_run(tmp_path, job, overrides, job, f"hash{job}")
    table = collect_summaries(tmp_path)
    assert table["run_dir"].tolist() == ["0", "1", "2", "10"]
    assert table["run_id"].tolist() == ["hash0", "hash1", "hash2", "hash10"]
    assert table["seed"].dtype == "int64" and table["seed"].tolist() == [0, 1, 2, 10]
    assert table["override.seed"].dtype == "int64"
    assert table["override.customers.n"].tolist() == [500] * 4
    assert table["override.pricing.adaptive.epsilon"].dtype == "float64"
    assert table["override.network"].tolist() == ["scale_free"] * 4
    assert json.loads(table["override.tags"][0]) == ["a", "b"]


def test_remove_stale_clears_killed_writes_and_named_files_only(tmp_path):
    (tmp_path / ".deals.parquet.x1y2.tmp").write_text("half")
    (tmp_path / FIGURE).write_text("old")
    (tmp_path / "deals.parquet").write_text("keep")
    removed = remove_stale(tmp_path, [FIGURE])
    assert sorted(p.name for p in removed) == [".deals.parquet.x1y2.tmp", FIGURE]
    assert [p.name for p in tmp_path.iterdir()] == ["deals.parquet"]
    assert remove_stale(tmp_path / "missing", [FIGURE]) == []


def test_a_run_in_a_reused_folder_leaves_nothing_stale(tmp_path):
    cfg = tiny_config()
    write_run(cfg, tmp_path, figures=True)
    assert (tmp_path / FIGURE).exists()
    (tmp_path / ".summary.json.abcd.tmp").write_text("{")
    first = (tmp_path / "deals.parquet").read_bytes()
    write_run(cfg, tmp_path, figures=False)
    assert not (tmp_path / FIGURE).exists()
    assert not list(tmp_path.glob(".*.tmp"))
    assert (tmp_path / "deals.parquet").read_bytes() == first
    assert len(pd.read_parquet(tmp_path / "timeseries.parquet")) == 5
