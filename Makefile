# 晋才助手 / Shanxi Talent Assistant. `make run` sets up and starts everything; `make test` sets up and
# passes every test. Both work on a clean clone: the venv, the KB database and the model are built here.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
.DEFAULT_GOAL := help
export TF_CPP_MIN_LOG_LEVEL := 2
# pip's machine-wide config lists extra indexes that do not exist on every machine: keep their noise out
PIP_QUIET := 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }

VENV := .venv
PY := $(VENV)/bin/python
LOCK_HASH := $(shell sha1sum requirements.lock | cut -c1-12)
STAMP := $(VENV)/.installed-$(LOCK_HASH)
# Built once per lock on this machine, outside the clone, and linked as .venv: a fresh clone (CI's, each
# run) reuses it instead of installing for minutes. The trained models are cached beside it (bot/model.py).
CACHE_DIR := $(or $(ASSISTANT_CACHE_DIR),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/shanxi-talent-assistant)
CACHED_VENV := $(CACHE_DIR)/venv-$(LOCK_HASH)
# Locust and py-spy for `make bench`, in their own venv (their gevent/Flask pins must not touch Rasa's)
BENCH_VENV := bench/.venv
BENCH_STAMP := $(BENCH_VENV)/.installed-$(shell sha1sum bench/requirements.lock | cut -c1-12)

# pip-audit lives in its own venv (never .venv: installing into it breaks Rasa's pins); it reads the lock
# file, not an environment, so any Python 3 will do. AUDIT_SERVICE=osv (and AUDIT_OSV_URL) pick another source.
AUDIT_VENV := .auditvenv
PIP_AUDIT_VERSION := 2.10.1
AUDIT_STAMP := $(AUDIT_VENV)/.installed-pip-audit-$(PIP_AUDIT_VERSION)
AUDIT_SERVICE ?= pypi
AUDIT_REPORT := var/audit.json

# mypy lives in its own venv too (never .venv). It runs on Python 3.10 like the project, and a .pth file
# puts .venv's site-packages on its path, so it sees the project's packages and its own stubs alike
# (with --python-executable it would not find the stubs installed beside it). Settings: pyproject.toml.
MYPY_VENV := .mypyvenv
MYPY_PINS := mypy==2.4.1 types-PyYAML==6.0.12.20261113
MYPY_STAMP := $(MYPY_VENV)/.installed-$(shell echo "$(MYPY_PINS) $(LOCK_HASH)" | sha1sum | cut -c1-12)

.PHONY: help venv kb model validate chromium nginx scale-stores run test lint typecheck bench lock clean audit

help:
	@echo "make run    - set up, build the knowledge base and start the assistant"
	@echo "make run PROFILE=scale - several Rasa replicas and action servers behind nginx, PostgreSQL, Redis"
	@echo "make test   - set up and run every test (lint, unit, integration)"
	@echo "make typecheck - mypy on the libraries (pyproject.toml [tool.mypy]); part of make lint and make test"
	@echo "make bench  - accuracy, latency and Locust load against a vanilla rasa init bot (bench/results/)"
	@echo "make lock   - re-resolve requirements.in into requirements.lock (one pip run)"
	@echo "make audit  - check requirements.lock against a vulnerability database (deploy/audit-exceptions.yml)"

venv: $(STAMP)

# The stamp's name carries the lock's hash, so a changed lock is a missing stamp. Under a lock: two runs
# needing the same venv build it once; a venv whose install failed has no stamp and is built again. An
# old .venv directory is renamed away before the link takes its place, so running processes keep theirs.
$(STAMP):
	@PY310=$$(tools/find_python310.sh) || exit 1; mkdir -p -m 700 "$(CACHE_DIR)"; \
	exec 9>"$(CACHED_VENV).lock" && flock 9 || exit 1; \
	if [ ! -e "$(CACHED_VENV)/.installed-$(LOCK_HASH)" ]; then \
		echo "Building the venv for this lock in $(CACHED_VENV) (once per machine) ..."; \
		rm -rf "$(CACHED_VENV)" && "$$PY310" -m venv "$(CACHED_VENV)" \
		&& "$(CACHED_VENV)/bin/python" -m pip install --quiet --upgrade "pip==24.2" $(PIP_QUIET) \
		&& "$(CACHED_VENV)/bin/python" -m pip install --quiet -r requirements.lock $(PIP_QUIET) \
		&& touch "$(CACHED_VENV)/.installed-$(LOCK_HASH)" || exit 1; \
	fi; \
	if [ -d $(VENV) ] && [ ! -L $(VENV) ]; then mv $(VENV) $(VENV).old.$$$$; fi; \
	ln -sfn "$(CACHED_VENV)" $(VENV) && rm -rf $(VENV).old.*

$(BENCH_STAMP): bench/requirements.lock
	@PY310=$$(tools/find_python310.sh) || exit 1; rm -rf $(BENCH_VENV) && "$$PY310" -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet "pip==24.2" $(PIP_QUIET)
	$(BENCH_VENV)/bin/python -m pip install --quiet -r bench/requirements.lock $(PIP_QUIET)
	touch $@

kb: venv
	$(PY) -m bot kb build

lint: venv typecheck
	$(VENV)/bin/ruff check .

$(MYPY_STAMP): | $(STAMP)
	@PY310=$$(tools/find_python310.sh) || exit 1; rm -rf $(MYPY_VENV) && "$$PY310" -m venv $(MYPY_VENV)
	$(MYPY_VENV)/bin/python -m pip install --quiet "pip==24.2" $(PIP_QUIET)
	$(MYPY_VENV)/bin/python -m pip install --quiet $(MYPY_PINS) $(PIP_QUIET)
	$(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' > $(MYPY_VENV)/lib/python3.10/site-packages/project-venv.pth
	touch $@

# The packages it checks are pyproject.toml's [tool.mypy] files; libraries without type information are listed there.
typecheck: venv $(MYPY_STAMP)
	$(MYPY_VENV)/bin/mypy

model: venv
	$(PY) -m bot train

validate: model
	$(PY) -m rasa data validate --domain domain --data data --config config.yml --fail-on-warnings 2>&1 \
		| { grep -E "rasa.validator|error|Error" || true; }

chromium:
	tools/ensure_chromium.sh

# The scale profile's load balancer (also what tests/scale/ start): Debian's nginx, installed when missing.
nginx:
	tools/ensure_nginx.sh

# PROFILE=scale takes its settings from the environment, and from deploy/scale.env when that file exists
# (copied from deploy/scale.env.example; untracked, it may hold secrets): the KB is then built on PostgreSQL.
ifeq ($(PROFILE),scale)
-include deploy/scale.env
export $(shell sed -n 's/^\([A-Z_][A-Z0-9_]*\)=.*/\1/p' deploy/scale.env 2>/dev/null)
export PROFILE
RUN_NEEDS := nginx scale-stores
endif

# The tracker database and the schemas of KB_DATABASE_URL / APPOINTMENTS_DATABASE_URL, before the KB build
scale-stores: venv
	$(PY) -c "from bot.runner import ensure_postgres_stores; ensure_postgres_stores()"

$(AUDIT_STAMP):
	rm -rf $(AUDIT_VENV) && python3 -m venv $(AUDIT_VENV)
	$(AUDIT_VENV)/bin/pip install --quiet "pip-audit==$(PIP_AUDIT_VERSION)" $(PIP_QUIET)
	touch $@

# Fails on a finding deploy/audit-exceptions.yml does not explain (tools/audit.py). `make audit` also fails
# when the service could not be asked; `make test` then warns loudly and goes on (AUDIT_FLAGS below).
audit: venv $(AUDIT_STAMP)
	@mkdir -p var && rm -f $(AUDIT_REPORT)
	-$(AUDIT_VENV)/bin/pip-audit -r requirements.lock --no-deps --disable-pip --progress-spinner off \
		-s $(AUDIT_SERVICE) $(if $(AUDIT_OSV_URL),--osv-url $(AUDIT_OSV_URL)) -f json -o $(AUDIT_REPORT) \
		2>&1 | { grep -vE "encouraged to fully hash|pip-compile" || true; } | tail -n 5
	$(PY) tools/audit.py $(AUDIT_REPORT) deploy/audit-exceptions.yml $(AUDIT_FLAGS)

test: AUDIT_FLAGS := --allow-unreachable
test: venv lint typecheck chromium nginx validate audit
	$(PY) -m pytest

bench: venv nginx $(BENCH_STAMP)
	$(PY) -m bench
	$(PY) -m bench.scale

run: venv $(RUN_NEEDS) kb
	umask 077 && $(PY) -m bot run

# Keeps every pin already in the lock (a new package resolves around them); `make lock UPGRADE=1` re-resolves all.
lock:
	@PY310=$$(tools/find_python310.sh) || exit 1; rm -rf .lockvenv && "$$PY310" -m venv .lockvenv
	.lockvenv/bin/pip install --quiet "pip==24.2" && .lockvenv/bin/pip install -r requirements.in \
		$(if $(UPGRADE),,-c requirements.lock)
	{ echo "# Generated by \`make lock\` from requirements.in in one pip run (Python 3.10). Do not edit by hand."; \
	  .lockvenv/bin/pip freeze --all | grep -vE '^(pip|setuptools|wheel)=='; } > requirements.lock
	rm -rf .lockvenv

clean:
	rm -rf $(VENV) $(AUDIT_VENV) $(MYPY_VENV) $(BENCH_VENV) var .pytest_cache
