# mcarchive: two commands on a fresh machine (Python 3.11+ and make): `make serve`, `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8001
HOST   ?= 127.0.0.1
DB     ?= archive.db

.PHONY: serve archive test browser bench install install-test clean

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

## serve: build the archive and browse it in Datasette on http://$(HOST):$(PORT)/ (HOST=0.0.0.0 to share it)
# Read-only: -i opens the file immutable, no plugin writes, SQL stops after 3 s. Datasette
# names the database after the file, and metadata.yml describes "archive": keep DB's file
# name archive.db (DB=/elsewhere/archive.db is fine). No suggested facets: on a large
# archive they run a GROUP BY per column on every table page (over a second on 1 M talks);
# the facets metadata.yml configures still show, and any column's "facet" link still works.
serve: archive
	$(BIN)/datasette serve -i $(DB) -m metadata.yml --plugins-dir plugins --template-dir templates \
		--host $(HOST) --port $(PORT) \
		--setting sql_time_limit_ms 3000 --setting default_page_size 50 --setting truncate_cells_html 300 \
		--setting suggest_facets off

## test: the whole test suite
test: install-test browser
	$(BIN)/python -m pytest

## browser: Debian's chromium for tests/test_browser.py, installed with apt when root; otherwise
## (or when apt cannot reach its mirror) that test skips, and this target still succeeds
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "make: installing chromium with apt-get for the browser test"; \
		( export DEBIAN_FRONTEND=noninteractive; \
		  timeout 600 apt-get install -y -q chromium >/dev/null 2>&1 \
		  || { timeout 300 apt-get update -q >/dev/null 2>&1 && timeout 600 apt-get install -y -q chromium >/dev/null 2>&1; } ) \
		|| echo "make: could not install chromium; the browser test will be skipped"; \
	else echo "make: no /usr/bin/chromium (and not root); the browser test will be skipped"; fi

## bench: build, reparse, rescrape, FTS and Datasette figures; the last line is JSON (README "Performance")
bench: install-test
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache $(DB) $(DB).*.tmp
