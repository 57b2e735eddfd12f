"""The rooms of one server: opening rooms, finding them by code, ending timed rounds."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from pathlib import Path

from classroom.game.inputs import InputError
from classroom.game.room import Room, new_code
from classroom.game.rules import GameRules

#: Rooms a server keeps open at once (each holds one small market).
MAX_ROOMS = 50


class GameHub:
    """Every room of the server, by code, and the clock that ends timed rounds.

    Args:
        results: Folder under which each game writes its run folder.
        join_base: Base URL students use to join (e.g. ``http://192.168.1.20:8521``); None:
            the address the teacher's browser used.
    """

    def __init__(self, results: Path | str, join_base: str | None = None) -> None:
        self.results = Path(results)
        self.join_base = join_base
        self.rooms: dict[str, Room] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def open_room(self, rules: GameRules) -> Room:
        """A new room with a fresh code; its run folder is ``results/game-CODE-TIME``.

        Raises:
            InputError: if the server already holds ``MAX_ROOMS`` rooms.
        """
        with self._lock:
            if len(self.rooms) >= MAX_ROOMS:
                raise InputError("room", f"this server already holds {MAX_ROOMS} rooms")
            code = new_code(set(self.rooms))
            stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
            room = Room(code, rules, self.results / f"game-{code}-{stamp}")
            self.rooms[code] = room
            return room

    def room(self, code: str) -> Room:
        """The room with ``code`` (any case, surrounding spaces ignored).

        Raises:
            InputError: if there is no such room.
        """
        key = str(code or "").strip().upper()
        with self._lock:
            room = self.rooms.get(key)
        if room is None:
            raise InputError("code", f"no room {key[:10]!r} on this server; check the code")
        return room

    def tick(self, now: float | None = None) -> int:
        """End every timed round that is due; returns how many ended."""
        now = time.monotonic() if now is None else now
        with self._lock:
            rooms = list(self.rooms.values())
        return sum(room.tick(now) for room in rooms)

    def run_clock(self, interval: float = 0.25) -> threading.Thread:
        """Start a daemon thread that ticks every ``interval`` seconds until :meth:`stop`."""

        def loop() -> None:
            while not self._stop.wait(interval):
                self.tick()

        thread = threading.Thread(target=loop, name="game-clock", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        """Stop the clock."""
        self._stop.set()
