# Two commands do everything on a fresh machine: `make book` and `make test`.
# Both create .venv from requirements.txt on first use and install cnncourse into it (editable).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book test venv clean benchmark system test-isa lab

venv: $(STAMP)

# Debian packages the tests and the training chapter need, installed when missing (root + apt):
# the browser for the built-book test, a Hangul font for its screenshots, and Fashion-MNIST
# (the four original files under /usr/share/datasets/fashion-mnist, 30 MB).
DEBS := chromium chromium-driver fonts-nanum dataset-fashion-mnist
system:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
	    echo "error: need root and apt-get to install:$$missing (install them, then rerun)"; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

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

# What Colab opens: book/'s notebooks as plain Jupyter markdown in colab/ (committed; the book's
# Colab buttons point there). The book build writes them into _build/colab/ from its resolved
# doctrees (book/_ext/colab_notebooks.py); this copies them. Run after changing a notebook:
# tests/test_colab.py fails while colab/ differs from what the build writes.
.PHONY: colab
colab: book
	rm -rf colab
	cp -r _build/colab colab

# The chapters as notebooks to run and change on this machine: JupyterLab (installed into .venv on
# first use) opened on notebooks/, a working copy of colab/ (plain Jupyter markdown: book/ holds
# MyST, which JupyterLab shows raw). Copies are made once; your edits there are never overwritten
# (delete a file to get a fresh copy). LAB_ARGS=--no-browser on a remote machine.
LAB_DIR := notebooks
lab: $(STAMP)
	@$(BIN)/python -c "import jupyterlab" 2>/dev/null || $(BIN)/python -m pip install -qq "jupyterlab>=4,<5"
	@mkdir -p $(LAB_DIR)
	@cp -rn colab/. $(LAB_DIR)/
	@echo "Opening JupyterLab on $(LAB_DIR)/ (start with review.ipynb; assignments/ holds the workbooks)"
	$(BIN)/jupyter lab --notebook-dir=$(LAB_DIR) $(LAB_ARGS)

# Unit tests and the strict nbval re-run of every notebook, in one pytest session.
test: $(STAMP) system
	$(BIN)/python -m pytest tests book --nbval

# The notebooks whose numbers come from training, re-run under another CPU instruction set than
# this machine's (the baseline kernels: no AVX2, AVX-512 or AMX): a stored output that holds only on the author's CPU fails.
ISA_NOTEBOOKS := book/review.ipynb book/googlenet.ipynb book/resnet.ipynb book/training.ipynb
test-isa: $(STAMP) system
	ATEN_CPU_CAPABILITY=default ONEDNN_MAX_CPU_ISA=SSE41 $(BIN)/python -m pytest --nbval $(ISA_NOTEBOOKS) -p no:cacheprovider

benchmark: $(STAMP)
	$(BIN)/python benchmarks/models.py

# The version floors in pyproject.toml, checked for real (scripts/compat.py): fresh venvs outside
# the repository with the floor torch/torchvision pair and the newest pair on the package index,
# cnncourse installed from its wheel, the unit tests run against that copy. Downloads a few GB of
# CUDA wheels and takes ~30 min a pair on 2 cores: not part of `test`. More: make compat COMPAT_ARGS=--help
.PHONY: compat
compat:
	$(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON)) scripts/compat.py $(COMPAT_ARGS)

clean:
	rm -rf _build
