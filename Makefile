# The two commands of the quick start live here: `make run` and `make test`.
# Both create .venv on first use and re-install only when pyproject.toml changes.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres,redis]'
	touch $@ $(VENV)/.installed-run

## run: set up and run JTS on embedded defaults (SQLite, in-process bus, no credentials):
## paper trading against the built-in KIS simulator until Ctrl-C (DURATION=60 stops by itself)
run: $(VENV)/.installed-run
	$(BIN)/jts up $(if $(DURATION),--duration $(DURATION))

## test: set up and run the whole test suite
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## lint: ruff, mypy and the architecture's import contracts
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check jts tests benchmarks
	$(BIN)/ruff format --check jts tests benchmarks
	$(BIN)/mypy jts
	$(BIN)/lint-imports

## bench: run every benchmark and print the figures
bench: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
