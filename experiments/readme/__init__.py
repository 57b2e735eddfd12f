"""The README's numbers and figures, generated: ``python -m experiments.readme``.

Every number in the README that comes from a simulation is written by this package from a
results folder, never by hand: ``markers`` finds and replaces the generated regions,
``numbers`` formats numbers and trends, ``scenarios`` holds the scenario paragraphs'
templates, ``sections`` what each section runs and renders, ``__main__`` the command.
"""
