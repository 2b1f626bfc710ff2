"""Loading torchvision's weights into our models.

Where torchvision implements the same architecture, our module names are torchvision's,
so the key map is the identity and a state dict loads with ``strict=True``:

====================================  ======================  ========================
ours                                   torchvision             condition
====================================  ======================  ========================
``resnet18/34/50/101/152``             ``resnet18`` … ``152``   ``variant="v1.5"``, ``shortcut="B"``
``vgg11/13/16/19``                     ``vgg11`` … ``vgg19``    ``batch_norm=False``
``vgg11/13/16/19``                     ``vgg11_bn`` …           ``batch_norm=True``
====================================  ======================  ========================

The paper-default ResNet (``variant="v1"``) has the same tensors but puts the stride
elsewhere, so torchvision's weights would load and silently compute something else: we
refuse. GoogLeNet is not mapped on purpose: torchvision's ``googlenet`` is a different
network (3×3 kernels in the "5×5" branch, BatchNorm instead of LRN, see
``cnncourse.models.googlenet``), so its weights do not fit the paper's architecture.
"""
from __future__ import annotations

from torch import nn

_RESNETS = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152")
_VGGS = {"vgg11": "A", "vgg13": "B", "vgg16": "D", "vgg19": "E"}


def torchvision_name(model: nn.Module, name: str) -> str:
    """The torchvision architecture whose state dict fits ``model`` (built as ``name``), or a ValueError."""
    if name in _RESNETS:
        variant, shortcut = getattr(model, "variant", None), getattr(model, "shortcut", None)
        if name in ("resnet18", "resnet34"):
            variant = "v1.5"  # no 1×1 convolutions: v1 and v1.5 are the same network
        if (variant, shortcut) != ("v1.5", "B"):
            raise ValueError(f"torchvision's {name} is the v1.5 layout with option-B shortcuts; "
                             f"build ours with get_model({name!r}, variant='v1.5', shortcut='B') "
                             f"(got variant={variant!r}, shortcut={shortcut!r})")
        return name
    if name in _VGGS:
        has_bn = any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
        return name + ("_bn" if has_bn else "")
    raise ValueError(f"torchvision has no weights for our {name!r}: weights are available for "
                     f"{', '.join(_RESNETS + tuple(_VGGS))} (GoogLeNet on purpose not: torchvision's "
                     "googlenet is a different network, see cnncourse.models.googlenet)")


def head_keys(model: nn.Module) -> tuple[str, ...]:
    """State-dict keys of the final classifier layer (replaced when num_classes ≠ 1000)."""
    last = [n for n, m in model.named_modules() if isinstance(m, nn.Linear)][-1]
    return (f"{last}.weight", f"{last}.bias")


def load_torchvision_state_dict(model: nn.Module, state_dict: dict, *, skip_head: bool = False) -> None:
    """Load a torchvision state dict into our model (identity key map, see the module docstring).

    With ``skip_head=True`` the final classifier layer is left as initialised, for fine-tuning
    to a different number of classes.
    """
    state = dict(state_dict)
    if skip_head:
        for key in head_keys(model):
            state.pop(key, None)
    own = model.state_dict()
    missing = [k for k in own if k not in state and not (skip_head and k in head_keys(model))]
    unexpected = [k for k in state if k not in own]
    wrong = [k for k in state if k in own and own[k].shape != state[k].shape]
    if missing or unexpected or wrong:
        raise ValueError("the state dict does not fit this model: "
                         f"missing {missing[:5]}, unexpected {unexpected[:5]}, "
                         f"shape mismatch {wrong[:5]} (is it the same architecture and layout?)")
    model.load_state_dict(state, strict=not skip_head)


def load_torchvision_weights(model: nn.Module, name: str, weights) -> None:
    """Download torchvision's ImageNet ``weights`` (e.g. ``"IMAGENET1K_V1"``, ``"DEFAULT"``) into ``model``.

    Works wherever torchvision can download (Colab); offline, the error says so and shows
    the alternative (a state dict loaded with :func:`load_torchvision_state_dict`).
    """
    import torchvision

    tv_name = torchvision_name(model, name)
    enum = torchvision.models.get_model_weights(tv_name)
    if isinstance(weights, str):
        try:
            weights = enum[weights] if weights != "DEFAULT" else enum.DEFAULT
        except KeyError:
            raise ValueError(f"unknown weights {weights!r} for torchvision's {tv_name}; "
                             f"choose one of {', '.join(['DEFAULT'] + [w.name for w in enum])}") from None
    elif not isinstance(weights, enum):
        raise ValueError(f"weights must be a name such as 'IMAGENET1K_V1' or a {enum.__name__} member, "
                         f"got {weights!r}")
    try:
        state = weights.get_state_dict(progress=True)
    except Exception as exc:  # URLError, HTTPError, OSError: all mean "could not fetch"
        raise RuntimeError(f"could not download torchvision's {tv_name} {weights.name} weights ({exc}). "
                           "This needs a network connection (it works on Colab). Offline, load a saved "
                           "state dict with cnncourse.models.torchvision_compat.load_torchvision_state_dict."
                           ) from exc
    num_classes = model.state_dict()[head_keys(model)[0]].shape[0]
    load_torchvision_state_dict(model, state, skip_head=num_classes != 1000)
