"""``python -m classroom [--host HOST] [--port PORT] [--results DIR]``: serve the classroom app.

Binds to ``127.0.0.1`` unless a host is given (``--host 0.0.0.0`` for a classroom network),
prints the dashboard URL and serves until interrupted. Bad arguments exit 2 with one line.
"""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

import uvicorn

from classroom.game.hub import GameHub
from classroom.server import build_app
from sim.cli.entry import OneLineParser, fail

DEFAULT_PORT = 8521


def port(text: str) -> int:
    """A TCP port number."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is invalid; allowed: an integer in 1..65535")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (exits 2 with one line on a bad value)."""
    p = OneLineParser(prog="python -m classroom", description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    p.add_argument("--port", type=port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument(
        "--results",
        type=Path,
        default=Path("results/classroom"),
        help="folder for the run folders of games and dashboard exports",
    )
    args = p.parse_args(argv)
    if args.results.exists() and not args.results.is_dir():
        p.error(f"--results={args.results} is invalid; allowed: a folder (or a new path)")
    return args


def lan_address() -> str:
    """This machine's address on its local network (where students' phones reach it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            # Connecting a UDP socket sends nothing; it only picks the outgoing interface.
            s.connect(("10.255.255.255", 1))
            return str(s.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (fails in one line if it cannot be)."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except (OSError, UnicodeError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        fail(
            f"--host/--port: cannot serve on {host}:{port} ({reason}); allowed: a free port "
            "on an address of this machine"
        )
    return sock


def main(argv: list[str] | None = None) -> None:
    """Serve the app until interrupted."""
    args = parse_args(argv)
    sock = listen(args.host, args.port)
    lan = args.host in ("0.0.0.0", "::")
    shown = lan_address() if lan else args.host
    hub = GameHub(args.results, join_base=f"http://{shown}:{args.port}" if lan else None)
    server = uvicorn.Server(uvicorn.Config(build_app(hub), log_level="warning"))
    print(f"crowdbargain classroom: dashboard http://{shown}:{args.port}/", flush=True)
    print(f"  seller game (teacher): http://{shown}:{args.port}/game", flush=True)
    print(f"  students join at:      http://{shown}:{args.port}/join", flush=True)
    hub.run_clock()
    try:
        server.run(sockets=[sock])
    finally:
        hub.stop()


if __name__ == "__main__":
    main()
