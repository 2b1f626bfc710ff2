"""FLOPs, parameters, shape traces and receptive fields, checked against the papers."""
import copy
import logging
import subprocess
import sys
import warnings

import pytest
import torch
from torch import nn

import cnncourse
from cnncourse import count_flops, count_params, get_model, on_meta, receptive_field, trace_shapes
from cnncourse.analysis import params_by_module, receptive_field_trace
from cnncourse.analysis import paper_checks
from cnncourse.analysis.paper_checks import (gap_vs_fc, googlenet_table1, resnet_table1, resnet_table6,
                                             vgg_table2)
from cnncourse.analysis.report import format_table
from cnncourse.papers import RESNET_TABLE1_GFLOPS, RESNET_TABLE6, TORCHVISION_RESNET50_GFLOPS


def torch_flops(model: nn.Module, size) -> int:
    """FLOPs as ``torch.utils.flop_counter`` counts them (a multiply and an add are 2), on a
    ``meta`` copy of ``model``: a counter independent of the package's (fvcore), to check it."""
    from torch.utils.flop_counter import FlopCounterMode

    meta = copy.deepcopy(model).to("meta").eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        meta(torch.zeros(1, *size, device="meta"))
    return counter.get_total_flops()


@pytest.fixture(scope="module")
def table1():
    return {row["depth"]: row for row in resnet_table1()}


# He et al. 2015, Table 1, last row ("FLOPs": 1.8×10⁹ … 11.3×10⁹), typed here from the paper
# independently of cnncourse.papers, so that a wrong entry there cannot pass unnoticed.
TABLE1_AS_PRINTED = {18: 1.8, 34: 3.6, 50: 3.8, 101: 7.6, 152: 11.3}


@pytest.mark.parametrize("depth", [18, 34, 50, 101, 152])
def test_resnet_table1_flops_within_2_percent(table1, depth):
    row = table1[depth]
    assert RESNET_TABLE1_GFLOPS[depth] == TABLE1_AS_PRINTED[depth]
    assert row["paper_gflops"] == TABLE1_AS_PRINTED[depth]
    assert abs(row["v1_gflops"] - TABLE1_AS_PRINTED[depth]) / TABLE1_AS_PRINTED[depth] < 0.02


def test_resnet50_v15_is_torchvisions_4_1(table1):
    # v1.5 no longer strides the first 1×1 of each downsampling block, so that 1×1 runs on 4× the
    # positions (the 3×3, now strided, costs the same as before): +0.23 G for ResNet-50
    assert round(table1[50]["v15_gflops"], 1) == TORCHVISION_RESNET50_GFLOPS
    assert table1[50]["v15_gflops"] - table1[50]["v1_gflops"] > 0.2
    assert table1[18]["v15_gflops"] == table1[18]["v1_gflops"]  # no bottleneck, no difference


def test_count_flops_matches_hand_count_and_torch_counter():
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(8),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5))
    flops = count_flops(model, (3, 10, 10))
    assert flops.total == 3 * 8 * 9 * 100 + 8 * 5  # conv + FC multiply-adds only
    assert count_flops(model, (3, 10, 10), ops="fvcore").total > flops.total  # + BN and pooling
    assert torch_flops(model, (3, 10, 10)) == 2 * flops.total


@pytest.mark.parametrize("name", ["resnet18", "googlenet", "alexnet", "lenet5", "resnet20"])
def test_fvcore_is_half_of_torch_flop_counter(name):
    model = on_meta(name)
    assert torch_flops(model, cnncourse.model_info(name).input_size) == 2 * count_flops(model).total


def test_count_flops_of_a_meta_model_is_that_of_the_real_one():
    # fvcore traces real tensors: a meta model is counted on an uninitialised copy, and left as it is
    real, meta = get_model("lenet5"), on_meta("lenet5")
    assert count_flops(meta).total == count_flops(real).total == 325_680
    assert all(p.is_meta for p in meta.parameters())


def test_count_flops_breakdown_and_modes():
    model = on_meta("googlenet")
    model.train()
    flops = count_flops(model)
    assert model.training  # mode restored
    assert flops.input_size == (1, 3, 224, 224)
    assert "aux1" not in flops.by_module or flops.by_module["aux1"] == 0  # off at inference
    assert flops.by_module["inception3a"] == 128_049_152
    assert 1.5e9 < flops.total < 1.6e9  # "1.5 billion multiply-adds" (§1, Introduction)
    table = flops.table(max_depth=1)
    assert "inception3a" in table and "#parameters" in table


def test_count_flops_is_quiet(capfd, caplog):
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.DEBUG):
        warnings.simplefilter("always")
        count_flops(on_meta("resnet18"))
    out, err = capfd.readouterr()
    assert "Unsupported operator" not in out + err + caplog.text
    assert not [w for w in caught if "jit" in str(w.message).lower() or "Tracer" in type(w.message).__name__]


def test_fvcore_import_warning_does_not_reach_output():
    code = ("import warnings; warnings.simplefilter('default'); import cnncourse;"
            "cnncourse.count_flops(cnncourse.get_model('resnet20'))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout == "" and "deprecated" not in proc.stderr and "Unsupported" not in proc.stderr


def test_count_flops_input_size_errors():
    with pytest.raises(ValueError, match="input_size"):
        count_flops(nn.Linear(3, 3))
    with pytest.raises(ValueError, match=r"\(C, H, W\)"):
        count_flops(on_meta("resnet18"), (224, 224))
    with pytest.raises(ValueError, match="positive integers"):
        count_flops(on_meta("resnet18"), (3, 224.5, 224))


def test_count_params_and_by_module():
    model = on_meta("resnet18")
    assert count_params(model) == 11_689_512
    parts = params_by_module(model)
    assert sum(parts.values()) == count_params(model) and parts["fc"] == 513_000
    frozen = on_meta("lenet5_modern")
    frozen.C1.requires_grad_(False)
    assert count_params(frozen) == count_params(frozen, trainable_only=False) - 156


def test_trace_shapes_inception_concat():
    rows = trace_shapes(on_meta("googlenet"), depth=1)
    shapes = {r.name: r.output_shape for r in rows}
    assert shapes["inception3b"] == (480, 28, 28)  # 128 + 192 + 96 + 64
    assert "aux1" not in shapes  # not run at inference
    deep = {r.name: r.output_shape for r in trace_shapes(on_meta("googlenet"), depth=2)}
    assert [deep[f"inception3b.branch{i}"][0] for i in (1, 2, 3, 4)] == [128, 192, 96, 64]


def test_receptive_field_vgg_argument():
    assert receptive_field([(3, 1), (3, 1)]) == 5  # two 3×3 see what one 5×5 sees
    assert receptive_field([(3, 1)] * 3) == 7
    assert receptive_field([(5, 1)]) == 5 and receptive_field([]) == 1
    convs = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.ReLU(), nn.Conv2d(1, 1, 3, padding=1))
    assert receptive_field(convs) == 5
    # AlexNet conv1 + pool1: 11 + (3 - 1) * 4 = 19, jump 8
    rows = receptive_field_trace([(11, 4), (3, 2)])
    assert (rows[-1].receptive_field, rows[-1].jump) == (19, 8)
    # the whole of VGG-16's conv part: 212 pixels
    assert receptive_field(on_meta("vgg16").features) == 212
    with pytest.raises(ValueError, match="kernel, stride"):
        receptive_field([(3,)])


def test_receptive_field_is_what_gradients_see():
    # empirical check: the gradient of the centre output reaches exactly rf×rf input pixels
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3), nn.AvgPool2d(2), nn.Conv2d(1, 1, 3))
    x = torch.randn(1, 1, 32, 32, requires_grad=True)
    out = net(x)
    out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
    touched = (x.grad[0, 0] != 0).nonzero()
    size = (touched.max(0).values - touched.min(0).values + 1).tolist()
    assert size == [receptive_field(net)] * 2 == [10, 10]  # 3, 5, 6 (pool), 6 + 2·2


def test_vgg_table2_and_cifar_table6_rows():
    for row in vgg_table2():
        assert round(row["ours_millions"]) == row["paper_millions"]
    for row in resnet_table6():
        assert row["ours_millions"] == RESNET_TABLE6[row["depth"]][0]
        assert row["plain"] in (None, row["ours"])


def test_googlenet_table1_report_flags_the_papers_inconsistent_rows():
    rows = {r["row"]: r for r in googlenet_table1()}
    assert all(r["ours_shape"] == r["paper_shape"] for r in rows.values())
    bad_params = {n for n, r in rows.items() if r.get("params_consistent") is False}
    bad_ops = {n for n, r in rows.items() if r.get("ops_consistent") is False}
    assert bad_params == {"conv1", "inception4a", "inception4c", "inception4d", "inception4e",
                          "inception5a", "inception5b"}
    assert bad_ops == {"conv1", "inception5a"}


def test_gap_vs_fc():
    g = gap_vs_fc()
    assert g["flattened_features"] == 50_176 == 7 * 7 * 1024
    assert g["flatten_fc_weights"] == 50_176 * 1024 == 51_380_224 and g["gap_weights"] == 0


def test_package_docstring_example():
    import doctest

    from cnncourse.analysis import layers, probing

    for module in (cnncourse, layers, probing):
        assert doctest.testmod(module).failed == 0, module.__name__


def test_vgg19_flops_match_the_resnet_papers_figure():
    from cnncourse.papers import VGG19_GFLOPS

    # He et al. 2015 §3.3 sets ResNet-34's 3.6 G against VGG-19's 19.6 G (18% of it)
    assert round(count_flops(on_meta("vgg19")).giga, 1) == VGG19_GFLOPS


def test_conv_grad_norms_by_hand():
    # The gradients again, without conv_gradients' backward() and .grad: torch.func.grad of the
    # loss as a pure function of the parameters (buffers copied, so BN's updates stay apart).
    from cnncourse.analysis import conv_grad_norms

    torch.manual_seed(0)
    x, y = torch.randn(4, 3, 32, 32), torch.randint(0, 10, (4,))
    for name in ("resnet20", "plain20"):
        model = get_model(name)
        norms = conv_grad_norms(model, x, y)
        assert len(norms) == 19  # 6n + 1 convolutions, n = 3; option A has no projections
        buffers = {k: v.clone() for k, v in model.named_buffers()}

        def loss(params, buffers):
            return torch.nn.functional.cross_entropy(
                torch.func.functional_call(model, (params, buffers), (x,)), y)

        grads = torch.func.grad(loss)({k: v.detach() for k, v in model.named_parameters()}, buffers)
        convs = [n for n, m in model.named_modules() if isinstance(m, nn.Conv2d)]
        assert norms == pytest.approx([grads[f"{n}.weight"].norm().item() for n in convs], rel=1e-4)
    # projection shortcuts are left out, so ResNet-18 (option B) lists the same 17 convs as plain18
    assert len(conv_grad_norms(get_model("resnet18", num_classes=10), x, y)) == 17


def test_format_table_aligns_numbers_right_and_text_left():
    rows = [{"net": "ResNet-50", "params": 25_557_032, "g": 3.858}, {"net": "LeNet", "params": 60_000}]
    text = format_table(rows, [("net", "network", "{}"), ("params", "params", "{:,}"),
                               ("g", "G", "{:.2f}")], "title")
    assert text.splitlines() == ["title",
                                 "network        params     G",
                                 "---------  ----------  ----",
                                 "ResNet-50  25,557,032  3.86",
                                 "LeNet          60,000     —"]
    assert format_table([], [("a", "A", "{}")]) == "A\n-"


def test_flops_tables_come_from_one_registry(table1, monkeypatch):
    assert list(paper_checks.TABLES) == ["lenet", "alexnet", "vgg", "googlenet", "resnet", "cifar", "gap"]
    with pytest.raises(ValueError, match="unknown table 'junk'; choose all, lenet"):
        paper_checks.report("junk")
    # the ResNet table as text, from the rows the module fixture computed once
    monkeypatch.setattr(paper_checks, "resnet_table1", lambda: [table1[d] for d in sorted(table1)])
    text = paper_checks.report("resnet")
    assert "He et al. 2015, Table 1" in text and "11.3" in text and "4.09" in text


@pytest.mark.parametrize("name, expected", [
    ("lenet5", 5),        # C1, C3, C5, F6 and the RBF output (its codes are fixed weights)
    ("alexnet", 8),       # "eight learned layers": five convolutional, three fully connected
    ("vgg16", 16), ("vgg19", 19),
    ("googlenet", 22),    # §5: "22 layers deep when counting only layers with parameters"
    ("resnet18", 18), ("resnet50", 50), ("resnet152", 152), ("plain34", 34),
    ("resnet110", 110), ("resnet1202", 1202),
])
def test_depth_is_the_papers(name, expected):
    assert cnncourse.depth(on_meta(name)) == expected


def test_weight_layers_leave_out_side_branches():
    from cnncourse import weight_layers

    googlenet = weight_layers(on_meta("googlenet"))
    assert len(googlenet) == 58 and not any(n.startswith("aux") for n in googlenet)  # 57 convs + fc
    resnet = weight_layers(on_meta("resnet50", shortcut="C"))
    assert len(resnet) == 50 and not any("downsample" in n for n in resnet)
    assert weight_layers(on_meta("lenet5")) == ["C1", "C3", "C5", "F6", "output"]
    # an Inception module is 6 weight layers, but its longest path crosses 2
    module = on_meta("googlenet").inception3a
    assert len(weight_layers(module)) == 6 and cnncourse.depth(module) == 2


def test_idle_modules_are_those_that_do_not_run_at_inference():
    from cnncourse.analysis.shapes import idle_modules

    assert idle_modules(on_meta("googlenet")) == ["aux1", "aux2"]
    assert idle_modules(on_meta("googlenet", aux_logits=False)) == []
    assert idle_modules(on_meta("lenet5")) == []  # C3.convs is not called as a whole, its convs are


def test_probe_hooks_watch_and_never_change_the_output():
    # a hook that returns something (here a tuple) would replace a module's output in PyTorch
    from cnncourse.analysis import probe

    model = on_meta("resnet20")
    with probe(model) as p:
        p.after(model.layer1, lambda m, i, o: ("not", "a", "tensor"))
        p.before(model.layer2, lambda m, i: ("not", "a", "tensor"))
        assert tuple(p.run().shape) == (1, 10)
    assert not model.layer1._forward_hooks and not model.layer2._forward_pre_hooks  # removed


def test_count_flops_reports_the_shapes_of_its_pass():
    flops = count_flops(on_meta("googlenet"))
    assert flops.shapes["inception3b"] == (480, 28, 28) and flops.shapes["fc"] == (1000,)
    assert "aux1" not in flops.shapes  # not run at inference
