"""The training loop: exact resume, refused checkpoints, NaN stop, schedules, and the CLI."""
import math
import os

import pytest
import torch

from cnncourse import data, get_model
from cnncourse import train as train_module
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


def _nan_from_step(monkeypatch, first_bad: int):
    """Make the training loss NaN from optimizer step ``first_bad`` on (counted from 0)."""
    real, steps = train_module._loss, []

    def loss(output, target, aux_weight):
        value, logits = real(output, target, aux_weight)
        steps.append(1)
        return (value * float("nan") if len(steps) > first_bad else value), logits

    monkeypatch.setattr(train_module, "_loss", loss)


def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(small, tmp_path, monkeypatch):
    path = tmp_path / "n.pt"
    _nan_from_step(monkeypatch, 256 // 64)  # the first step of epoch 2
    with pytest.raises(TrainingDiverged, match=r"epoch 2 .*NaN or infinite.*after epoch 1\) is kept") as info:
        _fit(small, name="plain20", checkpoint=path)
    state = load_checkpoint(path, "plain20")
    assert state["epoch"] == 1
    assert all(torch.isfinite(t).all() for t in state["model"].values() if t.is_floating_point())
    # the advice works: a resumed run keeps its learning rate, so it says a new run with a lower one
    advice = str(info.value)
    assert "lr=0.01" in advice and "overwrite=True" in advice and "resume=True" not in advice
    monkeypatch.undo()
    run = _fit(small, name="plain20", checkpoint=path, lr=0.01, overwrite=True)
    assert run.history.epoch == [1, 2] and load_checkpoint(path)["epoch"] == 2


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


# --- nothing trained is lost (issue 17) ------------------------------------------------------

def _cut(s, n):
    return ImageSet(s.name, s.train, s.images[:n], s.labels[:n], s.mean, s.std, s.classes, s.flip)


def test_resume_on_a_training_set_of_another_size_is_refused(small, tmp_path):
    path = tmp_path / "r.pt"
    _fit((small[0], small[1]), epochs=2, until_epoch=1, checkpoint=path)
    bigger = _cut(data.digits(device="cpu", size=8), 320)  # 5 steps per epoch instead of 4
    with pytest.raises(CheckpointError, match=r"trained on 256 images of digits \(4 steps per epoch\), "
                                              r"this run's training set has 320 \(5 steps"):
        _fit((bigger, small[1]), checkpoint=path, resume=True)
    same_steps = _cut(bigger, 300)  # 300 // 64 is 4 steps too: the size itself is compared
    with pytest.raises(CheckpointError, match="trained on 256 images of digits"):
        _fit((same_steps, small[1]), checkpoint=path, resume=True)
    assert torch.load(path, weights_only=True)["epoch"] == 1


def test_an_existing_checkpoint_is_replaced_only_when_asked(small, tmp_path, capsys):
    path = tmp_path / "r.pt"
    _fit(small, epochs=1, checkpoint=path)
    before = path.read_bytes()
    with pytest.raises(CheckpointError, match=r"exists already; continue its run with resume=True \(or "
                                              r"resume='auto'\), replace it with overwrite=True"):
        _fit(small, epochs=1, checkpoint=path)
    assert path.read_bytes() == before  # refused before training: nothing replaced
    assert _fit(small, epochs=2, checkpoint=path, resume="auto", extend=True).history.epoch == [1, 2]
    assert _fit(small, epochs=1, checkpoint=path, overwrite=True).history.epoch == [1]
    # the command line says it with its flags
    args = ["train", "--model", "lenet5_modern", "--data", "digits", "--checkpoint", str(path), "--device",
            "cpu", "--epochs", "1", "--no-progress"]
    assert main(args) == 1
    assert "continue its run with --resume (or --resume auto), replace it with --overwrite" in \
        capsys.readouterr().err
    assert main(args + ["--overwrite"]) == 0
    assert torch.load(path, weights_only=True)["model_name"] == "lenet5_modern"


def test_bad_options_and_targets_are_refused_before_training(small, tmp_path, monkeypatch):
    from cnncourse import utils

    epochs = []
    real_epoch = train_module._train_epoch
    monkeypatch.setattr(train_module, "_train_epoch", lambda *a: epochs.append(1) or real_epoch(*a))
    with pytest.raises(ValueError, match="checkpoint_every must be a positive integer, got 0"):
        _fit(small, checkpoint=tmp_path / "a.pt", checkpoint_every=0)
    with pytest.raises(ValueError, match=r"extend=True extends a resumed run; pass resume=True"):
        _fit(small, checkpoint=tmp_path / "a.pt", extend=True)
    with pytest.raises(CheckpointError, match=r"the checkpoint .* is a folder; give a file name"):
        _fit(small, checkpoint=tmp_path)  # a folder, e.g. --checkpoint drive/ instead of drive/r20.pt
    (tmp_path / "folder").mkdir()
    with pytest.raises(CheckpointError, match="folder is a folder; give a file name"):
        _fit(small, checkpoint=tmp_path / "folder", resume="auto")

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    with monkeypatch.context() as m:  # chmod does not stop root, so the file system refuses here
        m.setattr(utils.tempfile, "mkstemp", read_only)
        with pytest.raises(CheckpointError, match=r"cannot write the checkpoint .*a.pt: no permission to "
                                                  r"write in"):
            _fit(small, checkpoint=tmp_path / "ro" / "a.pt")
    with monkeypatch.context() as m:
        m.setattr(utils.shutil, "disk_usage", lambda p: shutil_usage(1 << 30, (1 << 30) - 4096, 4096))
        with pytest.raises(CheckpointError, match=r"not enough free space for the checkpoint .*a.pt: it "
                                                  r"needs about .* MB and .* has 0.0 MB free"):
            _fit(small, checkpoint=tmp_path / "a.pt")
    assert epochs == [] and not (tmp_path / "a.pt").exists()
    # a disk that fills up during the run: torch's cryptic message becomes one that names the cause
    monkeypatch.setattr(train_module.torch, "save", lambda *a, **k: (_ for _ in ()).throw(RuntimeError(
        "[enforce fail at inline_container.cc:664] . PytorchStreamWriter failed writing file data/0: "
        "file write failed")))
    with pytest.raises(CheckpointError, match=r"could not write the checkpoint .*a.pt: the write failed "
                                              r"\(.* MB free in .*: is the disk full\?\)\. The previous"):
        _fit(small, checkpoint=tmp_path / "a.pt")
    assert sorted(os.listdir(tmp_path)) == ["folder", "ro"]  # no temporary file left behind


def shutil_usage(total, used, free):
    import shutil

    return shutil._ntuple_diskusage(total, used, free)


@pytest.fixture(scope="module")
def one_epoch(small, tmp_path_factory):
    """The checkpoint of ResNet-20 after epoch 1 of 2."""
    path = tmp_path_factory.mktemp("one_epoch") / "r20.pt"
    _fit(small, until_epoch=1, checkpoint=path)
    return path


@pytest.mark.parametrize("edit,problem", [
    (lambda s: s.update(epoch=5), "epoch 5 is outside the plan of 2 epochs"),
    (lambda s: s.update(epoch=-1), "epoch -1 and step 4 are not counts from 1"),
    (lambda s: s.update(step=3), "step 3 is not epoch 1 × 4 steps per epoch"),
    (lambda s: s.pop("optimizer"), "it has no 'optimizer'"),
    (lambda s: s["history"].update(epoch=[7]), r"the history has epochs \[7\], not 1 to 1"),
    (lambda s: s["config"].update(lr="fast"), "lr must be a finite number > 0, got 'fast'"),
])
def test_hand_edited_checkpoints_are_refused(small, one_epoch, tmp_path, edit, problem):
    path = tmp_path / "e.pt"
    state = torch.load(one_epoch, weights_only=True)
    edit(state)
    torch.save(state, path)
    with pytest.raises(CheckpointError, match=r"e.pt is damaged or was edited by hand: " + problem):
        _fit(small, checkpoint=path, resume=True)


def test_a_refused_unpickling_is_reported_without_torchs_advice(tmp_path):
    import warnings

    path = tmp_path / "x.pt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.save({"format": "cnncourse-checkpoint", "s": frozenset([1])}, path, pickle_protocol=4)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path)
    message = str(info.value)
    assert "WeightsUnpickler error: Unsupported operand 149" in message
    assert "file an issue" not in message and "weights_only` set to `False`" not in message


def test_seeds_beyond_64_bits_are_refused(capsys):
    with pytest.raises(ValueError, match=r"seed must be an integer from 0 to 2\*\*64 - 1, got 18446744073709551616"):
        TrainConfig(seed=2**64)
    with pytest.raises(ValueError, match="seed must be an integer from 0 to"):
        seed_everything(-1)
    TrainConfig(seed=2**64 - 1)  # the largest torch takes
    assert main(["train", "--model", "lenet5_modern", "--data", "digits", "--seed", str(2**64)]) == 2
    assert "error: --seed must be an integer from 0 to 2**64 - 1" in capsys.readouterr().err


def test_cli_train_reports_progress_when_not_on_a_terminal(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(train_module, "PROGRESS_EVERY_S", 0.0)  # a line at every check (every 10 steps)
    assert main(["train", "--model", "lenet5_modern", "--data", "digits", "--device", "cpu", "--epochs", "1",
                 "--batch-size", "128"]) == 0
    out = capsys.readouterr().out
    assert "  epoch 1/1: step 10/11  loss" in out and "  epoch 1/1: step 11/11" in out
    assert main(["train", "--model", "lenet5_modern", "--data", "digits", "--device", "cpu", "--epochs", "1",
                 "--batch-size", "128", "--no-progress"]) == 0
    assert "step 10/11" not in capsys.readouterr().out


CHILD = """
import pathlib, sys, time
import cnncourse.train as t
go, real, calls = pathlib.Path(sys.argv[1]), t.evaluate, []
def evaluate(*args, **kwargs):  # epoch 2 waits until the parent has read epoch 1's line
    calls.append(1)
    while len(calls) == 2 and not go.exists():
        if time.time() - start > 15:
            sys.exit(3)  # the parent never saw the line: it is stuck in a buffer
        time.sleep(0.05)
    return real(*args, **kwargs)
t.evaluate, start = evaluate, time.time()
from cnncourse.cli import main
sys.exit(main(["train", "--model", "lenet5_modern", "--data", "digits", "--device", "cpu",
               "--epochs", "2", "--batch-size", "128"]))
"""


def test_epoch_lines_reach_a_pipe_while_training(tmp_path):
    """`!python -m cnncourse train` in Colab and `... > log` read a pipe or a file: each epoch's
    line must be there when the epoch ends, not when the buffer fills or the process exits."""
    import subprocess
    import sys

    go = tmp_path / "go"
    env = {**os.environ, "PYTHONUNBUFFERED": ""}
    env.pop("PYTHONUNBUFFERED")
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(go)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        for line in proc.stdout:
            if line.startswith("epoch   1/2"):
                go.touch()
                break
        assert proc.wait(timeout=60) == 0, "epoch 1's line did not come while epoch 2 waited for it"
    finally:
        proc.kill()
        proc.stdout.close()


def test_append_result_and_the_cli_results_file(tmp_path, capsys):
    import json

    results_file = tmp_path / "gpu_runs.json"
    base = ["train", "--model", "lenet5_modern", "--data", "digits", "--device", "cpu", "--epochs", "1",
            "--batch-size", "128", "--no-progress", "--results", str(results_file)]
    assert main(base) == 0 and main(base + ["--seed", "1"]) == 0
    runs = json.loads(results_file.read_text())["runs"]
    assert [(r["model"], r["seed"], r["epochs"], r["iterations"], r["device"]) for r in runs] == [
        ("lenet5_modern", 0, 1, 11, "cpu"), ("lenet5_modern", 1, 1, 11, "cpu")]
    for run in runs:
        assert run["history"]["epoch"] == [1] and run["final_test_error"] == round(
            run["history"]["test_error"][-1], 2) and run["wall_s"] >= 0 and "paper" not in run["schedule"][:0]
    capsys.readouterr()
    # a file that cannot take the result is refused before training, naming the file and the cause
    for content, cause in (("{broken", "is not valid JSON"), ("[1, 2]", "holds a JSON list, not an object"),
                           ('{"runs": 3}', "has a 'runs' entry that is not a list")):
        results_file.write_text(content)
        assert main(base + ["--checkpoint", str(tmp_path / "c.pt")]) == 2
        assert f"the results file {results_file} {cause}" in capsys.readouterr().err
        assert not (tmp_path / "c.pt").exists()


def test_pick_device(monkeypatch):
    from cnncourse.utils import pick_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert pick_device() == torch.device("cpu") and pick_device("cpu") == torch.device("cpu")
    assert pick_device(torch.device("cpu")) == torch.device("cpu")
    with pytest.raises(ValueError, match="no GPU is available here; use device='cpu'"):
        pick_device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device() == torch.device("cuda") and pick_device("cuda:1") == torch.device("cuda", 1)
    with pytest.raises(RuntimeError, match="Expected one of"):
        pick_device("tpu")
