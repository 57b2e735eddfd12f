"""How much memory a run needs, estimated from its config before anything is allocated.

:func:`estimate` is arithmetic over a handful of config values: each part of a run's peak
memory is a count the config fixes times the bytes one unit of it took, measured on this
project's machines (fresh processes, ``ru_maxrss`` after building and running, minus the
process's size after its imports; numba kernels loaded, as a large run loads them):

=================  =========================================  ==============================
part               count                                      bytes per unit (measured)
=================  =========================================  ==============================
customers          ``customers.n``                            110 (+160 with the community)
graph              ``customers.n`` × mean degree               12 (small world, scale-free),
                   (directed edges)                           24 (Erdős–Rényi), 28 (blocks)
quote tables       ``sellers.n × products.n × (max_size ×      80
                   quantity_max + 1)``
sellers            ``sellers.n``                              1,000
steps              ``steps``                                  3,000
=================  =========================================  ==============================

Measured: 10⁶ and 2×10⁶ customers on the default small-world graph (+180 and +360 MB at
their peak, which is the build), 10⁶ on Erdős–Rényi, community-block and scale-free graphs
of mean degree 32 (+811, +934, +311 MB), 10⁶ with the community on (+147 MB more),
``sellers.n=100000`` (+3.76 GB: 4.8×10⁷ quote cells) and ``customers.quantity_max=1000``
(+79 MB: 9.6×10⁵ cells), 3,000 steps of 100 customers (+9 MB). The estimate rounds up.

:func:`check_memory` refuses a run whose estimate exceeds the memory available now
(``psutil.virtual_memory().available``) in one line that names the key to make smaller.
``CROWDBARGAIN_MEMORY_GB`` in the environment sets the memory to assume instead (for a
config planned on one machine and run on a bigger one), or ``off`` skips the check.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

import psutil

from agents.params import ConfigError
from sim.config.schema import Config

#: Bytes per customer: its columns, its deal-log rows and the temporaries of a step.
CUSTOMER_BYTES = 110
#: Bytes per customer more when ``community.enabled`` (reviews, grievances, reputation).
COMMUNITY_BYTES = 160
#: Bytes per directed edge (each undirected edge counts twice) at the graph builder's peak.
EDGE_BYTES = {"small_world": 12, "scale_free": 12, "erdos_renyi": 24, "communities": 28}
#: Bytes per cell of the sellers' quote tables (every seller, product and order size).
QUOTE_CELL_BYTES = 80
#: Bytes per seller: its Mesa agent and its entries in the seller book.
SELLER_BYTES = 1000
#: Bytes per step: its time-series row and records.
STEP_BYTES = 3000
#: Estimates below this are not compared with the available memory (no system call).
CHECK_ABOVE = 256 * 2**20
#: The environment variable that sets the memory to assume, in GB (``off``: no check).
ENV = "CROWDBARGAIN_MEMORY_GB"

#: The nodes an estimate reads; a config without one of them is not estimated.
NODES = ("customers", "network", "sellers", "products", "coalition")

#: Keys an estimate reads. A check that sets one of them alone must validate the whole config.
MEMORY_KEYS = frozenset(
    {
        "steps",
        "customers.n",
        "customers.quantity_max",
        "network.kind",
        "network.avg_degree",
        "sellers.n",
        "products.n",
        "coalition.max_size",
        "community.enabled",
    }
)


@dataclass
class Estimate:
    """A run's estimated peak memory, by part.

    Attributes:
        parts: ``{part: bytes}``, largest first.
        keys: ``{part: {key: value}}``: the config values each part grows with.
    """

    parts: dict[str, float] = field(default_factory=dict)
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def total(self) -> float:
        """Bytes of all parts."""
        return sum(self.parts.values())

    def culprit(self) -> tuple[str, Any]:
        """``(key, value)`` to make smaller.

        Of the values the largest part grows with, the one furthest above its default (as a
        ratio), so that a typo is named rather than the population it multiplies.
        """
        largest = max(self.parts, key=self.parts.__getitem__)
        values = self.keys[largest]
        return max(values.items(), key=lambda kv: kv[1] / max(_default(kv[0]), 1))

    def main_parts(self) -> list[str]:
        """The parts that make up at least a tenth of the total, largest first."""
        return [name for name, b in self.parts.items() if b >= 0.1 * self.total]


def estimate(cfg: Any) -> Estimate | None:
    """Estimate a run's peak memory from its config (pure arithmetic).

    Args:
        cfg: A composed config (DictConfig or a mapping with attribute access) with the
            nodes of :data:`NODES`; ``steps`` and ``community`` are read if present.

    Returns:
        The estimate, or None if the config lacks a node it needs.
    """
    if any(cfg.get(name) is None for name in NODES):
        return None
    c, net, s, p, co = (cfg.get(name) for name in NODES)
    community = cfg.get("community")
    n, steps = int(c.n), int(cfg.get("steps") or 0)
    per_customer = CUSTOMER_BYTES + (COMMUNITY_BYTES if community and community.enabled else 0)
    order = int(co.max_size) * int(c.quantity_max)
    parts: dict[str, float] = {
        "customers": float(n * per_customer),
        "graph": float(n * _degree(net.kind, float(net.avg_degree), n) * _edge_bytes(net.kind)),
        "quote tables": float(int(s.n) * int(p.n) * (order + 1) * QUOTE_CELL_BYTES),
        "sellers": float(int(s.n) * SELLER_BYTES),
        "steps": float(steps * STEP_BYTES),
    }
    keys = {
        "customers": {"customers.n": c.n},
        "graph": {"customers.n": c.n, "network.avg_degree": net.avg_degree},
        "quote tables": {
            "sellers.n": s.n,
            "products.n": p.n,
            "coalition.max_size": co.max_size,
            "customers.quantity_max": c.quantity_max,
        },
        "sellers": {"sellers.n": s.n},
        "steps": {"steps": steps},
    }
    order_of = sorted(parts, key=parts.__getitem__, reverse=True)
    return Estimate({k: parts[k] for k in order_of}, {k: keys[k] for k in order_of})


def check_memory(cfg: Any, available: float | None = None) -> None:
    """Refuse a run whose estimated peak memory exceeds what the machine has free.

    Args:
        cfg: A composed config (see :func:`estimate`; a partial one is not checked).
        available: Bytes to compare with; default: ``CROWDBARGAIN_MEMORY_GB`` if set, else
            the memory available now.

    Raises:
        ConfigError: one line naming the key to make smaller, the estimate and the limit.
    """
    est = estimate(cfg)
    if est is None or est.total <= CHECK_ABOVE:
        return
    limit = _available() if available is None else available
    if limit is None or est.total <= limit:
        return
    key, value = est.culprit()
    raise ConfigError(
        f"{key}={value!r} needs about {_gb(est.total)} ({', '.join(est.main_parts())}), "
        f"more than the {_gb(limit)} available; allowed: a smaller {key} "
        f"({ENV}=N assumes N GB)"
    )


def _degree(kind: str, avg_degree: float, n: int) -> float:
    """Mean degree the generator of ``kind`` gives (an even lattice or 2m), at most n - 1."""
    if kind in ("small_world", "scale_free"):
        avg_degree = 2 * max(1, round(avg_degree / 2))
    return min(avg_degree, max(n - 1, 0))


def _edge_bytes(kind: str) -> int:
    """Bytes per directed edge of ``kind``; 0 for a file (its size is checked when read)."""
    return EDGE_BYTES.get(kind, 0)


def _available() -> float | None:
    """Bytes to assume free: ``CROWDBARGAIN_MEMORY_GB``, else the OS's available memory."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return float(psutil.virtual_memory().available)
    if raw.lower() == "off":
        return None
    try:
        gb = float(raw)
    except ValueError:
        gb = math.nan
    if not (math.isfinite(gb) and gb > 0):
        raise ConfigError(f"{ENV}={raw!r} is invalid; allowed: a number of GB > 0, or off")
    return gb * 1e9


def _gb(n_bytes: float) -> str:
    """``"12.3 GB"`` below 100 GB, else ``"412 GB"``."""
    gb = n_bytes / 1e9
    return f"{gb:.1f} GB" if gb < 100 else f"{gb:,.0f} GB"


def _default(key: str) -> float:
    """The schema default of a dotted key (1 if it has none)."""
    node: Any = Config()
    for part in key.split("."):
        node = getattr(node, part, None)
    return float(node) if isinstance(node, int | float) else 1.0
