"""One training epoch of data: our device-resident pipeline vs DataLoader + torchvision, side by side.

    python benchmarks/data_pipeline.py [--device cpu|cuda] [--images 50000] [--batch 128] [--steps 20]
                                       [--threads N] [--data both|synthetic|fashion_mnist]

Two comparisons in one run. Fashion-MNIST (real files, Debian's ``dataset-fashion-mnist``):
``cnncourse.data.fashion_mnist`` + :class:`~cnncourse.data.DeviceLoader` against torchvision's
``FashionMNIST`` data set (PIL images, ``Pad(2)`` to 32×32, crop, flip, ``ToTensor``,
``Normalize``) in a ``DataLoader``, including the time to load the split.

Synthetic uint8 images of CIFAR-10's shape (50,000 × 3 × 32 × 32), so it runs offline. Both
pipelines do the same work per epoch: shuffle, 4-pixel zero padding + random 32×32 crop,
horizontal flip, scaling to [0, 1] and per-channel normalization, and deliver float batches of
128 on the device.

* ours: :class:`cnncourse.data.DeviceLoader`: the images live on the device as one uint8 tensor;
  one gather per batch does crop + flip;
* reference: ``torch.utils.data.DataLoader`` (``num_workers=2``, Colab's core count; pinned
  memory on a GPU) over the same uint8 tensors with ``torchvision.transforms``
  ``ConvertImageDtype`` (ToTensor's scaling, on uint8 tensors) → ``RandomCrop(32, padding=4)``
  → ``RandomHorizontalFlip`` → ``Normalize``, one image at a time in the workers.

Prints seconds per epoch of each, the ratio (goal: ≥ 5× on a GPU; not slower on a CPU), and the
images per second of ResNet-20 training steps (fed by our pipeline).
"""
from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

from cnncourse import get_model
from cnncourse.data import CIFAR10_CLASSES, CIFAR10_MEAN, CIFAR10_STD, DeviceLoader, ImageSet


class TensorImages(Dataset):
    def __init__(self, images, labels, transform):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.transform(self.images[i]), self.labels[i]


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_ours(images, labels, device, batch):
    ds = ImageSet("synthetic", True, images.to(device), labels.to(device), CIFAR10_MEAN, CIFAR10_STD,
                  CIFAR10_CLASSES, flip=True)
    loader = DeviceLoader(ds, batch, shuffle=True, augment=True, seed=0)
    for _ in zip(range(3), loader):  # warm-up (CUDA context, kernels)
        pass
    sync(device)
    start = time.perf_counter()
    loader.set_epoch(1)
    n = 0
    for x, y in loader:
        n += len(y)
    sync(device)
    return time.perf_counter() - start, n


def time_dataloader(images, labels, device, batch, workers):
    transform = transforms.Compose([
        transforms.ConvertImageDtype(torch.float32),  # ToTensor's /255, for uint8 tensors
        transforms.RandomCrop(32, padding=4),
        transforms.RandomHorizontalFlip(),
        transforms.Normalize(CIFAR10_MEAN, CIFAR10_STD),
    ])
    loader = DataLoader(TensorImages(images, labels, transform), batch_size=batch, shuffle=True, drop_last=True,
                        num_workers=workers, pin_memory=device.type == "cuda", persistent_workers=workers > 0)
    it = iter(loader)  # warm-up: start the workers
    for _ in range(3):
        next(it)
    del it
    sync(device)
    start = time.perf_counter()
    n = 0
    for x, y in loader:
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        n += len(y)
    sync(device)
    return time.perf_counter() - start, n


def train_speed(images, labels, device, batch, steps):
    ds = ImageSet("synthetic", True, images.to(device), labels.to(device), CIFAR10_MEAN, CIFAR10_STD,
                  CIFAR10_CLASSES, flip=True)
    loader = DeviceLoader(ds, batch, shuffle=True, augment=True, seed=0)
    model = get_model("resnet20").to(device)
    cuda = device.type == "cuda"
    dtype = None
    if cuda:
        model.to(memory_format=torch.channels_last)
        dtype = torch.bfloat16 if torch.cuda.get_device_capability(device)[0] >= 8 else torch.float16
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    scaler = torch.amp.GradScaler("cuda", enabled=dtype == torch.float16)
    batches = iter(loader)
    n = 0
    for i in range(steps + 5):
        if i == 5:  # after warm-up
            sync(device)
            start, n = time.perf_counter(), 0
        x, y = next(batches)
        if cuda:
            x = x.contiguous(memory_format=torch.channels_last)
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        n += len(y)
    sync(device)
    return n / (time.perf_counter() - start)


def time_fashion_mnist(device, batch, workers):
    """(ours, torchvision's) seconds for loading the training split and one augmented epoch."""
    import gzip
    import tempfile
    from pathlib import Path

    from torchvision.datasets import FashionMNIST

    from cnncourse.data import FASHION_MNIST_DEBIAN, FASHION_MNIST_FILES, fashion_mnist

    sync(device)
    start = time.perf_counter()
    ds = fashion_mnist(train=True, device=device)
    loader = DeviceLoader(ds, batch, shuffle=True, augment=True, seed=0)
    n = sum(len(y) for _, y in loader)
    sync(device)
    ours = time.perf_counter() - start, n

    with tempfile.TemporaryDirectory() as tmp:  # torchvision reads unpacked files under FashionMNIST/raw
        raw = Path(tmp) / "FashionMNIST" / "raw"
        raw.mkdir(parents=True)
        for stem in FASHION_MNIST_FILES:
            (raw / stem).write_bytes(gzip.decompress((FASHION_MNIST_DEBIAN / f"{stem}.gz").read_bytes()))
        transform = transforms.Compose([
            transforms.Pad(2), transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(),
            transforms.ToTensor(), transforms.Normalize(ds.mean, ds.std),
        ])
        sync(device)
        start = time.perf_counter()
        tv = FashionMNIST(tmp, train=True, transform=transform, download=False)
        loader = DataLoader(tv, batch_size=batch, shuffle=True, drop_last=True, num_workers=workers,
                            pin_memory=device.type == "cuda")
        n = 0
        for x, y in loader:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            n += len(y)
        sync(device)
        theirs = time.perf_counter() - start, n
    return ours, theirs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--images", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--steps", type=int, default=20, help="ResNet-20 training steps to time")
    parser.add_argument("--data", choices=["both", "synthetic", "fashion_mnist"], default="both")
    parser.add_argument("--threads", type=int, help="torch intra-op threads in the main process "
                        "(default: torch's; on a busy shared CPU, 1 avoids threads waiting on each other)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (args.images, 3, 32, 32), dtype=torch.uint8, generator=g)
    labels = torch.randint(0, 10, (args.images,), generator=g)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU ({torch.get_num_threads()} threads)"
    if args.data in ("both", "fashion_mnist"):
        (t_ours, n_ours), (t_ref, n_ref) = time_fashion_mnist(device, args.batch, args.workers)
        print(f"device: {name} · torch {torch.__version__} · Fashion-MNIST, 60,000 images 1×32×32, "
              f"batch {args.batch}, load + one augmented epoch")
        print(f"fashion_mnist() + DeviceLoader:                   {t_ours:7.2f} s ({n_ours:,} images)")
        print(f"torchvision FashionMNIST + DataLoader ({args.workers} workers): {t_ref:7.2f} s ({n_ref:,} images)")
        print(f"speed-up: {t_ref / t_ours:.1f}×\n")
        if args.data == "fashion_mnist":
            return
    print(f"device: {name} · torch {torch.__version__} · {args.images:,} images 3×32×32, batch {args.batch}")
    t_ours, n_ours = time_ours(images, labels, device, args.batch)
    t_ref, n_ref = time_dataloader(images, labels, device, args.batch, args.workers)
    print(f"device-resident pipeline (cnncourse.data):        {t_ours:7.2f} s per epoch "
          f"({n_ours / t_ours:,.0f} images/s)")
    print(f"DataLoader + torchvision transforms ({args.workers} workers): {t_ref:7.2f} s per epoch "
          f"({n_ref / t_ref:,.0f} images/s)")
    print(f"speed-up: {t_ref / t_ours:.1f}×")
    ips = train_speed(images, labels, device, args.batch, args.steps)
    print(f"ResNet-20 training steps (batch {args.batch}, {'mixed precision, channels_last' if device.type == 'cuda' else 'float32'}): "
          f"{ips:,.0f} images/s → {args.images / ips:.1f} s per epoch")


if __name__ == "__main__":
    main()
