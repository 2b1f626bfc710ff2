"""Assignment 2, "review the ResNet paper" (ResNet 논문 review): the reading questions and their checker.

Most questions test reading the paper {He et al. 2015}: what the degradation problem is and
is not, what Figure 4 shows, where the ReLU sits, which shortcut option the deeper nets use and
why not C, what Table 2 says at 18 layers, what the 110- and 1202-layer CIFAR nets needed or
showed. They are multiple choice (one letter) or a number read off a table, and their hints
point to a section, figure or table, never to the answer. Three questions ask for code, and
their hints teach a method (count a projection's weights; sum a conv's multiply-adds; let
autograd differentiate). The answers go into one flat dict (``template()`` gives the blank one)::

    answers = {"degradation": "A", ..., "plain34_minus_plain18_top1": 0.42, ...}

and ``check(answers)`` returns a :class:`~cnncourse.exercises._report.Report`.
:data:`QUESTIONS` holds the texts, :data:`OPTIONS` the choices.

Where the answers come from: the numeric answers are computed (parameter counts from the
models built on the ``meta`` device, multiply-adds with :func:`cnncourse.count_flops`; the
table difference from :mod:`cnncourse.papers`; the derivative with autograd). The letters of
the reading questions are what the paper says, so they are stored, with the passage that
settles each, in :data:`_KEY` — read them in :func:`solution` after an attempt.
"""
from __future__ import annotations

import functools
from typing import Any, Optional

import torch

from .. import papers
from ..analysis import count_flops, count_params
from ..models import on_meta
from ._report import NOT_ANSWERED, Choice, Count, Decimal, Question, Report, run_checks
from ._submission import save as _save

__all__ = ["check", "template", "solution", "save", "review_template", "rubric", "QUESTIONS", "OPTIONS",
           "CHECKER_VERSION"]

CHECKER_VERSION = "resnet-2"
ASSIGNMENT = "resnet"
TITLE = "ResNet paper questions (assignment 2)"

# key: (question, hint). The hints point to where the paper answers, never to the answer.
QUESTIONS: dict[str, tuple[str, str]] = {
    "degradation": (
        "What is the degradation problem?",
        "§1 and Figure 1: which error does the figure plot on the left, and which depth is worse there?"),
    "degradation_cause": (
        "Why, according to §4.1, is the 34-layer plain net worse than the 18-layer one?",
        "§4.1, the paragraph on plain networks: what did the authors verify about the forward and "
        "backward signals, and what do they conjecture instead?"),
    "figure4": (
        "What do the ImageNet training curves of Figure 4 show?",
        "Figure 4: thin curves are training error, bold curves validation error; compare 18 with 34 "
        "layers in the left plot (plain) and in the right plot (ResNet)."),
    "relu_position": (
        "In the building block (Figure 2, Eq. 1), where is the block's last ReLU?",
        "Figure 2, and the sentence right after Eq. 1 that mentions the second nonlinearity."),
    "table3_deeper_option": (
        "Table 3 lists ResNet-50, -101 and -152. Which shortcut option do these deeper nets use "
        "where the dimensions increase?",
        "§4.1, 'Deeper Bottleneck Architectures', the paragraph on the 50-layer ResNet."),
    "why_b_not_c": (
        "Why does the paper keep option B rather than C for the deeper nets?",
        "Table 3's ResNet-34 A/B/C rows and the paragraph after them in §4.1 ('Identity vs. "
        "Projection Shortcuts'): what do the authors conclude from the size of the differences?"),
    "table2_18_layers": (
        "What does Table 2 say, and not say, about the 18-layer nets?",
        "Table 2, and the end of the 'Residual Networks' paragraph of §4.1: at 18 layers, does the "
        "final error differ, or something else?"),
    "cifar110_start": (
        "What did the 110-layer CIFAR-10 ResNet need at the start of training?",
        "§4.2, the paragraph on n = 18 (and its footnote)."),
    "cifar1202": (
        "What does the 1202-layer CIFAR-10 net of Table 6 show?",
        "§4.2, 'Exploring Over 1000 layers', together with Table 6."),
    "plain34_minus_plain18_top1": (
        "Table 2: the 34-layer plain net's top-1 error minus the 18-layer plain net's, in "
        "percentage points (two decimals)?",
        "Table 2 (top-1 error, 10-crop testing): take the plain column, 34-layer row minus 18-layer row."),
    "cifar_resnet110_n": (
        "The CIFAR-10 nets of §4.2 have 6n + 2 weighted layers. What is n for the 110-layer net?",
        "§4.2 defines the depth as 6n + 2 (n blocks of two 3×3 convs per stage, three stages, plus the "
        "first conv and the fc layer): solve for n."),
    "resnet34_B_minus_A": (
        "Code: how many more parameters does ResNet-34 have with option B than with option A?",
        "Method: a projection shortcut is a 1×1 conv (C_in·C_out weights, no bias) followed by "
        "BatchNorm (γ and β: 2·C_out). Find in Table 1 where the shape changes and add those "
        "projections up; check your sum by building both nets on the meta device and subtracting "
        "their cnncourse.count_params."),
    "resnet50_v1_gflops": (
        "Code: the multiply-adds of ResNet-50 v1 (stride 2 on the bottleneck's first 1×1) at "
        "224×224, in units of 10⁹, to one decimal?",
        "Method: a conv's multiply-adds are k·k·C_in·C_out × H_out·W_out, a linear layer's its weights; "
        "sum over the whole net (cnncourse.count_flops does that sum). Table 1 rounds, so measure."),
    "dHdx_at_2": (
        "Code: a residual unit H(x) = F(x) + x with F(x) = x³/3. What is dH/dx at x = 2?",
        "Method: dH/dx = dF/dx + d(x)/dx. Differentiate by hand, then confirm with autograd: "
        "x = torch.tensor(2.0, requires_grad=True), build H, call H.backward() and read x.grad."),
}

OPTIONS: dict[str, dict[str, str]] = {
    "degradation": {
        "A": "Deeper plain nets have a higher test error because they overfit the training set.",
        "B": "Deeper plain nets have a higher training error than shallower ones, so it is not "
             "caused by overfitting.",
        "C": "Deeper nets cannot be trained at all: their gradients vanish at initialization.",
        "D": "Deeper nets need more multiply-adds than shallower ones.",
    },
    "degradation_cause": {
        "A": "Vanishing gradients: the backward signal becomes too small to learn from.",
        "B": "Overfitting: the deeper net memorises the training set.",
        "C": "Unlikely to be vanishing gradients (the nets use batch normalization, and the signals "
             "were checked); the authors conjecture slow convergence and leave the cause open.",
        "D": "Too few training iterations for the 34-layer net.",
    },
    "figure4": {
        "A": "Plain-34 has a higher training error than plain-18 during the whole run, while "
             "ResNet-34 has a lower one than ResNet-18.",
        "B": "Plain-34 and ResNet-34 reach the same training error; only validation differs.",
        "C": "ResNet-18 has a higher training error than plain-18 at every epoch.",
        "D": "All four nets end at the same training and validation error.",
    },
    "relu_position": {
        "A": "Inside F only: F(x) + x is passed on without a nonlinearity.",
        "B": "After the addition: the block outputs ReLU(F(x) + x).",
        "C": "On the shortcut: the block outputs F(x) + ReLU(x).",
        "D": "A residual block has no ReLU.",
    },
    "table3_deeper_option": {
        "A": "Option A (zero-padding identity).",
        "B": "Option B (projections only where dimensions increase).",
        "C": "Option C (projections on every shortcut).",
        "D": "No shortcut where the dimensions increase.",
    },
    "why_b_not_c": {
        "A": "C has the highest error of the three options in Table 3.",
        "B": "A, B and C differ only a little, so projections are not essential for the degradation "
             "problem; C's extra parameters, memory and time are not worth it.",
        "C": "C cannot be combined with bottleneck blocks.",
        "D": "C turns the residual net back into a plain net.",
    },
    "table2_18_layers": {
        "A": "ResNet-18 is far more accurate than plain-18.",
        "B": "The two end at about the same error; the ResNet converges faster early in training.",
        "C": "ResNet-18 has fewer parameters than plain-18.",
        "D": "Plain-18 already suffers from the degradation problem.",
    },
    "cifar110_start": {
        "A": "Dropout and maxout.",
        "B": "A warm-up: a learning rate of 0.01 until the training error is below 80% (about 400 "
             "iterations), then back to 0.1.",
        "C": "Pre-training a shallower net and copying its weights.",
        "D": "Option C shortcuts instead of option A.",
    },
    "cifar1202": {
        "A": "Its training error is as low as the 110-layer net's, but its test error is higher; the "
             "paper suspects overfitting.",
        "B": "It cannot be trained: its training error stays high, like a deep plain net's.",
        "C": "It is the most accurate net of Table 6.",
        "D": "It has as many parameters as the 110-layer net.",
    },
}

# The reading questions' letters, with the passage that settles each (shown by solution()).
_KEY: dict[str, tuple[str, str]] = {
    "degradation": ("B", "§1/Figure 1: the deeper plain net has the higher *training* error, which "
                         "overfitting cannot explain."),
    "degradation_cause": ("C", "§4.1: BN keeps forward signals' variances non-zero and backward gradients "
                               "healthy, so vanishing gradients are 'unlikely'; the authors conjecture "
                               "exponentially low convergence rates and leave the reason to future study."),
    "figure4": ("A", "Figure 4: left, plain-34 above plain-18 throughout training; right, ResNet-34 below "
                     "ResNet-18."),
    "relu_position": ("B", "Figure 2 / Eq. 1: 'we adopt the second nonlinearity after the addition'."),
    "table3_deeper_option": ("B", "§4.1: the 50/101/152-layer nets use option B for increasing dimensions."),
    "why_b_not_c": ("B", "§4.1: the small differences among A/B/C show projections are not essential; "
                         "C is not used to reduce memory/time complexity and model size."),
    "table2_18_layers": ("B", "Table 2: 27.94% vs 27.88%; §4.1: the ResNet 'eases the optimization by "
                              "providing faster convergence at the early stage'."),
    "cifar110_start": ("B", "§4.2: lr 0.01 to warm up until the training error is below 80% (about 400 "
                            "iterations), then 0.1."),
    "cifar1202": ("A", "§4.2: similar training error to the 110-layer net, test error 7.93% vs 6.43%; the "
                       "authors argue overfitting on a small data set, without maxout or dropout."),
}

_EXAMPLE = "{'degradation': 'A'}"


# ------------------------------------------------------------------------------ computed answers

def compute_facts() -> dict:
    """The numbers the code questions are checked against, from the models built on ``meta``
    and :func:`cnncourse.count_flops` (computed when a check first needs them)."""
    return {
        "resnet34_A_params": count_params(on_meta("resnet34", shortcut="A")),
        "resnet34_B_params": count_params(on_meta("resnet34", shortcut="B")),
        "resnet50_v1_macs": count_flops(on_meta("resnet50", variant="v1")).total,
        "cifar_resnet110_n": len(on_meta("resnet110").layer1),
    }


@functools.cache
def _facts() -> dict:
    return compute_facts()


def _dHdx_at_2() -> float:
    x = torch.tensor(2.0, requires_grad=True)
    h = x ** 3 / 3 + x  # H(x) = F(x) + x
    (grad,) = torch.autograd.grad(h, x)
    return float(grad)


def _table2_difference() -> float:
    top1 = papers.RESNET_TABLE2_TOP1
    return round(top1[34]["plain"] - top1[18]["plain"], 2)


_EXPECTED = {
    **{key: (lambda k=key: _KEY[k][0]) for key in _KEY},
    "plain34_minus_plain18_top1": _table2_difference,
    "cifar_resnet110_n": lambda: _facts()["cifar_resnet110_n"],
    "resnet34_B_minus_A": lambda: _facts()["resnet34_B_params"] - _facts()["resnet34_A_params"],
    "resnet50_v1_gflops": lambda: _facts()["resnet50_v1_macs"] / 1e9,
    "dHdx_at_2": _dHdx_at_2,
}

_KINDS = {
    **{key: Choice(OPTIONS[key]) for key in OPTIONS},
    "plain34_minus_plain18_top1": Decimal(0.005, "a difference in percentage points"),
    "cifar_resnet110_n": Count(0, "a number of blocks per stage", floats=False),
    "resnet34_B_minus_A": Count(0, "a parameter difference", allow_zero=True, floats=False),
    "resnet50_v1_gflops": Decimal(0.05, "GFLOPs (multiply-adds ÷ 10⁹)"),
    "dHdx_at_2": Decimal(0.001, "a derivative"),
}

_QUESTIONS: Optional[tuple[Question, ...]] = None


def questions() -> tuple[Question, ...]:
    """Every checked item, in the order of :data:`QUESTIONS`."""
    global _QUESTIONS
    if _QUESTIONS is None:
        _QUESTIONS = tuple(Question((key,), _KINDS[key], _EXPECTED[key], hint)
                           for key, (_, hint) in QUESTIONS.items())
    return _QUESTIONS


def template() -> dict:
    """The blank answer dict: every question present, every value ``None`` ("not answered")."""
    return {key: None for key in QUESTIONS}


_attempted: set[str] = set()


def check(answers: Any) -> Report:
    """Check assignment 2's answers; returns a report (print it, or show it in a notebook).

    Never raises because of the answers: wrong forms, unknown keys and a non-dict are
    reported with a message naming the item and the form expected.
    """
    report = run_checks(TITLE, list(questions()), answers, _EXAMPLE)
    _attempted.update(r.item for r in report.results if r.status != NOT_ANSWERED)
    return report


def save(answers: Any, path, student: str):
    """Write ``answers`` to ``path`` as a submission file (JSON) for ``cnncourse grade resnet``."""
    return _save(ASSIGNMENT, CHECKER_VERSION, answers, path, student)


class Text(str):
    """A string that shows as plain text when it is the last value of a notebook cell."""

    def __repr__(self) -> str:
        return str(self)


def solution(key: str) -> Text:
    """The answer to question ``key`` and where the paper (or the code) settles it — shown only
    after an attempt at that question has been checked with :func:`check` in this session."""
    if key not in QUESTIONS:
        raise ValueError(f"key must be one of the question keys ({', '.join(QUESTIONS)}); got {key!r}")
    if key not in _attempted:
        return Text(f"Try first: answer {key!r} and run hw.check(answers); then hw.solution({key!r}) "
                    "shows the answer and where it comes from.")
    if key in _KEY:
        letter, why = _KEY[key]
        return Text(f"{key}: {letter} — {OPTIONS[key][letter]}\n{why}")
    value = _EXPECTED[key]()
    how = {
        "plain34_minus_plain18_top1": "Table 2, plain column: 34-layer row minus 18-layer row.",
        "cifar_resnet110_n": "6n + 2 = 110.",
        "resnet34_B_minus_A": "three projections (conv3_1, conv4_1, conv5_1): 1×1 conv weights + BN γ, β.",
        "resnet50_v1_gflops": "every conv's weights × output H·W, plus the fc layer (Table 1 prints 3.8).",
        "dHdx_at_2": "dF/dx = x² = 4, plus 1 from the shortcut.",
    }[key]
    shown = f"{value:,}" if isinstance(value, int) else f"{value:.4g}"
    return Text(f"{key}: {shown} — {how}")


class Markdown(str):
    """A string that a notebook renders as Markdown when it is the last value of a cell."""

    def _repr_markdown_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return str(self)


def _package_text(name: str) -> str:
    from importlib import resources

    return (resources.files(__package__) / name).read_text(encoding="utf-8")


def rubric() -> Markdown:
    """Part 2's marking rubric (100 points, the criteria and the deductions), as Markdown."""
    return Markdown(_package_text("resnet_review_rubric.md"))


def review_template(path=None):
    """Part 2's template, the review's eight sections and what each must answer.

    Without ``path``, the template as Markdown (shown in a notebook). With ``path``, the template
    is written there to be filled in, and the path returned; an existing file is never
    overwritten, so a review in progress cannot be lost by running the cell again.
    """
    from pathlib import Path

    text = _package_text("resnet_review_template.md")
    if path is None:
        return Markdown(text)
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} exists already (your review?); the template is only written "
                              "to a new file: give another path, or delete or rename that file")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def questions_and_answers() -> dict[str, Any]:
    """{key: the correct answer} for every question (for the teacher's tools and the tests)."""
    return {key: _EXPECTED[key]() for key in QUESTIONS}
