"""The device-resident data sets: shapes, normalization, augmentation, seeded order, clear errors."""
import urllib.error
from pathlib import Path

import pytest
import torch

from cnncourse import data
from cnncourse.data import DeviceLoader, ImageSet, random_crop_flip


@pytest.fixture(scope="module")
def digits_train():
    return data.digits(train=True, device="cpu")


def test_digits_split_shapes_and_dtypes(digits_train):
    test = data.digits(train=False, device="cpu")
    assert len(digits_train) == 1437 and len(test) == 360  # 20 % of 1,797, stratified
    assert digits_train.images.shape[1:] == (1, 32, 32) and digits_train.images.dtype == torch.uint8
    assert digits_train.labels.dtype == torch.int64 and digits_train.num_classes == 10
    assert digits_train.channels == 1 and not digits_train.flip
    # the split is fixed (seeded), disjoint and stratified: every class in both parts
    tr_idx, te_idx = data.digits_split(torch.cat([digits_train.labels, test.labels]))
    assert len(set(tr_idx.tolist()) & set(te_idx.tolist())) == 0
    assert torch.equal(data.digits(train=False, device="cpu").images, test.images)
    assert set(test.labels.tolist()) == set(range(10))
    # both splits share the training split's statistics
    assert test.mean == digits_train.mean and test.std == digits_train.std


def test_digits_resize_is_batched_bilinear():
    small = data.digits(device="cpu", size=8)
    assert small.images.shape[1:] == (1, 8, 8) and int(small.images.max()) == 255
    big = data.digits(device="cpu", size=32)
    # bilinear upsampling keeps the mean brightness (up to rounding and borders)
    assert abs(small.images.float().mean() - big.images.float().mean()) < 3


def test_normalization_gives_zero_mean_unit_std(digits_train):
    x, _ = next(iter(DeviceLoader(digits_train, len(digits_train))))
    assert x.dtype == torch.float32 and x.shape == (1437, 1, 32, 32)
    assert abs(x.mean().item()) < 1e-3 and abs(x.std().item() - 1) < 1e-3


def test_crop_stays_within_the_padding():
    x = torch.arange(2 * 3 * 6 * 6, dtype=torch.uint8).reshape(2, 3, 6, 6)
    # offset (p, p) without flip is the original image
    out = random_crop_flip(x, 2, offsets=torch.tensor([[2, 2], [2, 2]]), flips=torch.tensor([False, False]))
    assert torch.equal(out, x)
    # offset (0, 0): shifted down-right by the padding, zeros in the first two rows/columns
    out = random_crop_flip(x, 2, offsets=torch.zeros(2, 2, dtype=torch.long), flips=torch.tensor([False, False]))
    assert torch.equal(out[:, :, 2:, 2:], x[:, :, :4, :4]) and out[:, :, :2].sum() == 0
    # flip: the mirror image of the same window
    out = random_crop_flip(x, 2, offsets=torch.tensor([[2, 2], [4, 1]]), flips=torch.tensor([True, True]))
    assert torch.equal(out[0], x[0].flip(-1))
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2))
    assert torch.equal(out[1], padded[1, :, 4:10, 1:7].flip(-1))
    # random draws: every crop is a window of the padded image, in range 0..2p
    g = torch.Generator().manual_seed(0)
    img = torch.randint(1, 256, (64, 1, 8, 8), dtype=torch.uint8, generator=g)
    out = random_crop_flip(img, 4, generator=g)
    assert out.shape == img.shape and out.dtype == torch.uint8
    pad = torch.nn.functional.pad(img, (4, 4, 4, 4))
    for i in range(64):
        ok = [torch.equal(out[i], w) for r in range(9) for c in range(9)
              for w in (pad[i, :, r:r + 8, c:c + 8], pad[i, :, r:r + 8, c:c + 8].flip(-1))]
        assert any(ok)


def test_permutation_is_seeded_and_per_epoch(digits_train):
    def labels(seed, epoch):
        loader = DeviceLoader(digits_train, 100, shuffle=True, augment=True, seed=seed)
        loader.set_epoch(epoch)
        return torch.cat([y for _, y in loader]), torch.cat([x for x, _ in loader])

    a, xa = labels(0, 0)
    b, xb = labels(0, 0)
    assert torch.equal(a, b) and torch.equal(xa, xb)  # same seed and epoch: same batches, same crops
    assert not torch.equal(a, labels(0, 1)[0])  # a new order every epoch
    assert not torch.equal(a, labels(1, 0)[0])  # and per seed
    assert len(a) == 1400  # training drops the incomplete last batch: 14 steps of 100


def test_distributed_shares_make_up_the_global_batch(digits_train):
    one = DeviceLoader(digits_train, 64, shuffle=True, augment=True, seed=3)
    ranks = [DeviceLoader(digits_train, 64, shuffle=True, augment=True, seed=3, rank=r, world_size=2)
             for r in range(2)]
    assert len(one) == len(ranks[0]) == len(ranks[1]) == 1437 // 64
    for (x, y), (x0, y0), (x1, y1) in zip(one, *ranks):
        assert torch.equal(torch.cat([x0, x1]), x) and torch.equal(torch.cat([y0, y1]), y)
    with pytest.raises(ValueError, match="divisible"):
        DeviceLoader(digits_train, 63, shuffle=True, world_size=2)


def test_evaluation_keeps_every_image(digits_train):
    loader = DeviceLoader(digits_train, 1000)
    assert len(loader) == 2 and sum(len(y) for _, y in loader) == 1437


def test_image_set_checks():
    with pytest.raises(ValueError, match="uint8"):
        ImageSet("x", True, torch.zeros(2, 1, 4, 4), torch.zeros(2, dtype=torch.long), (0.5,), (0.5,), ("a",))
    with pytest.raises(ValueError, match="unknown data set 'mnist'"):
        data.load("mnist")


def test_cifar10_without_files_and_download_off(tmp_path):
    with pytest.raises(data.DatasetUnavailable, match=r"CIFAR-10 is not available.*download=False.*root="):
        data.cifar10(tmp_path, train=True, device="cpu", download=False)


def test_cifar10_download_failure_says_how_to_fix(tmp_path, monkeypatch):
    import torchvision.datasets.cifar as cifar_module

    def no_network(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(cifar_module, "download_and_extract_archive", no_network)
    with pytest.raises(data.DatasetUnavailable, match=r"the download failed.*name resolution.*internet"):
        data.cifar10(tmp_path, device="cpu", download=True)


def test_cifar10_reads_files_in_torchvision_layout(tmp_path):
    """A tiny fake 'cifar-10-batches-py' in torchvision's format loads as uint8 N×3×32×32."""
    import hashlib
    import pickle

    import numpy as np
    import torchvision.datasets.cifar as cifar_module

    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (4, 3072), dtype=np.uint8)
    for name, _ in cifar_module.CIFAR10.train_list + cifar_module.CIFAR10.test_list:
        with open(folder / name, "wb") as f:
            pickle.dump({"data": pixels, "labels": [0, 1, 2, 3]}, f)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": list(data.CIFAR10_CLASSES)}, f)
    md5 = {name: hashlib.md5((folder / name).read_bytes()).hexdigest()
           for name in ["batches.meta"] + [n for n, _ in cifar_module.CIFAR10.train_list + cifar_module.CIFAR10.test_list]}

    class Fake(cifar_module.CIFAR10):
        train_list = [[n, md5[n]] for n, _ in cifar_module.CIFAR10.train_list]
        test_list = [[n, md5[n]] for n, _ in cifar_module.CIFAR10.test_list]
        meta = {**cifar_module.CIFAR10.meta, "md5": md5["batches.meta"]}

    import torchvision.datasets

    orig = torchvision.datasets.CIFAR10
    torchvision.datasets.CIFAR10 = Fake
    try:
        ds = data.cifar10(tmp_path, train=True, device="cpu", download=False)
    finally:
        torchvision.datasets.CIFAR10 = orig
    assert len(ds) == 20 and ds.images.shape == (20, 3, 32, 32) and ds.images.dtype == torch.uint8
    assert torch.equal(ds.images[0], torch.from_numpy(pixels[0].reshape(3, 32, 32)))
    assert ds.flip and ds.mean == data.CIFAR10_MEAN


# --- Fashion-MNIST (Debian's dataset-fashion-mnist; `make test` installs it) -----------------

@pytest.fixture(scope="module")
def fashion():
    if not all((data.FASHION_MNIST_DEBIAN / f"{stem}.gz").is_file() for stem in data.FASHION_MNIST_FILES):
        pytest.fail(f"Fashion-MNIST is missing under {data.FASHION_MNIST_DEBIAN}: install the Debian "
                    f"package dataset-fashion-mnist (`make test` does it: `make data`)", pytrace=False)
    return data.fashion_mnist(device="cpu"), data.fashion_mnist(train=False, device="cpu")


def test_fashion_mnist_from_the_debian_files(fashion):
    train, test = fashion
    assert (len(train), len(test)) == (60_000, 10_000)  # Xiao et al. 2017
    assert train.images.shape[1:] == (1, 32, 32) and train.images.dtype == torch.uint8
    assert train.classes[0] == "T-shirt/top" and train.classes[9] == "Ankle boot" and train.flip
    assert train.labels.bincount().tolist() == [6000] * 10 and test.labels.bincount().tolist() == [1000] * 10
    assert test.labels[:5].tolist() == [9, 2, 1, 1, 6]  # the first test images: boot, pullover, 2 trousers, shirt
    # padded by 2 zero pixels on every side (LeNet-5's 28 → 32), the 28×28 field untouched
    assert train.images[:, :, :2].sum() == 0 and train.images[:, :, :, -2:].sum() == 0
    assert train.images[:, :, 2:30, 2:30].float().mean() > 60
    assert test.mean == train.mean and test.std == train.std and 0.2 < train.mean[0] < 0.25


DEBIAN = data.FASHION_MNIST_DEBIAN  # the real files, before a test points the module elsewhere


def _write_fashion_files(folder, gzipped: bool, stems=None):
    import gzip

    folder.mkdir(parents=True, exist_ok=True)
    for stem in stems or data.FASHION_MNIST_FILES:
        raw = gzip.decompress((DEBIAN / f"{stem}.gz").read_bytes())
        if gzipped:
            (folder / f"{stem}.gz").write_bytes(gzip.compress(raw, compresslevel=1))
        else:
            (folder / stem).write_bytes(raw)


def test_fashion_mnist_from_a_folder_gzipped_or_in_torchvision_layout(fashion, tmp_path, monkeypatch):
    monkeypatch.setattr(data, "FASHION_MNIST_DEBIAN", tmp_path / "nowhere")  # only root may serve
    test_stems = ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    train_stems = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]
    _write_fashion_files(tmp_path / "a", gzipped=True)  # re-gzipped: other bytes, same content
    _write_fashion_files(tmp_path / "b" / "FashionMNIST" / "raw", gzipped=False, stems=test_stems)
    _write_fashion_files(tmp_path / "b" / "FashionMNIST" / "raw", gzipped=True, stems=train_stems)
    for root in (tmp_path / "a", tmp_path / "b"):
        test = data.fashion_mnist(train=False, device="cpu", root=root)
        assert torch.equal(test.images, fashion[1].images) and torch.equal(test.labels, fashion[1].labels)


def test_fashion_mnist_refuses_a_wrong_file(fashion, tmp_path, monkeypatch):
    monkeypatch.setattr(data, "FASHION_MNIST_DEBIAN", tmp_path / "nowhere")
    _write_fashion_files(tmp_path, gzipped=False)
    labels = tmp_path / "t10k-labels-idx1-ubyte"
    blob = bytearray(labels.read_bytes())
    blob[100] ^= 1  # one flipped bit
    labels.write_bytes(bytes(blob))
    with pytest.raises(data.DatasetUnavailable, match=r"not the original Fashion-MNIST file t10k-labels"):
        data.fashion_mnist(train=False, device="cpu", root=tmp_path)
    labels.write_bytes(b"\x1f\x8b broken gzip")
    with pytest.raises(data.DatasetUnavailable, match="not a readable gzip file"):
        data.fashion_mnist(train=False, device="cpu", root=tmp_path)


def test_fashion_mnist_missing_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "FASHION_MNIST_DEBIAN", tmp_path / "nowhere")
    with pytest.raises(data.DatasetUnavailable,
                       match=r"files are missing and download=False.*apt-get install dataset-fashion-mnist.*"
                             r"download=True"):
        data.fashion_mnist(device="cpu", root=tmp_path)
    # download on, no network: torchvision's failure is reported with the same advice
    import torchvision.datasets.mnist as mnist_module

    def no_network(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(mnist_module, "download_and_extract_archive", no_network)
    with pytest.raises(data.DatasetUnavailable, match=r"the download failed.*name resolution.*apt-get"):
        data.fashion_mnist(device="cpu", root=tmp_path, download=True)
    with pytest.raises(ValueError, match="padding must be"):
        data.fashion_mnist(device="cpu", padding=-1)


def test_fashion_mnist_downloads_where_it_looks_next_time(fashion, tmp_path, monkeypatch):
    """Colab: no Debian files, no root given. The download goes to ./data, and this call and the
    next find the files there (the download is mocked: it writes torchvision's layout)."""
    import torchvision.datasets.mnist as mnist_module

    monkeypatch.setattr(data, "FASHION_MNIST_DEBIAN", tmp_path / "nowhere")
    monkeypatch.chdir(tmp_path)
    downloads = []

    def fake_download(url, download_root, filename=None, md5=None, **kwargs):
        downloads.append(filename)
        stem = filename.removesuffix(".gz")
        _write_fashion_files(Path(download_root), gzipped=False, stems=[stem])

    monkeypatch.setattr(mnist_module, "download_and_extract_archive", fake_download)
    test = data.fashion_mnist(train=False, device="cpu", download=True)
    assert torch.equal(test.images, fashion[1].images) and len(downloads) == 4  # 4 files
    assert (tmp_path / "data" / "FashionMNIST" / "raw" / "t10k-labels-idx1-ubyte").is_file()
    again = data.fashion_mnist(train=False, device="cpu")  # no download needed any more
    assert torch.equal(again.labels, fashion[1].labels) and len(downloads) == 4


def test_fashion_mnist_by_name_and_stratified_subset(fashion):
    assert "fashion_mnist" in data.DATASETS
    small = data.subset(fashion[0], 1000, seed=1)
    assert len(small) == 1000 and small.labels.bincount().tolist() == [100] * 10
    assert torch.equal(small.images, data.subset(fashion[0], 1000, seed=1).images)  # seeded
    assert not torch.equal(small.images, data.subset(fashion[0], 1000, seed=2).images)
    with pytest.raises(ValueError, match="multiple of the 10 classes"):
        data.subset(fashion[0], 1005)


def test_a_fashion_mnist_root_that_is_given_is_the_only_folder_used(fashion, tmp_path):
    """Debian's copy is there (as in `make test`), but a root that was asked for must not be
    replaced by it: missing, a file, or incomplete is an error that names the folder."""
    assert all((DEBIAN / f"{stem}.gz").is_file() for stem in data.FASHION_MNIST_FILES)
    missing = tmp_path / "no-such-folder"
    with pytest.raises(data.DatasetUnavailable, match=r"the files are missing and download=False\. "
                                                      r"Looked in .*no-such-folder, .*no-such-folder/FashionMNIST/raw\. "):
        data.fashion_mnist(train=False, device="cpu", root=missing)
    a_file = tmp_path / "fashion.zip"
    a_file.write_bytes(b"PK")
    with pytest.raises(data.DatasetUnavailable, match=r"fashion.zip is a file, not a folder"):
        data.fashion_mnist(device="cpu", root=a_file)
    _write_fashion_files(tmp_path / "part", gzipped=True, stems=["train-images-idx3-ubyte"])
    with pytest.raises(data.DatasetUnavailable, match=r"only train-images-idx3-ubyte of the files "
                                                      r"train-images-idx3-ubyte, train-labels-idx1-ubyte are there"):
        data.load("fashion_mnist", device="cpu", root=tmp_path / "part", download=False)
    # no root given: ./data if it holds the files, else Debian's copy (the default workflow)
    default = data.load("fashion_mnist", train=False, device="cpu", download=False)
    assert torch.equal(default.labels, fashion[1].labels)


def test_a_damaged_cifar10_folder_is_reported_as_damaged(tmp_path):
    from torchvision.datasets import CIFAR10

    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name, _ in CIFAR10.train_list[:3]:
        (folder / name).write_bytes(b"not a pickle")
    with pytest.raises(data.DatasetUnavailable, match=r"the files under .*cifar-10-batches-py are damaged: "
                                                      r"data_batch_1 \(checksum mismatch\), .*data_batch_4 "
                                                      r"\(missing\)"):
        data.cifar10(tmp_path, device="cpu", download=False)


def test_data_sets_come_from_one_registry():
    from cnncourse.cli import build_parser

    assert list(data.DATASETS) == ["cifar10", "fashion_mnist", "digits"]
    train = build_parser()._subparsers._group_actions[0].choices["train"]
    choices = next(a.choices for a in train._actions if a.dest == "data")
    assert choices == list(data.DATASETS)
    with pytest.raises(ValueError, match="unknown data set 'mnist'; choose one of cifar10, fashion_mnist, digits"):
        data.load("mnist")
