# Two commands set everything up on a fresh machine (see README):
#   make site   installs what the build needs and builds content/ into site/
#   make test   installs what the tests need and runs the whole suite (lint, types, tests)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: site test check serve clean

site: $(VENV)/.runtime
	$(PY) build.py build

check: $(VENV)/.runtime
	$(PY) build.py check

serve: $(VENV)/.runtime
	$(PY) build.py serve

test: $(VENV)/.test
	$(PY) -m ruff check clinicsite bench tests build.py
	$(PY) -m ruff format --check clinicsite bench tests build.py
	$(PY) -m mypy
	$(PY) -m pytest

$(VENV)/.runtime: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --editable .
	touch $@

$(VENV)/.test: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --editable '.[test]'
	touch $@ $(VENV)/.runtime

clean:
	rm -rf $(VENV) site .site.* .pytest_cache .mypy_cache .ruff_cache
