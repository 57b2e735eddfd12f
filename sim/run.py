"""Command-line entry point: ``python -m sim.run [key=value ...]`` (a Hydra app).

Composes ``configs/config.yaml`` with the overrides, builds :class:`~sim.model.MarketModel`,
runs it and writes the run folder (see :func:`write_run`). Bad input is reported as one
line naming the key and the allowed values, with exit code 2 and nothing written.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim.config import ConfigError, register_configs, validate
from sim.metrics import summarize
from sim.model import MarketModel
from sim.results import (
    config_hash,
    git_commit,
    package_versions,
    write_json,
    write_parquet,
    write_text,
)

CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "configs")
register_configs()


def model_config(cfg: DictConfig) -> DictConfig:
    """The config without Hydra's own node, resolved."""
    data = OmegaConf.to_container(cfg, resolve=True)
    data.pop("hydra", None)
    return OmegaConf.create(data)


def execute(cfg: DictConfig) -> tuple[MarketModel, dict[str, Any], float]:
    """Build and run the model of ``cfg``; returns the model, its summary and runtime (s)."""
    t0 = time.perf_counter()
    model = MarketModel.from_config(cfg)
    model.run()
    runtime = time.perf_counter() - t0
    summary = summarize(
        model.deals_frame(),
        n_customers=model.customers.n,
        n_sellers=model.sellers.n,
        steps=model.n_steps,
        seed=model.seed,
        coalitions=model.coalitions_frame(),
        sellers=model.sellers_frame(),
        cascades=model.cascades_frame(),
    )
    return model, summary, runtime


def write_run(cfg: DictConfig, out_dir: Path | str, figures: bool = True) -> dict[str, Any]:
    """Run ``cfg`` and write its folder.

    Files: ``config.yaml`` (resolved config), ``timeseries.parquet`` (one row per step),
    ``deals.parquet`` (one row per purchase), ``coalitions.parquet`` (one row per coalition,
    with its outcome), ``sellers.parquet`` (per step and seller), ``cascades.parquet`` (outrage
    cascades), ``summary.json`` (computed from these logs,
    nothing time- or machine-dependent), ``manifest.json`` (runtime, versions, commit,
    config hash) and ``price_surplus.png``. Every file is written atomically.
    """
    out = Path(out_dir)
    cfg = model_config(cfg)
    model, summary, runtime = execute(cfg)
    deals, ts = model.deals_frame(), model.timeseries_frame()
    write_text(out / "config.yaml", OmegaConf.to_yaml(cfg))
    write_parquet(out / "timeseries.parquet", ts)
    write_parquet(out / "deals.parquet", deals)
    write_parquet(out / "coalitions.parquet", model.coalitions_frame())
    write_parquet(out / "sellers.parquet", model.sellers_frame())
    write_parquet(out / "cascades.parquet", model.cascades_frame())
    write_json(out / "summary.json", summary)
    if figures:
        from sim.plots import price_and_surplus_figure

        price_and_surplus_figure(
            deals, ts, out / "price_surplus.png", title=f"{cfg.network.kind}, seed {cfg.seed}"
        )
    write_json(
        out / "manifest.json",
        {
            "config_hash": config_hash(cfg),
            "runtime_s": round(runtime, 4),
            "customer_steps_per_s": round(model.customers.n * model.n_steps / runtime, 1),
            "git_commit": git_commit(),
            "packages": package_versions(),
            "argv": sys.argv,
        },
    )
    return summary


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


@hydra.main(version_base=None, config_path=CONFIG_DIR, config_name="config")
def _app(cfg: DictConfig) -> float:
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        validate(cfg)
        summary = write_run(cfg, out_dir, figures=cfg.output.figures)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    if not cfg.output.quiet:
        print(format_summary(summary, out_dir))
    return float(summary["welfare"])


def main() -> None:
    """Check the overrides, then hand over to Hydra."""
    from sim.preflight import check_overrides

    problem = check_overrides(sys.argv[1:], CONFIG_DIR)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        sys.exit(2)
    _app()


if __name__ == "__main__":
    main()
