"""torchvision's VGG and ResNet state dicts load into ours, and the outputs agree."""
import urllib.error

import pytest
import torch
import torchvision
from torchvision.models._api import WeightsEnum

from cnncourse import get_model, on_meta
from cnncourse.models.torchvision_compat import load_torchvision_state_dict, torchvision_name


def _empty(name, **options):
    """Ours without initialising 138 M weights that the state dict overwrites anyway."""
    return on_meta(name, **options).to_empty(device="cpu")


def _perturb_batchnorm(model):
    """Non-trivial BN statistics, so that a misplaced BN would change the output."""
    g = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.copy_(0.1 * torch.randn(m.num_features, generator=g))
                m.running_var.copy_(0.5 + torch.rand(m.num_features, generator=g))


@pytest.mark.parametrize("name", ["vgg11", "vgg13", "vgg16", "vgg19"])
@pytest.mark.parametrize("batch_norm", [False, True])
def test_vgg_state_dict_loads_and_outputs_match(name, batch_norm):
    torch.manual_seed(0)
    theirs = getattr(torchvision.models, name + ("_bn" if batch_norm else ""))().eval()
    _perturb_batchnorm(theirs)
    ours = _empty(name, batch_norm=batch_norm)
    assert torchvision_name(ours, name) == name + ("_bn" if batch_norm else "")
    load_torchvision_state_dict(ours, theirs.state_dict())
    ours.eval()
    x = torch.randn(2, 3, 64, 64)  # adaptive pooling lets both run small; same ops at 224
    with torch.no_grad():
        a, b = ours(x), theirs(x)
    assert a.abs().max() > 0 and (a - b).abs().max().item() <= 1e-5


def test_vgg16_matches_at_224():
    torch.manual_seed(0)
    theirs = torchvision.models.vgg16().eval()
    ours = _empty("vgg16")
    load_torchvision_state_dict(ours, theirs.state_dict())
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        assert (ours.eval()(x) - theirs(x)).abs().max().item() <= 1e-5


def test_resnet_v1_and_other_architectures_are_refused():
    with pytest.raises(ValueError, match="variant='v1.5', shortcut='B'"):
        torchvision_name(on_meta("resnet50"), "resnet50")  # paper default is v1
    assert torchvision_name(on_meta("resnet18"), "resnet18") == "resnet18"
    with pytest.raises(ValueError, match="torchvision's googlenet is a different network"):
        get_model("googlenet", weights="DEFAULT")
    with torch.device("meta"):
        vgg13 = torchvision.models.vgg13()
    with pytest.raises(ValueError, match="does not fit this model"):
        load_torchvision_state_dict(on_meta("vgg11"), vgg13.state_dict())


def _fake_download(monkeypatch, state_dict=None, error=None):
    def get_state_dict(self, *args, **kwargs):
        if error is not None:
            raise error
        return state_dict

    monkeypatch.setattr(WeightsEnum, "get_state_dict", get_state_dict)


def test_weights_argument_loads_torchvision_weights(monkeypatch):
    torch.manual_seed(0)
    reference = torchvision.models.resnet18().eval()
    _fake_download(monkeypatch, reference.state_dict())
    ours = get_model("resnet18", weights="IMAGENET1K_V1").eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(ours(x), reference(x), atol=1e-5)
    # fine-tuning to 10 classes: everything but the new head comes from torchvision
    small = get_model("resnet18", num_classes=10, weights="DEFAULT")
    assert small.fc.out_features == 10
    assert torch.equal(small.conv1.weight, reference.conv1.weight)


def test_weights_errors_are_clear(monkeypatch):
    with pytest.raises(ValueError, match="unknown weights 'IMAGENET9K'.*IMAGENET1K_V1"):
        get_model("resnet50", variant="v1.5", weights="IMAGENET9K")
    _fake_download(monkeypatch, error=urllib.error.URLError("no network"))
    with pytest.raises(RuntimeError, match="could not download.*network connection.*Colab"):
        get_model("vgg16", weights="IMAGENET1K_V1")
