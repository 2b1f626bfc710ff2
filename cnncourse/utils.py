"""Small helpers shared by the notebooks, the training loop and the CLI."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

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


def atomic_write(path, write, binary: bool = True, encoding: str = "utf-8") -> Path:
    """Call ``write(file)`` on a temporary file in ``path``'s folder, then ``os.replace`` it onto ``path``.

    A crash, a disconnect or a full disk mid-write leaves the previous file intact, never a
    truncated one: the data are fsynced before the rename and the folder after it (so the rename
    itself survives a power loss). The one writer of the package's checkpoints, results files
    and submissions. Returns ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp creates 0600 files; give the usual permissions
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": encoding})) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_folder(path.parent)
    return path


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
