"""Assignment 2, "review the ResNet paper" (ResNet 논문 review): checks for the numeric questions.

The review's questions are answered in one flat dict (``template()`` gives the blank one)::

    answers = {
        "resnet18_A_params": 11_689_512,        # parameters of ResNet-18 with option-A shortcuts
        "resnet50_v1_gflops": 3.9,              # multiply-adds of ResNet-50 v1, in G, one decimal
        "zero_cost_option": "A",                # a letter
        ...
    }

and ``check(answers)`` returns a :class:`~cnncourse.exercises._report.Report`, the same
report as assignment 1's. :data:`QUESTIONS` holds the question texts. Every correct answer
is computed from the package when it is needed (parameter counts on the meta device, FLOPs
with :func:`cnncourse.count_flops`, blocks and layers from the built models, a derivative
with autograd); only the hints are written by hand.

Tolerances: parameter counts within ±0.5% (so "0.85M" passes for ResNet-56, as Table 6
prints it), parameter *differences*, blocks and layers exact, GFLOPs within ±0.05 (one
decimal), the derivative within ±0.001.
"""
from __future__ import annotations

import functools
from typing import Any

import torch
from torch import nn

from ..analysis import count_flops, count_params
from ..models import get_model
from ._report import Choice, Count, Decimal, Question, Report, run_checks

__all__ = ["check", "template", "QUESTIONS"]

# key: (question, hint). The hints point at the reasoning and never state the answer.
QUESTIONS: dict[str, tuple[str, str]] = {
    "resnet18_A_params": (
        "How many parameters does ResNet-18 with option-A shortcuts have (BatchNorm and fc included)?",
        "Build cnncourse.get_model('resnet18', shortcut='A') and count with cnncourse.count_params; "
        "BatchNorm's γ and β and the fc layer's weights and biases count too."),
    "plain18_params": (
        "How many parameters does the 18-layer plain net have?",
        "cnncourse.get_model('plain18'): the same convs as ResNet-18 without the shortcuts; count every "
        "parameter, BatchNorm and fc included."),
    "resnet34_A_minus_plain34": (
        "ResNet-34 (option A) minus plain-34: how many more parameters?",
        "Count both nets. An option-A shortcut is an identity, or a subsampled identity padded with zero "
        "channels: what weights does that hold?"),
    "resnet34_B_minus_A": (
        "ResNet-34: parameters with option B minus parameters with option A?",
        "Option B adds a projection (1×1 conv, stride 2, + BatchNorm) only where the shape changes: the "
        "first block of conv3_x, conv4_x and conv5_x. Count their conv weights and BN's γ and β."),
    "resnet34_C_minus_A": (
        "ResNet-34: parameters with option C minus parameters with option A?",
        "Option C puts a projection (1×1 conv + BatchNorm) on every block's shortcut, not only where the "
        "shape changes; add up those convs' weights and BN's γ and β over all blocks."),
    "zero_cost_option": (
        "Which shortcut option ('A', 'B' or 'C') gives ResNet-34 exactly plain-34's parameter count?",
        "Which option's shortcuts hold no weights at all? Check: count_params of each option vs plain34."),
    "resnet18_gflops": (
        "Multiply-adds of ResNet-18 at 224×224, in units of 10⁹, to one decimal?",
        "count_flops(get_model('resnet18'), (3, 224, 224)).giga, rounded to one decimal; FLOPs here are "
        "multiply-adds of the convs and the fc layer, as Table 1 counts them."),
    "resnet50_v1_gflops": (
        "Multiply-adds of ResNet-50 v1 (stride on the bottleneck's first 1×1) at 224×224, in G, one decimal?",
        "Measure, do not copy the table: count_flops(get_model('resnet50', variant='v1'), (3, 224, 224)).giga, "
        "rounded to one decimal."),
    "resnet50_v15_gflops": (
        "Multiply-adds of ResNet-50 v1.5 (torchvision's layout) at 224×224, in G, one decimal?",
        "variant='v1.5' moves the stride 2 from the first 1×1 to the 3×3, so the 3×3 of each "
        "downsampling block runs on the larger map; measure with count_flops and round to one decimal."),
    "resnet152_conv4_blocks": (
        "How many bottleneck blocks are in ResNet-152's conv4_x stage?",
        "Table 1's 152-layer column, row conv4_x: the ×N multiplier (in the package: len(model.layer3))."),
    "resnet152_conv4_layers": (
        "How many weighted layers (convolutions, shortcut projections not counted) are in ResNet-152's conv4_x?",
        "Each bottleneck block has three convs (1×1, 3×3, 1×1); the depth in the name does not count the "
        "projection shortcuts. Multiply by the number of blocks."),
    "cifar_resnet56_params": (
        "How many parameters does the CIFAR-10 ResNet-56 have (Table 6)?",
        "cnncourse.get_model('resnet56') is the CIFAR net (6n+2 layers, 16/32/64 filters, option A); "
        "count_params counts BatchNorm and fc too. An answer within 0.5% passes."),
    "cifar_resnet110_n": (
        "The CIFAR ResNet-110: how many blocks per stage (n)?",
        "A CIFAR ResNet has 6n + 2 weighted layers: solve for n."),
    "dHdx_at_2": (
        "A residual unit H(x) = F(x) + x with F(x) = x³/3: what is dH/dx at x = 2?",
        "dH/dx = dF/dx + 1: differentiate F, evaluate at x = 2 — or let autograd do it "
        "(x = torch.tensor(2.0, requires_grad=True))."),
}

_EXAMPLE = "{'resnet18_A_params': 11_000_000}"


def _meta(name: str, **options) -> nn.Module:
    with torch.device("meta"):
        return get_model(name, **options)


@functools.lru_cache(maxsize=None)
def _params(name: str, shortcut: str | None = None) -> int:
    return count_params(_meta(name, **({"shortcut": shortcut} if shortcut else {})))


@functools.lru_cache(maxsize=None)
def _gflops(name: str, variant: str = "v1") -> float:
    with torch.random.fork_rng():
        return count_flops(get_model(name, variant=variant), (3, 224, 224)).giga


@functools.lru_cache(maxsize=None)
def _conv4(what: str) -> int:
    stage = _meta("resnet152").layer3
    if what == "blocks":
        return len(stage)
    return sum(isinstance(m, nn.Conv2d) for block in stage for name, m in block.named_children()
               if name.startswith("conv"))


@functools.lru_cache(maxsize=None)
def _cifar_n(depth: int) -> int:
    return len(_meta(f"resnet{depth}").layer1)


def _zero_cost_option() -> str:
    plain = _params("plain34")
    same = [option for option in "ABC" if _params("resnet34", option) == plain]
    return same[0] if same else "?"


def _dHdx_at_2() -> float:
    x = torch.tensor(2.0, requires_grad=True)
    h = x ** 3 / 3 + x  # H(x) = F(x) + x
    (grad,) = torch.autograd.grad(h, x)
    return float(grad)


_EXPECTED = {
    "resnet18_A_params": lambda: _params("resnet18", "A"),
    "plain18_params": lambda: _params("plain18"),
    "resnet34_A_minus_plain34": lambda: _params("resnet34", "A") - _params("plain34"),
    "resnet34_B_minus_A": lambda: _params("resnet34", "B") - _params("resnet34", "A"),
    "resnet34_C_minus_A": lambda: _params("resnet34", "C") - _params("resnet34", "A"),
    "zero_cost_option": _zero_cost_option,
    "resnet18_gflops": lambda: _gflops("resnet18"),
    "resnet50_v1_gflops": lambda: _gflops("resnet50", "v1"),
    "resnet50_v15_gflops": lambda: _gflops("resnet50", "v1.5"),
    "resnet152_conv4_blocks": lambda: _conv4("blocks"),
    "resnet152_conv4_layers": lambda: _conv4("layers"),
    "cifar_resnet56_params": lambda: _params("resnet56"),
    "cifar_resnet110_n": lambda: _cifar_n(110),
    "dHdx_at_2": _dHdx_at_2,
}

_KINDS = {
    "resnet18_A_params": Count(0.005, "a parameter count"),
    "plain18_params": Count(0.005, "a parameter count"),
    "resnet34_A_minus_plain34": Count(0, "a parameter difference", allow_zero=True, floats=False),
    "resnet34_B_minus_A": Count(0, "a parameter difference", allow_zero=True, floats=False),
    "resnet34_C_minus_A": Count(0, "a parameter difference", allow_zero=True, floats=False),
    "zero_cost_option": Choice({"A": "option A", "B": "option B", "C": "option C"}),
    "resnet18_gflops": Decimal(0.05, "GFLOPs (multiply-adds ÷ 10⁹)"),
    "resnet50_v1_gflops": Decimal(0.05, "GFLOPs (multiply-adds ÷ 10⁹)"),
    "resnet50_v15_gflops": Decimal(0.05, "GFLOPs (multiply-adds ÷ 10⁹)"),
    "resnet152_conv4_blocks": Count(0, "a number of blocks", floats=False),
    "resnet152_conv4_layers": Count(0, "a number of layers", floats=False),
    "cifar_resnet56_params": Count(0.005, "a parameter count"),
    "cifar_resnet110_n": Count(0, "a number of blocks per stage", floats=False),
    "dHdx_at_2": Decimal(0.001, "a derivative"),
}


@functools.lru_cache(maxsize=1)
def questions() -> tuple[Question, ...]:
    """Every checked item, in the order of :data:`QUESTIONS`."""
    return tuple(Question((key,), _KINDS[key], _EXPECTED[key], hint) for key, (_, hint) in QUESTIONS.items())


def template() -> dict:
    """The blank answer dict: every question present, every value ``None`` ("not answered")."""
    return {key: None for key in QUESTIONS}


def check(answers: Any) -> Report:
    """Check assignment 2's numeric answers; returns a report (print it, or show it in a notebook).

    Never raises because of the answers: wrong forms, unknown keys and a non-dict are
    reported with a message naming the item and the form expected.
    """
    return run_checks("ResNet review questions (assignment 2)", list(questions()), answers, _EXAMPLE)
