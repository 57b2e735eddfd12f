"""Replaying a game from its run folder: the seed, the rules and the decision log.

``python -m classroom.game.replay GAME_FOLDER OUT_FOLDER`` rebuilds the market from
``config.yaml``, plays every round with the logged offers (students' and bots' alike)
through the same :func:`~classroom.game.rounds.play_round` the room used, and writes a run
folder that is byte-identical to the game's (``manifest.json`` aside: it records when and
how it was made).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from agents.pricing.offer import OfferParams
from classroom.game.record import DECISIONS_FILE, GAME_FILE, save_game
from classroom.game.rounds import play_round, round_results
from classroom.game.rules import GameRules
from sim.cli.entry import OneLineParser
from sim.model import MarketModel


def replay(folder: Path | str, out: Path | str) -> MarketModel:
    """Replay the game recorded in ``folder`` and write its run folder to ``out``.

    Returns:
        The replayed market.
    """
    folder, out = Path(folder), Path(out)
    game = json.loads((folder / GAME_FILE).read_text(encoding="utf-8"))
    rules = GameRules(**game["rules"])
    log = pd.read_csv(folder / DECISIONS_FILE)
    model = MarketModel.from_config(OmegaConf.load(folder / "config.yaml"))
    names = [s["name"] for s in game["sellers"]]
    results = []
    for r, rows in log.groupby("round", sort=True):
        offers = {
            int(row.seller_id): OfferParams(
                price=float(row.price),
                tier_quantity=int(row.tier_quantity),
                tier_discount=float(row.tier_discount),
                deal_min_quantity=int(row.deal_min_quantity),
                deal_discount=float(row.deal_discount),
                personalised=bool(row.personalised),
            )
            for row in rows.itertuples()
        }
        play_round(model, offers, rules.steps_per_round)
        results.append(round_results(model, int(r), rules.steps_per_round, offers))
    rounds = pd.concat(results, ignore_index=True) if results else pd.DataFrame()
    if len(rounds):
        rounds.insert(2, "name", [names[s] for s in rounds["seller_id"]])
    save_game(
        out,
        model,
        rules=rules,
        code=game["code"],
        names=names,
        bots=[s["bot"] for s in game["sellers"]],
        decisions=log,
        rounds=rounds,
        final=bool(game["finished"]),
    )
    return model


def main(argv: list[str] | None = None) -> None:
    """Command line: replay GAME_FOLDER into OUT_FOLDER."""
    p = OneLineParser(prog="python -m classroom.game.replay", description=__doc__.split("\n")[0])
    p.add_argument("game", type=Path, help="the game's run folder")
    p.add_argument("out", type=Path, help="where to write the replayed run folder")
    args = p.parse_args(argv)
    if not (args.game / GAME_FILE).is_file():
        p.error(f"game={args.game} is invalid; allowed: a game run folder (with {GAME_FILE})")
    replay(args.game, args.out)
    print(f"replayed {args.game} into {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
