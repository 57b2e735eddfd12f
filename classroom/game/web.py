"""The game's HTTP side: small HTML pages and a JSON API, light enough for thirty phones.

Pages (``static/``): ``/game`` (the teacher opens a room), ``/game/room/CODE`` (the
projector: code, QR code, leaderboard, charts, debrief), ``/join`` and ``/join/CODE`` (a
student types a name), ``/game/play/CODE`` (a student's seller; their token stays in the
URL fragment and the browser's storage, so a reload or a reconnect gets the seller back).

API (JSON): ``POST /api/rooms`` opens a room (its answer holds the teacher token);
``GET /api/rooms/CODE`` is the public view; ``POST /api/rooms/CODE/join`` gives a student a
seller and a token; ``GET .../me`` and ``POST .../offer`` take the token in the
``X-Player-Token`` header; ``POST .../start`` and ``POST .../advance`` take the teacher's in
``X-Teacher-Token``. Bad input answers 400 with ``{"field", "error"}`` and changes nothing;
a wrong token answers 403.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import segno
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from classroom.game import charts
from classroom.game import inputs as check
from classroom.game.hub import GameHub
from classroom.game.inputs import InputError
from classroom.game.room import AccessError, Room, offer_fields

STATIC = Path(__file__).parent / "static"
#: Largest request body the API reads (an offer or the rules are a few hundred bytes).
MAX_BODY = 16_384

Handler = Callable[[Request], Awaitable[Response]]


def game_routes(hub: GameHub) -> list[BaseRoute]:
    """The game's pages and API, bound to ``hub``."""
    api = GameApi(hub)
    page = _page
    return [
        Route("/game", page("teacher.html")),
        Route("/game/room/{code}", page("projector.html")),
        Route("/game/play/{code}", page("play.html")),
        Route("/join", page("join.html")),
        Route("/join/{code}", page("join.html")),
        Mount("/game/static", app=StaticFiles(directory=STATIC), name="game-static"),
        Route("/api/rooms", api.open_room, methods=["POST"]),
        Route("/api/rooms/{code}", api.view),
        Route("/api/rooms/{code}/join", api.join, methods=["POST"]),
        Route("/api/rooms/{code}/me", api.me),
        Route("/api/rooms/{code}/offer", api.offer, methods=["POST"]),
        Route("/api/rooms/{code}/start", api.start, methods=["POST"]),
        Route("/api/rooms/{code}/advance", api.advance, methods=["POST"]),
        Route("/api/rooms/{code}/debrief", api.debrief),
        Route("/api/rooms/{code}/qr.svg", api.qr),
        Route("/api/rooms/{code}/market.png", api.market_png),
        Route("/api/rooms/{code}/debrief.png", api.debrief_png),
    ]


def _page(name: str) -> Handler:
    async def serve(request: Request) -> Response:
        return FileResponse(STATIC / name, headers={"Cache-Control": "no-store"})

    return serve


def _guarded(fn: Callable[..., Awaitable[Response]]) -> Handler:
    """Turn bad input and wrong tokens into one-line JSON errors (400 / 403 / 404)."""

    async def handler(self: GameApi, request: Request) -> Response:
        try:
            return await fn(self, request)
        except InputError as err:
            status = 404 if err.field == "code" else 400
            return JSONResponse({"field": err.field, "error": str(err)}, status_code=status)
        except AccessError as err:
            return JSONResponse({"field": "token", "error": str(err)}, status_code=403)

    handler.__name__ = fn.__name__
    handler.__doc__ = fn.__doc__
    return handler  # type: ignore[return-value]


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise InputError("body", f"too large ({len(raw)} bytes); allowed: up to {MAX_BODY}")
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InputError("body", "not valid JSON; allowed: a JSON object") from None
    if not isinstance(data, dict):
        raise InputError("body", "not a JSON object; allowed: a JSON object of fields")
    return data


class GameApi:
    """The JSON endpoints over one :class:`GameHub`. Room work runs in worker threads."""

    def __init__(self, hub: GameHub) -> None:
        self.hub = hub
        # The latest chart of each kind per room, with the round it shows.
        self._png: dict[tuple[str, str], tuple[int, bytes]] = {}

    def _room(self, request: Request) -> Room:
        return self.hub.room(request.path_params["code"])

    def join_url(self, request: Request, room: Room) -> str:
        """Where students join this room."""
        base = self.hub.join_base or str(request.base_url).rstrip("/")
        return f"{base}/join/{room.code}"

    @_guarded
    async def open_room(self, request: Request) -> Response:
        """Open a room with the posted rules."""
        rules = check.rules(await _body(request))
        room = await run_in_threadpool(self.hub.open_room, rules)
        return JSONResponse(
            {
                "code": room.code,
                "teacher_token": room.teacher_token,
                "join_url": self.join_url(request, room),
                "folder": str(room.folder),
            }
        )

    @_guarded
    async def view(self, request: Request) -> Response:
        """The public view of a room."""
        room = self._room(request)
        view = await run_in_threadpool(room.public_view)
        return JSONResponse({**view, "join_url": self.join_url(request, room)})

    @_guarded
    async def join(self, request: Request) -> Response:
        """A student joins: a seller and a token."""
        room = self._room(request)
        body = await _body(request)
        seat = await run_in_threadpool(room.join, body.get("name"))
        return JSONResponse({"token": seat.token, "seller_id": seat.seller, "name": seat.name})

    @_guarded
    async def me(self, request: Request) -> Response:
        """A student's own view."""
        room = self._room(request)
        token = request.headers.get("x-player-token", "")
        return JSONResponse(await run_in_threadpool(room.player_view, token))

    @_guarded
    async def offer(self, request: Request) -> Response:
        """A student's offer for the current round."""
        room = self._room(request)
        token = request.headers.get("x-player-token", "")
        body = await _body(request)
        round_, offer = await run_in_threadpool(room.submit, token, body)
        return JSONResponse({"accepted": True, "round": round_, "offer": offer_fields(offer)})

    @_guarded
    async def start(self, request: Request) -> Response:
        """The teacher starts the game."""
        return await self._teacher(request, Room.start)

    @_guarded
    async def advance(self, request: Request) -> Response:
        """The teacher ends the current round."""
        return await self._teacher(request, Room.advance)

    async def _teacher(self, request: Request, action: Callable[[Room], Any]) -> Response:
        room = self._room(request)
        room.check_teacher(request.headers.get("x-teacher-token", ""))
        await run_in_threadpool(action, room)
        return JSONResponse(await run_in_threadpool(room.public_view))

    @_guarded
    async def debrief(self, request: Request) -> Response:
        """The debrief (for the projector at the end)."""
        room = self._room(request)
        return JSONResponse(await run_in_threadpool(room.debrief))

    @_guarded
    async def qr(self, request: Request) -> Response:
        """A QR code of the room's join URL (SVG)."""
        room = self._room(request)
        svg = segno.make(self.join_url(request, room), error="m").svg_inline(scale=8)
        return Response(svg, media_type="image/svg+xml")

    @_guarded
    async def market_png(self, request: Request) -> Response:
        """The market charts as they stand (cached per round)."""
        return await self._chart(request, "market", charts.market_png)

    @_guarded
    async def debrief_png(self, request: Request) -> Response:
        """The debrief charts."""
        return await self._chart(request, "debrief", charts.debrief_png)

    async def _chart(self, request: Request, kind: str, draw: Callable[..., bytes]) -> Response:
        room = self._room(request)
        key, shown = (room.code, kind), room.round
        cached = self._png.get(key)
        if cached is not None and cached[0] == shown:
            png = cached[1]
        else:

            def render() -> bytes:
                return draw(room.history(), room.prices(), room.rules.rounds)

            png = await run_in_threadpool(render)
            self._png[key] = (shown, png)
        return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})
