"""Counting multiply-adds with fvcore, the way the papers count them.

The papers' "FLOPs" (ResNet Table 1), "ops" (GoogLeNet Table 1) and "multiply-adds"
all mean one multiply-add = one operation. fvcore's ``FlopCountAnalysis`` uses the same
convention, so its numbers can be set beside the tables directly. fvcore is the package's one
multiply-add counter: the papers' tables (:mod:`.paper_checks`), the assignments' checkers and
the figures all read :func:`count_flops`' totals and per-module counts. (The tests check it
against ``torch.utils.flop_counter``, which counts a multiply and an add as two FLOPs.)

By default only convolutions and fully connected layers are counted (``ops="paper"``):
that is what the papers count. ``ops="fvcore"`` keeps fvcore's own defaults, which add
batch normalisation and adaptive pooling (about 1% more for a ResNet).
"""
from __future__ import annotations

import logging
import warnings
from copy import deepcopy
from dataclasses import dataclass, field

import torch
from torch import nn

from .probing import probe
from .shapes import _shape_of


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


def _with_storage(model: nn.Module) -> nn.Module:
    """``model`` itself, or for a model built on the ``meta`` device an uninitialised copy on the
    CPU: fvcore's trace (``torch.jit``) runs real tensors. The copy is zero-filled because
    uninitialised memory may hold anything, including out-of-range indices (LeNet-5's C3
    gathers its input maps by index) and NaNs."""
    tensors = list(model.parameters()) + list(model.buffers())
    if not any(t.is_meta for t in tensors):
        return model
    copy = deepcopy(model).to_empty(device="cpu")
    with torch.no_grad():
        for t in list(copy.parameters()) + list(copy.buffers()):
            t.zero_()
    return copy


@dataclass
class FlopCount:
    """Multiply-adds of one forward pass, in total and per module (fvcore's analysis kept), and
    the output shape of each of the model's direct children that ran in that pass."""

    total: int
    input_size: tuple[int, ...]
    by_module: dict[str, int] = field(repr=False)
    by_operator: dict[str, int] = field(repr=False)
    analysis: object = field(repr=False)
    shapes: dict[str, tuple[int, ...]] = field(repr=False, default_factory=dict)

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

    A model built on the ``meta`` device (:func:`cnncourse.models.on_meta`) is counted on an
    uninitialised copy with storage, because fvcore's trace runs real tensors: build on
    ``meta`` to skip the weight initialisation, which costs more than the count. The shapes of
    that pass come with the count (``shapes``), so a table of both needs one pass.
    """
    if ops not in ("paper", "fvcore"):
        raise ValueError(f"ops must be 'paper' (convolutions and FC layers) or 'fvcore', got {ops!r}")
    fvnn = _fvcore()
    runnable = _with_storage(model)
    logger = logging.getLogger("fvcore.nn.jit_analysis")
    old_level = logger.level
    try:
        with probe(runnable, input_size) as p, warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # jit tracer warnings about Python control flow
            logger.setLevel(logging.ERROR)
            param = next(runnable.parameters(), None)
            x = p.zeros(device=param.device if param is not None else "cpu")
            shapes: dict[str, tuple[int, ...]] = {}
            for name, module in runnable.named_children():
                p.after(module, lambda m, i, o, name=name: shapes.setdefault(name, _shape_of(o)))
            analysis = fvnn.FlopCountAnalysis(runnable, x)
            analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
            analysis.tracer_warnings("none")
            if ops == "paper":
                analysis.clear_op_handles().set_op_handle(**_paper_handles())
            total = int(analysis.total())
            by_module = {k: int(v) for k, v in analysis.by_module().items()}
            by_operator = {k: int(v) for k, v in analysis.by_operator().items()}
    finally:
        logger.setLevel(old_level)
    return FlopCount(total, p.size, by_module, by_operator, analysis, shapes)
