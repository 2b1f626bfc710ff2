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

book: $(STAMP)
	$(BIN)/jupyter-book build . --path-output . --warningiserror --nitpick --keep-going
	@echo "Book built: _build/html/index.html"

test: $(STAMP)
	$(BIN)/python -m pytest tests

benchmark: $(STAMP)
	$(BIN)/python benchmarks/models.py

clean:
	rm -rf _build
