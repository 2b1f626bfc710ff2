"""AlexNet, VGG and GoogLeNet scaled down to 32×32 images, for an equal-footing comparison on a CPU.

NOT the papers' networks. The ImageNet models take 224×224 (227×227) colour images and
0.7–15 G multiply-adds each; trained the same way as ResNet-20 on 32×32 images they would need
hours per epoch on a laptop CPU, and their fixed-size classifiers (AlexNet's 6×6×256 → 4096)
do not fit a 32×32 input at all. The three builders below keep each paper's defining design
and scale the rest to 32×32 inputs, the input of LeNet-5 and of the CIFAR ResNets:

* ``alexnet_small`` — AlexNet's layer pattern (§3, Figure 2): five convolutions with ReLU, LRN
  (the paper's k, n, α, β) and overlapping 3×3/2 max-pooling after the first two and the last,
  then two dropout FC layers. Changed: conv1 is 5×5 stride 1 (an 11×11 stride-4 window would
  leave a 6×6 map of a 32×32 image), widths are ½ of the paper's, FC layers 512 wide, one GPU.
* ``vgg_small`` — configuration A's pattern (Table 1): stages of 3×3 convolutions (stride 1,
  padding 1) with 2×2 max-pooling between them, widths doubling per stage. Changed: widths are
  ½ of the paper's (32 … 256) and the classifier is 256-256-10 on the 1×1 map left after the
  fifth pooling.
* ``googlenet_small`` — GoogLeNet's building block (Table 1, Figure 2b): the package's own
  :class:`~cnncourse.models.googlenet.Inception` modules with Table 1's proportions, ½ width,
  max-pooling between stages, global average pooling and dropout before one FC layer.
  Changed: a 3×3 stem instead of 7×7/2 + 3×3, five modules (3a, 3b, 4a, 4b, 5a) instead of
  nine, no auxiliary classifiers (they help a 22-layer net; these are 12 layers deep).

Batch normalization (Ioffe & Szegedy 2015, which came after all three papers) is on by default
(``batch_norm=True``): a convolution, then BN, then ReLU, as in VGG-BN, BN-Inception and ResNet.
It lets all five networks of the comparison train with one recipe, the ResNet paper's learning
rate 0.1, in a short budget; without it AlexNet and VGG need a smaller rate and many more
iterations to start learning, and the comparison would measure that instead of the designs.
``batch_norm=False`` gives each paper's own normalization (AlexNet's LRN; none for VGG and
GoogLeNet's modules). The models are registered under the family ``"small"``
(``cnncourse.list_models("small")``).
"""
from __future__ import annotations

from torch import nn

from ._common import InputSpec
from ._registry import register_model
from .alexnet import LRN
from .googlenet import Inception, conv_block
from .vgg import make_features

_SMALL = dict(family="small", input_size=(1, 32, 32), num_classes=10)

# (out_channels, kernel, padding, LRN?, max-pool?) per convolution: AlexNet's Figure 2 at half width.
ALEXNET_SMALL_CONVS = [
    (48, 5, 2, True, True),
    (128, 5, 2, True, True),
    (192, 3, 1, False, False),
    (192, 3, 1, False, False),
    (128, 3, 1, False, True),
]

# Configuration A of VGG's Table 1 at half its widths.
VGG_SMALL_CONFIG = ["conv3-32", "maxpool",
                    "conv3-64", "maxpool",
                    "conv3-128", "conv3-128", "maxpool",
                    "conv3-256", "conv3-256", "maxpool",
                    "conv3-256", "conv3-256", "maxpool"]

# Table 1's rows 3a, 3b, 4a, 4b, 5a at half width (#1×1, #3×3 red, #3×3, #5×5 red, #5×5, pool proj);
# "pool" marks GoogLeNet's max-pools between the stages.
GOOGLENET_SMALL_ROWS = [
    ("3a", (32, 48, 64, 8, 16, 16)),
    ("3b", (64, 64, 96, 16, 48, 32)),
    "pool",
    ("4a", (96, 48, 104, 8, 24, 32)),
    ("4b", (80, 56, 112, 12, 32, 32)),
    "pool",
    ("5a", (128, 80, 160, 16, 64, 64)),
]


class AlexNetSmall(nn.Module):
    """AlexNet's layer pattern on 32×32 images (see the module docstring for what changed)."""

    def __init__(self, num_classes: int = 10, in_channels: int = 1, dropout: float = 0.5,
                 batch_norm: bool = True):
        super().__init__()
        self.input_spec = InputSpec("alexnet_small", in_channels, size=(32, 32))
        layers, channels, size = [], in_channels, 32
        for out, kernel, padding, lrn, pool in ALEXNET_SMALL_CONVS:
            if batch_norm:  # BN takes over LRN's job (and the conv's bias)
                layers += [nn.Conv2d(channels, out, kernel, padding=padding, bias=False),
                           nn.BatchNorm2d(out), nn.ReLU(inplace=True)]
            else:
                layers += [nn.Conv2d(channels, out, kernel, padding=padding), nn.ReLU(inplace=True)]
                if lrn:
                    layers.append(nn.LocalResponseNorm(**LRN))
            if pool:  # overlapping pooling, §3.4: 3×3 windows with stride 2
                layers.append(nn.MaxPool2d(3, stride=2))
                size = (size - 3) // 2 + 1
            channels = out
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(channels * size * size, 512), nn.ReLU(inplace=True),
            nn.Dropout(dropout), nn.Linear(512, 512), nn.ReLU(inplace=True),
            nn.Linear(512, num_classes),
        )

    def forward(self, x):
        self.input_spec.check(x)
        return self.classifier(self.features(x).flatten(1))


class VGGSmall(nn.Module):
    """VGG configuration A's pattern on 32×32 images (see the module docstring)."""

    def __init__(self, num_classes: int = 10, in_channels: int = 1, dropout: float = 0.5,
                 batch_norm: bool = True):
        super().__init__()
        self.input_spec = InputSpec("vgg_small", in_channels, size=(32, 32))
        self.features = make_features(VGG_SMALL_CONFIG, batch_norm=batch_norm, in_channels=in_channels)
        width = int(VGG_SMALL_CONFIG[-2].split("-")[1])  # five poolings: 32 → 1
        self.classifier = nn.Sequential(
            nn.Linear(width, 256), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(256, 256), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(256, num_classes),
        )
        for m in self.modules():  # Glorot initialization, as the package's VGG (§3.1 of the paper)
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        self.input_spec.check(x)
        return self.classifier(self.features(x).flatten(1))


class GoogLeNetSmall(nn.Module):
    """Inception modules on 32×32 images: stem, 3a-3b, pool, 4a-4b, pool, 5a, GAP, FC."""

    def __init__(self, num_classes: int = 10, in_channels: int = 1, dropout: float = 0.4,
                 batch_norm: bool = True):
        super().__init__()
        self.input_spec = InputSpec("googlenet_small", in_channels, min_size=8)
        stem_width = 96
        layers = [conv_block(in_channels, stem_width, 3, padding=1, batch_norm=batch_norm),
                  nn.MaxPool2d(3, stride=2, padding=1)]
        channels = stem_width
        for row in GOOGLENET_SMALL_ROWS:
            if row == "pool":
                layers.append(nn.MaxPool2d(3, stride=2, padding=1))
                continue
            module = Inception(channels, *row[1], batch_norm=batch_norm)
            layers.append(module)
            channels = module.out_channels
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout),
                                  nn.Linear(channels, num_classes))

    def forward(self, x):
        self.input_spec.check(x)
        return self.head(self.features(x))


register_model("alexnet_small", AlexNetSmall,
               paper="Krizhevsky et al. 2012, Figure 2 (scaled to 32×32)", **_SMALL)
register_model("vgg_small", VGGSmall,
               paper="Simonyan & Zisserman 2014, Table 1 A (scaled to 32×32)", **_SMALL)
register_model("googlenet_small", GoogLeNetSmall,
               paper="Szegedy et al. 2014, Table 1 (scaled to 32×32)", **_SMALL)
