"""LeNet-5, as published in LeCun, Bottou, Bengio & Haffner (1998), §II.B and Table I.

The layers keep the paper's names: C1, S2, C3, S4, C5, F6 and the RBF output.
Three details are often dropped by "LeNet" re-implementations and are kept here:

* S2 and S4 are *trainable* subsampling layers, not max-pools: each unit adds up a
  2×2 field, multiplies the sum by one trainable coefficient per map, adds one
  trainable bias per map, and squashes the result.
* C3 does not see all six S2 maps. Table I connects each C3 map to three, four or six
  of them: to break symmetry (different maps are pushed to learn different features)
  and to keep the number of connections down.
* The output layer is a Euclidean radial basis function: unit i computes the squared
  distance between F6's 84 outputs and a fixed code of ±1 drawn from a 7×12 bitmap of
  digit i. The codes are "chosen by hand and kept fixed", so they are a buffer, not a
  parameter.

With these, the trainable parameters per layer are the paper's: C1 156, S2 12,
C3 1,516, S4 32, C5 48,120, F6 10,164, 60,000 in all.

``lenet5_modern`` is what most tutorials call LeNet: ReLU, max-pooling, a fully
connected C3 and a linear classifier.
"""
from __future__ import annotations

from functools import partial

import torch
from torch import nn

from ._common import InputSpec, ScaledTanh
from ._registry import register_model

# Table I of the paper: which S2 feature maps (columns 0-5) feed each C3 map (rows 0-15).
# Maps 0-5 see three contiguous maps, 6-11 four contiguous, 12-14 four non-contiguous,
# and map 15 sees all six.
C3_TABLE = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (4, 5, 0), (5, 0, 1),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (3, 4, 5, 0), (4, 5, 0, 1), (5, 0, 1, 2),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)

# Stylised 7-wide, 12-high bitmaps of the digits, the kind of picture the paper used for
# the RBF codes ('#' = +1, '.' = -1). The paper's exact bitmaps were not published as
# numbers; what matters for the method is that they are fixed ±1 codes of length 84 and
# that confusable characters get similar codes.
DIGIT_BITMAPS = {
    0: ["..###..", ".#...#.", "#.....#", "#.....#", "#.....#", "#.....#",
        "#.....#", "#.....#", "#.....#", "#.....#", ".#...#.", "..###.."],
    1: ["...#...", "..##...", ".#.#...", "...#...", "...#...", "...#...",
        "...#...", "...#...", "...#...", "...#...", "...#...", ".#####."],
    2: ["..###..", ".#...#.", "#.....#", "......#", ".....#.", "....#..",
        "...#...", "..#....", ".#.....", "#......", "#......", "#######"],
    3: [".#####.", "#.....#", "......#", "......#", ".....#.", "..###..",
        ".....#.", "......#", "......#", "......#", "#.....#", ".#####."],
    4: [".....#.", "....##.", "...#.#.", "..#..#.", ".#...#.", "#....#.",
        "#######", ".....#.", ".....#.", ".....#.", ".....#.", ".....#."],
    5: ["#######", "#......", "#......", "#......", "#####..", ".....#.",
        "......#", "......#", "......#", "......#", "#....#.", ".####.."],
    6: ["..####.", ".#.....", "#......", "#......", "#.###..", "##...#.",
        "#.....#", "#.....#", "#.....#", "#.....#", ".#...#.", "..###.."],
    7: ["#######", "......#", ".....#.", ".....#.", "....#..", "....#..",
        "...#...", "...#...", "..#....", "..#....", "..#....", "..#...."],
    8: ["..###..", ".#...#.", "#.....#", "#.....#", ".#...#.", "..###..",
        ".#...#.", "#.....#", "#.....#", "#.....#", ".#...#.", "..###.."],
    9: ["..###..", ".#...#.", "#.....#", "#.....#", "#.....#", ".#...##",
        "..###.#", "......#", "......#", ".....#.", "....#..", ".###..."],
}


def rbf_codes() -> torch.Tensor:
    """The fixed 10×84 matrix of ±1 output codes, one flattened 7×12 bitmap per digit."""
    rows = []
    for digit in range(10):
        bitmap = DIGIT_BITMAPS[digit]
        assert len(bitmap) == 12 and all(len(r) == 7 for r in bitmap), digit
        rows.append([1.0 if c == "#" else -1.0 for r in bitmap for c in r])
    return torch.tensor(rows)


class Subsampling(nn.Module):
    """S2/S4: 2×2 sum × one trainable coefficient per map + one trainable bias per map.

    The squashing function that follows is a separate module so that the trace of shapes
    and the parameter table show the layer the paper describes.
    """

    def __init__(self, channels: int):
        super().__init__()
        self.coefficient = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.pool = nn.AvgPool2d(2)

    def forward(self, x):
        summed = self.pool(x) * 4  # average × 4 = sum of the 2×2 field
        return summed * self.coefficient.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


class PartialConv(nn.Module):
    """C3: a 5×5 convolution in which output map i sees only the input maps in ``table[i]``.

    Maps with the same number of inputs are computed together as one grouped convolution
    over a gathered copy of their input maps, which is both faithful (exactly the paper's
    weights, no masked-out ones) and fast. Table I is ordered so that the groups (3, 4 and
    6 inputs) come out in map order.
    """

    def __init__(self, table=C3_TABLE, kernel_size: int = 5):
        super().__init__()
        self.table = tuple(tuple(t) for t in table)
        sizes = [len(t) for t in self.table]
        if sizes != sorted(sizes):
            raise ValueError("the connection table must list maps by growing number of inputs")
        self.convs = nn.ModuleList()
        self._group_inputs = []
        for size in sorted(set(sizes)):
            maps = [t for t in self.table if len(t) == size]
            index = torch.tensor([i for t in maps for i in t])
            self.register_buffer(f"index{size}", index, persistent=False)
            self._group_inputs.append(f"index{size}")
            self.convs.append(nn.Conv2d(len(index), len(maps), kernel_size, groups=len(maps)))

    def forward(self, x):
        outs = [conv(x.index_select(1, getattr(self, name)))
                for conv, name in zip(self.convs, self._group_inputs)]
        return torch.cat(outs, dim=1)


class EuclideanRBF(nn.Module):
    """Output layer: y_i = Σ_j (x_j − w_ij)², with the fixed ±1 codes w as a buffer.

    A small y_i means "looks like class i". ``forward`` returns −y so that the output
    works as logits (argmax is the prediction, and cross-entropy on −y is the paper's
    MAP-like criterion, eq. 9, without its constant j).
    """

    def __init__(self, codes: torch.Tensor):
        super().__init__()
        self.register_buffer("codes", codes)

    def forward(self, x):
        return -torch.cdist(x, self.codes).pow(2)


class LeNet5(nn.Module):
    """LeNet-5 of LeCun et al. 1998 (§II.B, Table I, Appendix A).

    ``faithful=True``: scaled tanh, trainable subsampling, partial C3, RBF output
    (``head="rbf"``) or a linear classifier (``head="linear"``).
    ``faithful=False``: the modern variant (ReLU, 2×2 max-pool, full C3, linear head).
    """

    def __init__(self, num_classes: int = 10, faithful: bool = True, head: str = "rbf",
                 in_channels: int = 1):
        super().__init__()
        if head not in ("rbf", "linear"):
            raise ValueError(f"head must be 'rbf' or 'linear', got {head!r}")
        if head == "rbf" and num_classes != 10:
            raise ValueError("the RBF head has fixed codes for the 10 digits only; "
                             f"use head='linear' for num_classes={num_classes}")
        self.input_spec = InputSpec("lenet5" if faithful else "lenet5_modern", in_channels,
                                    size=(32, 32))
        act = ScaledTanh if faithful else nn.ReLU
        self.C1 = nn.Conv2d(in_channels, 6, 5)
        self.act1 = act()
        self.S2 = Subsampling(6) if faithful else nn.MaxPool2d(2)
        self.act2 = act() if faithful else nn.Identity()
        self.C3 = PartialConv(C3_TABLE) if faithful else nn.Conv2d(6, 16, 5)
        self.act3 = act()
        self.S4 = Subsampling(16) if faithful else nn.MaxPool2d(2)
        self.act4 = act() if faithful else nn.Identity()
        self.C5 = nn.Conv2d(16, 120, 5)  # on a 5×5 input: a full connection to S4
        self.act5 = act()
        self.flatten = nn.Flatten()
        self.F6 = nn.Linear(120, 84)
        self.act6 = act()
        self.output = EuclideanRBF(rbf_codes()) if head == "rbf" else nn.Linear(84, num_classes)
        if faithful:
            self._init_like_the_paper()

    def _init_like_the_paper(self):
        # Appendix A: weights uniform in ±2.4/F_in (F_in = fan-in of the unit), which keeps
        # the weighted sums in the squashing function's steep, non-saturated range.
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_in = m.weight[0].numel()
                nn.init.uniform_(m.weight, -2.4 / fan_in, 2.4 / fan_in)
                nn.init.uniform_(m.bias, -2.4 / fan_in, 2.4 / fan_in)

    def forward(self, x):
        self.input_spec.check(x)
        x = self.act2(self.S2(self.act1(self.C1(x))))
        x = self.act4(self.S4(self.act3(self.C3(x))))
        x = self.flatten(self.act5(self.C5(x)))
        return self.output(self.act6(self.F6(x)))


# lenet5: as published (scaled tanh, trainable subsampling, partial C3, RBF output);
# lenet5_modern: the usual modern reading (ReLU, max-pool, full C3, linear classifier).
register_model("lenet5", partial(LeNet5, faithful=True), family="lenet",
               paper="LeCun et al. 1998, §II.B and Table I", input_size=(1, 32, 32), num_classes=10)
register_model("lenet5_modern", partial(LeNet5, faithful=False, head="linear"), family="lenet",
               paper="LeCun et al. 1998 (modernised)", input_size=(1, 32, 32), num_classes=10)
