"""Data sets held on the training device, with the ResNet paper's augmentation run batched there.

Three data sets, always chosen explicitly (nothing falls back from one to another), listed
once in :data:`DATASETS` (which :func:`load` and the command line's choices read):

* :func:`cifar10` — CIFAR-10 through ``torchvision.datasets.CIFAR10`` (downloaded on first
  use, e.g. on Colab). If the files are missing and cannot be downloaded, the error says so
  and how to fix it.
* :func:`fashion_mnist` — Fashion-MNIST (Xiao et al. 2017): 60,000 + 10,000 photos of clothes,
  28×28 grey, padded to 32×32 as LeNet-5's paper padded MNIST. Read from Debian's
  ``dataset-fashion-mnist`` package (offline) or any folder with the four original files; on
  Colab downloaded through torchvision. Size and checksum of every file are checked. A ``root``
  that is given is the only folder used (with torchvision's layout under it).
* :func:`digits` — scikit-learn's 8×8 handwritten digits (they ship with scikit-learn, so no
  download), resized to 32×32. For CPU runs, tests and CI.

A split is an :class:`ImageSet`: every image as one ``uint8`` tensor ``N×C×H×W`` plus the
labels, on the device. :class:`DeviceLoader` cuts it into batches: the order is a seeded
permutation drawn on the device, and the augmentation of He et al. 2015, §4.2 ("4 pixels are
padded on each side, and a 32×32 crop is randomly sampled from the padded image or its
horizontal flip") is one gather over the whole batch, followed by the normalization. There is
no per-image Python and no DataLoader worker in the hot path, which matters on Colab's two CPU
cores: the GPU never waits for the CPU to decode and crop images.

Channels: the digits are grey, so their :class:`ImageSet` has one channel and the models are
built with ``in_channels=1`` (every model in :mod:`cnncourse.models` takes ``in_channels``);
the images are not replicated to three channels.

Normalization: per-channel mean and standard deviation of the *training* split (for CIFAR-10
the well-known values, checked against the data in :func:`channel_stats`); the paper subtracts
the per-pixel mean instead, a difference that does not matter for these experiments.
"""
from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F

from .utils import Param, ParamError, pick_device

# Per-channel mean and std of CIFAR-10's 50,000 training images (pixel values scaled to [0, 1]).
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")


class DatasetUnavailable(ParamError, RuntimeError):
    """The data set's files are not there (or damaged) and could not be downloaded."""


@dataclass
class ImageSet:
    """One split of a data set, held as tensors on one device.

    ``images`` is ``uint8`` ``N×C×H×W``, ``labels`` ``int64`` ``N``; ``mean`` and ``std``
    (length C, in [0, 1] units) are the training split's, used by :meth:`normalize`.
    ``flip`` says whether horizontal flips are a valid augmentation (yes for photos,
    no for digits).
    """

    name: str
    train: bool
    images: torch.Tensor
    labels: torch.Tensor
    mean: tuple
    std: tuple
    classes: tuple
    flip: bool = True
    _norm: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        if self.images.dtype != torch.uint8 or self.images.dim() != 4:
            raise ValueError(f"images must be a uint8 N×C×H×W tensor, got {self.images.dtype} "
                             f"{tuple(self.images.shape)}")
        if self.labels.shape != self.images.shape[:1]:
            raise ValueError("one label per image is needed")

    def __len__(self) -> int:
        return self.images.shape[0]

    def __repr__(self) -> str:
        c, h, w = self.images.shape[1:]
        return (f"ImageSet({self.name!r}, {'train' if self.train else 'test'}, {len(self)} images "
                f"{c}×{h}×{w} uint8 on {self.device})")

    @property
    def device(self) -> torch.device:
        return self.images.device

    @property
    def channels(self) -> int:
        return self.images.shape[1]

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def to(self, device) -> "ImageSet":
        device = torch.device(device)
        return ImageSet(self.name, self.train, self.images.to(device), self.labels.to(device),
                        self.mean, self.std, self.classes, self.flip)

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        """uint8 batch → float32 batch with this data set's per-channel mean and std removed."""
        key = x.device
        if key not in self._norm:  # scale and shift folded into one multiply-add
            mean = torch.tensor(self.mean, dtype=torch.float32, device=x.device).view(1, -1, 1, 1)
            std = torch.tensor(self.std, dtype=torch.float32, device=x.device).view(1, -1, 1, 1)
            self._norm[key] = (1.0 / (255.0 * std), -mean / std)
        scale, shift = self._norm[key]
        return torch.addcmul(shift, x.float(), scale)


def channel_stats(images: torch.Tensor) -> tuple[tuple, tuple]:
    """Per-channel mean and std of a uint8 ``N×C×H×W`` tensor, in [0, 1] units."""
    x = images.float().div_(255).transpose(0, 1).reshape(images.shape[1], -1)
    return (tuple(round(v, 4) for v in x.mean(1).tolist()),
            tuple(round(v, 4) for v in x.std(1).tolist()))


# -----------------------------------------------------------------------------
# CIFAR-10

def _cifar10_unavailable(root: Path, reason: str, **values) -> DatasetUnavailable:
    """The error, its ``reason`` a template like the rest (dynamic text goes in ``values``)."""
    return DatasetUnavailable(
        "CIFAR-10 is not available: " + reason + ". Fix it in one of two ways: (1) run where the "
        "internet can be reached (e.g. Colab) with {download}, and torchvision downloads the "
        "163 MB archive into {root}/; or (2) pass {folder} a folder that already holds "
        "torchvision's 'cifar-10-batches-py' directory (copy it there, e.g. from a mounted Google "
        "Drive). For a run without CIFAR-10 use the digits instead (cnncourse.data.digits(), or "
        "{digits}).",
        **{"root": root, "download": Param("download", True), "digits": Param("data", "digits"),
           "folder": Param("root", placeholder="FOLDER"), **values})


def _cifar10_damage(cls, root: Path) -> str:
    """Which of torchvision's CIFAR-10 files under ``root`` are missing or fail their checksum
    ("" when the folder is not there at all)."""
    from torchvision.datasets.utils import check_integrity

    folder = root / cls.base_folder
    if not folder.is_dir():
        return ""
    files = [*cls.train_list, *cls.test_list, [cls.meta["filename"], cls.meta["md5"]]]
    damage = [f"{name} ({'checksum mismatch' if (folder / name).exists() else 'missing'})"
              for name, md5 in files if not check_integrity(str(folder / name), md5)]
    return f"the files under {folder} are damaged: {', '.join(damage)}" if damage else ""


def cifar10(root="data", train: bool = True, device=None, download: bool = True) -> ImageSet:
    """CIFAR-10's training (50,000) or test (10,000) split as uint8 tensors on ``device``.

    The files come from ``torchvision.datasets.CIFAR10(root, download=download)``. If they are
    missing and the download is off or fails (no network), a :class:`DatasetUnavailable` error
    says so and how to fix it.
    """
    import urllib.error

    from torchvision.datasets import CIFAR10

    root = Path(root).expanduser()
    device = pick_device(device)
    try:
        ds = CIFAR10(str(root), train=train, download=download)
    except (urllib.error.URLError, OSError, ConnectionError, TimeoutError) as exc:
        damage = _cifar10_damage(CIFAR10, root)
        raise _cifar10_unavailable(root, "{damage}the download failed ({exc})",
                                   damage=f"{damage}; " if damage else "", exc=exc) from exc
    except RuntimeError as exc:  # torchvision: "Dataset not found or corrupted. You can use download=True ..."
        damage = _cifar10_damage(CIFAR10, root)
        if damage:
            raise _cifar10_unavailable(root, "{damage}", damage=damage) from exc
        if download:
            raise _cifar10_unavailable(root, "torchvision could not use the files ({exc})",
                                       exc=exc) from exc
        raise _cifar10_unavailable(root, "no CIFAR-10 files under {root} and {no_download}",
                                   no_download=Param("download", False)) from exc
    images = torch.from_numpy(ds.data).permute(0, 3, 1, 2).contiguous()  # N×32×32×3 → N×3×32×32
    labels = torch.tensor(ds.targets, dtype=torch.int64)
    return ImageSet("cifar10", train, images.to(device), labels.to(device),
                    CIFAR10_MEAN, CIFAR10_STD, CIFAR10_CLASSES, flip=True)


# -----------------------------------------------------------------------------
# Fashion-MNIST

FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
# Where Debian's package `dataset-fashion-mnist` puts the four gzip files.
FASHION_MNIST_DEBIAN = Path("/usr/share/datasets/fashion-mnist")
# Length and SHA-256 of each file's *decompressed* bytes (the IDX file itself), so a file is
# recognised whether it is gzipped by the authors, re-gzipped by Debian, or unpacked by torchvision.
FASHION_MNIST_FILES = {
    "train-images-idx3-ubyte": (47_040_016, "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
    "train-labels-idx1-ubyte": (60_008, "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
    "t10k-images-idx3-ubyte": (7_840_016, "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
    "t10k-labels-idx1-ubyte": (10_008, "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
}


FASHION_MNIST_DEFAULT_ROOT = "data"  # where a download goes when no root is given (e.g. on Colab)


def _fashion_mnist_root(root) -> Path:
    return Path(root if root is not None else FASHION_MNIST_DEFAULT_ROOT).expanduser()


def _fashion_mnist_candidates(root) -> list[Path]:
    """Folders that may hold the four files: ``root`` (default ``./data``, where a download goes)
    and torchvision's layout under it; Debian's copy only when no ``root`` was given (a folder
    that was asked for is never silently replaced by another)."""
    base = _fashion_mnist_root(root)
    return [base, base / "FashionMNIST" / "raw"] + ([FASHION_MNIST_DEBIAN] if root is None else [])


def _find_fashion_mnist_file(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _read_idx(path: Path, stem: str) -> bytes:
    """The decompressed bytes of one IDX file, after checking its length and SHA-256.

    Checked once per file version: the test split needs the training images' statistics too,
    and re-reading and re-hashing 47 MB for every split would double the loading time.
    """
    st = path.stat()
    return _read_idx_checked(str(path.resolve()), stem, st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _read_idx_checked(path: str, stem: str, size_on_disk: int, mtime_ns: int) -> bytes:
    import gzip
    import hashlib

    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":  # gzip magic
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DatasetUnavailable(f"{path} is not a readable gzip file ({exc}); reinstall it "
                                     f"(apt-get install --reinstall dataset-fashion-mnist) or delete it "
                                     f"and download again") from exc
    size, sha256 = FASHION_MNIST_FILES[stem]
    if len(raw) != size or hashlib.sha256(raw).hexdigest() != sha256:
        raise DatasetUnavailable(f"{path} is not the original Fashion-MNIST file {stem}: expected "
                                 f"{size:,} bytes with SHA-256 {sha256[:12]}…, got {len(raw):,} bytes "
                                 f"with SHA-256 {hashlib.sha256(raw).hexdigest()[:12]}…; replace it")
    return raw


def _fashion_mnist_missing(root, reason: str, **values) -> DatasetUnavailable:
    """The error, its ``reason`` a template like the rest (dynamic text goes in ``values``)."""
    return DatasetUnavailable(
        "Fashion-MNIST is not available: " + reason + ". Looked in {where}. Fix it in one of three "
        "ways: (1) on Debian/Ubuntu, `apt-get install dataset-fashion-mnist` (30 MB, installs the "
        "four files under {debian}, used when no {root} is given); (2) where the internet can be "
        "reached (e.g. Colab), call with {download} and torchvision downloads them into {root} "
        "(default ./data); (3) pass {folder} a folder holding the four files {files} (gzipped or "
        "not).",
        **{"where": ", ".join(map(str, _fashion_mnist_candidates(root))),
           "debian": FASHION_MNIST_DEBIAN, "root": Param("root"),
           "download": Param("download", True),
           "folder": Param("root", placeholder="FOLDER"),
           "files": ", ".join(f + ".gz" for f in FASHION_MNIST_FILES), **values})


def _fashion_mnist_tensors(root, train: bool, download: bool):
    prefix = "train" if train else "t10k"
    stems = (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte")
    given = Path(root).expanduser() if root is not None else None
    if given is not None and given.exists() and not given.is_dir():
        raise _fashion_mnist_missing(root, "{given} is a file, not a folder", given=given)
    for attempt in range(2):
        for folder in _fashion_mnist_candidates(root):
            paths = [_find_fashion_mnist_file(folder, s) for s in stems]
            if all(paths):
                images, labels = (_read_idx(p, s) for p, s in zip(paths, stems))
                n = int.from_bytes(labels[4:8], "big")
                x = torch.frombuffer(bytearray(images[16:]), dtype=torch.uint8).reshape(n, 1, 28, 28)
                y = torch.frombuffer(bytearray(labels[8:]), dtype=torch.uint8).long()
                return x, y
        if attempt == 0 and download:
            _download_fashion_mnist(root)
        else:
            break
    folders = _fashion_mnist_candidates(root)
    found = [s for s in stems if any(_find_fashion_mnist_file(f, s) for f in folders)]
    missing = "the files are missing" if not found else \
        f"only {', '.join(found)} of the files {', '.join(stems)} are there"
    if download:
        raise _fashion_mnist_missing(root, "{missing}", missing=missing)
    raise _fashion_mnist_missing(root, "{missing} and {no_download}", missing=missing,
                                 no_download=Param("download", False))


def _download_fashion_mnist(root) -> None:
    import urllib.error

    from torchvision.datasets import FashionMNIST

    try:
        FashionMNIST(str(_fashion_mnist_root(root)), train=True, download=True)
        FashionMNIST(str(_fashion_mnist_root(root)), train=False, download=True)
    except (urllib.error.URLError, OSError, ConnectionError, TimeoutError, RuntimeError) as exc:
        detail = " ".join(str(exc).split())  # torchvision's message spans several lines
        raise _fashion_mnist_missing(root, "the download failed ({detail})", detail=detail) from exc


def fashion_mnist(train: bool = True, device=None, root=None, download: bool = False,
                  padding: int = 2) -> ImageSet:
    """Fashion-MNIST's training (60,000) or test (10,000) split as uint8 tensors on ``device``.

    The four original files are read from ``root`` (also torchvision's ``root/FashionMNIST/raw``).
    Without a ``root``: from ``./data``, else from Debian's ``/usr/share/datasets/fashion-mnist``;
    a ``root`` that is given is the only folder used (missing, a file, or incomplete: an error
    that names it). Each file's length and SHA-256 are checked. With ``download=True`` and no
    files found (Colab), torchvision downloads them into ``root`` (default ``./data``), where the
    next call finds them. The 28×28 images are zero-padded by ``padding`` = 2 pixels to 32×32, as
    LeNet-5's paper did with MNIST, the input size every model here was built for. One channel;
    mean and std are the training split's; horizontal flips are a valid augmentation (a mirrored
    shirt is a shirt), as in the data set's published crop-and-flip baselines.
    """
    if padding < 0:
        raise ValueError(f"padding must be 0 or more pixels, got {padding}")
    device = pick_device(device)
    # The training images are read for the test split too: their statistics normalize both.
    x_train, y_train = _fashion_mnist_tensors(root, True, download)
    images, labels = (x_train, y_train) if train else _fashion_mnist_tensors(root, False, download)
    pad = (padding,) * 4
    x_train, images = F.pad(x_train, pad), F.pad(images, pad)
    mean, std = channel_stats(x_train)
    return ImageSet("fashion_mnist", train, images.to(device), labels.to(device), mean, std,
                    FASHION_MNIST_CLASSES, flip=True)


def subset(dataset: ImageSet, n: int, seed: int = 0) -> ImageSet:
    """``n`` images of ``dataset``, the same number from every class (a seeded, stratified draw).

    For CPU budgets: the split keeps its name (with the size), its statistics and its device.
    """
    classes = dataset.num_classes
    if not 0 < n <= len(dataset) or n % classes:
        raise ValueError(f"n must be a multiple of the {classes} classes between {classes} and "
                         f"{len(dataset)}, got {n}")
    g = torch.Generator().manual_seed(seed)
    labels = dataset.labels.cpu()
    picked = []
    for c in range(classes):
        idx = (labels == c).nonzero().flatten()
        if len(idx) < n // classes:
            raise ValueError(f"class {c} has only {len(idx)} images, fewer than {n // classes}")
        picked.append(idx[torch.randperm(len(idx), generator=g)[: n // classes]])
    idx = torch.cat(picked).sort().values.to(dataset.device)
    return ImageSet(dataset.name, dataset.train, dataset.images.index_select(0, idx),
                    dataset.labels.index_select(0, idx), dataset.mean, dataset.std,
                    dataset.classes, dataset.flip)



FULL_SIZE_ENV = "CNNCOURSE_FULL"  # set to 1: a page trains at its GPU size on any device


def page_size(device, cpu: int, full: int | None = None) -> int | None:
    """How many images a page trains (or tests) on: ``cpu`` on a CPU, ``full`` on a GPU.

    The chapters size their training for a 2-core CPU and switch to the whole split
    (``full=None``, or a larger count) on a GPU runtime such as Colab's. Setting the environment
    variable ``CNNCOURSE_FULL=1`` picks the GPU size on any device, to check on a CPU that a
    page's claims hold at that size too. Returns a count for :func:`subset`, or None for all.
    """
    if isinstance(cpu, bool) or not isinstance(cpu, int) or cpu < 1:
        raise ValueError(f"cpu must be a positive number of images, got {cpu!r}")
    on_gpu = torch.device(device).type == "cuda"
    return full if on_gpu or os.environ.get(FULL_SIZE_ENV) == "1" else cpu

# -----------------------------------------------------------------------------
# scikit-learn digits

DIGITS_TEST_FRACTION = 0.2
DIGITS_SPLIT_SEED = 0


def _digits_tensors(size: int):
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        raise ImportError("the digits data set comes with scikit-learn, a dependency of cnncourse "
                          "that is missing here: pip install scikit-learn") from exc

    d = load_digits()
    x = torch.from_numpy(d.images).float().unsqueeze(1)  # 1797×1×8×8, values 0..16
    if size != 8:  # one batched bilinear resize of all 1797 images
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    images = (x * (255.0 / 16.0)).round_().clamp_(0, 255).to(torch.uint8)
    return images, torch.from_numpy(d.target).long()


def digits_split(labels: torch.Tensor, test_fraction: float = DIGITS_TEST_FRACTION,
                 seed: int = DIGITS_SPLIT_SEED):
    """The fixed train/test split of the digits: stratified by class, seeded; returns index tensors."""
    from sklearn.model_selection import train_test_split

    idx = torch.arange(len(labels))
    train_idx, test_idx = train_test_split(idx.numpy(), test_size=test_fraction, random_state=seed,
                                           stratify=labels.numpy())
    return torch.from_numpy(train_idx).sort().values, torch.from_numpy(test_idx).sort().values


def digits(train: bool = True, device=None, size: int = 32, test_fraction: float = DIGITS_TEST_FRACTION,
           seed: int = DIGITS_SPLIT_SEED) -> ImageSet:
    """scikit-learn's 1,797 handwritten digits, resized (bilinear) from 8×8 to ``size``×``size``.

    A fixed, stratified split (``test_fraction`` 0.2, ``seed`` 0): 1,437 training and 360 test
    images. One channel (build models with ``in_channels=1``); mean and std are the training
    split's. Horizontal flips are not used for digits (a mirrored 2 is not a 2).
    """
    device = pick_device(device)
    images, labels = _digits_tensors(size)
    train_idx, test_idx = digits_split(labels, test_fraction, seed)
    mean, std = channel_stats(images[train_idx])
    idx = train_idx if train else test_idx
    return ImageSet("digits", train, images[idx].to(device), labels[idx].to(device), mean, std,
                    tuple(str(i) for i in range(10)), flip=False)


@dataclass(frozen=True)
class DataSource:
    """One entry of :data:`DATASETS`: what the data set is, and how to load a split of it."""

    about: str
    load: Callable  # (train, device, root, download) -> ImageSet


# The data sets by name: load() and the command line's --data choices and help read this table.
DATASETS = {
    "cifar10": DataSource(
        "CIFAR-10: 50,000 + 10,000 colour photos, 32×32 (downloaded by torchvision into the root, "
        "default ./data)",
        lambda train, device, root, download: cifar10("data" if root is None else root, train,
                                                      device, download)),
    "fashion_mnist": DataSource(
        "Fashion-MNIST: 60,000 + 10,000 grey photos of clothes, padded to 32×32 (Debian's "
        "dataset-fashion-mnist, or downloaded into the root)",
        lambda train, device, root, download: fashion_mnist(train, device, root, download)),
    "digits": DataSource(
        "scikit-learn's 1,797 handwritten digits, resized to 32×32 (no download; for CPU runs)",
        lambda train, device, root, download: digits(train, device)),
}


def load(name: str, train: bool = True, device=None, root=None, download: bool = True) -> ImageSet:
    """A data set of :data:`DATASETS` by name (``"cifar10"``, ``"fashion_mnist"``, ``"digits"``).

    ``root``: the folder of its files (None: ``./data``, and for Fashion-MNIST Debian's copy).
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    return DATASETS[name].load(train, device, root, download)


# -----------------------------------------------------------------------------
# Augmentation and batches, on the device

def random_crop_flip(images: torch.Tensor, padding: int = 4, flip: bool = True,
                     generator: torch.Generator | None = None, offsets=None, flips=None) -> torch.Tensor:
    """The paper's augmentation for a whole batch at once, as one gather.

    Each image is zero-padded by ``padding`` pixels on every side, an H×W window is cut at a
    random offset (0 … 2·padding in each direction) and, with probability ½ (``flip``), mirrored.
    ``offsets`` (N×2, row and column) and ``flips`` (N, bool) may be given instead of drawn.
    Works on any dtype; keeps uint8 as uint8.
    """
    n, c, h, w = images.shape
    dev = images.device
    if offsets is None:
        offsets = torch.randint(0, 2 * padding + 1, (n, 2), device=dev, generator=generator)
    if flips is None:
        flips = (torch.rand(n, device=dev, generator=generator) < 0.5) if flip else \
            torch.zeros(n, dtype=torch.bool, device=dev)
    padded = F.pad(images, (padding, padding, padding, padding))
    ar_h = torch.arange(h, device=dev)
    ar_w = torch.arange(w, device=dev)
    rows = offsets[:, :1] + ar_h  # N×H
    cols = offsets[:, 1:] + torch.where(flips[:, None], (w - 1) - ar_w, ar_w)  # N×W, reversed when flipped
    # Gather rows then columns: two index_selects along flattened dims, no Python loop over images.
    hp, wp = h + 2 * padding, w + 2 * padding
    flat = padded.reshape(n, c, hp * wp)
    index = (rows[:, :, None] * wp + cols[:, None, :]).reshape(n, 1, h * w).expand(n, c, h * w)
    return torch.gather(flat, 2, index).reshape(n, c, h, w)


def _mix_seed(*values: int) -> int:
    """A 63-bit seed from a few integers (seed, epoch, purpose), the same on every machine."""
    s = 0x9E3779B97F4A7C15
    for v in values:
        s = (s ^ (int(v) & 0xFFFFFFFFFFFFFFFF)) * 0xBF58476D1CE4E5B9 & 0xFFFFFFFFFFFFFFFF
        s ^= s >> 31
    return s & 0x7FFFFFFFFFFFFFFF


class DeviceLoader:
    """Batches of an :class:`ImageSet`, made on its device.

    Iterating yields ``(x, y)``: ``x`` float32 normalized ``B×C×H×W`` and ``y`` int64, both on
    the data set's device. With ``shuffle`` the order of epoch ``e`` is the permutation drawn
    by a generator seeded from ``(seed, e)``, and so are the crops and flips; an epoch is
    therefore a pure function of (seed, epoch), which makes resuming from a checkpoint exact.
    Call :meth:`set_epoch` before each epoch.

    Distributed training (``world_size`` > 1): every process holds the whole data set and draws
    the same permutation and the same crops; process ``rank`` takes its 1/world_size share of
    each *global* batch of ``batch_size`` images. So ``batch_size`` is the global batch, an
    epoch has the same number of optimizer steps as with one process, and the images seen in a
    step are exactly those one process would see.
    """

    def __init__(self, dataset: ImageSet, batch_size: int, shuffle: bool = False, augment: bool = False,
                 seed: int = 0, drop_last: bool | None = None, rank: int = 0, world_size: int = 1,
                 padding: int = 4):
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        if batch_size % world_size:
            raise ValueError(f"the global batch size {batch_size} must be divisible by the number of "
                             f"processes ({world_size})")
        self.dataset, self.batch_size, self.shuffle, self.augment = dataset, batch_size, shuffle, augment
        self.seed, self.rank, self.world_size, self.padding = seed, rank, world_size, padding
        # Training drops the last, incomplete batch (every step sees batch_size images, and in
        # distributed runs every process gets an equal share); evaluation keeps every image.
        self.drop_last = shuffle if drop_last is None else drop_last
        if self.drop_last and len(dataset) < batch_size:
            raise ValueError(f"the batch size {batch_size} is larger than the {len(dataset)} images "
                             f"of {dataset.name}; use a smaller batch")
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _generator(self, purpose: int) -> torch.Generator:
        g = torch.Generator(device=self.dataset.device)
        g.manual_seed(_mix_seed(self.seed, self.epoch, purpose))
        return g

    def __iter__(self):
        ds = self.dataset
        n = len(ds)
        if self.shuffle:
            order = torch.randperm(n, device=ds.device, generator=self._generator(1))
        else:
            order = torch.arange(n, device=ds.device)
        steps = len(self)
        used = steps * self.batch_size if self.drop_last else n
        order = order[:used]
        if self.augment:  # drawn for the whole epoch (global batches), then sliced per process
            g = self._generator(2)
            offsets = torch.randint(0, 2 * self.padding + 1, (used, 2), device=ds.device, generator=g)
            flips = torch.rand(used, device=ds.device, generator=g) < 0.5
            if not ds.flip:
                flips = torch.zeros_like(flips)
        share = self.batch_size // self.world_size
        for i in range(steps):
            lo = i * self.batch_size
            hi = min(lo + self.batch_size, used)
            if self.world_size > 1:
                if self.drop_last:
                    lo, hi = lo + self.rank * share, lo + (self.rank + 1) * share
                else:  # evaluation: contiguous, possibly uneven, pieces of the last batch
                    bounds = torch.linspace(lo, hi, self.world_size + 1).round().long().tolist()
                    lo, hi = bounds[self.rank], bounds[self.rank + 1]
            idx = order[lo:hi]
            x = ds.images.index_select(0, idx)
            if self.augment:
                x = random_crop_flip(x, self.padding, offsets=offsets[lo:hi], flips=flips[lo:hi])
            yield ds.normalize(x), ds.labels.index_select(0, idx)
