# Two commands: `make run` and `make test`. Each sets up everything it needs first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RASA := $(BIN)/rasa
DATA := bot/data
MODEL := models/cites-emploi.tar.gz
# The held-out set (bot/nlu/heldout.yml) is not a training input: editing it retrains nothing.
MODEL_INPUTS := config.yml domain.yml $(shell find $(DATA) -type f -name '*.y*ml' 2>/dev/null) \
	$(shell find bot/nlu -type f -name '*.py' 2>/dev/null)
# This machine's pip configuration names local package folders that may not exist: hide that noise.
PIP_QUIET := 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)

export TF_CPP_MIN_LOG_LEVEL ?= 2
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1
export RASA_TELEMETRY_ENABLED ?= false
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test setup train validate shell lock clean evaluate bench lint

run: $(MODEL)  ## set up, train if needed, start the Rasa server and the action server
	$(BIN)/python -m bot.launcher

test: $(MODEL)  ## set up, train if needed, run every test
	$(BIN)/pytest

setup: $(VENV)/.installed

$(VENV)/.installed: requirements/requirements.lock requirements/dev.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --no-deps --ignore-requires-python -r requirements/requirements.lock $(PIP_QUIET)
	$(BIN)/pip install -q --no-deps -r requirements/dev.lock $(PIP_QUIET)
	$(BIN)/pip install -q --no-deps --no-build-isolation -e . $(PIP_QUIET)
	touch $@

# Rasa skips training itself when nothing changed; the touch keeps make from asking again.
$(MODEL): $(VENV)/.installed $(MODEL_INPUTS)
	$(RASA) train --config config.yml --domain domain.yml --data $(DATA) \
		--out models --fixed-model-name cites-emploi
	touch $@

train: $(MODEL)

lint: setup  ## ruff (lint and format check) on everything, mypy on the core packages (pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

validate: setup  ## rasa data validate on the project's data
	$(RASA) data validate --config config.yml --domain domain.yml --data $(DATA) --fail-on-warnings

shell: $(MODEL)  ## talk to the bot in the terminal (starts the action server in the background)
	$(BIN)/python -m bot.storage.territory > /dev/null
	export ACTION_SERVER_TOKEN=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(32))"); \
	$(BIN)/python -m bot.action_server --port 5055 > /dev/null 2>&1 & \
	trap "kill $$!" EXIT; $(RASA) shell --model $(MODEL) --endpoints endpoints.yml

lock:  ## regenerate requirements/requirements.lock from requirements/requirements.in
	$(PYTHON) -m venv .lock-venv && .lock-venv/bin/pip install -q uv $(PIP_QUIET)
	.lock-venv/bin/uv pip compile --python-version 3.10 --python-platform x86_64-manylinux_2_28 \
		--override requirements/overrides.txt requirements/requirements.in \
		-o requirements/requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) models .pytest_cache

# Figures on sets the training data never saw: the whole assistant on the blind NLU set (judged by
# what it does), the danger detector on its blind set, the old held-out set (per dispositif); and
# a 5-fold cross-validation of the training data.
evaluate: $(MODEL)  ## blind NLU set, blind danger set, held-out set; writes results/*.json
	mkdir -p results
	$(BIN)/python -m bot.blind_evaluation --json results/nlu-blind.json
	$(BIN)/python -m bot.danger_evaluation --json results/danger-blind.json
	$(BIN)/python -m bot.evaluation --json results/nlu-heldout.json
	$(BIN)/python -m bot.crossval --json results/nlu-crossval.json

# Benchmarks (bench/): understanding vs Rasa's default pipeline, REST latency and throughput vs a
# minimal bot, training time, cold start, memory. Writes bench/report.md, report.json, PNG plots.
# BENCH_ARGS: --quick (small samples), --skip-training (reuse the last training time).
bench: $(MODEL)  ## benchmarks; a full run takes a while on 2 cores
	$(BIN)/python -m bench $(BENCH_ARGS)
