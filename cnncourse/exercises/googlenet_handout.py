"""Assignment 1's hand-out: GoogLeNet (Szegedy et al. 2014, Table 1, Figures 2b and 3, §5) as a
plain PyTorch file, the way a standard implementation writes it, for students to annotate.

It has no comments on purpose: writing them is the assignment (``hw.print_handout()`` numbers
its lines). It computes exactly what :class:`cnncourse.models.googlenet.GoogLeNet` computes —
the same parameters under the same names, the same outputs in training and in evaluation mode,
the same loss; tests/test_exercises.py proves it — without the package's options (BatchNorm,
input checks, the output's named tuple): the nine ``Inception(...)`` calls are Table 1's rows,
written out.
"""
import torch
import torch.nn.functional as F
from torch import nn


def conv_block(in_channels, out_channels, kernel_size, stride=1, padding=0):
    conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding)
    return nn.Sequential(conv, nn.ReLU(inplace=True))


class Inception(nn.Module):
    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
        super().__init__()
        self.branch1 = conv_block(in_channels, ch1x1, 1)
        self.branch2 = nn.Sequential(
            conv_block(in_channels, ch3x3red, 1),
            conv_block(ch3x3red, ch3x3, 3, padding=1),
        )
        self.branch3 = nn.Sequential(
            conv_block(in_channels, ch5x5red, 1),
            conv_block(ch5x5red, ch5x5, 5, padding=2),
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1),
            conv_block(in_channels, pool_proj, 1),
        )

    def forward(self, x):
        branches = (self.branch1, self.branch2, self.branch3, self.branch4)
        return torch.cat([branch(x) for branch in branches], dim=1)


class AuxClassifier(nn.Module):
    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.pool = nn.AvgPool2d(5, stride=3)
        self.conv = conv_block(in_channels, 128, 1)
        self.fc1 = nn.Linear(128 * 4 * 4, 1024)
        self.dropout = nn.Dropout(0.7)
        self.fc2 = nn.Linear(1024, num_classes)

    def forward(self, x):
        x = self.conv(self.pool(x))
        x = F.relu(self.fc1(torch.flatten(x, 1)), inplace=True)
        return self.fc2(self.dropout(x))


class GoogLeNet(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = conv_block(3, 64, 7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.lrn1 = nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0)
        self.conv2 = conv_block(64, 64, 1)
        self.conv3 = conv_block(64, 192, 3, padding=1)
        self.lrn2 = nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)

        self.inception3a = Inception(192, 64, 96, 128, 16, 32, 32)
        self.inception3b = Inception(256, 128, 128, 192, 32, 96, 64)
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception4a = Inception(480, 192, 96, 208, 16, 48, 64)
        self.inception4b = Inception(512, 160, 112, 224, 24, 64, 64)
        self.inception4c = Inception(512, 128, 128, 256, 24, 64, 64)
        self.inception4d = Inception(512, 112, 144, 288, 32, 64, 64)
        self.inception4e = Inception(528, 256, 160, 320, 32, 128, 128)
        self.maxpool4 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception5a = Inception(832, 256, 160, 320, 32, 128, 128)
        self.inception5b = Inception(832, 384, 192, 384, 48, 128, 128)

        self.avgpool = nn.AvgPool2d(7, stride=1)
        self.dropout = nn.Dropout(0.4)
        self.fc = nn.Linear(1024, num_classes)

        self.aux1 = AuxClassifier(512, num_classes)
        self.aux2 = AuxClassifier(528, num_classes)

    def forward(self, x):
        x = self.maxpool1(self.conv1(x))
        x = self.lrn1(x)
        x = self.conv3(self.conv2(x))
        x = self.maxpool2(self.lrn2(x))
        x = self.inception3a(x)
        x = self.inception3b(x)
        x = self.maxpool3(x)
        x = self.inception4a(x)
        aux1 = self.aux1(x) if self.training else None
        x = self.inception4b(x)
        x = self.inception4c(x)
        x = self.inception4d(x)
        aux2 = self.aux2(x) if self.training else None
        x = self.inception4e(x)
        x = self.maxpool4(x)
        x = self.inception5a(x)
        x = self.inception5b(x)
        x = torch.flatten(self.avgpool(x), 1)
        logits = self.fc(self.dropout(x))
        if self.training:
            return logits, aux1, aux2
        return logits


def googlenet_loss(output, target, aux_weight=0.3):
    if isinstance(output, tuple):
        logits, aux1, aux2 = output
        aux = F.cross_entropy(aux1, target) + F.cross_entropy(aux2, target)
        return F.cross_entropy(logits, target) + aux_weight * aux
    return F.cross_entropy(output, target)
