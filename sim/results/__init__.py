"""Results: the deal-log schema, metrics, result tables, atomic files and run identity.

Below the model: nothing here imports the model or the phases. ``records`` (in ``sim``)
holds the typed per-step records these modules read.
"""
