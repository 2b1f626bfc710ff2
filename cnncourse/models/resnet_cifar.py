"""The CIFAR-10 ResNets and plain nets of He et al. 2015, §4.2.

A much thinner network than the ImageNet ones, built to study depth alone: 6n+2
weighted layers — one 3×3 conv, three stages of n basic blocks (2n convs each), and
a 10-way fc after global average pooling:

    output map   32×32   16×16   8×8
    # layers     1 + 2n   2n      2n
    # filters    16       32      64

No stem max pool (32×32 is small already); the stride-2 convs of stage 2 and 3 halve the
map. Every shortcut is option A (zero-padding identity), so a ResNet has exactly the
parameters of its plain twin and the comparison in Figure 6 is only about the "+ x".
"""
from __future__ import annotations

import torch
from torch import nn

from ._common import InputSpec
from ._registry import register_model
# option A's zero-padding shortcut (resnet.ZeroPadShortcut) comes with BasicBlock(shortcut="A")
from .resnet import BasicBlock, PlainBasicBlock, _check_shortcut, conv3x3, init_weights

# Table 6, depth -> n (blocks per stage), with the paper's parameter counts and CIFAR-10 test error:
#   ResNet-20    n=3    0.27M   8.75%
#   ResNet-32    n=5    0.46M   7.51%
#   ResNet-44    n=7    0.66M   7.17%
#   ResNet-56    n=9    0.85M   6.97%
#   ResNet-110   n=18   1.7M    6.43%  (best of 5 runs; lr 0.01 warm-up for ~400 iterations)
#   ResNet-1202  n=200  19.4M   7.93%  (worse than 110: the paper suspects overfitting)
DEPTHS = {20: 3, 32: 5, 44: 7, 56: 9, 110: 18, 1202: 200}
STAGE_WIDTHS = (16, 32, 64)


class CifarResNet(nn.Module):
    """A 6n+2-layer CIFAR net: ResNet (``plain=False``) or plain net (``plain=True``).

    Module names mirror the ImageNet ResNet (conv1, bn1, relu, layer1..layer3, avgpool, fc)
    so the same analysis code (hooks on ``layerN``) works for both.
    """

    def __init__(self, depth, num_classes=10, plain=False, in_channels=3, shortcut="A"):
        super().__init__()
        if not isinstance(depth, int) or depth < 8 or (depth - 2) % 6 != 0:
            raise ValueError(f"a CIFAR ResNet has 6n+2 layers (20, 32, 44, 56, 110, 1202, ...), "
                             f"got depth={depth!r}")
        _check_shortcut(shortcut)
        n = (depth - 2) // 6
        self.depth = depth
        self.name = f"{'plain' if plain else 'resnet'}{depth}"
        self.input_spec = InputSpec(self.name, in_channels, min_size=8)  # 8 -> 2×2 in the last stage
        # the paper uses option A for every CIFAR net; B and C are here for experiments
        block_kwargs = {} if plain else {"shortcut": shortcut}
        block = PlainBasicBlock if plain else BasicBlock

        self.conv1 = conv3x3(in_channels, STAGE_WIDTHS[0])
        self.bn1 = nn.BatchNorm2d(STAGE_WIDTHS[0])
        self.relu = nn.ReLU(inplace=True)

        in_ch = STAGE_WIDTHS[0]
        stages = []
        for i, width in enumerate(STAGE_WIDTHS):
            stride = 1 if i == 0 else 2  # maps 32 -> 16 -> 8 at the first block of stages 2 and 3
            blocks = []
            for j in range(n):
                blocks.append(block(in_ch, width, stride if j == 0 else 1, **block_kwargs))
                in_ch = width
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = stages

        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(in_ch, num_classes)

        init_weights(self)  # "the weight initialization in [13]", BN γ=1, β=0

    def forward(self, x):
        self.input_spec.check(x)
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


# -----------------------------------------------------------------------------
# Builders: one registered name per row of Table 6 (plain nets up to 110, as in Figure 6).

_CIFAR = dict(family="resnet_cifar", paper="He et al. 2015, §4.2 and Table 6", input_size=(3, 32, 32),
              num_classes=10)


def _register(depth: int, plain: bool = False):
    """Make and register the builder ``resnet{depth}`` or ``plain{depth}``."""
    name = f"{'plain' if plain else 'resnet'}{depth}"

    def builder(*, num_classes=10, in_channels=3):
        return CifarResNet(depth, num_classes=num_classes, plain=plain, in_channels=in_channels)

    builder.__name__ = builder.__qualname__ = name
    builder.__doc__ = (f"{'Plain' if plain else 'ResNet'}-{depth} for CIFAR-10: n={DEPTHS[depth]} "
                       f"blocks per stage{'' if plain else ', option-A shortcuts'} (§4.2).")
    return register_model(name, **_CIFAR)(builder)


resnet20 = _register(20)
resnet32 = _register(32)
resnet44 = _register(44)
resnet56 = _register(56)
resnet110 = _register(110)
resnet1202 = _register(1202)

plain20 = _register(20, plain=True)
plain32 = _register(32, plain=True)
plain44 = _register(44, plain=True)
plain56 = _register(56, plain=True)
plain110 = _register(110, plain=True)
