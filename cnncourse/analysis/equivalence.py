"""Is the network a page builds the package's network? Copy the weights across, compare outputs.

The chapters build each network on the page, step by step, as a teaching copy; a hidden cell
then proves it computes the package's function:

    page_net = ...                                   # built on the page
    same_network(page_net, get_model("resnet20"), (1, 32, 32))   # True, or an error saying why

Two modules hold "the same" weights when their parameters and buffers, taken in registration
order, have the same shapes: a page's ``nn.Sequential`` and the package's named layers then
line up one to one although their names differ. The comparison runs in evaluation mode with
batch-norm statistics drawn at random first, so that normalisation is tested too (with the
initial running mean 0 and variance 1 a missing BN would go unnoticed).
"""
from __future__ import annotations

import torch
from torch import nn


class NotTheSameNetwork(AssertionError):
    """The two networks differ: in their weights' shapes, or in what they compute."""


def _tensors(module: nn.Module) -> list[tuple[str, torch.Tensor]]:
    """Parameters and floating-point buffers in registration order (BN's step counter left out)."""
    out = list(module.named_parameters())
    out += [(name, b) for name, b in module.named_buffers() if b.is_floating_point()]
    return out


def copy_weights(source: nn.Module, target: nn.Module) -> nn.Module:
    """Copy ``source``'s parameters and floating-point buffers into ``target``, by position.

    Both must hold the same number of tensors with the same shapes in the same order; the first
    mismatch is an error naming the tensor on each side. Returns ``target``.
    """
    src, dst = _tensors(source), _tensors(target)
    for i, ((s_name, s), (d_name, d)) in enumerate(zip(src, dst)):
        if s.shape != d.shape:
            raise NotTheSameNetwork(
                f"tensor {i}: {s_name} has shape {tuple(s.shape)} in the source but "
                f"{d_name} has shape {tuple(d.shape)} in the target")
    if len(src) != len(dst):
        longer, rest = ("source", src) if len(src) > len(dst) else ("target", dst)
        extra = ", ".join(name for name, _ in rest[min(len(src), len(dst)):][:3])
        raise NotTheSameNetwork(f"the source holds {len(src)} weight tensors, the target "
                                f"{len(dst)}; the {longer} has more ({extra}, ...)")
    with torch.no_grad():
        for (_, s), (_, d) in zip(src, dst):
            d.copy_(s)
    return target


def randomize_batch_norm(module: nn.Module, seed: int = 0) -> nn.Module:
    """Give every batch-norm layer random γ, β and running statistics (in place)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.running_mean is not None:
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
                if m.affine:
                    m.weight.copy_(torch.rand(c, generator=gen) + 0.5)
                    m.bias.copy_(torch.randn(c, generator=gen) * 0.1)
    return module


def _logits(output) -> torch.Tensor:
    """A model's main output (GoogLeNet's named tuple in training mode gives its logits)."""
    if isinstance(output, torch.Tensor):
        return output
    logits = getattr(output, "logits", None)
    if isinstance(logits, torch.Tensor):
        return logits
    if isinstance(output, (tuple, list)) and output and isinstance(output[0], torch.Tensor):
        return output[0]
    raise TypeError(f"cannot compare outputs of type {type(output).__name__}")


def same_network(built: nn.Module, reference: nn.Module, input_size, *, batch: int = 2,
                 seed: int = 0, atol: float = 1e-5) -> bool:
    """True when ``built`` computes ``reference``'s function; otherwise :class:`NotTheSameNetwork`.

    ``reference``'s batch-norm statistics are randomised, its weights copied into ``built``
    (:func:`copy_weights`), and both run in evaluation mode on the same random batch of
    ``input_size`` (C, H, W). Both modules are changed in place (weights, BN statistics) and
    left in evaluation mode: pass fresh models, not ones you have trained.
    """
    randomize_batch_norm(reference, seed)
    copy_weights(reference, built)
    built.eval()
    reference.eval()
    x = torch.randn(batch, *input_size, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        a, b = _logits(built(x)), _logits(reference(x))
    if a.shape != b.shape:
        raise NotTheSameNetwork(f"the outputs differ in shape: {tuple(a.shape)} against "
                                f"{tuple(b.shape)}")
    diff = (a - b).abs().max().item()
    if not diff <= atol:
        raise NotTheSameNetwork(f"same weights, different outputs: max |difference| {diff:.3g} "
                                f"(tolerance {atol:g})")
    return True
