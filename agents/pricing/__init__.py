"""Seller pricing policies (one-to-many, one-to-crowd) and their registry."""

from agents.pricing.base import PricingPolicy
from agents.pricing.registry import POLICIES, make_policy

__all__ = ["POLICIES", "PricingPolicy", "make_policy"]
