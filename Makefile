# Setup is two commands: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-web serve clean

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

# The delivery benchmark needs Postfix's smtp-sink and smtp-source: installed from Debian when run as root
# (Postfix itself is left unconfigured and stopped), else the one command to run is printed.
bench: $(STAMP)
	@if ! command -v smtp-sink >/dev/null || ! command -v smtp-source >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix; \
	  else \
	    echo "make bench needs Postfix's smtp-sink and smtp-source: sudo apt-get install -y postfix"; exit 2; \
	  fi; \
	fi
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; \
	  else echo "the public endpoints benchmark needs wrk: sudo apt-get install -y wrk (skipped without it)"; fi; \
	fi
	$(BIN)/python -m benchmarks

# The public endpoints alone (issue 17): the open pixel and the click redirect under wrk, the signup POST meanwhile.
bench-web: $(STAMP)
	$(BIN)/python -m benchmarks.public_endpoints

clean:
	rm -rf var .pytest_cache
