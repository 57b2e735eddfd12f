"""Negotiation tactics (strategies) and the read-only state they act on."""

from agents.negotiators.base import NegotiationState, Negotiator
from agents.negotiators.registry import NEGOTIATORS, filter_negotiators, make_negotiator

__all__ = ["NEGOTIATORS", "NegotiationState", "Negotiator", "filter_negotiators", "make_negotiator"]
