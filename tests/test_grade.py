"""Class grading: ``hw.save`` submission files and ``python -m cnncourse grade`` on 30 of them,
including broken, empty, oversized and foreign files, which are reported by name without
stopping the batch. No submission's content is ever executed."""
import csv
import json
import random

import numpy as np
import pytest
import torch

from cnncourse.cli import main
from cnncourse.exercises import googlenet, grading, resnet

GOOD_COMMENTS_EN = ["explains what this line computes", "keeps the spatial size of the map"]
GOOD_COMMENTS_KO = ["이 줄이 하는 일을 설명한다", "공간 크기를 그대로 유지한다"]


def _student_answers(rng, korean):
    """A realistic, partly right answer set: shapes mostly right, some wrong, comments in one language."""
    shapes = googlenet._shapes()
    answers = {"shapes": {}, "concat": {}, "comments": {}}
    for name in googlenet.SHAPE_LAYERS:
        shape = shapes[name]
        roll = rng.random()
        if roll < 0.7:
            answers["shapes"][name] = np.array(shape) if roll < 0.1 else tuple(shape)
        elif roll < 0.8:
            answers["shapes"][name] = (shape[1], shape[2], shape[0])  # H×W×C
        elif roll < 0.9:
            answers["shapes"][name] = (shape[0] + 16, shape[1], shape[2])
    for name in googlenet.INCEPTION_MODULES:
        if rng.random() < 0.8:
            answers["concat"][name] = shapes[name][0] if rng.random() < 0.8 else torch.tensor(shapes[name][0] - 1)
    pool = GOOD_COMMENTS_KO if korean else GOOD_COMMENTS_EN
    for line in googlenet.handout():
        if rng.random() < 0.85:
            answers["comments"][line.number] = rng.choice(pool) if rng.random() < 0.9 else "aaaaaaaaaaaaaaa"
    answers["aux"] = {"training": rng.choice("ABCD"), "evaluation": "C"}
    answers["macs"] = {"with_reduction": 1.28e8 if rng.random() < 0.5 else 128}
    return answers


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """30 files: 24 saved by hw.save (one with a student id that tries to escape the folder),
    then broken JSON, an empty file, an oversized one, a resnet submission, a JSON that is not
    a submission, and binary garbage."""
    folder = tmp_path_factory.mktemp("class")
    rng = random.Random(0)
    for i in range(24):
        student = f"2024{i:04d}" if i != 23 else "../../etc/passwd"
        googlenet.save(_student_answers(rng, korean=i % 2 == 0), folder / f"s{i:02d}.json", student=student)
    (folder / "s24.json").write_text('{"format": "cnncourse-submission", "answers": {', encoding="utf-8")
    (folder / "s25.json").write_text("", encoding="utf-8")
    (folder / "s26.json").write_text(json.dumps({"format": "cnncourse-submission", "assignment": "googlenet",
                                                 "student": "big", "answers": {"x": "a" * 2_000_000}}))
    resnet.save({"degradation": "B"}, folder / "s27.json", student="20249999")
    (folder / "s28.json").write_text(json.dumps({"shapes": {"conv1": [64, 112, 112]}}))
    (folder / "s29.json").write_bytes(bytes(range(256)) * 4)
    return folder


def test_save_writes_a_json_submission(tmp_path):
    answers = {"shapes": {"conv1": torch.Size([64, 112, 112])}, "concat": {"inception3a": np.int64(256)},
               "comments": {1: "정의: LRN 모듈을 만든다"}}
    path = googlenet.save(answers, tmp_path / "me.json", student="홍길동")
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["assignment"] == "googlenet" and record["student"] == "홍길동"
    assert record["checker_version"] == googlenet.CHECKER_VERSION and record["saved_at"]
    assert record["answers"]["shapes"]["conv1"] == [64, 112, 112]
    report = googlenet.check(record["answers"])  # what the grader will see
    assert report["shapes['conv1']"].correct and report["concat['inception3a']"].correct
    assert report["comments[1]"].correct
    with pytest.raises(ValueError, match="student must be a non-empty string"):
        googlenet.save(answers, tmp_path / "x.json", student="")
    with pytest.raises(ValueError, match="cannot save a object|cannot save an object"):
        googlenet.save({"shapes": {"conv1": object()}}, tmp_path / "x.json", student="a")


def test_grade_a_class_of_30(classroom, tmp_path, capsys):
    files = sorted(str(p) for p in classroom.iterdir())
    assert len(files) == 30
    scores, feedback = tmp_path / "scores.csv", tmp_path / "feedback"
    assert main(["grade", "googlenet", *files, "--csv", str(scores), "--feedback", str(feedback)]) == 0
    printed = capsys.readouterr().out
    assert "googlenet: 30 files, 24 graded, 6 not graded" in printed
    rows = list(csv.DictReader(scores.open(encoding="utf-8")))
    assert len(rows) == 30
    by_file = {r["file"]: r for r in rows}
    assert all(by_file[f"s{i:02d}.json"]["status"] == "graded" for i in range(24))
    reasons = {f"s{i}.json": by_file[f"s{i}.json"]["message"] for i in range(24, 30)}
    assert "not valid JSON" in reasons["s24.json"]
    assert reasons["s25.json"] == "empty file"
    assert "too large" in reasons["s26.json"]
    assert "assignment 'resnet'" in reasons["s27.json"]
    assert "not a cnncourse submission" in reasons["s28.json"]
    assert "not a text file" in reasons["s29.json"] or "not valid JSON" in reasons["s29.json"]
    for name in reasons:
        assert name in printed  # each bad file named on the console
    scores_given = [float(by_file[f"s{i:02d}.json"]["score_percent"]) for i in range(24)]
    assert 10 < min(scores_given) <= max(scores_given) < 90  # partly right, all different
    assert int(by_file["s00.json"]["comments_correct"]) > 0
    # one feedback file per file, none outside the folder
    written = sorted(p.name for p in feedback.iterdir())
    assert len(written) == 30 and "etc_passwd.txt" in written
    assert not (tmp_path / "etc").exists()
    text = (feedback / "20240001.txt").read_text(encoding="utf-8")
    assert text.startswith("Student: 20240001") and "GoogLeNet annotation (assignment 1)" in text


def test_grade_runs_no_student_code(tmp_path):
    marker = tmp_path / "ran"
    payload = f"__import__('pathlib').Path({str(marker)!r}).write_text('x')"
    googlenet.save({"comments": {1: payload}, "shapes": {"conv1": payload}}, tmp_path / "evil.json", student="e")
    graded = grading.grade_file("googlenet", tmp_path / "evil.json")
    assert graded.ok and not marker.exists()
    assert graded.report["shapes['conv1']"].status == "malformed"


def test_grade_resnet_folder(tmp_path, capsys):
    resnet.save({"degradation": "B", "figure4": "A", "dHdx_at_2": 4.0}, tmp_path / "a.json", student="kim")
    (tmp_path / "notes.txt").write_text("not a submission")  # folders: only *.json files are read
    assert main(["grade", "resnet", str(tmp_path), "--csv", str(tmp_path / "s.csv")]) == 0
    rows = list(csv.DictReader((tmp_path / "s.csv").open(encoding="utf-8")))
    assert len(rows) == 1 and rows[0]["correct"] == "2" and rows[0]["answered"] == "3"
    assert "resnet: 1 file, 1 graded, 0 not graded" in capsys.readouterr().out


def _deep(n):
    value = 1
    for _ in range(n):
        value = [value]
    return value


@pytest.mark.parametrize("answers, student, says", [
    ({"comments": {1: "a" * 2_000_000}}, "kim", "a file of 2,000,"),
    ({"shapes": {"conv1": _deep(5000)}}, "kim", "nested more than 16 levels deep"),
    ({"comments": {1: "explains it", "1": "explains it too"}}, "kim", "would both be saved as '1'"),
    ({"comments": {1: "half a character: \ud800"}}, "kim", "lone surrogate"),
    ({"comments": {1: "x"}}, "kim\u202e", "does not print"),
    ({"comments": {1: "x"}}, "kim\n", None),  # white space around an id is trimmed, as before
], ids=["2MB-comment", "deep", "keys-1-and-'1'", "surrogate", "bidi-id", "newline-at-end"])
def test_save_refuses_what_grade_would_refuse(tmp_path, answers, student, says):
    path = tmp_path / "me.json"
    if says is None:
        googlenet.save(answers, path, student=student)
        assert grading.grade_file("googlenet", path).student == "kim"
        return
    with pytest.raises(ValueError, match=says):
        googlenet.save(answers, path, student=student)
    assert not list(tmp_path.iterdir())  # nothing written


def test_save_refuses_itself(tmp_path):
    answers = {"comments": {}}
    answers["comments"][1] = answers  # contains itself
    with pytest.raises(ValueError, match="or it contains itself"):
        resnet.save(answers, tmp_path / "never.json", student="kim")


def test_save_errors_name_the_file_asked_for(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="folder .*missing does not exist"):
        googlenet.save({}, tmp_path / "missing" / "me.json", student="kim")
    with pytest.raises(ValueError, match="is a folder"):
        googlenet.save({}, tmp_path, student="kim")
    path = googlenet.save({"comments": {1: "first version"}}, tmp_path / "me.json", student="kim")
    before = path.read_bytes()

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", full_disk)
    with pytest.raises(OSError, match=r"cannot save the submission to .*me\.json: No space left") as error:
        googlenet.save({"comments": {1: "second version"}}, path, student="kim")
    assert ".tmp" not in str(error.value)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["me.json"]
