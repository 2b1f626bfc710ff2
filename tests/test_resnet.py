"""ResNet (He et al. 2015): parameter counts, torchvision equivalence, shapes, shortcuts, errors."""
import pytest
import torch
import torchvision

from cnncourse import trace_shapes
from cnncourse.models import get_model, list_models, model_info, on_meta
from cnncourse.models.resnet import TABLE1, BasicBlock, Bottleneck, ZeroPadShortcut
from cnncourse.models.resnet_cifar import DEPTHS, CifarResNet


def n_params(model):
    return sum(p.numel() for p in model.parameters())


# ----------------------------------------------------------------------------- parameter counts

@pytest.mark.parametrize("depth", list(TABLE1))
def test_params_match_torchvision(depth):
    ours = on_meta(f"resnet{depth}", shortcut="B", variant="v1.5")
    with torch.device("meta"):
        theirs = getattr(torchvision.models, f"resnet{depth}")()
    assert n_params(ours) == n_params(theirs)  # 18: 11,689,512 ... 152: 60,192,808
    # same names and shapes, so torchvision checkpoints load directly
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd)
    assert all(ours_sd[k].shape == theirs_sd[k].shape for k in ours_sd)


def test_v1_has_the_same_params_as_v1_5():
    # the variant moves a stride, not a weight
    assert n_params(on_meta("resnet50", variant="v1")) == n_params(on_meta("resnet50", variant="v1.5"))


@pytest.mark.parametrize("depth", [18, 34])
def test_plain_nets_have_exactly_option_a_params(depth):
    # "the ResNets have no extra parameter compared to their plain counterparts" (§4.1)
    assert n_params(on_meta(f"plain{depth}")) == n_params(on_meta(f"resnet{depth}", shortcut="A"))


def test_shortcut_options_order_params():
    a, b, c = (n_params(on_meta("resnet34", shortcut=s)) for s in "ABC")
    assert (a, b, c) == (21_623_848, 21_797_672, 22_716_840)
    assert a < b < c


TABLE6_PARAMS = {20: "0.27", 32: "0.46", 44: "0.66", 56: "0.85", 110: "1.7", 1202: "19.4"}  # millions


@pytest.mark.parametrize("depth", list(DEPTHS))
def test_cifar_params_match_table6(depth):
    n = n_params(on_meta(f"resnet{depth}"))
    # exact: 269,722 / 464,154 / 658,586 / 853,018 / 1,727,962 / 19,421,274
    table = TABLE6_PARAMS[depth]
    digits = len(table.split(".")[1])
    assert f"{n / 1e6:.{digits}f}" == table
    if depth != 1202:  # the paper trains no plain-1202
        assert n_params(on_meta(f"plain{depth}")) == n


# ----------------------------------------------------------------------------- torchvision equivalence

def _randomize_batchnorm(model):
    """Give every BN its own statistics and affine, so a swapped or misnamed BN changes the output.

    With the default (0, 1) running statistics an untrained ResNet-152's output explodes to ~1e8
    (each block adds a branch as large as the stream); a small γ on the last BN of each residual
    branch keeps the logits O(1), so an absolute tolerance is meaningful.
    """
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(0.1 * torch.randn(c, generator=g))
                m.running_var.copy_(0.5 + torch.rand(c, generator=g))
                m.weight.copy_(0.5 + 0.5 * torch.rand(c, generator=g))
                m.bias.copy_(0.1 * torch.randn(c, generator=g))
        for stage in (model.layer1, model.layer2, model.layer3, model.layer4):
            for block in stage:
                last_bn = block.bn3 if hasattr(block, "bn3") else block.bn2
                last_bn.weight.mul_(0.2)


@pytest.mark.parametrize("depth", [18, 50, 101, 152])
def test_outputs_match_torchvision(depth):
    torch.manual_seed(0)
    theirs = getattr(torchvision.models, f"resnet{depth}")().eval()
    _randomize_batchnorm(theirs)
    # built without initialising what the state dict overwrites
    ours = on_meta(f"resnet{depth}", shortcut="B", variant="v1.5").to_empty(device="cpu")
    ours.load_state_dict(theirs.state_dict(), strict=True)
    ours.eval()
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        diff = (ours(x) - theirs(x)).abs().max().item()
    assert diff <= 1e-5, diff  # 0.0 for 18, 50, 101 and 152 (the same ops in the same order)


def test_v1_and_v1_5_put_the_stride_in_different_places():
    v1, v15 = on_meta("resnet50"), on_meta("resnet50", variant="v1.5")  # default is v1
    block_v1, block_v15 = v1.layer2[0], v15.layer2[0]
    assert block_v1.conv1.stride == (2, 2) and block_v1.conv2.stride == (1, 1)
    assert block_v15.conv1.stride == (1, 1) and block_v15.conv2.stride == (2, 2)
    # both downsample 56 -> 28 in the shortcut too
    assert block_v1.downsample[0].stride == block_v15.downsample[0].stride == (2, 2)


# ----------------------------------------------------------------------------- shapes

def _stage_shapes(name, stages):
    return {r.name: r.output_shape for r in trace_shapes(on_meta(name)) if r.name in stages}


def test_resnet50_stage_shapes():
    shapes = _stage_shapes("resnet50", ["layer1", "layer2", "layer3", "layer4"])
    assert shapes == {"layer1": (256, 56, 56), "layer2": (512, 28, 28),
                      "layer3": (1024, 14, 14), "layer4": (2048, 7, 7)}


def test_cifar_stage_shapes():
    shapes = _stage_shapes("resnet20", ["layer1", "layer2", "layer3"])
    assert shapes == {"layer1": (16, 32, 32), "layer2": (32, 16, 16), "layer3": (64, 8, 8)}


# ----------------------------------------------------------------------------- shortcuts

def test_option_a_shortcut_is_parameter_free_zero_padding():
    block = BasicBlock(16, 32, stride=2, shortcut="A")
    assert isinstance(block.downsample, ZeroPadShortcut)
    assert n_params(block.downsample) == 0
    x = torch.randn(2, 16, 8, 8)
    s = block.downsample(x)
    assert s.shape == (2, 32, 4, 4)
    assert torch.equal(s[:, :16], x[:, :, ::2, ::2])
    assert torch.all(s[:, 16:] == 0)


def test_shortcut_options_choose_downsample_modules():
    # A: identity unless the shape changes, then zero padding; B: project when the shape changes;
    # C: project everywhere
    same = {s: BasicBlock(64, 64, shortcut=s).downsample for s in "ABC"}
    assert same["A"] is None and same["B"] is None and isinstance(same["C"], torch.nn.Sequential)
    grow = {s: Bottleneck(256, 128, stride=2, shortcut=s).downsample for s in "ABC"}
    assert isinstance(grow["A"], ZeroPadShortcut)
    assert isinstance(grow["B"], torch.nn.Sequential) and isinstance(grow["C"], torch.nn.Sequential)


def test_zero_init_residual_zeroes_the_last_bn_of_each_block():
    model = get_model("resnet50", zero_init_residual=True)
    assert all(torch.all(b.bn3.weight == 0) for stage in (model.layer1, model.layer4) for b in stage)
    model = get_model("resnet18", zero_init_residual=True)
    assert all(torch.all(b.bn2.weight == 0) for b in model.layer2)


@pytest.mark.parametrize("shortcut", ["A", "B"])
def test_zero_init_makes_only_identity_shortcut_blocks_the_identity(shortcut):
    # with γ = 0 a block starts as its shortcut: the identity where the shapes match, and a
    # projection or zero padding in the downsampling blocks, which are not the identity
    from cnncourse.models.resnet import init_weights

    torch.manual_seed(0)
    model = get_model("resnet18", shortcut=shortcut, zero_init_residual=True).eval()
    h = torch.relu(torch.randn(1, 64, 16, 16))  # a block's input comes out of a ReLU
    with torch.no_grad():
        for stage in (model.layer1, model.layer2, model.layer3, model.layer4):
            for block in stage:
                out = block(h)
                if block.downsample is None:
                    assert torch.equal(out, h)
                else:
                    assert out.shape != h.shape
                    assert torch.equal(out, torch.relu(block.downsample(h)))
                h = out
    # the documentation says so, and no longer that every block starts as the identity
    doc = " ".join(init_weights.__doc__.split())
    assert "whose shortcut is the identity then starts as the identity" in doc
    assert "downsampling block does not" in doc


# ----------------------------------------------------------------------------- every model runs

@pytest.mark.parametrize("name", list_models("resnet") + list_models("resnet_cifar"))
def test_forward_backward_at_native_size(name):
    info = model_info(name)
    torch.manual_seed(0)
    model = get_model(name)
    batch = 1 if info.family == "resnet" or name == "resnet1202" else 2
    y = model(torch.randn(batch, *info.input_size))
    assert y.shape == (batch, info.num_classes)
    y.sum().backward()
    assert model.conv1.weight.grad is not None and torch.isfinite(model.conv1.weight.grad).all()


# ----------------------------------------------------------------------------- errors

def test_bad_shortcut_option():
    with pytest.raises(ValueError, match="'A', 'B', 'C'"):
        get_model("resnet50", shortcut="D")


def test_bad_variant_option():
    with pytest.raises(ValueError, match="v1.5"):
        get_model("resnet50", variant="v2")


def test_wrong_channels():
    with pytest.raises(ValueError, match="resnet20 expects 3×"):
        get_model("resnet20")(torch.randn(1, 1, 32, 32))


def test_cifar_depth_must_be_6n_plus_2():
    with pytest.raises(ValueError, match="6n\\+2"):
        CifarResNet(depth=21)


def test_too_small_input():
    with pytest.raises(ValueError, match="resnet50 expects"):
        get_model("resnet50")(torch.randn(1, 3, 16, 16))
