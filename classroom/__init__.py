"""The classroom app: a live dashboard for the projector and a seller game for a room.

``python -m classroom`` serves both from one local web server (:mod:`classroom.server`):
the dashboard (:mod:`classroom.dashboard`, a Solara page over :class:`sim.model.MarketModel`)
at ``/`` and the participatory seller game (:mod:`classroom.game`) under ``/game``. The app
uses the model; the model never imports the app.
"""
