# constructs-obs: every target does its own set-up, idempotently, on a fresh machine with
# Python 3.11+, Node.js 22 or 24 (20 works, end-of-life) and the package registries.
#
#   make run           set up, synthesize app.py with every check, print what was built
#   make test          set up, then lint, type-check and run the whole suite (2 workers)
#   make dist          build the wheel and sdist into dist/, twine-check them
#   make test-min      the wheel in .venv-min with the lowest supported versions
#                      (requirements-min.txt): synthesize every integ app
#   make integ         verify the integration tests' committed snapshots (integ/), offline
#   make integ-snapshot  rewrite the integ snapshots (after a change you meant)
#   make integ-deploy  deploy every integ test, run its assertions, destroy it (needs AWS
#                      credentials; maintainers only, never CI): INTEG_REGION=eu-west-1
#   make bench         set up, then run the benchmark scripts
#   make lock          re-resolve requirements*.lock from pyproject.toml (needs the registries)

PYTHON ?= python3
VENV := .venv
CHECKOV_VENV := .venv-checkov
MIN_VENV := .venv-min
BIN := $(CURDIR)/$(VENV)/bin
PIP_VERSION := 25.3

# Node.js 20 is end-of-life (jsii prints a banner on every synthesis); CI machines still have it.
# Silenced here only: a user's own synth on 20 shows the banner, as it should.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PATH := $(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint typecheck unit bench setup lock clean dist min-wheel test-min integ \
	integ-snapshot integ-deploy

setup: $(VENV)/.installed node_modules/.installed $(CHECKOV_VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet pip==$(PIP_VERSION)
	$(VENV)/bin/python -m pip install --quiet -r requirements.lock
	$(VENV)/bin/python -m pip install --quiet --no-deps -e .
	touch $@

$(CHECKOV_VENV)/.installed: requirements-checkov.lock
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet pip==$(PIP_VERSION)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r requirements-checkov.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: setup
	rm -rf cdk.out
	cdk synth --quiet
	$(BIN)/python tools/synth_report.py cdk.out

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed
	$(BIN)/mypy

# Bytecode is written (some machines set PYTHONDONTWRITEBYTECODE): each pytest worker would
# otherwise compile and assertion-rewrite every module of the project again, run after run.
unit: setup
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n 2

test: setup lint typecheck unit

bench: setup
	$(BIN)/python benchmarks/synth.py
	$(BIN)/python benchmarks/detections.py
	$(BIN)/python benchmarks/audit.py

# -- the package ------------------------------------------------------------------------------

dist: $(VENV)/.installed
	rm -rf dist
	$(BIN)/python -m build --outdir dist . >/dev/null
	$(BIN)/twine check --strict dist/*
	$(BIN)/python tools/check_dist.py dist

$(MIN_VENV)/.installed: requirements-min.txt
	test -x $(MIN_VENV)/bin/python || $(PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/python -m pip install --quiet pip==$(PIP_VERSION)
	$(MIN_VENV)/bin/python -m pip install --quiet -r requirements-min.txt
	touch $@

# The wheel, as a user installs it, next to the lowest versions its ranges allow.
min-wheel: dist $(MIN_VENV)/.installed
	$(MIN_VENV)/bin/python -m pip install --quiet --no-deps --force-reinstall dist/*.whl
	$(MIN_VENV)/bin/python -m pip check
	$(MIN_VENV)/bin/python -m pip freeze | grep -E '^(aws-cdk-lib|constructs|cdk-nag)=='

# Every integ app (one per capability) synthesized from the wheel at the floors, stack-limit
# validation included; `python tools/...` and the apps import constructs_obs from .venv-min's
# wheel, not from the checkout. The demo app is not: its own granular cdk-nag acknowledgement
# (AwsSolutions-IAM4[Policy::...]) needs a newer aws-cdk-lib (see README, Deploy).
test-min: min-wheel
	$(MIN_VENV)/bin/python tools/integ_snapshots.py synth

# -- integration tests: integ/integ_*.py (aws-cdk.integ-tests-alpha) -----------------------------
# integ-runner is not used: its last release (2.197.10) reads cloud assemblies up to schema 53
# (aws-cdk-lib 2.257.0 and older), below the library's floor. tools/integ_snapshots.py does its
# offline part (synthesize, compare with integ/<app>.py.snapshot/); the CDK CLI deploys.
INTEG_REGION ?= eu-west-1
INTEG_APPS = $(sort $(wildcard integ/integ_*.py))

# Offline: each app synthesized with the locked versions and compared with its committed
# snapshot; no AWS call (credentials are removed from the apps' environment).
integ: $(VENV)/.installed
	$(BIN)/python tools/integ_snapshots.py verify

integ-snapshot: $(VENV)/.installed
	$(BIN)/python tools/integ_snapshots.py update

# Maintainers with an account (never CI): deploy each app and its assertion stack (the
# assertions run as custom resources: a failed expectation fails the deployment), then destroy.
# Needs `cdk bootstrap aws://ACCOUNT/$(INTEG_REGION)` first. Run from integ/, which has no
# cdk.json: the apps deploy with the context they were snapshotted with.
integ-deploy: setup
	set -e; cd integ; export AWS_REGION=$(INTEG_REGION); for app in $(notdir $(INTEG_APPS)); do \
	  echo "== $$app"; \
	  cdk deploy --app "$(BIN)/python $$app" --all --require-approval never \
	    || { cdk destroy --app "$(BIN)/python $$app" --all --force; exit 1; }; \
	  cdk destroy --app "$(BIN)/python $$app" --all --force; \
	done

# -- locks --------------------------------------------------------------------------------------

lock:
	rm -rf .lock-venv .lock-venv-checkov
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet pip==$(PIP_VERSION)
	.lock-venv/bin/python -m pip install --quiet -e ".[dev]"
	{ echo "# Generated by 'make lock' from pyproject.toml's [dev] extra; installed by 'make' with pip install -r."; \
	  echo "# Do not edit by hand."; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^-e'; } > requirements.lock
	$(PYTHON) -m venv .lock-venv-checkov
	.lock-venv-checkov/bin/python -m pip install --quiet pip==$(PIP_VERSION)
	.lock-venv-checkov/bin/python -m pip install --quiet "checkov==$$(sed -n 's/^checkov==//p' requirements-checkov.lock)"
	{ echo "# checkov lives in its own virtual environment (.venv-checkov): it pins an old boto3."; \
	  echo "# Generated by 'make lock'. Do not edit by hand."; \
	  .lock-venv-checkov/bin/python -m pip freeze; } > requirements-checkov.lock
	rm -rf .lock-venv .lock-venv-checkov
	npm install --package-lock-only --no-audit --no-fund

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(MIN_VENV) node_modules cdk.out .test-out .mypy_cache .ruff_cache \
	  .pytest_cache dist build
