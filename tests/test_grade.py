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

REPO = Path(__file__).resolve().parents[1]
KEYS = {a: json.loads((REPO / "book" / "teacher" / "questions" / f"{a}.json").read_text(encoding="utf-8"))
        ["release_key"] for a in ("googlenet", "resnet")}

def _comment(line, korean, rng):
    """A comment a student who read the line writes: its operation named (in the vocabulary of
    its kind) and, for a convolution, its kernel — sometimes a generic one that says nothing."""
    if rng.random() < 0.15:
        return "이 줄의 코드 설명" if korean else "explains the line"
    words = {"conv": ("합성곱", "convolution"), "pool": ("풀링", "pooling"), "lrn": ("정규화", "LRN"),
             "concat": ("이어 붙임", "concatenation"), "relu": ("ReLU", "ReLU"), "dropout": ("드롭아웃", "dropout"),
             "linear": ("완전 연결 층", "linear layer"), "flatten": ("펼치기", "flatten"), "loss": ("손실", "loss"),
             "aux": ("보조 분류기", "auxiliary head"), "inception": ("인셉션 모듈", "inception module"),
             "branch": ("브랜치", "branch"), "mode": ("학습 모드", "training mode"), "output": ("출력", "output"),
             "unpack": ("세 출력 분리", "unpack"), "input": ("입력", "input"), "args": ("인자", "arguments"),
             "network": ("네트워크", "network"), "training-output": ("학습 출력", "training output")}
    text = " 다음 ".join(words[k][0] if korean else words[k][1] for k in line.kinds)
    facts = googlenet.line_facts(line.number)
    if "conv" in line.kinds:
        text += f" {min(facts.kernels)}×{min(facts.kernels)}" if not facts.generic else " 커널과 채널" if korean \
            else " with its kernel and channels"
    return text


def _student_answers(rng, korean):
    """A realistic, partly right answer set: an input size of one's own, shapes mostly right, some
    in H×W×C or wrong, comments in one language, a few of them saying nothing."""
    size = rng.choice([160, 200, 256, 300])
    shapes = {name: googlenet._variant(size)[name]["out"] for name in googlenet.SHAPE_LAYERS}
    answers = {"input_size": size, "shapes": {}, "branches": {}, "comments": {}}
    for name in googlenet.SHAPE_LAYERS:
        shape = shapes[name]
        roll = rng.random()
        if roll < 0.7:
            answers["shapes"][name] = np.array(shape) if roll < 0.1 else tuple(shape)
        elif roll < 0.8:
            answers["shapes"][name] = (shape[1], shape[2], shape[0])  # H×W×C
        elif roll < 0.9:
            answers["shapes"][name] = (shape[0] + 16, shape[1], shape[2])
    for name in googlenet.BRANCH_MODULES:
        if rng.random() < 0.8:
            widths = googlenet._widths(name)
            answers["branches"][name] = widths if rng.random() < 0.8 else torch.tensor(widths[::-1])
    for line in googlenet.handout():
        if rng.random() < 0.85:
            answers["comments"][line.number] = _comment(line, korean, rng)
    answers["aux"] = {"training": rng.choice("ABCD"), "evaluation": "A"}
    answers["costs"] = {"macs_reduced": 5.108e7 if rng.random() < 0.5 else 54e6}
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


def test_save_writes_a_json_submission(tmp_path, capsys):
    answers = {"input_size": np.int64(200), "shapes": {"conv1": torch.Size([64, 100, 100])},
               "costs": {"aux_params": np.int64(3_188_840)},
               "comments": {1: "합성곱과 ReLU를 묶는 함수: 커널 크기와 스트라이드, 채널 수를 받는다"}}
    path = googlenet.save(answers, tmp_path / "me.json", student="홍길동")
    said = capsys.readouterr().out
    assert f"저장했습니다: {path.resolve()}" in said and "이 파일을 제출하세요" in said   # Korean comments
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["assignment"] == "googlenet" and record["student"] == "홍길동" and record["lang"] == "ko"
    assert record["checker_version"] == googlenet.CHECKER_VERSION and record["saved_at"]
    assert record["answers"]["shapes"]["conv1"] == [64, 100, 100]
    report = googlenet.check(record["answers"])  # what the grader will see
    assert report["shapes['conv1']"].correct and report["costs['aux_params']"].correct
    assert report["comments[1]"].correct and report.lang == "ko"
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
    assert "were not scored" in printed and "--release KEY" in printed
    assert scores.read_bytes().startswith(b"\xef\xbb\xbf")   # UTF-8 with a BOM, for Excel
    rows = list(csv.DictReader(scores.open(encoding="utf-8-sig")))
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
    assert all(by_file[f"s{i:02d}.json"]["lang"] == ("ko" if i % 2 == 0 else "en") for i in range(23))
    assert by_file["s00.json"]["total"] == "" and by_file["s00.json"]["f1"] == ""   # not marked by hand yet
    # one feedback file per file, none outside the folder
    written = sorted(p.name for p in feedback.iterdir())
    assert len(written) == 30 and "etc_passwd.txt" in written
    assert not (tmp_path / "etc").exists()
    text = (feedback / "20240001.txt").read_text(encoding="utf-8")
    assert text.startswith("Student: 20240001") and "GoogLeNet annotation (assignment 1)" in text
    text = (feedback / "20240000.txt").read_text(encoding="utf-8")
    assert text.startswith("학생: 20240000\n파일: s00.json") and "GoogLeNet 주석 달기 (과제 1)" in text
    assert "아직 답하지 않은 문항" in text or "점수:" in text


def test_grade_runs_no_student_code(tmp_path):
    marker = tmp_path / "ran"
    payload = f"__import__('pathlib').Path({str(marker)!r}).write_text('x')"
    googlenet.save({"comments": {1: payload}, "shapes": {"conv1": payload}}, tmp_path / "evil.json", student="e")
    graded = grading.grade_file("googlenet", tmp_path / "evil.json")
    assert graded.ok and not marker.exists()
    assert graded.report["shapes['conv1']"].status == "malformed"


def test_grade_resnet_folder(tmp_path, capsys):
    resnet.save({"figure7": "B", "coco": "A", "bottleneck_projection_ratio": 1.0}, tmp_path / "a.json",
                student="kim", announce=False)
    (tmp_path / "notes.txt").write_text("not a submission")  # folders: only *.json files are read
    assert main(["grade", "resnet", str(tmp_path), "--csv", str(tmp_path / "s.csv")]) == 0
    rows = list(csv.DictReader((tmp_path / "s.csv").open(encoding="utf-8-sig")))
    assert len(rows) == 1 and rows[0]["correct"] == "0" and rows[0]["answered"] == "3"
    assert rows[0]["not_scored"] == "2" and "not scored: grade with the release key" in rows[0]["message"]
    printed = capsys.readouterr().out
    assert "resnet: 1 file, 1 graded, 0 not graded" in printed and "--release KEY" in printed
    assert main(["grade", "resnet", str(tmp_path), "--csv", str(tmp_path / "s.csv"), "--release", KEYS["resnet"]]) == 0
    rows = list(csv.DictReader((tmp_path / "s.csv").open(encoding="utf-8-sig")))
    assert rows[0]["correct"] == "2" and rows[0]["not_scored"] == "0" and rows[0]["auto_points"] == "5.0"
    assert main(["grade", "resnet", str(tmp_path), "--release", KEYS["googlenet"]]) == 2   # the other key
    assert "does not open assignment 'resnet'" in capsys.readouterr().err


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
    return list(csv.DictReader(Path(path).open(encoding="utf-8-sig", newline="")))


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
    text = (tmp_path / "s.csv").read_text(encoding="utf-8-sig")
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
    resnet.save({"figure7": "B"}, tmp_path / "a.json", student="a", announce=False)
    resnet.save({"figure7": "B", "coco": "A"}, tmp_path / "b.json", student="b", announce=False)
    results = grading.grade("resnet", [tmp_path / "a.json", tmp_path / "b.json"], key=KEYS["resnet"])
    scores = sorted(g.report.points for g in results)
    assert scores[0] < scores[1]
    assert f"median {(scores[0] + scores[1]) / 2:.1f}," in capsys.readouterr().out


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


# ----------------------------------------------------------------------------- weights, hand marks, languages

def test_the_weights_of_the_brief_make_the_points(tmp_path):
    """(a) 20, (b) 10, (c) 15, (d) 10, (e) 25 by the checker; (f) 20 by hand."""
    answers = {"input_size": 200, "shapes": {"conv1": (64, 100, 100)},                 # 1 of 16 in (a)
               "costs": {"macs_reduced": 51_079_168, "macs_naive": 258_306_048, "aux_params": 3_188_840},
               "aux": {"training": "D", "evaluation": "A", "loss_weight": "C"}}         # all of (c), (d)
    googlenet.save(answers, tmp_path / "kim.json", student="kim", announce=False)
    (g,) = grading.grade("googlenet", [tmp_path / "kim.json"], key=KEYS["googlenet"], out=io.StringIO())
    assert g.report.part_points() == pytest.approx({"a": 20 / 16, "b": 0, "c": 15, "d": 10, "e": 0})
    assert g.report.points == pytest.approx(26.25) and g.report.max_points == 80


def test_hand_marks_complete_the_total(tmp_path, capsys):
    """The teacher fills the rubric's columns of the grade CSV (as Excel saves it: CP949 here) and
    grades again with --marks: each total adds the hand-marked part (f), 20 points."""
    for student, aux in (("김철수", "D"), ("lee", "A"), ("park", "D")):
        googlenet.save({"aux": {"training": aux}}, tmp_path / f"{student}.json", student=student, announce=False)
    scores = tmp_path / "out" / "scores.csv"
    args = ["grade", "googlenet", *sorted(str(p) for p in tmp_path.glob("*.json")), "--csv", str(scores),
            "--release", KEYS["googlenet"]]
    assert main(args) == 0
    rows = _rows(scores)
    assert {r["student"]: r["total"] for r in rows} == {"김철수": "", "lee": "", "park": ""}
    header = next(csv.reader(scores.open(encoding="utf-8-sig")))
    levels = {"김철수": ("full", "half"), "lee": ("상", "하"), "park": ("2", "")}   # park: f2 not marked yet
    marks = [dict(r, f1=levels[r["student"]][0], f2=levels[r["student"]][1]) for r in rows]
    text = io.StringIO()
    writer = csv.DictWriter(text, header)
    writer.writeheader()
    writer.writerows(marks)
    scores.write_bytes(text.getvalue().encode("cp949"))
    assert main(args + ["--marks", str(scores), "--feedback", str(tmp_path / "fb")]) == 0
    out = capsys.readouterr().out
    assert "hand marks incomplete for 1 file(s)" in out
    by_student = {r["student"]: r for r in _rows(scores)}
    assert by_student["김철수"]["hand_points"] == "15.0" and by_student["김철수"]["total"] == "18.3"
    assert by_student["lee"]["hand_points"] == "10.0" and by_student["lee"]["total"] == "10.0"
    assert by_student["park"]["total"] == "" and by_student["park"]["f1"] == "full"
    feedback = (tmp_path / "fb" / "김철수.txt").read_text(encoding="utf-8")
    assert "f1. Says why: full" in feedback and "f2. Names the paper's ideas: half" in feedback
    assert "total: 18.3 / 100" in feedback


@pytest.mark.parametrize("content, says", [
    (b"name,f1\nkim,full\n", "no 'student' column"),
    (b"student,grade\nkim,A\n", "none of the rubric's columns"),
    (b"\xff\xfe\xff\xfe", "neither UTF-8 nor CP949"),
    (b"", "is empty"),
])
def test_a_marks_file_that_cannot_be_used_stops_before_grading(tmp_path, content, says):
    _raw(tmp_path / "kim.json", "kim")
    (tmp_path / "marks.csv").write_bytes(content)
    status, out, err = _grade("googlenet", tmp_path / "kim.json", "--marks", tmp_path / "marks.csv",
                              "--feedback", tmp_path / "fb")
    assert status == 2 and says in err and out == "" and not (tmp_path / "fb").exists()


def test_odd_marks_are_reported_not_used(tmp_path):
    _raw(tmp_path / "kim.json", "kim")
    (tmp_path / "marks.csv").write_text("student,f1,f2\nkim,full,maybe\nkim,none,none\nnobody,full,full\n",
                                        encoding="utf-8")
    status, out, _ = _grade("googlenet", tmp_path / "kim.json", "--marks", tmp_path / "marks.csv",
                            "--csv", tmp_path / "s.csv")
    assert status == 0
    assert "'maybe' is not a level" in out and "already has marks in row 2" in out
    assert "no submission has the student id" in out
    (row,) = _rows(tmp_path / "s.csv")
    assert row["f1"] == "full" and row["f2"] == "" and row["total"] == ""


def test_feedback_in_the_students_language_or_the_teachers(tmp_path):
    googlenet.save({"comments": {1: "합성곱과 ReLU를 묶는 도우미 함수"}}, tmp_path / "kim.json", student="kim",
                   announce=False)
    resnet.save({"figure7": "B"}, tmp_path / "lee.json", student="lee", lang="ko", announce=False)
    assert _grade("googlenet", tmp_path / "kim.json", "--feedback", tmp_path / "fb")[0] == 0
    assert (tmp_path / "fb" / "kim.txt").read_text(encoding="utf-8").startswith("학생: kim\n파일: kim.json")
    status, out, _ = _grade("googlenet", tmp_path / "kim.json", "--feedback", tmp_path / "fb2", "--lang", "en")
    assert status == 0 and (tmp_path / "fb2" / "kim.txt").read_text(encoding="utf-8").startswith("Student: kim")
    status, out, _ = _grade("resnet", tmp_path / "lee.json", "--feedback", tmp_path / "fb3")
    assert (tmp_path / "fb3" / "lee.txt").read_text(encoding="utf-8").startswith("학생: lee")
    status, out, _ = _grade("googlenet", tmp_path / "kim.json", "--lang", "ko")
    assert status == 0 and "googlenet: 파일 1개, 채점 1개" in out
    (tmp_path / "bad.json").write_text("{")
    status, out, _ = _grade("googlenet", tmp_path / "bad.json", "--lang", "ko", "--feedback", tmp_path / "fb4")
    assert "올바른 JSON이 아닙니다" in (tmp_path / "fb4" / "bad~not-graded.txt").read_text(encoding="utf-8")


def test_hand_in_says_where_the_file_is_and_downloads_it_on_colab(tmp_path, monkeypatch, capsys):
    import sys
    import types

    downloaded = []
    colab = types.ModuleType("google.colab")
    colab.files = types.SimpleNamespace(download=downloaded.append)
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    path = resnet.save({"figure7": "B"}, tmp_path / "assignment2.json", student="kim")
    said = capsys.readouterr().out
    assert downloaded == [str(path.resolve())]
    assert f"Saved {path.resolve()}" in said and "downloading it now" in said
    colab.files = types.SimpleNamespace(download=lambda p: 1 / 0)   # the download fails: the file stays
    resnet.save({"figure7": "B"}, tmp_path / "again.json", student="kim", lang="ko")
    assert "왼쪽 파일 패널" in capsys.readouterr().out and (tmp_path / "again.json").exists()
