"""Negotiation tactics (strategies), their registry, and the read-only state they act on."""

from agents.negotiators.base import Negotiator
from agents.negotiators.bilateral import bilateral_price
from agents.negotiators.registry import NEGOTIATORS, filter_negotiators, make_negotiator
from mechanisms.negotiation_state import NegotiationState

__all__ = [
    "NEGOTIATORS",
    "NegotiationState",
    "Negotiator",
    "bilateral_price",
    "filter_negotiators",
    "make_negotiator",
]
