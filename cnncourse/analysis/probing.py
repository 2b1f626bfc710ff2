"""The one way the package looks inside a forward pass: :func:`probe`.

Every tool that needs to know what a model does with an input (the shape each layer produces,
which modules run in which mode, what feeds GoogLeNet's auxiliary heads, the order of a residual
block's calls) runs the model through this context manager, which

- puts the model in training or evaluation mode and restores its mode afterwards,
- registers the caller's hooks and removes them afterwards, even when the forward pass fails,
- runs one all-zero input on the ``meta`` device, under ``torch.no_grad()``.

On ``meta`` tensors only shapes are computed, no arithmetic, so a probe costs the same for
ResNet-152 at 224×224 as for LeNet-5, allocates nothing, and works at any input size. A model
with real weights is run with ``meta`` stand-ins for its parameters and buffers
(:func:`torch.func.functional_call`): its own tensors are neither read nor changed (a
training-mode pass does not touch BatchNorm's running statistics).

    >>> from cnncourse import get_model
    >>> model = get_model("resnet18")
    >>> with probe(model, (3, 224, 224)) as p:
    ...     p.after(model.layer4, lambda module, inputs, output: print(tuple(output.shape)))
    ...     logits = p.run()
    (1, 512, 7, 7)
"""
from __future__ import annotations

import operator
from contextlib import contextmanager
from typing import Callable, Iterator

import torch
from torch import nn


def resolve_input_size(model: nn.Module, input_size=None) -> tuple[int, ...]:
    """(N, C, H, W) from ``input_size`` given as (C, H, W), (N, C, H, W) or None (the model's
    native size)."""
    if input_size is None:
        spec = getattr(model, "input_spec", None)
        if spec is None:
            raise ValueError("input_size is needed for this model, as (C, H, W), e.g. (3, 224, 224)")
        from ..models import model_info

        try:
            input_size = model_info(spec.name).input_size
        except ValueError:
            if spec.size is None:
                raise ValueError(f"input_size is needed for {spec.name}, as (C, H, W)") from None
            input_size = (spec.channels, *spec.size)
        input_size = (spec.channels, *input_size[1:])
    try:
        size = tuple(operator.index(s) for s in input_size)  # ints only: 2.5 or '3' are refused
    except TypeError:
        size = ()
    if len(size) == 3:
        size = (1, *size)
    if len(size) != 4 or min(size) < 1:
        raise ValueError(f"input_size must be (C, H, W) or (N, C, H, W) of positive integers, "
                         f"got {input_size!r}")
    return size


class Probe:
    """What :func:`probe` yields: hooks go in with :meth:`after` / :meth:`before`; :meth:`run` runs."""

    def __init__(self, model: nn.Module, size: tuple[int, ...]):
        self.model = model
        self.size = size  # (N, C, H, W) of the input :meth:`run` feeds
        self._handles: list = []

    def after(self, module: nn.Module, fn: Callable) -> None:
        """Call ``fn(module, inputs, output)`` after each call of ``module`` (a forward hook).

        What ``fn`` returns is dropped: a probe watches the pass and never changes it (a
        forward hook that returns a value would replace the module's output)."""
        def hook(m, inputs, output):
            fn(m, inputs, output)

        self._handles.append(module.register_forward_hook(hook))

    def before(self, module: nn.Module, fn: Callable) -> None:
        """Call ``fn(module, inputs)`` before each call of ``module`` (a forward pre-hook);
        what ``fn`` returns is dropped, as for :meth:`after`."""
        def hook(m, inputs):
            fn(m, inputs)

        self._handles.append(module.register_forward_pre_hook(hook))

    def zeros(self, device="meta") -> torch.Tensor:
        """The all-zero input batch of :attr:`size`, in the model's floating-point dtype."""
        param = next(self.model.parameters(), None)
        floating = param is not None and param.is_floating_point()
        return torch.zeros(self.size, dtype=param.dtype if floating else torch.float32,
                           device=device)

    def run(self):
        """One forward pass of :meth:`zeros` on the ``meta`` device; returns the model's output
        (``meta`` tensors: shapes without values)."""
        x = self.zeros()
        # stand-ins without storage for the model's own tensors (a requires_grad flag is kept,
        # so that a hook counting trainable parameters counts the same as on the model)
        stand_ins = {name: torch.empty_like(t, device="meta").requires_grad_(t.requires_grad)
                     for name, t in _tensors(self.model)}
        with torch.no_grad():
            return torch.func.functional_call(self.model, stand_ins, (x,), strict=True)

    def _remove_hooks(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()


def _tensors(model: nn.Module):
    yield from model.named_parameters(remove_duplicate=False)
    yield from model.named_buffers(remove_duplicate=False)


@contextmanager
def probe(model: nn.Module, input_size=None, *, training: bool = False) -> Iterator[Probe]:
    """Run ``model`` under observation, in evaluation mode (or ``training=True``).

    ``input_size`` is (C, H, W) or (N, C, H, W); by default the model's native input. Inside
    the ``with`` block, register hooks on the yielded :class:`Probe` and call its ``run()``
    (as often as needed); on leaving it, the hooks are removed and the model's mode restored.
    """
    size = resolve_input_size(model, input_size)
    was_training = model.training
    found = Probe(model, size)
    model.train(training)
    try:
        yield found
    finally:
        found._remove_hooks()
        model.train(was_training)
