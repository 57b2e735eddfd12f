"""Scenario discovery: paired differences per design point, the map, the campaign folder."""

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from experiments.analysis.discovery import (
    BASELINE_BETTER,
    NO_CLEAR_DIFFERENCE,
    TREATMENT_BETTER,
    campaign_discovery,
    discovery_figure,
    paired_differences,
)

XS = (0.05, 0.15, 0.3, 0.45, 0.55, 0.7, 0.85, 0.95)
YS = (0.1, 0.4, 0.7, 0.9)
SEEDS = (0, 1, 2, 3, 4)
# A large market effect per seed, shared by both arms (common random numbers)...
SEED_EFFECT = {0: -100.0, 1: 50.0, 2: 0.0, 3: 100.0, 4: -50.0}
# ...and a small treatment-only wobble per seed (mean 0, so the effect below is the mean).
WOBBLE = {0: 1.0, 1: -1.0, 2: 1.0, 3: -1.0, 4: 0.0}


def effect(x):
    """Treatment - baseline: better above x = 0.5, worse below 0.2, no effect between."""
    return 3.0 if x > 0.5 else -3.0 if x < 0.2 else 0.0


def expected_verdict(x):
    return TREATMENT_BETTER if x > 0.5 else BASELINE_BETTER if x < 0.2 else NO_CLEAR_DIFFERENCE


def synthetic_runs(failed=(), shuffle=True):
    """Runs in the runner's format; ``failed`` holds (point, seed, arm) of failed runs."""
    rows = []
    points = [(x, y) for x in XS for y in YS]
    for point, (x, y) in enumerate(points):
        for arm in ("posted", "volume_discount"):
            for seed in SEEDS:
                base = 200.0 + 10 * y + SEED_EFFECT[seed]
                value = base + (effect(x) + WOBBLE[seed] if arm == "volume_discount" else 0.0)
                bad = (point, seed, arm) in failed
                rows.append(
                    {
                        "index": len(rows),
                        "run_id": f"r{len(rows)}",
                        "point": point,
                        "x": x,
                        "y": y,
                        "pricing": arm,
                        "seed": seed,
                        "status": "failed" if bad else "ok",
                        "consumer_surplus": np.nan if bad else value,
                        "welfare": np.nan if bad else 2 * value,
                        "error": "RuntimeError: boom" if bad else None,
                        "runtime_s": 0.1,
                    }
                )
    frame = pd.DataFrame(rows)
    # Shuffled rows: pairing by row order instead of by seed would mix seeds up.
    return frame.sample(frac=1.0, random_state=3, ignore_index=True) if shuffle else frame


def test_verdicts_follow_the_region_where_treatment_wins():
    frame = paired_differences(synthetic_runs(), "pricing", "posted", "volume_discount")
    assert len(frame) == len(XS) * len(YS)
    assert list(frame.columns[:3]) == ["point", "x", "y"]
    assert (frame["n"] == len(SEEDS)).all()
    assert frame["verdict"].tolist() == [expected_verdict(x) for x in frame["x"]]
    assert np.allclose(frame["mean_diff"], [effect(x) for x in frame["x"]])
    # The intervals come from the per-seed differences (spread ~1), not the arms' spread
    # (~80 from the seed effect): unpaired, every verdict would be "no clear difference".
    assert ((frame["ci_high"] - frame["ci_low"]) < 5).all()


def test_pairing_is_by_seed_and_drops_a_failed_seed_on_both_sides():
    # Point 16 is x = 0.55; its treatment run on seed 0 failed.
    runs = synthetic_runs(failed={(16, 0, "volume_discount")})
    frame = paired_differences(runs, "pricing", "posted", "volume_discount").set_index("point")
    row = frame.loc[16]
    assert row["x"] == 0.55 and row["n"] == 4
    # Seeds 1-4 only: 3 + mean(-1, 1, -1, 0) = 2.75. Unpaired means would also count the
    # baseline's seed-0 market (-100) and give 27.75.
    assert row["mean_diff"] == pytest.approx(2.75)
    ok = runs[(runs["point"] == 16) & (runs["status"] == "ok")]
    unpaired = (
        ok.loc[ok["pricing"] == "volume_discount", "consumer_surplus"].mean()
        - ok.loc[ok["pricing"] == "posted", "consumer_surplus"].mean()
    )
    assert abs(unpaired - row["mean_diff"]) > 10
    assert row["verdict"] == TREATMENT_BETTER
    assert row["baseline_mean"] == pytest.approx(200 + 10 * row["y"] + 25.0)


def test_lower_is_better_flips_the_verdict_and_no_pairs_keep_the_row():
    failed = {(0, s, "posted") for s in SEEDS}
    frame = paired_differences(
        synthetic_runs(failed=failed),
        "pricing",
        "posted",
        "volume_discount",
        higher_is_better=False,
    ).set_index("point")
    assert frame.loc[0, "n"] == 0 and np.isnan(frame.loc[0, "mean_diff"])
    assert frame.loc[0, "verdict"] == NO_CLEAR_DIFFERENCE
    x_high = frame[frame["x"] > 0.5]
    assert (x_high["verdict"] == BASELINE_BETTER).all()


def test_unknown_arm_value_is_named():
    with pytest.raises(ValueError, match="pricing='threshold' has no runs; allowed: "):
        paired_differences(synthetic_runs(), "pricing", "posted", "threshold")


def test_figure_is_written_deterministically_and_survives_collinear_points(tmp_path):
    frame = paired_differences(synthetic_runs(), "pricing", "posted", "volume_discount")
    a = discovery_figure(frame, "x", "y", tmp_path / "a.png", title="surplus: vd - posted")
    b = discovery_figure(frame, "x", "y", tmp_path / "b.png", title="surplus: vd - posted")
    assert a.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert a.read_bytes() == b.read_bytes()
    # One value of y: no triangle to contour, the scatter is still drawn.
    line = frame[frame["y"] == YS[0]]
    assert discovery_figure(line, "x", "y", tmp_path / "line.png").stat().st_size > 0
    assert not list(tmp_path.glob(".*.tmp"))


def write_folder(folder, runs, *, arms=None, parameters=None):
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "name": "discovery",
        "design": "lhs",
        "parameters": parameters
        or {"x": {"low": 0.0, "high": 1.0}, "y": {"low": 0.0, "high": 1.0}},
        "arms": {"pricing": ["posted", "volume_discount"]} if arms is None else arms,
        "seeds": len(SEEDS),
    }
    OmegaConf.save(OmegaConf.create(spec), folder / "campaign.yaml")
    runs.to_parquet(folder / "runs.parquet")


def test_campaign_discovery_writes_table_and_map(tmp_path):
    folder = tmp_path / "c"
    write_folder(folder, synthetic_runs(shuffle=False))
    frame = campaign_discovery(folder)
    saved = pd.read_parquet(folder / "discovery.parquet")
    pd.testing.assert_frame_equal(saved, frame)
    assert frame["verdict"].tolist() == [expected_verdict(x) for x in frame["x"]]
    assert (folder / "discovery.png").stat().st_size > 0


def test_campaign_discovery_needs_a_two_valued_arm_and_two_parameters(tmp_path):
    runs = synthetic_runs(shuffle=False)
    write_folder(tmp_path / "a", runs, arms={"pricing": ["posted", "volume_discount", "x"]})
    with pytest.raises(ValueError, match="no arm with exactly two values"):
        campaign_discovery(tmp_path / "a")
    write_folder(tmp_path / "b", runs, parameters={"x": {"low": 0.0, "high": 1.0}})
    with pytest.raises(ValueError, match="1 numeric parameter.*at least two"):
        campaign_discovery(tmp_path / "b")
    write_folder(tmp_path / "c", runs)
    with pytest.raises(ValueError, match="metric 'nope' .*allowed: consumer_surplus, welfare"):
        campaign_discovery(tmp_path / "c", metric="nope")
