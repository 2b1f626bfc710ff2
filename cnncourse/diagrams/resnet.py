"""The ResNet chapter's architecture figures, drawn from the blocks and models themselves.

* :func:`plain_vs_residual` — the paper's Figure 2: a plain block and a residual block, with
  the ReLU after the addition;
* :func:`plain_vs_residual_net` — Figure 3 for any plain net and its residual twin (the CIFAR
  nets, or an ``nn.Sequential`` of blocks stacked on a page): solid shortcuts where the shapes
  match, dashed where they change; :func:`plain_vs_resnet34` — the paper's 34-layer pair;
* :func:`basic_vs_bottleneck` — Figure 5: the basic block (64-d) beside the bottleneck (256-d);
* :func:`nested_function_classes` — why depth can help only when a deeper net contains a
  shallower one (function classes that nest, and ones that do not).

What a block computes, and in which order, is not typed in here: :func:`block_steps` probes the
block once (:func:`cnncourse.analysis.probe`) and reads the sequence of calls (a conv's kernel,
width and stride from the module), and it finds the addition where it happens — where a layer's
input is not the previous layer's output. So if a block moved its ReLU before the addition, the figure
would move it too.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from torch import nn

from ..analysis import depth, probe
from ..analysis.probing import resolve_input_size
from ..models import on_meta
from ..models import resnet as rn
from ._draw import CARD, INK, MUTED, arrow, box, canvas, circle, label, line


@dataclass(frozen=True)
class Step:
    """One layer call on a block's main path, or the addition of the shortcut."""

    kind: str        # "conv", "norm", "act" or "add"
    text: str        # the label drawn in its box
    module: nn.Module | None = None


def conv_text(conv: nn.Conv2d) -> str:
    """'3×3 conv, 64' or '1×1 conv, 128, /2': the paper's way of naming a conv layer."""
    k = conv.kernel_size[0]
    stride = conv.stride[0]
    return f"{k}×{k} conv, {conv.out_channels}" + (f", /{stride}" if stride > 1 else "")


def shortcut_text(block: nn.Module) -> str:
    """What a block's shortcut does: 'identity', a projection or option A's zero padding."""
    down = getattr(block, "downsample", None)
    if down is None:
        return "identity"
    if isinstance(down, rn.ZeroPadShortcut):
        return f"zero-pad to {down.out_ch}" + (f", /{down.stride}" if down.stride > 1 else "")
    convs = [m for m in down.modules() if isinstance(m, nn.Conv2d)]
    if len(convs) == 1:
        return "projection: " + conv_text(convs[0]) + ", BN"
    raise ValueError(f"cannot describe the shortcut {type(down).__name__}: expected None, "
                     f"ZeroPadShortcut or a 1×1 conv with BN")


def block_steps(block: nn.Module, size: int = 8) -> list[Step]:
    """The calls on a block's main path, in order, with an "add" step where the shortcut joins.

    The block is probed once (evaluation mode, on the ``meta`` device) with a ``size``×``size``
    input of ``block.conv1.in_channels`` channels. A layer whose input is not the tensor the
    previous layer returned reads something computed in between: the sum with the shortcut.
    (An in-place ReLU returns its input tensor, so it does not look like a join.) Layers inside
    ``downsample`` belong to the shortcut and are left out.
    """
    first = getattr(block, "conv1", None)
    if not isinstance(first, nn.Conv2d):
        raise ValueError(f"expected a ResNet block with a conv1 (BasicBlock, Bottleneck, "
                         f"PlainBasicBlock), got {type(block).__name__}")
    shortcut_modules = set()
    if getattr(block, "downsample", None) is not None:
        shortcut_modules = set(block.downsample.modules())
    calls = []  # (module, its input, its output): the tensors themselves, to compare identities
    with probe(block, (first.in_channels, size, size)) as p:
        for module in block.modules():
            if module is block or module in shortcut_modules or list(module.children()):
                continue
            p.after(module, lambda m, inputs, output: calls.append((m, inputs[0], output)))
        p.run()

    steps = []
    for i, (module, inp, out) in enumerate(calls):
        if i > 0 and inp is not calls[i - 1][2]:
            steps.append(Step("add", "+"))  # the input is not the last output: something joined
        if isinstance(module, nn.Conv2d):
            steps.append(Step("conv", conv_text(module), module))
        elif isinstance(module, nn.BatchNorm2d):
            steps.append(Step("norm", "BN", module))
        elif isinstance(module, nn.ReLU):
            steps.append(Step("act", "ReLU", module))
        else:
            raise ValueError(f"unexpected layer {type(module).__name__} in {type(block).__name__}")
    return steps


def compact_steps(steps: list[Step]) -> list[Step]:
    """Fold each conv's BN and ReLU into the conv's box (a second line 'BN, ReLU')."""
    out: list[Step] = []
    for step in steps:
        if step.kind in ("norm", "act") and out and out[-1].kind == "conv":
            prev = out[-1]
            first, _, rest = prev.text.partition("\n")
            extra = rest.split(", ") if rest else []
            out[-1] = Step("conv", first + "\n" + ", ".join(extra + [step.text]), prev.module)
        else:
            out.append(step)
    return out


# -----------------------------------------------------------------------------
# One block, drawn top to bottom like the paper's Figures 2 and 5

_KIND = {"conv": "conv", "norm": "norm", "act": "act"}


def _draw_block(ax, block, cx: float, top: float, title: str, input_text: str, output_text: str,
                compact: bool, step_h: float = 0.95, box_w: float = 2.7) -> float:
    """Draw ``block`` in a column centred at ``cx``, from ``top`` down; returns the bottom y."""
    steps = block_steps(block)
    if compact:
        steps = compact_steps(steps)
    residual = any(s.kind == "add" for s in steps)
    label(ax, cx, top, title, fontsize=9.5, fontweight="bold")
    y = top - 0.65
    label(ax, cx, y, input_text, fontsize=9)
    x_point = (cx, y - 0.22)
    prev = x_point
    branch_top = None
    y -= 0.55 + step_h / 2
    for step in steps:
        if step.kind == "add":
            node = circle(ax, cx, y, "+")
            arrow(ax, prev, node.top)
            prev = node.bottom
            # the shortcut: from just under x, out to the right, down, and into the ⊕
            side = cx + box_w / 2 + 0.55
            dashed = getattr(block, "downsample", None) is not None
            line(ax, [x_point, (side, x_point[1]), (side, y)], dashed=dashed)
            arrow(ax, (side, y), node.right, dashed=dashed)
            label(ax, side + 0.12, (x_point[1] + y) / 2, shortcut_text(block), fontsize=8,
                  color=MUTED, ha="left", rotation=90)
            # the residual branch F(x): a bracket on the left
            left = cx - box_w / 2 - 0.25
            line(ax, [(left + 0.12, branch_top), (left, branch_top), (left, prev_bottom),
                      (left + 0.12, prev_bottom)], color=MUTED)
            label(ax, left - 0.12, (branch_top + prev_bottom) / 2, "F(x)", fontsize=9,
                  ha="right")
            label(ax, cx - 0.35, y, "F(x) + x", fontsize=8.5, ha="right", va="center")
            y -= 0.3 + step_h / 2
            continue
        h = 0.85 if "\n" in step.text else 0.55
        kind = _KIND[step.kind]
        if kind == "conv" and step.module.kernel_size == (1, 1):
            kind = "reduce"  # 1×1 convs (reduce / expand) in the palette's 1×1 colour
        b = box(ax, cx, y, step.text, kind=kind, w=box_w, h=h, fontsize=8.5)
        arrow(ax, prev, b.top)
        if branch_top is None:
            branch_top = b.top[1]
        prev, prev_bottom = b.bottom, b.bottom[1]
        y -= step_h + (0.3 if h > 0.6 else 0)
    end = (cx, y + step_h / 2 - 0.15)
    arrow(ax, prev, end)
    label(ax, cx, end[1] - 0.22, output_text, fontsize=9)
    if not residual:
        left = cx - box_w / 2 - 0.25
        line(ax, [(left + 0.12, branch_top), (left, branch_top), (left, prev_bottom),
                  (left + 0.12, prev_bottom)], color=MUTED)
        label(ax, left - 0.12, (branch_top + prev_bottom) / 2, "H(x)", fontsize=9, ha="right")
    return end[1] - 0.55


def plain_vs_residual(plain: nn.Module | None = None, residual: nn.Module | None = None):
    """Figure 2 of He et al. 2015: a plain block (it must learn H(x)) and a residual block
    (it learns F(x) = H(x) − x; the shortcut adds x back before the last ReLU).

    Defaults: ``PlainBasicBlock(64, 64)`` and ``BasicBlock(64, 64)``, the blocks of conv2_x in
    ResNet-34 and its plain twin; every layer (conv, BN, ReLU) is drawn.
    """
    plain = plain if plain is not None else rn.PlainBasicBlock(64, 64)
    residual = residual if residual is not None else rn.BasicBlock(64, 64)
    n = max(len(block_steps(plain)), len(block_steps(residual)))
    height = 2.6 + 0.95 * n
    fig, ax = canvas(11.5, height)
    bottom = min(
        _draw_block(ax, plain, 3.0, height - 0.4, "plain block", "x", "y = H(x)", compact=False),
        _draw_block(ax, residual, 8.2, height - 0.4, "residual block", "x",
                    "y = relu(F(x) + x)", compact=False))
    return _crop(fig, ax, bottom)


def basic_vs_bottleneck(basic: nn.Module | None = None, bottleneck: nn.Module | None = None):
    """Figure 5 of He et al. 2015: ResNet-34's basic block on a 64-d input beside
    ResNet-50's bottleneck on a 256-d input (1×1 reduce, 3×3, 1×1 expand).

    Defaults: ``BasicBlock(64, 64)`` and ``Bottleneck(256, 64)``, the inner blocks of conv2_x.
    Each conv's BN and ReLU are folded into its box.
    """
    basic = basic if basic is not None else rn.BasicBlock(64, 64)
    bottleneck = bottleneck if bottleneck is not None else rn.Bottleneck(256, 64)
    n_b = len(compact_steps(block_steps(bottleneck)))
    height = 3.2 + 1.25 * n_b
    fig, ax = canvas(11.5, height)
    bottom = height
    for block, cx, title in ((basic, 3.0, "basic block (ResNet-34)"),
                             (bottleneck, 8.2, "bottleneck (ResNet-50/101/152)")):
        c_in = block.conv1.in_channels
        c_out = _out_channels(block)
        bottom = min(bottom, _draw_block(ax, block, cx, height - 0.4, title, f"{c_in}-d",
                                         f"{c_out}-d", compact=True))
    return _crop(fig, ax, bottom)


def _crop(fig, ax, bottom: float, scale: float = 0.55):
    """Cut the canvas's unused strip below ``bottom`` (the columns' height is known only
    after drawing them)."""
    x0, x1 = ax.get_xlim()
    _, y1 = ax.get_ylim()
    bottom = max(0.0, bottom)
    ax.set_ylim(bottom, y1)
    fig.set_size_inches((x1 - x0) * scale, (y1 - bottom) * scale)
    return fig


def _out_channels(block: nn.Module) -> int:
    convs = [s.module for s in block_steps(block) if s.kind == "conv"]
    return convs[-1].out_channels


# -----------------------------------------------------------------------------
# Figure 3: whole networks as columns of layers

@dataclass(frozen=True)
class Row:
    """One box of a network column: its label, colour and, for residual nets, block boundaries."""

    text: str
    kind: str
    module: nn.Module | None = None  # the layer drawn in this box
    block: nn.Module | None = None   # the (residual or plain) block this conv belongs to
    first_in_block: bool = False
    last_in_block: bool = False
    size: tuple[int, int] | None = None  # the conv's output map (H, W), traced


def is_block(module: nn.Module) -> bool:
    """A residual or plain block: a ``conv1`` among its own layers, nothing nested in it but
    its shortcut (``downsample``). A whole ResNet has a ``conv1`` too, but stages inside."""
    return isinstance(getattr(module, "conv1", None), nn.Conv2d) and all(
        name == "downsample" or not list(child.children())
        for name, child in module.named_children())


_SKIPPED = (nn.BatchNorm2d, nn.ReLU, nn.Flatten)  # folded into the boxes of the figure


def network_rows(model: nn.Module, input_size=None) -> list[Row]:
    """The layers on the main path of a (plain) ResNet as the boxes of Figure 3, input to output.

    Any network made of blocks (see :func:`is_block`), convolutions, pools and an fc works: the
    ImageNet nets of Table 1, the CIFAR nets of §4.2, or an ``nn.Sequential`` stacked on a page.
    Each conv's output map size is traced at ``input_size`` (default: the model's own).
    """
    rows: list[Row] = []

    def visit(module: nn.Module) -> None:
        if is_block(module):
            # the convs of the branch, in the order the block registers (and runs) them
            convs = [m for name, m in module.named_modules()
                     if isinstance(m, nn.Conv2d) and not name.startswith("downsample")]
            rows.extend(Row(conv_text(c), "conv", c, module, j == 0, j == len(convs) - 1)
                        for j, c in enumerate(convs))
        elif isinstance(module, nn.Conv2d):
            rows.append(Row(conv_text(module), "conv", module))
        elif isinstance(module, nn.MaxPool2d):
            k, s = module.kernel_size, module.stride
            rows.append(Row(f"{k}×{k} max pool, /{s}", "pool", module))
        elif isinstance(module, (nn.AdaptiveAvgPool2d, nn.AvgPool2d)):
            rows.append(Row("avg pool", "pool", module))
        elif isinstance(module, nn.Linear):
            rows.append(Row(f"fc {module.out_features}", "fc", module))
        elif list(module.children()):
            for child in module.children():
                visit(child)
        elif not isinstance(module, _SKIPPED):
            raise ValueError(f"cannot draw a {type(module).__name__} in a network column: "
                             f"expected residual or plain blocks, convs, pools and an fc")

    visit(model)
    sizes = {}
    with probe(model, input_size) as p:
        for row in rows:
            if row.kind == "conv":
                p.after(row.module,
                        lambda m, inputs, out: sizes.setdefault(m, tuple(out.shape[-2:])))
        p.run()
    return [replace(r, size=sizes.get(r.module)) for r in rows]


def _groups(rows: list[Row]) -> list[tuple[int, int, tuple[int, int]]]:
    """(first row, last row, map size) of each run of conv rows with the same output size."""
    groups: list[tuple[int, int, tuple[int, int]]] = []
    for i, row in enumerate(rows):
        if row.kind != "conv":
            continue
        if groups and groups[-1][2] == row.size and groups[-1][1] == i - 1:
            groups[-1] = (groups[-1][0], i, row.size)
        else:
            groups.append((i, i, row.size))
    return groups


def plain_vs_residual_net(plain: nn.Module, residual: nn.Module, input_size=None,
                          titles: tuple[str, str] | None = None, names: dict | None = None):
    """A plain net beside its residual twin, one box per layer, as in the paper's Figure 3.

    In the residual column an arc jumps over every block: solid where the shortcut is the
    identity, dashed where the block changes the shape and the shortcut is a projection or zero
    padding. On the left, each run of convs that produce the same map size is bracketed with
    that size (traced at ``input_size``) and, if ``names`` maps the size to one, a stage name.
    """
    columns = [network_rows(plain, input_size), network_rows(residual, input_size)]
    if [r.text for r in columns[0]] != [r.text for r in columns[1]]:
        raise ValueError("the two networks must have the same layers to be drawn side by side")
    if titles is None:
        titles = tuple(f"{depth(m)}-layer {kind}" for m, kind in ((plain, "plain"),
                                                                  (residual, "residual")))
    _, _, h_in, w_in = resolve_input_size(residual, input_size)
    step, box_h, box_w = 0.52, 0.36, 3.1
    height = 2.3 + step * len(columns[0])
    fig, ax = canvas(12.0, height, scale=0.42)

    for rows, cx, title, arcs in zip(columns, (4.3, 9.0), titles, (False, True)):
        label(ax, cx, height - 0.35, title, fontsize=9, fontweight="bold")
        y = height - 0.95
        label(ax, cx, y, f"image {h_in}×{w_in}", fontsize=7.5, color=MUTED)
        prev = (cx, y - 0.15)
        y -= 0.5
        block_start = None
        for row in rows:
            b = box(ax, cx, y, row.text, kind=row.kind, w=box_w, h=box_h, fontsize=6.8)
            arrow(ax, prev, b.top)
            if row.first_in_block:
                block_start = (cx + box_w / 2 + 0.02, y + step / 2)
            if row.last_in_block and arcs:
                end = (cx + box_w / 2 + 0.02, y - step / 2)
                dashed = getattr(row.block, "downsample", None) is not None
                arrow(ax, block_start, end, dashed=dashed, connectionstyle="arc3,rad=-0.55")
            prev = b.bottom
            y -= step

    # map sizes (and stage names) left of the plain column, beside each run of convs
    y0 = height - 1.45
    for lo, hi, (h, w) in _groups(columns[1]):
        ymid = y0 - step * (lo + hi) / 2
        name = (names or {}).get((h, w))
        if name:
            label(ax, 1.35, ymid + 0.14, name, fontsize=7.5, color=INK)
        label(ax, 1.35, ymid - (0.16 if name else 0), f"{h}×{w}", fontsize=7, color=MUTED)
        if hi > lo:
            xb = 2.35
            line(ax, [(xb + 0.1, y0 - step * lo + box_h / 2), (xb, y0 - step * lo + box_h / 2),
                      (xb, y0 - step * hi - box_h / 2), (xb + 0.1, y0 - step * hi - box_h / 2)],
                 color=MUTED)
    label(ax, 6.65, 0.35, "solid arc: identity shortcut    dashed arc: "
          + _dashed_meaning(residual), fontsize=7, color=MUTED)
    return fig


# Table 1's stage names by their output map at 224×224
PAPER_STAGE = {(112, 112): "conv1", (56, 56): "conv2_x", (28, 28): "conv3_x", (14, 14): "conv4_x",
               (7, 7): "conv5_x"}


def plain_vs_resnet34(plain: rn.ResNet | None = None, resnet: rn.ResNet | None = None):
    """Figure 3 of He et al. 2015 (its two right columns): plain-34 and ResNet-34 at 224×224.

    Every conv is one box (kernel, width, /2 where it halves the map). In the residual column
    an arc jumps over every block: solid where it is the identity, dashed where the block
    halves the map and doubles the width and the shortcut is a projection (option B, the
    default) or zero padding (option A). Stage names and map sizes on the left are traced.
    """
    plain = plain if plain is not None else _model("plain34")
    resnet = resnet if resnet is not None else _model("resnet34")
    return plain_vs_residual_net(plain, resnet, (3, 224, 224), names=PAPER_STAGE)


def _dashed_meaning(model: nn.Module) -> str:
    shortcuts = [m.downsample for m in model.modules()
                 if is_block(m) and getattr(m, "downsample", None) is not None]
    if shortcuts and not any(p.numel() for s in shortcuts for p in s.parameters()):
        return "zero-padding shortcut (option A)"
    if shortcuts and all(any(isinstance(c, nn.Conv2d) for c in s.modules()) for s in shortcuts):
        option = getattr(model, "shortcut", None)
        return "projection shortcut" + (f" (option {option})" if option else "")
    return "shortcut that changes the shape"


def _model(name: str):
    return on_meta(name)  # the figures need the architecture, not weights


# -----------------------------------------------------------------------------
# Nested function classes (the argument of d2l.ai's ResNet section, after the paper's §1)

@dataclass(frozen=True)
class FunctionClass:
    """One drawn class of functions: an ellipse (centre, width, height) and its name."""

    name: str
    x: float
    y: float
    w: float
    h: float

    def contains(self, other: "FunctionClass", points: int = 360) -> bool:
        """Whether ``other``'s ellipse lies inside this one (tested on its boundary)."""
        t = np.linspace(0, 2 * np.pi, points, endpoint=False)
        px = other.x + other.w / 2 * np.cos(t)
        py = other.y + other.h / 2 * np.sin(t)
        inside = ((px - self.x) / (self.w / 2)) ** 2 + ((py - self.y) / (self.h / 2)) ** 2
        return bool(np.all(inside <= 1 + 1e-9))

    def distance(self, point) -> float:
        """How far ``point`` is from the ellipse's boundary, outward (approximately, sampled)."""
        t = np.linspace(0, 2 * np.pi, 720, endpoint=False)
        px = self.x + self.w / 2 * np.cos(t)
        py = self.y + self.h / 2 * np.sin(t)
        return float(np.min(np.hypot(px - point[0], py - point[1])))


def function_classes(names):
    """Two families of growing function classes, each with the target f* it tries to reach.

    Returns ``(non_nested, nested)``, each a ``(classes, target)`` pair. Non-nested: each class
    is larger than the last but sits elsewhere, so the largest is not the closest to f*.
    Nested: each is the last one scaled up about a point inside it, so it contains the last one
    and can only come closer to f*.
    """
    n = len(names)
    if n < 2:
        raise ValueError(f"need at least two function classes to compare, got {list(names)}")
    w0, h0 = 1.5, 1.0  # the smallest class
    loose, nested = [], []
    for k, name in enumerate(names):
        s = 1 + 0.55 * k  # each class a little larger than the last
        # non-nested: the centre swings up and over to the right, then down past the target
        angle = np.pi * k / (n - 1)
        loose.append(FunctionClass(name, 2.6 - 1.1 * np.cos(angle), 1.9 + 0.9 * np.sin(angle),
                                   w0 * s, h0 * s))
        # nested: scaled about (0.9, 1.9), a point inside the smallest class
        nested.append(FunctionClass(name, 0.9 + 0.6 * s, 1.9, w0 * s, h0 * s))
    # the target: beyond the largest class on the right; near the next-to-last on the left
    near = loose[-2]
    loose_target = (near.x, near.y + near.h / 2 + 0.3)
    nested_target = (nested[-1].x + nested[-1].w / 2 + 0.3, 2.2)
    return (loose, loose_target), (nested, nested_target)


def nested_function_classes(names=("ResNet-20", "ResNet-32", "ResNet-44", "ResNet-56")):
    """Left: growing function classes that do not contain each other; a larger one can end
    farther from the target f*. Right: nested classes, each containing the last, as a deeper
    ResNet contains a shallower one (its extra blocks can be the identity)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Ellipse

    (loose, loose_target), (nested, nested_target) = function_classes(names)
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.0))
    panels = ((axes[0], loose, loose_target, "non-nested function classes",
               [f"F{k + 1}" for k in range(len(names))]),
              (axes[1], nested, nested_target, "nested function classes", list(names)))
    for ax, classes, target, title, texts in panels:
        for k, (c, text) in enumerate(zip(classes, texts)):
            shade = 0.92 - 0.45 * k / (len(classes) - 1)
            ax.add_patch(Ellipse((c.x, c.y), c.w, c.h, facecolor=(shade, shade, 1.0, 0.45),
                                 edgecolor=INK, linewidth=0.9))
            # a nested class's name at the top of its own rim (the smallest: in its middle)
            y = c.y + c.h / 2 - 0.16 if classes is nested and k else c.y
            ax.text(c.x, y, text, fontsize=7.5, color=INK, ha="center", va="center")
        ax.plot(*target, marker="*", markersize=13, color="#d1242f")
        ax.text(target[0] + 0.12, target[1] + 0.12, "f*", fontsize=9, color="#d1242f")
        ax.set_title(title, fontsize=9.5, color=INK)
        ax.set_xlim(-0.4, 6.4)
        ax.set_ylim(0.3, 4.2)
        ax.set_aspect("equal")
        ax.axis("off")
    fig.patch.set_facecolor(CARD)
    fig.tight_layout()
    return fig
