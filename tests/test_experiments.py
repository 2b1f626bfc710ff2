"""`python -m cnncourse experiment`: the training chapter's runs, resumable, into a results file."""
from __future__ import annotations

import json
import shlex

import pytest

from cnncourse import cli, results
from cnncourse.experiments import EXPERIMENTS, Experiment, run_experiment
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
    names = sorted(p.name for p in ckpts.iterdir())  # named after the run and a digest of its recipe
    assert [n[:-len("_12345678.pt")] for n in names] == ["compare_fashion_mnist_lenet5_modern_0",
                                                         "compare_fashion_mnist_lenet5_modern_1"]
    assert "lenet5_modern seed 1:" in printed

    code, printed, _ = _run_cli(argv, capsys)  # the same line again, e.g. after a disconnect
    assert code == 0 and printed.count("skipped") == 2
    assert json.loads(out.read_text())["runs"] == stored["runs"]


def test_an_interrupted_experiment_continues_from_the_runs_checkpoint(tmp_path):
    """A run whose checkpoint exists but which never reached the results file (the session died
    between the two) is finished from the checkpoint, not trained again from scratch."""
    spec = Experiment("compare", TrainConfig(epochs=2, batch_size=50, lr=0.05), train_size=100,
                      test_size=100, models=["lenet5_modern"])
    options = dict(device="cpu", checkpoints=tmp_path / "ckpt", log=lambda line: None)
    first = run_experiment(spec, out=tmp_path / "a.json", **options)["runs"][0]
    again = run_experiment(spec, out=tmp_path / "b.json", **options)["runs"][0]
    assert again["history"] == first["history"]
    assert again["wall_s"] == first["wall_s"]  # the stored epoch times: nothing was re-trained


def test_bad_requests_are_refused_with_the_choices(tmp_path, capsys):
    code, _, err = _run_cli(["experiment", "compare", "--models", "plain20", "--out",
                             str(tmp_path / "x.json")], capsys)
    assert code == 2 and "has the models lenet5_modern, alexnet_small" in err and "plain20" in err
    with pytest.raises(ValueError, match="unknown experiment name='figure1'; choose one of degradation, compare"):
        Experiment("figure1", TrainConfig(epochs=1))
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
    models = args.models or EXPERIMENTS[args.name].models
    assert sorted((r["model"], r["seed"]) for r in runs) == sorted(
        (m, s) for m in models for s in args.seeds)
    for run in runs:
        assert run["experiment"] == args.name and run.get("data", "fashion_mnist") == args.data
        assert (run["train_images"], run["test_images"]) == (args.train_size, args.test_size)
        assert TrainConfig.from_dict(run["config"]) == args.options.config(args, seed=run["seed"])


def test_finished_runs_are_keyed_by_their_whole_recipe(tmp_path, capsys):
    """Another budget, subset or learning rate is another run: trained, not "already done"."""
    out, ckpts = tmp_path / "r.json", tmp_path / "ckpt"
    argv = ["experiment", "compare", "--models", "lenet5_modern", *TINY, "--out", str(out),
            "--checkpoints", str(ckpts)]
    assert _run_cli(argv, capsys)[0] == 0
    for change in (["--epochs", "3"], ["--train-size", "200"], ["--test-size", "50"], ["--lr", "0.05"]):
        code, printed, err = _run_cli(argv + change, capsys)
        assert code == 0 and "skipped" not in printed, err
    runs = json.loads(out.read_text())["runs"]
    assert [(r["config"]["epochs"], r["train_images"], r["test_images"], r["config"]["lr"]) for r in runs] == [
        (2, 100, 100, 0.1), (3, 100, 100, 0.1), (2, 200, 100, 0.1), (2, 100, 50, 0.1), (2, 100, 100, 0.05)]
    assert len(list(ckpts.iterdir())) == 5  # one checkpoint per recipe, none resumed on another's
    assert "skipped" in _run_cli(argv + ["--epochs", "3"], capsys)[1]


def test_two_writers_of_one_results_file_keep_both_runs(tmp_path, monkeypatch):
    """A second `experiment` process with the same --out appends while this one trains: both runs
    stay (the file is re-read and merged under a lock before each atomic write)."""
    from cnncourse import experiments

    out = tmp_path / "shared.json"
    other = {"experiment": "compare", "data": "fashion_mnist", "model": "resnet20", "seed": 7,
             "train_images": 100, "test_images": 100, "config": TrainConfig(seed=7).to_dict()}
    real_fit = experiments.fit

    def fit_while_another_process_writes(*args, **kwargs):
        run = real_fit(*args, **kwargs)
        results.add_run(out, other)  # the other process finished first
        return run

    monkeypatch.setattr(experiments, "fit", fit_while_another_process_writes)
    spec = Experiment("compare", TrainConfig(epochs=1, batch_size=50), train_size=100, test_size=100,
                      models=["lenet5_modern"])
    stored = run_experiment(spec, out=out, device="cpu", checkpoints=tmp_path / "c", log=lambda line: None)
    assert sorted((r["model"], r["seed"]) for r in stored["runs"]) == [("lenet5_modern", 0), ("resnet20", 7)]
    assert stored["machine"]["device_type"] == "cpu"


def test_results_writers_take_turns(tmp_path):
    import threading

    from cnncourse.utils import locked

    out = tmp_path / "r.json"
    done = threading.Event()
    with locked(out):
        writer = threading.Thread(target=lambda: (results.add_run(out, {"seed": 1}), done.set()))
        writer.start()
        assert not done.wait(0.5)  # waits for the lock
        out.write_text(json.dumps({"runs": [{"seed": 0}], "note": "kept"}))  # written under the lock
    writer.join(10)
    assert json.loads(out.read_text()) == {"runs": [{"seed": 0}, {"seed": 1}], "note": "kept"}
    assert not results.add_run(out, {"seed": 1, "again": True}, same=lambda r: r.get("seed") == 1)
    assert len(json.loads(out.read_text())["runs"]) == 2  # a run already there is not added twice


def test_bad_files_and_seeds_are_refused_before_training(tmp_path, capsys):
    out, ckpts = tmp_path / "r.json", tmp_path / "ckpt"
    argv = ["experiment", "compare", "--models", "lenet5_modern", *TINY, "--checkpoints", str(ckpts)]
    out.write_text('{"runs": [')
    code, _, err = _run_cli(argv + ["--out", str(out)], capsys)
    assert code == 2 and f"the results file {out} is not valid JSON (Expecting value at line 1" in err
    out.write_text('"runs"')
    code, _, err = _run_cli(argv + ["--out", str(out)], capsys)
    assert code == 2 and f"the results file {out} holds a JSON str, not an object" in err
    code, _, err = _run_cli(argv + ["--out", str(tmp_path)], capsys)
    assert code == 2 and "is a folder, not a JSON file" in err
    code, _, err = _run_cli(argv + ["--out", str(tmp_path / "new.json"), "--seeds", "0", str(2**64)], capsys)
    assert code == 2 and "--seeds must be integers from 0 to 2**64 - 1, got 18446744073709551616" in err
    assert not ckpts.exists() and not (tmp_path / "new.json").exists()  # nothing was trained
