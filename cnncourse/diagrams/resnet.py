"""The ResNet chapter's architecture figures, drawn from the blocks and models themselves.

* :func:`plain_vs_residual` — the paper's Figure 2: a plain block and a residual block, with
  the ReLU after the addition;
* :func:`plain_vs_resnet34` — Figure 3: the 34-layer plain net beside ResNet-34, solid
  shortcuts where the shapes match and dashed projections where they grow;
* :func:`basic_vs_bottleneck` — Figure 5: the basic block (64-d) beside the bottleneck (256-d).

What a block computes, and in which order, is not typed in here: :func:`block_steps` probes the
block once (:func:`cnncourse.analysis.probe`) and reads the sequence of calls (a conv's kernel,
width and stride from the module), and it finds the addition where it happens — where a layer's
input is not the previous layer's output. So if a block moved its ReLU before the addition, the figure
would move it too.
"""
from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from ..analysis import probe, trace_shapes
from ..models import on_meta
from ..models import resnet as rn
from ._draw import INK, MUTED, arrow, box, canvas, circle, label, line


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
    block: nn.Module | None = None   # the residual block this conv belongs to
    first_in_block: bool = False
    last_in_block: bool = False


def network_rows(model: rn.ResNet) -> list[Row]:
    """The layers of an ImageNet (plain) ResNet as the boxes of Figure 3, input to output."""
    if not isinstance(model, rn.ResNet):
        raise ValueError(f"expected an ImageNet ResNet or plain net from cnncourse.models.resnet, "
                         f"got {type(model).__name__}")
    pool = model.maxpool
    rows = [Row(conv_text(model.conv1), "conv"),
            Row(f"{pool.kernel_size}×{pool.kernel_size} max pool, /{pool.stride}", "pool")]
    for stage in (model.layer1, model.layer2, model.layer3, model.layer4):
        for block in stage:
            convs = [s.module for s in block_steps(block) if s.kind == "conv"]
            for j, conv in enumerate(convs):
                rows.append(Row(conv_text(conv), "conv", block, j == 0, j == len(convs) - 1))
    rows.append(Row("avg pool", "pool"))
    rows.append(Row(f"fc {model.fc.out_features}", "fc"))
    return rows


def stage_sizes(model: rn.ResNet) -> dict[str, tuple[int, ...]]:
    """Output shape (C, H, W) of conv1 and each stage for a 224×224 input, traced."""
    return {row.name: row.output_shape for row in trace_shapes(model, (3, 224, 224))
            if row.name in ("conv1", "layer1", "layer2", "layer3", "layer4")}


PAPER_STAGE = {"conv1": "conv1", "layer1": "conv2_x", "layer2": "conv3_x", "layer3": "conv4_x",
               "layer4": "conv5_x"}


def plain_vs_resnet34(plain: rn.ResNet | None = None, resnet: rn.ResNet | None = None):
    """Figure 3 of He et al. 2015 (its two right columns): plain-34 and ResNet-34.

    Every conv is one box (kernel, width, /2 where it halves the map). In the residual column
    an arc jumps over every block: solid where it is the identity, dashed where the block
    halves the map and doubles the width and the shortcut is a projection (option B, the
    default) or zero padding (option A). Stage names and map sizes on the left are traced.
    """
    plain = plain if plain is not None else _model("plain34")
    resnet = resnet if resnet is not None else _model("resnet34")
    columns = [(plain, "34-layer plain"), (resnet, "34-layer residual")]
    rows = [network_rows(m) for m, _ in columns]
    if len(rows[0]) != len(rows[1]):
        raise ValueError("the two networks must have the same layers to be drawn side by side")
    step, box_h, box_w = 0.52, 0.36, 3.1
    height = 2.3 + step * len(rows[0])
    fig, ax = canvas(12.0, height, scale=0.42)
    xs = (4.3, 9.0)
    sizes = stage_sizes(resnet)

    for (model, title), cx, col in zip(columns, xs, rows):
        label(ax, cx, height - 0.35, title, fontsize=9, fontweight="bold")
        y = height - 0.95
        label(ax, cx, y, "image 224×224", fontsize=7.5, color=MUTED)
        prev = (cx, y - 0.15)
        y -= 0.5
        block_start = None
        for row in col:
            b = box(ax, cx, y, row.text, kind=row.kind, w=box_w, h=box_h, fontsize=6.8)
            arrow(ax, prev, b.top)
            if row.first_in_block:
                block_start = (cx + box_w / 2 + 0.02, y + step / 2)
            if row.last_in_block and model is resnet:
                end = (cx + box_w / 2 + 0.02, y - step / 2)
                dashed = getattr(row.block, "downsample", None) is not None
                arrow(ax, block_start, end, dashed=dashed, connectionstyle="arc3,rad=-0.55")
            prev = b.bottom
            y -= step

    # stage names and traced output sizes, left of the plain column, beside each stage's rows
    y0 = height - 1.45
    first_of = {}
    for i, row in enumerate(rows[1]):
        if i == 0:
            first_of.setdefault("conv1", (i, i))
        if row.block is not None:
            stage = next(name for name in ("layer1", "layer2", "layer3", "layer4")
                         if any(b is row.block for b in getattr(resnet, name)))
            lo, _ = first_of.get(stage, (i, i))
            first_of[stage] = (lo, i)
    for name, (lo, hi) in first_of.items():
        c, h, w = sizes[name]
        ymid = y0 - step * (lo + hi) / 2
        label(ax, 1.35, ymid + 0.14, PAPER_STAGE[name], fontsize=7.5, color=INK)
        label(ax, 1.35, ymid - 0.16, f"{h}×{w}", fontsize=7, color=MUTED)
        if hi > lo:
            xb = 2.35
            line(ax, [(xb + 0.1, y0 - step * lo + box_h / 2), (xb, y0 - step * lo + box_h / 2),
                      (xb, y0 - step * hi - box_h / 2), (xb + 0.1, y0 - step * hi - box_h / 2)],
                 color=MUTED)
    label(ax, 6.65, 0.35, "solid arc: identity shortcut    dashed arc: "
          + _dashed_meaning(resnet), fontsize=7, color=MUTED)
    return fig


def _dashed_meaning(model: rn.ResNet) -> str:
    kinds = {type(b.downsample).__name__ for stage in (model.layer1, model.layer2, model.layer3,
                                                        model.layer4)
             for b in stage if getattr(b, "downsample", None) is not None}
    if kinds == {"ZeroPadShortcut"}:
        return "zero-padding shortcut (option A)"
    if kinds == {"Sequential"}:
        return f"projection shortcut (option {model.shortcut})"
    return "shortcut that changes the shape"


def _model(name: str):
    return on_meta(name)  # the figures need the architecture, not weights
