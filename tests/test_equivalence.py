"""The chapters' proof that a network built on the page is the package's: copy_weights, same_network."""
import pytest
import torch
from torch import nn

from cnncourse import data, get_model
from cnncourse.analysis.equivalence import NotTheSameNetwork, copy_weights, same_network


def _lenet_sequential(pool=nn.MaxPool2d):
    # the modern LeNet-5 as a reader would type it
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), pool(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), pool(2),
        nn.Conv2d(16, 120, 5), nn.ReLU(), nn.Flatten(),  # C5: a 5×5 conv on 5×5 maps
        nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def test_a_sequential_lenet_is_the_packages_modern_lenet():
    assert same_network(_lenet_sequential(), get_model("lenet5_modern", in_channels=1), (1, 32, 32))


def test_another_function_with_the_same_weights_is_refused():
    with pytest.raises(NotTheSameNetwork, match="different outputs"):
        same_network(_lenet_sequential(nn.AvgPool2d), get_model("lenet5_modern", in_channels=1),
                     (1, 32, 32))


def test_batch_norm_is_compared_too():
    # without BN statistics drawn at random, an identity in place of BN would pass
    with_bn = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU())
    no_bn = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Identity(), nn.ReLU())
    with pytest.raises(NotTheSameNetwork):
        same_network(no_bn, with_bn, (3, 8, 8))
    assert same_network(nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU()), with_bn,
                        (3, 8, 8))


def test_mismatched_weights_name_both_sides():
    with pytest.raises(NotTheSameNetwork, match=r"0\.weight has shape \(6, 1, 5, 5\).*\(6, 1, 3, 3\)"):
        copy_weights(nn.Sequential(nn.Conv2d(1, 6, 5)), nn.Sequential(nn.Conv2d(1, 6, 3)))
    with pytest.raises(NotTheSameNetwork, match="source holds 4 weight tensors, the target 2"):
        copy_weights(nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2)), nn.Sequential(nn.Linear(2, 2)))


def test_copy_weights_copies_values():
    a, b = nn.Linear(3, 2), nn.Linear(3, 2)
    copy_weights(a, b)
    assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)


def test_page_size_cpu_gpu_and_the_override(monkeypatch):
    monkeypatch.delenv(data.FULL_SIZE_ENV, raising=False)
    assert data.page_size("cpu", cpu=6000) == 6000
    assert data.page_size("cpu", cpu=6000, full=60000) == 6000
    assert data.page_size(torch.device("cuda"), cpu=6000) is None  # all images on a GPU
    monkeypatch.setenv(data.FULL_SIZE_ENV, "1")
    assert data.page_size("cpu", cpu=6000) is None
    assert data.page_size("cpu", cpu=6000, full=20000) == 20000
    with pytest.raises(ValueError, match="cpu must be a positive number"):
        data.page_size("cpu", cpu=0)
