# Two commands: `make run` and `make test`. Everything else is a helper for them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO ?= 1
HOST ?= 127.0.0.1
PORT ?= 8000
export FUSIONCENTER_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test test-browser lint install setup bench clean reference-data

$(BIN)/.installed: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

setup: install
	$(BIN)/fusioncenter setup --demo=$(DEMO)

run: setup
	$(BIN)/fusioncenter serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest -m "not browser"

test-browser: install
	$(BIN)/pytest -m browser tests/e2e

lint: install
	$(BIN)/ruff check src tests bench scripts

reference-data: install
	$(BIN)/pip install --quiet -e '.[tools]'
	$(BIN)/python scripts/generate_reference_data.py

clean:
	rm -rf $(VENV) var .pytest_cache
