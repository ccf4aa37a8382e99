# Bootstraps a virtual environment, then hands over to tasks.py (invoke).
#   make build   set everything up and build the blog into output/
#   make test    set everything up and run every test
# The other tasks are passed to invoke too: make serve, make clean, make publish, ...
PYTHON ?= python3
VENV   := .venv
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock 2>/dev/null | cksum | cut -d' ' -f1)

.DEFAULT_GOAL := build

$(STAMP): pyproject.toml requirements.lock
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade "pip>=24"
	$(VENV)/bin/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

TASKS := build rebuild clean serve livereload publish syndicate webmention backfeed websub push-records test browser validators lock

$(TASKS): $(STAMP)
	$(VENV)/bin/invoke $@

.PHONY: venv $(TASKS)
