"""Running one config and writing its run folder.

Files: ``config.yaml`` (resolved config), ``timeseries.parquet`` (one row per step),
``deals.parquet`` (one row per purchase), ``coalitions.parquet`` (one row per coalition,
with its outcome), ``sellers.parquet`` (per step and seller), ``cascades.parquet`` (outrage
cascades), ``summary.json`` (computed from these logs, nothing time- or machine-dependent),
``manifest.json`` (runtime, versions, commit, config hash) and ``price_surplus.png``. Every
file is written atomically; a run in a reused folder first clears what an earlier run left
that this one will not rewrite (:data:`OUTPUTS`: a figure it skips, a failure note; and a
killed write's temporary file). :class:`FolderBefore` notes what a folder held before a run
started in it, so a run that fails can take back what it created.

The figure's module (:mod:`sim.figures`) imports matplotlib, a third of a run's start-up, so
it is imported by name (:data:`FIGURES_MODULE`) when a run draws its figure and never
otherwise: ``python -m sim.run output.figures=false`` and sweeps do not load matplotlib.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.cli.progress import FAILED
from sim.model import MarketModel
from sim.results.identity import config_hash, git_commit, package_versions
from sim.results.io import remove_stale, write_json, write_parquet, write_text
from sim.results.metrics import summarize

#: The run figure (see ``output.figures``: by default drawn for a single run, not in a sweep).
FIGURE = "price_surplus.png"
#: The module that draws it, imported only when a figure is drawn (:func:`draw_run_figure`).
FIGURES_MODULE = "sim.figures"
#: Every file a run writes in its folder (and the failure note a failed sweep job leaves);
#: a run removes those it does not rewrite before writing the others.
TABLES = ("timeseries", "deals", "coalitions", "sellers", "cascades")
OUTPUTS = (
    "config.yaml",
    *(f"{t}.parquet" for t in TABLES),
    "summary.json",
    "manifest.json",
    FIGURE,
    FAILED,
)
#: What Hydra writes in a run folder when a job starts (besides its log, ``NAME.log``).
HYDRA_SUBDIR = ".hydra"


def model_config(cfg: DictConfig) -> DictConfig:
    """The config without Hydra's own node, resolved.

    A new, plain root over copies of the nodes, which stay typed by their schemas: the model
    then takes them without merging them onto the schemas again (~30 ms a run).
    """
    data = OmegaConf.create(dict(cfg.items_ex(resolve=False)))
    OmegaConf.resolve(data)
    data.pop("hydra", None)
    return data


def execute(cfg: DictConfig) -> tuple[MarketModel, dict[str, Any], float]:
    """Build and run the model of ``cfg``; returns the model, its summary and runtime (s)."""
    t0 = time.perf_counter()
    model = MarketModel.from_config(cfg)
    model.run()
    runtime = time.perf_counter() - t0
    summary = run_summary(model)
    return model, summary, runtime


def write_run(cfg: DictConfig, out_dir: Path | str, figures: bool = True) -> dict[str, Any]:
    """Run ``cfg`` and write its folder (see the module docstring); returns the summary."""
    cfg = model_config(cfg)
    model, summary, runtime = execute(cfg)
    write_model_folder(model, cfg, out_dir, summary, runtime, figures=figures)
    return summary


def run_summary(model: MarketModel) -> dict[str, Any]:
    """The summary of a model that has run (``sim.results.metrics.summarize`` of its logs)."""
    return summarize(
        model.deals_frame(),
        n_customers=model.customers.n,
        n_sellers=model.sellers.n,
        steps=model.n_steps,
        seed=model.seed,
        coalitions=model.coalitions_frame(),
        sellers=model.sellers_frame(),
        cascades=model.cascades_frame(),
    )


def write_model_folder(
    model: MarketModel,
    cfg: DictConfig,
    out_dir: Path | str,
    summary: dict[str, Any] | None = None,
    runtime: float | None = None,
    *,
    figures: bool = True,
) -> dict[str, Any]:
    """Write the run folder of a model that has run (or was stepped by hand, as in class).

    Args:
        model: The model, after its steps.
        cfg: Its resolved config (``model_config``), written as ``config.yaml``.
        out_dir: The run folder (created if missing).
        summary: Its summary (default: computed by :func:`run_summary`).
        runtime: Seconds of simulation, for the manifest (omitted if None).
        figures: Whether to draw ``price_surplus.png``.

    Returns:
        The summary.
    """
    out = Path(out_dir)
    summary = run_summary(model) if summary is None else summary
    not_rewritten = {FAILED} if figures else {FAILED, FIGURE}
    remove_stale(out, [n for n in OUTPUTS if n in not_rewritten])
    deals, ts = model.deals_frame(), model.timeseries_frame()
    write_text(out / "config.yaml", OmegaConf.to_yaml(cfg))
    write_parquet(out / "timeseries.parquet", ts)
    write_parquet(out / "deals.parquet", deals)
    write_parquet(out / "coalitions.parquet", model.coalitions_frame())
    write_parquet(out / "sellers.parquet", model.sellers_frame())
    write_parquet(out / "cascades.parquet", model.cascades_frame())
    write_json(out / "summary.json", summary)
    if figures:
        draw_run_figure(deals, ts, out / FIGURE, title=f"{cfg.network.kind}, seed {cfg.seed}")
    manifest: dict[str, Any] = {"config_hash": config_hash(cfg)}
    if runtime is not None:
        manifest["runtime_s"] = round(runtime, 4)
        manifest["customer_steps_per_s"] = round(
            model.customers.n * model.steps / max(runtime, 1e-9), 1
        )
    manifest |= {"git_commit": git_commit(), "packages": package_versions(), "argv": sys.argv}
    write_json(out / "manifest.json", manifest)
    return summary


@dataclass(frozen=True)
class FolderBefore:
    """What a folder held before a run started in it: enough to take back what the run made.

    Attributes:
        folder: The run folder.
        created: The outermost folder the run will create (the folder itself or a missing
            parent), or None if the folder exists.
        names: The folder's entries (empty if it does not exist).
        kept: Bytes and times of the files Hydra rewrites when a job starts (``.hydra/*``,
            ``*.log``), by path.
    """

    folder: Path
    created: Path | None
    names: frozenset[str]
    kept: dict[Path, tuple[bytes, int, int]]

    @classmethod
    def take(cls, folder: Path | str) -> FolderBefore:
        """Note what ``folder`` holds now."""
        folder = Path(os.path.abspath(folder))
        if not folder.is_dir():
            created = folder
            while not created.parent.exists() and created.parent != created:
                created = created.parent
            return cls(folder, created, frozenset(), {})
        hydra_files = [p for p in (folder / HYDRA_SUBDIR).glob("*") if p.is_file()]
        kept = {}
        for p in [*hydra_files, *(p for p in folder.glob("*.log") if p.is_file())]:
            stat = p.stat()
            kept[p] = (p.read_bytes(), stat.st_atime_ns, stat.st_mtime_ns)
        return cls(folder, None, frozenset(p.name for p in folder.iterdir()), kept)

    def undo(self) -> None:
        """Remove what was created in the folder since :meth:`take`, restore Hydra's files.

        A folder the run created goes entirely (with the parents it created); in a folder
        that existed, new entries go and the noted files get their bytes back.
        """
        if self.created is not None:
            shutil.rmtree(self.created, ignore_errors=True)
            return
        if not self.folder.is_dir():
            return
        for p in self.folder.iterdir():
            if p.name not in self.names:
                _remove(p)
        hydra_dir = self.folder / HYDRA_SUBDIR
        if hydra_dir.is_dir():
            for p in hydra_dir.iterdir():
                if p not in self.kept:
                    _remove(p)
        for p, (data, atime, mtime) in self.kept.items():
            if not p.is_file() or p.read_bytes() != data:
                p.write_bytes(data)
            os.utime(p, ns=(atime, mtime))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def draw_run_figure(deals: Any, timeseries: Any, path: Path, title: str = "") -> Path:
    """Draw the run figure (``sim.figures.price_and_surplus_figure``) into ``path``.

    The one place in ``sim`` that imports a module at run time, on purpose:
    ``tests/test_architecture.py`` forbids import statements inside functions, and a
    module-level import would load matplotlib in every run, figure or not. Which module
    draws is data (:data:`FIGURES_MODULE`), so the layering stays visible: ``sim.cli``
    (layer 9) may use ``sim.figures`` (layer 8).
    """
    figures = importlib.import_module(FIGURES_MODULE)
    return figures.price_and_surplus_figure(deals, timeseries, path, title=title)


def format_summary(s: dict[str, Any], out_dir: Path | str) -> str:
    """Short human-readable summary of a run."""

    def money(x: float | None) -> str:
        return "n/a" if x is None or x != x else f"{x:,.2f}"

    gap = ""
    pc, ps = s["mean_price_coalition"], s["mean_price_solo"]
    if pc == pc and ps == ps and ps > 0:
        gap = (
            f"  (coalitions pay {100 * (1 - pc / ps):.1f}% less)"
            if pc <= ps
            else (f"  (coalitions pay {100 * (pc / ps - 1):.1f}% more)")
        )
    return "\n".join(
        [
            f"crowdbargain run: {s['n_customers']} customers, {s['n_sellers']} sellers, "
            f"{s['steps']} steps, seed {s['seed']}",
            f"  mean unit price paid  coalition {money(pc)} | solo {money(ps)}{gap}",
            f"  consumer surplus      {money(s['consumer_surplus'])}",
            f"  seller profit         {money(s['seller_profit'])}",
            f"  welfare               {money(s['welfare'])}",
            f"  coalitions formed     {s['coalitions_formed']} "
            f"(mean size {s['mean_coalition_size']:.1f})"
            if s["coalitions_formed"]
            else "  coalitions formed     0",
            f"  buyers served         {100 * s['buyers_served_share']:.1f}% "
            f"({s['deals']} purchases, {s['units_sold']} units)",
            f"  results in            {out_dir}",
        ]
    )
