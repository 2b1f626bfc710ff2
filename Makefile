# Two commands do everything on a fresh machine: `make book` and `make test`.
# Both create .venv from requirements.txt on first use and install cnncourse into it (editable).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book test venv clean benchmark

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq -r requirements.txt
	$(BIN)/python -m pip install -qq --no-deps -e .
	$(BIN)/python -c "import torch, torchvision, fvcore, jupyter_book, cnncourse"
	touch $(STAMP)

# A clean build each time: Sphinx's cached environment goes stale when _toc.yml changes, and
# the notebooks are not executed (their stored outputs are shown), so it takes a minute.
book: $(STAMP)
	rm -rf _build
	$(BIN)/jupyter-book build . --path-output . --warningiserror --nitpick --keep-going
	@echo "Book built: _build/html/index.html"

# Unit tests and the strict nbval re-run of every notebook, in one pytest session.
test: $(STAMP)
	$(BIN)/python -m pytest tests book --nbval

benchmark: $(STAMP)
	$(BIN)/python benchmarks/models.py

clean:
	rm -rf _build
