"""The papers' tables rebuilt from our models, each number beside the published one.

Every function returns a list of row dicts (numbers, not strings) so that tests can
assert on them and the book can plot them; :data:`TABLES` formats them for the CLI
(``python -m cnncourse flops --table NAME``). Models are built on the ``meta`` device: the
counts need the architecture, not initialised weights.
"""
from __future__ import annotations

from typing import Callable

from torch import nn

from .. import papers
from ..models import on_meta
from ..models.googlenet import TABLE1 as GOOGLENET_FILTERS
from ..models.vgg import NAMES as VGG_NAMES
from .flops import FlopCount, count_flops
from .params import count_params
from .report import format_table


def lenet5_params() -> list[dict]:
    """LeNet-5's trainable parameters per layer (LeCun et al. 1998, §II.B)."""
    model = on_meta("lenet5")
    rows = [{"layer": layer, "paper": paper, "ours": count_params(getattr(model, layer))}
            for layer, paper in papers.LENET5_PARAMS.items()]
    rows.append({"layer": "total", "paper": papers.LENET5_TOTAL_PARAMS, "ours": count_params(model)})
    return rows


def alexnet_params() -> list[dict]:
    """AlexNet's parameters per layer, with and without the two-GPU split."""
    split, single = on_meta("alexnet"), on_meta("alexnet", two_gpu_split=False)
    rows = []
    for (name, m), (_, m1) in zip(list(split.features.named_children()) + list(split.classifier.named_children()),
                                  list(single.features.named_children()) + list(single.classifier.named_children())):
        if count_params(m1):
            rows.append({"layer": name, "two_gpu": count_params(m), "one_gpu": count_params(m1)})
    rows.append({"layer": "total", "two_gpu": count_params(split), "one_gpu": count_params(single),
                 "paper_millions": papers.ALEXNET_PARAMS_M})
    return rows


def vgg_table2() -> list[dict]:
    """Parameters of configurations A–E (Simonyan & Zisserman 2014, Table 2)."""
    rows = []
    for name, config in VGG_NAMES.items():
        ours = count_params(on_meta(name))
        rows.append({"config": config, "model": name, "paper_millions": papers.VGG_TABLE2_PARAMS_M[config],
                     "ours": ours, "ours_millions": ours / 1e6})
    return rows


def resnet_table1() -> list[dict]:
    """Multiply-adds of ResNet-18…152 at 224×224 (He et al. 2015, Table 1), v1 and v1.5."""
    rows = []
    for depth, paper in papers.RESNET_TABLE1_GFLOPS.items():
        v1 = on_meta(f"resnet{depth}", variant="v1")
        v1_gflops = count_flops(v1, (3, 224, 224)).giga
        # below 50 layers there is no bottleneck, so no 1×1 for v1.5 to move the stride from
        v15_gflops = v1_gflops if depth < 50 else count_flops(
            on_meta(f"resnet{depth}", variant="v1.5"), (3, 224, 224)).giga
        rows.append({"depth": depth, "paper_gflops": paper, "v1_gflops": v1_gflops,
                     "v1_diff_pct": 100 * (v1_gflops - paper) / paper, "v15_gflops": v15_gflops,
                     "params": count_params(v1)})
    return rows


# Table 1's rows that have parameters, as (row name, the model's attributes that make it up).
# The paper's second conv row ("convolution 3×3/1", "#3×3 reduce 64") counts the 1×1 conv2
# as its reduce, just as an Inception row counts its reduces.
GOOGLENET_COST_ROWS = (
    [("conv1", ("conv1",)), ("conv3", ("conv2", "conv3"))]
    + [(name, (name,)) for name, *_ in GOOGLENET_FILTERS]
    + [("fc", ("fc",))]
)


def _weights(module: nn.Module) -> int:
    return sum(m.weight.numel() for m in module.modules() if isinstance(m, (nn.Conv2d, nn.Linear)))


def googlenet_costs(model: nn.Module | None = None,
                           flops: FlopCount | None = None) -> dict[str, tuple[int, int]]:
    """Each of GoogLeNet's Table 1 rows as ``{row: (weights, multiply_adds)}``.

    Weights count conv and linear weights only (no biases, no BatchNorm), as the paper's
    "params" column appears to. Multiply-adds are :func:`count_flops`' per-module counts at
    224×224 in evaluation mode (so the auxiliary heads, which are not in Table 1, do not run);
    pass ``flops`` if ``model`` has been counted already. ``model`` defaults to the paper's
    GoogLeNet, built on the ``meta`` device.
    """
    model = on_meta("googlenet") if model is None else model
    if flops is None:
        flops = count_flops(model, (model.input_spec.channels, 224, 224))
    return {row: (sum(_weights(getattr(model, a)) for a in attributes),
                  sum(flops.by_module.get(a, 0) for a in attributes))
            for row, attributes in GOOGLENET_COST_ROWS}


def _googlenet_table1(model: nn.Module, flops: FlopCount) -> list[dict]:
    shapes = flops.shapes  # the output shapes of the counted pass
    costs = googlenet_costs(model, flops)
    rows = []
    for name, (shape, params_k, ops_m) in papers.GOOGLENET_TABLE1.items():
        row = {"row": name, "paper_shape": shape, "ours_shape": shapes.get(name),
               "paper_params_k": params_k, "paper_ops_m": ops_m}
        if name in costs:
            weights, macs = costs[name]
            row.update(ours_params_k=weights / 1024, ours_ops_m=macs / 1e6,
                       params_consistent=_agrees(weights / 1024, params_k),
                       ops_consistent=_agrees(macs / 1e6, ops_m))
        rows.append(row)
    return rows


def googlenet_table1() -> list[dict]:
    """GoogLeNet's Table 1, row by row: output size, params (K = 1024) and ops (M), ours vs the paper's.

    ``params_consistent`` / ``ops_consistent`` say whether the paper's entry is what its own
    filter counts give, to within one unit of its last printed digit (the paper rounds or
    truncates: 3a's 159.5K prints as "159K"). ``tests/test_googlenet.py`` explains each row
    where it is not.
    """
    model = on_meta("googlenet")
    return _googlenet_table1(model, count_flops(model, (3, 224, 224)))


def _agrees(ours: float, printed: float) -> bool:
    """Whether ``ours`` is within one unit of the last digit of ``printed`` (2.7 → 0.1, 159 → 1)."""
    text = repr(printed)
    unit = 10.0 ** -len(text.split(".")[1]) if isinstance(printed, float) else 1.0
    return abs(ours - printed) <= unit


def resnet_table6() -> list[dict]:
    """Parameters of the CIFAR-10 ResNets (He et al. 2015, Table 6) and their plain twins."""
    rows = []
    for depth, (paper_m, error) in papers.RESNET_TABLE6.items():
        ours = count_params(on_meta(f"resnet{depth}"))
        plain = count_params(on_meta(f"plain{depth}")) if depth != 1202 else None
        digits = 2 if paper_m < 1 else 1
        rows.append({"depth": depth, "paper_millions": paper_m, "ours": ours,
                     "ours_millions": round(ours / 1e6, digits), "plain": plain, "paper_error": error})
    return rows


def gap_vs_fc(channels: int = 1024, size: int = 7, out_features: int = 1024) -> dict:
    """Weights needed to go from a size×size×channels map to a vector: flatten+FC vs global average pooling."""
    fc = nn.Linear(channels * size * size, out_features, bias=False, device="meta")
    return {"flatten_fc_weights": count_params(fc), "gap_weights": count_params(nn.AdaptiveAvgPool2d(1)),
            "flattened_features": channels * size * size}


# ------------------------------------------------------------------ the tables as text

def _lenet_text() -> str:
    return format_table(lenet5_params(), [("layer", "layer", "{}"), ("paper", "paper", "{:,}"),
                                          ("ours", "ours", "{:,}")],
                        "LeNet-5 trainable parameters (LeCun et al. 1998, §II.B)")


def _alexnet_text() -> str:
    return format_table(alexnet_params(), [
        ("layer", "layer", "{}"), ("two_gpu", "two-GPU (groups=2)", "{:,}"), ("one_gpu", "one GPU", "{:,}"),
        ("paper_millions", "paper (M)", "{}")],
        "AlexNet parameters (Krizhevsky et al. 2012: \"60 million\")")


def _vgg_text() -> str:
    return format_table(vgg_table2(), [
        ("config", "config", "{}"), ("model", "model", "{}"), ("paper_millions", "paper (M)", "{}"),
        ("ours", "ours", "{:,}"), ("ours_millions", "ours (M)", "{:.1f}")],
        "VGG parameters (Simonyan & Zisserman 2014, Table 2)")


def _googlenet_text() -> str:
    model = on_meta("googlenet")
    flops = count_flops(model, (3, 224, 224))
    rows = _googlenet_table1(model, flops)
    for r in rows:
        r["paper_shape_s"] = "×".join(map(str, r["paper_shape"]))
        r["ours_shape_s"] = "×".join(map(str, r["ours_shape"])) if r["ours_shape"] else None
        for col in ("params", "ops"):
            r[f"{col}_check"] = {True: "yes", False: "NO", None: None}[r.get(f"{col}_consistent")]
    text = format_table(rows, [
        ("row", "row", "{}"), ("paper_shape_s", "paper output", "{}"), ("ours_shape_s", "ours", "{}"),
        ("paper_params_k", "paper params (K)", "{}"), ("ours_params_k", "ours (K=1024)", "{:.1f}"),
        ("params_check", "agree?", "{}"),
        ("paper_ops_m", "paper ops (M)", "{}"), ("ours_ops_m", "ours (M)", "{:.1f}"),
        ("ops_check", "agree?", "{}")],
        "GoogLeNet Table 1 (Szegedy et al. 2014): where \"NO\", the printed entry is not what "
        "the table's own filter counts give")
    return text + f"\nTotal multiply-adds at inference: {flops.giga:.3f} G (paper: ~1.5 G)"


def _resnet_text() -> str:
    return format_table(resnet_table1(), [
        ("depth", "layers", "{}"), ("paper_gflops", "paper (G)", "{}"), ("v1_gflops", "ours v1 (G)", "{:.2f}"),
        ("v1_diff_pct", "diff %", "{:+.1f}"), ("v15_gflops", "ours v1.5 (G)", "{:.2f}"),
        ("params", "params", "{:,}")],
        "ResNet multiply-adds at 224×224 (He et al. 2015, Table 1); v1.5 = torchvision's layout")


def _cifar_text() -> str:
    return format_table(resnet_table6(), [
        ("depth", "layers", "{}"), ("paper_millions", "paper (M)", "{}"), ("ours", "ours", "{:,}"),
        ("ours_millions", "ours (M, rounded)", "{}"), ("plain", "plain twin", "{:,}"),
        ("paper_error", "paper error %", "{}")],
        "CIFAR-10 ResNets (He et al. 2015, Table 6)")


def _gap_text() -> str:
    g = gap_vs_fc()
    return ("Global average pooling vs flatten+FC on 7×7×1024 (GoogLeNet):\n"
            f"  flatten ({g['flattened_features']:,} features) + FC to 1024: "
            f"{g['flatten_fc_weights']:,} weights\n  global average pooling: {g['gap_weights']} weights")


# The tables `python -m cnncourse flops --table NAME` prints, in the order of "all".
TABLES: dict[str, Callable[[], str]] = {
    "lenet": _lenet_text, "alexnet": _alexnet_text, "vgg": _vgg_text, "googlenet": _googlenet_text,
    "resnet": _resnet_text, "cifar": _cifar_text, "gap": _gap_text,
}


def report(which: str = "all") -> str:
    """The paper tables beside our measurements, as text: one of :data:`TABLES`, or ``"all"``."""
    if which != "all" and which not in TABLES:
        raise ValueError(f"unknown table {which!r}; choose all, {', '.join(TABLES)}")
    return "\n\n".join(TABLES[name]() for name in (TABLES if which == "all" else [which]))
