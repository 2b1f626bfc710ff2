"""GoogLeNet against the paper (Szegedy et al. 2014): Table 1's shapes and costs, Figure 2, §5.

All tests use batch size 1 or 2 and no training, so they run in seconds on a CPU.
"""
import pytest
import torch
from torch import nn

from cnncourse import count_flops
from cnncourse.analysis.paper_checks import googlenet_costs
from cnncourse.models import get_model, on_meta
from cnncourse.models.googlenet import (
    TABLE1,
    AuxClassifier,
    GoogLeNet,
    GoogLeNetOutput,
    Inception,
    NaiveInception,
    googlenet_loss,
)


# A forward pass at 224×224 takes about a second on a small CPU, so the tests share one
# model and one cost table, and use batch size 1 wherever the batch does not matter.
@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return GoogLeNet().eval()


@pytest.fixture(scope="module")
def costs():
    return googlenet_costs(on_meta("googlenet"))


def count_macs(module, x):
    """The package's counter (fvcore), compared below with the hand formulas."""
    return count_flops(module, tuple(x.shape[1:])).total


# ---------------------------------------------------------------- 1. Table 1's output sizes

# Table 1's "output size" column, written as (C, H, W) (the paper writes H×W×C).
TABLE1_OUTPUT = {
    "conv1": (64, 112, 112),
    "maxpool1": (64, 56, 56),
    "conv3": (192, 56, 56),
    "maxpool2": (192, 28, 28),
    "inception3a": (256, 28, 28),
    "inception3b": (480, 28, 28),
    "maxpool3": (480, 14, 14),
    "inception4a": (512, 14, 14),
    "inception4b": (512, 14, 14),
    "inception4c": (512, 14, 14),
    "inception4d": (528, 14, 14),
    "inception4e": (832, 14, 14),
    "maxpool4": (832, 7, 7),
    "inception5a": (832, 7, 7),
    "inception5b": (1024, 7, 7),
    "avgpool": (1024, 1, 1),
    "fc": (1000,),
}


def test_table1_output_shapes(model):
    shapes = {}
    hooks = [getattr(model, name).register_forward_hook(
        lambda m, i, o, name=name: shapes.__setitem__(name, tuple(o.shape[1:])))
        for name in TABLE1_OUTPUT]
    with torch.no_grad():
        out = model(torch.randn(1, 3, 224, 224))
    for h in hooks:
        h.remove()
    assert shapes == TABLE1_OUTPUT
    assert out.shape == (1, 1000)


# Table 1 of the paper, typed in again here (not imported from the model), with the output
# channels of its "output size" column: #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj.
PAPER_TABLE1 = {
    "inception3a": ((64, 96, 128, 16, 32, 32), 256),
    "inception3b": ((128, 128, 192, 32, 96, 64), 480),
    "inception4a": ((192, 96, 208, 16, 48, 64), 512),
    "inception4b": ((160, 112, 224, 24, 64, 64), 512),
    "inception4c": ((128, 128, 256, 24, 64, 64), 512),
    "inception4d": ((112, 144, 288, 32, 64, 64), 528),
    "inception4e": ((256, 160, 320, 32, 128, 128), 832),
    "inception5a": ((256, 160, 320, 32, 128, 128), 832),
    "inception5b": ((384, 192, 384, 48, 128, 128), 1024),
}


def test_table1_data_and_out_channels():
    assert [row[0] for row in TABLE1] == list(PAPER_TABLE1)
    m = GoogLeNet(aux_logits=False, init_weights=False)
    in_channels = 192  # the stem's 3×3 conv (Table 1: 28×28×192 after the second max pool)
    for name, (filters, out_channels) in PAPER_TABLE1.items():
        block = getattr(m, name)
        # the filter counts of the convolutions the model actually built, column by column
        built = (block.branch1[0].out_channels, block.branch2[0][0].out_channels,
                 block.branch2[1][0].out_channels, block.branch3[0][0].out_channels,
                 block.branch3[1][0].out_channels, block.branch4[1][0].out_channels)
        assert built == filters, name
        # every branch reads the previous row's output ...
        assert {block.branch1[0].in_channels, block.branch2[0][0].in_channels,
                block.branch3[0][0].in_channels, block.branch4[1][0].in_channels} == {in_channels}
        # ... and the module's output has the channels of Table 1's "output size" column
        assert block.out_channels == out_channels, name
        with torch.no_grad():
            assert block(torch.zeros(1, in_channels, 7, 7)).shape[1] == out_channels, name
        in_channels = out_channels


# ---------------------------------------------------------------- 2. concatenation

def test_inception3b_concatenates_its_branches(model):
    block = model.inception3b
    shapes = {}
    hooks = [getattr(block, b).register_forward_hook(
        lambda m, i, o, b=b: shapes.__setitem__(b, tuple(o.shape[1:])))
        for b in ("branch1", "branch2", "branch3", "branch4")]
    with torch.no_grad():
        out = block(torch.randn(1, 256, 28, 28))
    for h in hooks:
        h.remove()
    # Table 1, row 3b: #1×1 128, #3×3 192, #5×5 96, pool proj 64 → 480 channels.
    assert shapes == {"branch1": (128, 28, 28), "branch2": (192, 28, 28),
                      "branch3": (96, 28, 28), "branch4": (64, 28, 28)}
    assert out.shape == (1, 128 + 192 + 96 + 64, 28, 28) == (1, 480, 28, 28)


# ---------------------------------------------------------------- 3. Table 1's params and ops

# Table 1's "params" and "ops" columns, as printed. "K" is 1024 weights (3a: 163,328 weights
# = 159.5 × 1024, printed "159K"; in units of 1000 it would be 163K), "M" is 10^6 multiply-adds.
# Weights are conv/linear weights without biases.
PAPER_COSTS = {  # row: (params, ops)
    "conv1": ("2.7K", "34M"),
    "conv3": ("112K", "360M"),
    "inception3a": ("159K", "128M"),
    "inception3b": ("380K", "304M"),
    "inception4a": ("364K", "73M"),
    "inception4b": ("437K", "88M"),
    "inception4c": ("463K", "100M"),
    "inception4d": ("580K", "119M"),
    "inception4e": ("840K", "170M"),
    "inception5a": ("1072K", "54M"),
    "inception5b": ("1388K", "71M"),
    "fc": ("1000K", "1M"),
}

# Entries that the filter counts of Table 1 do not reproduce (ours vs paper):
PARAMS_INCONSISTENT = {
    # 7·7·3·64 = 9,408 weights = 9.2K. The paper's 2.7K and 34M agree with each other
    # (2.7K × 112·112 ≈ 34M) but fit no 7×7/2 conv from 3 to 64 channels.
    "conv1",
    # 366.75K vs 364K. The ops (73.6M vs 73M) are within rounding, and the paper's 364K × 14·14
    # = 73.1M agrees with its 73M, so the columns disagree with the filter counts by ~2.8K weights.
    "inception4a",
    # 497.5K vs 463K, yet the ops match (99.85M vs 100M; 100M / 14·14 is ≈ 498K): the params entry is off.
    "inception4c",
    # 590.5K vs 580K, ops match (118.5M vs 119M, which implies ≈ 593K): the params entry is off.
    "inception4d",
    # 847.0K vs 840K, ops match exactly (170.0M vs 170M, which implies ≈ 847K): the params entry is off.
    "inception4e",
    # 1018K vs 1072K; the ops are off too (below) and by the same factor, so the paper's 5a row
    # describes some other module than 5a's filter counts on 832 input channels.
    "inception5a",
    # 1409K vs 1388K, ops match (70.7M vs 71M, which implies 1405K–1425K): the params entry is off.
    "inception5b",
}
OPS_INCONSISTENT = {
    "conv1",        # 9,408 × 112·112 = 118.0M vs 34M (see above)
    "inception5a",  # 1,042,432 × 7·7 = 51.1M vs 54M (= the paper's 1072K × 49)
}


def _value_and_unit(printed):
    """'2.7K' → (2.7, 0.1): the printed value and one unit of its last digit."""
    number = printed[:-1]
    decimals = len(number.split(".")[1]) if "." in number else 0
    return float(number), 10.0 ** -decimals


def _matches(ours_in_units, printed):
    # "Reproduced" means within one unit of the last printed digit: the paper rounds
    # (or truncates: 159.5 → "159") to whole K and M, so a right count lands within 1.
    value, unit = _value_and_unit(printed)
    return abs(ours_in_units - value) <= unit


def test_table1_costs_hand_formulas(costs):
    assert list(costs) == list(PAPER_COSTS)
    assert costs["conv1"] == (7 * 7 * 3 * 64, 7 * 7 * 3 * 64 * 112 * 112) == (9_408, 118_013_952)
    reduce_and_conv = 64 * 64 + 3 * 3 * 64 * 192  # conv2 (1×1 reduce) + conv3
    assert costs["conv3"] == (reduce_and_conv, reduce_and_conv * 56 * 56) == (114_688, 359_661_568)
    w3a = 192 * 64 + 192 * 96 + 9 * 96 * 128 + 192 * 16 + 25 * 16 * 32 + 192 * 32
    assert costs["inception3a"] == (w3a, w3a * 28 * 28) == (163_328, 128_049_152)
    assert w3a / 1024 == 159.5  # → the paper's "159K": K is 1024
    assert costs["fc"] == (1024 * 1000, 1024 * 1000)


def test_table1_costs_against_paper(costs):
    params_off = {row for row, (w, _) in costs.items() if not _matches(w / 1024, PAPER_COSTS[row][0])}
    ops_off = {row for row, (_, ops) in costs.items() if not _matches(ops / 1e6, PAPER_COSTS[row][1])}
    # The consistent rows match, and the known-inconsistent ones do not: if either set
    # changes (a bug in the model, or a "fix" that bends it toward the paper), this fails.
    assert params_off == PARAMS_INCONSISTENT
    assert ops_off == OPS_INCONSISTENT


# ---------------------------------------------------------------- 4. total multiply-adds

def test_total_multiply_adds(model, costs):
    # §1 (Introduction): "1.5 billion multiply-adds at inference time". Ours: 1,582,671,872 (the paper's own
    # ops column sums to 1,502M; most of the gap is conv1's 118M vs the printed 34M).
    total = sum(ops for _, ops in costs.values())
    assert total == 1_582_671_872
    assert 1.45e9 <= total <= 1.65e9
    # The rows cover every conv/linear layer that runs at inference (all but the aux heads'),
    # so the sum is the whole network's count.
    layers = lambda mod: {id(m) for m in mod.modules() if isinstance(m, (nn.Conv2d, nn.Linear))}  # noqa: E731
    assert layers(model) - layers(model.aux1) - layers(model.aux2) == set().union(
        *(layers(getattr(model, a)) for a in ["conv1", "conv2", "conv3", "fc"] + [r[0] for r in TABLE1]))


# ---------------------------------------------------------------- 5. naive vs reduced (Figure 2)

def test_naive_vs_reduced_inception3a():
    x = torch.zeros(1, 192, 28, 28)
    naive = NaiveInception(192, 64, 128, 32)
    reduced = Inception(192, *TABLE1[0][1:])
    hw = 28 * 28
    naive_macs = hw * (192 * 64 + 9 * 192 * 128 + 25 * 192 * 32)
    reduced_macs = hw * (192 * 64                      # 1×1
                         + 192 * 96 + 9 * 96 * 128     # 1×1 reduce → 3×3
                         + 192 * 16 + 25 * 16 * 32     # 1×1 reduce → 5×5
                         + 192 * 32)                   # pool projection
    assert count_macs(naive, x) == naive_macs == 303_464_448
    assert count_macs(reduced, x) == reduced_macs == 128_049_152
    assert naive_macs / reduced_macs == pytest.approx(387_072 / 163_328)  # ≈ 2.37×
    # The naive module also passes all 192 pooled channels on: 416 channels instead of 256.
    assert naive(x).shape == (1, 64 + 128 + 32 + 192, 28, 28)
    assert naive.out_channels == 416 and reduced.out_channels == 256


def test_naive_vs_reduced_on_28x28x256():
    # The same comparison on a 28×28×256 input with 3b's filters (128, 192, 96; reductions 128, 32).
    x = torch.zeros(1, 256, 28, 28)
    naive_macs = count_macs(NaiveInception(256, 128, 192, 96), x)
    reduced_macs = count_macs(Inception(256, *TABLE1[1][1:]), x)
    assert naive_macs == 28 * 28 * (256 * 128 + 9 * 256 * 192 + 25 * 256 * 96) == 854_196_224
    assert reduced_macs == 304_267_264
    assert naive_macs / reduced_macs == pytest.approx(2.807, abs=1e-3)


# ---------------------------------------------------------------- 6. outputs and the loss

def test_outputs_by_mode():
    torch.manual_seed(0)
    m = get_model("googlenet", num_classes=10)  # also: a num_classes other than the paper's works
    assert isinstance(m, GoogLeNet)
    x = torch.randn(1, 3, 224, 224)
    calls = []
    hooks = [m.aux1.register_forward_hook(lambda *a: calls.append("aux1")),
             m.aux2.register_forward_hook(lambda *a: calls.append("aux2"))]
    with torch.no_grad():
        out = m.train()(x)
        assert isinstance(out, GoogLeNetOutput)
        assert [t.shape for t in out] == [(1, 10)] * 3
        assert out.logits is out[0] and out.aux1 is out[1] and out.aux2 is out[2]
        assert calls == ["aux1", "aux2"]

        out = m.eval()(x)
        assert isinstance(out, torch.Tensor) and out.shape == (1, 10)
        assert calls == ["aux1", "aux2"]  # the auxiliary heads did not run at inference
        for h in hooks:
            h.remove()

        no_aux = GoogLeNet(num_classes=10, aux_logits=False).train()
        assert no_aux.aux1 is None and no_aux.aux2 is None
        out = no_aux(x)
        assert isinstance(out, torch.Tensor) and out.shape == (1, 10)


def test_googlenet_loss():
    torch.manual_seed(0)
    logits, aux1, aux2 = torch.randn(3, 4, 10).unbind(0)
    target = torch.tensor([0, 3, 9, 1])
    ce = nn.functional.cross_entropy
    out = GoogLeNetOutput(logits, aux1, aux2)
    expected = ce(logits, target) + 0.3 * (ce(aux1, target) + ce(aux2, target))
    assert torch.allclose(googlenet_loss(out, target), expected)
    assert torch.allclose(googlenet_loss(out, target, aux_weight=1.0),
                          ce(logits, target) + ce(aux1, target) + ce(aux2, target))
    assert torch.allclose(googlenet_loss(logits, target), ce(logits, target))
    nll = lambda z, t: nn.functional.nll_loss(z.log_softmax(1), t)  # noqa: E731
    assert torch.allclose(googlenet_loss(out, target, criterion=nll), expected)


# ---------------------------------------------------------------- 7. the BatchNorm variant

def _five_by_five_kernels(m):
    return [getattr(m, name).branch3[1][0].kernel_size for name, *_ in TABLE1]


def test_batch_norm_variant():
    torch.manual_seed(0)
    bn = GoogLeNet(num_classes=5, batch_norm=True).train()
    assert any(isinstance(mod, nn.BatchNorm2d) for mod in bn.modules())
    assert not any(isinstance(mod, nn.LocalResponseNorm) for mod in bn.modules())
    assert isinstance(bn.lrn1, nn.Identity) and isinstance(bn.lrn2, nn.Identity)
    assert all(mod.bias is None for mod in bn.modules() if isinstance(mod, nn.Conv2d))
    assert _five_by_five_kernels(bn) == [(5, 5)] * 9

    out = bn(torch.randn(2, 3, 224, 224))
    googlenet_loss(out, torch.tensor([0, 4])).backward()
    assert all(p.grad is not None for p in bn.parameters())

    plain = GoogLeNet(init_weights=False)
    assert isinstance(plain.lrn1, nn.LocalResponseNorm) and isinstance(plain.lrn2, nn.LocalResponseNorm)
    assert (plain.lrn1.size, plain.lrn1.alpha, plain.lrn1.beta, plain.lrn1.k) == (5, 1e-4, 0.75, 1.0)
    assert not any(isinstance(mod, nn.BatchNorm2d) for mod in plain.modules())
    assert all(mod.bias is not None for mod in plain.modules() if isinstance(mod, nn.Conv2d))
    assert _five_by_five_kernels(plain) == [(5, 5)] * 9


def test_aux_classifier_shapes():
    aux = AuxClassifier(512, 10)
    assert aux.pool(torch.zeros(1, 512, 14, 14)).shape == (1, 512, 4, 4)
    assert aux.fc1.in_features == 128 * 4 * 4 and aux.fc1.out_features == 1024
    assert aux.dropout.p == 0.7
    assert aux(torch.zeros(2, 512, 14, 14)).shape == (2, 10)
    m = GoogLeNet(init_weights=False)
    assert m.aux1.conv[0].in_channels == 512 and m.aux2.conv[0].in_channels == 528
    assert m.dropout.p == 0.4


# ---------------------------------------------------------------- 8. input errors

def test_wrong_input_size_is_a_clear_error(model):
    with pytest.raises(ValueError, match="googlenet expects 3×224×224"):
        model(torch.zeros(1, 3, 32, 32))
    with pytest.raises(ValueError, match="googlenet expects 3×224×224.*got 1×224×224"):
        model(torch.zeros(1, 1, 224, 224))
    with pytest.raises(ValueError, match="4-D"):
        model(torch.zeros(3, 224, 224))
    gray = GoogLeNet(in_channels=1, init_weights=False).eval()
    with torch.no_grad():
        assert gray(torch.zeros(1, 1, 224, 224)).shape == (1, 1000)


# ---------------------------------------------------------------- 9. training step gradients

def test_forward_backward_gives_all_gradients():
    torch.manual_seed(0)
    m = GoogLeNet().train()
    out = m(torch.randn(2, 3, 224, 224))
    googlenet_loss(out, torch.tensor([3, 999])).backward()
    for name, p in m.named_parameters():
        assert p.grad is not None, name
        assert torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, name


# ---------------------------------------------------------------- 10. registry and options

def test_registry_and_options():
    m = get_model("googlenet", num_classes=10)
    assert isinstance(m, GoogLeNet)
    assert m.fc.out_features == 10 and m.aux1.fc2.out_features == 10 and m.aux2.fc2.out_features == 10
    assert get_model("GoogLeNet").fc.out_features == 1000  # the paper's default
    m = get_model("googlenet", num_classes=10, aux_logits=False, dropout=0.2, batch_norm=True)
    assert m.aux1 is None and m.dropout.p == 0.2


def test_deterministic_init():
    torch.manual_seed(1)
    a = GoogLeNet(aux_logits=False)
    torch.manual_seed(1)
    b = GoogLeNet(aux_logits=False)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


# ---------------------------------------------------------------- 11. parameter count

def test_parameter_count():
    # What runs at inference: the network without its auxiliary heads (biases included).
    m = GoogLeNet(aux_logits=False, init_weights=False)
    n = sum(p.numel() for p in m.parameters())
    assert n == 6_998_552
    with_aux = sum(p.numel() for p in GoogLeNet(init_weights=False).parameters())
    assert with_aux == 13_378_280  # each auxiliary head (mostly its 2048×1024 FC) is as big as the net
    # §1 says GoogLeNet "uses 12× fewer parameters than" AlexNet (60,965,224 parameters).
    # The published architecture gives 60,965,224 / 6,998,552 ≈ 8.7×, not 12×; the paper's own
    # params column sums to 6,798K (≈ 7.0M weights with K = 1024, ≈ 8.8×) and does not support
    # 12× either. So this checks "several times smaller", not the paper's exact factor.
    ratio = 60_965_224 / n
    assert 8 <= ratio <= 12.5
    assert ratio == pytest.approx(8.711, abs=1e-3)
