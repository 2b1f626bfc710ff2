"""The summary chapter's figure: the five networks' building blocks side by side.

:func:`building_blocks` draws, from left to right, the unit each network repeats: LeNet-5's
convolution and subsampling (C1, S2), AlexNet's first layer (a large strided convolution, ReLU,
LRN and overlapping max-pooling), VGG-16's first stage (3×3 convolutions, then a 2×2 pool),
GoogLeNet's inception 3a and ResNet-50's bottleneck block. Nothing is typed in: each column is
read from the package's model on the ``meta`` device, in the order the layers run (a
:func:`~cnncourse.analysis.probe` of the whole network, at its native input), with the sizes
that reach and leave the block; the residual block's order and its addition come from
:func:`cnncourse.diagrams.resnet.block_steps`. ``tests/test_diagrams_summary.py`` compares
the labels with the models.
"""
from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from ..analysis import probe
from ..models import on_meta
from ..models.googlenet import Inception
from ..models.lenet import ScaledTanh, Subsampling
from ._draw import MUTED, arrow, box, canvas, circle, label, line
from .googlenet import hwc
from .resnet import block_steps, compact_steps, conv_text

__all__ = ["Column", "block_columns", "building_blocks", "layer_text"]


def layer_text(module: nn.Module) -> str:
    """A layer's name in the papers' style: '5×5 conv, 6', '3×3 max pool, /2', 'LRN'…"""
    if isinstance(module, nn.Conv2d):
        return conv_text(module)
    if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
        k, s = module.kernel_size, module.stride
        k, s = (k if isinstance(k, int) else k[0]), (s if isinstance(s, int) else s[0])
        kind = "max" if isinstance(module, nn.MaxPool2d) else "avg"
        return f"{k}×{k} {kind} pool" + (f", /{s}" if s > 1 else "")
    if isinstance(module, Subsampling):
        k = module.pool.kernel_size
        return f"{k}×{k} subsampling"  # LeNet-5's S2: a 2×2 sum, times a coefficient, + bias
    if isinstance(module, ScaledTanh):
        return "tanh"
    if isinstance(module, nn.ReLU):
        return "ReLU"
    if isinstance(module, nn.LocalResponseNorm):
        return "LRN"
    if isinstance(module, nn.BatchNorm2d):
        return "BN"
    raise ValueError(f"no drawing for a {type(module).__name__} in a building block")


# Layers drawn as a second line of the box before them (they change no shape).
_FOLDED = (ScaledTanh, nn.ReLU, nn.LocalResponseNorm, nn.BatchNorm2d)


@dataclass(frozen=True)
class Column:
    """One network's block: its title, the sizes in and out, and what runs in between.

    ``steps`` is a list of (text, kind) boxes from top to bottom, or for the Inception module
    a list of branches (each such a list); ``shortcut`` names a residual block's shortcut."""

    title: str
    size_in: str
    size_out: str
    steps: list
    shortcut: str | None = None


def _run_in(model: nn.Module, layers: list[nn.Module]) -> tuple[list, tuple, tuple]:
    """``layers`` (modules of ``model``) in the order they run in ``model``'s forward pass at its
    native input, with the shape that enters the first and leaves the last."""
    calls = []
    with probe(model) as p:
        for layer in layers:
            p.after(layer, lambda m, inputs, output: calls.append(
                (m, tuple(inputs[0].shape[1:]), tuple(output.shape[1:]))))
        p.run()
    if not calls:
        raise ValueError(f"none of the given layers runs in {type(model).__name__}")
    return [m for m, _, _ in calls], calls[0][1], calls[-1][2]


def _kind(module: nn.Module) -> str:
    if isinstance(module, nn.Conv2d):
        return "reduce" if module.kernel_size == (1, 1) else "conv"
    return "pool"


def _chain(modules: list[nn.Module]) -> list[tuple[str, str]]:
    """Boxes for a chain of layers: activations and normalizations folded into the box above."""
    boxes: list[tuple[str, str]] = []
    for m in modules:
        if isinstance(m, _FOLDED) and boxes:
            text, kind = boxes[-1]
            first, _, rest = text.partition("\n")
            boxes[-1] = (first + "\n" + ", ".join(filter(None, [rest, layer_text(m)])), kind)
        else:
            boxes.append((layer_text(m), _kind(m)))
    return boxes


def _leaves(module: nn.Module) -> list[nn.Module]:
    return [m for m in module.modules() if not list(m.children())]


def block_columns(lenet=None, alexnet=None, vgg=None, googlenet=None, resnet=None,
                  inception: str = "inception3a") -> list[Column]:
    """The five columns of :func:`building_blocks`, read from the models (default: the package's
    ``lenet5``, ``alexnet``, ``vgg16``, ``googlenet`` and ``resnet50`` on ``meta``)."""
    lenet = lenet if lenet is not None else on_meta("lenet5")
    alexnet = alexnet if alexnet is not None else on_meta("alexnet")
    vgg = vgg if vgg is not None else on_meta("vgg16")
    googlenet = googlenet if googlenet is not None else on_meta("googlenet")
    resnet = resnet if resnet is not None else on_meta("resnet50")
    columns = []

    # LeNet-5: C1 and S2 with their squashing functions
    layers, size_in, size_out = _run_in(lenet, [lenet.C1, lenet.act1, lenet.S2, lenet.act2])
    columns.append(Column("LeNet-5 (1998)\nC1, S2", hwc(size_in), hwc(size_out), _chain(layers)))

    # AlexNet and VGG-16: the layers up to and including the first pooling layer
    for title, model in (("AlexNet (2012)\nconv1, pool1", alexnet),
                         ("VGG-16 (2014)\nstage 1", vgg)):
        first = []
        for m in model.features:
            first.append(m)
            if isinstance(m, nn.MaxPool2d):
                break
        layers, size_in, size_out = _run_in(model, first)
        columns.append(Column(title, hwc(size_in), hwc(size_out), _chain(layers)))

    # GoogLeNet: one Inception module, its four branches side by side
    block = getattr(googlenet, inception, None)
    if not isinstance(block, Inception):
        raise ValueError(f"inception must name one of GoogLeNet's Inception modules "
                         f"(inception3a … inception5b), got {inception!r}")
    _, size_in, size_out = _run_in(googlenet, [block])
    branches = []
    for branch in (block.branch1, block.branch2, block.branch3, block.branch4):
        branches.append(_chain(_run_in(googlenet, _leaves(branch))[0]))
    name = inception.replace("inception", "inception ")
    columns.append(Column(f"GoogLeNet (2014)\n{name}", hwc(size_in), hwc(size_out), branches))

    # ResNet-50: the second bottleneck of conv2_x (an identity shortcut)
    bottleneck = resnet.layer1[1]
    _, size_in, size_out = _run_in(resnet, [bottleneck])
    steps = []
    for step in compact_steps(block_steps(bottleneck, size=size_in[1])):
        kind = {"add": "add", "act": "act"}.get(step.kind, "conv")
        if kind == "conv":
            kind = _kind(step.module)
        steps.append((step.text, kind))
    columns.append(Column("ResNet-50 (2015)\nbottleneck block", hwc(size_in), hwc(size_out),
                          steps, shortcut="identity"))
    return columns


def _draw_chain(ax, x, y_top, steps, w, h, pitch):
    """Boxes from ``y_top`` down, joined by arrows; returns (first box, last box)."""
    drawn = []
    for i, (text, kind) in enumerate(steps):
        b = box(ax, x, y_top - i * pitch, text, kind, w=w, h=h, fontsize=7.5)
        if drawn:
            arrow(ax, drawn[-1].bottom, b.top)
        drawn.append(b)
    return drawn[0], drawn[-1]


def building_blocks(**models):
    """The five networks' building blocks side by side, top to bottom (input at the top).

    Keyword arguments are :func:`block_columns`'s (the models to read; default the package's)."""
    columns = block_columns(**models)
    widths = [2.6, 2.6, 2.6, 8.2, 3.3]
    gap, h, pitch, scale = 0.45, 0.82, 1.3, 0.5
    height = 2.0 + pitch * max(len(c.steps) + 1 for c in columns)  # enough; cropped below
    fig, ax = canvas(sum(widths) + gap * (len(widths) + 1), height, scale=scale)
    x_left, bottom = gap, height
    top = height - 0.3
    for col, width in zip(columns, widths):
        x = x_left + width / 2
        label(ax, x, top, col.title, fontsize=8.5, fontweight="bold", va="top")
        y_in = top - 1.15
        label(ax, x, y_in, col.size_in, fontsize=8)
        start = (x, y_in - 0.22)
        if isinstance(col.steps[0], list):         # the Inception module's branches
            bw = (width - 0.2) / 4
            y_cat = y_in - 0.75 - pitch * max(len(b) for b in col.steps)
            cat = box(ax, x, y_cat, "concatenation", "concat", w=width - 0.1, h=0.5,
                      fontsize=7.5)
            for i, branch in enumerate(col.steps):
                bx = x_left + 0.1 + bw * (i + 0.5)
                first, last = _draw_chain(ax, bx, y_in - 0.5 - h / 2 - 0.05, branch,
                                          bw - 0.12, h, pitch)
                line(ax, [start, (start[0], start[1] - 0.12), (bx, start[1] - 0.12)])
                arrow(ax, (bx, start[1] - 0.12), first.top)
                arrow(ax, last.bottom, (bx, cat.top[1]))
            end = cat.bottom
        else:
            y = y_in - 0.5 - h / 2 - 0.05
            prev, drawn, adds = start, [], []
            for text, kind in col.steps:
                if kind == "add":
                    node = circle(ax, x, y + 0.25, "+")
                    arrow(ax, prev, node.top)
                    adds.append(node)
                    prev = node.bottom
                    y -= pitch - 0.35
                    continue
                b = box(ax, x, y, text, kind, w=width - 0.5, h=h, fontsize=7.5)
                arrow(ax, prev, b.top)
                drawn.append(b)
                prev = b.bottom
                y -= pitch
            end = prev
            for node in adds:                          # the shortcut, on the right
                side = x + (width - 0.5) / 2 + 0.22
                line(ax, [start, (side, start[1]), (side, node.y)])
                arrow(ax, (side, node.y), node.right)
                label(ax, side + 0.1, (start[1] + node.y) / 2, col.shortcut, fontsize=7.5,
                      color=MUTED, ha="left", rotation=90)
        arrow(ax, end, (x, end[1] - 0.4))
        label(ax, x, end[1] - 0.65, col.size_out, fontsize=8)
        bottom = min(bottom, end[1] - 1.0)
        x_left += width + gap
    ax.set_ylim(bottom, height)                        # crop the empty rows below
    fig.set_size_inches(fig.get_size_inches()[0], (height - bottom) * scale)
    return fig
