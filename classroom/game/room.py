"""A room: one game of students (and bots) selling to bot customers, round after round.

A room is shared by everyone in it, so its state lives in one process-level object guarded
by a lock; every public method takes the lock, so thirty students submitting at once and a
teacher ending the round never see half an update. Students are identified by an
unguessable token (their seller comes back when they reconnect); the teacher by another.
"""

from __future__ import annotations

import enum
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from agents.pricing.offer import OfferParams
from agents.stand_ins import SellerView, make_stand_in
from classroom.game import debrief, inputs
from classroom.game.inputs import InputError
from classroom.game.record import save_game
from classroom.game.rounds import coalition_prices, play_round, round_results
from classroom.game.rules import UNIT_COST, GameRules
from sim.model import MarketModel

#: The fields of an offer that a decision records.
OFFER_FIELDS = (
    "price",
    "tier_quantity",
    "tier_discount",
    "deal_min_quantity",
    "deal_discount",
    "personalised",
)
#: Room codes avoid look-alike characters (0/O, 1/I) so they read well off a projector.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 5
MIN_SELLERS = 2
#: Students a room takes (a class, with room to spare; the market's sellers grow with it).
MAX_SEATS = 60


class Phase(enum.StrEnum):
    """Where a room is: students joining, rounds being played, or finished."""

    LOBBY = "lobby"
    PLAYING = "playing"
    OVER = "over"


class AccessError(PermissionError):
    """A token that does not belong to this room (or to its teacher)."""


@dataclass
class Seat:
    """One seller in the room: a student (with a token) or a bot."""

    seller: int
    name: str
    token: str | None

    @property
    def is_bot(self) -> bool:
        """Whether a bot plays this seller for the whole game."""
        return self.token is None


@dataclass(frozen=True)
class Decision:
    """One seller's offer for one round, and who made it (``student`` or ``bot``)."""

    round: int
    seller_id: int
    source: str
    offer: OfferParams

    def row(self) -> dict[str, Any]:
        """The decision log's row."""
        return {
            "round": self.round,
            "seller_id": self.seller_id,
            "source": self.source,
            **offer_fields(self.offer),
        }


def offer_fields(offer: OfferParams) -> dict[str, Any]:
    """What a seller decided in an offer (the fields the decision log records)."""
    o = asdict(offer)
    return {k: o[k] for k in OFFER_FIELDS}


def new_code(taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A fresh room code (5 characters, easy to read aloud), not in ``taken``."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            return code


@dataclass
class Room:
    """One game.

    Args:
        code: The room's code.
        rules: The teacher's rules.
        folder: The game's run folder (written after every round).
    """

    code: str
    rules: GameRules
    folder: Path
    teacher_token: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    seats: list[Seat] = field(default_factory=list)
    phase: Phase = Phase.LOBBY
    round: int = 0
    deadline: float | None = None
    pending: dict[int, OfferParams] = field(default_factory=dict)
    decisions: list[Decision] = field(default_factory=list)
    results: list[pd.DataFrame] = field(default_factory=list)
    model: MarketModel | None = None
    _tokens: dict[str, Seat] = field(default_factory=dict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    # ------------------------------------------------------------------ access

    def seat(self, token: str) -> Seat:
        """The student seat of ``token``.

        Raises:
            AccessError: if the token is not a student's of this room.
        """
        with self._lock:
            seat = self._tokens.get(str(token))
            if seat is None:
                raise AccessError("unknown player token for this room; join again")
            return seat

    def check_teacher(self, token: str) -> None:
        """Raise :class:`AccessError` unless ``token`` is the teacher's."""
        if not secrets.compare_digest(str(token or ""), self.teacher_token):
            raise AccessError("teacher token required")

    # ------------------------------------------------------------------ lobby

    def join(self, name: Any) -> Seat:
        """A student joins with a display name and becomes the next seller.

        Raises:
            InputError: for a bad or taken name, or if the game has started.
        """
        with self._lock:
            if self.phase is not Phase.LOBBY:
                raise InputError("room", "the game has started; new sellers cannot join now")
            if len(self.seats) >= MAX_SEATS:
                raise InputError("room", f"the room is full; allowed: up to {MAX_SEATS} sellers")
            clean = inputs.display_name(name, {s.name.casefold() for s in self.seats})
            seat = Seat(len(self.seats), clean, secrets.token_urlsafe(16))
            self.seats.append(seat)
            self._tokens[seat.token] = seat  # type: ignore[index]
            return seat

    def start(self, now: float | None = None) -> None:
        """Close the lobby: add the bot sellers, build the market and open round 0.

        Raises:
            InputError: if fewer than two sellers would play, or the game has started.
        """
        with self._lock:
            if self.phase is not Phase.LOBBY:
                raise InputError("room", "the game has already started")
            for i in range(self.rules.bot_sellers):
                self.seats.append(Seat(len(self.seats), f"Bot {i + 1}", None))
            if len(self.seats) < MIN_SELLERS:
                self.seats = [s for s in self.seats if not s.is_bot]
                raise InputError(
                    "players",
                    f"{len(self.seats)} joined; allowed: at least {MIN_SELLERS} sellers "
                    "(students plus bot sellers)",
                )
            self.model = MarketModel(**self.rules.market(len(self.seats)))
            self.phase = Phase.PLAYING
            self._open_round(now)

    # ------------------------------------------------------------------ rounds

    def submit(self, token: str, form: Mapping[str, Any]) -> tuple[int, OfferParams]:
        """A student's offer for the current round (a later one replaces an earlier one).

        Returns:
            The round the offer is for, and the offer.

        Raises:
            AccessError: for a token not of this room.
            InputError: for a bad value, or when no round is open; nothing changes.
        """
        with self._lock:
            seat = self.seat(token)
            if self.phase is not Phase.PLAYING:
                raise InputError("round", f"no round is open (the game is {self.phase.value})")
            offer = inputs.offer(form, self.rules)
            self.pending[seat.seller] = offer
            return self.round, offer

    def students_waiting(self) -> list[str]:
        """Names of the students who have not submitted this round."""
        with self._lock:
            return [s.name for s in self.seats if not s.is_bot and s.seller not in self.pending]

    def advance(self, now: float | None = None) -> pd.DataFrame:
        """End the current round: bots decide for whoever did not submit, the market runs.

        Returns:
            The round's results per seller.

        Raises:
            InputError: if no round is open.
        """
        with self._lock:
            if self.phase is not Phase.PLAYING or self.model is None:
                raise InputError("round", f"no round is open (the game is {self.phase.value})")
            offers: dict[int, OfferParams] = {}
            for seat in self.seats:
                if seat.seller in self.pending:
                    offers[seat.seller] = self.pending[seat.seller]
                    source = "student"
                else:
                    offers[seat.seller] = self._stand_in_offer(seat.seller)
                    source = "bot"
                self.decisions.append(
                    Decision(self.round, seat.seller, source, offers[seat.seller])
                )
            play_round(self.model, offers, self.rules.steps_per_round)
            result = round_results(self.model, self.round, self.rules.steps_per_round, offers)
            self.results.append(result)
            self.round += 1
            self.pending = {}
            if self.round >= self.rules.rounds:
                self.phase = Phase.OVER
                self.deadline = None
            else:
                self._open_round(now)
            self.save(final=self.phase is Phase.OVER)
            return result

    def tick(self, now: float) -> bool:
        """End a timed round whose time is up, or in which every student has submitted.

        Returns:
            Whether a round ended.
        """
        with self._lock:
            if self.phase is not Phase.PLAYING or self.deadline is None:
                return False
            everyone = not self.students_waiting() and any(not s.is_bot for s in self.seats)
            if now < self.deadline and not everyone:
                return False
            self.advance(now)
            return True

    def _open_round(self, now: float | None) -> None:
        seconds = self.rules.round_seconds
        self.deadline = (time.monotonic() if now is None else now) + seconds if seconds else None

    def _stand_in_offer(self, seller: int) -> OfferParams:
        mine = [d.offer for d in self.decisions if d.seller_id == seller]
        last = [d for d in self.decisions if d.round == self.round - 1]
        view = SellerView(
            round=self.round,
            unit_cost=UNIT_COST,
            floor=self.rules.floor,
            ceiling=self.rules.ceiling,
            last_offer=mine[-1] if mine else None,
            prices=tuple(o.price for o in mine),
            profits=tuple(
                float(r.loc[r.seller_id == seller, "profit"].iloc[0]) for r in self.results
            ),
            rival_prices=tuple(d.offer.price for d in last if d.seller_id != seller),
        )
        return make_stand_in(self.rules.stand_in).decide(view)

    # ------------------------------------------------------------------ views

    def history(self) -> pd.DataFrame:
        """Every finished round's results, with seller names."""
        with self._lock:
            if not self.results:
                return pd.DataFrame()
            frame = pd.concat(self.results, ignore_index=True)
            frame.insert(2, "name", [self.seats[s].name for s in frame["seller_id"]])
            return frame

    def decision_log(self) -> pd.DataFrame:
        """Every decision so far (``Decision.row`` rows)."""
        with self._lock:
            return pd.DataFrame([d.row() for d in self.decisions])

    def prices(self) -> pd.DataFrame:
        """Per round: the mean unit price coalition members and solo buyers paid."""
        with self._lock:
            if self.model is None:
                return pd.DataFrame()
            return coalition_prices(self.model, self.rules.steps_per_round)

    def round_capacity(self) -> int:
        """Units a seller can sell in a round."""
        per_step = self.rules.seller_capacity(max(len(self.seats), MIN_SELLERS))
        return per_step * self.rules.steps_per_round

    def debrief(self) -> dict[str, Any]:
        """The debrief: boycotts and their reasons, the coalition effect, in sentences."""
        with self._lock:
            board = self.leaderboard()
            banned = debrief.boycotts(self.history(), self.decision_log(), self.round_capacity())
            effect = debrief.coalition_effect(self.prices())
            return {
                "boycotts": banned,
                "coalitions": effect,
                "sentences": debrief.sentences(board, banned, effect),
                "folder": str(self.folder),
            }

    def leaderboard(self) -> list[dict[str, Any]]:
        """Sellers ranked by total profit: profit, market share, reputation, boycott."""
        with self._lock:
            hist = self.history()
            rows = []
            for seat in self.seats:
                mine = hist[hist["seller_id"] == seat.seller] if len(hist) else hist
                units = float(mine["units_sold"].sum()) if len(mine) else 0.0
                total = float(hist["units_sold"].sum()) if len(hist) else 0.0
                last = mine.iloc[-1] if len(mine) else None
                rows.append(
                    {
                        "seller_id": seat.seller,
                        "name": seat.name,
                        "bot": seat.is_bot,
                        "profit": round(float(mine["profit"].sum()), 2) if len(mine) else 0.0,
                        "units_sold": int(units),
                        "market_share": round(units / total, 4) if total else 0.0,
                        "rating": _num(last, "public_rating"),
                        "warmth": _num(last, "warmth"),
                        "competence": _num(last, "competence"),
                        "boycott_share": _num(last, "boycott_share"),
                        "price": _num(last, "price"),
                    }
                )
            rows.sort(key=lambda r: (-r["profit"], r["seller_id"]))
            for rank, row in enumerate(rows, 1):
                row["rank"] = rank
            return rows

    def public_view(self) -> dict[str, Any]:
        """What the projector shows (no tokens)."""
        with self._lock:
            return {
                "code": self.code,
                "phase": self.phase.value,
                "round": self.round,
                "rounds": self.rules.rounds,
                "seconds_left": self._seconds_left(),
                "sellers": [{"name": s.name, "bot": s.is_bot} for s in self.seats],
                "waiting": self.students_waiting() if self.phase is Phase.PLAYING else [],
                "leaderboard": self.leaderboard(),
                "rules": self.rules.to_dict(),
                "floor": self.rules.floor,
                "ceiling": self.rules.ceiling,
                "unit_cost": UNIT_COST,
                "round_capacity": self.round_capacity(),
            }

    def player_view(self, token: str) -> dict[str, Any]:
        """What one student sees: their seller's sales, profit, reviews and reputation."""
        with self._lock:
            seat = self.seat(token)
            hist = self.history()
            mine = hist[hist["seller_id"] == seat.seller] if len(hist) else hist
            rows = mine.drop(columns=["seller_id", "name"]).to_dict("records") if len(mine) else []
            board = self.leaderboard()
            me = next(r for r in board if r["seller_id"] == seat.seller)
            current = self.pending.get(seat.seller)
            last = [d.offer for d in self.decisions if d.seller_id == seat.seller]
            return {
                **self.public_view(),
                "name": seat.name,
                "seller_id": seat.seller,
                "submitted": offer_fields(current) if current else None,
                "last_offer": offer_fields(last[-1]) if last else None,
                "history": [{k: _plain(v) for k, v in r.items()} for r in rows],
                "me": me,
                "allow_personalised": self.rules.allow_personalised,
            }

    def _seconds_left(self) -> float | None:
        if self.deadline is None:
            return None
        return max(0.0, round(self.deadline - time.monotonic(), 1))

    # ------------------------------------------------------------------ record

    def save(self, final: bool = False) -> None:
        """Write the game's run folder (atomically, file by file)."""
        with self._lock:
            if self.model is None:
                return
            save_game(
                self.folder,
                self.model,
                rules=self.rules,
                code=self.code,
                names=[s.name for s in self.seats],
                bots=[s.is_bot for s in self.seats],
                decisions=self.decision_log(),
                rounds=self.history(),
                final=final,
            )


def _num(row: Any, key: str) -> float | None:
    if row is None:
        return None
    value = float(row[key])
    return None if value != value else round(value, 4)


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
