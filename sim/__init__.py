"""crowdbargain simulator core: the market model, its state, phases, config and results.

``from sim import MarketModel`` is the entry point from Python. Pure mechanism maths live in
the top-level ``mechanisms`` package and agent state and decisions in ``agents``; neither
imports anything from here (see docs/ARCHITECTURE.md).
"""

import gc

from mechanisms.jit import collector_paused

# Importing the model loads Mesa, pandas, scipy, networkx and Hydra: ~10^6 long-lived objects
# that the cyclic collector would otherwise scan again and again (~150 ms, a tenth of a
# `sim.run` process), finding nothing to free. So it pauses for the import, and what exists
# afterwards is frozen out of its generations (`gc.freeze`); every process that imports `sim`
# (a run, a campaign worker) gains. Refcounting still frees frozen objects.
with collector_paused():
    from sim.model import MarketModel

    gc.freeze()

__all__ = ["MarketModel"]
