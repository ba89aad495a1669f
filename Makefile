# mcarchive: two commands on a fresh machine (Python 3.11+ and make): `make serve`, `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8001
HOST   ?= 127.0.0.1
DB     ?= archive.db

.PHONY: serve archive test bench install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Stamp files: reinstall when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## archive: build archive.db offline from the bundled real pages in fixtures/
archive: install
	$(BIN)/mcarchive build --db $(DB)

## serve: build the archive and browse it in Datasette (read-only) on http://$(HOST):$(PORT)/
serve: archive
	$(BIN)/datasette serve -i $(DB) -m metadata.yml --host $(HOST) --port $(PORT) \
		--setting sql_time_limit_ms 3000 --setting default_page_size 50

## test: the whole test suite
test: install-test
	$(BIN)/python -m pytest

## bench: build, reparse, rescrape, FTS and Datasette figures; the last line is JSON (README "Performance")
bench: install-test
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache $(DB) $(DB).*.tmp
