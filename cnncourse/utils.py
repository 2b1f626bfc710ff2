"""Small helpers shared by the notebooks, the training loop and the CLI."""
from __future__ import annotations

import torch


def pick_device(device: str | torch.device | None = None) -> torch.device:
    """The device to use: ``device`` if given, else CUDA when a GPU is present, else the CPU.

    Asking for ``"cuda"`` on a machine without a GPU is an error that says so, rather than
    PyTorch's "Torch not compiled with CUDA enabled" deep inside the first ``.to()``.
    """
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was requested but no GPU is available here; "
                         "use device='cpu' (on Colab: Runtime → Change runtime type → GPU)")
    return device
