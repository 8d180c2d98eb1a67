# One entry point for people and CI. `make run` runs the product, `make test` tests it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

RASA_VENV := .venv-rasa
APP_VENV  := .venv
RASA_PY   := $(RASA_VENV)/bin/python
APP_PY    := $(APP_VENV)/bin/python
RASA      := $(RASA_VENV)/bin/rasa
MODEL_STAMP := models/.trained
# The custom components of config.yml are training inputs too.
TRAINING_INPUTS := config.yml domain.yml bot/dialogue/loop_aware_ted.py bot/nlu/exact_intent.py contract/text.py $(wildcard data/*.yml data/nlu/*.yml)

.PHONY: dovecot haproxy run-scaled test-scaled bench-turns bench-load bench-load-scaled bench-dialogue bench-nlu test-handoff bench-handoff bench-notifications bench-backend bench-workspace bench-reports test-reports help venvs web chromium telegram-polling test-channels run test test-backend test-actions test-rasa test-e2e validate train nlu-report bench-langid lock lint fmt clean shell interactive test-unit test-unit-app test-unit-rasa

help:
	@echo "make run          start rasa (5005), action server (5055) and backend (8000)"
	@echo "make test         every test: ruff, backend, actions, rasa data validate, story tests, NLU held-out, end-to-end"
	@echo "make test-unit    the fast tests (no database server, broker, browser or trained model), under a minute"
	@echo "make shell        talk to the assistant in the terminal (rasa shell, with the action server and backend)"
	@echo "make interactive  rasa interactive, with the action server and backend"
	@echo "make fmt          ruff format + ruff check --fix"
	@echo "make nlu-report   intent accuracy / entity F1 per language on the held-out split"
	@echo "make bench-nlu    CPU ms per NLU parse (p50/p95/mean per language, per graph node); RASA_MODEL picks the model"
	@echo "make bench-backend registrations/s and lookup latency with 100,000 complaints, SQLite and PostgreSQL"
	@echo "make bench-workspace the agents' overdue view, counts and searches over 100,000 complaints: p50/p95, SQLite and PostgreSQL"
	@echo "make test-reports the /reports page in headless Chromium (screenshots in var/artifacts/)"
	@echo "make bench-reports every ISO 10002 report (API, CSV, the page's figures) over 100,000 complaints: p50/p95, SQLite and PostgreSQL"
	@echo "make bench-notifications 10,000 notifications due in one minute: lateness p50/p99/max"
	@echo "make bench-handoff agent-to-customer delivery time over Telegram (loopback Bot API)"
	@echo "make bench-langid language detection accuracy and speed over ../shared/benchmarks/langid"
	@echo "make bench-dialogue simulated customers (every policy and language) through the REST channel: completion, turns, field accuracy"
	@echo "make bench-turns  one customer at a time: p50 per turn, CPU ms per message per process, turn cost vs conversation length"
	@echo "make bench-load   web chat customers served at once (p95 < 500 ms), beside the rasa init assistant"
	@echo "make run-scaled   the production profile: HAProxy, 2 rasa, 2 action servers, 2 backends (PostgreSQL, Redis, RabbitMQ)"
	@echo "make bench-load-scaled the load benchmark against run-scaled's profile beside one process of each"
	@echo "make telegram-polling  Telegram in long-polling mode (development, no public URL)"
	@echo "make lock         re-resolve requirements/*.lock from requirements/*.in"

# --- environments -------------------------------------------------------
# uv (pinned in backend.lock) installs both environments from their locks; each venv gets a .pth
# that puts this folder on sys.path and applies contract/settings.py's defaults at start.
UV := .venv-uv/bin/uv
$(UV): requirements/backend.lock scripts/uv.sh
	@scripts/uv.sh >/dev/null && touch $@

$(RASA_VENV)/.lock-hash: requirements/rasa.lock scripts/make-venv.sh $(UV)
	@scripts/make-venv.sh $(RASA_VENV) "$$(scripts/find-python310.sh)" requirements/rasa.lock

$(APP_VENV)/.lock-hash: requirements/backend.lock scripts/make-venv.sh $(UV)
	@scripts/make-venv.sh $(APP_VENV) "$${APP_PYTHON:-python3.11}" requirements/backend.lock

venvs: $(RASA_VENV)/.lock-hash $(APP_VENV)/.lock-hash

lock: $(UV)
	$(UV) pip compile -q --python-version 3.11 requirements/backend.in -o requirements/backend.lock
	$(UV) pip compile -q --python-version 3.10 --python-platform x86_64-unknown-linux-gnu requirements/rasa.in -o requirements/rasa.lock

# Web chat widget (npm, from web/package-lock.json) and Debian's chromium for browser tests.
web: web/node_modules/.lock-hash
web/node_modules/.lock-hash: web/package-lock.json scripts/web-install.sh
	scripts/web-install.sh

chromium:
	scripts/install-chromium.sh

# Debian's dovecot: the e-mail channel's tests start it on a free loopback port (tests/support/dovecot.py).
dovecot:
	scripts/install-dovecot.sh

# --- model --------------------------------------------------------------
# Retrains only when config, domain or training data changed since the last model.
$(MODEL_STAMP): $(RASA_VENV)/.lock-hash $(TRAINING_INPUTS)
	@mkdir -p models
	@echo ">> training the model (config.yml, domain.yml, data/) into models/complaints.tar.gz"
	@start=$$(date +%s); $(RASA) train --fixed-model-name complaints && touch $@ \
	  && echo ">> model trained in $$(($$(date +%s) - start)) s"

train: $(MODEL_STAMP)

# --- run ----------------------------------------------------------------
# Independent steps run side by side: training starts as soon as the Rasa environment is there,
# while the backend's environment and the web chat's packages install.
run:
	@$(MAKE) --no-print-directory -j3 --output-sync=line $(MODEL_STAMP) $(APP_VENV)/.lock-hash web
	$(APP_VENV)/bin/honcho start -f Procfile

# The assistant in the terminal (rasa shell / rasa interactive) with the action server and the
# backend running beside it; ARGS go to rasa (e.g. make shell ARGS=--debug).
shell: venvs $(MODEL_STAMP)
	scripts/with-services.sh $(RASA) shell $(ARGS)

interactive: venvs $(MODEL_STAMP)
	scripts/with-services.sh $(RASA) interactive --model models/complaints.tar.gz $(ARGS)

# --- tests --------------------------------------------------------------
validate: $(RASA_VENV)/.lock-hash
	scripts/validate.sh

# The backend suite runs on SQLite and, with TEST_POSTGRES_URL, on PostgreSQL too.
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export TEST_POSTGRES_URL

# web + chromium: the tracking page's browser test (tests/backend/tracking).
test-backend: $(APP_VENV)/.lock-hash dovecot web chromium
	$(APP_PY) -m pytest -q tests/backend tests/bot tests/contract tests/bench

# The fast tests: no PostgreSQL, Redis, RabbitMQ, browser or trained model (tests marked
# `integration` are left out, SQLite only); both environments side by side.
test-unit: venvs
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-unit-app test-unit-rasa

test-unit-app:
	TEST_POSTGRES_URL= $(APP_PY) -m pytest -q -m "not integration" tests/backend tests/bot tests/contract tests/bench

test-unit-rasa:
	$(RASA_PY) -m pytest -q -m "not integration" tests/actions tests/data tests/rasa_bot

test-actions: $(RASA_VENV)/.lock-hash
	$(RASA_PY) -m pytest -q tests/actions tests/data tests/rasa_bot

test-rasa: $(MODEL_STAMP)
	$(RASA) test core --model models/complaints.tar.gz --stories tests/stories --fail-on-prediction-errors --out var/results/core

nlu-report: $(MODEL_STAMP)
	$(RASA_PY) scripts/nlu_report.py

# CPU per parse as the rasa server spends it (docs/nlu-pipeline.md); with RASA_MODEL (another
# configuration's model) nothing is trained first. BENCH_REPEAT=3 passes, BENCH_LANGS=ru,az.
bench-nlu: $(RASA_VENV)/.lock-hash $(if $(RASA_MODEL),,$(MODEL_STAMP))
	$(RASA_PY) -m bench.nlu_cost

test-e2e: venvs dovecot $(MODEL_STAMP)
	$(APP_PY) -m pytest -q --durations=8 tests/e2e

test-channels: venvs web chromium $(MODEL_STAMP)
	$(APP_PY) -m pytest -q --durations=8 tests/channels

test-handoff: venvs web chromium $(MODEL_STAMP)
	$(APP_PY) -m pytest -q --durations=8 tests/handoff

# The /reports page in headless Chromium (screenshots in var/artifacts/reports-*.png).
test-reports: venvs web chromium
	$(APP_PY) -m pytest -q tests/reports

telegram-polling: venvs
	scripts/run-telegram-polling.sh

test: venvs $(MODEL_STAMP)
	$(MAKE) lint
	$(MAKE) validate
	$(MAKE) test-backend
	$(MAKE) test-actions
	$(MAKE) test-rasa
	$(MAKE) nlu-report
	$(MAKE) test-e2e
	$(MAKE) test-channels
	$(MAKE) test-handoff
	$(MAKE) test-reports
	$(MAKE) test-scaled

bench-backend: $(APP_VENV)/.lock-hash
	$(APP_PY) -m bench.backend --db both --n $${BENCH_N:-100000}

bench-workspace: $(APP_VENV)/.lock-hash
	$(APP_PY) -m bench.workspace --db both --n $${BENCH_N:-100000}

bench-reports: $(APP_VENV)/.lock-hash
	$(APP_PY) -m bench.reports --db both --n $${BENCH_N:-100000}

bench-notifications: $(APP_VENV)/.lock-hash
	$(APP_PY) -m bench.notifications --db both

bench-handoff: venvs $(MODEL_STAMP)
	$(APP_PY) -m bench.handoff

# BENCH_HALF=held_out|tune|all BENCH_LANGS=ru,az BENCH_POLICIES=.. BENCH_IDS=.. BENCH_CONCURRENCY=3
# (docs/testing.md); exit 2 when a customer file is invalid.
bench-dialogue: venvs $(MODEL_STAMP)
	$(APP_PY) -m bench.dialogue

# One customer at a time: p50 per turn, CPU ms per message of each process, turn cost versus
# conversation length (~10, ~50, ~200 events), on SQLite and PostgreSQL tracker stores.
bench-turns: venvs $(MODEL_STAMP)
	$(APP_PY) -m bench.turns

bench-load: venvs $(MODEL_STAMP)
	$(APP_PY) -m bench.load --targets single,rasa-init

bench-load-scaled: venvs haproxy $(MODEL_STAMP)
	$(APP_PY) -m bench.load --targets scaled,single

haproxy:
	scripts/install-haproxy.sh

run-scaled: venvs web haproxy $(MODEL_STAMP)
	scripts/run-scaled.sh

test-scaled: venvs haproxy $(MODEL_STAMP)
	$(APP_PY) -m pytest -q --durations=8 tests/scaled

bench-langid: $(APP_VENV)/.lock-hash
	$(APP_PY) -m bench.langid

# ruff (configured in pyproject.toml): lint and formatting, both must be clean; `make fmt` fixes
# what can be fixed.
lint: $(APP_VENV)/.lock-hash
	$(APP_VENV)/bin/ruff check .
	$(APP_VENV)/bin/ruff format --check .

fmt: $(APP_VENV)/.lock-hash
	$(APP_VENV)/bin/ruff format .
	$(APP_VENV)/bin/ruff check --fix .

clean:
	rm -rf models var/results
