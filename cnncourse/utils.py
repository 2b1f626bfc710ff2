"""Small helpers shared by the notebooks, the training loop and the CLI."""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import torch

try:  # POSIX advisory locks; where they are missing (Windows) writes are not locked
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None


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


# -----------------------------------------------------------------------------
# Errors that name parameters: the library writes ``name=value``, the command line its flags

_UNSET = object()


class Param:
    """A parameter named in a message, with a value (``seed=0``), a placeholder
    (``checkpoint=PATH``) or neither (``seed``). The command line renders it as a flag."""

    __slots__ = ("name", "value", "placeholder")

    def __init__(self, name: str, value=_UNSET, placeholder: str | None = None):
        self.name, self.value, self.placeholder = name, value, placeholder

    @property
    def has_value(self) -> bool:
        return self.value is not _UNSET

    def __str__(self) -> str:
        if self.placeholder:
            return f"{self.name}={self.placeholder}"
        return f"{self.name}={self.value!r}" if self.has_value else self.name


class ParamError(Exception):
    """An error whose message names parameters: ``template`` with ``{fields}``, the values given
    as keywords; :class:`Param` values are written by ``render``'s ``name`` (default ``str``)."""

    def __init__(self, template: str, **values):
        self.template, self.values = template, values
        super().__init__(self.render())

    def render(self, name=str) -> str:
        if not self.values:
            return self.template
        return self.template.format(**{k: name(v) if isinstance(v, Param) else v
                                       for k, v in self.values.items()})

    def __reduce__(self):  # picklable across processes despite the keyword-only values
        return (_rebuild, (type(self), self.template, self.values))


def _rebuild(cls, template, values):
    return cls(template, **values)


class ConfigError(ParamError, ValueError):
    """A parameter with a value it cannot take."""


# -----------------------------------------------------------------------------
# Files: one atomic writer, its temporary files, a lock, a check before long work

STALE_TMP_SECONDS = 3600  # a temporary file untouched this long, and not locked, is a killed write


def atomic_write(path, write, binary: bool = True, encoding: str = "utf-8") -> Path:
    """Call ``write(file)`` on a temporary file in ``path``'s folder, then ``os.replace`` it onto ``path``.

    A crash, a disconnect or a full disk mid-write leaves the previous file intact, never a
    truncated one: the data are fsynced before the rename and the folder after it (so the rename
    itself survives a power loss). The one writer of the package's checkpoints, results files
    and submissions. The temporary file (``.NAME.xxxxxxxx.tmp``) is locked while it is written;
    those that a killed process left behind are removed by the next write. Returns ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_tmp(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        _try_lock(fd, blocking=False)  # ours alone: tells remove_stale_tmp it is in use
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


def remove_stale_tmp(path, older_than: float = STALE_TMP_SECONDS) -> list[Path]:
    """Delete the temporary files of killed :func:`atomic_write` calls for ``path``.

    Only names of exactly our pattern (``.NAME.`` + mkstemp's 8 characters + ``.tmp``), only files
    older than ``older_than`` seconds, and only those no process holds locked (a write in progress
    holds its lock until it closes the file). Returns the files removed.
    """
    path = Path(path)
    pattern = re.compile(r"\." + re.escape(path.name) + r"\.[A-Za-z0-9_]{8}\.tmp")
    removed = []
    try:
        candidates = [p for p in path.parent.iterdir() if pattern.fullmatch(p.name)]
    except OSError:
        return removed
    for tmp in candidates:
        try:
            age = time.time() - tmp.stat().st_mtime
            if not tmp.is_file() or tmp.is_symlink() or age < older_than:
                continue
            fd = os.open(tmp, os.O_RDONLY)
        except OSError:
            continue
        try:
            if _try_lock(fd, blocking=False) is not False:  # not held by a live writer
                tmp.unlink()
                removed.append(tmp)
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


def _try_lock(fd: int, blocking: bool = True):
    """flock ``fd`` exclusively: True when locked, False when another process holds it, None where
    the file system has no locks (then nothing is known)."""
    if fcntl is None:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        return True
    except BlockingIOError:
        return False
    except OSError:  # e.g. a network or FUSE folder without locks
        return None


@contextlib.contextmanager
def locked(path):
    """Hold an exclusive lock for ``path`` (on ``.NAME.lock`` beside it) while the block runs:
    writers that read, merge and replace the same file take turns instead of losing each
    other's changes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.parent / f".{path.name}.lock", os.O_RDWR | os.O_CREAT, 0o666)
    try:
        _try_lock(fd)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def check_writable(path, what: str, need_bytes: int = 0, error=None) -> Path:
    """Before long work: ``path`` must be a file that can be written (atomically) in its folder.

    Refused with a message that names the file and the cause: a folder at ``path``, a folder
    that cannot be created or written (read-only, no permission), or less free space than
    ``need_bytes``. The folder is created; a probe file is written and removed. ``error`` is the
    class of the error (a :class:`ParamError`; default :class:`ConfigError`).
    """
    error = error or ConfigError
    path = Path(path)
    if path.is_dir():
        raise error("the {what} {path} is a folder; give a file name (e.g. {example})",
                          what=what, path=path, example=path / "run.pt")
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise error("cannot write the {what} {path}: {cause}", what=what, path=path,
                    cause=describe_os_error(exc, folder)) from exc
    free = shutil.disk_usage(folder).free
    if free < need_bytes:
        raise error("not enough free space for the {what} {path}: it needs about {need} and "
                          "{folder} has {free} free", what=what, path=path, need=_mb(need_bytes),
                          folder=folder, free=_mb(free))
    return path


def describe_os_error(exc: BaseException, folder) -> str:
    """A file error in words: a full disk, a read-only folder, or the system's own message."""
    import errno

    try:
        free = f"{_mb(shutil.disk_usage(folder).free)} free in {folder}"
    except OSError:
        free = f"{folder} unreadable"
    code = getattr(exc, "errno", None)
    if code == errno.ENOSPC:
        return f"the disk is full ({free})"
    if "file write failed" in str(exc):  # all that torch's zip writer says when a write fails
        return f"the write failed ({free}: is the disk full?)"
    if code == errno.EROFS:
        return f"{folder} is on a read-only file system"
    if code in (errno.EACCES, errno.EPERM):
        return f"no permission to write in {folder}"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror + (f": {exc.filename}" if exc.filename else "")
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MB"


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
