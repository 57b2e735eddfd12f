"""One local web server for the classroom: the game's routes, then Solara's dashboard.

The game (:mod:`classroom.game.web`) is plain HTTP + JSON with small HTML pages, light enough
for thirty phones on a classroom network; the dashboard is a Solara app
(:mod:`classroom.dashboard.page`). Every front-end asset is served from installed packages
(``solara-assets``), so the app works offline.
"""

from __future__ import annotations

import os
import warnings

import solara.server.app as solara_app
import solara.server.settings as solara_settings
import solara.server.starlette as solara_starlette
from starlette.applications import Starlette

from classroom.game.hub import GameHub
from classroom.game.web import game_routes

DASHBOARD = "classroom.dashboard.page:Page"


def build_app(hub: GameHub) -> Starlette:
    """The ASGI app: the game under ``/game`` and ``/api``, the dashboard everywhere else."""
    solara_settings.main.mode = "production"
    # No telemetry: a classroom network may be offline, and pupils' use is nobody's business.
    solara_settings.telemetry.mixpanel_enable = False
    # Plain http on a classroom network is expected, and Solara's fallback cookie (samesite
    # lax) is right for it; its warning on every page load would only alarm the teacher.
    warnings.filterwarnings("ignore", "Cookies with samesite=none require https", UserWarning)
    solara_app.apps["__default__"] = solara_app.AppScript(DASHBOARD)
    # Solara builds the dashboard page with no arguments: its exports learn where to go here.
    os.environ["CLASSROOM_RESULTS"] = str(hub.results)
    return Starlette(
        routes=[*game_routes(hub), *solara_starlette.routes],
        lifespan=solara_starlette.lifespan,
        middleware=solara_starlette.middleware,
    )
