"""The 32×32 variants of AlexNet, VGG and GoogLeNet used for the equal-footing comparison."""
import pytest
import torch
from torch import nn

from cnncourse import count_flops, count_params, get_model, list_models
from cnncourse.models import small
from cnncourse.models.googlenet import Inception


def test_registered_as_their_own_family():
    assert list_models("small") == ["alexnet_small", "vgg_small", "googlenet_small"]


@pytest.mark.parametrize("name", ["alexnet_small", "vgg_small", "googlenet_small"])
def test_grey_32x32_in_ten_classes_out(name):
    model = get_model(name).eval()
    assert model(torch.zeros(2, 1, 32, 32)).shape == (2, 10)
    assert get_model(name, in_channels=3, num_classes=7)(torch.zeros(1, 3, 32, 32)).shape == (1, 7)
    with pytest.raises(ValueError, match=r"expects 1×"):
        model(torch.zeros(2, 3, 32, 32))


def test_alexnet_small_keeps_alexnets_pattern():
    assert sum(isinstance(m, nn.BatchNorm2d) for m in get_model("alexnet_small").features) == 5
    model = get_model("alexnet_small", batch_norm=False)  # the paper's LRN instead of BN
    convs = [m for m in model.features if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in convs] == [48, 128, 192, 192, 128]  # AlexNet's 96…256, halved
    assert [c.kernel_size[0] for c in convs] == [5, 5, 3, 3, 3]
    assert sum(isinstance(m, nn.LocalResponseNorm) for m in model.features) == 2
    pools = [m for m in model.features if isinstance(m, nn.MaxPool2d)]
    assert len(pools) == 3 and all(p.kernel_size == 3 and p.stride == 2 for p in pools)  # overlapping
    # 32 → 15 → 7 → 3 after the three poolings: the first FC layer sees 128 × 3 × 3
    assert model.classifier[1].in_features == 128 * 3 * 3


def test_vgg_small_is_configuration_a_at_half_width():
    from cnncourse.models.vgg import CONFIGS

    half = [e if not e.startswith("conv") else f"conv3-{int(e.split('-')[1]) // 2}" for e in CONFIGS["A"]]
    assert small.VGG_SMALL_CONFIG == half
    model = get_model("vgg_small")
    assert sum(isinstance(m, nn.Conv2d) for m in model.features) == 8  # A has 8 convs + 3 FC = 11
    assert sum(isinstance(m, nn.BatchNorm2d) for m in model.features) == 8
    assert not any(isinstance(m, nn.BatchNorm2d) for m in get_model("vgg_small", batch_norm=False).modules())
    assert sum(isinstance(m, nn.Linear) for m in model.classifier) == 3


def test_googlenet_small_uses_the_package_inception_module():
    model = get_model("googlenet_small")
    modules = [m for m in model.features if isinstance(m, Inception)]
    assert len(modules) == 5
    # 3a at half width: 32 + 64 + 16 + 16 = 128 channels out (GoogLeNet's 3a: 256)
    assert modules[0].out_channels == 128 and modules[-1].out_channels == 416
    assert isinstance(model.head[0], nn.AdaptiveAvgPool2d)  # global average pooling
    plain = get_model("googlenet_small", batch_norm=False)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in plain.modules())
    assert plain(torch.zeros(1, 1, 32, 32)).shape == (1, 10)


def test_costs_are_in_the_range_of_resnet20():
    """The comparison only makes sense if no network is in another league of cost."""
    cost = {n: count_flops(get_model(n, in_channels=1), (1, 32, 32)).total
            for n in ("alexnet_small", "vgg_small", "googlenet_small", "resnet20")}
    assert all(0.25 < c / cost["resnet20"] < 4 for c in cost.values()), cost
    assert count_params(get_model("vgg_small")) > count_params(get_model("googlenet_small"))
