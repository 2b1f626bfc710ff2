"""cnncourse.analysis.gradients: per-layer gradient and relative-gradient norms at initialization."""
import math

import pytest
import torch
from torch import nn

from cnncourse import get_model
from cnncourse.analysis.gradients import LayerGradient, conv_gradients, conv_grad_norms


def _batch(n=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, 32, 32, generator=g), torch.randint(0, 10, (n,), generator=g)


def test_norms_match_a_backward_pass_by_hand():
    # A net small enough to differentiate on paper: a 1×1 conv with two filters w_k (no bias) on
    # one channel, then global average pooling, gives the logits z_nk = w_k·m_n, m_n the mean of
    # image n. Cross-entropy averaged over the batch has dL/dz_nk = (p_nk − [k = y_n]) / N, with
    # p the softmax of z, so dL/dw_k = Σ_n (p_nk − [k = y_n])·m_n / N.
    model = nn.Sequential(nn.Conv2d(1, 2, 1, bias=False), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    w = [0.5, -1.0]
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor(w).view(2, 1, 1, 1))
    x = torch.tensor([[[[1.0, 2.0], [3.0, 6.0]]], [[[0.0, -2.0], [1.0, 1.0]]], [[[4.0, 0.0], [0.0, 0.0]]]])
    y = [0, 1, 1]
    means = [3.0, 0.0, 1.0]
    grad = [0.0, 0.0]
    for m, target in zip(means, y):
        e = [math.exp(wk * m) for wk in w]
        for k in range(2):
            grad[k] += (e[k] / sum(e) - (k == target)) * m / len(y)
    [layer] = conv_gradients(model, x, torch.tensor(y))
    assert layer.name == "0"
    assert layer.grad_norm == pytest.approx(math.hypot(*grad), rel=1e-6)
    assert layer.weight_norm == pytest.approx(math.hypot(*w), rel=1e-6)
    assert layer.relative == pytest.approx(math.hypot(*grad) / math.hypot(*w), rel=1e-6)


def test_conv_grad_norms_do_not_accumulate():
    x, y = _batch()
    torch.manual_seed(1)
    model = get_model("plain20")
    first = conv_grad_norms(model, x, y)
    layers = conv_gradients(model, x, y)   # a second backward pass on the same model
    # earlier gradients are discarded: had they been added up, every norm would have doubled
    assert [layer.grad_norm for layer in layers] == pytest.approx(first, rel=1e-5)
    assert len(layers) == 19 and layers[0].name == "conv1" and layers[-1].name == "layer3.2.conv2"


def test_projection_shortcuts_left_out_and_weights_untouched():
    x, y = _batch()
    torch.manual_seed(0)
    model = get_model("resnet18", num_classes=10)
    before = {k: v.clone() for k, v in model.state_dict().items() if "running" not in k
              and "num_batches" not in k}
    layers = conv_gradients(model, x, y)
    assert len(layers) == 17 and not any("downsample" in layer.name for layer in layers)
    after = model.state_dict()
    assert all(torch.equal(v, after[k]) for k, v in before.items())


def test_plain_net_gradients_spread_far_more_than_the_resnets():
    # the claim of the ResNet chapter (sec-gradients-at-init), with a wide margin
    x, y = _batch(8, seed=1)
    spread = {}
    for name in ("plain56", "resnet56"):
        torch.manual_seed(0)
        layers = conv_gradients(get_model(name), x, y)
        rel = [layer.relative for layer in layers]
        spread[name] = max(rel) / min(rel)
    assert spread["plain56"] > 100 * spread["resnet56"]


def test_relative_is_a_ratio():
    assert LayerGradient("w", 3.0, 1.5).relative == 2.0


@pytest.mark.parametrize("x, y, message", [
    (torch.randn(3, 32, 32), torch.zeros(3, dtype=torch.long), "N×C×H×W"),
    (torch.randn(2, 3, 32, 32), torch.zeros(2), "class indices"),
    (torch.randn(2, 3, 32, 32), torch.zeros(3, dtype=torch.long), "must match"),
    ([1, 2], torch.zeros(2, dtype=torch.long), "N×C×H×W"),
])
def test_bad_batches_are_named(x, y, message):
    with pytest.raises(ValueError, match=message):
        conv_gradients(get_model("resnet20"), x, y)


def test_a_model_without_convolutions_is_an_error():
    with pytest.raises(ValueError, match="no convolution"):
        conv_gradients(nn.Sequential(nn.Flatten(), nn.Linear(12, 2)), torch.randn(2, 3, 2, 2),
                       torch.zeros(2, dtype=torch.long))
