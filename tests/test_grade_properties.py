"""Property-based tests of ``grade`` itself (Hypothesis), and a class of 1,000 files, 50 hostile.

Whatever the files hold (random bytes, random JSON, submissions with random ids and answers,
very deep JSON) and whatever they are called (random bytes, not UTF-8 included), grading never
raises, writes exactly one CSV row and one feedback file per file, and writes nothing outside
the feedback folder but the CSV.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import random
import re
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnncourse.exercises import googlenet, grading
from cnncourse.exercises._submission import FORMAT

HOSTILE_IDS = ['=HYPERLINK("http://evil.example","click")', "+1", "@SUM(A1)", "kim\ud800", "\u202egpj.exe",
               "lee\r\nStudent: park", "nul\x00", "..", "../../etc/passwd", "가" * 300, "", "   ", "con"]

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children,
                                                                                 max_size=4)),
    max_leaves=15)
answers = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={
        "shapes": st.dictionaries(st.sampled_from(googlenet.SHAPE_LAYERS), st.lists(st.integers(-1, 600),
                                                                                   max_size=4)),
        "comments": st.dictionaries(st.one_of(st.integers(-1, 70).map(str), st.text(max_size=4)),
                                    st.one_of(st.text(max_size=200), json_values), max_size=8),
        "aux": st.dictionaries(st.sampled_from(["training", "evaluation", "loss_weight"]), json_values)}))
submissions = st.fixed_dictionaries({
    "format": st.one_of(st.just(FORMAT), st.text(max_size=5)),
    "assignment": st.sampled_from(["googlenet", "googlenet", "resnet", None]),
    "student": st.one_of(st.text(max_size=30), st.sampled_from(HOSTILE_IDS), st.integers()),
    "checker_version": st.one_of(st.just(googlenet.CHECKER_VERSION), st.text(max_size=10)),
    "answers": answers})
contents = st.one_of(
    st.binary(max_size=200),
    json_values.map(json.dumps).map(str.encode),
    submissions.map(json.dumps).map(str.encode),  # json.dumps escapes lone surrogates: valid JSON
    st.integers(10, 5000).map(lambda n: ("[" * n + "]" * n).encode()))
names = st.one_of(
    st.binary(min_size=1, max_size=40),
    st.text(min_size=1, max_size=30).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from(["홍길동.json", "김철수 과제1.json"]).map(lambda t: t.encode("cp949")),
).filter(lambda b: b"/" not in b and b"\x00" not in b and b not in (b".", b"..") and len(b) <= 200)


def _tree(root: Path) -> dict[bytes, str]:
    """Every entry under ``root`` (as bytes) with a digest of what it is or holds."""
    out = {}
    for folder, dirs, files in os.walk(os.fsencode(root)):
        for name in dirs + files:
            path = os.path.join(folder, name)
            if os.path.islink(path):
                out[path] = "link " + os.fsdecode(os.readlink(path))
            elif os.path.isfile(path):
                with open(path, "rb") as f:
                    out[path] = hashlib.sha256(f.read()).hexdigest()
            else:
                out[path] = "folder" if os.path.isdir(path) else "other"
    return out


def _check_outcome(root: Path, inputs: list, results: list, before: dict) -> None:
    """One row and one feedback file per input; nothing changed outside the feedback folder."""
    with open(root / "scores.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(results) == len(inputs)
    assert all(r["status"] in ("graded", "not graded") for r in rows)
    assert all(r["message"] for r in rows if r["status"] == "not graded")
    feedback = os.listdir(root / "feedback")
    assert len(feedback) == len(inputs) and sorted(feedback) == sorted(r["feedback_file"] for r in rows)
    assert all(os.path.isfile(root / "feedback" / n) and not os.path.islink(root / "feedback" / n)
               for n in feedback)
    fb = os.fsencode(root / "feedback") + b"/"
    after = {p: d for p, d in _tree(root).items() if not p.startswith(fb)}
    scores = os.fsencode(root / "scores.csv")
    assert {p: d for p, d in after.items() if p not in (scores, fb[:-1])} == before


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(names, contents), min_size=1, max_size=6, unique_by=lambda t: t[0]))
def test_grade_never_raises_and_writes_one_row_per_file(files):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.mkdir(root / "in")
        inputs = []
        for name, data in files:
            path = os.path.join(os.fsencode(root / "in"), name)
            with open(path, "wb") as f:
                f.write(data)
            inputs.append(Path(os.fsdecode(path)))
        before = _tree(root)
        results = grading.grade("googlenet", inputs, csv_path=root / "scores.csv",
                                feedback_dir=root / "feedback", out=io.StringIO())
        _check_outcome(root, inputs, results, before)


# ----------------------------------------------------------------------------- a class of 1,000

def realistic_answers(rng: random.Random) -> dict:
    """The checker's template, filled in as a student would: an input size of their own, most
    shapes right, some wrong or in the paper's order, some left blank; comments in Korean or
    English, some naming the line's operation, a few with numbers, some saying nothing."""
    answers = googlenet.template()
    size = rng.choice([160, 200, 256])
    answers["input_size"] = size
    variant = googlenet._variant(size)
    for name in answers["shapes"]:
        shape = tuple(variant[name]["out"])
        roll = rng.random()
        answers["shapes"][name] = (shape if roll < 0.7 else (shape[1], shape[2], shape[0]) if roll < 0.8
                                   else (shape[0] + 16, *shape[1:]) if roll < 0.9 else None)
    for name in answers["branches"]:
        widths = googlenet._widths(name)
        answers["branches"][name] = widths if rng.random() < 0.8 else widths[::-1]
    answers["costs"] = {"macs_reduced": 5.1e7, "macs_naive": rng.choice([2.58e8, 303, None]),
                        "aux_params": rng.choice([3_188_840, 3_190_888, None])}
    answers["aux"] = {k: rng.choice("ABCD") for k in answers["aux"]}
    korean = rng.random() < 0.5
    facts = googlenet._facts()["modules"]
    for line in googlenet.handout():
        if rng.random() < 0.9:
            kind = line.kinds[0] if line.kinds else "network"
            text = (f"이 줄은 {kind} 연산을 한다" if korean else f"this line does the {kind} step")
            shape = facts.get(line.names[0], {}).get("out") if line.names else None
            if shape and rng.random() < 0.3:
                text += f" → {'×'.join(map(str, shape))}"
            answers["comments"][line.number] = text
    return answers


def build_class(folder: Path, rng: random.Random, n: int = 1000, hostile: int = 50) -> list[str]:
    """``n - hostile`` submissions saved with ``hw.save`` from :func:`realistic_answers`, and
    ``hostile`` files of ten kinds (five each); returns the kinds of the hostile ones."""
    folder.mkdir(parents=True, exist_ok=True)
    templates = [json.loads(googlenet.save(realistic_answers(rng), folder / "t.json", student="t").read_text(
        encoding="utf-8")) for _ in range(20)]
    os.remove(folder / "t.json")
    for i in range(n - hostile):
        record = dict(rng.choice(templates), student=f"2024{i:04d}")
        (folder / f"s{i:04d}.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")

    def submission(student, answers=None):
        record = dict(templates[0], student=student)
        if answers is not None:
            record["answers"] = answers
        return json.dumps(record).encode()

    raw = os.fsencode(folder)
    kinds = []
    for k in range(hostile // 10):
        cases = {
            "not-utf8-name": lambda: (f"제출{k}".encode("cp949") + b".json", submission(f"2025{k:04d}")),
            "deep-json": lambda: (f"deep{k}.json".encode(), b"[" * (200 * (k + 1)) + b"]" * (200 * (k + 1))),
            "backtracking-comment": lambda: (f"slow{k}.json".encode(), submission(
                f"slow{k}", {"comments": {str(n): "channels" + " " * 5000 + "x" for n in range(1, 5)}})),
            "formula-id": lambda: (f"formula{k}.json".encode(), submission(f'=HYPERLINK("http://e/{k}","x")')),
            "bidi-control-id": lambda: (f"bidi{k}.json".encode(), submission(f"\u202e{k}exe.\nStudent: x\x00")),
            "duplicate-id": lambda: (f"dup{k}.json".encode(), submission("20240001")),
            "huge": lambda: (f"huge{k}.json".encode(), b"[" + b"1," * 600_000 + b"1]"),
            "symlink-trap": lambda: (f"link{k}.json".encode(), None),
            "binary": lambda: (f"bin{k}.json".encode(), bytes(rng.randrange(256) for _ in range(3000))),
            "other-assignment": lambda: (f"resnet{k}.json".encode(), json.dumps(
                {"format": FORMAT, "assignment": "resnet", "student": f"r{k}", "answers": {}}).encode()),
        }
        for kind, make in cases.items():
            name, data = make()
            path = os.path.join(raw, name)
            if data is not None:
                with open(path, "wb") as f:
                    f.write(data)
            elif k % 5 == 0:
                os.symlink("/dev/zero", path)
            elif k % 5 == 1:
                os.symlink(os.path.join(raw, b"nowhere.json"), path)  # dangling
            elif k % 5 == 2:
                os.symlink(path, path)  # a loop
            elif k % 5 == 3:
                os.mkfifo(path)  # reading it would block forever
            else:
                os.mkdir(path)
            kinds.append(kind)
    return kinds


def test_a_class_of_1000_with_50_hostile_files(tmp_path):
    kinds = build_class(tmp_path / "class", random.Random(0))
    assert len(kinds) == 50 and len(os.listdir(tmp_path / "class")) == 1000
    (tmp_path / "feedback").mkdir()
    outside = tmp_path / "teachers-notes.txt"
    outside.write_text("keep me")
    (tmp_path / "feedback" / "20240007.txt").symlink_to(outside)  # a trap in the output folder
    before = _tree(tmp_path)
    start = time.perf_counter()
    results = grading.grade("googlenet", [tmp_path / "class"], csv_path=tmp_path / "scores.csv",
                            feedback_dir=tmp_path / "feedback", out=io.StringIO())
    elapsed = time.perf_counter() - start
    assert elapsed < 120, elapsed  # about 10 s on two shared cores
    before = {p: d for p, d in before.items() if not p.startswith(os.fsencode(tmp_path / "feedback"))}
    _check_outcome(tmp_path, list(range(1000)), results, before)
    assert outside.read_text() == "keep me"
    reasons = {"deep": "nested more than 16", "huge": "too large", "bin": "not a text file",
               "resnet": "a submission for assignment 'resnet'", "link": ""}
    not_graded = {g.file_text: g.error for g in results if not g.ok}
    assert len(not_graded) == 25  # deep, huge, links, binary, the other assignment: 5 each
    for name, error in not_graded.items():
        assert reasons[re.sub(r"\d+\.json$", "", name)] in error, (name, error)
    duplicated = [g for g in results if any("the same student id" in n or "같은 학번이" in n for n in g.notes)]
    assert len(duplicated) == 6  # 20240001 and its five copies
    slow = [g for g in results if g.ok and g.file_text.startswith("slow")]
    assert len(slow) == 5 and all(g.report["comments[1]"].status == "malformed" for g in slow)
    assert sum(g.file_text.startswith("제출") for g in results if g.ok) == 5  # CP949 names, read
