"""Drawing primitives shared by the architecture figures: boxes, arrows, a canvas.

Every figure in the book that shows an architecture is drawn by code from the model's own
configuration (channel counts, kernel sizes, output shapes), so it cannot drift from the code.
The primitives below keep the figures consistent: one palette (a light card with dark ink, so a
figure reads the same on the book's light and dark themes), data coordinates in "boxes" rather
than inches, and a helper that lists every label of a figure for the tests to compare with the model.
"""
from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

INK = "#1f2328"            # text and lines
CARD = "#ffffff"           # figure background: an opaque card, readable on a dark page too
MUTED = "#6e7781"          # secondary text (shapes under a box, captions inside a figure)

# Fill colour per kind of layer; the same kind has the same colour in every figure.
PALETTE = {
    "input": "#eaeef2",
    "conv": "#cfe2ff",     # convolutions
    "reduce": "#d8f3dc",   # 1×1 reductions / projections
    "pool": "#ffe8cc",     # pooling
    "norm": "#f3d9fa",     # LRN, batch normalization
    "act": "#fff3bf",      # nonlinearities
    "fc": "#ffd6d6",       # fully connected / classifier
    "concat": "#e9ecef",   # concatenation, addition
    "aux": "#fde2e4",      # auxiliary heads
    "plain": "#ffffff",
}


@dataclass(frozen=True)
class Box:
    """A drawn box in data coordinates; (x, y) is its centre."""
    x: float
    y: float
    w: float
    h: float

    @property
    def top(self):
        return (self.x, self.y + self.h / 2)

    @property
    def bottom(self):
        return (self.x, self.y - self.h / 2)

    @property
    def left(self):
        return (self.x - self.w / 2, self.y)

    @property
    def right(self):
        return (self.x + self.w / 2, self.y)


def canvas(width: float, height: float, scale: float = 0.55):
    """A figure whose axes run over [0, width] × [0, height] boxes, without ticks or frame."""
    fig, ax = plt.subplots(figsize=(width * scale, height * scale))
    fig.patch.set_facecolor(CARD)
    ax.set_facecolor(CARD)
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.subplots_adjust(left=0.01, right=0.99, top=0.99, bottom=0.01)
    return fig, ax


def box(ax, x: float, y: float, text: str, kind: str = "conv", w: float = 2.4, h: float = 0.7,
        fontsize: float = 8.5, note: str | None = None, dashed: bool = False) -> Box:
    """Draw a rounded box centred at (x, y) with ``text``; ``note`` goes in small grey type below it."""
    if kind not in PALETTE:
        raise ValueError(f"kind must be one of {sorted(PALETTE)}, got {kind!r}")
    patch = FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.12",
                           facecolor=PALETTE[kind], edgecolor=INK, linewidth=0.9,
                           linestyle="--" if dashed else "-")
    ax.add_patch(patch)
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=INK)
    if note:
        ax.text(x, y - h / 2 - 0.08, note, ha="center", va="top", fontsize=fontsize - 1.5, color=MUTED)
    return Box(x, y, w, h)


def circle(ax, x: float, y: float, text: str = "+", r: float = 0.22, fontsize: float = 10) -> Box:
    """A small circle (an addition ⊕, a concatenation point)."""
    ax.add_patch(plt.Circle((x, y), r, facecolor=PALETTE["concat"], edgecolor=INK, linewidth=0.9))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=INK)
    return Box(x, y, 2 * r, 2 * r)


def arrow(ax, start, end, text: str | None = None, dashed: bool = False, color: str = INK,
          connectionstyle: str = "arc3", fontsize: float = 7.5, text_offset=(0.08, 0.0)) -> None:
    """An arrow from ``start`` to ``end`` (points), optionally labelled at its middle."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=9, linewidth=0.9,
                                 color=color, linestyle="--" if dashed else "-",
                                 connectionstyle=connectionstyle, shrinkA=0, shrinkB=0))
    if text:
        mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        ax.text(mx + text_offset[0], my + text_offset[1], text, fontsize=fontsize, color=MUTED,
                ha="left", va="center")


def line(ax, points, dashed: bool = False, color: str = INK) -> None:
    """A polyline without an arrow head (the first legs of a routed connection)."""
    xs, ys = zip(*points)
    ax.plot(xs, ys, color=color, linewidth=0.9, linestyle="--" if dashed else "-",
            solid_capstyle="butt")


def label(ax, x: float, y: float, text: str, fontsize: float = 8, color: str = INK, **kwargs) -> None:
    """Free text in the figure's ink (titles of columns, stage names)."""
    ax.text(x, y, text, fontsize=fontsize, color=color, **{"ha": "center", "va": "center", **kwargs})


def figure_texts(fig) -> list[str]:
    """Every string drawn on ``fig`` (all axes), in drawing order: what the tests compare."""
    return [t.get_text() for ax in fig.axes for t in ax.texts if t.get_text()]
