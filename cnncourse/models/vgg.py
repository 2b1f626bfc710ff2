"""VGG, as in Simonyan & Zisserman (2014), "Very deep convolutional networks", Table 1.

The configurations below are Table 1 written as data: read a column top to bottom and
you read the network. "conv3-64" is a 3×3 convolution with 64 output channels (stride 1,
padding 1, so the map size stays), "conv1-256" a 1×1 convolution, "LRN" the local
response normalisation of AlexNet, "maxpool" a 2×2 stride-2 max-pool. Every
convolution is followed by a ReLU. The three fully connected layers (4096, 4096,
classes, dropout 0.5 after the first two) are the same for all configurations.

Why only 3×3 (§2.3): two stacked 3×3 convolutions see a 5×5 field and three see 7×7,
with more non-linearities and fewer weights: 3·(3²C²) = 27C² against 49C² for one 7×7.

The layout of ``features`` (one flat ``nn.Sequential`` of conv[, BN], ReLU, max-pool)
and ``classifier`` matches torchvision's ``vgg11/13/16/19[_bn]``, so their state dicts
load directly. The ``avgpool`` (adaptive, to 7×7) is torchvision's too: at the paper's
224×224 it is the identity; at other sizes ≥ 32 it lets the classifier run, where the
paper instead turned the FC layers into convolutions for dense evaluation (§3.2).
"""
from __future__ import annotations

from functools import partial

from torch import nn

from ._common import InputSpec
from ._registry import register_model

_A = ["conv3-64", "maxpool",
      "conv3-128", "maxpool",
      "conv3-256", "conv3-256", "maxpool",
      "conv3-512", "conv3-512", "maxpool",
      "conv3-512", "conv3-512", "maxpool"]

# Table 1, columns A to E.
CONFIGS = {
    "A": _A,
    "A-LRN": ["conv3-64", "LRN", "maxpool"] + _A[2:],
    "B": ["conv3-64", "conv3-64", "maxpool",
          "conv3-128", "conv3-128", "maxpool",
          "conv3-256", "conv3-256", "maxpool",
          "conv3-512", "conv3-512", "maxpool",
          "conv3-512", "conv3-512", "maxpool"],
    "C": ["conv3-64", "conv3-64", "maxpool",
          "conv3-128", "conv3-128", "maxpool",
          "conv3-256", "conv3-256", "conv1-256", "maxpool",
          "conv3-512", "conv3-512", "conv1-512", "maxpool",
          "conv3-512", "conv3-512", "conv1-512", "maxpool"],
    "D": ["conv3-64", "conv3-64", "maxpool",
          "conv3-128", "conv3-128", "maxpool",
          "conv3-256", "conv3-256", "conv3-256", "maxpool",
          "conv3-512", "conv3-512", "conv3-512", "maxpool",
          "conv3-512", "conv3-512", "conv3-512", "maxpool"],
    "E": ["conv3-64", "conv3-64", "maxpool",
          "conv3-128", "conv3-128", "maxpool",
          "conv3-256", "conv3-256", "conv3-256", "conv3-256", "maxpool",
          "conv3-512", "conv3-512", "conv3-512", "conv3-512", "maxpool",
          "conv3-512", "conv3-512", "conv3-512", "conv3-512", "maxpool"],
}


def make_features(config, batch_norm: bool = False, in_channels: int = 3) -> nn.Sequential:
    """The convolutional part of one Table 1 column."""
    layers, channels = [], in_channels
    for entry in config:
        if entry == "maxpool":
            layers.append(nn.MaxPool2d(2, stride=2))
        elif entry == "LRN":
            # AlexNet's LRN parameters (§2.1 of the VGG paper refers to Krizhevsky et al.).
            layers.append(nn.LocalResponseNorm(size=5, alpha=5e-4, beta=0.75, k=2.0))
        elif entry.startswith("conv"):
            kernel, out = (int(v) for v in entry[len("conv"):].split("-"))
            layers.append(nn.Conv2d(channels, out, kernel, padding=kernel // 2))
            if batch_norm:
                layers.append(nn.BatchNorm2d(out))
            layers.append(nn.ReLU(inplace=True))
            channels = out
        else:
            raise ValueError(f"unknown Table 1 entry {entry!r}")
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """One configuration (A, A-LRN, B, C, D or E) of Simonyan & Zisserman 2014, Table 1."""

    def __init__(self, config: str, num_classes: int = 1000, batch_norm: bool = False,
                 dropout: float = 0.5, in_channels: int = 3):
        super().__init__()
        if config not in CONFIGS:
            raise ValueError(f"VGG configuration must be one of {', '.join(CONFIGS)}, got {config!r}")
        self.config = config
        name = next(name for name, column in NAMES.items() if column == config)
        self.input_spec = InputSpec(name, in_channels, min_size=32)
        self.features = make_features(CONFIGS[config], batch_norm, in_channels)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(4096, num_classes),
        )
        # §3.1: the paper initialised deep nets from net A; it notes afterwards that the
        # Glorot & Bengio (2010) initialisation works without pre-training, used here.
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        self.input_spec.check(x)
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


# The registered names: the depth in weight layers, as the paper names its nets in §4
# ("VGG-16" is configuration D); C, also 16 layers deep, has 1×1 convolutions in its 3×3 places.
NAMES = {"vgg11": "A", "vgg11_lrn": "A-LRN", "vgg13": "B", "vgg16_1x1": "C", "vgg16": "D",
         "vgg19": "E"}

for _name, _config in NAMES.items():
    register_model(_name, partial(VGG, _config), family="vgg", input_size=(3, 224, 224),
                   paper=f"Simonyan & Zisserman 2014, Table 1 ({_config})")
