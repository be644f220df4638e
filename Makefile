# Praxisatlas Digitale Zwillinge – two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint index bench clean help

help:
	@echo "make run   – installiert alles, baut den Index und startet die Website"
	@echo "make test  – installiert alles (mit Entwicklungswerkzeugen) und prüft alles"
	@echo "make bench – misst Suchqualität und Geschwindigkeit"

$(BIN)/python:
	@echo ">> Lege virtuelle Umgebung $(VENV) an …"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo ">> Installiere den Praxisatlas und seine Abhängigkeiten (beim ersten Mal einige Minuten) …"
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	@echo ">> Installiere den Praxisatlas mit Entwicklungswerkzeugen …"
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

index: $(VENV)/.installed
	@echo ">> Baue den Suchindex über content/cases …"
	$(BIN)/kb index

run: index
	@echo ">> Starte die Website: http://$(HOST):$(PORT)/"
	$(BIN)/kb serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check kb tests benchmarks wsgi.py

test: $(VENV)/.installed-dev lint
	@echo ">> Prüfe die ausgelieferten Fälle …"
	HF_HUB_OFFLINE=1 $(BIN)/kb validate content/cases
	@echo ">> Starte die Tests (offline, mit echtem Modell und FAISS-Index) …"
	HF_HUB_OFFLINE=1 scripts/ensure-chromium.sh scripts/with-postgres.sh $(BIN)/pytest -q -rs

bench: $(VENV)/.installed-dev
	HF_HUB_OFFLINE=1 $(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) indexes instance .pytest_cache .ruff_cache
