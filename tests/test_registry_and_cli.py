"""The model registry, clear errors for bad input, and the command line."""
import subprocess
import sys

import pytest
import torch

from cnncourse import get_model, list_models, on_meta
from cnncourse.cli import main
from cnncourse.models import FAMILIES, model_info

EXPECTED = ["lenet5", "lenet5_modern", "alexnet", "vgg11", "vgg11_lrn", "vgg13", "vgg16_1x1", "vgg16",
            "vgg19", "googlenet", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "plain18",
            "plain34", "resnet20", "resnet32", "resnet44", "resnet56", "resnet110", "resnet1202", "plain20",
            "plain32", "plain44", "plain56", "plain110", "alexnet_small", "vgg_small", "googlenet_small"]


def test_list_models():
    assert sorted(list_models()) == sorted(EXPECTED)
    assert list_models("vgg") == ["vgg11", "vgg11_lrn", "vgg13", "vgg16_1x1", "vgg16", "vgg19"]
    assert sorted(n for f in FAMILIES for n in list_models(f)) == sorted(EXPECTED)  # "small" too
    with pytest.raises(ValueError, match="unknown family 'junk'; the families are lenet, .*small"):
        list_models("junk")


def test_every_family_registers_the_same_way():
    # one builder per name, its options read from its signature; what a name fixes is no option
    assert model_info("plain18").options == ["in_channels"]
    assert model_info("plain20").options == ["in_channels"]
    assert model_info("lenet5_modern").options == ["in_channels"]
    assert model_info("resnet50").options == ["shortcut", "variant", "in_channels", "zero_init_residual"]
    assert model_info("vgg16").options == ["batch_norm", "dropout", "in_channels"]
    assert model_info("resnet50").defaults["variant"] == "v1"


@pytest.mark.parametrize("name", EXPECTED)
def test_every_model_takes_num_classes(name):
    options = {"head": "linear"} if name == "lenet5" else {}
    with torch.device("meta"):
        model = get_model(name, num_classes=37, **options)
    last = [m for m in model.modules() if isinstance(m, torch.nn.Linear)][-1]
    assert last.out_features == 37


def test_unknown_model_lists_close_matches():
    with pytest.raises(ValueError, match=r"unknown model 'resnet51'.*Did you mean.*'resnet50'"):
        get_model("resnet51")
    with pytest.raises(ValueError, match="Known models"):
        get_model("transformer")
    assert model_info("ResNet-50").name == "resnet50"


def test_bad_options_and_num_classes():
    with pytest.raises(ValueError, match="does not take option.*batchnorm.*accepts.*batch_norm"):
        get_model("vgg16", batchnorm=True)
    with pytest.raises(ValueError, match="positive integer"):
        get_model("resnet18", num_classes=0)


@pytest.mark.parametrize("options, message", [
    ({"batch_norm": "yes"}, "batch_norm takes True or False .*got 'yes'"),
    ({"in_channels": "3"}, "in_channels takes an integer .*got '3'"),
    ({"in_channels": 2.5}, "in_channels takes an integer .*got 2.5"),
    ({"in_channels": True}, "in_channels takes an integer .*got True"),
    ({"dropout": "0.5"}, "dropout takes a number"),
])
def test_option_values_are_checked_against_the_builder(options, message):
    with pytest.raises(ValueError, match=message):
        on_meta("vgg16", **options)


@pytest.mark.parametrize("name", ["lenet5", "alexnet", "vgg11", "googlenet", "resnet18", "resnet20",
                                  "plain18", "vgg_small"])
@pytest.mark.parametrize("channels", [0, -1, "3", 2.5])
def test_models_validate_in_channels(name, channels):
    # the model itself, past get_model (which refuses '3' and 2.5 by the builder's signature)
    info = model_info(name)
    with pytest.raises(ValueError, match="in_channels must be a positive integer"), torch.device("meta"):
        info.builder(num_classes=info.num_classes, in_channels=channels)


def test_an_integer_batch_is_told_to_convert():
    model = on_meta("resnet20")
    with pytest.raises(ValueError, match=r"floating-point batch, got torch.uint8 \(convert with `.float\(\) / 255`\)"):
        model(torch.zeros(2, 3, 32, 32, dtype=torch.uint8, device="meta"))
    with pytest.raises(ValueError, match=r"got torch.int64 \(convert with `.float\(\)`\)"):
        model(torch.zeros(2, 3, 32, 32, dtype=torch.long, device="meta"))


def test_on_meta_allocates_nothing():
    model = on_meta("vgg16")
    assert all(p.is_meta for p in model.parameters())
    with pytest.raises(ValueError, match="without weights"):
        on_meta("resnet18", weights="DEFAULT")


@pytest.mark.parametrize("name,shape,message", [
    ("alexnet", (1, 3, 32, 32), "alexnet expects 3×227×227 images, got 3×32×32"),
    ("alexnet", (1, 1, 227, 227), "alexnet expects 3×227×227 images, got 1×227×227"),
    ("lenet5", (1, 1, 28, 28), "lenet5 expects 1×32×32 images, got 1×28×28"),
    ("vgg16", (1, 3, 16, 16), "vgg16 expects 3×H×W images with H, W ≥ 32, got 3×16×16"),
    ("googlenet", (1, 3, 32, 32), "googlenet expects 3×224×224"),
    ("resnet20", (1, 1, 32, 32), "resnet20 expects 3×"),
    ("alexnet", (3, 227, 227), "4-D batch"),
])
def test_bad_input_gets_a_clear_error(name, shape, message):
    model = get_model(name)
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        model(torch.zeros(shape))


def test_cli_list_and_summary(capsys):
    assert main(["list", "--family", "resnet_cifar"]) == 0
    out = capsys.readouterr().out
    assert "resnet1202" in out and "19,421,274" in out
    assert main(["summary", "resnet50", "-o", "variant=v1.5"]) == 0
    out = capsys.readouterr().out
    assert "2048×7×7" in out and "25,557,032 parameters" in out and "(4.089 G" in out
    assert main(["summary", "lenet5", "--depth", "1"]) == 0
    out = capsys.readouterr().out
    assert "C3" in out and "1,516" in out and "16×10×10" in out


def test_cli_errors_are_messages(capsys):
    assert main(["summary", "resnet51"]) == 2
    assert "Did you mean" in capsys.readouterr().err
    assert main(["summary", "alexnet", "--input-size", "3", "32", "32"]) == 2
    assert "alexnet expects 3×227×227 images, got 3×32×32" in capsys.readouterr().err


def test_summary_options_are_python_values(capsys):
    assert main(["summary", "resnet18", "-o", "num_classes=100", "-o", "in_channels=1"]) == 0
    out = capsys.readouterr().out
    assert "resnet18 on 1×224×224 input" in out and "51,300" in out  # fc: 512·100 + 100
    assert main(["summary", "vgg11", "--depth", "2", "-o", "batch_norm=True"]) == 0
    assert "132,868,840 parameters" in capsys.readouterr().out  # 132,863,336 + BN's γ, β: 2·2,752
    for option, says in [("batch_norm=yes", "takes True or False"), ("in_channels='3'", "takes an integer"),
                         ("in_channels=2.5", "takes an integer"), ("in_channels=0", "positive integer"),
                         ("variant", "KEY=VALUE")]:
        assert main(["summary", "vgg11", "-o", option]) == 2, option
        assert says in capsys.readouterr().err, option


@pytest.mark.parametrize("argv, says", [
    (["list", "--family", "junk"], "invalid choice: 'junk'"),
    (["summary", "lenet5", "--depth", "0"], "--depth: expected a positive integer, got '0'"),
    (["summary", "lenet5", "--input-size", "1", "32", "0"], "--input-size: expected a positive integer"),
    (["flops", "--table", "junk"], "invalid choice: 'junk'"),
])
def test_cli_refuses_bad_arguments(argv, says, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2 and says in capsys.readouterr().err


def test_summary_lists_the_aux_heads(capsys):
    assert main(["summary", "googlenet"]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.startswith(("conv", "maxpool", "lrn",
                                                                          "inception", "avgpool",
                                                                          "dropout", "fc", "aux"))]
    assert sum(int(row[-2].replace(",", "")) for row in rows) == 13_378_280
    assert [row[0] for row in rows if "(training" in row] == ["aux1", "aux2"]
    assert "total: 13,378,280 parameters" in out and "6,379,728 in aux1, aux2" in out
    assert main(["summary", "lenet5", "--depth", "2"]) == 0
    assert "training only" not in capsys.readouterr().out


def test_summary_traces_on_the_meta_device(capsys):
    # 3×20000×20000: the shapes come from a meta trace; the count would need ~220 GB and is skipped
    assert main(["summary", "resnet18", "--input-size", "3", "20000", "20000"]) == 0
    out = capsys.readouterr().out
    assert "512×625×625" in out and "11,689,512 parameters" in out and "not counted" in out


def test_python_m_cnncourse_flops_prints_the_tables():
    proc = subprocess.run([sys.executable, "-m", "cnncourse", "flops", "--table", "lenet"],
                          capture_output=True, text=True, check=True)
    assert "LeNet-5 trainable parameters" in proc.stdout and "60,000" in proc.stdout
    assert proc.stderr == ""


def _subcommand(name):
    from cnncourse.cli import build_parser

    return build_parser()._subparsers._group_actions[0].choices[name]


def test_every_recipe_field_is_one_option_of_train_and_experiment():
    """The options are made from TrainConfig's fields: nothing retyped, nothing missing."""
    import dataclasses

    from cnncourse import cli
    from cnncourse.experiments import EXPERIMENTS
    from cnncourse.train import SCHEDULES, TrainConfig

    fields = [f.name for f in dataclasses.fields(TrainConfig)]
    for command, argv, skip in (("train", ["--model", "resnet20", "--data", "digits"], ()),
                                ("experiment", ["compare"], ("seed",))):
        parser = _subcommand(command)
        args = parser.parse_args(argv)
        assert args.options.config(args) == TrainConfig()  # every default is the field's default
        assert [f for f in fields if f in args.options.actions] == [f for f in fields if f not in skip]
        actions = {a.dest: a for a in parser._actions}
        assert actions["schedule"].choices == list(SCHEDULES)
        assert all(TrainConfig.__dataclass_fields__[f].metadata["help"].split(";")[0].replace("%", "%%")
                   in actions[f].help for f in fields if f not in skip)
    assert _subcommand("experiment")._actions[1].choices == list(EXPERIMENTS)
    args = _subcommand("train").parse_args(["--model", "m", "--data", "digits", "--no-augment", "--amp", "off",
                                            "--channels-last", "on", "--compile", "--lr", "0.05"])
    assert args.options.config(args) == TrainConfig(augment=False, amp="off", channels_last=True, compile=True,
                                                    lr=0.05)
    assert not hasattr(cli, "_FLAGS") and not hasattr(cli, "_in_flags")


def test_library_parameters_are_written_as_flags_by_the_cli():
    from cnncourse.utils import Param

    args = _subcommand("train").parse_args(["--model", "m", "--data", "digits"])
    flag = args.options.flag
    assert [flag(p) for p in (Param("augment", False), Param("augment", True), Param("resume", True),
                              Param("resume", "auto"), Param("resume", False), Param("channels_last", True),
                              Param("amp", "off"), Param("checkpoint", placeholder="PATH"), Param("seed"),
                              Param("lr", 0.05), Param("until_epoch", 2), Param("model_options", {}))] == [
        "--no-augment", "without --no-augment", "--resume", "--resume auto", "without --resume",
        "--channels-last on", "--amp off", "--checkpoint PATH", "--seed", "--lr 0.05", "--until-epoch 2",
        "model_options={}"]


def test_cli_errors_name_flags_with_the_saved_and_given_values(tmp_path, capsys):
    from cnncourse.train import TrainConfig

    with pytest.raises(ValueError, match=r"schedule must be one of 'paper', 'cosine', 'constant', got 'step'"):
        TrainConfig(schedule="step")
    base = ["train", "--model", "lenet5_modern", "--data", "digits", "--device", "cpu", "--no-progress"]
    assert main(base + ["--batch-size", "0"]) == 2
    assert "error: --batch-size must be a positive integer, got 0" in capsys.readouterr().err
    assert main(base + ["--checkpoint-every", "0", "--checkpoint", str(tmp_path / "c.pt")]) == 2
    assert "error: --checkpoint-every must be a positive integer, got 0" in capsys.readouterr().err
    assert main(base + ["--extend"]) == 2
    assert "error: --extend extends a resumed run; pass --resume (or --resume auto) with it" in \
        capsys.readouterr().err
