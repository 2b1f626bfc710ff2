"""`python -m cnncourse experiment`: the training chapter's runs, resumable, into a results file."""
from __future__ import annotations

import json
import shlex

import pytest

from cnncourse import cli, results
from cnncourse.experiments import EXPERIMENTS, run_experiment
from cnncourse.train import TrainConfig

TINY = ["--train-size", "100", "--test-size", "100", "--epochs", "2", "--batch-size", "50"]


def _run_cli(argv, capsys):
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_writes_every_run_with_its_machine_and_command_then_skips_them(tmp_path, capsys):
    out, ckpts = tmp_path / "res" / "compare.json", tmp_path / "ckpt"
    argv = ["experiment", "compare", "--models", "lenet5_modern", "--seeds", "0", "1", *TINY,
            "--out", str(out), "--checkpoints", str(ckpts)]
    code, printed, err = _run_cli(argv, capsys)
    assert code == 0, err
    stored = json.loads(out.read_text())
    assert stored["command"] == "python -m cnncourse " + " ".join(map(shlex.quote, argv))
    assert stored["machine"]["device_type"] == "cpu" and stored["machine"]["torch"]
    assert [(r["model"], r["seed"]) for r in stored["runs"]] == [("lenet5_modern", 0),
                                                               ("lenet5_modern", 1)]
    for run in stored["runs"]:
        assert run["experiment"] == "compare" and run["data"] == "fashion_mnist"
        assert (run["train_images"], run["test_images"], run["iterations"]) == (100, 100, 4)
        assert run["params"] == 61_706 and run["macs"] == 416_520  # LeNet-5 on 1×32×32
        assert run["history"]["epoch"] == [1, 2] and len(run["history"]["test_error"]) == 2
        assert run["config"]["seed"] == run["seed"]
    assert sorted(p.name for p in ckpts.iterdir()) == [
        "compare_fashion_mnist_lenet5_modern_0.pt", "compare_fashion_mnist_lenet5_modern_1.pt"]
    assert "lenet5_modern seed 1:" in printed

    code, printed, _ = _run_cli(argv, capsys)  # the same line again, e.g. after a disconnect
    assert code == 0 and printed.count("skipped") == 2
    assert json.loads(out.read_text())["runs"] == stored["runs"]


def test_an_interrupted_experiment_continues_from_the_runs_checkpoint(tmp_path):
    """A run whose checkpoint exists but which never reached the results file (the session died
    between the two) is finished from the checkpoint, not trained again from scratch."""
    config = TrainConfig(epochs=2, batch_size=50, lr=0.05)
    options = dict(train_size=100, test_size=100, models=["lenet5_modern"], device="cpu",
                   checkpoints=tmp_path / "ckpt", log=lambda line: None)
    first = run_experiment("compare", config, out=tmp_path / "a.json", **options)["runs"][0]
    again = run_experiment("compare", config, out=tmp_path / "b.json", **options)["runs"][0]
    assert again["history"] == first["history"]
    assert again["wall_s"] == first["wall_s"]  # the stored epoch times: nothing was re-trained


def test_bad_requests_are_refused_with_the_choices(tmp_path, capsys):
    code, _, err = _run_cli(["experiment", "compare", "--models", "plain20", "--out",
                             str(tmp_path / "x.json")], capsys)
    assert code == 2 and "has the models lenet5_modern, alexnet_small" in err and "plain20" in err
    with pytest.raises(ValueError, match="choose one of degradation, compare"):
        run_experiment("figure1", TrainConfig(epochs=1))
    assert not (tmp_path / "x.json").exists()


@pytest.mark.parametrize("name", ["fashion_mnist_degradation", "fashion_mnist_compare"])
def test_the_stored_results_name_a_command_that_asks_for_exactly_their_runs(name):
    """The chapter prints each stored file's command as the way to make it again: parsed by the
    command line, it must ask for the runs, recipe and subsets the file holds."""
    stored = results.load(name)
    words = shlex.split(stored["command"])
    assert words[:3] == ["python", "-m", "cnncourse"]
    args = cli.build_parser().parse_args(words[3:])
    runs = stored["runs"]
    models = args.models or EXPERIMENTS[args.name]
    assert sorted((r["model"], r["seed"]) for r in runs) == sorted(
        (m, s) for m in models for s in args.seeds)
    for run in runs:
        assert run["experiment"] == args.name and run.get("data", "fashion_mnist") == args.data
        assert (run["train_images"], run["test_images"]) == (args.train_size, args.test_size)
        config = TrainConfig.from_dict(run["config"])
        assert (config.epochs, config.batch_size, config.lr, config.warmup_steps) == (
            args.epochs, args.batch_size, args.lr, args.warmup_steps)
