# The two commands of the README: `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python

# First Python >= 3.12 that actually runs (pyenv shims may exist but fail).
PYTHON ?= $(shell for p in python3.13 python3.12 python3 \
	$$(ls -d /root/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null) \
	$$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null); do \
	$$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1 \
	&& { command -v $$p 2>/dev/null || echo $$p; } && break; done)

.PHONY: demo test venv install install-dev bytecode browser lint bench bench-large bench-campaign figures readme readme-scale classroom screenshots clean

$(VENV)/.created:
	@if [ -z "$(PYTHON)" ]; then \
		echo "error: crowdbargain needs Python >= 3.12; none found (tried python3.13, python3.12, python3). Install one or run 'make PYTHON=/path/to/python3.12 demo'." >&2; \
		exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	@touch $@

$(VENV)/.installed: $(VENV)/.created pyproject.toml
	$(PY) -m pip install -q -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install -q -e ".[dev]"
	@touch $@

# Debian's chromium for the browser tests (a no-op when it is already installed).
browser:
	./scripts/install-browser

venv: $(VENV)/.created
install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Byte-compile the project, so that every later process loads it instead of compiling it
# (about 0.4 s of each `python -m sim.run` where PYTHONDONTWRITEBYTECODE is set, as on CI).
bytecode: install
	@$(PY) -m compileall -q -j 0 mechanisms agents sim experiments classroom

demo: install bytecode
	$(PY) -m sim.run

test: install-dev browser bytecode
	$(PY) -m ruff check mechanisms agents sim experiments classroom tests
	$(PY) -m pytest -n 2 tests

# The classroom app (dashboard and seller game) on http://127.0.0.1:8521/
classroom: install bytecode
	$(PY) -m classroom $(ARGS)

# The README's classroom screenshots, taken by the browser tests.
screenshots: install-dev browser
	CLASSROOM_SCREENSHOTS=docs/img $(PY) -m pytest -q -m browser tests/classroom

# Throughput, memory and phase shares beside the per-agent Mesa yardstick (medians of 3 processes).
bench: install bytecode
	$(PY) -m experiments.benchmark --sizes 1e3,1e5 --steps 20 --vs-mesa --phases

# 10^6 beside the yardstick (10 steps each, ~7 s a yardstick step), then 10^7 once
# (~6 s build, ~1.7 GB peak).
bench-large: install bytecode
	$(PY) -m experiments.benchmark --sizes 1e6 --steps 10 --vs-mesa --phases
	$(PY) -m experiments.benchmark --sizes 1e7 --steps 10 --repeat 1 --phases

# A 1,000-run campaign of the default market: planning, dispatch and writing vs simulation.
bench-campaign: install-dev
	$(PY) -m experiments.campaign.benchmark --runs 1000 --jobs 2 --plan-only 10000
	$(PY) -m experiments.campaign.benchmark --runs 1000 --jobs 2 --executor ray

# The README's research figures, regenerated from their campaigns and the optimiser, then
# the README's simulated numbers and figures (demo, default comparison, every scenario).
figures: install bytecode
	$(PY) -m experiments.campaign +campaign=discovery hydra.run.dir=results/figures/discovery
	$(PY) -m experiments.campaign +campaign=sensitivity hydra.run.dir=results/figures/sensitivity
	$(PY) -m experiments.optimise +experiment=monopoly_markup "pricing.posted.markup=interval(0.0,1.5)" \
		objective=profit.posted trials=30 seeds=2 jobs=2 hydra.run.dir=results/figures/optimise
	cp results/figures/discovery/discovery.png docs/img/campaign_discovery.png
	cp results/figures/sensitivity/sensitivity.png docs/img/campaign_sensitivity.png
	cp results/figures/optimise/optimisation.png docs/img/optimise.png
	$(PY) -m experiments.readme

# Only the README's simulated numbers and figures (python -m experiments.readme --help).
readme: install bytecode
	$(PY) -m experiments.readme

# The README's Scale table (benchmark up to 10^6 customers: minutes).
readme-scale: install bytecode
	$(PY) -m experiments.readme --only scale

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
