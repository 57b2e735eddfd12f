"""Coalition-formation strategies, one object per ``coalition.algorithm``.

:data:`FORMATIONS` is the registry the config's choice list comes from; the model builds
one strategy with :func:`make_formation` and hands it to the phases that depend on it
(``form`` is the strategy's own method; ``trade`` asks it which groups buy and how).
"""

from __future__ import annotations

from sim.phases.formation.base import DealTerms, FormationStrategy, FoundingTerms
from sim.phases.formation.greedy import GreedyMerge
from sim.phases.formation.none import NoCoalitions
from sim.phases.formation.pledge import ThresholdPledge

#: Every coalition-formation algorithm, by its ``coalition.algorithm`` name.
FORMATIONS: dict[str, type[FormationStrategy]] = {
    cls.name: cls for cls in (GreedyMerge, ThresholdPledge, NoCoalitions)
}


def make_formation(algorithm: str) -> FormationStrategy:
    """The strategy registered as ``algorithm`` (one of :data:`FORMATIONS`)."""
    try:
        return FORMATIONS[algorithm]()
    except KeyError:
        allowed = " | ".join(FORMATIONS)
        raise ValueError(f"coalition.algorithm={algorithm!r}; allowed: {allowed}") from None


__all__ = [
    "FORMATIONS",
    "DealTerms",
    "FormationStrategy",
    "FoundingTerms",
    "GreedyMerge",
    "NoCoalitions",
    "ThresholdPledge",
    "make_formation",
]
