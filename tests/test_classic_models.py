"""LeNet-5, AlexNet and VGG against their papers."""
import pytest
import torch
from torch import nn

from cnncourse import count_params, depth, get_model, on_meta, trace_shapes, weight_layers
from cnncourse.models.lenet import C3_TABLE, rbf_codes
from cnncourse.models.vgg import CONFIGS
from cnncourse.papers import LENET5_PARAMS, VGG_TABLE2_PARAMS_M


# ---------------------------------------------------------------- LeNet-5
def test_lenet5_parameters_per_layer_are_the_papers():
    model = get_model("lenet5")
    ours = {layer: count_params(getattr(model, layer)) for layer in LENET5_PARAMS}
    assert ours == {"C1": 156, "S2": 12, "C3": 1516, "S4": 32, "C5": 48120, "F6": 10164}
    assert count_params(model) == 60_000  # "only 60,000 trainable free parameters"


def test_lenet5_c3_follows_table_1():
    # the paper's Table I, typed independently of the module's constant
    expected = ["012", "123", "234", "345", "450", "501", "0123", "1234", "2345", "3450", "4501",
                "5012", "0134", "1245", "0235", "012345"]
    assert [set(map(int, s)) for s in expected] == [set(t) for t in C3_TABLE]
    model = get_model("lenet5")
    # C3 map i must depend on exactly the S2 maps of row i: perturb one input map at a time
    x = torch.randn(1, 6, 14, 14)
    base = model.C3(x)
    for j in range(6):
        bumped = x.clone()
        bumped[:, j] += 1.0
        changed = (model.C3(bumped) - base).abs().flatten(2).amax(-1)[0] > 0
        assert changed.tolist() == [j in t for t in C3_TABLE]


def test_lenet5_shapes_and_rbf_output():
    model = get_model("lenet5")
    shapes = {r.name: r.output_shape for r in trace_shapes(model)}
    assert shapes["C1"] == (6, 28, 28) and shapes["S2"] == (6, 14, 14)
    assert shapes["C3"] == (16, 10, 10) and shapes["S4"] == (16, 5, 5)
    assert shapes["C5"] == (120, 1, 1) and shapes["F6"] == (84,) and shapes["output"] == (10,)
    codes = rbf_codes()
    assert codes.shape == (10, 84) and set(codes.unique().tolist()) == {-1.0, 1.0}
    assert len({tuple(c.tolist()) for c in codes}) == 10  # ten distinct codes
    assert "output.codes" in dict(model.named_buffers()) and not any(p.shape == (10, 84) for p in model.parameters())
    # an F6 output equal to code 3 is classified as 3, at distance 0
    out = model.output(codes[3:4])
    assert out.argmax(1).item() == 3 and out[0, 3].item() == 0.0


def test_lenet5_subsampling_is_trainable_sum():
    s2 = get_model("lenet5").S2
    with torch.no_grad():
        s2.coefficient.fill_(0.5)
        s2.bias.fill_(1.0)
    x = torch.arange(16.0).view(1, 1, 4, 4).repeat(1, 6, 1, 1)
    out = s2(x)
    assert out[0, 0, 0, 0].item() == pytest.approx(0.5 * (0 + 1 + 4 + 5) + 1.0)


def test_lenet5_squashing_function():
    act = get_model("lenet5").act1
    assert act(torch.tensor([1.0, -1.0])).tolist() == pytest.approx([1.0, -1.0], abs=1e-4)
    assert act(torch.tensor([100.0])).item() == pytest.approx(1.7159)


def test_lenet5_modern_and_heads():
    modern = get_model("lenet5_modern")
    assert count_params(modern.C3) == 6 * 16 * 25 + 16  # full C3
    assert any(isinstance(m, nn.MaxPool2d) for m in modern.modules())
    assert isinstance(get_model("lenet5", head="linear").output, nn.Linear)
    assert get_model("lenet5", head="linear", num_classes=26)(torch.randn(2, 1, 32, 32)).shape == (2, 26)
    with pytest.raises(ValueError, match="head='linear'"):
        get_model("lenet5", num_classes=26)
    with pytest.raises(ValueError, match="'rbf' or 'linear'"):
        get_model("lenet5", head="softmax")


# ---------------------------------------------------------------- AlexNet
def test_alexnet_parameters_and_shapes():
    model = get_model("alexnet")
    assert count_params(model) == 60_965_224  # the paper's "60 million"
    shapes = {r.name: r.output_shape for r in trace_shapes(model, depth=2)}
    assert shapes["features.conv1"] == (96, 55, 55)  # (227 - 11) / 4 + 1
    assert shapes["features.pool1"] == (96, 27, 27)
    assert shapes["features.pool2"] == (256, 13, 13)
    assert shapes["features.pool5"] == (256, 6, 6)
    assert shapes["classifier.fc8"] == (1000,)


def test_alexnet_two_gpu_split_is_grouped_convolution():
    model = get_model("alexnet")
    f = model.features
    # kernel depths of the paper: conv2 48, conv3 256 (crosses GPUs), conv4 192, conv5 192
    assert [f.conv2.weight.shape[1], f.conv3.weight.shape[1], f.conv4.weight.shape[1],
            f.conv5.weight.shape[1]] == [48, 256, 192, 192]
    assert (f.conv2.groups, f.conv3.groups, f.conv4.groups, f.conv5.groups) == (2, 1, 2, 2)
    single = get_model("alexnet", two_gpu_split=False)
    assert count_params(single) - count_params(model) == 1_413_120
    # LRN as the paper: k=2, n=5, alpha=1e-4 in the paper's formula = 5e-4 in PyTorch's
    lrn = f.lrn1
    assert (lrn.size, lrn.alpha, lrn.beta, lrn.k) == (5, 5e-4, 0.75, 2.0)
    x = torch.rand(1, 10, 3, 3) * 5
    a = x.pow(2)
    padded = torch.nn.functional.pad(a, (0, 0, 0, 0, 2, 2))
    sums = torch.stack([padded[:, i:i + 5].sum(1) for i in range(10)], 1)
    paper = x / (2 + 1e-4 * sums) ** 0.75  # eq. in §3.3, no division by n
    assert torch.allclose(lrn(x), paper, atol=1e-6)


def test_alexnet_pooling_overlaps_and_dropout():
    f = get_model("alexnet").features
    assert (f.pool1.kernel_size, f.pool1.stride) == (3, 2)
    drops = [m.p for m in get_model("alexnet").classifier if isinstance(m, nn.Dropout)]
    assert drops == [0.5, 0.5]


# ---------------------------------------------------------------- VGG
VGG_NAMES = {"A": "vgg11", "A-LRN": "vgg11_lrn", "B": "vgg13", "C": "vgg16_1x1", "D": "vgg16", "E": "vgg19"}


@pytest.mark.parametrize("config,name", VGG_NAMES.items())
def test_vgg_table2_parameters(config, name):
    with torch.device("meta"):
        params = count_params(get_model(name))
    assert round(params / 1e6) == VGG_TABLE2_PARAMS_M[config]


def test_vgg_weight_layers_and_1x1():
    # Table 1's heading "11 weight layers" … "19 weight layers": the conv entries and 3 FC layers,
    # counted on the configuration and by the package on the model
    layers = {c: sum(e.startswith("conv") for e in cfg) + 3 for c, cfg in CONFIGS.items()}
    assert layers == {"A": 11, "A-LRN": 11, "B": 13, "C": 16, "D": 16, "E": 19}
    for config, name in VGG_NAMES.items():
        model = on_meta(name)
        assert depth(model) == len(weight_layers(model)) == layers[config]
    model = on_meta("vgg16_1x1")
    kernels = [m.kernel_size[0] for m in model.features if isinstance(m, nn.Conv2d)]
    assert kernels == [3] * 6 + [1] + [3, 3, 1] + [3, 3, 1]
    assert any(isinstance(m, nn.LocalResponseNorm) for m in on_meta("vgg11_lrn").features)
    bn = on_meta("vgg16", batch_norm=True)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in bn.modules()) == 13


def test_vgg_shapes_at_224():
    rows = trace_shapes(on_meta("vgg11"), depth=2)
    pools = [r.output_shape for r in rows if r.kind == "MaxPool2d"]
    assert pools == [(64, 112, 112), (128, 56, 56), (256, 28, 28), (512, 14, 14), (512, 7, 7)]


# ---------------------------------------------------------------- all three
@pytest.mark.parametrize("name", ["lenet5", "lenet5_modern", "alexnet", "vgg11", "vgg11_lrn", "vgg13", "vgg16_1x1", "vgg16", "vgg19"])
def test_forward_backward_native_size(name):
    from cnncourse.models import model_info

    torch.manual_seed(0)
    model = get_model(name, num_classes=7) if name != "lenet5" else get_model(name)
    x = torch.randn(2, *model_info(name).input_size)
    out = model(x)
    assert out.shape == (2, 7 if name != "lenet5" else 10) and torch.isfinite(out).all()
    out.square().mean().backward()
    assert all(p.grad is not None for p in model.parameters())
