"""The papers' tables rebuilt from our models, each number beside the published one.

Every function returns a list of row dicts (numbers, not strings) so that tests can
assert on them and the book can plot them; :func:`report` formats them for the CLI.
"""
from __future__ import annotations

import torch
from torch import nn

from .. import papers
from ..models import get_model
from .flops import count_flops
from .params import count_params
from .report import format_table
from .shapes import trace_shapes


def _on_meta(name: str, **options) -> nn.Module:
    """Build a model without allocating its weights: enough to count parameters, and fast."""
    with torch.device("meta"):
        return get_model(name, **options)


def lenet5_params() -> list[dict]:
    """LeNet-5's trainable parameters per layer (LeCun et al. 1998, §II.B)."""
    model = get_model("lenet5")
    rows = [{"layer": layer, "paper": paper, "ours": count_params(getattr(model, layer))}
            for layer, paper in papers.LENET5_PARAMS.items()]
    rows.append({"layer": "total", "paper": papers.LENET5_TOTAL_PARAMS, "ours": count_params(model)})
    return rows


def alexnet_params() -> list[dict]:
    """AlexNet's parameters per layer, with and without the two-GPU split."""
    split, single = _on_meta("alexnet"), _on_meta("alexnet", two_gpu_split=False)
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
    names = {"A": "vgg11", "A-LRN": "vgg11_lrn", "B": "vgg13", "C": "vgg16_1x1", "D": "vgg16", "E": "vgg19"}
    rows = []
    for config, name in names.items():
        ours = count_params(_on_meta(name))
        rows.append({"config": config, "model": name, "paper_millions": papers.VGG_TABLE2_PARAMS_M[config],
                     "ours": ours, "ours_millions": ours / 1e6})
    return rows


def resnet_table1() -> list[dict]:
    """Multiply-adds of ResNet-18…152 at 224×224 (He et al. 2015, Table 1), v1 and v1.5."""
    rows = []
    for depth, paper in papers.RESNET_TABLE1_GFLOPS.items():
        v1 = count_flops(get_model(f"resnet{depth}", variant="v1"), (3, 224, 224)).giga
        v15 = v1 if depth < 50 else count_flops(get_model(f"resnet{depth}", variant="v1.5"), (3, 224, 224)).giga
        rows.append({"depth": depth, "paper_gflops": paper, "v1_gflops": v1,
                     "v1_diff_pct": 100 * (v1 - paper) / paper, "v15_gflops": v15,
                     "params": count_params(_on_meta(f"resnet{depth}"))})
    return rows


def googlenet_table1() -> list[dict]:
    """GoogLeNet's Table 1, row by row: output size, params (K = 1024) and ops (M), ours vs the paper's.

    ``params_consistent`` / ``ops_consistent`` say whether the paper's entry is what its own
    filter counts give, to within one unit of its last printed digit (the paper rounds or
    truncates: 3a's 159.5K prints as "159K"). ``tests/test_googlenet.py`` explains each row
    where it is not.
    """
    from ..models.googlenet import table1_costs

    model = get_model("googlenet")
    shapes = {row.name: row.output_shape for row in trace_shapes(model, (3, 224, 224))}
    costs = table1_costs(model)
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


def _agrees(ours: float, printed: float) -> bool:
    """Whether ``ours`` is within one unit of the last digit of ``printed`` (2.7 → 0.1, 159 → 1)."""
    text = repr(printed)
    unit = 10.0 ** -len(text.split(".")[1]) if isinstance(printed, float) else 1.0
    return abs(ours - printed) <= unit


def resnet_table6() -> list[dict]:
    """Parameters of the CIFAR-10 ResNets (He et al. 2015, Table 6) and their plain twins."""
    rows = []
    for depth, (paper_m, error) in papers.RESNET_TABLE6.items():
        ours = count_params(_on_meta(f"resnet{depth}"))
        plain = count_params(_on_meta(f"plain{depth}")) if depth != 1202 else None
        digits = 2 if paper_m < 1 else 1
        rows.append({"depth": depth, "paper_millions": paper_m, "ours": ours,
                     "ours_millions": round(ours / 1e6, digits), "plain": plain, "paper_error": error})
    return rows


def gap_vs_fc(channels: int = 1024, size: int = 7, out_features: int = 1024) -> dict:
    """Weights needed to go from a size×size×channels map to a vector: flatten+FC vs global average pooling."""
    fc = nn.Linear(channels * size * size, out_features, bias=False, device="meta")
    return {"flatten_fc_weights": count_params(fc), "gap_weights": count_params(nn.AdaptiveAvgPool2d(1)),
            "flattened_features": channels * size * size}


def report(which: str = "all") -> str:
    """The paper tables beside our measurements, as text (``python -m cnncourse flops``)."""
    parts = []
    if which in ("all", "lenet"):
        parts.append(format_table(lenet5_params(), [("layer", "layer", "{}"), ("paper", "paper", "{:,}"),
                                                    ("ours", "ours", "{:,}")],
                                  "LeNet-5 trainable parameters (LeCun et al. 1998, §II.B)"))
    if which in ("all", "alexnet"):
        parts.append(format_table(alexnet_params(), [("layer", "layer", "{}"), ("two_gpu", "two-GPU (groups=2)", "{:,}"),
                                                     ("one_gpu", "one GPU", "{:,}"),
                                                     ("paper_millions", "paper (M)", "{}")],
                                  "AlexNet parameters (Krizhevsky et al. 2012: \"60 million\")"))
    if which in ("all", "vgg"):
        parts.append(format_table(vgg_table2(), [("config", "config", "{}"), ("model", "model", "{}"),
                                                 ("paper_millions", "paper (M)", "{}"), ("ours", "ours", "{:,}"),
                                                 ("ours_millions", "ours (M)", "{:.1f}")],
                                  "VGG parameters (Simonyan & Zisserman 2014, Table 2)"))
    if which in ("all", "googlenet"):
        rows = googlenet_table1()
        for r in rows:
            r["paper_shape_s"] = "×".join(map(str, r["paper_shape"]))
            r["ours_shape_s"] = "×".join(map(str, r["ours_shape"])) if r["ours_shape"] else None
            for col in ("params", "ops"):
                r[f"{col}_check"] = {True: "yes", False: "NO", None: None}[r.get(f"{col}_consistent")]
        parts.append(format_table(rows, [
            ("row", "row", "{}"), ("paper_shape_s", "paper output", "{}"), ("ours_shape_s", "ours", "{}"),
            ("paper_params_k", "paper params (K)", "{}"), ("ours_params_k", "ours (K=1024)", "{:.1f}"),
            ("params_check", "agree?", "{}"),
            ("paper_ops_m", "paper ops (M)", "{}"), ("ours_ops_m", "ours (M)", "{:.1f}"),
            ("ops_check", "agree?", "{}")],
            "GoogLeNet Table 1 (Szegedy et al. 2014): where \"NO\", the printed entry is not what "
            "the table's own filter counts give"))
        total = count_flops(get_model("googlenet"), (3, 224, 224)).giga
        parts[-1] += f"\nTotal multiply-adds at inference: {total:.3f} G (paper: ~1.5 G)"
    if which in ("all", "resnet"):
        parts.append(format_table(resnet_table1(), [
            ("depth", "layers", "{}"), ("paper_gflops", "paper (G)", "{}"), ("v1_gflops", "ours v1 (G)", "{:.2f}"),
            ("v1_diff_pct", "diff %", "{:+.1f}"), ("v15_gflops", "ours v1.5 (G)", "{:.2f}"),
            ("params", "params", "{:,}")],
            "ResNet multiply-adds at 224×224 (He et al. 2015, Table 1); v1.5 = torchvision's layout"))
    if which in ("all", "cifar"):
        parts.append(format_table(resnet_table6(), [
            ("depth", "layers", "{}"), ("paper_millions", "paper (M)", "{}"), ("ours", "ours", "{:,}"),
            ("ours_millions", "ours (M, rounded)", "{}"), ("plain", "plain twin", "{:,}"),
            ("paper_error", "paper error %", "{}")],
            "CIFAR-10 ResNets (He et al. 2015, Table 6)"))
    if which in ("all", "gap"):
        g = gap_vs_fc()
        parts.append("Global average pooling vs flatten+FC on 7×7×1024 (GoogLeNet):\n"
                     f"  flatten ({g['flattened_features']:,} features) + FC to 1024: "
                     f"{g['flatten_fc_weights']:,} weights\n  global average pooling: {g['gap_weights']} weights")
    if not parts:
        raise ValueError(f"unknown table {which!r}; choose all, lenet, alexnet, vgg, googlenet, resnet, cifar or gap")
    return "\n\n".join(parts)
