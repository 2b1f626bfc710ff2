"""The model registry: one name per architecture, looked up by :func:`get_model`.

Each architecture file registers its networks the same way, with one call per name:
``register_model(name, builder, family=..., paper=..., input_size=...)``, where the builder is
the model's class or a :func:`functools.partial` of it that fixes what the name stands for
(``partial(VGG, "D")`` is ``vgg16``). The builder's remaining keyword parameters are the
options :func:`get_model` accepts, and their defaults say which values fit, so nothing about a
model's options is written twice. The input each model was designed for is registered with it,
so that the analysis tools and the CLI know what to feed it without a table of special cases.
"""
from __future__ import annotations

import difflib
import functools
import inspect
from dataclasses import dataclass
from typing import Any, Callable

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

FAMILIES = ("lenet", "alexnet", "vgg", "googlenet", "resnet", "resnet_cifar", "small")


@dataclass(frozen=True)
class ModelInfo:
    """What the registry knows about one model name."""

    name: str
    builder: Callable[..., nn.Module]
    family: str  # one of FAMILIES
    paper: str  # short citation, e.g. "He et al. 2015, Table 1"
    input_size: tuple[int, int, int]  # native (C, H, W)
    num_classes: int  # the paper's default

    @property
    def defaults(self) -> dict[str, Any]:
        """The keyword options the builder accepts (besides ``num_classes``), with their defaults;
        what a ``partial`` builder fixes is not an option."""
        fixed = self.builder.keywords if isinstance(self.builder, functools.partial) else {}
        return {name: p.default for name, p in inspect.signature(self.builder).parameters.items()
                if name != "num_classes" and name not in fixed
                and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}

    @property
    def options(self) -> list[str]:
        """Keyword options the builder accepts (besides ``num_classes``)."""
        return list(self.defaults)


_REGISTRY: dict[str, ModelInfo] = {}


def register_model(name: str, builder: Callable[..., nn.Module], *, family: str, paper: str,
                   input_size: tuple[int, int, int], num_classes: int = 1000) -> None:
    """Add ``builder`` (a model class, or a ``partial`` of one) under ``name``."""
    if name in _REGISTRY:
        raise RuntimeError(f"model name {name!r} is registered twice")
    if family not in FAMILIES:
        raise RuntimeError(f"family {family!r} of {name!r} is not one of {', '.join(FAMILIES)}")
    _REGISTRY[name] = ModelInfo(name, builder, family, paper, tuple(input_size), num_classes)


def list_models(family: str | None = None) -> list[str]:
    """All registered model names (optionally of one family), in registration order."""
    if family is not None and family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; the families are {', '.join(FAMILIES)}")
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


def _kind_of(default) -> tuple[tuple[type, ...], str] | None:
    """The types an option with this default takes, and how to say so; None: anything."""
    if isinstance(default, bool):
        return (bool,), "True or False"
    if isinstance(default, int):
        return (int,), "an integer"
    if isinstance(default, float):
        return (int, float), "a number"
    if isinstance(default, str):
        return (str,), "a string"
    return None


def check_options(name: str, options: dict) -> None:
    """Refuse options ``name`` does not take, and values of the wrong type (``'3'`` or ``2.5``
    for an integer, ``'yes'`` for True/False), naming what was expected."""
    info = model_info(name)
    defaults = info.defaults
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        raise ValueError(f"{info.name} does not take option(s) {', '.join(unknown)}; "
                         f"it accepts: num_classes, weights, {', '.join(defaults)}")
    for key, value in options.items():
        kind = _kind_of(defaults[key])
        if kind is None:
            continue
        types, said = kind
        if not isinstance(value, types) or (bool not in types and isinstance(value, bool)):
            raise ValueError(f"{info.name}'s option {key} takes {said} (default "
                             f"{defaults[key]!r}), got {value!r} ({type(value).__name__})")


def get_model(name: str, num_classes: int | None = None, weights=None, **options) -> nn.Module:
    """Build a model by name.

    ``num_classes`` defaults to the paper's (1000 for ImageNet nets, 10 for LeNet-5
    and the CIFAR nets). ``weights`` (ResNet and VGG in their torchvision layouts only)
    names torchvision ImageNet weights to start from, e.g. ``"IMAGENET1K_V1"`` or ``"DEFAULT"``;
    they are downloaded by torchvision (on Colab) and mapped onto our modules.
    """
    info = model_info(name)
    check_options(info.name, options)
    if num_classes is None:
        num_classes = info.num_classes
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")
    model = info.builder(num_classes=num_classes, **options)
    if weights is not None:
        from .torchvision_compat import load_torchvision_weights

        load_torchvision_weights(model, info.name, weights)
    return model


def on_meta(name: str, num_classes: int | None = None, **options) -> nn.Module:
    """``get_model(name, ...)`` built on the ``meta`` device: the architecture without its weights.

    Nothing is allocated and nothing initialised, so even VGG-16's 138 M parameters take no
    time. Enough for everything that needs shapes only: :func:`~cnncourse.count_params`,
    :func:`~cnncourse.trace_shapes`, :func:`~cnncourse.count_flops`, the depth
    (:mod:`cnncourse.analysis.layers`). To train or run it on data, use :func:`get_model`.
    """
    if "weights" in options:
        raise ValueError("on_meta builds a model without weights; use get_model(..., weights=...)")
    with torch.device("meta"), _NoInit():
        return get_model(name, num_classes, **options)


class _NoInit(TorchFunctionMode):
    """Skips weight initialisation (``torch.nn.init``, and the tensor methods it calls) on ``meta``
    tensors: it computes nothing there, but PyTorch would still run its Python decompositions,
    which take most of a meta build's time."""

    _TENSOR_INITS = {torch.Tensor.normal_, torch.Tensor.uniform_, torch.Tensor.fill_,
                     torch.Tensor.zero_}

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in self._TENSOR_INITS or getattr(func, "__module__", "") == "torch.nn.init":
            tensor = args[0] if args else kwargs.get("tensor")
            if isinstance(tensor, torch.Tensor) and tensor.is_meta:
                return tensor
        return func(*args, **kwargs)
