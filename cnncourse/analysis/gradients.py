"""Gradients at initialization: how their size changes with depth (the degradation discussion)."""
from __future__ import annotations

import torch.nn.functional as F
from torch import nn


def conv_grad_norms(model: nn.Module, x, target) -> list[float]:
    """‖∂loss/∂W‖ of every convolution's weight after one cross-entropy backward pass on (x, target).

    The norms come in module order, which for the plain and residual nets is the order the layers
    run; projection shortcuts (``downsample``) are left out so that a ResNet and its plain twin give
    lists of the same length. The model runs in whatever mode it is in (in training mode BatchNorm
    uses the batch statistics, as during training); earlier gradients are discarded first.
    """
    model.zero_grad(set_to_none=True)
    F.cross_entropy(model(x), target).backward()
    return [m.weight.grad.norm().item() for name, m in model.named_modules()
            if isinstance(m, nn.Conv2d) and "downsample" not in name]
