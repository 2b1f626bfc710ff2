"""ResNet and its plain twin for ImageNet (He, Zhang, Ren, Sun 2015, Table 1, §3.3, §4.1).

A residual block learns F(x) = H(x) − x and outputs relu(F(x) + x): if the best thing a
block can do is nothing, it only has to push F towards zero, which is much easier for
an optimizer than making a stack of nonlinear layers imitate the identity. The plain
nets (plain18, plain34) are the same networks with the "+ x" removed — the paper's
control experiment (Table 2, Figure 4).

Module names follow torchvision's resnet exactly (conv1, bn1, relu, maxpool,
layer1..layer4, avgpool, fc; inside a block conv1, bn1, conv2, bn2, [conv3, bn3], relu,
downsample), so with shortcut="B" and variant="v1.5" a torchvision state_dict loads
into these models with strict=True.
"""
from __future__ import annotations

from functools import partial

import torch
import torch.nn.functional as F
from torch import nn

from ._common import InputSpec
from ._registry import register_model

# -----------------------------------------------------------------------------
# Table 1 of the paper, as data. Each entry: (block type, number of blocks per stage).
# The paper names the stages by their first conv; torchvision (and we) call them layerN:
#
#   paper      output (224 input)   module    width (3×3 filters; bottleneck output is 4×)
#   conv1      112×112              conv1     7×7, 64, stride 2
#   conv2_x     56×56               layer1    64     (after a 3×3/2 max pool)
#   conv3_x     28×28               layer2    128    (first block has stride 2)
#   conv4_x     14×14               layer3    256    (first block has stride 2)
#   conv5_x      7× 7               layer4    512    (first block has stride 2)
#               1× 1                avgpool, fc      global average pool, 1000-d fc
#
# Depth counts weighted layers: stem conv + (2 or 3 convs per block) + fc, e.g.
# ResNet-50 = 1 + 3·(3+4+6+3) + 1.
TABLE1 = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}
STAGE_WIDTHS = (64, 128, 256, 512)

SHORTCUTS = ("A", "B", "C")  # §3.3: A zero-pad, B project when shape changes, C project always
VARIANTS = ("v1", "v1.5")    # where the bottleneck's stride-2 sits: first 1×1 (v1) or 3×3 (v1.5)


def _check_shortcut(shortcut: str) -> None:
    if shortcut not in SHORTCUTS:
        raise ValueError(f"shortcut must be one of 'A', 'B', 'C' (He et al. 2015, §3.3: A zero-padding "
                         f"identity, B projection when dimensions change, C projection everywhere), "
                         f"got {shortcut!r}")


def _check_variant(variant: str) -> None:
    if variant not in VARIANTS:
        raise ValueError(f"variant must be 'v1' (stride on the bottleneck's first 1×1, the authors' "
                         f"released models) or 'v1.5' (stride on the 3×3, torchvision's layout), "
                         f"got {variant!r}")


def conv3x3(in_ch: int, out_ch: int, stride: int = 1) -> nn.Conv2d:
    # no bias: every conv is followed by BatchNorm, whose shift would cancel it anyway
    return nn.Conv2d(in_ch, out_ch, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(in_ch: int, out_ch: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_ch, out_ch, kernel_size=1, stride=stride, bias=False)


# -----------------------------------------------------------------------------
# Shortcuts (§3.3)

class ZeroPadShortcut(nn.Module):
    """Option A's shortcut when dimensions grow: an identity with zeros appended, no parameters.

    Spatially it subsamples by taking every ``stride``-th pixel (what a 1×1 stride-s
    identity "conv" would do); the ``out_ch − in_ch`` new channels are all zeros, so the
    block's residual branch alone has to fill them.
    """

    def __init__(self, in_ch: int, out_ch: int, stride: int = 1):
        super().__init__()
        if out_ch < in_ch:
            raise ValueError(f"a zero-padding shortcut can only add channels, got {in_ch} -> {out_ch}")
        self.in_ch, self.out_ch, self.stride = in_ch, out_ch, stride

    def forward(self, x):
        if self.stride > 1:
            x = x[:, :, ::self.stride, ::self.stride]
        # F.pad's last pair pads dim -3 (channels): (W left, W right, H top, H bottom, C front, C back)
        return F.pad(x, (0, 0, 0, 0, 0, self.out_ch - self.in_ch))

    def extra_repr(self):
        return f"{self.in_ch}, {self.out_ch}, stride={self.stride}"


def make_shortcut(in_ch: int, out_ch: int, stride: int, shortcut: str) -> nn.Module | None:
    """The ``downsample`` module of a block, or None for a plain identity shortcut."""
    changes_shape = stride != 1 or in_ch != out_ch
    if shortcut == "C" or (shortcut == "B" and changes_shape):
        # projection W_s·x (eq. 2), with BN like every other conv in the net
        return nn.Sequential(conv1x1(in_ch, out_ch, stride), nn.BatchNorm2d(out_ch))
    if shortcut == "A" and changes_shape:
        return ZeroPadShortcut(in_ch, out_ch, stride)
    return None  # identity: y = F(x) + x, nothing to learn


# -----------------------------------------------------------------------------
# Blocks. Each takes (in_ch, planes, stride) and outputs planes·expansion channels.
# ``options`` lists the keyword options the block takes, so ResNet knows what to pass.

class BasicBlock(nn.Module):
    """Two 3×3 convs plus a shortcut (Figure 5, left): ResNet-18/34 and the CIFAR nets."""

    expansion = 1
    options = ("shortcut",)

    def __init__(self, in_ch: int, planes: int, stride: int = 1, shortcut: str = "B"):
        super().__init__()
        _check_shortcut(shortcut)
        out_ch = planes * self.expansion
        self.conv1 = conv3x3(in_ch, planes, stride)  # downsampling happens here, first conv of the block
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, out_ch)
        self.bn2 = nn.BatchNorm2d(out_ch)
        # in place, as in torchvision: saves a tensor per activation (hooks that keep BN outputs must clone)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = make_shortcut(in_ch, out_ch, stride, shortcut)

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)  # the ReLU comes after the addition (Figure 2)


class Bottleneck(nn.Module):
    """1×1 reduce, 3×3, 1×1 expand (×4), plus a shortcut (Figure 5, right): ResNet-50/101/152.

    The 1×1s make the 3×3 work on a 4× thinner tensor, so a 3-layer bottleneck costs about
    as much as a 2-layer basic block while going deeper. ``variant`` places the stride of
    a downsampling block: "v1" on the first 1×1 (the authors' released Caffe models; it
    simply drops 3 of every 4 pixels), "v1.5" on the 3×3 (torchvision; a bit more accurate
    and a bit more compute, ≈4.1 vs 3.8 GFLOPs for ResNet-50).
    """

    expansion = 4
    options = ("shortcut", "variant")

    def __init__(self, in_ch: int, planes: int, stride: int = 1, shortcut: str = "B",
                 variant: str = "v1"):
        super().__init__()
        _check_shortcut(shortcut)
        _check_variant(variant)
        out_ch = planes * self.expansion
        stride_1x1, stride_3x3 = (stride, 1) if variant == "v1" else (1, stride)
        self.conv1 = conv1x1(in_ch, planes, stride_1x1)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride_3x3)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, out_ch)
        self.bn3 = nn.BatchNorm2d(out_ch)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = make_shortcut(in_ch, out_ch, stride, shortcut)

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class PlainBasicBlock(nn.Module):
    """BasicBlock without the shortcut: the same two 3×3 convs, so the same parameters
    as an option-A residual block. Stacking these gives the paper's plain baselines."""

    expansion = 1
    options = ()

    def __init__(self, in_ch: int, planes: int, stride: int = 1):
        super().__init__()
        self.conv1 = conv3x3(in_ch, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)))


def init_weights(model: nn.Module, zero_init_residual: bool = False) -> None:
    """He init for convs, identity BN; optionally start every residual branch at zero.

    ``zero_init_residual`` (not in the paper; Goyal et al. 2017, "zero γ") sets the γ of each
    block's last BN to 0, so every branch F(x) starts at 0. A block whose shortcut is the
    identity then starts as the identity (relu(0 + x) = x, its input being non-negative); a
    downsampling block does not: it starts as its shortcut alone (a projection with option B
    or C, zero padding with option A).
    """
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            # the paper initializes "as in [13]" (He et al. 2015, "Delving deep"): a zero-mean
            # Gaussian with std sqrt(2/n), which keeps activation variance constant through
            # ReLU layers. fan_out (n = k²·out channels) is [13]'s backward-pass form, as in torchvision.
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    if zero_init_residual:
        # Not in the paper (Goyal et al. 2017): with the last BN's γ = 0 each block starts as
        # its shortcut, so the untrained net is effectively shallow (see the docstring).
        for m in model.modules():
            if isinstance(m, Bottleneck):
                nn.init.zeros_(m.bn3.weight)
            elif isinstance(m, BasicBlock):
                nn.init.zeros_(m.bn2.weight)


def make_stages(block, in_ch: int, widths, blocks_per_stage, **options) -> list[nn.Sequential]:
    """The stages of a ResNet or plain net, one ``nn.Sequential`` of blocks per width.

    The first stage keeps the map size; every later one halves it in its first block (stride
    2, where the shortcut has to change the shape as well) while the width grows. ``options``
    (``shortcut``, ``variant``) go to the blocks that take them (see ``Block.options``): plain
    blocks have no shortcut and basic blocks no 1×1 to put a stride on. The ImageNet nets
    (Table 1) and the CIFAR nets (§4.2) differ only in the widths and the number of blocks.
    """
    options = {k: v for k, v in options.items() if k in block.options}
    stages = []
    for i, (width, n_blocks) in enumerate(zip(widths, blocks_per_stage)):
        blocks = [block(in_ch, width, 1 if i == 0 else 2, **options)]
        in_ch = width * block.expansion
        blocks += [block(in_ch, width, 1, **options) for _ in range(n_blocks - 1)]
        stages.append(nn.Sequential(*blocks))
    return stages


# -----------------------------------------------------------------------------

class ResNet(nn.Module):
    """The ImageNet network of Table 1: stem, four stages of ``block``, global pool, fc.

    ``layers`` is the number of blocks per stage (a row of Table 1). ``shortcut`` and
    ``variant`` are passed to the blocks that take them (see ``Block.options``): plain
    blocks have no shortcut and basic blocks no 1×1 to put a stride on.
    """

    def __init__(self, block, layers, num_classes=1000, shortcut="B", variant="v1", in_channels=3,
                 zero_init_residual=False):
        super().__init__()
        _check_shortcut(shortcut)
        _check_variant(variant)
        if len(layers) != len(STAGE_WIDTHS):
            raise ValueError(f"layers must give the number of blocks for each of the "
                             f"{len(STAGE_WIDTHS)} stages, got {tuple(layers)}")
        convs_per_block = 3 if block is Bottleneck else 2
        depth = 1 + convs_per_block * sum(layers) + 1
        self.name = f"{'plain' if block is PlainBasicBlock else 'resnet'}{depth}"
        self.input_spec = InputSpec(self.name, in_channels, min_size=32)  # 32 -> 1×1 after conv5_x
        self.shortcut, self.variant = shortcut, variant

        # stem (conv1 in Table 1): a large 7×7/2 conv then a 3×3/2 max pool take 224 -> 56
        # cheaply, before the expensive stages start
        self.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

        # conv2_x .. conv5_x. The first stage keeps the resolution (the max pool already
        # halved it); each later one halves it and doubles the width, so every stage costs
        # about the same FLOPs per block.
        self.layer1, self.layer2, self.layer3, self.layer4 = make_stages(
            block, 64, STAGE_WIDTHS, layers, shortcut=shortcut, variant=variant)

        # head: global average pooling instead of VGG's big fc layers (no 7×7×512×4096 matrix)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(STAGE_WIDTHS[-1] * block.expansion, num_classes)

        init_weights(self, zero_init_residual)

    def forward(self, x):
        self.input_spec.check(x)
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


# -----------------------------------------------------------------------------
# Registered names: one per column of Table 1, and the plain nets of Table 2. shortcut="B" is
# the paper's ImageNet default for the deep nets (§3.4, Table 3); variant="v1" follows the
# paper's released models; pass variant="v1.5" for torchvision's layout (needed to load
# torchvision weights). For 18 and 34, variant is accepted so every ResNet takes the same
# options, but it has no effect: basic blocks have no 1×1 conv. A plain net has no shortcut,
# so its builder fixes the shortcut options (and they are not offered).

_IMAGENET = dict(family="resnet", paper="He et al. 2015, Table 1", input_size=(3, 224, 224),
                 num_classes=1000)
BLOCKS = {"basic": BasicBlock, "bottleneck": Bottleneck}

for _depth, (_kind, _layers) in TABLE1.items():
    register_model(f"resnet{_depth}", partial(ResNet, BLOCKS[_kind], _layers), **_IMAGENET)
for _depth in (18, 34):
    register_model(f"plain{_depth}", partial(ResNet, PlainBasicBlock, TABLE1[_depth][1],
                                             shortcut="B", variant="v1", zero_init_residual=False),
                   **_IMAGENET)
