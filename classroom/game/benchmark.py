"""``python -m classroom.game.benchmark``: how long a room takes to resolve a round.

Drives a :class:`~classroom.game.room.Room` directly (no web server): every student submits,
the round resolves, and the game's run folder is written. It prints the median and largest
resolution time per market size; the last round is slower because it also draws the run
figure.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from classroom.game.room import Room
from classroom.game.rules import GameRules
from sim.cli.entry import OneLineParser


def resolve_times(students: int, customers: int, rounds: int, folder: Path) -> list[float]:
    """Seconds each round took to resolve, with every student submitting."""
    room = Room("BENCH", GameRules(rounds=rounds, customers=customers), folder)
    seats = [room.join(f"S{i}") for i in range(students)]
    room.start()
    times = []
    for _ in range(rounds):
        for seat in seats:
            room.submit(seat.token, {"price": 11 + (seat.seller % 10) * 0.5})
        t0 = time.perf_counter()
        room.advance()
        times.append(time.perf_counter() - t0)
    return times


def main(argv: list[str] | None = None) -> None:
    """Print round-resolution times."""
    p = OneLineParser(prog="python -m classroom.game.benchmark", description=__doc__.split("\n")[0])
    p.add_argument("--students", type=int, default=30)
    p.add_argument("--customers", default="400,2000", help="comma-separated market sizes")
    p.add_argument("--rounds", type=int, default=8)
    args = p.parse_args(argv)
    sizes = [int(x) for x in args.customers.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            times = resolve_times(args.students, n, args.rounds, Path(tmp) / str(n))
            print(
                f"{args.students} sellers, {n:,} customers, {args.rounds} rounds: round resolves "
                f"in {1000 * statistics.median(times):.0f} ms (median), "
                f"{1000 * max(times):.0f} ms (largest)"
            )


if __name__ == "__main__":
    main()
