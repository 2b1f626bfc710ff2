"""Tracing output shapes layer by layer, and receptive fields."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .params import count_params
from .probing import probe


@dataclass
class LayerShape:
    """One row of a shape trace: a module call and the shape (C, H, W) or (features,) it produced."""

    name: str
    kind: str
    output_shape: tuple[int, ...]
    params: int


def _shape_of(output) -> tuple[int, ...]:
    """(C, H, W) or (features,) of a module's output (ints, also inside fvcore's jit trace)."""
    if isinstance(output, (tuple, list)) and output and isinstance(output[0], torch.Tensor):
        output = output[0]  # e.g. GoogLeNet's (logits, aux1, aux2)
    if isinstance(output, torch.Tensor):
        return tuple(int(s) for s in output.shape[1:])
    return ()


def trace_shapes(model: nn.Module, input_size=None, depth: int = 1) -> list[LayerShape]:
    """Run one (evaluation-mode) forward pass and record each sub-module's output shape.

    ``depth=1`` lists the model's direct children (``conv1``, ``inception3a``, ``layer1``…),
    ``depth=2`` goes one level further in. Modules that run several times appear once
    per call, in call order; modules that do not run (GoogLeNet's auxiliary classifiers at
    inference) do not appear. The pass runs on the ``meta`` device (:func:`~cnncourse.analysis.probe`):
    shapes without arithmetic, at any input size.
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth must be a positive integer (1: the model's direct children), "
                         f"got {depth!r}")
    rows: list[LayerShape] = []
    with probe(model, input_size) as p:
        for name, module in model.named_modules():
            if name and name.count(".") == depth - 1:
                params = count_params(module)
                p.after(module, lambda mod, inputs, output, name=name, params=params: rows.append(
                    LayerShape(name, type(mod).__name__, _shape_of(output), params)))
        p.run()
    return rows


def idle_modules(model: nn.Module, input_size=None) -> list[str]:
    """The outermost modules with parameters that an evaluation-mode forward pass does not run,
    neither they nor anything inside them: GoogLeNet's auxiliary classifiers. (LeNet-5's
    ``C3.convs`` is not called as a whole, but its convolutions run: it is not idle.)"""
    ran: set[str] = set()
    with probe(model, input_size) as p:
        for name, module in model.named_modules():
            p.after(module, lambda m, i, o, name=name: ran.add(name))
        p.run()
    active = set()  # the modules that ran, and everything around them
    for name in ran:
        parts = name.split(".")
        active.update(".".join(parts[:k]) for k in range(len(parts) + 1))
    idle: list[str] = []
    for name, module in model.named_modules():
        inside_idle = any(name.startswith(n + ".") for n in idle)
        if name not in active and not inside_idle and count_params(module):
            idle.append(name)
    return idle


def activation_bytes(model: nn.Module, input_size=None) -> int:
    """Bytes of every output that the leaf modules produce in one forward pass (traced on the
    ``meta`` device): the memory a trace that keeps each intermediate tensor alive would need,
    as :func:`~cnncourse.count_flops` (fvcore's ``torch.jit`` trace) does."""
    total = 0

    def add(module, inputs, output):
        nonlocal total
        if isinstance(output, torch.Tensor):
            total += output.numel() * output.element_size()

    with probe(model, input_size) as p:
        for module in model.modules():
            if not any(True for _ in module.children()):
                p.after(module, add)
        p.run()
    return total


def format_shape(shape: tuple[int, ...]) -> str:
    """(480, 28, 28) -> '480×28×28', the papers' way of writing sizes."""
    return "×".join(str(s) for s in shape)


# ---------------------------------------------------------------------------------------
# Receptive fields
# ---------------------------------------------------------------------------------------

@dataclass
class ReceptiveFieldRow:
    """After one layer: its kernel and stride, the receptive field size and the jump (input
    pixels between two neighbouring output units)."""

    name: str
    kernel: int
    stride: int
    receptive_field: int
    jump: int


def _as_kernel_stride(layer):
    """(kernel, stride, dilation) of a conv/pool module or a (kernel, stride[, dilation]) tuple."""
    if isinstance(layer, (tuple, list)):
        if not 2 <= len(layer) <= 3:
            raise ValueError(f"a layer is given as (kernel, stride) or (kernel, stride, dilation), got {layer!r}")
        kernel, stride, dilation = (*layer, 1)[:3]
        return int(kernel), int(stride), int(dilation)
    if isinstance(layer, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
        def first(v):
            return v[0] if isinstance(v, tuple) else v
        dilation = first(getattr(layer, "dilation", 1))
        stride = layer.stride if layer.stride is not None else layer.kernel_size
        return first(layer.kernel_size), first(stride), dilation
    return None  # ReLU, BatchNorm, LRN, dropout: they do not widen the field


def receptive_field_trace(layers) -> list[ReceptiveFieldRow]:
    """Receptive field after each layer of a chain.

    ``layers`` is an ``nn.Sequential`` (or any iterable of modules) or a list of
    (kernel, stride) tuples. The recurrence: r ← r + (k − 1)·d·j and j ← j·s, starting
    from r = 1, j = 1 on the input.
    """
    if isinstance(layers, nn.Module):
        items = list(layers.named_children()) if len(list(layers.children())) else [("0", layers)]
    else:
        items = [(str(i), layer) for i, layer in enumerate(layers)]
    rf, jump, rows = 1, 1, []
    for name, layer in items:
        ks = _as_kernel_stride(layer)
        if ks is None:
            if not isinstance(layer, nn.Module):
                raise ValueError(f"layer {name} must be an nn.Module or a (kernel, stride) tuple, got {layer!r}")
            continue
        kernel, stride, dilation = ks
        rf += (kernel - 1) * dilation * jump
        jump *= stride
        rows.append(ReceptiveFieldRow(name, kernel, stride, rf, jump))
    return rows


def receptive_field(layers) -> int:
    """Receptive field (in input pixels, per side) of the last unit of a chain of layers.

    >>> receptive_field([(3, 1), (3, 1)])   # two stacked 3×3 convolutions see 5×5
    5
    >>> receptive_field([(3, 1)] * 3)       # three see 7×7
    7
    """
    rows = receptive_field_trace(layers)
    return rows[-1].receptive_field if rows else 1
