"""Figures of the Review chapter (LeNet-5, AlexNet, VGG), drawn from the models themselves.

Every number a figure shows (map sizes, channel counts, kernel depths, which AlexNet layers
see both GPUs, VGG's columns, receptive fields) is read from ``cnncourse.models`` or computed
by ``cnncourse.analysis`` when the figure is drawn, so a figure cannot disagree with the code;
``tests/test_diagrams_review.py`` compares the labels (``figure_texts``) with the models.

Each function returns a matplotlib figure and leaves showing or closing it to the caller.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import Rectangle
from torch import nn

from ..analysis import depth, receptive_field, trace_shapes
from ..models import on_meta
from ..models import alexnet as alexnet_module
from ..models import lenet as lenet_module
from ..models import vgg as vgg_module
from ._draw import CARD, INK, MUTED, PALETTE, arrow, box, canvas, label, line

ACCENT = "#c2255c"  # connections that cross between AlexNet's two GPUs; the true class in top-k


def _card(fig):
    """Give a plain matplotlib figure the white card of the architecture figures."""
    fig.patch.set_facecolor(CARD)
    for ax in fig.axes:
        ax.set_facecolor(CARD)
    return fig


# ---------------------------------------------------------------------------------------
# LeNet-5
# ---------------------------------------------------------------------------------------

# What each layer of LeNet-5 does, in the paper's words (the operation that produces it).
_LENET_OPS = {"C1": "conv 5×5", "S2": "subsample", "C3": "conv 5×5\n(Table I)",
              "S4": "subsample", "C5": "conv 5×5", "F6": "full", "output": "RBF"}


def lenet5_layers(model: nn.Module | None = None) -> list[tuple[str, tuple[int, ...]]]:
    """(layer name, output shape) of LeNet-5's named layers, traced from the model."""
    model = model if model is not None else on_meta("lenet5")
    return [(row.name, row.output_shape) for row in trace_shapes(model)
            if row.name in _LENET_OPS]


def shape_label(shape: tuple[int, ...]) -> str:
    """The paper's notation: ``6@28×28`` for maps, ``84`` for a vector."""
    if len(shape) == 3:
        return f"{shape[0]}@{shape[1]}×{shape[2]}"
    if len(shape) == 1:
        return str(shape[0])
    raise ValueError(f"expected a (C, H, W) or (features,) shape, got {shape!r}")


def lenet5_pipeline(model: nn.Module | None = None):
    """LeNet-5 from the 32×32 input to the 10 outputs: each layer a box sized by its maps.

    A box's height follows the map's side (or the vector's length), with shadow boxes
    behind it for the number of maps; the operation that produced a layer is written
    over the arrow that leads to it.
    """
    model = model if model is not None else on_meta("lenet5")
    height = model.input_spec.size[0]
    layers = [("input", (model.input_spec.channels, height, height))] + lenet5_layers(model)
    step, top, mid = 2.6, 4.4, 2.0
    fig, ax = canvas(step * len(layers) - 0.2, top + 0.4, scale=0.45)
    prev = None
    for i, (name, shape) in enumerate(layers):
        x = 1.1 + i * step
        if len(shape) == 3 and shape[1] > 1:          # feature maps: squares sized by side
            side = 0.45 + 1.5 * shape[1] / height     # 32 pixels -> 1.95 units
            w = h = side
            kind = {"S": "pool", "i": "input"}.get(name[0], "conv")
            shadows = min(shape[0], 4) - 1                # shadow boxes: "several maps"
            for k in range(shadows, 0, -1):
                box(ax, x + 0.12 * k, mid + 0.12 * k, "", kind=kind, w=w, h=h)
        else:                                         # C5's 1×1 maps, F6, the output: vectors
            w, h, shadows = 0.4, 0.4 + 2.0 * shape[0] / 120, 0
            kind = "conv" if name[0] == "C" else "fc"
        drawn = box(ax, x, mid, "", kind=kind, w=w, h=h)
        label(ax, x, top, name, fontsize=9.5, fontweight="bold")
        label(ax, x, 0.3, shape_label(shape), fontsize=8.5)
        if prev is not None:
            arrow(ax, (prev.right[0] + 0.12 * prev_shadows + 0.06, mid),
                  (drawn.left[0] - 0.06, mid))
            label(ax, (prev.x + x) / 2, top - 0.7, _LENET_OPS[name], fontsize=7.5,
                  color=MUTED)
        prev, prev_shadows = drawn, shadows
    return fig


def lenet5_c3_table(table=lenet_module.C3_TABLE):
    """Table I of the paper: an X where an S2 map (row) feeds a C3 map (column)."""
    n_in = 1 + max(i for inputs in table for i in inputs)
    fig, ax = plt.subplots(figsize=(7.5, 3.0))
    for c3_map, inputs in enumerate(table):
        for s2_map in inputs:
            ax.text(c3_map, s2_map, "X", ha="center", va="center", fontsize=11,
                    fontweight="bold", color=INK)
    ax.set_xlim(-0.5, len(table) - 0.5)
    ax.set_ylim(n_in - 0.5, -0.5)
    ax.set_xticks(range(len(table)))
    ax.set_yticks(range(n_in))
    ax.set_xticks([x + 0.5 for x in range(len(table) - 1)], minor=True)
    ax.set_yticks([y + 0.5 for y in range(n_in - 1)], minor=True)
    ax.grid(which="minor", color="0.8")
    ax.tick_params(which="both", length=0)
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xlabel("C3 feature map")
    ax.set_ylabel("S2 feature map")
    fig.tight_layout()
    return _card(fig)


def lenet5_rbf_codes(codes: torch.Tensor | None = None):
    """The ten fixed ±1 output codes, each shown as its 7-wide, 12-high bitmap."""
    codes = codes if codes is not None else lenet_module.rbf_codes()
    if codes.ndim != 2 or codes.shape[1] != 84:
        raise ValueError(f"expected codes of shape (classes, 84), got {tuple(codes.shape)}")
    fig, axes = plt.subplots(1, codes.shape[0], figsize=(7.5, 1.6))
    for digit, ax in enumerate(np.atleast_1d(axes)):
        ax.imshow(codes[digit].reshape(12, 7).numpy(), cmap="gray_r", vmin=-1, vmax=1)
        ax.set_title(str(digit), fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return _card(fig)


# ---------------------------------------------------------------------------------------
# AlexNet
# ---------------------------------------------------------------------------------------

def alexnet_gpu_layers(model: nn.Module | None = None) -> list[dict]:
    """AlexNet's layers as the two-GPU figure draws them, read from the model.

    One dict per layer: ``name``; ``per_gpu`` (maps or units on each GPU, half the layer);
    ``kernel`` (k×k×depth for convolutions, the depth being what one kernel sees:
    ``in_channels // groups``); ``across`` (True when the layer reads the previous layer's
    maps on *both* GPUs, i.e. ``groups == 1``; always True for the fully connected layers).
    """
    model = model if model is not None else on_meta("alexnet")
    rows = []
    for name, m in model.features.named_children():
        if isinstance(m, nn.Conv2d):
            k = m.kernel_size[0]
            rows.append({"name": name, "per_gpu": m.out_channels // 2,
                         "kernel": f"{k}×{k}×{m.in_channels // m.groups}",
                         "across": m.groups == 1})
    for name, m in model.classifier.named_children():
        if isinstance(m, nn.Linear):
            last = m is list(model.classifier.children())[-1]
            rows.append({"name": name, "per_gpu": None if last else m.out_features // 2,
                         "outputs": m.out_features, "kernel": "full", "across": True})
    return rows


def alexnet_two_gpus(model: nn.Module | None = None):
    """AlexNet's split over two GPUs (Figure 2 of the paper, as a wiring diagram).

    Each layer is drawn twice, once per GPU, with its maps per GPU. Straight arrows stay
    on one GPU; a layer that sees both halves (conv3 and the fully connected layers) also
    gets the crossing arrows, in the accent colour, and "both GPUs" under its column.
    """
    model = model if model is not None else on_meta("alexnet")
    layers = alexnet_gpu_layers(model)
    step, w, h = 1.95, 1.45, 0.8
    width = 1.7 + step * len(layers) + 0.3
    fig, ax = canvas(width, 5.6, scale=0.5)
    y1, y2 = 3.45, 1.65                  # GPU 1 above, GPU 2 below
    label(ax, 0.35, y1, "GPU 1", fontsize=8, rotation=90, color=MUTED)
    label(ax, 0.35, y2, "GPU 2", fontsize=8, rotation=90, color=MUTED)
    spec = model.input_spec
    image = box(ax, 1.25, (y1 + y2) / 2, f"image\n{spec.channels}×{spec.size[0]}×{spec.size[1]}",
                kind="input", w=1.3, h=1.1, fontsize=7.5)
    prev = None
    for i, layer in enumerate(layers):
        x = 1.7 + step * (i + 0.5) + 0.3
        colour = ACCENT if layer["across"] else INK
        label(ax, x, 5.25, layer["name"], fontsize=9, fontweight="bold")
        label(ax, x, 4.75, layer["kernel"], fontsize=7.5, color=MUTED)
        if layer["per_gpu"] is None:     # the 1000-way output: one softmax over both halves
            out = box(ax, x, (y1 + y2) / 2, f"{layer['outputs']}\nsoftmax", kind="fc", w=w,
                      h=1.1, fontsize=7.5)
            for src in prev:
                arrow(ax, src.right, out.left, color=ACCENT)
            label(ax, x, 0.45, "both GPUs", fontsize=7.5, color=ACCENT)
            prev = None
            continue
        kind = "conv" if layer["kernel"] != "full" else "fc"
        unit = "maps" if kind == "conv" else "units"
        here = [box(ax, x, y, f"{layer['per_gpu']} {unit}", kind=kind, w=w, h=h, fontsize=7.5)
                for y in (y1, y2)]
        if prev is None:                 # conv1: both GPUs read the whole image
            for dst in here:
                arrow(ax, image.right, dst.left)
        else:
            for src, dst in zip(prev, here):
                arrow(ax, src.right, dst.left)
            if layer["across"]:
                arrow(ax, prev[0].right, here[1].left, color=ACCENT)
                arrow(ax, prev[1].right, here[0].left, color=ACCENT)
        if i == 0:
            label(ax, x, 0.45, "whole image", fontsize=7.5, color=INK)
        else:
            label(ax, x, 0.45, "both GPUs" if layer["across"] else "own GPU", fontsize=7.5,
                  color=colour)
        prev = here
    return fig


def resize_shorter_side(image: np.ndarray, size: int) -> np.ndarray:
    """Scale an H×W×3 uint8 image so that its shorter side is ``size`` (antialiased)."""
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an H×W×3 RGB image, got shape {image.shape}")
    h, w = image.shape[:2]
    scale = size / min(h, w)
    new = (max(size, round(h * scale)), max(size, round(w * scale)))
    t = torch.from_numpy(np.array(image, copy=True)).permute(2, 0, 1)[None].float()
    t = nn.functional.interpolate(t, size=new, mode="bilinear", antialias=True,
                                  align_corners=False)
    return t[0].permute(1, 2, 0).round().clamp(0, 255).to(torch.uint8).numpy()


def centre_crop(image: np.ndarray, size: int) -> np.ndarray:
    """The central ``size``×``size`` patch."""
    h, w = image.shape[:2]
    if min(h, w) < size:
        raise ValueError(f"cannot crop {size}×{size} from a {h}×{w} image")
    top, left = (h - size) // 2, (w - size) // 2
    return image[top:top + size, left:left + size]


def ten_crop_boxes(size: int = 256, crop: int = 224) -> list[tuple[str, int, int]]:
    """(name, top, left) of AlexNet's five test crops: the four corners and the centre."""
    if crop > size:
        raise ValueError(f"the crop ({crop}) must fit in the image ({size})")
    far, mid = size - crop, (size - crop) // 2
    return [("top left", 0, 0), ("top right", 0, far), ("bottom left", far, 0),
            ("bottom right", far, far), ("centre", mid, mid)]


def _show(ax, image, title):
    ax.imshow(image)
    ax.set_title(title, fontsize=9, color=INK)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color(MUTED)


def alexnet_augmentation(photo: np.ndarray, size: int = 256, crop: int = 224,
                         offset: tuple[int, int] = (20, 9)):
    """How AlexNet's training images are made (§2 and §4.1 of the paper).

    The photo is scaled so that its shorter side is ``size`` and the central square is
    kept; a random ``crop``×``crop`` patch (here at ``offset`` = (top, left)) and its mirror
    image are what the network sees.
    """
    top, left = offset
    if not (0 <= top <= size - crop and 0 <= left <= size - crop):
        raise ValueError(f"offset {offset} puts the {crop} crop outside the {size} image")
    scaled = resize_shorter_side(photo, size)
    square = centre_crop(scaled, size)
    patch = square[top:top + crop, left:left + crop]
    fig, axes = plt.subplots(1, 4, figsize=(10, 2.9),
                             gridspec_kw={"width_ratios": [scaled.shape[1] / size, 1, 1, 1]})
    h, w = scaled.shape[:2]
    _show(axes[0], scaled, f"photo scaled to {h}×{w}")
    axes[0].add_patch(Rectangle(((w - size) / 2, (h - size) / 2), size, size, fill=False,
                                edgecolor=ACCENT, linewidth=1.8))
    _show(axes[1], square, f"centre {size}×{size}")
    axes[1].add_patch(Rectangle((left, top), crop, crop, fill=False, edgecolor=ACCENT,
                                linewidth=1.8))
    _show(axes[2], patch, f"random {crop}×{crop} crop")
    _show(axes[3], patch[:, ::-1], "its horizontal flip")
    fig.tight_layout()
    return _card(fig)


def ten_crops(photo: np.ndarray, size: int = 256, crop: int = 224):
    """AlexNet's test-time 10 crops: four corners and the centre, each with its mirror."""
    square = centre_crop(resize_shorter_side(photo, size), size)
    boxes = ten_crop_boxes(size, crop)
    fig, axes = plt.subplots(2, len(boxes), figsize=(10, 4.3))
    for j, (name, top, left) in enumerate(boxes):
        patch = square[top:top + crop, left:left + crop]
        _show(axes[0, j], patch, name)
        _show(axes[1, j], patch[:, ::-1], f"{name}, flipped")
    fig.tight_layout()
    return _card(fig)


def top_k_example(probs: torch.Tensor, names: list[str], true_class: int, shown: int = 8):
    """A ranked list of class probabilities with the true class marked: top-1 vs top-5.

    ``probs`` holds one image's probabilities over all classes and ``names`` their names.
    The five highest sit inside the "top-5" bracket; the image counts as a top-1 error
    unless the true class is first, and as a top-5 error unless it is among the five.
    """
    if probs.ndim != 1 or len(names) != probs.numel():
        raise ValueError("probs must be one vector with one name per class")
    order = torch.argsort(probs, descending=True)[:shown].tolist()
    rank = (probs > probs[true_class]).sum().item() + 1
    fig, ax = plt.subplots(figsize=(7.5, 3.0))
    ys = list(range(len(order)))[::-1]
    colours = [ACCENT if c == true_class else PALETTE["conv"] for c in order]
    ax.barh(ys, [probs[c].item() for c in order], color=colours, edgecolor=INK, linewidth=0.6)
    ax.set_yticks(ys, [f"{i + 1}. {names[c]}" for i, c in enumerate(order)], fontsize=8)
    ax.set_xlabel("predicted probability", fontsize=9)
    ax.tick_params(axis="x", labelsize=8)
    right = probs.max().item() * 1.5
    ax.set_xlim(0, right)
    for k, text, at in ((1, "top-1", 0.8), (5, "top-5", 0.95)):
        lo, hi = len(order) - k - 0.4, len(order) - 0.6
        ax.plot([right * at] * 2, [lo, hi], color=INK, linewidth=1)
        ax.text(right * (at - 0.01), (lo + hi) / 2, text, ha="right", va="center", fontsize=8)
    verdict = (f"true class ({names[true_class]}) ranked {rank}: "
               f"top-1 {'correct' if rank == 1 else 'error'}, "
               f"top-5 {'correct' if rank <= 5 else 'error'}")
    ax.set_title(verdict, fontsize=9, color=INK)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return _card(fig)


# ---------------------------------------------------------------------------------------
# VGG
# ---------------------------------------------------------------------------------------

def receptive_field_stacks(depths=(2, 3), kernel: int = 3):
    """``depth`` stacked k×k convolutions beside the one big kernel that sees as far.

    Drawn from the side (one row of pixels): each row of cells is a layer, the lines show
    which cells of the layer below one highlighted cell reads. The receptive fields come
    from ``cnncourse.receptive_field``; the weights are per input and output channel pair
    (C channels in and out: k²C² per layer).
    """
    cell, gap_y, pad = 0.5, 0.95, 1
    panels = []
    for depth in depths:
        rf = receptive_field([(kernel, 1)] * depth)
        panels.append((depth, rf, rf + 2 * pad))
    widest = max(n for _, _, n in panels) * cell
    height = sum(d * gap_y + 1.45 for d, _, _ in panels) + 0.1
    fig, ax = canvas(2 * widest + 2.6, height, scale=0.62)
    y0 = height
    for depth, rf, n in panels:
        y0 -= depth * gap_y + 1.45
        for col, (layers, k, title) in enumerate([
                (depth, kernel, f"{depth} × conv {kernel}×{kernel}"),
                (1, rf, f"1 × conv {rf}×{rf}")]):
            x0 = 0.3 + col * (widest + 2.0) + (widest - n * cell) / 2
            xs = [x0 + (i + 0.5) * cell for i in range(n)]
            centre = n // 2
            seen = {centre}                            # cells the top unit depends on, per row
            rows = []
            for level in range(layers, -1, -1):
                rows.append((level, set(seen)))
                seen = {j + d for j in seen for d in range(-(k // 2), k // 2 + 1)}
            for level, cells in rows:
                y = y0 + 0.55 + level * (gap_y * depth / layers)
                for i, x in enumerate(xs):
                    kind = "conv" if i in cells else "plain"
                    if level == 0:
                        kind = "input" if i not in cells else "reduce"
                    box(ax, x, y, "", kind=kind, w=cell * 0.8, h=cell * 0.6)
                if level > 0:
                    below = y0 + 0.55 + (level - 1) * (gap_y * depth / layers)
                    for j in cells:
                        for d in range(-(k // 2), k // 2 + 1):
                            line(ax, [(xs[j], y - cell * 0.3), (xs[j + d], below + cell * 0.3)],
                                 color=MUTED)
            top_y = y0 + 0.55 + gap_y * depth + 0.45
            label(ax, (xs[0] + xs[-1]) / 2, top_y, title, fontsize=9, fontweight="bold")
            weights = layers * k * k
            relus = f"{layers} ReLU{'s' if layers > 1 else ''}"
            label(ax, (xs[0] + xs[-1]) / 2, y0 + 0.0,
                  f"receptive field {rf}: {weights}C² weights, {relus}", fontsize=8,
                  color=MUTED)
    return fig


def _vgg(config: str) -> nn.Module:
    with torch.device("meta"):  # the architecture, without weights
        return vgg_module.VGG(config)


def vgg_stage_sizes(config: str, size: int = 224) -> list[int]:
    """The map side at the input of each stage, traced through the configuration's layers."""
    rows = trace_shapes(_vgg(config).features, (3, size, size))
    return [size] + [row.output_shape[1] for row in rows if row.kind == "MaxPool2d"][:-1]


def vgg_weight_layers(config: str) -> int:
    """Convolutional plus fully connected layers of one Table 1 column (its depth)."""
    return depth(_vgg(config))


def _stages(config):
    stages, current = [], []
    for entry in config:
        if entry == "maxpool":
            stages.append(current)
            current = []
        else:
            current.append(entry)
    return stages


_VGG_KIND = {"conv3": "conv", "conv1": "reduce", "LRN": "norm"}


def vgg_configurations(configs=None, size: int = 224):
    """Table 1 of the VGG paper as columns of boxes, one column per configuration.

    Layers that a column adds to the column on its left are set in bold, as in the paper.
    The stage sizes on the left come from the layers of configuration A.
    """
    configs = configs if configs is not None else vgg_module.CONFIGS
    names = list(configs)
    stages = {c: _stages(configs[c]) for c in names}
    n_stages = len(stages[names[0]])
    depth = [max(len(stages[c][s]) for c in names) for s in range(n_stages)]
    colw, rowh = 2.05, 0.46
    rows = 2 + 1 + sum(depth) + n_stages + 4
    fig, ax = canvas(1.6 + colw * len(names), rowh * rows + 0.3, scale=0.62)
    sides = vgg_stage_sizes(names[0], size)
    for ci, c in enumerate(names):
        x = 1.6 + colw * (ci + 0.5)
        y = rowh * rows
        label(ax, x, y - 0.05, c, fontsize=9.5, fontweight="bold")
        label(ax, x, y - rowh + 0.02, f"{vgg_weight_layers(c)} weight layers", fontsize=7,
              color=MUTED)
        y -= 2 * rowh + rowh / 2
        box(ax, x, y, f"input {size}×{size}", kind="input", w=colw - 0.2, h=rowh * 0.8,
            fontsize=7)
        for s in range(n_stages):
            previous = stages[names[ci - 1]][s] if ci > 0 else stages[c][s]
            for i in range(depth[s]):
                y -= rowh
                if i >= len(stages[c][s]):
                    continue
                entry = stages[c][s][i]
                new = ci > 0 and (i >= len(previous) or previous[i] != entry)
                kind = _VGG_KIND[entry.split("-")[0]]
                box(ax, x, y, "", kind=kind, w=colw - 0.2, h=rowh * 0.8)
                label(ax, x, y, entry, fontsize=7.5, fontweight="bold" if new else "normal")
                if ci == 0 and i == 0:
                    label(ax, 0.75, y - rowh * (depth[s] - 1) / 2, f"{sides[s]}×{sides[s]}",
                          fontsize=7, color=MUTED)
            y -= rowh
            box(ax, x, y, "maxpool", kind="pool", w=colw - 0.2, h=rowh * 0.8, fontsize=7)
        for entry in ("FC-4096", "FC-4096", "FC-1000", "soft-max"):
            y -= rowh
            box(ax, x, y, entry, kind="fc" if entry.startswith("FC") else "act",
                w=colw - 0.2, h=rowh * 0.8, fontsize=7)
    return fig


# ---------------------------------------------------------------------------------------
# Charts of measured numbers
# ---------------------------------------------------------------------------------------

def grouped_bars(ax, labels, series: dict[str, list[float]], ylabel: str):
    """Side-by-side bars, one colour per series (a helper for the comparison charts)."""
    n = len(series)
    width = 0.8 / n
    colours = [PALETTE["conv"], PALETTE["fc"], PALETTE["pool"], PALETTE["reduce"]]
    for i, (name, values) in enumerate(series.items()):
        xs = [j + (i - (n - 1) / 2) * width for j in range(len(labels))]
        ax.bar(xs, values, width=width, label=name, color=colours[i % len(colours)],
               edgecolor=INK, linewidth=0.6)
    ax.set_xticks(range(len(labels)), labels, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.tick_params(axis="y", labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def alexnet_split_costs(rows: list[dict]):
    """Parameters and multiply-adds per convolution, one GPU vs the paper's two.

    ``rows``: one dict per convolution with ``layer``, ``p1``/``p2`` (parameters with one /
    two GPUs) and ``m1``/``m2`` (millions of multiply-adds).
    """
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.0))
    names = [r["layer"] for r in rows]
    grouped_bars(axes[0], names, {"one GPU (groups=1)": [r["p1"] / 1e6 for r in rows],
                                  "two GPUs (paper)": [r["p2"] / 1e6 for r in rows]},
                 "parameters (M)")
    grouped_bars(axes[1], names, {"one GPU (groups=1)": [r["m1"] / 1e3 for r in rows],
                                  "two GPUs (paper)": [r["m2"] / 1e3 for r in rows]},
                 "multiply-adds (G)")
    axes[0].legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return _card(fig)


def vgg_costs(rows: list[dict]):
    """VGG's parameters and multiply-adds per configuration, split into conv and FC parts.

    ``rows``: one dict per configuration with ``config``, ``conv_p``/``fc_p`` (parameters)
    and ``conv_m``/``fc_m`` (multiply-adds at 224×224).
    """
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    names = [r["config"] for r in rows]
    for ax, (conv, fc, unit, ylabel) in zip(axes, [
            ("conv_p", "fc_p", 1e6, "parameters (M)"),
            ("conv_m", "fc_m", 1e9, "multiply-adds (G), 224×224")]):
        low = [r[conv] / unit for r in rows]
        ax.bar(names, low, color=PALETTE["conv"], edgecolor=INK, linewidth=0.6,
               label="convolutional layers")
        ax.bar(names, [r[fc] / unit for r in rows], bottom=low, color=PALETTE["fc"],
               edgecolor=INK, linewidth=0.6, label="fully connected layers")
        ax.set_ylabel(ylabel, fontsize=9)
        ax.tick_params(labelsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[0].set_ylim(0, 185)
    axes[0].legend(fontsize=8, loc="upper left", frameon=False)
    fig.tight_layout()
    return _card(fig)


def activation_scales(scales: dict[str, list[float]]):
    """Root-mean-square activation after each ReLU, one line per initialisation (log scale)."""
    fig, ax = plt.subplots(figsize=(9, 3.2))
    markers = "osD^v"
    for i, (name, values) in enumerate(scales.items()):
        ax.semilogy(range(1, len(values) + 1), values, marker=markers[i % len(markers)],
                    markersize=4, linewidth=1.2, label=name)
    ax.axhline(1.0, color=MUTED, linewidth=0.8, linestyle=":")
    ax.set_xlabel("convolutional layer (VGG-16, configuration D)", fontsize=9)
    ax.set_ylabel("RMS of the ReLU output", fontsize=9)
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return _card(fig)
