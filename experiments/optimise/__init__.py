r"""Search what a strategist controls for the best objective: ``python -m experiments.optimise``.

A Hydra app (config ``configs/optimise.yaml``: the run config plus the optimiser's keys,
:class:`experiments.optimise.spec.OptimiseConfig`) driving an Optuna study:

- **search space**: the config's ``search`` node and Hydra sweep overrides on the command
  line (``KEY=interval(L,H)``, ``'KEY=tag(log,interval(L,H))'``, ``KEY=range(A,B[,S])``,
  ``KEY=choice(a,b)``), taken out of the command line before Hydra sees it (Hydra refuses
  sweeps outside ``-m``);
- **objective**: ``objective=METRIC`` (a run summary metric or ``profit.POLICY``) or a
  weighted mix ``objective={welfare: 0.5, consumer_surplus: 0.5}``, ``direction=maximize|
  minimize``;
- **common random numbers**: every trial runs the same seeds ``first_seed ..
  first_seed + seeds - 1``; its value is the mean over seeds, the per-seed values are the
  trial's user attributes; ``jobs=N`` runs a trial's seeds in N processes (same results);
- **resumable**: the study lives in ``study.journal`` (Optuna's JournalStorage on a file) in
  the run folder, by default ``results/optimise/<study>``, so the same command continues the
  study and runs only the trials still missing (``trials`` is the total). Trial ``k`` is
  sampled by a sampler seeded from ``(sampler_seed, k)``, so a study stopped and resumed
  gets the same trials as one run at once (tpe and random samplers). One process runs a
  study at a time: a trial found running when a study opens was interrupted, and is run
  again;
- **report**: ``best.json`` (best parameters, objective mean with a t-interval over seeds,
  each metric of the objective), ``trials.parquet`` (``study.trials_dataframe()``),
  ``optimisation.png`` (unless ``report.figures=false``) and a short printed summary.

Examples::

    python -m experiments.optimise pricing=posted objective=profit.posted trials=30 \
        'pricing.posted.markup=interval(0.0,1.5)'
    python -m experiments.optimise 'coalition.max_size=range(2,41)' objective=welfare study=size
    python -m experiments.optimise 'customers.wtp_sd=tag(log,interval(0.05,1))' seeds=5 \
        jobs=2 'objective={welfare:0.5,consumer_surplus:0.5}'

Bad input stops before anything runs or is written, with one line on stderr and exit code 2.

Modules, each importing only those before it: :mod:`~experiments.optimise.spec` (config
schema), :mod:`~experiments.optimise.space` (search space),
:mod:`~experiments.optimise.objective` (objective and one seed's run),
:mod:`~experiments.optimise.samplers` (Optuna samplers), :mod:`~experiments.optimise.plan`
(the checked study), :mod:`~experiments.optimise.study` (journal, resume, trial loop),
:mod:`~experiments.optimise.command` (command line and pre-flight),
:mod:`~experiments.optimise.report` (results and summary), and ``__main__`` (the Hydra app).
"""
