"""The model registry: one name per architecture, looked up by :func:`get_model`.

Each builder registers itself with the input it was designed for, so that the
analysis tools and the CLI know what to feed it without a table of special cases.
"""
from __future__ import annotations

import difflib
import inspect
from dataclasses import dataclass
from typing import Callable

from torch import nn


@dataclass(frozen=True)
class ModelInfo:
    """What the registry knows about one model name."""

    name: str
    builder: Callable[..., nn.Module]
    family: str  # "lenet", "alexnet", "vgg", "googlenet", "resnet", "resnet_cifar"
    paper: str  # short citation, e.g. "He et al. 2015, Table 1"
    input_size: tuple[int, int, int]  # native (C, H, W)
    num_classes: int  # the paper's default

    @property
    def options(self) -> list[str]:
        """Keyword options the builder accepts (besides ``num_classes``)."""
        params = inspect.signature(self.builder).parameters
        return [p for p in params if p != "num_classes"]


_REGISTRY: dict[str, ModelInfo] = {}


def register_model(name: str, *, family: str, paper: str, input_size: tuple[int, int, int],
                   num_classes: int = 1000):
    """Decorator that adds a builder ``fn(*, num_classes, **options) -> nn.Module``."""

    def decorator(fn):
        if name in _REGISTRY:
            raise RuntimeError(f"model name {name!r} is registered twice")
        _REGISTRY[name] = ModelInfo(name, fn, family, paper, tuple(input_size), num_classes)
        return fn

    return decorator


def list_models(family: str | None = None) -> list[str]:
    """All registered model names (optionally of one family), in registration order."""
    return [n for n, info in _REGISTRY.items() if family is None or info.family == family]


def model_info(name: str) -> ModelInfo:
    """The :class:`ModelInfo` for ``name``; unknown names raise a ``ValueError`` with suggestions."""
    if not isinstance(name, str):
        raise ValueError(f"a model name must be a string such as 'resnet50', got {type(name).__name__}")
    key = name.strip().lower()
    if key not in _REGISTRY:
        key = key.replace("-", "")  # "ResNet-50" -> "resnet50"
    if key not in _REGISTRY:
        close = difflib.get_close_matches(key, list(_REGISTRY), n=4, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"unknown model {name!r}.{hint} "
                         f"Known models: {', '.join(_REGISTRY)} (see cnncourse.list_models()).")
    return _REGISTRY[key]


def get_model(name: str, num_classes: int | None = None, weights=None, **options) -> nn.Module:
    """Build a model by name.

    ``num_classes`` defaults to the paper's (1000 for ImageNet nets, 10 for LeNet-5
    and the CIFAR nets). ``weights`` (ResNet and VGG in their torchvision layouts only)
    names torchvision ImageNet weights to start from, e.g. ``"IMAGENET1K_V1"`` or ``"DEFAULT"``;
    they are downloaded by torchvision (on Colab) and mapped onto our modules.
    """
    info = model_info(name)
    unknown = sorted(set(options) - set(info.options))
    if unknown:
        raise ValueError(f"{info.name} does not take option(s) {', '.join(unknown)}; "
                         f"it accepts: num_classes, weights, {', '.join(info.options)}")
    if num_classes is None:
        num_classes = info.num_classes
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")
    model = info.builder(num_classes=num_classes, **options)
    if weights is not None:
        from .torchvision_compat import load_torchvision_weights

        load_torchvision_weights(model, info.name, weights)
    return model
