"""The Review chapter's figures say what the models say (cnncourse.diagrams.review).

Each test draws a figure and compares its labels (``figure_texts``) with numbers read from
the models or computed independently, so a change to a model that the figure does not
follow fails here.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from cnncourse import get_model, receptive_field, trace_shapes  # noqa: E402
from cnncourse.diagrams import figure_texts  # noqa: E402
from cnncourse.diagrams import review  # noqa: E402
from cnncourse.models import vgg  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def photo(h=300, w=420):
    """A synthetic RGB test card: gradients and a checkerboard, no download needed."""
    y, x = np.mgrid[0:h, 0:w]
    image = np.stack([255 * x / w, 255 * y / h, 255 * (((x // 20) + (y // 20)) % 2)], axis=-1)
    return image.astype(np.uint8)


# --- LeNet-5 --------------------------------------------------------------------------------

def test_lenet_pipeline_labels_are_the_traced_shapes():
    texts = figure_texts(review.lenet5_pipeline())
    traced = {row.name: row.output_shape for row in trace_shapes(get_model("lenet5"))}
    for name in ["C1", "S2", "C3", "S4", "C5", "F6", "output"]:
        assert name in texts
        assert review.shape_label(traced[name]) in texts, name
    # the paper's sizes (§II.B), written out, so that the trace itself is checked too
    for expected in ["1@32×32", "6@28×28", "6@14×14", "16@10×10", "16@5×5", "120@1×1", "84", "10"]:
        assert expected in texts


def test_lenet_pipeline_follows_a_changed_model():
    model = get_model("lenet5_modern", in_channels=3)
    assert "3@32×32" in figure_texts(review.lenet5_pipeline(model))


def test_shape_label_rejects_other_shapes():
    assert review.shape_label((6, 28, 28)) == "6@28×28"
    with pytest.raises(ValueError, match="expected a"):
        review.shape_label((1, 2))


def test_c3_table_figure_has_one_x_per_connection():
    from cnncourse.models.lenet import C3_TABLE

    texts = figure_texts(review.lenet5_c3_table())
    assert texts.count("X") == sum(len(t) for t in C3_TABLE) == 60


def test_rbf_codes_figure_and_bad_codes():
    fig = review.lenet5_rbf_codes()
    assert len(fig.axes) == 10
    with pytest.raises(ValueError, match="84"):
        review.lenet5_rbf_codes(torch.ones(10, 80))


# --- AlexNet --------------------------------------------------------------------------------

def test_alexnet_figure_reads_groups_and_kernel_depths_from_the_model():
    model = get_model("alexnet")
    texts = figure_texts(review.alexnet_two_gpus(model))
    convs = [m for m in model.features if isinstance(m, nn.Conv2d)]
    for m in convs:
        k = m.kernel_size[0]
        assert f"{k}×{k}×{m.in_channels // m.groups}" in texts
        assert f"{m.out_channels // 2} maps" in texts
    # the paper's kernel depths (Figure 2): conv2 5×5×48, conv3 3×3×256, conv4/5 3×3×192
    assert ["11×11×3", "5×5×48", "3×3×256", "3×3×192", "3×3×192"] == [
        t for t in texts if t.count("×") == 2 and not t.startswith("image")]
    row = [t for t in texts if t in ("whole image", "own GPU", "both GPUs")]
    expected = ["whole image"] + ["own GPU" if m.groups == 2 else "both GPUs" for m in convs[1:]]
    assert row == expected + ["both GPUs"] * 3
    assert row[1:5] == ["own GPU", "both GPUs", "own GPU", "own GPU"]
    assert texts.count("2048 units") == 4 and "1000\nsoftmax" in texts


def test_alexnet_figure_on_one_gpu_has_every_layer_seeing_both():
    texts = figure_texts(review.alexnet_two_gpus(get_model("alexnet", two_gpu_split=False)))
    assert "own GPU" not in texts
    assert "5×5×96" in texts and texts.count("3×3×384") == 2


def test_augmentation_and_ten_crops():
    texts = figure_texts(review.alexnet_augmentation(photo()))
    assert texts == []  # titles are axes titles, not free text
    fig = review.alexnet_augmentation(photo())
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["photo scaled to 256×358", "centre 256×256", "random 224×224 crop",
                      "its horizontal flip"]
    assert fig.axes[2].images[0].get_array().shape == (224, 224, 3)
    fig = review.ten_crops(photo())
    assert len(fig.axes) == 10
    assert all(ax.images[0].get_array().shape == (224, 224, 3) for ax in fig.axes)
    with pytest.raises(ValueError, match="outside"):
        review.alexnet_augmentation(photo(), offset=(40, 0))


def test_ten_crop_boxes_are_the_corners_and_the_centre():
    boxes = review.ten_crop_boxes(256, 224)
    assert [(t, l) for _, t, l in boxes] == [(0, 0), (0, 32), (32, 0), (32, 32), (16, 16)]
    with pytest.raises(ValueError, match="must fit"):
        review.ten_crop_boxes(200, 224)


def test_resize_and_crop_helpers():
    scaled = review.resize_shorter_side(photo(300, 420), 256)
    assert scaled.shape == (256, 358, 3) and scaled.dtype == np.uint8
    assert review.centre_crop(scaled, 256).shape == (256, 256, 3)
    with pytest.raises(ValueError, match="RGB"):
        review.resize_shorter_side(np.zeros((10, 10)), 5)
    with pytest.raises(ValueError, match="cannot crop"):
        review.centre_crop(scaled, 300)


def test_top_k_example_verdict():
    probs = torch.tensor([0.05, 0.4, 0.1, 0.3, 0.02, 0.03, 0.06, 0.04])
    names = [f"c{i}" for i in range(8)]
    title = review.top_k_example(probs, names, true_class=2).axes[0].get_title()
    assert title == "true class (c2) ranked 3: top-1 error, top-5 correct"
    title = review.top_k_example(probs, names, true_class=1).axes[0].get_title()
    assert title.endswith("top-1 correct, top-5 correct")
    title = review.top_k_example(probs, names, true_class=4).axes[0].get_title()
    assert "ranked 8" in title and title.endswith("top-5 error")
    with pytest.raises(ValueError, match="one name per class"):
        review.top_k_example(probs, names[:3], true_class=0)


# --- VGG ------------------------------------------------------------------------------------

def test_receptive_field_figure_uses_the_computed_fields():
    texts = figure_texts(review.receptive_field_stacks((2, 3)))
    assert receptive_field([(3, 1)] * 2) == 5 and receptive_field([(3, 1)] * 3) == 7
    assert "receptive field 5: 18C² weights, 2 ReLUs" in texts
    assert "receptive field 5: 25C² weights, 1 ReLU" in texts
    assert "receptive field 7: 27C² weights, 3 ReLUs" in texts
    assert "receptive field 7: 49C² weights, 1 ReLU" in texts
    assert {"2 × conv 3×3", "1 × conv 5×5", "3 × conv 3×3", "1 × conv 7×7"} <= set(texts)


MODELS = {"A": "vgg11", "A-LRN": "vgg11_lrn", "B": "vgg13", "C": "vgg16_1x1", "D": "vgg16",
          "E": "vgg19"}


def test_vgg_columns_are_the_configurations():
    texts = figure_texts(review.vgg_configurations())
    names = list(vgg.CONFIGS)
    starts = [texts.index(c) for c in names]
    assert starts == sorted(starts)
    for c, start, end in zip(names, starts, starts[1:] + [len(texts)]):
        column = texts[start:end]
        with torch.device("meta"):
            model = get_model(MODELS[c])
        layers = sum(isinstance(m, (nn.Conv2d, nn.Linear)) for m in model.modules())
        assert column[1] == f"{layers} weight layers"
        drawn = [t for t in column if t.startswith(("conv", "LRN", "maxpool"))]
        assert drawn == vgg.CONFIGS[c], c
        assert column[-4:] == ["FC-4096", "FC-4096", "FC-1000", "soft-max"]
    # Table 1's depths, written out
    assert [texts[s + 1] for s in starts] == [f"{n} weight layers" for n in (11, 11, 13, 16, 16, 19)]
    sides = ["224×224", "112×112", "56×56", "28×28", "14×14"]
    assert [t for t in texts if t in sides] == sides


def test_vgg_new_layers_are_bold():
    fig = review.vgg_configurations()
    bold = [t.get_text() for t in fig.axes[0].texts if t.get_fontweight() == "bold"]
    # column titles, then what each column adds to its left neighbour (as the paper marks)
    assert bold == ["A", "A-LRN", "LRN", "B", "conv3-64", "conv3-128", "C", "conv1-256",
                    "conv1-512", "conv1-512", "D", "conv3-256", "conv3-512", "conv3-512",
                    "E", "conv3-256", "conv3-512", "conv3-512"]


def test_vgg_stage_sizes_and_depths():
    assert review.vgg_stage_sizes("A") == [224, 112, 56, 28, 14]
    assert review.vgg_stage_sizes("E", 32) == [32, 16, 8, 4, 2]
    assert [review.vgg_weight_layers(c) for c in vgg.CONFIGS] == [11, 11, 13, 16, 16, 19]


# --- charts ---------------------------------------------------------------------------------

def test_charts_draw_one_bar_per_value():
    rows = [{"layer": "conv1", "p1": 1e6, "p2": 1e6, "m1": 100.0, "m2": 100.0},
            {"layer": "conv2", "p1": 2e6, "p2": 1e6, "m1": 400.0, "m2": 200.0}]
    fig = review.alexnet_split_costs(rows)
    assert [len(ax.patches) for ax in fig.axes] == [4, 4]
    rows = [{"config": c, "conv_p": 1e7, "fc_p": 1e8, "conv_m": 1e10, "fc_m": 1e8}
            for c in "ABC"]
    assert [len(ax.patches) for ax in review.vgg_costs(rows).axes] == [6, 6]
    fig = review.activation_scales({"He": [1.0, 1.1], "Xavier": [0.7, 0.5]})
    assert len(fig.axes[0].lines) == 3  # two curves and the reference line at 1
