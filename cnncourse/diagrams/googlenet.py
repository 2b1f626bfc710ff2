"""The GoogLeNet chapter's figures, drawn from the model (Szegedy et al. 2014).

Every number on these figures (channels, kernel sizes, output sizes, multiply-adds, weights)
is read from a :class:`~cnncourse.models.googlenet.GoogLeNet`, traced with
:func:`~cnncourse.analysis.probe` or counted with :func:`~cnncourse.count_flops`, so a change
to the model changes the figures (built on the ``meta`` device when none is given). Sizes are
written H×W×C, as in the paper's Table 1 and in the slides. ``tests/test_diagrams_googlenet.py`` compares the labels with the model.

- :func:`inception_module`: Figure 2 of the paper, (a) naive and (b) with dimension reductions,
  with one module's widths (inception 3b by default, as on the slides).
- :func:`pipeline`: the whole network in three columns, with the two auxiliary classifiers;
  output sizes under every layer, or only where the stem, each stage and the head end.
- :func:`gap_vs_fc`: flatten + fully connected layer vs global average pooling at the top.
- :func:`table1_errata`: Table 1's printed params/ops against the filter counts (the errata).
- :func:`ilsvrc_chart`: the ILSVRC top-5 errors of the paper's Table 2, and ResNet's.
"""
from __future__ import annotations

import inspect

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import Patch, Rectangle
from torch import nn

from ..analysis import count_flops, probe, trace_shapes
from ..models import on_meta
from ..models.googlenet import GoogLeNet, NaiveInception, googlenet_loss
from ._draw import CARD, INK, MUTED, PALETTE, arrow, box, canvas, label, line

__all__ = ["inception_module", "pipeline", "stage_ends", "gap_vs_fc", "table1_errata",
           "ilsvrc_chart", "hwc", "describe_layer"]


def _model(model: GoogLeNet | None) -> GoogLeNet:
    if model is None:
        return on_meta("googlenet")  # the figures need the architecture, not weights
    if not isinstance(model, GoogLeNet):
        raise TypeError(f"expected a cnncourse GoogLeNet (get_model('googlenet')), "
                        f"got {type(model).__name__}")
    return model


def hwc(shape) -> str:
    """(480, 28, 28) → '28×28×480', the paper's order; (1000,) → '1000'."""
    if len(shape) == 3:
        c, h, w = shape
        return f"{h}×{w}×{c}"
    return "×".join(str(s) for s in shape)


def _k(module) -> int:
    k = module.kernel_size
    return k[0] if isinstance(k, tuple) else k


def _s(module) -> int:
    s = module.stride
    return s[0] if isinstance(s, tuple) else s


def describe_layer(module: nn.Module) -> str:
    """A short name for one of GoogLeNet's top-level layers: 'conv 7×7/2', 'max pool 3×3/2'…"""
    first = module[0] if isinstance(module, nn.Sequential) else module
    if isinstance(first, nn.Conv2d):
        return f"conv {_k(first)}×{_k(first)}/{_s(first)}"
    if isinstance(first, nn.MaxPool2d):
        return f"max pool {_k(first)}×{_k(first)}/{_s(first)}"
    if isinstance(first, nn.AvgPool2d):
        return f"avg pool {_k(first)}×{_k(first)}/{_s(first)}"
    if isinstance(first, nn.LocalResponseNorm):
        return "LRN"
    if isinstance(first, nn.Identity):
        return "(no LRN)"
    if isinstance(first, nn.Dropout):
        return f"dropout {round(first.p * 100)}%"
    if isinstance(first, nn.Linear):
        return "linear"
    return type(first).__name__


def _kind(module: nn.Module) -> str:
    first = module[0] if isinstance(module, nn.Sequential) else module
    if isinstance(first, nn.Conv2d):
        return "reduce" if _k(first) == 1 else "conv"
    if isinstance(first, (nn.MaxPool2d, nn.AvgPool2d)):
        return "pool"
    if isinstance(first, (nn.LocalResponseNorm, nn.Identity)):
        return "norm"
    if isinstance(first, nn.Linear):
        return "fc"
    if isinstance(first, nn.Dropout):
        return "plain"
    return "concat"   # an Inception module: its branches are concatenated


# ------------------------------------------------------------------ Figure 2: the module

def _output_shape(module: nn.Module, input_size) -> tuple[int, ...]:
    with probe(module, input_size) as p:
        return tuple(p.run().shape[1:])


def _input_shape(model: GoogLeNet, name: str) -> tuple[int, ...]:
    """The shape that reaches ``model.<name>``: the output of the layer traced before it."""
    rows = trace_shapes(model)
    names = [r.name for r in rows]
    if name not in names or names.index(name) == 0:
        raise ValueError(f"name must be one of GoogLeNet's Inception modules "
                         f"(inception3a … inception5b), got {name!r}")
    return rows[names.index(name) - 1].output_shape


def inception_module(model: GoogLeNet | None = None, name: str = "inception3b"):
    """The Inception module, (a) naive and (b) with 1×1 dimension reductions (the paper's
    Figure 2), annotated with the widths, output sizes and multiply-adds of ``model.<name>``.

    The naive module (a) has the same numbers of 1×1, 3×3 and 5×5 filters, but no reductions,
    and its pool branch passes all input channels on.
    """
    model = _model(model)
    block = getattr(model, name, None)
    if block is None or not hasattr(block, "branch4"):
        raise ValueError(f"name must be one of GoogLeNet's Inception modules "
                         f"(inception3a … inception5b), got {name!r}")
    c_in, h, w = _input_shape(model, name)
    conv1, red3, conv3 = block.branch1[0], block.branch2[0][0], block.branch2[1][0]
    red5, conv5 = block.branch3[0][0], block.branch3[1][0]
    pool, proj = block.branch4[0], block.branch4[1][0]
    with torch.device("meta"):
        naive = NaiveInception(c_in, conv1.out_channels, conv3.out_channels, conv5.out_channels)
    out_a, out_b = (_output_shape(m, (c_in, h, w)) for m in (naive, block))
    macs_a = count_flops(naive, (c_in, h, w)).total
    macs_b = count_flops(block, (c_in, h, w)).total

    def size(c):
        return f"{h}×{w}×{c}"

    def op(m):
        kind = "max pool" if isinstance(m, nn.MaxPool2d) else "conv"
        return f"{_k(m)}×{_k(m)} {kind}"

    # (a) on top of (b), each panel: input at the bottom, concatenation at the top
    fig, ax = canvas(10.6, 14.0, scale=0.5)
    bw, bh, pitch = 2.3, 0.95, 2.6
    x0 = 0.2 + bw / 2

    def panel(y0, title, columns, concat_note):
        # columns: per branch, a list of (text, kind) from bottom to top
        y_in, y_low, y_high, y_cat = y0 + 0.6, y0 + 2.2, y0 + 3.6, y0 + 5.2
        label(ax, x0 + 1.5 * pitch, y0 + 6.25, title, fontsize=9.5, fontweight="bold")
        span = 3 * pitch + bw   # the input and the concatenation reach across all branches
        inp = box(ax, x0 + 1.5 * pitch, y_in, f"previous layer\n{size(c_in)}", "input",
                  w=span, h=bh, fontsize=8.5)
        cat = box(ax, x0 + 1.5 * pitch, y_cat, concat_note, "concat", w=span, h=bh,
                  fontsize=8.5)
        for i, boxes in enumerate(columns):
            x = x0 + i * pitch
            prev = (x, inp.top[1])
            ys = [y_high] if len(boxes) == 1 else [y_low, y_high]
            for (text, kind), y in zip(boxes, ys):
                b = box(ax, x, y, text, kind, w=bw, h=bh, fontsize=8.5)
                arrow(ax, prev, b.bottom)
                prev = b.top
            arrow(ax, prev, (x, cat.bottom[1]))

    panel(7.2, f"(a) naive version: {macs_a / 1e6:.0f} M multiply-adds", [
        [(f"{op(conv1)}\n{size(conv1.out_channels)}", "reduce")],
        [(f"{op(conv3)}\n{size(conv3.out_channels)}", "conv")],
        [(f"{op(conv5)}\n{size(conv5.out_channels)}", "conv")],
        [(f"{op(pool)}\n{size(c_in)}", "pool")],
    ], f"filter concatenation\n{hwc(tuple(out_a))} = {conv1.out_channels}+"
       f"{conv3.out_channels}+{conv5.out_channels}+{c_in}")
    panel(0.0, f"(b) with dimension reductions: {macs_b / 1e6:.0f} M multiply-adds", [
        [(f"{op(conv1)}\n{size(conv1.out_channels)}", "reduce")],
        [(f"{op(red3)}\n{size(red3.out_channels)}", "reduce"),
         (f"{op(conv3)}\n{size(conv3.out_channels)}", "conv")],
        [(f"{op(red5)}\n{size(red5.out_channels)}", "reduce"),
         (f"{op(conv5)}\n{size(conv5.out_channels)}", "conv")],
        [(f"{op(pool)}\n{size(c_in)}", "pool"),
         (f"{op(proj)}\n{size(proj.out_channels)}", "reduce")],
    ], f"filter concatenation\n{hwc(tuple(out_b))} = {conv1.out_channels}+"
       f"{conv3.out_channels}+{conv5.out_channels}+{proj.out_channels}")
    line(ax, [(0.2, 6.85), (10.4, 6.85)], dashed=True, color=MUTED)
    return fig


# ------------------------------------------------------------------ the whole network

def _aux_attachments(model: GoogLeNet) -> dict[str, str]:
    """Which layer each auxiliary head reads: the top-level module that ran just before it
    in a training-mode forward pass."""
    if not model.aux_logits:
        return {}
    order: list[str] = []
    with probe(model, training=True) as p:
        for n, m in model.named_children():
            p.after(m, lambda mod, i, o, n=n: order.append(n))
        p.run()
    return {order[order.index(aux) - 1]: aux for aux in ("aux1", "aux2")}


def _aux_text(model: GoogLeNet, aux_name: str, in_shape, channels: bool = True) -> str:
    aux = getattr(model, aux_name)
    rows = {r.name: r.output_shape for r in trace_shapes(aux, input_size=in_shape)}
    weight = inspect.signature(googlenet_loss).parameters["aux_weight"].default
    pooled = hwc(rows["pool"]) if channels else "×".join(map(str, rows["pool"][1:]))
    return "\n".join([
        f"auxiliary classifier {aux_name[-1]}",
        f"(training only, loss × {weight})",
        f"{describe_layer(aux.pool)} → {pooled}",
        f"1×1 conv → {hwc(rows['conv'])}",
        f"FC → {hwc(rows['fc1'])}, {describe_layer(aux.dropout)}",
        f"linear → {hwc(rows['fc2'])}",
    ])


def stage_ends(model: GoogLeNet | None = None) -> dict[str, str]:
    """{layer: part} for the layers that end a part of the network: the stem (up to the pool
    before inception 3a), the stages of Inception modules (3, 4 and 5, each up to the pool
    before the next stage, or to its last module) and the head (the classifier)."""
    names = [r.name for r in trace_shapes(_model(model))]
    inception = [n.startswith("inception") for n in names]
    ends, stage = {}, "stem"
    for i, name in enumerate(names[:-1]):
        starts_stage = inception[i + 1] and not inception[i]
        if starts_stage or (inception[i] and not any(inception[i + 1:])):
            ends[name] = stage
            stage = f"stage {names[i + 1].removeprefix('inception')[0]}" if starts_stage \
                else "head"
    ends[names[-1]] = "head"
    return ends


def pipeline(model: GoogLeNet | None = None, sizes: str = "layers"):
    """GoogLeNet from the image to the classifier in three columns, read top to bottom (the
    stem; inception 3a–4e; inception 5a–5b and the head), with the auxiliary classifiers
    beside the modules the model attaches them to. Output sizes come from a forward pass
    (``trace_shapes``): under every layer (``sizes="layers"``), or only where a part of the
    network ends (``sizes="stages"``: the stem, stages 3–5 and the head, see :func:`stage_ends`;
    the auxiliary heads then show no channel counts)."""
    if sizes not in ("layers", "stages"):
        raise ValueError(f"sizes must be 'layers' or 'stages', got {sizes!r}")
    model = _model(model)
    rows = trace_shapes(model)
    attach = _aux_attachments(model)
    ends = stage_ends(model) if sizes == "stages" else {}
    spec = model.input_spec
    items = [("image", f"input\n{spec.size[0]}×{spec.size[1]}×{spec.channels}", "input")]
    for r in rows:
        module = getattr(model, r.name)
        name = r.name.replace("inception", "inception ") if r.name.startswith("inception") \
            else describe_layer(module)
        if sizes == "layers":
            text = f"{name}\n{hwc(r.output_shape)}"
        elif r.name in ends:
            text = f"{name}\n{ends[r.name]} → {hwc(r.output_shape)}"
        else:
            text = name
        items.append((r.name, text, _kind(module)))
    # Three columns: the stem (to its second max pool), up to 4e, then the rest.
    cut1 = next(i for i, (n, _, _) in enumerate(items) if n.startswith("inception"))
    cut2 = next(i for i, (n, _, _) in enumerate(items) if n.startswith("inception5")) - 1
    groups = [items[:cut1], items[cut1:cut2], items[cut2:]]

    bw, bh, pitch, aux_w = (2.5 if sizes == "layers" else 2.9), 0.95, 1.3, 3.7
    n_rows = max(len(g) for g in groups)
    xs = [0.2 + bw / 2]
    xs.append(xs[0] + bw + 0.9)
    aux_x = xs[1] + bw / 2 + 0.45 + aux_w / 2      # the auxiliary heads' band
    xs.append(aux_x + aux_w / 2 + 0.9 + bw / 2)
    y_route_top = n_rows * pitch + 0.75
    y0 = y_route_top - 0.45 - bh / 2
    y_route_bottom = y0 - (n_rows - 1) * pitch - bh / 2 - 0.35
    fig, ax = canvas(xs[2] + bw / 2 + 0.2, y_route_top + 0.3, scale=0.5)
    shapes = {r.name: r.output_shape for r in rows}
    boxes = {}
    for g, x in zip(groups, xs):
        prev = None
        for i, (n, text, kind) in enumerate(g):
            b = box(ax, x, y0 - i * pitch, text, kind, w=bw, h=bh, fontsize=8.5)
            if prev is not None:
                arrow(ax, prev.bottom, b.top)
            boxes[n] = prev = b
    # from the bottom of one column to the top of the next, around the boxes
    for g, g_next, x_gap in zip(groups, groups[1:], (xs[0] + bw / 2 + 0.45,
                                                     xs[2] - bw / 2 - 0.45)):
        end, start = boxes[g[-1][0]], boxes[g_next[0][0]]
        line(ax, [end.bottom, (end.x, y_route_bottom), (x_gap, y_route_bottom),
                  (x_gap, y_route_top), (start.x, y_route_top)])
        arrow(ax, (start.x, y_route_top), start.top)
    for source, aux_name in attach.items():
        b = boxes[source]
        text = _aux_text(model, aux_name, shapes[source], channels=sizes == "layers")
        a = box(ax, aux_x, b.y, text, "aux",
                w=aux_w, h=2.3, fontsize=8, dashed=True)
        arrow(ax, b.right, a.left, dashed=True)
    return fig


# ------------------------------------------------------------------ global average pooling

def _stack(ax, x, y, side, n, text, note=None):
    """A block of ``n`` offset squares (a tensor of feature maps), centred near (x, y)."""
    step = 0.16
    for i in reversed(range(n)):
        ax.add_patch(Rectangle((x - side / 2 + i * step, y - side / 2 + i * step), side, side,
                               facecolor=PALETTE["conv"], edgecolor=INK, linewidth=0.8))
    for j in range(1, 7):   # a 7×7 grid on the front map
        f = -side / 2 + j * side / 7
        ax.plot([x + f, x + f], [y - side / 2, y + side / 2], color=MUTED, linewidth=0.4)
        ax.plot([x - side / 2, x + side / 2], [y + f, y + f], color=MUTED, linewidth=0.4)
    label(ax, x + (n - 1) * step / 2, y - side / 2 - 0.35, text, fontsize=8.5)
    if note:
        label(ax, x + (n - 1) * step / 2, y - side / 2 - 0.75, note, fontsize=7.5, color=MUTED)


def _vector(ax, x, y, length, text, kind="fc", note=None):
    """A column vector: a thin tall bar of ``length`` units with a label under it."""
    ax.add_patch(Rectangle((x - 0.18, y - length / 2), 0.36, length, facecolor=PALETTE[kind],
                           edgecolor=INK, linewidth=0.8))
    label(ax, x, y - length / 2 - 0.3, text, fontsize=8.5)
    if note:
        label(ax, x, y - length / 2 - 0.7, note, fontsize=7.5, color=MUTED)


def gap_vs_fc(model: GoogLeNet | None = None):
    """The top of the network two ways (the slides' comparison): flattening inception 5b's
    output into one long vector and a fully connected layer to a vector of the same number
    of channels, against global average pooling, which averages each map and has no weights.
    """
    model = _model(model)
    c, h, w = next(r.output_shape for r in trace_shapes(model) if r.name == "inception5b")
    flat = c * h * w
    fc = nn.Linear(flat, c, bias=False, device="meta")
    fc_weights = fc.weight.numel()
    gap_weights = sum(p.numel() for p in nn.AdaptiveAvgPool2d(1).parameters())

    fig, ax = canvas(15.0, 8.4, scale=0.5)
    top, bottom = 5.9, 1.85
    label(ax, 7.5, 8.05, "flatten + fully connected", fontsize=9.5, fontweight="bold")
    _stack(ax, 1.6, top, 1.6, 5, f"{h}×{w}×{c}", "inception 5b")
    arrow(ax, (3.0, top), (5.4, top))
    label(ax, 4.2, top + 0.3, "flatten", fontsize=8.5)
    _vector(ax, 5.9, top, 2.9, f"{flat:,}")
    arrow(ax, (6.4, top), (10.6, top))
    label(ax, 8.5, top + 0.3, f"FC: {flat:,} × {c:,}", fontsize=8.5)
    label(ax, 8.5, top - 0.35, f"= {fc_weights:,} weights", fontsize=8.5, fontweight="bold")
    _vector(ax, 11.1, top, 1.4, f"1×1×{c}")

    line(ax, [(0.3, 3.9), (14.7, 3.9)], dashed=True, color=MUTED)
    label(ax, 7.5, 3.55, "global average pooling", fontsize=9.5, fontweight="bold")
    _stack(ax, 1.6, bottom, 1.6, 5, f"{h}×{w}×{c}", "inception 5b")
    arrow(ax, (3.0, bottom), (10.6, bottom))
    label(ax, 6.8, bottom + 0.3, f"mean of each {h}×{w} map", fontsize=8.5)
    label(ax, 6.8, bottom - 0.35, f"{gap_weights} weights", fontsize=8.5, fontweight="bold")
    _vector(ax, 11.1, bottom, 1.4, f"1×1×{c}")
    return fig


# ------------------------------------------------------------------ charts

def _card(fig, axes):
    fig.patch.set_facecolor(CARD)
    for ax in axes:
        ax.set_facecolor(CARD)
        ax.tick_params(colors=INK)
        for spine in ax.spines.values():
            spine.set_color(MUTED)


def table1_errata(table1: list[dict]):
    """Table 1's printed params and ops beside what its own filter counts give, per row;
    "≠" marks an entry the filter counts do not give. ``table1`` is
    :func:`cnncourse.analysis.paper_checks.googlenet_table1`'s list."""
    cost_rows = [r for r in table1 if r["paper_params_k"] is not None]
    if not cost_rows:
        raise ValueError("table1 must be googlenet_table1()'s rows (with paper_params_k)")
    names = [r["row"].replace("inception", "") for r in cost_rows]
    fig, axes = plt.subplots(2, 1, figsize=(9, 6), constrained_layout=True)
    _card(fig, axes)
    width = 0.4
    for ax, col, unit, suffix, where in zip(axes, ("ops", "params"),
                                            ("multiply-adds (M)", "weights (K = 1024)"),
                                            ("m", "k"), ("upper right", "upper left")):
        ours = [r[f"ours_{col}_{suffix}"] for r in cost_rows]
        paper = [r[f"paper_{col}_{suffix}"] for r in cost_rows]
        xs = range(len(cost_rows))
        ax.bar([x - width / 2 for x in xs], ours, width, color="#4c78a8",
               label="from Table 1's filter counts")
        ax.bar([x + width / 2 for x in xs], paper, width, color="#f58518",
               label="Table 1, as printed")
        for i, r in enumerate(cost_rows):
            if not r[f"{col}_consistent"]:
                ax.text(i, max(ours[i], paper[i]) * 1.02, "≠", ha="center", va="bottom",
                        fontsize=13, color=INK)
        ax.set_xticks(list(xs), names, color=INK)
        ax.set_ylabel(unit, color=INK)
        ax.set_ylim(0, max(ours + paper) * 1.18)
        ax.legend(loc=where, frameon=False, labelcolor=INK)
    axes[0].set_title("GoogLeNet, Table 1: multiply-adds (top) and weights (bottom) per row",
                      color=INK)
    return fig


def ilsvrc_chart(entries):
    """ILSVRC classification top-5 error per entry, as horizontal bars; ``entries`` are
    ``(team, year, place, top5_percent, external_data)`` tuples (``papers.ILSVRC_TOP5``)."""
    entries = list(entries)
    if not entries or any(len(e) != 5 for e in entries):
        raise ValueError("entries must be (team, year, place, top-5 %, external data) tuples")
    colours = {"no": "#4c78a8", "extra": "#bab0ac", "GoogLeNet": "#54a24b"}
    fig, ax = plt.subplots(figsize=(8.5, 4.2), constrained_layout=True)
    _card(fig, [ax])
    for i, (team, year, place, top5, external) in enumerate(entries):
        extra = external != "no"
        colour = colours["extra"] if extra else colours.get(team, colours["no"])
        ax.barh(i, top5, color=colour, hatch="//" if extra else None, edgecolor=INK,
                linewidth=0.5)
        ax.text(top5 + 0.2, i, f"{top5}%", va="center", color=INK, fontsize=9)
    ax.set_yticks(range(len(entries)),
                  [f"{team} {year} ({place})" for team, year, place, _, _ in entries], color=INK)
    ax.invert_yaxis()
    ax.set_xlabel("top-5 error (%), ILSVRC classification", color=INK)
    ax.set_xlim(0, max(e[3] for e in entries) * 1.15)
    ax.legend(handles=[
        Patch(facecolor=colours["no"], edgecolor=INK, label="no external data"),
        Patch(facecolor=colours["extra"], edgecolor=INK, hatch="//",
              label="external data (ImageNet 22k)"),
        Patch(facecolor=colours["GoogLeNet"], edgecolor=INK, label="GoogLeNet"),
    ], loc="lower right", frameon=False, labelcolor=INK)
    return fig
