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
TRAINING_INPUTS := config.yml bot/policies.py bot/exact_intent.py $(wildcard domain/*.yml) $(wildcard data/*.yml data/nlu/*.yml)

export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_TELEMETRY_ENABLED := false

.PHONY: haproxy run-scaled test-scaled bench-load bench-load-scaled test-handoff bench-handoff bench-notifications bench-backend help venvs web chromium telegram-polling test-channels run test test-backend test-actions test-rasa test-e2e validate train nlu-report bench-langid lock lint clean

help:
	@echo "make run          start rasa (5005), action server (5055) and backend (8000)"
	@echo "make test         every test: backend, actions, rasa data validate, story tests, NLU held-out, end-to-end"
	@echo "make nlu-report   intent accuracy / entity F1 per language on the held-out split"
	@echo "make bench-backend registrations/s and lookup latency with 100,000 complaints, SQLite and PostgreSQL"
	@echo "make bench-notifications 10,000 notifications due in one minute: lateness p50/p99/max"
	@echo "make bench-handoff agent-to-customer delivery time over Telegram (loopback Bot API)"
	@echo "make bench-langid language detection accuracy and speed over ../shared/benchmarks/langid"
	@echo "make bench-load   web chat customers served at once (p95 < 500 ms), beside the rasa init assistant"
	@echo "make run-scaled   the production profile: HAProxy, 2 rasa, 2 action servers, 2 backends (PostgreSQL, Redis, RabbitMQ)"
	@echo "make bench-load-scaled the load benchmark against run-scaled's profile beside one process of each"
	@echo "make telegram-polling  Telegram in long-polling mode (development, no public URL)"
	@echo "make lock         re-resolve requirements/*.lock from requirements/*.in"

# --- environments -------------------------------------------------------
$(RASA_VENV)/.lock-hash: requirements/rasa.lock scripts/make-venv.sh
	scripts/make-venv.sh $(RASA_VENV) "$$(scripts/find-python310.sh)" requirements/rasa.lock

$(APP_VENV)/.lock-hash: requirements/backend.lock scripts/make-venv.sh
	scripts/make-venv.sh $(APP_VENV) "$${APP_PYTHON:-python3.11}" requirements/backend.lock

venvs: $(RASA_VENV)/.lock-hash $(APP_VENV)/.lock-hash

lock: $(APP_VENV)/.lock-hash
	$(APP_VENV)/bin/uv pip compile -q --python-version 3.11 requirements/backend.in -o requirements/backend.lock
	$(APP_VENV)/bin/uv pip compile -q --python-version 3.10 --python-platform x86_64-unknown-linux-gnu requirements/rasa.in -o requirements/rasa.lock

# Web chat widget (npm, from web/package-lock.json) and Debian's chromium for browser tests.
web: web/node_modules/.lock-hash
web/node_modules/.lock-hash: web/package-lock.json scripts/web-install.sh
	scripts/web-install.sh

chromium:
	scripts/install-chromium.sh

# --- model --------------------------------------------------------------
# Retrains only when config, domain or training data changed since the last model.
$(MODEL_STAMP): $(RASA_VENV)/.lock-hash $(TRAINING_INPUTS)
	@mkdir -p models
	$(RASA) train --domain domain --data data --config config.yml --out models --fixed-model-name complaints
	@touch $@

train: $(MODEL_STAMP)

# --- run ----------------------------------------------------------------
run: venvs web $(MODEL_STAMP)
	@mkdir -p var
	$(APP_VENV)/bin/honcho start -f Procfile

# --- tests --------------------------------------------------------------
validate: $(RASA_VENV)/.lock-hash
	scripts/validate.sh

# The backend suite runs on SQLite and, with TEST_POSTGRES_URL, on PostgreSQL too.
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export TEST_POSTGRES_URL

test-backend: $(APP_VENV)/.lock-hash
	$(APP_PY) -m pytest -q tests/backend tests/bot

test-actions: $(RASA_VENV)/.lock-hash
	$(RASA_PY) -m pytest -q tests/actions tests/data tests/rasa_bot

test-rasa: $(MODEL_STAMP)
	$(RASA) test core --model models/complaints.tar.gz --stories tests/stories --fail-on-prediction-errors --out var/results/core

nlu-report: $(MODEL_STAMP)
	$(RASA_PY) scripts/nlu_report.py

test-e2e: venvs $(MODEL_STAMP)
	$(APP_PY) -m pytest -q tests/e2e

test-channels: venvs web chromium $(MODEL_STAMP)
	$(APP_PY) -m pytest -q tests/channels

test-handoff: venvs web chromium $(MODEL_STAMP)
	$(APP_PY) -m pytest -q tests/handoff

telegram-polling: venvs
	scripts/run-telegram-polling.sh

test: venvs $(MODEL_STAMP)
	$(MAKE) validate
	$(MAKE) test-backend
	$(MAKE) test-actions
	$(MAKE) test-rasa
	$(MAKE) nlu-report
	$(MAKE) test-e2e
	$(MAKE) test-channels
	$(MAKE) test-handoff
	$(MAKE) test-scaled

bench-backend: $(APP_VENV)/.lock-hash
	$(APP_PY) -m bench.backend --db both --n $${BENCH_N:-100000}

bench-notifications: $(APP_VENV)/.lock-hash
	$(APP_PY) -m bench.notifications --db both

bench-handoff: venvs $(MODEL_STAMP)
	$(APP_PY) -m bench.handoff

bench-load: venvs $(MODEL_STAMP)
	$(APP_PY) -m bot.load_bench --targets single,rasa-init

bench-load-scaled: venvs haproxy $(MODEL_STAMP)
	$(APP_PY) -m bot.load_bench --targets scaled,single

haproxy:
	scripts/install-haproxy.sh

run-scaled: venvs web haproxy $(MODEL_STAMP)
	scripts/run-scaled.sh

test-scaled: venvs haproxy $(MODEL_STAMP)
	$(APP_PY) -m pytest -q tests/scaled

bench-langid: $(APP_VENV)/.lock-hash
	$(APP_PY) -m bot.langid_bench

lint: $(APP_VENV)/.lock-hash
	$(APP_VENV)/bin/ruff check .

clean:
	rm -rf models var/results
