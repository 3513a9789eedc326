# Two commands set everything up on a fresh machine (see README):
#   make site   installs what the build needs and builds content/ into site/
#   make test   installs what the tests need and runs the whole suite (lint, types, tests)
# The page tests also need Debian's chromium, java, npm and poppler-utils (installed with apt-get when
# missing) and the npm packages in package-lock.json (the Nu Html Checker and axe-core).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# apt-get needs root: use sudo only when we are not root already.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: site test check serve clean system-tools

site: $(VENV)/.runtime
	$(PY) build.py build

check: $(VENV)/.runtime
	$(PY) build.py check

serve: $(VENV)/.runtime
	$(PY) build.py serve

test: $(VENV)/.test node_modules/.installed system-tools
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

# Each command is looked up every run (instant when present); apt-get runs only for what is missing.
system-tools:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	fi

# --ignore-scripts: vnu-jar's postinstall would download a Java runtime; we use the system's.
node_modules/.installed: package.json package-lock.json | system-tools
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

clean:
	rm -rf $(VENV) site .site.* .pytest_cache .mypy_cache .ruff_cache node_modules .artifacts
