"""Class grading: ``hw.save`` submission files and ``python -m cnncourse grade`` on 30 of them,
including broken, empty, oversized and foreign files, which are reported by name without
stopping the batch. No submission's content is ever executed."""
import contextlib
import csv
import io
import json
import os
import random
import re
import time
from pathlib import Path

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
    assert main(["grade", "googlenet", *files, "--csv", str(scores), "--feedback", str(feedback)]) == 1
    captured = capsys.readouterr()
    printed = captured.out
    assert "error: 6 of 30 files not graded" in captured.err  # the batch finished; the status says so
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


# ----------------------------------------------------------------------------- a hostile class

def _raw(path, student, answers=None):
    """A submission written by hand, as hw.save would refuse to: any id, lone surrogates too."""
    record = {"format": "cnncourse-submission", "assignment": "googlenet", "student": student,
              "checker_version": googlenet.CHECKER_VERSION,
              "answers": {"aux": {"evaluation": "C"}} if answers is None else answers}
    path = Path(path) if not isinstance(path, bytes) else path
    with open(path, "wb") as f:
        f.write(json.dumps(record).encode("ascii"))
    return path


def _grade(*args):
    """Run the grade command; (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["grade", *map(str, args)])
    return status, out.getvalue(), err.getvalue()


def _rows(path):
    return list(csv.DictReader(Path(path).open(encoding="utf-8", newline="")))


def test_names_that_are_not_utf8_and_ids_with_lone_surrogates(tmp_path):
    """A Korean name zipped on Windows (CP949) and unpacked on Linux, bytes that are neither,
    and an id holding half a character: each is one row; before, the run stopped."""
    folder = os.fsencode(tmp_path / "class")
    os.mkdir(folder)
    _raw(os.path.join(folder, "홍길동".encode("cp949") + b".json"), "20240001")
    _raw(os.path.join(folder, b"\xff\xfe\xfd.json"), "20240002")
    _raw(os.path.join(folder, b"s3.json"), "kim\ud800")
    status, out, _ = _grade("googlenet", tmp_path / "class", "--csv", tmp_path / "s.csv",
                            "--feedback", tmp_path / "fb")
    assert status == 0 and "3 files, 3 graded" in out
    rows = {r["file"]: r for r in _rows(tmp_path / "s.csv")}
    assert set(rows) == {"홍길동.json", "\\xff\\xfe\\xfd.json", "s3.json"}
    assert "CP949" in rows["홍길동.json"]["message"] and "\\xNN" in rows["\\xff\\xfe\\xfd.json"]["message"]
    assert rows["s3.json"]["student"] == "kim\\ud800"
    assert sorted(p.name for p in (tmp_path / "fb").iterdir()) == ["20240001.txt", "20240002.txt", "kim_ud800.txt"]


def test_deep_json_and_a_slow_comment_are_one_row_each(tmp_path):
    (tmp_path / "deep.json").write_text("[" * 100_000)
    (tmp_path / "deep2.json").write_text('{"a": ' * 900 + "1" + "}" * 900)
    comments = {str(n): "channels" + " " * 980 + "x y" for n in range(1, 21)}
    _raw(tmp_path / "slow.json", "20240003", {"comments": comments})
    start = time.perf_counter()
    status, out, err = _grade("googlenet", tmp_path, "--csv", tmp_path / "s.csv")
    assert time.perf_counter() - start < 10  # before: a minute for this file, RecursionError for the others
    assert status == 1 and "error: 2 of 3 files not graded" in err
    rows = {r["file"]: r for r in _rows(tmp_path / "s.csv")}
    assert "nested more than 16 levels deep" in rows["deep.json"]["message"]
    assert "nested more than 16 levels deep" in rows["deep2.json"]["message"]
    assert rows["slow.json"]["status"] == "graded"


def test_csv_cells_never_run_as_formulas_and_ids_stay_on_one_line(tmp_path):
    ids = ['=HYPERLINK("http://evil.example","click")', "+1", "-2+3", "@SUM(A1)", "\tkim", "lee\r\nStudent: park",
           "\u202egpj.exe", "nul\x00byte", "para\u2029graph"]
    for i, student in enumerate(ids):
        _raw(tmp_path / f"s{i}.json", student)
    _raw(tmp_path / "=1+1.json", "20240009")
    status, _, _ = _grade("googlenet", tmp_path, "--csv", tmp_path / "s.csv", "--feedback", tmp_path / "fb")
    assert status == 0
    text = (tmp_path / "s.csv").read_text(encoding="utf-8")
    assert len(text.splitlines()) == len(ids) + 2  # a header and one line per file
    assert not re.search(r"[\x00-\x08\x0b-\x1f\u202a-\u202e\u2066-\u2069\u2028\u2029]", text.replace("\r\n", ""))
    for row in _rows(tmp_path / "s.csv"):
        for value in row.values():
            assert value[:1] not in ("=", "+", "-", "@", "\t", "\r"), row
    assert {r["student"] for r in _rows(tmp_path / "s.csv")} >= {"'=HYPERLINK(\"http://evil.example\",\"click\")",
                                                                          "\\u202egpj.exe", "lee\\r\\nStudent: park"}
    for path in (tmp_path / "fb").iterdir():
        assert not re.search(r"[^\w.~-]", path.name), path.name
        head = path.read_text(encoding="utf-8").splitlines()[:2]
        assert head[0].startswith("Student: ") and head[1].startswith("File: ")
        assert not re.search(r"[\x00-\x1f\u202a-\u202e\u2028\u2029]", "".join(head))


def test_outputs_that_would_replace_an_input_are_refused_before_grading(tmp_path):
    sub = googlenet.save({"aux": {"evaluation": "C"}}, tmp_path / "kim.json", student="kim")
    txt = _raw(tmp_path / "lee.txt", "lee")
    before = sub.read_bytes(), txt.read_bytes()
    status, out, err = _grade("googlenet", sub, txt, "--csv", sub)
    assert status == 2 and "the CSV file" in err and "is one of the submissions" in err and out == ""
    status, out, err = _grade("googlenet", sub, txt, "--feedback", tmp_path)
    assert status == 2 and "holds the submission lee.txt" in err and out == ""
    assert (sub.read_bytes(), txt.read_bytes()) == before
    (tmp_path / "plain").write_text("a file")
    status, _, err = _grade("googlenet", sub, "--csv", tmp_path / "plain" / "s.csv", "--feedback", tmp_path / "fb")
    assert status == 2 and "is a file, not a folder" in err
    assert not (tmp_path / "fb").exists()  # checked before grading: nothing was written


def test_a_link_planted_in_the_feedback_folder_is_not_followed(tmp_path):
    sub = _raw(tmp_path / "kim.json", "kim")
    precious = tmp_path / "precious.txt"
    precious.write_text("the teacher's notes")
    (tmp_path / "fb").mkdir()
    (tmp_path / "fb" / "kim.txt").symlink_to(precious)
    (tmp_path / "fb" / "lee.txt").symlink_to(tmp_path / "nowhere.txt")  # a dangling one
    _raw(tmp_path / "lee.json", "lee")
    (tmp_path / "fb" / "park.txt").mkdir()  # a folder by that name: another name is taken
    _raw(tmp_path / "park.json", "park")
    assert _grade("googlenet", sub, tmp_path / "lee.json", tmp_path / "park.json",
                  "--feedback", tmp_path / "fb")[0] == 0
    assert precious.read_text() == "the teacher's notes" and not (tmp_path / "nowhere.txt").exists()
    assert not (tmp_path / "fb" / "kim.txt").is_symlink()
    assert (tmp_path / "fb" / "kim.txt").read_text(encoding="utf-8").startswith("Student: kim")
    assert (tmp_path / "fb" / "park~2.txt").read_text(encoding="utf-8").startswith("Student: park")


def test_a_folder_without_submissions_is_a_row_too(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not a submission")
    status, out, err = _grade("googlenet", tmp_path / "empty", "--csv", tmp_path / "s.csv")
    assert status == 1 and "1 of 1 files not graded" in err
    assert [r["message"] for r in _rows(tmp_path / "s.csv")] == ["a folder with no .json files in it"]


def test_duplicate_ids_are_flagged_and_feedback_never_goes_under_another_name(tmp_path):
    for i, student in enumerate(["kim", "kim", "kim-2", "KIM", "kim~2", "ｋｉｍ"]):
        _raw(tmp_path / f"s{i}.json", student)
    status, out, _ = _grade("googlenet", tmp_path, "--csv", tmp_path / "s.csv", "--feedback", tmp_path / "fb")
    assert status == 0
    rows = {r["file"]: r for r in _rows(tmp_path / "s.csv")}
    for name in ("s0.json", "s1.json", "s3.json", "s5.json"):  # kim, kim, KIM, ｋｉｍ: one student?
        assert "the same student id is also in" in rows[name]["message"]
    assert "also in" not in rows["s2.json"]["message"] and "also in" not in rows["s4.json"]["message"]
    assert "one student id in 4 files" in out
    for row in rows.values():
        text = (tmp_path / "fb" / row["feedback_file"]).read_text(encoding="utf-8")
        assert text.startswith(f"Student: {row['student']}\nFile: {row['file']}\n")
    assert rows["s2.json"]["feedback_file"] == "kim-2.txt"
    assert len({r["feedback_file"].casefold() for r in rows.values()}) == 6  # distinct on any file system


def test_long_names_stay_under_255_bytes(tmp_path):
    """Ids and file names in a script of 4-byte characters, given twice, and not graded: before,
    '<60 characters>.not-graded-2.txt' was 257 bytes and the run stopped."""
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / ("𠀀" * 60 + ".json")).write_text("{")
        _raw(tmp_path / folder / "s.json", "𠀀" * 300)
    status, _, _ = _grade("googlenet", tmp_path / "a", tmp_path / "b", "--feedback", tmp_path / "fb")
    assert status == 1
    names = [os.fsencode(p.name) for p in (tmp_path / "fb").iterdir()]
    assert len(names) == 4 and max(map(len, names)) <= 255


def test_median_of_an_even_count(tmp_path, capsys):
    resnet.save({"degradation": "B"}, tmp_path / "a.json", student="a")
    resnet.save({"degradation": "B", "figure4": "A"}, tmp_path / "b.json", student="b")
    results = grading.grade("resnet", [tmp_path / "a.json", tmp_path / "b.json"])
    scores = sorted(100 * g.report.score for g in results)
    assert scores[0] < scores[1]
    assert f"median {(scores[0] + scores[1]) / 2:.1f}%" in capsys.readouterr().out


def test_feedback_for_a_huge_submission_is_short(tmp_path):
    _raw(tmp_path / "big.json", "kim", {"comments": {f"c{i}": "a b" for i in range(50_000)},
                                        **{f"k{i}": 1 for i in range(10_000)}})
    assert (tmp_path / "big.json").stat().st_size > 800_000
    start = time.perf_counter()
    assert _grade("googlenet", tmp_path / "big.json", "--feedback", tmp_path / "fb")[0] == 0
    assert time.perf_counter() - start < 10
    assert (tmp_path / "fb" / "kim.txt").stat().st_size < 30_000  # before: 20 MB


def test_the_csv_is_replaced_whole_or_not_at_all(tmp_path, monkeypatch):
    _raw(tmp_path / "kim.json", "kim")
    scores = tmp_path / "out" / "s.csv"
    scores.parent.mkdir()
    scores.write_text("last week's scores\n")

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", full_disk)
    status, out, err = _grade("googlenet", tmp_path / "kim.json", "--csv", scores)
    assert status == 2 and "could not be written (No space left on device)" in err
    assert "1 graded" in out  # the summary came first
    assert scores.read_text() == "last week's scores\n" and os.listdir(scores.parent) == ["s.csv"]


def test_the_grade_command_is_defined_in_the_cli_only():
    """Every subcommand lives in cli.py; grading keeps a plain function API."""
    import inspect

    from cnncourse import cli

    assert "add_argument" not in inspect.getsource(grading) and not hasattr(grading, "add_parser")
    assert "grade" in cli.build_parser().format_help()
