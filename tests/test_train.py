"""The training loop: exact resume, refused checkpoints, NaN stop, schedules, and the CLI."""
import math
import os

import pytest
import torch

from cnncourse import data, get_model
from cnncourse.cli import main
from cnncourse.data import ImageSet
from cnncourse.train import (CheckpointError, History, Schedule, TrainConfig, TrainingDiverged, fit,
                             load_checkpoint, seed_everything)


@pytest.fixture(scope="module")
def small():
    """256 training and 64 test digits at 8×8: enough for the loop's logic, fast on a CPU."""
    tr, te = data.digits(device="cpu", size=8), data.digits(train=False, device="cpu", size=8)

    def cut(s, n):
        return ImageSet(s.name, s.train, s.images[:n], s.labels[:n], s.mean, s.std, s.classes, s.flip)
    return cut(tr, 256), cut(te, 64)


def _fit(small, name="resnet20", init_seed=0, **kwargs):
    seed_everything(init_seed)
    model = get_model(name, in_channels=1)
    kwargs = {"epochs": 2, "batch_size": 64, "progress": False, "verbose": False, "seed": 0, **kwargs}
    return fit(model, small[0], small[1], model_name=name, **kwargs)


def test_fit_takes_one_config(small):
    cfg = TrainConfig(epochs=1, batch_size=64, lr=0.05, seed=3)
    seed_everything(0)
    run = fit(get_model("resnet20", in_channels=1), small[0], small[1], cfg, progress=False, verbose=False)
    assert run.config == cfg and run.steps == 256 // 64
    # keyword overrides replace fields of the config; unknown names are refused by name
    assert cfg.replace(lr=0.1).lr == 0.1 and cfg.lr == 0.05
    with pytest.raises(TypeError, match="no field 'learning_rate'"):
        cfg.replace(learning_rate=0.1)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        TrainConfig(batch_size=0)
    with pytest.raises(ValueError, match="lr must be a finite number"):
        TrainConfig(lr=float("nan"))
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg


@pytest.mark.parametrize("schedule", ["paper", "constant"])
def test_resume_gives_identical_weights(small, tmp_path, schedule):
    straight = _fit(small, checkpoint=tmp_path / "a.pt", schedule=schedule)
    if schedule == "paper":  # a 2-epoch run stopped after epoch 1 (the schedule spans 2 epochs) ...
        _fit(small, until_epoch=1, checkpoint=tmp_path / "b.pt", schedule=schedule)
    else:  # 1 epoch, then 1 more: the same thing when the learning rate does not depend on the budget
        _fit(small, epochs=1, checkpoint=tmp_path / "b.pt", schedule=schedule)
    # ... and continue in a fresh model (other initial weights: everything must come from the file)
    resumed = _fit(small, init_seed=123, checkpoint=tmp_path / "b.pt", resume=True, schedule=schedule,
                   extend=schedule == "constant")  # the 1-epoch constant run is extended to 2
    a, b = straight.model.state_dict(), resumed.model.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)  # weights, BN statistics
    assert resumed.steps == straight.steps == 2 * (256 // 64)
    assert straight.history.to_dict() | {"seconds": 0} == resumed.history.to_dict() | {"seconds": 0}
    # the checkpoint is plain tensors and containers, read with weights_only=True, and complete
    state = torch.load(tmp_path / "a.pt", weights_only=True)
    assert {"model", "optimizer", "schedule", "scaler", "rng", "history", "epoch", "step"} <= set(state)
    assert state["epoch"] == 2 and state["model_name"] == "resnet20"
    assert sorted(os.listdir(tmp_path)) == ["a.pt", "b.pt"]  # no temporary files left behind


def test_refuses_another_models_checkpoint(small, tmp_path):
    _fit(small, epochs=1, checkpoint=tmp_path / "r20.pt")
    with pytest.raises(CheckpointError, match="written for model 'resnet20', not 'plain20'"):
        _fit(small, name="plain20", checkpoint=tmp_path / "r20.pt", resume=True)
    with pytest.raises(CheckpointError, match=r"seed=0 \(this run: seed=5\)"):
        _fit(small, checkpoint=tmp_path / "r20.pt", resume=True, seed=5)
    with pytest.raises(CheckpointError, match=r"batch_size=64 \(this run: batch_size=32\), lr=0.1 \(this run: lr=0.05\)"):
        _fit(small, checkpoint=tmp_path / "r20.pt", resume=True, batch_size=32, lr=0.05)


def test_a_refused_checkpoint_leaves_the_model_untouched(small, tmp_path):
    _fit(small, epochs=1, checkpoint=tmp_path / "r20.pt")
    seed_everything(7)
    model = get_model("resnet20", in_channels=1)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rng = torch.get_rng_state()
    with pytest.raises(CheckpointError, match="seed=0"):
        fit(model, small[0], small[1], epochs=1, batch_size=64, seed=5, checkpoint=tmp_path / "r20.pt",
            resume=True, progress=False, verbose=False)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert torch.equal(rng, torch.get_rng_state())
    with pytest.raises(CheckpointError, match="no checkpoint at"):
        _fit(small, checkpoint=tmp_path / "missing.pt", resume=True)


def test_refuses_corrupt_checkpoints(small, tmp_path):
    path = tmp_path / "c.pt"
    _fit(small, name="plain20", epochs=1, checkpoint=path)
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) // 2])  # a write cut short
    with pytest.raises(CheckpointError, match="corrupt, truncated"):
        load_checkpoint(path, "plain20")
    path.write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match="corrupt, truncated"):
        _fit(small, name="plain20", checkpoint=path, resume=True)
    torch.save({"weights": torch.zeros(3)}, path)
    with pytest.raises(CheckpointError, match="not a cnncourse training checkpoint"):
        load_checkpoint(path)


def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(small, tmp_path):
    path = tmp_path / "n.pt"
    with pytest.raises(TrainingDiverged, match=r"epoch 2 .*NaN or infinite.*after epoch 1\) is kept"):
        _fit(small, name="plain20", checkpoint=path, _fail_at_step=256 // 64)  # first step of epoch 2
    state = load_checkpoint(path, "plain20")
    assert state["epoch"] == 1
    assert all(torch.isfinite(t).all() for t in state["model"].values() if t.is_floating_point())


def test_a_huge_learning_rate_is_caught():
    tr = data.digits(device="cpu")
    seed_everything(0)
    with pytest.raises(TrainingDiverged, match="NaN or infinite"):
        fit(get_model("lenet5_modern"), tr, epochs=1, batch_size=128, lr=1e6, progress=False, verbose=False)


def test_schedules():
    paper = Schedule.for_budget("paper", 0.1, 64_000)
    assert paper.milestones == (32_000, 48_000)
    assert [paper.lr_at(s) for s in (0, 31_999, 32_000, 48_000)] == pytest.approx([0.1, 0.1, 0.01, 0.001])
    scaled = Schedule.for_budget("paper", 0.1, 640)
    assert scaled.milestones == (320, 480) and "scaled to this budget" in scaled.describe()
    warm = Schedule.for_budget("paper", 0.1, 64_000, warmup_steps=400)  # ResNet-110
    assert warm.lr_at(399) == 0.01 and warm.lr_at(400) == 0.1
    cos = Schedule.for_budget("cosine", 0.1, 100)
    assert cos.lr_at(0) == pytest.approx(0.1) and cos.lr_at(50) == pytest.approx(0.05) and cos.lr_at(99) < 1e-4
    assert cos.lr_at(100) == cos.lr_at(99)  # the last step's rate, then kept
    with pytest.raises(ValueError, match="schedule must be"):
        Schedule("step", 0.1, 10)
    # past the planned end (an extended run) the rate stays at its final value
    assert scaled.lr_at(10_000) == pytest.approx(0.001)
    assert Schedule.from_state_dict(scaled.state_dict()) == scaled


def _lrs(path):
    return [round(v, 6) for v in torch.load(path, weights_only=True)["history"]["lr"]]


def test_resume_keeps_the_saved_schedule_end_to_end_through_the_cli(tmp_path, capsys):
    """2 epochs, then 6 with --resume (the rule is the same for every model; LeNet-5 keeps it fast)."""
    path = tmp_path / "run.pt"
    base = ["train", "--model", "lenet5_modern", "--data", "digits", "--checkpoint", str(path), "--device",
            "cpu", "--batch-size", "128", "--no-progress"]
    assert main(base + ["--epochs", "2"]) == 0
    assert _lrs(path) == [0.1, 0.001]  # 2 epochs of 11 steps: drops at steps 11 and 16
    capsys.readouterr()
    # more epochs than planned: refused, with a message in flags that says what to do
    assert main(base + ["--epochs", "6", "--resume"]) == 1
    err = capsys.readouterr().err
    assert "planned for --epochs 2" in err and "--extend" in err and "another --checkpoint PATH" in err
    assert "=" not in err.split("run.pt")[1]  # flags, not the library's parameter names
    assert main(base + ["--resume", "--seed", "3"]) == 1
    assert "--seed 0 (this run: --seed 3)" in capsys.readouterr().err
    assert torch.load(path, weights_only=True)["epoch"] == 2  # nothing was trained or written
    # --extend: the extra epochs at the final rate; the learning rate never jumps back up
    assert main(base + ["--epochs", "6", "--resume", "--extend"]) == 0
    assert _lrs(path) == [0.1, 0.001, 0.001, 0.001, 0.001, 0.001]
    assert "extending the run from 2 to 6 epochs" in capsys.readouterr().out
    # resuming a finished run without --epochs: nothing left to do, nothing changes
    assert main(base + ["--resume"]) == 0 and _lrs(path) == [0.1, 0.001] + [0.001] * 4
    # a run split with --until-epoch continues its own (6-epoch) schedule
    split = tmp_path / "split.pt"
    args = ["train", "--model", "lenet5_modern", "--data", "digits", "--checkpoint", str(split), "--device",
            "cpu", "--batch-size", "128", "--no-progress", "--epochs", "4"]
    assert main(args + ["--until-epoch", "1"]) == 0
    assert main(args + ["--resume"]) == 0
    assert _lrs(split) == [0.1, 0.1, 0.01, 0.001]
    # fewer epochs than planned on resume: refused, pointing at --until-epoch
    assert main(args[:-1] + ["2", "--resume"]) == 1
    assert "--until-epoch 2" in capsys.readouterr().err


def test_googlenet_aux_losses_weighted_03():
    from cnncourse.models.googlenet import GoogLeNetOutput
    from cnncourse.train import _loss

    g = torch.Generator().manual_seed(0)
    main_, a1, a2 = (torch.randn(4, 10, generator=g) for _ in range(3))
    y = torch.tensor([1, 2, 3, 4])
    loss, logits = _loss(GoogLeNetOutput(main_, a1, a2), y, 0.3)
    ce = torch.nn.functional.cross_entropy
    assert torch.allclose(loss, ce(main_, y) + 0.3 * (ce(a1, y) + ce(a2, y))) and logits is main_


def test_history_plot():
    import matplotlib

    matplotlib.use("Agg")
    h = History()
    h.append(epoch=1, train_loss=1.0, train_error=50.0, test_error=60.0, lr=0.1, seconds=1.0)
    ax = h.plot(label="x")
    assert len(ax.lines) == 2
    assert History.from_dict(h.to_dict()) == h


def test_cli_train_writes_a_checkpoint_and_resumes(tmp_path, capsys):
    path = tmp_path / "lenet.pt"
    args = ["train", "--model", "lenet5_modern", "--data", "digits", "--checkpoint", str(path),
            "--device", "cpu", "--batch-size", "128", "--lr", "0.05"]
    assert main(args + ["--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert "epoch   1/2" in out and "epoch   2/2" in out and "budget: 2 epochs × 11 steps" in out
    assert torch.load(path, weights_only=True)["epoch"] == 2
    assert main(args + ["--epochs", "3", "--resume", "--extend"]) == 0
    out = capsys.readouterr().out
    assert "resumed from" in out and "epoch   3/3" in out and "epoch   1/3" not in out
    state = torch.load(path, weights_only=True)
    assert state["epoch"] == 3 and state["step"] == 33 and len(state["history"]["epoch"]) == 3
    assert math.isfinite(state["history"]["test_error"][-1])
    # another model on this checkpoint: a message, exit status 1
    assert main(["train", "--model", "lenet5", "--data", "digits", "--checkpoint", str(path),
                 "--device", "cpu", "--epochs", "4", "--resume"]) == 1
    assert "written for model 'lenet5_modern'" in capsys.readouterr().err
