"""Small pieces every model shares: input checks and the paper's activations."""
from __future__ import annotations

import torch
from torch import nn


class InputSpec:
    """The input an architecture can take, checked before the first layer runs.

    ``size`` fixes the spatial size exactly (networks whose fully connected layers
    see a flattened map of one size, e.g. AlexNet's 6×6×256); otherwise any size of
    at least ``min_size`` works (networks that end in global average pooling).
    A wrong input then fails with a sentence naming what was expected, instead of a
    matrix-multiplication shape error twenty layers later. The model's ``in_channels`` is
    checked here too, when the model is built.
    """

    def __init__(self, name: str, channels: int, size: tuple[int, int] | None = None,
                 min_size: int = 1):
        if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
            raise ValueError(f"{name}: in_channels must be a positive integer (1 for grey "
                             f"images, 3 for colour), got {channels!r}")
        self.name, self.channels, self.size, self.min_size = name, channels, size, min_size

    def describe(self) -> str:
        if self.size is not None:
            return f"{self.channels}×{self.size[0]}×{self.size[1]}"
        return f"{self.channels}×H×W"

    def _condition(self) -> str:
        return "" if self.size is not None else f" with H, W ≥ {self.min_size}"

    def check(self, x) -> None:
        if not isinstance(x, torch.Tensor):
            raise ValueError(f"{self.name} expects a tensor batch N×{self.describe()}, "
                             f"got {type(x).__name__}")
        if x.dim() != 4:
            got = "×".join(str(s) for s in x.shape)
            raise ValueError(f"{self.name} expects a 4-D batch N×{self.describe()}{self._condition()} "
                             f"(add a batch dimension with x.unsqueeze(0)), got shape {got}")
        if not x.is_floating_point():
            # a uint8 batch is what an image file gives: 0..255, to be scaled as well
            convert = ".float() / 255" if x.dtype == torch.uint8 else ".float()"
            raise ValueError(f"{self.name} expects a floating-point batch, got {x.dtype} "
                             f"(convert with `{convert}`)")
        c, h, w = (int(s) for s in x.shape[1:])
        ok_c = c == self.channels
        ok_hw = (h, w) == tuple(self.size) if self.size is not None else min(h, w) >= self.min_size
        if not (ok_c and ok_hw):
            raise ValueError(f"{self.name} expects {self.describe()} images{self._condition()}, "
                             f"got {c}×{h}×{w}")


class ScaledTanh(nn.Module):
    """LeCun's squashing function f(a) = A·tanh(S·a) with A = 1.7159, S = 2/3 (so f(±1) = ±1)."""

    def __init__(self, amplitude: float = 1.7159, slope: float = 2 / 3):
        super().__init__()
        self.amplitude, self.slope = amplitude, slope

    def forward(self, x):
        return self.amplitude * torch.tanh(self.slope * x)

    def extra_repr(self):
        return f"amplitude={self.amplitude}, slope={self.slope:.4f}"
