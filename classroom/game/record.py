"""A game's run folder: the usual run files plus the game's own records.

Besides what every run writes (``config.yaml``, ``timeseries.parquet``, ``deals.parquet``,
``sellers.parquet``, ``summary.json``, ... from :func:`sim.cli.run_folder.write_model_folder`)
a game writes ``game.json`` (room code, rules, seller names, rounds played),
``decisions.csv`` (every seller's offer in every round, and whether a student or a bot made
it) and ``rounds.csv`` (per round and seller: sales, profit, share, reputation). Every file
is written atomically, after every round, so a server that dies keeps every finished round.
The seed and ``decisions.csv`` replay the game exactly (:mod:`classroom.game.replay`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import OmegaConf

from classroom.game.rules import GameRules
from sim.cli.run_folder import model_config, write_model_folder
from sim.model import MarketModel
from sim.results.io import write_json, write_text

GAME_FILE = "game.json"
DECISIONS_FILE = "decisions.csv"
ROUNDS_FILE = "rounds.csv"


def save_game(
    folder: Path,
    model: MarketModel,
    *,
    rules: GameRules,
    code: str,
    names: list[str],
    bots: list[bool],
    decisions: pd.DataFrame,
    rounds: pd.DataFrame,
    final: bool,
) -> None:
    """Write (or update) the game's run folder.

    Args:
        folder: The run folder.
        model: The game's market after the rounds played so far.
        rules: The game's rules.
        code: The room code.
        names: Seller names by seller index.
        bots: Whether each seller is a bot for the whole game.
        decisions: The decision log (``Decision.row`` rows).
        rounds: Per round and seller results (``Room.history``).
        final: Whether the game is over (then the run figure is drawn too).
    """
    cfg = model_config(OmegaConf.create(OmegaConf.to_container(model.cfg, resolve=True)))
    write_model_folder(model, cfg, folder, figures=final)
    played = int(decisions["round"].max()) + 1 if len(decisions) else 0
    game: dict[str, Any] = {
        "code": code,
        "rules": rules.to_dict(),
        "sellers": [
            {"seller_id": i, "name": n, "bot": b}
            for i, (n, b) in enumerate(zip(names, bots, strict=True))
        ],
        "rounds_played": played,
        "finished": final,
    }
    write_json(folder / GAME_FILE, game)
    write_text(folder / DECISIONS_FILE, decisions.to_csv(index=False))
    write_text(folder / ROUNDS_FILE, rounds.to_csv(index=False))
