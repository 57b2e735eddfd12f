"""Buying coalitions: a growable column table of groups, and a read-only view of one group.

Membership itself is the customers' ``coalition`` column (so a customer is in at most one
coalition by construction); this table holds what belongs to the group: its product, its
target seller and threshold (for pledge campaigns), its founder, age and outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from mechanisms.jit import use_kernels
from mechanisms.membership import count_members


class CoalitionStatus(IntEnum):
    """Life cycle of a coalition."""

    OPEN = 0  # recruiting (and pledging)
    BOUGHT = 1  # concluded a deal; members served
    DISSOLVED = 2  # broke up without buying (failed threshold, failed negotiation, merged away)


_COLUMNS: dict[str, tuple[type, int]] = {
    "product": (np.int32, -1),
    "founder": (np.int32, -1),
    "founded": (np.int32, -1),
    "status": (np.int8, CoalitionStatus.OPEN),
    "seller": (np.int32, -1),
    "threshold": (np.int32, 0),  # pledge minimum, or a greedy group's advertised target
    "deadline": (np.int32, -1),
    "tactic": (np.int16, 0),
    "discount": (np.float64, 1.0),
    "size": (np.int32, 0),
    "units": (np.int32, 0),
    "closed": (np.int32, -1),
    "price": (np.float64, np.nan),  # campaign price fixed at founding (crowdfunding)
    "refunded": (np.float64, 0.0),  # money returned to backers when the campaign failed
    "host": (np.int32, -1),  # seller that seeded the group (community hosting), else -1
}


class CoalitionTable:
    """Columns of every coalition ever founded in a run; ids are row indices, never reused."""

    def __init__(self, capacity: int = 64) -> None:
        self._n = 0
        self._cols = {k: np.full(capacity, fill, dtype=dt) for k, (dt, fill) in _COLUMNS.items()}
        self._refresh_views()

    def __len__(self) -> int:
        return self._n

    def __getattr__(self, name: str) -> np.ndarray:
        # Only reached when the column views are missing (during unpickling, say): the
        # views normally sit in the instance dict, where a read costs no Python call.
        cols = self.__dict__.get("_cols")
        if cols is not None and name in cols:
            return cols[name][: self._n]
        raise AttributeError(name)

    def _refresh_views(self) -> None:
        """Expose each column's filled rows as an instance attribute (after any resize).

        Phases read the columns dozens of times per step; a plain attribute read is several
        times cheaper than a ``__getattr__`` call slicing a fresh view each time.
        """
        n = self._n
        for name, col in self._cols.items():
            self.__dict__[name] = col[:n]

    def __getstate__(self) -> dict:
        # Copies of the views would no longer share memory with the columns.
        return {"_n": self._n, "_cols": self._cols}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._refresh_views()

    def found(self, **columns: np.ndarray) -> np.ndarray:
        """Append new coalitions; returns their ids."""
        k = len(next(iter(columns.values())))
        need = self._n + k
        cap = len(self._cols["product"])
        if need > cap:
            new_cap = max(need, 2 * cap)
            for name, (dt, fill) in _COLUMNS.items():
                grown = np.full(new_cap, fill, dtype=dt)
                grown[: self._n] = self._cols[name][: self._n]
                self._cols[name] = grown
        ids = np.arange(self._n, need, dtype=np.int32)
        for name, values in columns.items():
            self._cols[name][self._n : need] = values
        self._n = need
        self._refresh_views()
        return ids

    def refresh_sizes(self, member_coalition: np.ndarray, member_quantity: np.ndarray) -> None:
        """Recount size and units of every coalition from the members' column."""
        jit = use_kernels(len(member_coalition))
        size, units = count_members(member_coalition, member_quantity, self._n, jit)
        self._cols["size"][: self._n] = size
        self._cols["units"][: self._n] = units

    def adjust(self, cids: np.ndarray, members: np.ndarray, units: np.ndarray) -> None:
        """Coalitions ``cids`` gain ``members`` and ``units`` (negative: lose them).

        The incremental form of :meth:`refresh_sizes` for a caller that knows exactly who
        moved: from exact counts it gives exactly the recount (repeated ids add up).
        """
        np.add.at(self._cols["size"], cids, np.asarray(members, dtype=np.int32))
        np.add.at(self._cols["units"], cids, np.asarray(units, dtype=np.int32))

    def view(self, cid: int) -> Coalition:
        """Read-only snapshot of one coalition."""
        if not 0 <= cid < self._n:
            raise IndexError(f"no coalition {cid}")
        row = {k: self._cols[k][cid].item() for k in _COLUMNS}
        row["status"] = CoalitionStatus(row["status"])
        return Coalition(id=int(cid), **row)


@dataclass(frozen=True)
class Coalition:
    """Snapshot of one coalition (see :class:`CoalitionTable` for the columns)."""

    id: int
    product: int
    founder: int
    founded: int
    status: CoalitionStatus
    seller: int
    threshold: int
    deadline: int
    tactic: int
    discount: float
    size: int
    units: int
    closed: int
    price: float
    refunded: float
    host: int
