"""Counting parameters."""
from __future__ import annotations

from torch import nn


def count_params(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of (trainable) parameters; fixed buffers such as LeNet's RBF codes are not counted."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def params_by_module(model: nn.Module, depth: int = 1) -> dict[str, int]:
    """Parameters of each sub-module ``depth`` levels down (e.g. depth 1: ``layer1``, ``fc``)."""
    out: dict[str, int] = {}
    for name, module in model.named_modules():
        if name and name.count(".") == depth - 1:
            out[name] = count_params(module)
    return out
