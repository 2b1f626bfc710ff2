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

from functools import partial

import torch
from torch import nn

from ._common import InputSpec
from ._registry import register_model
# option A's zero-padding shortcut (resnet.ZeroPadShortcut) comes with BasicBlock(shortcut="A")
from .resnet import BasicBlock, PlainBasicBlock, _check_shortcut, conv3x3, init_weights, make_stages

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
        block = PlainBasicBlock if plain else BasicBlock

        self.conv1 = conv3x3(in_channels, STAGE_WIDTHS[0])
        self.bn1 = nn.BatchNorm2d(STAGE_WIDTHS[0])
        self.relu = nn.ReLU(inplace=True)
        # maps 32 -> 16 -> 8 at the first block of stages 2 and 3; the paper uses option A for
        # every CIFAR net (B and C are here for experiments)
        self.layer1, self.layer2, self.layer3 = make_stages(
            block, STAGE_WIDTHS[0], STAGE_WIDTHS, [n] * len(STAGE_WIDTHS), shortcut=shortcut)

        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(STAGE_WIDTHS[-1], num_classes)

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
# Registered names: one per row of Table 6, and the plain nets up to 110 (Figure 6). A plain net
# has no shortcut, so its builder fixes the shortcut option (and it is not offered).

_CIFAR = dict(family="resnet_cifar", paper="He et al. 2015, §4.2 and Table 6", input_size=(3, 32, 32),
              num_classes=10)

for _depth in DEPTHS:
    register_model(f"resnet{_depth}", partial(CifarResNet, _depth, plain=False), **_CIFAR)
for _depth in (20, 32, 44, 56, 110):
    register_model(f"plain{_depth}", partial(CifarResNet, _depth, plain=True, shortcut="A"),
                   **_CIFAR)
