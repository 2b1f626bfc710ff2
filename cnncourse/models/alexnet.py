"""AlexNet, as in Krizhevsky, Sutskever & Hinton (2012), §3 and Figure 2.

Faithful points, each a place where common re-implementations differ:

* Input 3×227×227. The paper says 224×224, but an 11×11 stride-4 convolution only
  gives the paper's 55×55 maps from 227 (or from 224 with 2 pixels of padding):
  (227 − 11) / 4 + 1 = 55.
* The network was split over two GPUs (the slides' "병렬 구조", parallel structure).
  conv2, conv4 and conv5 only see the maps on their own GPU (kernel depths 48 and 192
  in the paper, half the previous layer's 96 and 384), which is exactly a grouped
  convolution with ``groups=2``. conv3 and the fully connected layers see both halves.
  ``two_gpu_split=False`` builds the fully connected single-GPU variant for comparison.
* Local response normalization with k = 2, n = 5, α = 1e-4, β = 0.75 after the ReLUs of
  conv1 and conv2. The paper's formula divides by (k + α Σ a²)^β; PyTorch's
  ``LocalResponseNorm`` uses α/n in place of α, so the paper's network needs α = 5e-4
  in PyTorch.
* Overlapping max-pooling, 3×3 windows with stride 2 (§3.4), after both LRNs and conv5.
* Dropout 0.5 on the outputs of the first two fully connected layers (§4.2).
* Initialisation (§5): weights N(0, 0.01²); biases 1 in conv2, conv4, conv5 and the
  hidden fully connected layers (to give ReLUs positive inputs early on), 0 elsewhere.

60,965,224 parameters: the paper's "60 million".
"""
from __future__ import annotations

from collections import OrderedDict

from torch import nn

from ._common import InputSpec
from ._registry import register_model

# (name, out_channels, kernel, stride, padding, groups when split over two GPUs,
#  then LRN?, max-pool?) — one row per convolutional layer of Figure 2.
CONV_LAYERS = [
    ("conv1", 96, 11, 4, 0, 1, True, True),
    ("conv2", 256, 5, 1, 2, 2, True, True),
    ("conv3", 384, 3, 1, 1, 1, False, False),
    ("conv4", 384, 3, 1, 1, 2, False, False),
    ("conv5", 256, 3, 1, 1, 2, False, True),
]
LRN = dict(size=5, alpha=5 * 1e-4, beta=0.75, k=2.0)  # paper's α = 1e-4, times n for PyTorch
BIAS_ONE = {"conv2", "conv4", "conv5", "fc6", "fc7"}


class AlexNet(nn.Module):
    """AlexNet of Krizhevsky et al. 2012 (§3, Figure 2), with the two-GPU split as groups."""

    def __init__(self, num_classes: int = 1000, two_gpu_split: bool = True, dropout: float = 0.5,
                 in_channels: int = 3):
        super().__init__()
        self.input_spec = InputSpec("alexnet", in_channels, size=(227, 227))
        layers, channels = [], in_channels
        for name, out, k, s, p, groups, lrn, pool in CONV_LAYERS:
            conv = nn.Conv2d(channels, out, k, stride=s, padding=p,
                             groups=groups if two_gpu_split else 1)
            layers += [(name, conv), (f"relu{name[-1]}", nn.ReLU(inplace=True))]
            if lrn:
                layers.append((f"lrn{name[-1]}", nn.LocalResponseNorm(**LRN)))
            if pool:
                layers.append((f"pool{name[-1]}", nn.MaxPool2d(3, stride=2)))
            channels = out
        self.features = nn.Sequential(OrderedDict(layers))
        self.flatten = nn.Flatten()
        self.classifier = nn.Sequential(OrderedDict([
            ("fc6", nn.Linear(256 * 6 * 6, 4096)), ("relu6", nn.ReLU(inplace=True)),
            ("drop6", nn.Dropout(dropout)),
            ("fc7", nn.Linear(4096, 4096)), ("relu7", nn.ReLU(inplace=True)),
            ("drop7", nn.Dropout(dropout)),
            ("fc8", nn.Linear(4096, num_classes)),
        ]))
        for name, m in list(self.features.named_children()) + list(self.classifier.named_children()):
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.normal_(m.weight, 0.0, 0.01)
                nn.init.constant_(m.bias, 1.0 if name in BIAS_ONE else 0.0)

    def forward(self, x):
        self.input_spec.check(x)
        return self.classifier(self.flatten(self.features(x)))


register_model("alexnet", AlexNet, family="alexnet",
               paper="Krizhevsky et al. 2012, §3 and Figure 2", input_size=(3, 227, 227))
