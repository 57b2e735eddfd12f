"""Pure mechanism maths over plain arrays: no model, no agents, no configuration.

Concession curves, the batched bargaining protocol, payoff division, auctions, campaigns,
capacity allocation, demand inference, community maths and contagion, bandits, and the
discovery and formation kernels. Every module here imports only numpy/scipy and other
modules of this package (``tests/test_architecture.py`` enforces it).
"""
