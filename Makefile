# Setup is two commands: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench serve clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/publisher demo

test: $(STAMP)
	$(BIN)/ruff check publisher workers tests benchmarks
	$(BIN)/mypy publisher workers
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check publisher workers tests benchmarks
	$(BIN)/mypy publisher workers

# The web app on http://127.0.0.1:8000/ (editor at /editor; create an account with `publisher users add`).
serve: $(STAMP)
	$(BIN)/publisher serve --host 127.0.0.1 --port $(or $(PORT),8000)

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf var .pytest_cache
