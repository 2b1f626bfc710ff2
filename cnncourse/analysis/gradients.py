"""Gradients at initialization: how their size changes with depth (the degradation discussion).

Two numbers per convolution after one backward pass: the gradient norm ‖∂loss/∂W‖, and the
*relative* gradient ‖∂loss/∂W‖ / ‖W‖. The second is what a learning rate acts on: one SGD step
changes W by lr·∂loss/∂W, so lr·‖∂loss/∂W‖/‖W‖ is the fraction by which the step moves the
layer's weights. If that fraction differs by orders of magnitude between layers, no single
learning rate suits them all: one that moves the slowest layer moves the fastest one by far
more than its own size.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class LayerGradient:
    """One convolution's weight after a backward pass: its name and the two norms."""

    name: str
    grad_norm: float    # ‖∂loss/∂W‖ (Frobenius norm over the whole kernel tensor)
    weight_norm: float  # ‖W‖

    @property
    def relative(self) -> float:
        """‖∂loss/∂W‖ / ‖W‖: the fraction a step of learning rate 1 would move the weights."""
        return self.grad_norm / self.weight_norm


def _check_batch(x, target) -> None:
    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        got = f"shape {tuple(x.shape)}" if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"x must be a batch of images, a tensor N×C×H×W, got {got}")
    if not isinstance(target, torch.Tensor) or target.dim() != 1 or target.dtype != torch.long:
        got = (f"shape {tuple(target.shape)}, dtype {target.dtype}" if isinstance(target, torch.Tensor)
               else type(target).__name__)
        raise ValueError(f"target must be a 1-d tensor of class indices (torch.long), got {got}")
    if len(target) != len(x):
        raise ValueError(f"x holds {len(x)} images but target {len(target)} labels; they must match")


def conv_gradients(model: nn.Module, x: torch.Tensor, target: torch.Tensor) -> list[LayerGradient]:
    """Gradient and weight norm of every convolution after one cross-entropy backward on (x, target).

    The layers come in module order, which for the plain and residual nets is the order they
    run; projection shortcuts (``downsample``) are left out so that a ResNet and its plain twin
    give lists of the same length. The model runs in whatever mode it is in (in training mode
    BatchNorm uses the batch statistics, as during training); earlier gradients are discarded
    first, and the model's weights are not changed.
    """
    _check_batch(x, target)
    convs = [(name, m) for name, m in model.named_modules()
             if isinstance(m, nn.Conv2d) and "downsample" not in name]
    if not convs:
        raise ValueError(f"{type(model).__name__} has no convolution outside its shortcuts")
    model.zero_grad(set_to_none=True)
    F.cross_entropy(model(x), target).backward()
    return [LayerGradient(name, m.weight.grad.norm().item(), m.weight.detach().norm().item())
            for name, m in convs]


def conv_grad_norms(model: nn.Module, x: torch.Tensor, target: torch.Tensor) -> list[float]:
    """‖∂loss/∂W‖ of every convolution, in the order of :func:`conv_gradients`."""
    return [layer.grad_norm for layer in conv_gradients(model, x, target)]
