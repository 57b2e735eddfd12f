"""The campaign folder: its dataset depends only on the set of results.

However runs are batched, whichever order batches finish in, however often the shards are
compacted and wherever a write is killed, the final dataset is byte-identical (the
``runtime_s`` column aside), with one row per run and no leftover shard.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from experiments.campaign import store as store_module
from experiments.campaign.plan import compose_market, make_plan
from experiments.campaign.runner import RunResult
from experiments.campaign.store import CampaignFolder

OVERRIDES = ["+campaign=example"]


@pytest.fixture(scope="module")
def plan():
    return make_plan(compose_market("run_campaign", OVERRIDES), overrides=OVERRIDES)


def fake_result(task, failed: bool = False) -> RunResult:
    """A result whose numbers are a function of the run (as a real run's are)."""
    rng = np.random.default_rng(task.index)
    if failed:
        return RunResult(
            task.index,
            task.run_id,
            "failed",
            error="ValueError: boom",
            traceback="Traceback ...\nValueError: boom\n",
            runtime_s=0.1,
        )
    steps = 5
    ts = pd.DataFrame(
        {"step": np.arange(steps), "deals": rng.integers(0, 9, steps), "welfare": rng.random(steps)}
    )
    metrics = {
        "deals": int(rng.integers(0, 100)),
        "welfare": float(rng.random()),
        "mean_price": float("nan") if task.index % 5 == 0 else float(rng.random()),
        f"profit.{'posted' if task.index % 2 else 'volume_discount'}": float(rng.random()),
    }
    return RunResult(
        task.index, task.run_id, "ok", metrics=metrics, runtime_s=float(rng.random()), timeseries=ts
    )


def dataset(root: Path) -> dict[str, bytes]:
    files = {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*.parquet"))
        if p.name != "runs.parquet" and "_store" not in p.parts
    }
    runs = pd.read_parquet(root / "runs.parquet").drop(columns="runtime_s")
    files["runs (no runtime)"] = runs.to_csv().encode() + str(runs.dtypes.to_dict()).encode()
    return files


def write_all(root: Path, plan, batches, compact_after: set[int]) -> CampaignFolder:
    folder = CampaignFolder(root, part_runs=7)
    for i, batch in enumerate(batches):
        folder.write_batch(batch)
        if i in compact_after:
            folder.compact(plan)
    folder.compact(plan)
    return folder


def test_one_row_per_run_in_plan_order_with_typed_columns(tmp_path, plan):
    results = [fake_result(t, failed=t.index == 3) for t in plan.tasks]
    runs = write_all(tmp_path, plan, [results], set()).compact(plan)
    assert list(runs["index"]) == list(range(len(plan.tasks)))
    assert runs["run_id"].is_unique
    assert str(runs["deals"].dtype) == "Int64"  # a count stays an integer beside a failure
    assert runs.loc[3, "status"] == "failed" and pd.isna(runs.loc[3, "deals"])
    assert runs.columns[:4].tolist() == ["index", "run_id", "point", "coalition.forward_p"]
    assert runs["coalition.max_size"].dtype.kind == "i"
    assert (tmp_path / "errors" / f"{plan.tasks[3].run_id}.log").read_text().endswith("boom\n")
    assert not (tmp_path / "_store").exists()
    ts = pd.read_parquet(tmp_path / "timeseries")
    assert len(ts) == 5 * (len(plan.tasks) - 1) and set(ts["run_id"]) <= set(runs["run_id"])


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_dataset_is_independent_of_batching_order_and_compactions(tmp_path_factory, plan, data):
    results = [fake_result(t) for t in plan.tasks]
    reference = tmp_path_factory.mktemp("ref")
    write_all(reference, plan, [results], set())
    order = data.draw(st.permutations(range(len(results))))
    cuts = sorted(data.draw(st.sets(st.integers(1, len(results) - 1), max_size=8)))
    bounds = [0, *cuts, len(results)]
    pairs = zip(bounds, bounds[1:], strict=False)
    batches = [[results[order[i]] for i in range(a, b)] for a, b in pairs]
    compact_after = data.draw(st.sets(st.integers(0, len(batches) - 1), max_size=4))
    other = tmp_path_factory.mktemp("other")
    write_all(other, plan, batches, compact_after)
    assert dataset(other) == dataset(reference)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kill_at=st.integers(0, 12), split=st.integers(1, 23))
def test_a_kill_during_compaction_is_repaired_by_the_next(tmp_path_factory, plan, kill_at, split):
    results = [fake_result(t) for t in plan.tasks]
    reference = tmp_path_factory.mktemp("ref")
    write_all(reference, plan, [results], set())
    root = tmp_path_factory.mktemp("killed")
    folder = CampaignFolder(root, part_runs=7)
    folder.write_batch(results[:split])
    folder.compact(plan)
    folder.write_batch(results[split:])
    calls = {"n": 0}
    real = store_module.write_parquet

    def dying(path, frame):
        calls["n"] += 1
        if calls["n"] > kill_at:
            raise KeyboardInterrupt  # the process dies here: nothing after this call runs
        return real(path, frame)

    store_module.write_parquet = dying
    try:
        folder.compact(plan)
    except KeyboardInterrupt:
        pass
    finally:
        store_module.write_parquet = real
    folder.compact(plan)
    assert dataset(root) == dataset(reference)


def test_retry_success_replaces_the_failure(tmp_path, plan):
    folder = CampaignFolder(tmp_path)
    task = plan.tasks[0]
    folder.write_batch([fake_result(task, failed=True)])
    folder.compact(plan)
    assert folder.statuses() == {task.run_id: "failed"}
    folder.write_batch([fake_result(task)])
    runs = folder.compact(plan)
    assert runs["status"].tolist() == ["ok"]
    assert not (tmp_path / "errors" / f"{task.run_id}.log").exists()


def test_a_batch_killed_while_written_leaves_no_shard_and_runs_again(tmp_path, plan):
    # The batch's table shards are written before its runs shard: a kill in between (as a
    # SIGTERM to the campaign can land) leaves table shards that no runs shard claims.
    done, cut = [fake_result(t) for t in plan.tasks[:3]], [fake_result(plan.tasks[3])]
    folder = CampaignFolder(tmp_path)
    folder.write_batch(done)
    real = store_module.write_parquet

    def dying(path, frame):
        if ".runs." in Path(path).name:
            raise KeyboardInterrupt  # the process dies before the batch's runs file
        return real(path, frame)

    store_module.write_parquet = dying
    try:
        with pytest.raises(KeyboardInterrupt):
            folder.write_batch(cut)
    finally:
        store_module.write_parquet = real
    assert list((tmp_path / "_store").glob("*.timeseries.parquet"))  # the partial shard
    runs = folder.compact(plan)
    assert not (tmp_path / "_store").exists()
    assert plan.tasks[3].run_id not in set(runs.loc[runs["status"] == "ok", "run_id"])
    assert set(folder.statuses()) == {r.run_id for r in done}  # the cut run runs again
