"""The summary chapter's figure of the five building blocks: its labels against the models."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from torch import nn  # noqa: E402

from cnncourse import on_meta  # noqa: E402
from cnncourse.diagrams import figure_texts  # noqa: E402
from cnncourse.diagrams import summary as d  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _conv(conv):
    # written independently of the module under test: kernel, width, "/s" when strided
    (k, _), (s, _) = conv.kernel_size, conv.stride
    return f"{k}×{k} conv, {conv.out_channels}" + ("" if s == 1 else f", /{s}")


def test_the_columns_follow_the_papers_blocks():
    lenet, alex, vgg, inception, bottleneck = d.block_columns()
    assert (lenet.size_in, lenet.size_out) == ("32×32×1", "14×14×6")      # C1, S2 (§II.B)
    assert [t for t, _ in lenet.steps] == ["5×5 conv, 6\ntanh", "2×2 subsampling\ntanh"]
    assert (alex.size_in, alex.size_out) == ("227×227×3", "27×27×96")
    assert [t for t, _ in alex.steps] == ["11×11 conv, 96, /4\nReLU, LRN", "3×3 max pool, /2"]
    assert (vgg.size_in, vgg.size_out) == ("224×224×3", "112×112×64")
    assert [t for t, _ in vgg.steps] == ["3×3 conv, 64\nReLU"] * 2 + ["2×2 max pool, /2"]
    # inception 3a, Table 1: #1×1 64, #3×3 reduce 96, #3×3 128, #5×5 reduce 16, #5×5 32, pool 32
    assert (inception.size_in, inception.size_out) == ("28×28×192", "28×28×256")
    assert [[t.split("\n")[0] for t, _ in b] for b in inception.steps] == [
        ["1×1 conv, 64"], ["1×1 conv, 96", "3×3 conv, 128"], ["1×1 conv, 16", "5×5 conv, 32"],
        ["3×3 max pool", "1×1 conv, 32"]]
    assert [t for t, _ in bottleneck.steps] == ["1×1 conv, 64\nBN, ReLU", "3×3 conv, 64\nBN, ReLU",
                                                 "1×1 conv, 256\nBN", "+", "ReLU"]
    assert bottleneck.shortcut == "identity" and bottleneck.size_in == bottleneck.size_out


def test_the_columns_are_read_from_the_models_given():
    vgg = on_meta("vgg16")
    vgg.features[0] = nn.Conv2d(3, 32, 5, padding=2)   # another first layer: another label
    vgg.features[2] = nn.Conv2d(32, 64, 3, padding=1)
    column = d.block_columns(vgg=vgg)[2]
    assert column.steps[0][0] == _conv(vgg.features[0]) + "\nReLU" == "5×5 conv, 32\nReLU"
    resnet = on_meta("resnet101")
    assert d.block_columns(resnet=resnet)[4].size_in == "56×56×256"
    googlenet = on_meta("googlenet")
    column = d.block_columns(googlenet=googlenet, inception="inception4a")[3]
    assert column.size_in == "14×14×480" and column.steps[0][0][0].startswith(
        _conv(googlenet.inception4a.branch1[0]))


def test_every_label_is_drawn_once_per_column():
    columns = d.block_columns()
    texts = figure_texts(d.building_blocks())
    for col in columns:
        assert col.title in texts and col.size_in in texts and col.size_out in texts
    assert texts.count("concatenation") == 1 and texts.count("identity") == 1
    boxes = [t for c in columns for s in c.steps for t, _ in (s if isinstance(s, list) else [s])]
    for text in set(boxes):
        assert texts.count(text) == boxes.count(text), text


def test_bad_requests_name_what_was_expected():
    with pytest.raises(ValueError, match="inception must name one of GoogLeNet's Inception"):
        d.block_columns(inception="inception9z")
    with pytest.raises(ValueError, match="no drawing for a Dropout"):
        d.layer_text(nn.Dropout())
