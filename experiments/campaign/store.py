"""The campaign folder: shards written as runs finish, compacted into one dataset.

Layout of a campaign folder::

    campaign.yaml          the campaign node, resolved        market.yaml  the base market
    plan.parquet           every planned run                  design.parquet  raw design
    runs.parquet           one row per executed planned run (plan order)
    timeseries/part-NNNNN.parquet   per-step rows of runs index k*B .. (k+1)*B-1
    deals/part-NNNNN.parquet        (if kept) one row per purchase, same parts
    errors/RUN_ID.log      traceback of a failed run
    _store/                shards of batches not yet compacted

Every file is written atomically (temporary name, then rename). A batch's shard is committed
by its ``runs`` file, written last, so a kill leaves either a whole shard or none. Compaction
merges the shards into the dataset and only then deletes them, rewriting only the parts that
changed; it is idempotent, so a kill during it is repaired by the next one. The dataset
depends only on the set of results, never on how runs were batched, interrupted or
scheduled: rows are in plan order and columns in a fixed order, so an interrupted and
resumed campaign ends byte-identical to an uninterrupted one (``runtime_s`` aside).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from experiments.campaign.plan import Plan
from experiments.campaign.runner import RunResult
from sim.results.io import write_parquet, write_text

STORE = "_store"
TABLES = ("timeseries", "deals", "sellers")
#: Columns of a result row besides the metrics.
RESULT_HEAD = ("run_id", "status")
RESULT_TAIL = ("error", "runtime_s")


class CampaignBusy(RuntimeError):
    """Another process holds the campaign folder."""


class CampaignFolder:
    """Reading and writing one campaign folder (see the module docstring)."""

    def __init__(self, root: Path | str, part_runs: int = 1000) -> None:
        self.root = Path(root)
        self.part_runs = max(1, int(part_runs))
        self.store = self.root / STORE
        self._lock_fd: int | None = None

    # ------------------------------------------------------------------ locking

    def lock(self) -> None:
        """Hold the folder for this process (released when it exits, even on SIGKILL).

        Raises:
            CampaignBusy: if another process holds it.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / ".lock", os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise CampaignBusy(f"another campaign process is using {self.root}") from None
        self._lock_fd = fd

    def unlock(self) -> None:
        """Release the folder."""
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    # ------------------------------------------------------------------ reading

    def _shards(self) -> list[Path]:
        return sorted(self.store.glob("*.runs.parquet")) if self.store.is_dir() else []

    def results(self) -> pd.DataFrame:
        """Every recorded result (compacted and in shards): one row per run id."""
        frames = []
        runs = self.root / "runs.parquet"
        if runs.exists():
            done = pd.read_parquet(runs)
            keep = [c for c in done.columns if c not in self._plan_columns(done)]
            frames.append(done[keep])
        frames += [pd.read_parquet(p) for p in self._shards()]
        return _dedupe(frames)

    @staticmethod
    def _plan_columns(frame: pd.DataFrame) -> list[str]:
        cols = list(frame.columns)
        end = cols.index("status") if "status" in cols else len(cols)
        return [c for c in cols[:end] if c != "run_id"]

    def statuses(self) -> dict[str, str]:
        """``run_id -> status`` of every recorded run."""
        table = self.results()
        if not len(table):
            return {}
        return dict(zip(table["run_id"], table["status"], strict=True))

    # ------------------------------------------------------------------ writing

    def write_batch(self, results: Sequence[RunResult]) -> None:
        """Write one finished batch as a shard (its tables, then its ``runs`` file)."""
        if not results:
            return
        key = hashlib.sha1("".join(sorted(r.run_id for r in results)).encode()).hexdigest()[:16]
        for table in TABLES:
            frames = [
                _tagged(getattr(r, table), r.run_id)
                for r in results
                if getattr(r, table) is not None
            ]
            if frames:
                write_parquet(self.store / f"{key}.{table}.parquet", pd.concat(frames))
        for r in results:
            log = self.root / "errors" / f"{r.run_id}.log"
            if r.status == "failed" and r.traceback:
                write_text(log, r.traceback)
            elif log.exists():
                log.unlink()
        write_parquet(self.store / f"{key}.runs.parquet", result_rows(results))

    def compact(self, plan: Plan) -> pd.DataFrame:
        """Merge the shards into ``runs.parquet`` and the part files; returns the runs table."""
        shards = self._shards()
        table = self.results()
        runs = runs_table(plan, table)
        first = {t.run_id: t.index for t in reversed(plan.tasks)}
        for name in TABLES:
            self._merge_parts(name, [_sibling(p, name) for p in shards], first)
        if len(runs) or (self.root / "runs.parquet").exists():
            write_parquet(self.root / "runs.parquet", runs)
        for p in shards:
            for name in ("runs", *TABLES):
                _sibling(p, name).unlink(missing_ok=True)
        if self.store.is_dir():
            # A batch interrupted while being written leaves table shards without its runs
            # shard (written last): its runs are not recorded and run again, so the partial
            # shards are dropped.
            for orphan in self.store.glob("*.parquet"):
                orphan.unlink()
            if not any(self.store.iterdir()):
                self.store.rmdir()
        return runs

    def _merge_parts(self, name: str, shard_files: Iterable[Path], first: dict[str, int]) -> None:
        # A run recorded in two shards (retried, or resumed mid-write) has the same rows in
        # both, since runs are reproducible: keep one shard's rows per run, whole.
        new = [pd.read_parquet(p).assign(_shard=i) for i, p in enumerate(shard_files) if p.exists()]
        new = [f for f in new if len(f)]
        if not new:
            return
        rows = pd.concat(new, ignore_index=True)
        rows = rows[rows["run_id"].isin(first)]
        rows = rows[rows["_shard"] == rows.groupby("run_id")["_shard"].transform("max")]
        rows = rows.drop(columns="_shard")
        part_of = rows["run_id"].map(first) // self.part_runs
        for part, fresh in rows.groupby(part_of, sort=True):
            path = self.root / name / f"part-{int(part):05d}.parquet"
            if path.exists():
                old = pd.read_parquet(path)
                fresh = pd.concat([old[~old["run_id"].isin(fresh["run_id"])], fresh])
            # Runs in plan order; a run's rows in the order the model wrote them.
            order = fresh["run_id"].map(first)
            fresh = fresh.assign(_order=order).sort_values("_order", kind="stable")
            write_parquet(path, fresh.drop(columns="_order").reset_index(drop=True))


def _sibling(runs_shard: Path, table: str) -> Path:
    """The ``table`` file of the shard whose ``runs`` file is ``runs_shard``."""
    return runs_shard.with_name(runs_shard.name.replace(".runs.", f".{table}."))


def _tagged(frame: pd.DataFrame, run_id: str) -> pd.DataFrame:
    out = frame.copy()
    out.insert(0, "run_id", run_id)
    return out


def result_rows(results: Sequence[RunResult]) -> pd.DataFrame:
    """Results as rows: ``run_id``, ``status``, metrics, ``error``, ``runtime_s``.

    Integer metrics are nullable integers (``Int64``), so a failed run's missing value does
    not turn a count into a float, and the dtypes never depend on which runs share a shard.
    """
    rows = [
        {
            "run_id": r.run_id,
            "status": r.status,
            **r.metrics,
            "error": r.error,
            "runtime_s": r.runtime_s,
        }
        for r in results
    ]
    frame = pd.DataFrame(rows)
    ok = [r.metrics for r in results if r.status == "ok"]
    # A metric is an integer column only if it is an integer in every run of the batch.
    ints = {k for k in (ok[0] if ok else {}) if all(isinstance(m.get(k), int) for m in ok)}
    for col in ints:
        frame[col] = frame[col].astype("Int64")
    frame["error"] = frame["error"].astype("string")
    return frame


def _dedupe(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=[*RESULT_HEAD, *RESULT_TAIL])
    # Integer only if every frame holding values of the column holds integers.
    cols = {c for f in frames for c in f.columns}
    ints = {
        c
        for c in cols
        if all(str(f[c].dtype) == "Int64" for f in frames if c in f and f[c].notna().any())
        and any(c in f and str(f[c].dtype) == "Int64" for f in frames)
    }
    table = pd.concat(frames, ignore_index=True)
    for col in ints:
        table[col] = table[col].astype("Int64")
    # A success recorded after a failure (--retry-failed) wins; otherwise the latest record.
    table["_ok"] = table["status"].eq("ok")
    table = table.reset_index().sort_values(["_ok", "index"], kind="stable")
    table = table.drop_duplicates("run_id", keep="last").drop(columns=["_ok", "index"])
    return table.reset_index(drop=True)


def runs_table(plan: Plan, results: pd.DataFrame) -> pd.DataFrame:
    """The dataset's ``runs.parquet``: the plan's executed rows joined with their results.

    Columns: ``index``, ``run_id``, ``point``, the varied keys, ``seed``, ``status``, the
    metrics (the summary's order, then ``profit.*`` sorted), ``error``, ``runtime_s``.
    """
    planned = plan.frame()
    if not len(results):
        return planned.iloc[0:0].assign(status=pd.Series(dtype="string"))
    merged = planned.merge(results, on="run_id", how="inner", sort=False)
    merged = merged.sort_values("index", kind="stable").reset_index(drop=True)
    metrics = [c for c in results.columns if c not in (*RESULT_HEAD, *RESULT_TAIL)]
    profit = sorted(c for c in metrics if c.startswith("profit."))
    base = sorted(c for c in metrics if c not in profit)
    columns = [*planned.columns, "status", *base, *profit, "error", "runtime_s"]
    merged["status"] = merged["status"].astype("string")
    return merged[columns]


def write_text_once(path: Path, text: str) -> None:
    """Write ``path`` unless it already holds ``text`` (keeps a resumed folder's mtimes)."""
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        write_text(path, text)
