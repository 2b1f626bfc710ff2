"""The GoogLeNet chapter's figures say what the model is (cnncourse.diagrams.googlenet).

Each test compares a figure's labels with two independent sources: the model itself (traced
shapes, module attributes) and the numbers printed in the paper (Table 1, Figure 2), typed in
here, so neither a drawing slip nor a change of the model can go unnoticed.
"""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from cnncourse import papers  # noqa: E402
from cnncourse.analysis.paper_checks import googlenet_table1, googlenet_costs  # noqa: E402
from cnncourse.analysis.shapes import trace_shapes  # noqa: E402
from cnncourse.diagrams import figure_texts  # noqa: E402
from cnncourse.diagrams import googlenet as diagrams  # noqa: E402
from cnncourse.models import on_meta  # noqa: E402


@pytest.fixture(scope="module")
def model():
    return on_meta("googlenet")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _positions(fig):
    """{text: (x, y)} of every label of the figure's (single) axes."""
    return {t.get_text(): t.get_position() for t in fig.axes[0].texts}


def test_hwc_writes_the_papers_order():
    assert diagrams.hwc((480, 28, 28)) == "28×28×480"
    assert diagrams.hwc((1000,)) == "1000"


# ------------------------------------------------------------------ Figure 2, module 3b

def test_inception_module_3b(model):
    texts = figure_texts(diagrams.inception_module(model))
    # Table 1, row 3b: #1×1 128, #3×3 reduce 128, #3×3 192, #5×5 reduce 32, #5×5 96,
    # pool proj 64 on a 28×28×256 input; 480 channels out (the slides' figure too).
    b = texts[texts.index("(b) with dimension reductions: 304 M multiply-adds"):]
    assert b.count("previous layer\n28×28×256") == 1
    assert "filter concatenation\n28×28×480 = 128+192+96+64" in b
    for expected in ["1×1 conv\n28×28×128", "3×3 conv\n28×28×192", "1×1 conv\n28×28×32",
                     "5×5 conv\n28×28×96", "3×3 max pool\n28×28×256", "1×1 conv\n28×28×64"]:
        assert expected in b, expected
    assert b.count("1×1 conv\n28×28×128") == 2     # the 1×1 branch and the 3×3 reduction
    # (a): the same 1×1, 3×3 and 5×5 filters without reductions; the pool passes all 256 on.
    a = texts[:texts.index("(b) with dimension reductions: 304 M multiply-adds")]
    assert a[0] == "(a) naive version: 854 M multiply-adds"
    assert "filter concatenation\n28×28×672 = 128+192+96+256" in a
    assert not any(t.startswith("1×1 conv\n28×28×32") for t in a)


def test_inception_module_numbers_are_the_models(model):
    texts = figure_texts(diagrams.inception_module(model))
    block = model.inception3b
    concat_b = [t for t in texts if t.startswith("filter concatenation")][1]
    assert concat_b.startswith(f"filter concatenation\n28×28×{block.out_channels} = ")
    macs = googlenet_costs(model)["inception3b"][1]
    assert f"{macs / 1e6:.0f} M multiply-adds" in texts[texts.index(
        "(b) with dimension reductions: 304 M multiply-adds")]
    # Another module, read from the same model: 4a on its 14×14×480 input (Table 1).
    texts = figure_texts(diagrams.inception_module(model, "inception4a"))
    assert "previous layer\n14×14×480" in texts
    assert "filter concatenation\n14×14×512 = 192+208+48+64" in texts
    assert "filter concatenation\n14×14×928 = 192+208+48+480" in texts


def test_inception_module_rejects_other_layers(model):
    with pytest.raises(ValueError, match="Inception modules"):
        diagrams.inception_module(model, "conv1")
    with pytest.raises(ValueError, match="Inception modules"):
        diagrams.inception_module(model, "inception9z")
    with pytest.raises(TypeError, match="GoogLeNet"):
        diagrams.inception_module(object())


# ------------------------------------------------------------------ the pipeline

def test_pipeline_boxes_follow_the_trace(model):
    fig = diagrams.pipeline(model)
    texts = figure_texts(fig)
    rows = trace_shapes(model)
    main = texts[1:1 + len(rows)]
    assert texts[0] == "input\n224×224×3"
    assert [t.split("\n")[1] for t in main] == [diagrams.hwc(r.output_shape) for r in rows]
    # Table 1's output sizes, as printed (H×W×C), for the rows that have one
    printed = {name: diagrams.hwc(shape) for name, (shape, _, _) in papers.GOOGLENET_TABLE1.items()}
    by_name = dict(zip((r.name for r in rows), (t.split("\n")[1] for t in main)))
    assert {k: by_name[k] for k in printed} == printed
    assert by_name["inception5b"] == "7×7×1024" and main[-1] == "linear\n1000"
    assert main[0] == "conv 7×7/2\n112×112×64"
    assert sum(t.startswith("LRN\n") for t in main) == 2


def test_pipeline_aux_heads_beside_4a_and_4d(model):
    fig = diagrams.pipeline(model)
    pos = _positions(fig)
    aux = [t for t in pos if t.startswith("auxiliary classifier")]
    assert len(aux) == 2
    first, second = sorted(aux)
    # §5: avg pool 5×5/3 → 4×4×512 (4a) and 4×4×528 (4d), 1×1 conv 128, FC 1024,
    # dropout 70%, linear; losses weighted by 0.3.
    assert "avg pool 5×5/3 → 4×4×512\n1×1 conv → 4×4×128\nFC → 1024, dropout 70%" in first
    assert "avg pool 5×5/3 → 4×4×528" in second
    assert "loss × 0.3" in first and "linear → 1000" in second
    # each head sits level with the module it reads, to its right
    for head, module in [(first, "inception 4a\n14×14×512"), (second, "inception 4d\n14×14×528")]:
        assert pos[head][1] == pytest.approx(pos[module][1])
        assert pos[head][0] > pos[module][0]
    assert pos["inception 4a\n14×14×512"][1] > pos["inception 4d\n14×14×528"][1]


def test_pipeline_changes_with_the_model():
    small = on_meta("googlenet", num_classes=10)
    texts = figure_texts(diagrams.pipeline(small))
    assert "linear\n10" in texts
    assert sum("linear → 10" in t for t in texts) == 2
    no_aux = figure_texts(diagrams.pipeline(on_meta("googlenet", aux_logits=False)))
    assert not any(t.startswith("auxiliary") for t in no_aux)
    bn = figure_texts(diagrams.pipeline(on_meta("googlenet", batch_norm=True)))
    assert not any(t.startswith("LRN") for t in bn)


def test_stage_ends_are_the_papers_parts(model):
    # Table 1: the stem ends at the max pool before 3a (28×28×192), stage 3 at the pool
    # after 3b, stage 4 at the pool after 4e, stage 5 at 5b; the head is the classifier.
    assert diagrams.stage_ends(model) == {"maxpool2": "stem", "maxpool3": "stage 3",
                                          "maxpool4": "stage 4", "inception5b": "stage 5",
                                          "fc": "head"}


def test_pipeline_with_stage_sizes_only(model):
    texts = figure_texts(diagrams.pipeline(model, sizes="stages"))
    rows = trace_shapes(model)
    main = texts[1:1 + len(rows)]
    sized = [t for t in main if "\n" in t]
    assert sized == ["max pool 3×3/2\nstem → 28×28×192", "max pool 3×3/2\nstage 3 → 14×14×480",
                     "max pool 3×3/2\nstage 4 → 7×7×832", "inception 5b\nstage 5 → 7×7×1024",
                     "linear\nhead → 1000"]
    # no other layer's output size, and the heads name no channel count of 4a or 4d
    assert "inception 4d" in main and "conv 7×7/2" in main and "LRN" in main
    heads = [t for t in texts if t.startswith("auxiliary classifier")]
    assert len(heads) == 2 and all("avg pool 5×5/3 → 4×4\n" in t for t in heads)
    assert not any("512" in t or "528" in t for t in heads)
    with pytest.raises(ValueError, match="'layers' or 'stages'"):
        diagrams.pipeline(model, sizes="all")


# ------------------------------------------------------------------ GAP vs flatten + FC

def test_gap_vs_fc(model):
    texts = figure_texts(diagrams.gap_vs_fc(model))
    assert texts.count("7×7×1024") == 2                 # inception 5b's output, Table 1
    assert "50,176" in texts and "FC: 50,176 × 1,024" in texts     # the slides' 50176 × 1024
    assert f"= {7 * 7 * 1024 * 1024:,} weights" in texts
    assert "= 51,380,224 weights" in texts
    assert "0 weights" in texts
    assert texts.count("1×1×1024") == 2


# ------------------------------------------------------------------ charts

def test_table1_errata_marks_every_inconsistent_entry():
    table1 = googlenet_table1()
    fig = diagrams.table1_errata(table1)
    marks = figure_texts(fig).count("≠")
    # 7 params entries (conv1, 4a, 4c, 4d, 4e, 5a, 5b) and 2 ops entries (conv1, 5a)
    assert marks == 9
    assert marks == sum(r.get("params_consistent") is False for r in table1) + sum(
        r.get("ops_consistent") is False for r in table1)
    with pytest.raises(ValueError, match="googlenet_table1"):
        diagrams.table1_errata([])


def test_ilsvrc_chart():
    fig = diagrams.ilsvrc_chart(papers.ILSVRC_TOP5)
    assert figure_texts(fig) == [f"{e[3]}%" for e in papers.ILSVRC_TOP5]
    assert "6.67%" in figure_texts(fig) and "16.4%" in figure_texts(fig)
    with pytest.raises(ValueError, match="tuples"):
        diagrams.ilsvrc_chart([("GoogLeNet", 2014, 6.67)])
