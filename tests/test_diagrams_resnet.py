"""The ResNet chapter's figures: their labels are compared with the models they are drawn from."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402
from torch import nn  # noqa: E402

from cnncourse import get_model  # noqa: E402
from cnncourse.diagrams import figure_texts  # noqa: E402
from cnncourse.diagrams import resnet as d  # noqa: E402
from cnncourse.models import resnet as rn  # noqa: E402


def _conv_label(conv):
    # written independently of the module under test: kernel, width, "/2" when strided
    (k, _), (s, _) = conv.kernel_size, conv.stride
    return f"{k}×{k} conv, {conv.out_channels}" + ("" if s == 1 else f", /{s}")


def _main_convs(module):
    return [m for name, m in module.named_modules()
            if isinstance(m, nn.Conv2d) and "downsample" not in name]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_block_steps_find_the_addition_before_the_last_relu():
    kinds = [s.kind for s in d.block_steps(rn.BasicBlock(64, 64))]
    assert kinds == ["conv", "norm", "act", "conv", "norm", "add", "act"]
    kinds = [s.kind for s in d.block_steps(rn.PlainBasicBlock(64, 64))]
    assert "add" not in kinds and len(kinds) == 6


class _PreActivation(nn.Module):
    # a pre-activation unit (He et al. 2016): BN, ReLU, conv, BN, ReLU, conv, then the addition
    def __init__(self, c):
        super().__init__()
        self.bn1, self.conv1 = nn.BatchNorm2d(c), nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2, self.conv2 = nn.BatchNorm2d(c), nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.relu, self.downsample = nn.ReLU(), None

    def forward(self, x):
        out = self.conv1(self.relu(self.bn1(x)))
        return self.conv2(self.relu(self.bn2(out))) + x


def test_block_steps_follow_the_block_not_a_template():
    # nothing follows the addition in a pre-activation unit, so no "add" step appears between
    # its layers: the steps come from running the block, not from a fixed list
    kinds = [s.kind for s in d.block_steps(_PreActivation(8))]
    assert kinds == ["norm", "act", "conv", "norm", "act", "conv"]


def test_figure2_labels_match_the_blocks():
    plain, residual = rn.PlainBasicBlock(64, 64), rn.BasicBlock(64, 64)
    texts = figure_texts(d.plain_vs_residual(plain, residual))
    split = texts.index("residual block")
    left, right = texts[:split], texts[split:]
    assert [t for t in left if "conv" in t] == [_conv_label(c) for c in _main_convs(plain)]
    assert [t for t in right if "conv" in t] == [_conv_label(c) for c in _main_convs(residual)]
    assert "+" not in left and right.count("+") == 1
    # Figure 2: the ReLU comes after the addition
    plus = right.index("+")
    assert "ReLU" in right[plus:] and right[plus:].count("BN") == 0
    assert "identity" in right and "F(x)" in right


def test_figure2_draws_a_projection_for_a_downsampling_block():
    texts = figure_texts(d.plain_vs_residual(rn.PlainBasicBlock(64, 128, 2),
                                             rn.BasicBlock(64, 128, 2)))
    assert "3×3 conv, 128, /2" in texts
    assert "projection: 1×1 conv, 128, /2, BN" in texts


def test_figure5_widths_come_from_the_blocks():
    basic, bottleneck = rn.BasicBlock(64, 64), rn.Bottleneck(256, 64)
    texts = figure_texts(d.basic_vs_bottleneck(basic, bottleneck))
    split = texts.index("bottleneck (ResNet-50/101/152)")
    left, right = texts[:split], texts[split:]
    assert [t.split("\n")[0] for t in right if "conv" in t] == [_conv_label(c) for c in
                                                               _main_convs(bottleneck)]
    assert [t.split("\n")[0] for t in left if "conv" in t] == [_conv_label(c) for c in
                                                              _main_convs(basic)]
    assert right.count(f"{bottleneck.conv1.in_channels}-d") == 2  # input and output: 256-d
    assert left.count(f"{basic.conv1.in_channels}-d") == 2        # 64-d
    assert bottleneck.conv3.out_channels == 256 and bottleneck.conv1.out_channels == 64
    # every conv's BN (and, but for the last, its ReLU) is folded into its box
    assert [t.split("\n")[1] for t in right if "conv" in t] == ["BN, ReLU", "BN, ReLU", "BN"]


def test_figure3_columns_are_the_models_layers():
    plain, resnet = get_model("plain34"), get_model("resnet34")
    fig = d.plain_vs_resnet34(plain, resnet)
    texts = figure_texts(fig)
    split = texts.index("34-layer residual")
    for model, column in ((plain, texts[:split]), (resnet, texts[split:])):
        convs = [t for t in column if " conv, " in t]
        assert convs == [_conv_label(c) for c in _main_convs(model)]
        assert len(convs) + 1 == 34  # 33 convs and the fc
        assert f"fc {model.fc.out_features}" in column
    # stage names with the traced map sizes of Table 1 (224×224 input)
    for stage, side in (("conv2_x", 56), ("conv3_x", 28), ("conv4_x", 14), ("conv5_x", 7)):
        i = texts.index(stage)
        assert texts[i + 1] == f"{side}×{side}"
    # one arc per residual block: dashed where the block has a projection shortcut
    blocks = [b for stage in (resnet.layer1, resnet.layer2, resnet.layer3, resnet.layer4)
              for b in stage]
    arcs = [p for p in fig.axes[0].patches if isinstance(p, FancyArrowPatch)
            and getattr(p.get_connectionstyle(), "rad", 0) != 0]  # the curved arrows
    dashed = [p for p in arcs if p.get_linestyle() not in ("-", "solid")]
    assert len(arcs) == len(blocks) == 16
    assert len(dashed) == sum(b.downsample is not None for b in blocks) == 3


def test_figure3_names_option_a():
    texts = figure_texts(d.plain_vs_resnet34(resnet=get_model("resnet34", shortcut="A")))
    assert any("zero-padding shortcut (option A)" in t for t in texts)


def _cifar_columns(fig):
    texts = figure_texts(fig)
    split = texts.index("20-layer residual")
    return texts, texts[:split], texts[split:]


def test_cifar_columns_are_the_models_layers():
    # the CIFAR nets of §4.2: no stem pool, three stages traced at 32, 16 and 8 pixels
    plain, resnet = get_model("plain20"), get_model("resnet20")
    fig = d.plain_vs_residual_net(plain, resnet, (3, 32, 32))
    texts, left, right = _cifar_columns(fig)
    for model, column in ((plain, left), (resnet, right)):
        assert [t for t in column if " conv, " in t] == [_conv_label(c) for c in _main_convs(model)]
        assert [t for t in column if t in ("avg pool", "fc 10")] == ["avg pool", "fc 10"]
    assert "image 32×32" in left and "20-layer plain" in left
    # one bracket per map size, none named: the stem conv belongs with the 32×32 stage
    assert [t for t in texts if t.endswith(("×32", "×16", "×8")) and "image" not in t] == \
        ["32×32", "16×16", "8×8"]
    arcs = [p for p in fig.axes[0].patches if isinstance(p, FancyArrowPatch)
            and getattr(p.get_connectionstyle(), "rad", 0) != 0]
    dashed = [p for p in arcs if p.get_linestyle() not in ("-", "solid")]
    assert (len(arcs), len(dashed)) == (9, 2)
    assert any("zero-padding shortcut (option A)" in t for t in texts)


class _PageBlock(nn.Module):
    # a block written the way a page writes it: functional ReLUs, its own zero padding
    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.downsample = _Pad(c_out, stride) if stride > 1 else None

    def forward(self, x):
        out = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(out + (x if self.downsample is None else self.downsample(x)))


class _Pad(nn.Module):
    def __init__(self, c_out, stride):
        super().__init__()
        self.c_out, self.stride = c_out, stride

    def forward(self, x):
        x = x[:, :, ::self.stride, ::self.stride]
        return torch.nn.functional.pad(x, (0, 0, 0, 0, 0, self.c_out - x.shape[1]))


def test_a_sequential_built_on_a_page_is_drawn_like_the_package_model():
    page = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                         _PageBlock(8, 8, 1), _PageBlock(8, 16, 2), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(16, 10))
    rows = d.network_rows(page, (1, 28, 28))
    assert [r.text for r in rows] == ["3×3 conv, 8", "3×3 conv, 8", "3×3 conv, 8",
                                      "3×3 conv, 16, /2", "3×3 conv, 16", "avg pool", "fc 10"]
    assert [r.size for r in rows if r.kind == "conv"] == [(28, 28)] * 3 + [(14, 14)] * 2
    assert [(r.first_in_block, r.last_in_block) for r in rows[1:5]] == \
        [(True, False), (False, True)] * 2
    texts = figure_texts(d.plain_vs_residual_net(page, page, (1, 28, 28), titles=("a", "b")))
    assert "image 28×28" in texts and "28×28" in texts and "14×14" in texts
    assert any("zero-padding shortcut (option A)" in t for t in texts)


def test_nested_classes_contain_each_other_and_the_others_do_not():
    names = ["ResNet-20", "ResNet-32", "ResNet-44", "ResNet-56"]
    (loose, loose_target), (nested, nested_target) = d.function_classes(names)
    assert all(big.contains(small) for small, big in zip(nested, nested[1:]))
    assert not any(big.contains(small) for small, big in zip(loose, loose[1:]))
    # nested: each larger class is closer to f*; not nested: the largest is not the closest
    gaps = [c.distance(nested_target) for c in nested]
    assert gaps == sorted(gaps, reverse=True) and gaps[-1] < gaps[0]
    loose_gaps = [c.distance(loose_target) for c in loose]
    assert min(loose_gaps) < loose_gaps[-1]
    texts = figure_texts(d.nested_function_classes(names))
    assert [t for t in texts if t.startswith("ResNet-")] == names
    assert [t for t in texts if t.startswith("F")] == ["F1", "F2", "F3", "F4"]


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="ResNet block"):
        d.block_steps(nn.Linear(3, 3))
    with pytest.raises(ValueError, match="cannot draw a Dropout"):
        d.network_rows(nn.Sequential(nn.Conv2d(3, 8, 3), nn.Dropout()), (3, 8, 8))
    with pytest.raises(ValueError, match="same layers"):
        d.plain_vs_residual_net(get_model("plain20"), get_model("resnet32"), (3, 32, 32))
    with pytest.raises(ValueError, match="at least two"):
        d.function_classes(["ResNet-20"])


def test_drawing_leaves_the_global_rng_alone():
    block = rn.BasicBlock(16, 16)
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    d.block_steps(block)
    assert torch.equal(torch.rand(3), expected)
