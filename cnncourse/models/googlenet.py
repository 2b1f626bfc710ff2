"""GoogLeNet, as published: Szegedy et al. 2014, "Going deeper with convolutions".

What follows the paper, and where:

- Table 1: the layer list and every Inception module's filter counts (``TABLE1`` below
  is that table, column for column).
- Figure 2: the Inception module, naive (a) and with 1×1 dimension reductions (b).
- Figure 3 and §5: the stem (7×7/2 conv, max pool, LRN, 1×1 reduce, 3×3 conv, LRN,
  max pool), the 7×7 average pool, 40% dropout and the linear classifier; the two
  auxiliary classifiers on 4a and 4d (5×5/3 average pool, 1×1 conv with 128 filters,
  FC 1024, 70% dropout, linear), whose losses are "weighted by 0.3" during training
  and which are discarded at inference.

torchvision's ``googlenet`` is a different network in several documented ways (we do
not copy it; we list the differences so that its numbers are not mistaken for the paper's):

- its "5×5" branch uses a 3×3 kernel (a bug kept for weight compatibility, pytorch/vision#906);
- it uses BatchNorm after every conv instead of LRN, and its convs have no bias;
- it has a 2×2 max pool before inception 5a (the paper's is 3×3/2 like the others);
- its main dropout is 0.2, not the paper's 0.4.

``batch_norm=True`` here gives the BatchNorm flavour (conv-BN-ReLU, no LRN) but keeps
the paper's 5×5 kernels and pooling.
"""
from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from ._common import InputSpec
from ._registry import register_model

# Table 1 of the paper, one Inception module per row. The input channels of each module
# are not a column of the table: they are the previous module's output, derived below.
TABLE1 = [
    # name,         #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj
    ("inception3a",   64,          96,  128,          16,   32,        32),
    ("inception3b",  128,         128,  192,          32,   96,        64),
    ("inception4a",  192,          96,  208,          16,   48,        64),
    ("inception4b",  160,         112,  224,          24,   64,        64),
    ("inception4c",  128,         128,  256,          24,   64,        64),
    ("inception4d",  112,         144,  288,          32,   64,        64),
    ("inception4e",  256,         160,  320,          32,  128,       128),
    ("inception5a",  256,         160,  320,          32,  128,       128),
    ("inception5b",  384,         192,  384,          48,  128,       128),
]


def conv_block(in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
               padding: int = 0, batch_norm: bool = False) -> nn.Sequential:
    """conv → ReLU, or conv → BN → ReLU (the conv then needs no bias: BN's shift replaces it)."""
    conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias=not batch_norm)
    if batch_norm:
        return nn.Sequential(conv, nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))
    return nn.Sequential(conv, nn.ReLU(inplace=True))


class Inception(nn.Module):
    """The Inception module with dimension reductions (Figure 2b).

    Four branches look at the same input with different receptive fields, and their
    outputs are stacked along the channel axis. The 1×1 "reduce" convs shrink the
    channel count before the expensive 3×3 and 5×5 convs; that is what keeps the
    cost low (compare :class:`NaiveInception`). The arguments are Table 1's columns.
    """

    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj,
                 batch_norm=False):
        super().__init__()
        bn = batch_norm
        self.branch1 = conv_block(in_channels, ch1x1, 1, batch_norm=bn)
        self.branch2 = nn.Sequential(
            conv_block(in_channels, ch3x3red, 1, batch_norm=bn),
            conv_block(ch3x3red, ch3x3, 3, padding=1, batch_norm=bn),
        )
        self.branch3 = nn.Sequential(
            conv_block(in_channels, ch5x5red, 1, batch_norm=bn),
            conv_block(ch5x5red, ch5x5, 5, padding=2, batch_norm=bn),  # a true 5×5, as in the paper
        )
        # Stride 1 and padding 1 keep the spatial size, so the pooled map can be concatenated;
        # the 1×1 projection then sets its channel count (otherwise the output would only grow).
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1),
            conv_block(in_channels, pool_proj, 1, batch_norm=bn),
        )
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj

    def forward(self, x):
        branches = (self.branch1, self.branch2, self.branch3, self.branch4)
        return torch.cat([branch(x) for branch in branches], dim=1)


class NaiveInception(nn.Module):
    """The naive Inception module (Figure 2a): 1×1, 3×3, 5×5 convs and a 3×3 max pool, in parallel.

    Every conv sees all ``in_channels``, and the pooled input passes through with all its
    channels, so the output has ``ch1x1 + ch3x3 + ch5x5 + in_channels`` channels and grows
    from module to module. Kept here to measure what the 1×1 reductions save.
    """

    def __init__(self, in_channels, ch1x1, ch3x3, ch5x5):
        super().__init__()
        self.branch1 = conv_block(in_channels, ch1x1, 1)
        self.branch2 = conv_block(in_channels, ch3x3, 3, padding=1)
        self.branch3 = conv_block(in_channels, ch5x5, 5, padding=2)
        self.branch4 = nn.MaxPool2d(3, stride=1, padding=1)
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + in_channels

    def forward(self, x):
        branches = (self.branch1, self.branch2, self.branch3, self.branch4)
        return torch.cat([branch(x) for branch in branches], dim=1)


class AuxClassifier(nn.Module):
    """An auxiliary classifier (§5), attached to inception 4a and 4d during training.

    Its loss, added with weight 0.3, injects gradient into the middle of the network.
    The FC layer's 2048 inputs are 128 channels × 4×4, so it needs a 14×14 input map.
    """

    def __init__(self, in_channels, num_classes, batch_norm=False):
        super().__init__()
        self.pool = nn.AvgPool2d(5, stride=3)  # 14×14 → 4×4
        self.conv = conv_block(in_channels, 128, 1, batch_norm=batch_norm)
        self.fc1 = nn.Linear(128 * 4 * 4, 1024)
        self.dropout = nn.Dropout(0.7)
        self.fc2 = nn.Linear(1024, num_classes)

    def forward(self, x):
        x = self.conv(self.pool(x))
        x = F.relu(self.fc1(torch.flatten(x, 1)), inplace=True)
        return self.fc2(self.dropout(x))


class GoogLeNetOutput(NamedTuple):
    """What GoogLeNet returns in training mode: the main logits and the two auxiliary ones."""

    logits: torch.Tensor
    aux1: torch.Tensor
    aux2: torch.Tensor


class GoogLeNet(nn.Module):
    """GoogLeNet (Table 1). In training mode it returns a :class:`GoogLeNetOutput`
    (when ``aux_logits``); in eval mode only the main logits, and the auxiliary heads do not run.
    """

    def __init__(self, num_classes=1000, batch_norm=False, aux_logits=True, dropout=0.4,
                 in_channels=3, init_weights=True):
        super().__init__()
        bn = batch_norm
        self.aux_logits = aux_logits
        self.input_spec = InputSpec("googlenet", in_channels, size=(224, 224))

        def lrn():
            # The paper gives no LRN constants. These are those of bvlc_googlenet, the BVLC
            # team's Caffe replication of GoogLeNet (not the authors' model): local_size 5,
            # alpha 1e-4, beta 0.75, k 1. Caffe and PyTorch both divide alpha by the window
            # size n, so the numbers carry over as they are (unlike AlexNet's paper formula,
            # which does not divide by n).
            # With BatchNorm there is no LRN; Identity keeps the attribute names the same.
            return nn.Identity() if bn else nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0)

        def maxpool():
            # ceil_mode rounds the output size up, as Caffe does: 112 → 56, 56 → 28, 28 → 14, 14 → 7.
            return nn.MaxPool2d(3, stride=2, ceil_mode=True)

        # The stem (Table 1's first rows): 224 → 112 → 56 → 28.
        self.conv1 = conv_block(in_channels, 64, 7, stride=2, padding=3, batch_norm=bn)
        self.maxpool1 = maxpool()
        self.lrn1 = lrn()
        self.conv2 = conv_block(64, 64, 1, batch_norm=bn)  # the "#3×3 reduce" of the conv row
        self.conv3 = conv_block(64, 192, 3, padding=1, batch_norm=bn)
        self.lrn2 = lrn()
        self.maxpool2 = maxpool()

        # The Inception modules, each fed the previous one's output channels.
        rows = {name: filters for name, *filters in TABLE1}
        channels = self.conv3[0].out_channels

        def inception(name):
            nonlocal channels
            block = Inception(channels, *rows[name], batch_norm=bn)
            channels = block.out_channels
            return block

        self.inception3a = inception("inception3a")
        self.inception3b = inception("inception3b")
        self.maxpool3 = maxpool()  # 28 → 14
        self.inception4a = inception("inception4a")
        aux1_channels = channels  # 512
        self.inception4b = inception("inception4b")
        self.inception4c = inception("inception4c")
        self.inception4d = inception("inception4d")
        aux2_channels = channels  # 528
        self.inception4e = inception("inception4e")
        self.maxpool4 = maxpool()  # 14 → 7
        self.inception5a = inception("inception5a")
        self.inception5b = inception("inception5b")

        # A fixed 7×7 average (not adaptive): the paper's net is defined for 224×224 only.
        self.avgpool = nn.AvgPool2d(7, stride=1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(channels, num_classes)

        if aux_logits:
            self.aux1 = AuxClassifier(aux1_channels, num_classes, batch_norm=bn)
            self.aux2 = AuxClassifier(aux2_channels, num_classes, batch_norm=bn)
        else:
            self.aux1 = self.aux2 = None

        if init_weights:
            self._init_weights()

    def _init_weights(self):
        # The paper trained with DistBelief (asynchronous SGD, Polyak averaging) and does not
        # say how the weights were initialised. BVLC's Caffe replication (bvlc_googlenet) lists
        # "xavier" fillers (variance 1/fan_in) instead of the original "gaussian" among its own
        # differences from the paper's training. We use He's fan-in normal (variance 2/fan_in),
        # the same idea corrected for ReLU, so that the 22 layers without BatchNorm start with
        # activations that neither vanish nor blow up. The two classifier outputs start small
        # (std 0.01), so the initial predictions are near uniform (loss ≈ ln(num_classes)).
        classifiers = {self.fc} | ({self.aux1.fc2, self.aux2.fc2} if self.aux_logits else set())
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                if m in classifiers:
                    nn.init.normal_(m.weight, std=0.01)
                else:
                    nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        self.input_spec.check(x)
        x = self.maxpool1(self.conv1(x))          # 64 × 56 × 56
        x = self.lrn1(x)
        x = self.conv3(self.conv2(x))             # 192 × 56 × 56
        x = self.maxpool2(self.lrn2(x))           # 192 × 28 × 28
        x = self.inception3b(self.inception3a(x))  # 480 × 28 × 28
        x = self.maxpool3(x)                      # 480 × 14 × 14
        x = self.inception4a(x)                   # 512 × 14 × 14
        # The auxiliary heads only exist to help training; at inference they are skipped.
        run_aux = self.aux_logits and self.training
        aux1 = self.aux1(x) if run_aux else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))  # 528 × 14 × 14
        aux2 = self.aux2(x) if run_aux else None
        x = self.inception4e(x)                   # 832 × 14 × 14
        x = self.maxpool4(x)                      # 832 × 7 × 7
        x = self.inception5b(self.inception5a(x))  # 1024 × 7 × 7
        x = torch.flatten(self.avgpool(x), 1)     # 1024
        logits = self.fc(self.dropout(x))
        if run_aux:
            return GoogLeNetOutput(logits, aux1, aux2)
        return logits


def googlenet_loss(output, target, aux_weight=0.3, criterion=None):
    """The training loss of §5: the main loss plus the auxiliary losses "weighted by 0.3".

    ``output`` is what :class:`GoogLeNet` returned: a :class:`GoogLeNetOutput` in training
    mode (main + ``aux_weight`` × (aux1 + aux2)), or a plain logits tensor (main loss only).
    ``criterion(logits, target)`` defaults to ``F.cross_entropy``.
    """
    criterion = F.cross_entropy if criterion is None else criterion
    if isinstance(output, GoogLeNetOutput):
        aux = criterion(output.aux1, target) + criterion(output.aux2, target)
        return criterion(output.logits, target) + aux_weight * aux
    return criterion(output, target)


register_model("googlenet", GoogLeNet, family="googlenet", paper="Szegedy et al. 2014, Table 1",
               input_size=(3, 224, 224), num_classes=1000)
