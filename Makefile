# Two commands do everything on a fresh machine: `make book` and `make test`.
# Both create .venv from requirements.txt on first use and install cnncourse into it (editable).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book book-teacher test venv clean benchmark system test-isa lab

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
# Both editions, from the same notebooks (scripts/build_book.py: Jupyter Book's own build function
# with the options its CLI cannot pass): English into _build/html/, Korean into
# _build/html/ko/ with the translations of locale/ko/ (strict too: a warning fails the build).
book: $(STAMP)
	rm -rf _build
	$(BIN)/python scripts/build_book.py
	@echo "Book built: _build/html/index.html (English), _build/html/ko/index.html (Korean)"

# The teacher's edition: the student edition plus book/teacher/ (the teacher's guide, the answer
# keys, the example review), from _toc.yml with book/teacher/toc.yml's part added, strict like
# `make book` (scripts/build_teacher.py), in both editions from the same catalogs: English into
# _build/teacher/html, Korean into _build/teacher/html/ko (run it after `make book`, which empties
# _build/); keep it away from students until the deadline. `make book` never builds these pages.
TEACHER := _build/teacher
book-teacher: $(STAMP)
	$(BIN)/python scripts/build_teacher.py
	@echo "Teacher's edition built: $(TEACHER)/html/index.html (English), $(TEACHER)/html/ko/index.html (Korean)"

# What Colab opens: book/'s notebooks as plain Jupyter markdown in colab/ (committed; the book's
# Colab buttons point there), the Korean edition's in colab/ko/, and the teacher's pages in
# colab-teacher/ (Korean: colab-teacher/ko/). The builds write them into _build/colab/ and _build/teacher/colab-teacher/ from
# their resolved doctrees (book/_ext/colab_notebooks.py); this copies them. Run after changing a
# notebook or a translation: tests/test_colab.py and tests/test_i18n.py fail while colab/ or
# colab-teacher/ differs from what the builds write.
.PHONY: colab
colab: book book-teacher
	rm -rf colab colab-teacher
	cp -r _build/colab colab
	cp -r $(TEACHER)/colab-teacher colab-teacher

# The Korean edition's catalogs brought up to date with the English source: the pages' messages
# (Sphinx's gettext builder, over the teacher's edition: every page of both) into
# locale/ko/LC_MESSAGES/<page>.po (the teacher's: book/teacher/<page>.po), the Colab writer's into
# book/_ext/locales/ko/ (sphinx-intl: new messages empty, changed ones fuzzy). Translators fill
# in the msgstr lines; `make translation-status` says what is left (README, "Korean edition").
.PHONY: locale translation-status
locale: $(STAMP)
	$(BIN)/python scripts/build_book.py locale

translation-status: $(STAMP)
	$(BIN)/python scripts/translation.py $(foreach d,_build/html/ko _build/teacher/html/ko,$(if $(wildcard $(d)/index.html),--html $(d)))

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
# this machine's (the baseline kernels: no AVX2, AVX-512 or AMX): a claim that holds only on the
# author's CPU fails. The two with the narrowest margins (calibrated over seeds and both kernel
# sets: review 1.1 points, training 1.7), to keep CI's whole run well under 15 minutes; the
# GoogLeNet page's claim held by 3.4 points or more and the ResNet page's by 9.5 in every
# calibration run, baseline kernels included (each re-run adds one to two minutes).
ISA_NOTEBOOKS := book/review.ipynb book/training.ipynb
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
