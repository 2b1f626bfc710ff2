"""Counting multiply-adds with fvcore, the way the papers count them.

The papers' "FLOPs" (ResNet Table 1), "ops" (GoogLeNet Table 1) and "multiply-adds"
all mean one multiply-add = one operation. fvcore's ``FlopCountAnalysis`` uses the same
convention, so its numbers can be set beside the tables directly. (``torch.utils.
flop_counter`` counts a multiply and an add as two FLOPs; a test checks the factor.)

By default only convolutions and fully connected layers are counted (``ops="paper"``):
that is what the papers count. ``ops="fvcore"`` keeps fvcore's own defaults, which add
batch normalisation and adaptive pooling (about 1% more for a ResNet).
"""
from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field

import torch
from torch import nn



def _paper_handles() -> dict:
    """fvcore's handles for the ops the papers count: convolutions and matrix products.

    (fvcore's default set adds normalisation, pooling and upsampling. Its documented way
    to drop one, ``set_op_handle(op, None)``, has no effect in fvcore 0.1.5 for an op that
    already has a handle, so the paper set is built from scratch instead.)
    """
    from fvcore.nn import jit_handles as h

    return {"aten::addmm": h.addmm_flop_jit, "aten::bmm": h.bmm_flop_jit,
            "aten::_convolution": h.conv_flop_jit, "aten::einsum": h.einsum_flop_jit,
            "aten::matmul": h.matmul_flop_jit, "aten::mm": h.matmul_flop_jit,
            "aten::linear": h.linear_flop_jit}


def _fvcore():
    """Import fvcore quietly: importing it triggers torch's TorchScript deprecation warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import fvcore.nn as fvnn
    return fvnn


def resolve_input_size(model: nn.Module, input_size=None) -> tuple[int, ...]:
    """(N, C, H, W) from ``input_size`` given as (C, H, W), (N, C, H, W) or None (the model's native size)."""
    if input_size is None:
        spec = getattr(model, "input_spec", None)
        if spec is None:
            raise ValueError("input_size is needed for this model, as (C, H, W), e.g. (3, 224, 224)")
        from ..models import model_info

        try:
            input_size = model_info(spec.name).input_size
        except ValueError:
            if spec.size is None:
                raise ValueError(f"input_size is needed for {spec.name}, as (C, H, W)") from None
            input_size = (spec.channels, *spec.size)
        input_size = (spec.channels, *input_size[1:])
    size = tuple(int(s) for s in input_size)
    if len(size) == 3:
        size = (1, *size)
    if len(size) != 4 or min(size) < 1:
        raise ValueError(f"input_size must be (C, H, W) or (N, C, H, W) of positive integers, "
                         f"got {input_size!r}")
    return size


def _example_input(model: nn.Module, size) -> torch.Tensor:
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    dtype = param.dtype if param is not None else torch.float32
    return torch.zeros(size, device=device, dtype=dtype)


@dataclass
class FlopCount:
    """Multiply-adds of one forward pass, in total and per module (fvcore's analysis kept)."""

    total: int
    input_size: tuple[int, ...]
    by_module: dict[str, int] = field(repr=False)
    by_operator: dict[str, int] = field(repr=False)
    analysis: object = field(repr=False)

    def __int__(self):
        return self.total

    @property
    def giga(self) -> float:
        """Total in units of 10⁹ multiply-adds, as ResNet's Table 1 prints them."""
        return self.total / 1e9

    def table(self, max_depth: int = 2) -> str:
        """fvcore's per-module table (``flop_count_table``) with parameter counts."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _fvcore().flop_count_table(self.analysis, max_depth=max_depth)


def count_flops(model: nn.Module, input_size=None, *, ops: str = "paper") -> FlopCount:
    """Multiply-adds of ``model`` on one input of ``input_size`` (default: the model's native size).

    The model is analysed in evaluation mode (so GoogLeNet's auxiliary classifiers, which
    the paper discards at inference, are not counted) and its mode is restored afterwards.
    fvcore's messages about operators it does not count (ReLU, max-pool, additions) are
    silenced: they are expected and the papers do not count them either.
    """
    if ops not in ("paper", "fvcore"):
        raise ValueError(f"ops must be 'paper' (convolutions and FC layers) or 'fvcore', got {ops!r}")
    size = resolve_input_size(model, input_size)
    fvnn = _fvcore()
    was_training = model.training
    model.eval()
    logger = logging.getLogger("fvcore.nn.jit_analysis")
    old_level = logger.level
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # jit tracer warnings about Python control flow
            logger.setLevel(logging.ERROR)
            analysis = fvnn.FlopCountAnalysis(model, _example_input(model, size))
            analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
            analysis.tracer_warnings("none")
            if ops == "paper":
                analysis.clear_op_handles().set_op_handle(**_paper_handles())
            total = int(analysis.total())
            by_module = {k: int(v) for k, v in analysis.by_module().items()}
            by_operator = {k: int(v) for k, v in analysis.by_operator().items()}
    finally:
        logger.setLevel(old_level)
        model.train(was_training)
    return FlopCount(total, size, by_module, by_operator, analysis)


def count_flops_torch(model: nn.Module, input_size=None) -> int:
    """FLOPs as ``torch.utils.flop_counter`` counts them (2 per multiply-add), for cross-checks."""
    from torch.utils.flop_counter import FlopCounterMode

    size = resolve_input_size(model, input_size)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model(_example_input(model, size))
    finally:
        model.train(was_training)
    return int(counter.get_total_flops())
