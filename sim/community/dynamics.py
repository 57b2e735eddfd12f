"""Community dynamics: experience, reviews, fairness, reputation, outrage and boycotts.

The ``community`` phase calls :meth:`ActiveCommunity.after_trade` once per step, after the
step's purchases are known, with everything it needs passed in (the purchases, the graph,
the customers' products, the generator): the community holds no reference to the model and
changes nothing outside its own state. What sellers do about it comes back as a
:class:`SellerResponses` record that the phase applies. Everything runs over whole arrays:
per customer and seller beliefs live in :class:`agents.reputation.Reputation`; spreading
uses the CSR graph. The pure rules are in :mod:`mechanisms.community` and
:mod:`mechanisms.contagion`.

Rules, in order within the phase:

1. **Prices seen** — each buyer's price is visible to each neighbour with probability
   ``price_visibility``. A customer who learns that a neighbour paid less for the same
   product from the same seller feels overcharged (``relative_overpayment``); so does a
   neighbour who paid more.
2. **Experience** — each buyer's satisfaction (``satisfaction``: surplus share against the
   expected share, minus the fairness gap) moves its warmth belief; being served moves
   competence up; orders that were agreed but not delivered, and cancelled campaigns, move
   competence down. Dissatisfaction and overcharging add to grievance.
3. **Reviews** — buyers (and let-down customers) post a review with probability
   ``review_prob``; it enters the public rating and spreads by word of mouth as a one-shot
   cascade (each holder passes it on once, each neighbour reads it with probability
   ``read_p``, up to ``review_hops`` hops). Readers move their beliefs towards it, with the
   weight ``word_of_mouth_weight`` relative to own experience.
4. **Outrage** — grievance decays by ``grievance_decay``; a customer whose grievance reaches
   ``grievance_threshold`` becomes outraged (a seed); outrage then spreads by complex
   contagion: a customer turns once a share ``contagion_threshold`` of its neighbours is
   outraged at the same seller. Newly outraged customers boycott the seller for
   ``boycott_steps`` steps; outrage fades when the boycott ends and grievance has cooled.
5. **Seller response** — ``apologise``: a seller boycotted by more than
   ``response_threshold`` of customers apologises (halves its boycotters' grievance, lifts
   their warmth) at most once per boycott period; ``reform``: such a seller, if it prices
   from customer data, changes policy to a posted price at the same markup (and stops
   adaptive price pushing; applied by the phase); ``listen``: a seller reads the share of
   negative reviews about it (aggregate, anonymous) and lowers its price multiplier while
   complaints exceed ``response_threshold``, recovering slowly otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mechanisms.community import (
    relative_overpayment,
    satisfaction,
    satisfaction_to_belief,
    update_belief,
)
from mechanisms.contagion import outrage_step
from mechanisms.discovery import forward, incident_edges
from sim.community.state import CommunityState
from sim.network import Graph
from sim.records import DealChunk

#: Values of ``community.seller_response``.
SELLER_RESPONSES = ("none", "apologise", "reform", "listen")

#: Evidence a let-down customer takes from an undelivered order / a cancelled campaign.
FAILED_DELIVERY = 0.0
CANCELLED_CAMPAIGN = 0.3
#: Satisfaction below minus this margin adds to grievance.
GRIEVANCE_MARGIN = 0.3


@dataclass(frozen=True)
class SellerResponses:
    """What sellers do about the community this step (applied by the ``community`` phase).

    Attributes:
        reform: Sellers boycotted by more than ``response_threshold`` of customers under
            ``seller_response=reform``: those that price from customer data switch to a
            posted price.
        price_response: Price multiplier per seller (below 1 while a listening seller reads
            many complaints; 1 otherwise).
    """

    reform: np.ndarray
    price_response: np.ndarray


class ActiveCommunity(CommunityState):
    """A live community: :class:`CommunityState` plus the rules of the ``community`` phase.

    The seller response rule (``community.seller_response``) is chosen once, when the
    community is built.

    Args:
        cfg: The ``community`` config node.
        n_customers: Number of customers.
        n_sellers: Number of sellers.
    """

    def __init__(self, cfg: Any, n_customers: int, n_sellers: int) -> None:
        super().__init__(cfg, n_customers, n_sellers)
        self._respond = {
            "none": self._no_response,
            "apologise": self._apologise,
            "reform": self._reform,
            "listen": self._listen,
        }[cfg.seller_response]

    def after_trade(
        self,
        t: int,
        deals: DealChunk | None,
        graph: Graph,
        products: np.ndarray,
        rng: np.random.Generator,
    ) -> SellerResponses:
        """Run the community rules of step ``t`` given this step's purchases (or None).

        Writes each purchase's satisfaction into ``deals``.

        Args:
            t: The step.
            deals: This step's purchases.
            graph: The social graph (prices seen, reviews and outrage travel along it).
            products: Product each customer wants (prices are compared per product).
            rng: The run's generator.

        Returns:
            What sellers do about it.
        """
        cfg, rep = self.cfg, self.rep
        self.stats = self._empty_stats()
        rep.grievance *= np.float32(cfg.grievance_decay)
        if deals is not None and len(deals):
            buyers = deals.customer_id
            sellers = deals.seller_id
            price = deals.unit_price
            alone = deals.coalition_id < 0
            gap = self._prices_seen(buyers, sellers, price, alone, graph, products, rng)
            sat = satisfaction(
                deals.willingness_to_pay, price, cfg.expected_share, gap, cfg.fairness_weight
            )
            deals.satisfaction = sat
            lr = cfg.learning_rate
            mask = np.ones(len(buyers), dtype=bool)
            rep.warmth[buyers, sellers] = update_belief(
                rep.warmth[buyers, sellers], satisfaction_to_belief(sat), lr, mask
            )
            rep.competence[buyers, sellers] = update_belief(
                rep.competence[buyers, sellers], np.ones(len(buyers)), lr, mask
            )
            # Only a markedly bad experience (satisfaction below -GRIEVANCE_MARGIN) breeds
            # resentment: a thin surplus alone is disappointing, not outrageous.
            rep.grievance[buyers, sellers] += np.maximum(-sat - GRIEVANCE_MARGIN, 0.0).astype(
                np.float32
            )
            self.last_price[buyers] = price
            self.last_seller[buyers] = sellers
            self.last_alone[buyers] = alone
            self._post_reviews(buyers, sellers, sat, rng)
        for customers, sellers, evidence in self._failed:
            rep.competence[customers, sellers] = update_belief(
                rep.competence[customers, sellers],
                np.full(len(customers), evidence),
                cfg.learning_rate,
                np.ones(len(customers), dtype=bool),
            )
            rep.grievance[customers, sellers] += np.float32(1.0 - evidence) / 2
            self._post_reviews(customers, sellers, np.full(len(customers), 2 * evidence - 1), rng)
        self._failed = []
        self._spread_reviews(graph, rng)
        self._outrage(t, graph)
        return self._respond(t)

    def _prices_seen(
        self,
        buyers: np.ndarray,
        sellers: np.ndarray,
        price: np.ndarray,
        alone: np.ndarray,
        g: Graph,
        products: np.ndarray,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Neighbours compare prices; returns each buyer's fairness gap (0 if none).

        Only purchases made alone are compared: a group's lower price is an open volume
        deal anyone could join, not discrimination.
        """
        cfg, rep = self.cfg, self.rep
        gap = np.zeros(len(buyers))
        if cfg.price_visibility <= 0:
            return gap
        pos, src_row = incident_edges(g.indptr, buyers)
        if len(pos) == 0:
            return gap
        # Map each edge back to its deal row (buyers may repeat across rows only once a step).
        row_of = np.full(len(products), -1, dtype=np.int64)
        row_of[buyers] = np.arange(len(buyers))
        rows = row_of[src_row]
        nbr = g.indices[pos].astype(np.int64)
        seen = rng.random(len(pos)) < cfg.price_visibility
        same = (
            alone[rows]
            & self.last_alone[nbr]
            & (self.last_seller[nbr] == sellers[rows])
            & (products[nbr] == products[buyers[rows]])
            & np.isfinite(self.last_price[nbr])
        )
        k = seen & same
        rows, nbr = rows[k], nbr[k]
        mine, theirs = price[rows], self.last_price[nbr]
        # The buyer learns it paid more than a neighbour ...
        np.maximum.at(gap, rows, relative_overpayment(mine, theirs, cfg.fairness_tolerance))
        # ... and a neighbour learns it paid more than the buyer.
        over = relative_overpayment(theirs, mine, cfg.fairness_tolerance)
        hit = over > 0
        if hit.any():
            s_hit = sellers[rows[hit]]
            np.add.at(
                rep.grievance,
                (nbr[hit], s_hit),
                (cfg.fairness_weight * over[hit]).astype(np.float32),
            )
            rep.warmth[nbr[hit], s_hit] = update_belief(
                rep.warmth[nbr[hit], s_hit],
                np.zeros(int(hit.sum())),
                cfg.learning_rate,
                np.ones(int(hit.sum()), dtype=bool),
            )
            # Feeling cheated, some say so in a review.
            value = np.maximum(-1.0, -cfg.fairness_weight * over[hit])
            self._post_reviews(nbr[hit], s_hit, value, rng)
        return gap

    def _post_reviews(
        self,
        customers: np.ndarray,
        sellers: np.ndarray,
        value: np.ndarray,
        rng: np.random.Generator,
    ) -> None:
        rep = self.rep
        post = rng.random(len(customers)) < self.cfg.review_prob
        c, s, v = customers[post], sellers[post], value[post]
        if len(c) == 0:
            return
        np.add.at(self.rating_sum, s, v)
        np.add.at(self.rating_n, s, 1)
        np.add.at(self.stats["reviews_by_seller"], s, 1)
        np.add.at(self.stats["negative_reviews"], s, (v < 0).astype(float))
        self.stats["reviews"] += len(c)
        rep.review[c, s] = v
        rep.review_hops[c, s] = 0
        rep.fresh[c, s] = True

    def _spread_reviews(self, g: Graph, rng: np.random.Generator) -> None:
        """Each fresh review is passed on once to each neighbour with probability ``read_p``."""
        cfg, rep = self.cfg, self.rep
        lr = cfg.learning_rate * cfg.word_of_mouth_weight
        for s in range(self.n_sellers):
            senders = np.flatnonzero(rep.fresh[:, s])
            if len(senders) == 0:
                continue
            rep.fresh[senders, s] = False
            senders = senders[rep.review_hops[senders, s] < cfg.review_hops]
            if len(senders) == 0:
                continue
            src, dst = forward(g.indptr, g.indices, senders, cfg.read_p, rng)
            if len(dst) == 0:
                continue
            value = rep.review[src, s]
            target = satisfaction_to_belief(value)
            ones = np.ones(len(dst), dtype=bool)
            # A reader reached by several reviews of one seller in a step is moved by one of them
            # (numpy fancy assignment keeps the last write).
            rep.warmth[dst, s] = update_belief(rep.warmth[dst, s], target, lr, ones)
            rep.competence[dst, s] = update_belief(rep.competence[dst, s], target, lr, ones)
            # Reading shapes beliefs, not grievance: outrage starts from one's own experience
            # (or unfair prices one has seen) and spreads by contagion, not by review volume.
            # A reader passes on the review it just read unless it still holds one it has not
            # passed on yet, so word of mouth keeps flowing as new reviews are written.
            new = ~rep.fresh[dst, s]
            d, v, h = dst[new], value[new], rep.review_hops[src[new], s] + 1
            rep.review[d, s] = v
            rep.review_hops[d, s] = h
            rep.fresh[d, s] = True

    def _outrage(self, t: int, g: Graph) -> None:
        cfg, rep = self.cfg, self.rep
        n_seeds, n_contagion = outrage_step(
            g.indptr,
            g.indices,
            rep.outraged,
            rep.grievance,
            rep.boycott_until,
            t,
            seed_threshold=cfg.grievance_threshold,
            contagion_threshold=cfg.contagion_threshold,
            boycott_steps=cfg.boycott_steps,
        )
        self.stats["outrage_seeds"] = n_seeds
        self.stats["outrage_contagion"] = n_contagion
        self.cascades.update(t, n_seeds, n_contagion)

    def _no_response(self, t: int) -> SellerResponses:
        return SellerResponses(reform=np.empty(0, dtype=np.int64), price_response=self.response)

    def _apologise(self, t: int) -> SellerResponses:
        """Boycotted sellers apologise: their boycotters' grievance halves, warmth rises."""
        cfg, rep = self.cfg, self.rep
        share = rep.boycott_share(t)
        due = (share > cfg.response_threshold) & (t - self._apologised >= cfg.boycott_steps)
        for s in np.flatnonzero(due):
            who = rep.boycott_until[:, s] > t
            rep.grievance[who, s] *= np.float32(0.5)
            rep.warmth[who, s] = np.minimum(rep.warmth[who, s] + 0.1, 1.0)
            self._apologised[s] = t
        return self._no_response(t)

    def _reform(self, t: int) -> SellerResponses:
        """Boycotted sellers are candidates to drop customer-data pricing.

        The phase applies it to those that price from customer data: a posted price at the
        same markup, and no adaptive price pushing.
        """
        share = self.rep.boycott_share(t)
        reform = np.flatnonzero(share > self.cfg.response_threshold)
        return SellerResponses(reform=reform, price_response=self.response)

    def _listen(self, t: int) -> SellerResponses:
        """Sellers read the share of negative reviews and lower their price while it is high."""
        n_rev = self.stats["reviews_by_seller"]
        bad = np.divide(
            self.stats["negative_reviews"], n_rev, out=np.zeros_like(n_rev), where=n_rev > 0
        )
        self.response = np.where(
            bad > self.cfg.response_threshold,
            np.maximum(self.response * 0.97, 0.85),
            np.minimum(self.response * 1.005, 1.0),
        )
        return self._no_response(t)
