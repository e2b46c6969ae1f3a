# Registre: the one entry point. `make run` serves the demo portal, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SECRET_FILE := var/secret_key
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 3
# An explicit DJANGO_SECRET_KEY wins; otherwise the local one kept in var/ (ignored by git).
WITH_SECRET = DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat $(SECRET_FILE))}"
MANAGE = $(WITH_SECRET) $(BIN)/python manage.py

.PHONY: run test install lint format stop db lock clean backup restore bench

run: $(STAMP) $(SECRET_FILE)
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo
	$(MANAGE) ensure_demo_staff
	$(MANAGE) collectstatic --noinput --verbosity 0
	@echo "Registre : http://$(HOST):$(PORT)/  (Ctrl+C pour arrêter ; « make stop » arrête aussi PostgreSQL)"
	$(WITH_SECRET) DJANGO_SECURE_COOKIES=0 DJANGO_EMAIL_BACKEND="$${DJANGO_EMAIL_BACKEND:-console}" \
		exec $(BIN)/gunicorn portal.wsgi \
		--bind $(HOST):$(PORT) --workers $(WORKERS) \
		--access-logfile - --forwarded-allow-ips "127.0.0.1"

test: $(STAMP) $(SECRET_FILE)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run --verbosity 0
	bin/ensure-chromium
	bin/ensure-pgbouncer
	$(WITH_SECRET) $(BIN)/pytest $(PYTEST_ARGS)

install: $(STAMP)

$(STAMP): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	bin/install-lock $(BIN)/python
	touch $(STAMP)

$(SECRET_FILE):
	mkdir -p var
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $(SECRET_FILE)
	chmod 600 $(SECRET_FILE)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# A consistent dump of the database and the uploaded files; restore into an empty database.
backup: $(STAMP) $(SECRET_FILE)
	$(MANAGE) backup

restore: $(STAMP) $(SECRET_FILE)
	@test -n "$(FILE)" || (echo "usage: make restore FILE=var/backups/registre-….tar.gz" && exit 2)
	$(MANAGE) restore "$(FILE)"

# Load test of the public pages against a generated registry (BENCH_INITIATIVES, 100 000).
bench: $(STAMP) $(SECRET_FILE)
	$(BIN)/python bench/run.py

# Start the embedded PostgreSQL (every command starts it when needed) or stop it.
db: $(STAMP)
	$(BIN)/python -m portal.embedded_db start

stop:
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m portal.embedded_db stop; fi

# Re-pin the dependencies after editing pyproject.toml.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		--extra embedded --extra test -o requirements.lock pyproject.toml

clean: stop
	rm -rf $(VENV) var/static
