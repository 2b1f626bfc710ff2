"""A course chapter is one study session: its length, its set-up and its training are bounded.

Issue 19's budgets, read from the stored notebooks (no execution):

- at most 70 cells and 4,000 words of markdown prose (the Korean 요약 included);
- one line of set-up: no cell installs anything and no cell defines the helpers the package
  provides (the Colab conversion adds its own install cell);
- a chapter trains what it teaches: at least one training cell, tagged ``nbval-ignore-output``
  (its digits differ between CPUs), followed by a hidden cell that asserts the claim;
- the stored run is clean: execution counts in order, no error output, and no stored cell took
  longer than a minute where timings were recorded.
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"
CHAPTERS = ["review", "googlenet", "resnet", "summary", "training"]
TRAINS = ["review", "googlenet", "resnet", "training"]  # the summary compares, it does not train
MAX_CELLS, MAX_WORDS, MAX_CELL_SECONDS = 70, 4000, 60
PAGE_HELPERS = ("on_meta", "weight_layers", "conv_weights", "longest_path")
pytestmark = pytest.mark.repo  # reads the checkout's book/; `make compat` deselects it


def cells(name: str) -> list[dict]:
    return json.loads((BOOK / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def tags(cell: dict) -> set:
    return set(cell.get("metadata", {}).get("tags", []))


def prose_words(text: str) -> int:
    """Words of prose: fenced code, directives' options and comments are not prose."""
    text = re.sub(r"^(```|:::).*$", " ", text, flags=re.M)
    text = re.sub(r"^:\w[\w-]*:.*$", " ", text, flags=re.M)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    return len(re.findall(r"\w+", text))


@pytest.mark.parametrize("name", CHAPTERS)
def test_a_chapter_fits_one_session(name):
    nb = cells(name)
    words = sum(prose_words(source(c)) for c in nb if c["cell_type"] == "markdown")
    assert len(nb) <= MAX_CELLS, f"{name}: {len(nb)} cells (at most {MAX_CELLS})"
    assert words <= MAX_WORDS, f"{name}: {words} words of prose (at most {MAX_WORDS})"


@pytest.mark.parametrize("name", CHAPTERS)
def test_one_line_of_set_up(name):
    code = [source(c) for c in cells(name) if c["cell_type"] == "code"]
    installs = [s.splitlines()[0] for s in code if re.search(r"pip install|%pip|!pip", s)]
    assert not installs, f"{name} installs on the page: {installs}"
    helpers = [h for s in code for h in PAGE_HELPERS if re.search(rf"^def {h}\b", s, re.M)]
    assert not helpers, f"{name} defines {helpers}; they come from cnncourse.analysis"


def test_the_checks_catch_an_install_cell_and_a_long_page(monkeypatch):
    """The two tests above fail on a page that breaks the budgets."""
    fake = [{"cell_type": "code", "source": ["!pip install cnncourse"], "metadata": {}}]
    fake += [{"cell_type": "markdown", "source": ["word " * 50], "metadata": {}}] * 90
    monkeypatch.setattr(f"{__name__}.cells", lambda name: fake)
    with pytest.raises(AssertionError, match="cells"):
        test_a_chapter_fits_one_session("x")
    with pytest.raises(AssertionError, match="installs"):
        test_one_line_of_set_up("x")


def _trains(cell: dict) -> bool:
    return cell["cell_type"] == "code" and re.search(r"\bfit\(|run_experiment\(", source(cell))


@pytest.mark.parametrize("name", TRAINS)
def test_the_chapter_trains_and_asserts_its_claim(name):
    nb = cells(name)
    training = [i for i, c in enumerate(nb) if _trains(c) and not _in_solution(nb, i)]
    assert training, f"{name} trains nothing on the page"
    for i in training:
        assert "nbval-ignore-output" in tags(nb[i]), \
            f"{name} cell {i} trains but its digits are compared by nbval"
    hidden_asserts = [i for i, c in enumerate(nb) if c["cell_type"] == "code"
                      and "remove-input" in tags(c) and re.search(r"^\s*assert ", source(c), re.M)]
    assert any(a > training[0] for a in hidden_asserts), \
        f"{name}: no hidden cell asserts what the training shows"


def _in_solution(nb: list[dict], index: int) -> bool:
    """Whether a cell lies between a solution-start and its solution-end (an exercise's answer)."""
    depth = 0
    for cell in nb[:index]:
        text = source(cell)
        depth += text.count("solution-start") - text.count("solution-end")
    return depth > 0


@pytest.mark.parametrize("name", CHAPTERS)
def test_the_stored_run_is_clean(name):
    code = [c for c in cells(name) if c["cell_type"] == "code"]
    counts = [c.get("execution_count") for c in code]
    assert all(counts) and counts == sorted(counts), f"{name}: not run top to bottom: {counts}"
    errors = [o.get("ename") for c in code for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors, f"{name} stores errors: {errors}"
    slow = []
    for i, c in enumerate(code):
        timing = c.get("metadata", {}).get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if start and end:
            seconds = (datetime.fromisoformat(end.replace("Z", "+00:00"))
                       - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
            if seconds > MAX_CELL_SECONDS:
                slow.append((i, round(seconds)))
    assert not slow, f"{name}: code cells over {MAX_CELL_SECONDS} s in the stored run: {slow}"
