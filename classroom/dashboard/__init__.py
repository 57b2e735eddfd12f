"""The live dashboard: one market on the projector, with controls, presets and charts."""
