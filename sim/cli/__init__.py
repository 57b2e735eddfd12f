"""Command-line plumbing shared by the entry points (``sim.run``, ``experiments.*``).

Checking the command line before Hydra creates anything (``preflight``), the one-line error
and exit code every command uses (``entry``), the run folder a run writes (``run_folder``)
and the sweep callback that aggregates a multirun (``callbacks``).
"""
