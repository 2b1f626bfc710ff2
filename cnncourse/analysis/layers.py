"""How deep a network is: its weight layers, and how many of them the longest path crosses.

The papers give depth in layers with weights: VGG's 11 to 19 (Table 1, "weight layers"),
GoogLeNet's 22 ("when counting only layers with parameters", §5), ResNet's 18 to 152. Pooling,
normalisation and activations are not counted, and neither is anything beside the main path:
ResNet's projection shortcuts (``downsample``) and GoogLeNet's auxiliary classifiers, which only
run in training. One definition serves every chapter:

- a *weight layer* is a convolution, a fully connected layer, LeNet-5's C3 (three grouped
  convolutions that make up one layer, its connection table) or LeNet-5's RBF output layer
  (its 10 × 84 weights are fixed codes, not trained, but it is a layer with weights);
- the *depth* is the number of weight layers on the longest path from input to output: the
  length of the chain for LeNet, AlexNet, VGG and ResNet; an Inception module adds its deepest
  branch (two layers), not all six of its convolutions.

    >>> from cnncourse import on_meta
    >>> depth(on_meta("vgg16")), depth(on_meta("googlenet")), depth(on_meta("resnet152"))
    (16, 22, 152)
    >>> len(weight_layers(on_meta("googlenet")))   # 57 convolutions and 1 linear layer
    58
"""
from __future__ import annotations

from torch import nn

from ..models.googlenet import AuxClassifier, Inception, NaiveInception
from ..models.lenet import EuclideanRBF, PartialConv

_WEIGHT_LAYERS = (nn.Conv2d, nn.Linear, PartialConv, EuclideanRBF)
_PARALLEL = (Inception, NaiveInception)  # branches side by side: the deepest one counts


def _main_path(module: nn.Module, prefix: str = ""):
    """(name, module) of the modules on the main path, top down; side branches are not entered."""
    yield prefix, module
    for name, child in module.named_children():
        if name == "downsample" or isinstance(child, AuxClassifier):
            continue  # a ResNet shortcut, or a head that only runs in training
        yield from _main_path(child, f"{prefix}.{name}" if prefix else name)


def weight_layers(model: nn.Module) -> list[str]:
    """The names of the weight layers on ``model``'s main path, in module order, each once.

    (LeNet-5's C3 is listed once, as ``"C3"``, not as its three grouped convolutions.)
    """
    names, inside = [], None
    for name, module in _main_path(model):
        if inside is not None and name.startswith(inside + "."):
            continue  # a part of a layer already listed
        if isinstance(module, _WEIGHT_LAYERS):
            names.append(name)
            inside = name
    return names


def depth(model: nn.Module) -> int:
    """The number of weight layers on the longest path through ``model`` (the papers' depth)."""
    if isinstance(model, _WEIGHT_LAYERS):
        return 1
    if isinstance(model, _PARALLEL):
        return max(depth(branch) for branch in model.children())
    return sum(depth(child) for name, child in model.named_children()
               if name != "downsample" and not isinstance(child, AuxClassifier))
