"""What customers think of sellers: beliefs, grievances, held reviews and boycotts.

Columns are ``[n_customers, n_sellers]`` arrays owned by the model's community dynamics, so
that every update runs over all customers at once. Beliefs lie in [0, 1] (0.5 = no opinion).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mechanisms.arrays import column_counts


@dataclass
class Reputation:
    """Per customer and seller (two dimensions after Fiske, Cuddy & Glick 2007).

    Attributes:
        warmth: Belief that the seller means well (fair prices, honoured deals).
        competence: Belief that the seller delivers (orders served, deals not cancelled).
        grievance: Accumulated resentment (bad experiences, unfair prices), decaying.
        outraged: Currently outraged at the seller.
        boycott_until: Step until which the customer refuses the seller (-1: never).
        review: Review the customer holds about the seller (NaN: none), to pass on.
        review_hops: Hops that review has travelled.
        fresh: The held review has not been passed on yet.
    """

    warmth: np.ndarray
    competence: np.ndarray
    grievance: np.ndarray
    outraged: np.ndarray
    boycott_until: np.ndarray
    review: np.ndarray
    review_hops: np.ndarray
    fresh: np.ndarray

    @classmethod
    def neutral(cls, n_customers: int, n_sellers: int) -> Reputation:
        """Everyone starts with no opinion of anyone."""
        shape = (n_customers, n_sellers)
        return cls(
            warmth=np.full(shape, 0.5, dtype=np.float32),
            competence=np.full(shape, 0.5, dtype=np.float32),
            grievance=np.zeros(shape, dtype=np.float32),
            outraged=np.zeros(shape, dtype=bool),
            boycott_until=np.full(shape, -1, dtype=np.int32),
            review=np.full(shape, np.nan, dtype=np.float32),
            review_hops=np.zeros(shape, dtype=np.int8),
            fresh=np.zeros(shape, dtype=bool),
        )

    def boycotting(self, t: int) -> np.ndarray:
        """``[n, S]`` mask of customers refusing each seller at step ``t``."""
        return self.boycott_until > t

    def boycott_share(self, t: int) -> np.ndarray:
        """``[S]`` share of customers refusing each seller at step ``t``.

        ``boycotting(t).mean(axis=0)`` bit for bit (exact counts divided once), counted
        column by column: several times faster than reducing ``[n, S]`` row by row.
        """
        return column_counts(self.boycotting(t)) / self.boycott_until.shape[0]

    def boycotters(self, t: int) -> int:
        """Number of customers refusing at least one seller at step ``t``."""
        until = self.boycott_until
        refusing = np.zeros(until.shape[0], dtype=bool)
        # Column by column: ``boycotting(t).any(axis=1)`` walks rows of S values, 4x slower.
        for s in range(until.shape[1]):
            refusing |= until[:, s] > t
        return int(np.count_nonzero(refusing))

    def standing(self) -> np.ndarray:
        """``[n, S]`` overall opinion: mean of warmth and competence."""
        return (self.warmth + self.competence) / 2.0
