"""The assignment checkers (cnncourse.exercises): right answers pass, wrong ones get a hint that
does not give the answer away, malformed ones a clear message, in English and in Korean, and
nothing raises.

The correct answers below are worked out here by hand (the side formulas of convolution and
ceil-mode pooling, GoogLeNet's Table 1, the parameter counts of §5's auxiliary head); the
checkers compute theirs from the hand-out's model, so these tests also check that the two agree.
The sealed answers are opened with the release keys of the teacher's sources (book/teacher/).
"""
import decimal
import fractions
import json
import math
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from cnncourse.exercises import Report, _data, googlenet, resnet
from cnncourse.exercises._lang import language

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / "book" / "teacher" / "questions"


def _source(assignment):
    return json.loads((SOURCES / f"{assignment}.json").read_text(encoding="utf-8"))


KEYS = {a: _source(a)["release_key"] for a in ("googlenet", "resnet")}


@pytest.fixture(autouse=True)
def _no_release():
    """Every test starts with the solutions not released (as a student's session does)."""
    _data._RELEASED.clear()
    yield
    _data._RELEASED.clear()


# ----------------------------------------------------------------------------- assignment 1

def side(n, k, s=1, p=0, ceil=False):
    """A convolution's or a pool's output side, by the formula."""
    q = (n + 2 * p - k) / s
    return (math.ceil(q) if ceil else math.floor(q)) + 1


TABLE1 = {  # Szegedy et al. 2014, Table 1: #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj
    "inception3a": (64, 96, 128, 16, 32, 32), "inception3b": (128, 128, 192, 32, 96, 64),
    "inception4a": (192, 96, 208, 16, 48, 64), "inception4b": (160, 112, 224, 24, 64, 64),
    "inception4c": (128, 128, 256, 24, 64, 64), "inception4d": (112, 144, 288, 32, 64, 64),
    "inception4e": (256, 160, 320, 32, 128, 128), "inception5a": (256, 160, 320, 32, 128, 128),
    "inception5b": (384, 192, 384, 48, 128, 128),
}


def by_hand_shapes(s):
    """Every shape of part (a) at 3×s×s, from the formulas and Table 1 alone."""
    out, c, n = {}, 3, s
    n = side(n, 7, 2, 3); out["conv1"] = (64, n, n)
    n = side(n, 3, 2, ceil=True); out["maxpool1"] = (64, n, n)
    out["conv2"] = (64, n, n); out["conv3"] = (192, n, n)
    n = side(n, 3, 2, ceil=True); out["maxpool2"] = (192, n, n)
    for name in ("inception3a", "inception3b"):
        a, _, b, _, d, e = TABLE1[name]; out[name] = (a + b + d + e, n, n)
    n = side(n, 3, 2, ceil=True); out["maxpool3"] = (480, n, n)
    for name in ("inception4a", "inception4b", "inception4c", "inception4d", "inception4e"):
        a, _, b, _, d, e = TABLE1[name]; out[name] = (a + b + d + e, n, n)
    n = side(n, 3, 2, ceil=True); out["maxpool4"] = (832, n, n)
    for name in ("inception5a", "inception5b"):
        a, _, b, _, d, e = TABLE1[name]; out[name] = (a + b + d + e, n, n)
    return out


def comment_for(line, korean=False):
    """A specific comment for a hand-out line, made from what the line does (the words of its
    kinds and, for a convolution, its kernel): what a student who read the code writes."""
    words = {"conv": ("합성곱", "convolution"), "pool": ("풀링", "pooling"), "lrn": ("정규화", "LRN"),
             "concat": ("이어 붙임", "concatenation"), "relu": ("ReLU 활성화", "ReLU"),
             "dropout": ("드롭아웃", "dropout"), "linear": ("완전 연결 층", "linear layer"),
             "flatten": ("펼치기", "flatten"), "loss": ("손실", "loss"), "aux": ("보조 분류기", "auxiliary"),
             "inception": ("인셉션 모듈", "inception module"), "branch": ("브랜치", "branch"),
             "mode": ("학습 모드", "training mode"), "output": ("출력 반환", "output returned"),
             "unpack": ("세 출력 분리", "unpack the three outputs"), "input": ("입력 받음", "takes the input"),
             "args": ("인자 목록", "arguments"), "network": ("전체 네트워크", "whole network"),
             "training-output": ("학습 출력", "training output")}
    text = " 그리고 ".join(words[k][0] for k in line.kinds) if korean else \
        " and ".join(words[k][1] for k in line.kinds)
    facts = googlenet.line_facts(line.number)
    if "conv" in line.kinds and not facts.generic:
        k = min(facts.kernels)
        text += f", {k}×{k}"
    if "conv" in line.kinds and facts.generic:
        text += ", 커널과 채널" if korean else ", kernel and channels"
    return text + (" 수행" if korean else " here")


S = 200
GOOGLENET_ANSWERS = {
    "input_size": S,
    "shapes": by_hand_shapes(S),
    "branches": {name: (a, b, d, e) for name, (a, _, b, _, d, e) in TABLE1.items()
                 if name >= "inception4a"},
    # 5a on 832×7×7: weights 832·256 + 832·160 + 9·160·320 + 832·32 + 25·32·128 + 832·128, × 49;
    # naive: (832·256 + 9·832·320 + 25·832·128) × 49; aux1: 512·128+128 + 2048·1024+1024 + 1024·1000+1000
    "costs": {"macs_reduced": 51_079_168, "macs_naive": 258_306_048, "aux_params": 3_188_840},
    "aux": {"training": "D", "evaluation": "A", "loss_weight": "C"},
}
GOOGLENET_ANSWERS["comments"] = {line.number: comment_for(line) for line in googlenet.handout()}
N_LINES = len(googlenet.handout())
N_ITEMS = 16 + 7 + 3 + 3 + N_LINES


def test_the_hand_computations_are_the_checkers():
    w = 832 * 256 + 832 * 160 + 9 * 160 * 320 + 832 * 32 + 25 * 32 * 128 + 832 * 128
    assert w * 49 == GOOGLENET_ANSWERS["costs"]["macs_reduced"]
    assert (832 * 256 + 9 * 832 * 320 + 25 * 832 * 128) * 49 == GOOGLENET_ANSWERS["costs"]["macs_naive"]
    assert 512 * 128 + 128 + 2048 * 1024 + 1024 + 1024 * 1000 + 1000 == GOOGLENET_ANSWERS["costs"]["aux_params"]


def _items(answers):
    """(path, value) for every item of a nested answer dict."""
    for section, value in answers.items():
        if isinstance(value, dict):
            for key, v in value.items():
                yield (section, key), v
        elif section != "input_size":
            yield (section,), value


def _set(answers, path, value):
    """A copy of ``answers`` holding only ``path`` = ``value`` (and the input size)."""
    if len(path) == 1:
        return {path[0]: value}
    return {"input_size": S, path[0]: {path[1]: value}}


def _label(path):
    return path[0] + "".join(f"[{p!r}]" for p in path[1:])


def _wrong(value):
    """A well-formed but wrong version of a correct answer."""
    if isinstance(value, str) and len(value) == 1:
        return "B" if value != "B" else "A"
    if isinstance(value, tuple):
        return tuple(v + 1 for v in value)
    if isinstance(value, float):
        return value + 1.0
    if isinstance(value, int):
        return value + 7 if value < 1000 else int(value * 1.1)
    raise AssertionError(value)


def _answer_texts(value):
    """The ways a hint could spell out the answer ``value``."""
    if isinstance(value, tuple):
        texts = [repr(value), "×".join(map(str, value)), "x".join(map(str, value)), ", ".join(map(str, value))]
        if len(value) == 3:
            texts.append("×".join(map(str, (value[1], value[2], value[0]))))
        return texts
    if isinstance(value, float):
        return [f"{value:.1f}", f"{value:.2f}"]
    if isinstance(value, int):
        return [str(value), f"{value:,}", f"{value:_}"]
    return []


def _contains_number(text, number_text):
    return re.search(rf"(?<![\d.,_]){re.escape(number_text)}(?![\d])", text) is not None


@pytest.fixture(scope="module")
def googlenet_report():
    return googlenet.check(GOOGLENET_ANSWERS, key=KEYS["googlenet"])


def test_googlenet_correct_answers_all_pass(googlenet_report):
    report = googlenet_report
    assert isinstance(report, Report)
    assert [(r.item, r.message) for r in report.results if not r.correct] == []
    assert report.problems == []
    assert report.n_total == report.n_correct == report.n_answered == N_ITEMS
    assert report.score == 1.0 and report.all_correct
    assert report.points == report.max_points == 80   # (f), 20 points, is marked by hand
    assert f"{N_ITEMS} correct / {N_ITEMS} answered / {N_ITEMS} items" in str(report)
    assert f"your input size S = {S}" in str(report)


def test_googlenet_korean_comments_give_a_korean_report():
    answers = dict(GOOGLENET_ANSWERS, comments={line.number: comment_for(line, korean=True)
                                                for line in googlenet.handout()})
    report = googlenet.check(answers, key=KEYS["googlenet"])
    assert report.lang == "ko" and report.all_correct, [r.message for r in report.results if not r.correct]
    assert str(report).startswith("GoogLeNet 주석 달기 (과제 1): ")
    assert googlenet.check(answers, lang="en").lang == "en"


@pytest.mark.parametrize("size", [128, 193, 200, 227, 255, 320, 448])
def test_googlenet_shapes_at_any_input_size_follow_the_formulas(size):
    report = googlenet.check({"input_size": size, "shapes": by_hand_shapes(size)})
    assert report.n_correct == 16, [r.message for r in report.results if r.item.startswith("shapes")
                                    and not r.correct]


@pytest.mark.parametrize("size, says", [(None, "set answers['input_size'] first"),
                                        (224, "other than 224"), (100, "from 128 to 448"),
                                        ("200", "got '200'"), (200.5, "got 200.5")])
def test_googlenet_shapes_need_a_valid_input_size(size, says):
    answers = {"shapes": {"conv1": (64, 100, 100)}}
    if size is not None:
        answers["input_size"] = size
    result = googlenet.check(answers)["shapes['conv1']"]
    assert result.status == "malformed" and says in result.message, result.message
    assert "input_size" not in {p.item for p in googlenet.check(answers).problems}


def test_googlenet_the_first_trace_of_a_fresh_process_is_at_the_students_size():
    """The first _facts() traced the same model at 224 while _variant's hooks were on: in a fresh
    process (a grader run) _variant(200) gave the 224 shapes."""
    code = ("import json; from cnncourse.exercises import googlenet as g; "
            "print(json.dumps({n: g._variant(200)[n]['out'] for n in g.SHAPE_LAYERS}))")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True).stdout
    assert {n: tuple(s) for n, s in json.loads(out).items()} == by_hand_shapes(200)


def test_googlenet_the_book_size_is_refused_and_the_variant_is_the_students():
    # the chapter prints the shapes at 224 only: part (a) is asked at the student's own size
    at_224 = by_hand_shapes(224)
    report = googlenet.check({"input_size": 200, "shapes": at_224})
    assert report.n_correct < 16


@pytest.mark.parametrize("path", [p for p, _ in _items(GOOGLENET_ANSWERS) if p[0] != "comments"],
                         ids=_label)
def test_googlenet_wrong_item_gets_hint_without_answer(path):
    correct = GOOGLENET_ANSWERS[path[0]][path[1]]
    for lang in ("en", "ko"):
        report = googlenet.check(_set(GOOGLENET_ANSWERS, path, _wrong(correct)), lang=lang,
                                 key=KEYS["googlenet"])
        result = report[_label(path)]
        assert result.status == "wrong"
        rec = next(r for r in _data.records("googlenet") if tuple(r["path"]) == path)
        assert rec["hint"][lang] in result.message
        for text in _answer_texts(correct):
            assert not _contains_number(result.message, text), (text, result.message)
        if path[0] == "aux":  # a choice: neither the letter nor the option's text
            assert rec["options"][correct][lang] not in result.message
            assert f"'{correct}'" not in result.message and f"({correct})" not in result.message
        assert report.n_answered == 1 and report.n_correct == 0


def test_googlenet_multiple_choice_is_recorded_not_scored_before_the_release():
    report = googlenet.check({"aux": {"training": "A", "evaluation": "B"}})
    assert [r.status for r in report.results if r.item.startswith("aux") and r.status != "not answered"] \
        == ["recorded", "recorded"]
    assert report.n_correct == 0 and report.n_recorded == 2
    assert "sealed until your teacher releases" in report["aux['training']"].message
    googlenet.release(KEYS["googlenet"])
    report = googlenet.check({"aux": {"training": "D", "evaluation": "B"}})
    assert report["aux['training']"].correct and report["aux['evaluation']"].status == "wrong"


def test_googlenet_comments_as_list_or_string_keys():
    comments = list(GOOGLENET_ANSWERS["comments"].values())
    report = googlenet.check({"comments": comments})
    assert report["comments[1]"].correct and report[f"comments[{N_LINES}]"].correct
    c1, c2 = GOOGLENET_ANSWERS["comments"][1], GOOGLENET_ANSWERS["comments"][2]
    report = googlenet.check({"comments": {"1": c1, " 2 ": c2}})
    assert report["comments[1]"].correct and report["comments[2]"].correct


def test_googlenet_comment_keys_naming_one_line_are_reported():
    c1, c2 = GOOGLENET_ANSWERS["comments"][1], GOOGLENET_ANSWERS["comments"][2]
    report = googlenet.check({"comments": {1: c1, "1": "x", " 01 ": "y", "2": c2}})
    assert report["comments[1]"].correct and report["comments[2]"].correct  # the first key is checked
    problems = {p.item: p.message for p in report.problems}
    assert set(problems) == {"comments['1']", "comments[' 01 ']"}
    assert all("names the same line as comments[1]" in m for m in problems.values())


def test_a_huge_answer_dict_gets_a_short_report_quickly():
    """100,000 stray keys (a 1 MB submission): the first 20 problems are listed, the rest counted."""
    import time

    for answers in ({f"k{i}": 1 for i in range(100_000)},
                    {"comments": {f"c{i}": "a b" for i in range(100_000)}},
                    {"shapes": {f"conv{i}": [1, 2, 3] for i in range(100_000)}}):
        start = time.perf_counter()
        report = googlenet.check(answers)
        assert time.perf_counter() - start < 2.0
        assert len(report.problems) == 21 and re.search(r"99,9\d\d more such problems", report.problems[-1].message)
        assert len(str(report)) < 20_000


# --- (e): comments judged by what they say ------------------------------------------------------

def _line(part, text):
    """The number of the hand-out line of ``part`` whose code contains ``text``."""
    (line,) = [x for x in googlenet.handout() if x.part == part and text in x.code]
    return line.number


def _comment(part, code, text, size=None, lang=None):
    number = _line(part, code)
    answers = {"comments": {number: text}}
    if size:
        answers["input_size"] = size
    return googlenet.check(answers, lang=lang)[f"comments[{number}]"]


GENERIC = ["코드 설명", "ㅋㅋ ㅎㅎ", "lorem ipsum", "the line", "이 줄의 코드", "explains what this line does",
           "aaaaaaaaaaaaaaa", "ㅋㅋㅋㅋㅋㅋ", "x", "   ", "# ", "중요한 부분", "this is important code"]


@pytest.mark.parametrize("text", GENERIC)
def test_generic_comments_fail_on_every_kind_of_line(text):
    """Issue 20: "코드 설명", "ㅋㅋ ㅎㅎ", "lorem ipsum", "the line" passed all 67 lines before."""
    report = googlenet.check({"comments": {line.number: text for line in googlenet.handout()}})
    assert report.n_correct == 0, [r.item for r in report.results if r.correct]


@pytest.mark.parametrize("part, code, text", [
    ("GoogLeNet", "self.conv3 =", "3×3 conv, 192 filters of 3×3×64"),     # read as a filter, not C×H×W
    ("GoogLeNet", "self.conv3 =", "3×3 합성곱, 패딩 1로 크기 유지: 64 → 192 채널"),
    ("GoogLeNet", "self.conv3 =", "3×3 합성곱: 파라미터 110,784개 (가중치 110,592 + 편향 192)"),
    ("GoogLeNet", "self.conv3 =", "3×3 conv with 111K parameters"),
    ("GoogLeNet", "self.conv1 =", "7×7 conv, stride 2: 3×224×224 → 64×112×112"),
    ("GoogLeNet", "self.conv1 =", "7×7 합성곱, 스트라이드 2, 패딩 3으로 224 → 112"),
    ("Inception", "self.branch1 =", "첫 번째 브랜치: 1×1 합성곱, 3a에서 192 → 64 채널"),
    ("Inception", "self.branch1 =", "the first branch: a 1×1 convolution"),
    ("Inception", "conv_block(ch5x5red, ch5x5", "5×5 conv, padding 2 keeps 28×28 (3a: 16 → 32 channels)"),
    ("Inception", "torch.cat", "네 branch의 출력을 채널 축(dim=1)으로 이어 붙임: 3a → 256×28×28"),
    ("Inception", "torch.cat", "concatenate along the channels: 64+128+32+32 = 256 channels, (256, 28, 28)"),
    ("AuxClassifier", "nn.Dropout(0.7)", "드롭아웃 확률 0.7 (70%): 보조 분류기의 과적합을 막음"),
    ("AuxClassifier", "nn.Linear(1024, num_classes)", "1024 → 1000 class scores: the head's linear classifier"),
    ("AuxClassifier", "self.conv(self.pool(x))", "5×5/3 평균 풀링 → 512×4×4, 1×1 conv → 128×4×4"),
    ("GoogLeNet", "torch.flatten", "7×7 average pool → 1024×1×1, flattened to 1024 features"),
    ("GoogLeNet", "logits = self.fc(", "dropout 0.4, then the linear classifier: 1000 class scores"),
    ("GoogLeNet", "x = self.inception4b(x)", "4b → 512×14×14"),
    ("GoogLeNet", "x = self.maxpool1(self.conv1(x))", "7×7/2 conv → 64×112×112; 3×3/2 max pool → 64×56×56"),
    ("GoogLeNet", "aux1 = self.aux1(x)", "auxiliary head 1 on 4a's output (512×14×14); None in evaluation mode"),
    ("googlenet_loss", "return F.cross_entropy(logits", "main loss + 0.3 × (aux1 loss + aux2 loss), §5"),
    ("googlenet_loss", "return F.cross_entropy(logits", "주 손실에 보조 손실 두 개의 합을 0.3배 해서 더함"),
])
def test_specific_comments_pass(part, code, text):
    result = _comment(part, code, text)
    assert result.correct, result.message


@pytest.mark.parametrize("part, code, text, says", [
    ("GoogLeNet", "self.conv3 =", "파라미터 수 36,864개인 3×3 합성곱", "36,864"),            # true: 110,784
    ("GoogLeNet", "self.conv3 =", "3×3 conv with 36,864 weights", "not the parameter count"),
    ("GoogLeNet", "self.conv1 =", "커널 크기 5인 합성곱, 스트라이드 2", "5×5"),              # conv1 is 7×7
    ("GoogLeNet", "self.conv1 =", "kernel size 5 convolution", "5×5 kernel"),
    ("Inception", "self.branch1 =", "세 번째 브랜치: 1×1 합성곱", "branch 3"),              # it is branch 1
    ("Inception", "self.branch1 =", "the third branch: a 1×1 convolution", "branch 3"),
    ("AuxClassifier", "nn.Dropout(0.7)", "드롭아웃 확률 0.5", "0.5"),                      # it is 0.7
    ("AuxClassifier", "nn.Dropout(0.7)", "dropout of 50%", "50%"),
    ("AuxClassifier", "nn.Linear(1024, num_classes)", "100개 클래스로 분류하는 완전 연결 층", "100 classes"),
    ("AuxClassifier", "nn.Linear(1024, num_classes)", "linear layer for 100 classes", "100 classes"),
    ("GoogLeNet", "x = self.inception3b(x)", "3b → 480×14×14", "480×14×14"),
    ("GoogLeNet", "x = self.inception3b(x)", "3b → 512 channels", "512 channels"),
    ("GoogLeNet", "x = self.maxpool1(self.conv1(x))", "5×5 conv then pooling", "5×5 kernel"),
    ("GoogLeNet", "x = self.maxpool1(self.conv1(x))", "7×7 conv with stride 1, then pool", "stride 1"),
    ("GoogLeNet", "self.conv3 =", "3×3 합성곱, 스트라이드 2", "stride 2"),
    ("Inception", "self.branch1 =", "branch 2: the 1×1 conv", "branch 2"),
    ("Inception", "conv_block(ch5x5red, ch5x5", "3×3 conv after the reduce", "3×3 kernel"),
    ("AuxClassifier", "self.conv(self.pool(x))", "5×5 average pool, stride 2, then conv", "stride 2"),
    ("googlenet_loss", "return F.cross_entropy(logits", "main loss + 0.5 × the auxiliary losses", "0.5"),
    ("GoogLeNet", "self.conv3 =", "a convolution layer", "in numbers"),   # says nothing of this conv
    ("GoogLeNet", "x = self.maxpool1(self.conv1(x))", "7×7 conv → 64×112×112", "pooling"),  # names half
])
def test_comment_with_a_wrong_or_missing_fact_is_flagged(part, code, text, says):
    result = _comment(part, code, text, lang="en")
    assert result.status == "wrong" and says in result.message, result.message


def test_comment_messages_are_korean_for_korean_comments():
    result = _comment("GoogLeNet", "self.conv3 =", "파라미터 수 36,864개인 3×3 합성곱")
    assert "파라미터 수가 아닙니다" in result.message


def test_googlenet_comment_shapes_at_the_students_size_are_accepted_too():
    assert _comment("GoogLeNet", "x = self.inception3b(x)", "3b → 480×25×25", size=200).correct
    assert not _comment("GoogLeNet", "x = self.inception3b(x)", "3b → 480×25×25").correct


def test_googlenet_comment_hwc_accepted_but_flagged():
    result = _comment("GoogLeNet", "x = self.inception3b(x)", "3b 출력: 28×28×480")
    assert result.correct and "H×W×C" in result.message


def test_googlenet_diagnoses():
    report = googlenet.check({"input_size": 224 + 1, "shapes": {"conv1": (113, 113, 64), "maxpool1": (64, 55, 55),
                                                             "inception3a": (192, 28, 28)},
                              "branches": {"inception4a": (208, 192, 48, 64)},
                              "costs": {"macs_reduced": 51.08}})
    assert "H×W×C" in report["shapes['conv1']"].message
    assert "channel count is right" in report["shapes['maxpool1']"].message
    assert "height and width are right" in report["shapes['inception3a']"].message
    assert "millions" in report["costs['macs_reduced']"].message


# Malformed answers: (item, value, what the message must say). The item is always named.
MALFORMED = [
    (("shapes", "conv1"), "64x100x100", ["got the string '64x100x100'", "(C, H, W)", "not text"]),
    (("shapes", "conv1"), (64, 100), ["(C, H, W)", "got 2 numbers instead of 3"]),
    (("shapes", "conv1"), (64, 100, 100, 1), ["got 4 numbers instead of 3"]),
    (("shapes", "conv1"), (64, -100, 100), ["-100", "not positive"]),
    (("shapes", "conv1"), (64, 100.5, 100), ["100.5", "not a positive int"]),
    (("shapes", "conv1"), (True, 100, 100), ["True", "not a positive int"]),
    (("shapes", "conv1"), 64, ["(C, H, W)", "got the number 64"]),
    (("shapes", "conv1"), torch.Size([64, 100, 100]), []),  # a tuple subclass: accepted (checked as correct)
    (("shapes", "conv1"), torch.zeros(3), ["(C, H, W)", "the entry 0 is not positive"]),
    (("shapes", "conv1"), torch.zeros(2, 3), ["(C, H, W)", "a tensor of shape (2, 3)"]),
    (("branches", "inception4a"), (192, 96, 208, 16, 48, 64), ["4 positive ints", "got 6 numbers"]),
    (("branches", "inception4a"), (192, 208, 48), ["4 positive ints", "got 3 numbers instead of 4"]),
    (("costs", "aux_params"), True, ["got the bool True", "positive int"]),
    (("costs", "aux_params"), -256, ["got -256"]),
    (("costs", "aux_params"), 256.5, ["got 256.5"]),
    (("costs", "aux_params"), "256", ["got the string '256'", "not text"]),
    (("costs", "macs_reduced"), "51M", ["got the string '51M'", "not '128M'"]),
    (("costs", "macs_reduced"), float("nan"), ["got nan"]),
    (("costs", "macs_reduced"), 0, ["got 0"]),
    (("aux", "training"), "E", ["one of the letters 'A', 'B', 'C', 'D'", "got the string 'E'"]),
    (("aux", "training"), 2, ["one of the letters", "got the number 2"]),
    (("comments", 1), 42, ["a comment: a string", "got the number 42"]),
]


@pytest.mark.parametrize("path, value, says", MALFORMED, ids=lambda v: repr(v)[:30])
def test_googlenet_malformed_answers_get_a_clear_message(path, value, says):
    report = googlenet.check(_set(GOOGLENET_ANSWERS, path, value))
    result = report[_label(path)]
    if not says:
        assert result.correct
        return
    assert result.status == "malformed"
    assert result.message.startswith(_label(path) + ": expected ")  # names the item and the form
    for text in says:
        assert text in result.message, (text, result.message)
    assert report.n_answered == 1
    korean = googlenet.check(_set(GOOGLENET_ANSWERS, path, value), lang="ko")[_label(path)]
    assert korean.status == "malformed" and korean.message.startswith(_label(path) + ": 필요한 형식: ")


def test_googlenet_unknown_keys_suggest_close_matches():
    report = googlenet.check({"shape": {}, "shapes": {"inception3c": (1, 2, 3), "Conv1": (64, 112, 112),
                                                      7: (1, 1, 1)},
                              "branches": {"incepton4a": (1, 2, 3, 4)}, "zzz": 1})
    messages = {p.item: p.message for p in report.problems}
    assert "did you mean 'shapes'" in messages["answers['shape']"]
    assert "'inception3a'" in messages["shapes['inception3c']"]
    assert "did you mean 'conv1'" in messages["shapes['Conv1']"]
    assert "unknown key" in messages["shapes[7]"]
    assert "did you mean 'inception4a'" in messages["branches['incepton4a']"]
    assert "The keys are: shapes, branches" in messages["answers['zzz']"]
    assert "Expected one of: 'conv1'" in messages["shapes[7]"]
    assert report.n_answered == 0  # unknown keys are problems, not items
    assert "problems with the form" in report.summary()
    korean = googlenet.check({"shape": {}}, lang="ko")
    assert "모르는 키" in korean.problems[0].message


@pytest.mark.parametrize("answers", [None, [("conv1", (64, 112, 112))], "conv1: 64x112x112", 3,
                                     {"shapes": [(64, 112, 112)]}, {"shapes": "conv1"}])
def test_googlenet_non_dict_answers_are_reported_not_raised(answers):
    report = googlenet.check(answers)
    assert report.n_answered == 0 and len(report.problems) == 1
    assert "must be a dict" in report.problems[0].message
    assert "must be a dict" in str(report) and "must be a dict" in report._repr_html_()


def test_googlenet_partial_answers_and_what_blank_items_are_worth():
    report = googlenet.check({"input_size": S, "shapes": {"conv1": (64, 100, 100), "maxpool1": (64, 50, 50)},
                              "aux": {"training": None}})
    assert report.n_correct == report.n_answered == 2
    assert report.n_total == N_ITEMS
    assert {r.status for r in report.results} == {"correct", "not answered"}
    text = str(report)
    # issue 20: the report said "not counted as wrong", but grade counts them as not correct
    assert "not counted as wrong" not in text and "each scores 0 if handed in blank" in text
    assert "shapes: conv2, conv3" in text and "branches: all 7" in text
    assert report.points == pytest.approx(20 * 2 / 16)


def test_googlenet_template_is_blank_and_complete():
    blank = googlenet.template()
    report = googlenet.check(blank)
    assert report.n_answered == 0 and report.n_total == N_ITEMS and not report.problems
    assert set(blank) == set(GOOGLENET_ANSWERS)
    assert all(set(blank[s]) == set(GOOGLENET_ANSWERS[s]) for s in blank if s != "input_size")


def test_report_prints_text_and_html():
    answers = {"input_size": S, "shapes": {"conv1": (64, 100, 100), "maxpool1": (64, 51, 51),
                                           "conv2": "64x50x50"}}
    report = googlenet.check(answers)
    text = str(report)
    assert text == repr(report)
    assert text.splitlines()[0] == f"GoogLeNet annotation (assignment 1): 1 correct / 3 answered / {N_ITEMS} items"
    assert " ✓ shapes['conv1']" in text and " ✗ shapes['maxpool1']" in text
    assert "points: 1.2 / 80 (a 1.2/20" in text and "marked by your teacher: (f)" in text
    page = report._repr_html_()
    assert "<table>" in page and "✓" in page and "✗" in page and "shapes[&#x27;conv1&#x27;]" in page


def test_check_leaves_the_random_state_alone():
    state = torch.get_rng_state()
    googlenet.check({"input_size": 300, "shapes": {"conv1": (1, 2, 3)}, "comments": {50: "a b"}})
    assert torch.equal(state, torch.get_rng_state())


# --- the hand-out ----------------------------------------------------------------------------

def test_the_hand_out_is_the_packages_googlenet():
    """Same parameters under the same names, same outputs in both modes, the same loss."""
    from cnncourse.exercises import googlenet_handout as h
    from cnncourse.models.googlenet import GoogLeNet, googlenet_loss

    torch.manual_seed(0)
    ours, theirs = GoogLeNet(), h.GoogLeNet()
    assert [(n, p.shape) for n, p in ours.named_parameters()] == [(n, p.shape) for n, p in theirs.named_parameters()]
    theirs.load_state_dict(ours.state_dict())
    x, target = torch.randn(2, 3, 224, 224), torch.tensor([3, 7])
    with torch.no_grad():
        assert torch.equal(ours.eval()(x), theirs.eval()(x))
    torch.manual_seed(1)
    a = ours.train()(x)
    torch.manual_seed(1)
    b = theirs.train()(x)
    assert isinstance(b, tuple) and len(b) == 3 and all(torch.equal(p, q) for p, q in zip(a, b))
    assert torch.equal(googlenet_loss(a, target), h.googlenet_loss(b, target))


def test_the_hand_out_shows_whole_lines_and_no_course_plumbing(capsys):
    googlenet.print_handout()
    printed = capsys.readouterr().out
    assert "…" not in printed and "LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0)" in printed
    for needed in ["def conv_block(", "self.maxpool3 = nn.MaxPool2d", "self.maxpool4 = nn.MaxPool2d",
                   "self.avgpool = nn.AvgPool2d(7", "self.dropout = nn.Dropout(0.4)", "self.fc = nn.Linear"]:
        assert needed in printed, needed
    assert len(re.findall(r"= Inception\(\d+(?:, \d+){6}\)", printed)) == 9
    for plumbing in ["input_spec", "GoogLeNetOutput", "batch_norm", "aux_logits", "init_weights"]:
        assert plumbing not in printed, plumbing
    numbered = [line.code.strip() for line in googlenet.handout()]
    assert "super().__init__()" not in numbered and not any(c.startswith(")") for c in numbered)


def test_a_comment_in_the_model_file_changes_no_answer(tmp_path):
    """Nothing is keyed on a source's comments: a copy of the package whose model file has
    comments added gives the same hand-out, the same facts and the same keys."""
    import shutil

    import cnncourse

    copy = tmp_path / "cnncourse"
    shutil.copytree(Path(cnncourse.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("models/googlenet.py", "exercises/googlenet_handout.py"):
        path = copy / name
        text = path.read_text(encoding="utf-8")
        edited = re.sub(r"(\n(\s+)self\.conv3 = [^\n]*)", r"\n\2# a comment added\1  # and another", text)
        assert edited != text
        path.write_text(edited, encoding="utf-8")
    code = ("import pickle, sys; from cnncourse.exercises import googlenet as g; "
            "sys.stdout.buffer.write(pickle.dumps(([(l.number, l.names, l.kinds) for l in g.handout()], "
            "g.template(), g._facts()['modules'])))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(tmp_path)}).stdout
    lines, template, modules = pickle.loads(out)
    assert lines == [(line.number, line.names, line.kinds) for line in googlenet.handout()]
    assert template == googlenet.template() and modules == googlenet._facts()["modules"]


def test_facts_come_from_the_package_counter_and_agree_with_torch():
    # multiply-adds are count_flops' (fvcore); torch.utils.flop_counter, counting 2 per
    # multiply-add on the meta device, is an independent check of the numbers the checkers use
    from torch.utils.flop_counter import FlopCounterMode

    def torch_macs(model, size):
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model.eval()(torch.zeros(1, *size, device="meta"))
        return counter.get_total_flops() // 2

    model = googlenet._model()
    modules = googlenet._facts()["modules"]
    assert modules["inception5a"]["macs"] == torch_macs(model.inception5a, (832, 7, 7)) == 51_079_168
    assert modules["conv1.0"]["macs"] == 7 * 7 * 3 * 64 * 112 * 112


def test_first_check_in_a_fresh_process_is_fast():
    # The facts are computed on the first check (no stored copy): a trace on the meta device and
    # one count. CPU time, not wall time, so that a busy machine does not fail it.
    code = ("import time; from cnncourse.exercises import googlenet, resnet; t = time.process_time(); "
            "googlenet.check({'input_size': 200, 'shapes': {'conv1': (64, 100, 100)}, "
            "'comments': {56: '7×7 conv → 64×112×112; 3×3/2 max pool → 64×56×56'}}); "
            "t1 = time.process_time(); resnet.check({'bottleneck_projection_ratio': 1.9}); "
            "print(t1 - t, time.process_time() - t1)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "OMP_NUM_THREADS": "1"}).stdout
    first_googlenet, first_resnet = map(float, out.split())
    assert first_googlenet < 4.0 and first_resnet < 2.0, out


# ----------------------------------------------------------------------------- assignment 2

# Read in the paper (He et al. 2015) for these tests; the sealed key must agree.
RESNET_ANSWERS = {
    "figure7": "B",              # §4.2: ResNets' responses smaller, deeper ones smaller still
    "table4_multiscale": "D",    # §3.4: fully convolutional, multi-scale testing (Table 4)
    "deep_and_thin": "B",        # §4.2: no maxout/dropout, "deep and thin architectures by design"
    "cifar1202": "A",            # §4.2: training error < 0.1%, 7.93% vs 6.43% test; overfitting
    "option_a": "C",             # §4.1: zero-padded dimensions have no residual learning
    "option_c": "A",             # §4.1: thirteen projection shortcuts' extra parameters
    "more_iterations": "C",      # §4.1, footnote: 3× iterations, still degraded
    "bottleneck_identity": "D",  # §4.1: projection joins the two high-dimensional ends: doubled
    "coco": "A",                 # §4.3: +6.0 mAP@[.5,.95], 28% relative
    "table4_top5": 4.49,         # Table 4, ResNet-152
    "cifar110_mean": 6.61,       # Table 6: 6.43 (6.61 ± 0.16)
    "bottleneck_projection_ratio": 1.94,   # (70,400 + 66,048) / 70,400
}


def test_resnet_correct_answers_all_pass():
    report = resnet.check(RESNET_ANSWERS, key=KEYS["resnet"])
    assert [r.item for r in report.results if not r.correct] == []
    assert report.all_correct and report.n_total == len(_data.records("resnet")) == 12
    assert report.points == 30


def test_resnet_before_the_release_only_the_code_question_is_scored():
    report = resnet.check(RESNET_ANSWERS)
    assert report.n_correct == 1 and report.n_recorded == 11
    assert report["bottleneck_projection_ratio"].correct


def test_resnet_reading_questions_point_to_the_paper():
    for rec in _data.records("resnet"):
        for lang in ("en", "ko"):
            if not rec.get("code"):
                assert re.search(r"§\d|Figure \d|Table \d|그림 \d|표 \d", rec["hint"][lang]), rec["id"]


def test_resnet_tolerances():
    report = resnet.check({"bottleneck_projection_ratio": 1.936, "table4_top5": 4.494, "cifar110_mean": 6.6},
                          key=KEYS["resnet"])
    assert report["bottleneck_projection_ratio"].correct and report["table4_top5"].correct
    assert report["cifar110_mean"].status == "wrong"   # two decimals are asked for


@pytest.mark.parametrize("key", list(RESNET_ANSWERS))
def test_resnet_wrong_item_gets_hint_without_answer(key):
    correct = RESNET_ANSWERS[key]
    wrong = ("A" if correct != "A" else "D") if isinstance(correct, str) else correct + 0.5
    for lang in ("en", "ko"):
        report = resnet.check({key: wrong}, lang=lang, key=KEYS["resnet"])
        result = report[key]
        assert result.status == "wrong"
        rec = _data.record("resnet", key)
        assert rec["hint"][lang] in result.message
        for text in _answer_texts(correct):
            assert not _contains_number(result.message, text), (text, result.message)
        if isinstance(correct, str):
            assert f"'{correct}'" not in result.message and rec["options"][correct][lang] not in result.message


@pytest.mark.parametrize("key, value, says", [
    ("bottleneck_projection_ratio", "1.9x", ["got the string '1.9x'", "a ratio"]),
    ("bottleneck_projection_ratio", float("inf"), ["got the number inf"]),
    ("bottleneck_projection_ratio", (1, 2), ["got a tuple of length 2"]),
    ("table4_top5", "4.49%", ["got the string '4.49%'", "top-5 error"]),
    ("figure7", "option B", ["one of the letters 'A', 'B', 'C', 'D'"]),
    ("figure7", False, ["got the bool False"]),
])
def test_resnet_malformed_answers_get_a_clear_message(key, value, says):
    report = resnet.check({key: value})
    result = report[key]
    assert result.status == "malformed"
    assert result.message.startswith(f"{key}: expected ")
    for text in says:
        assert text in result.message, (text, result.message)


def test_resnet_unknown_key_and_non_dict():
    report = resnet.check({"figure_7": 1, "coc": "B"})
    messages = {p.item: p.message for p in report.problems}
    assert "did you mean 'figure7'" in messages["answers['figure_7']"]
    assert "'coco'" in messages["answers['coc']"]
    report = resnet.check([173_824])
    assert "must be a dict" in report.problems[0].message and report.n_answered == 0


def test_resnet_partial_and_template():
    report = resnet.check({"bottleneck_projection_ratio": 1.94, "figure7": "A"})
    assert (report.n_correct, report.n_answered, report.n_total) == (1, 2, 12)
    assert sum(r.status == "not answered" for r in report.results) == 10
    assert resnet.check(resnet.template()).n_answered == 0


def test_resnet_questions_print_in_both_languages_without_answers():
    for lang in ("en", "ko"):
        text = resnet.questions(lang)
        assert text.count("\n     A) ") == 9 and "[figure7]" in text
        assert all(rec["text"][lang][:30] in text.replace("\n   ", " ") for rec in _data.records("resnet"))


# ----------------------------------------------------------------------------- shared behaviour

NUMERIC_FORMS = [np.int64(3_188_840), np.int32(3_188_840), torch.tensor(3_188_840), torch.tensor(3_188_840.0),
                 np.float64(3_188_840.0), np.array(3_188_840), fractions.Fraction(3_188_840),
                 decimal.Decimal(3_188_840)]


@pytest.mark.parametrize("value", NUMERIC_FORMS, ids=lambda v: type(v).__name__)
def test_every_natural_numeric_type_is_accepted(value):
    result = googlenet.check({"costs": {"aux_params": value}})["costs['aux_params']"]
    assert result.correct, result.message


@pytest.mark.parametrize("value", [torch.Size([64, 100, 100]), np.array([64, 100, 100]),
                                   torch.tensor([64, 100, 100]), [np.int64(64), 100, torch.tensor(100)],
                                   (64.0, 100, 100)], ids=lambda v: type(v).__name__)
def test_every_natural_shape_type_is_accepted(value):
    result = googlenet.check({"input_size": S, "shapes": {"conv1": value}})["shapes['conv1']"]
    assert result.correct, result.message


def test_float_where_an_int_is_wanted_is_said():
    result = googlenet.check({"costs": {"aux_params": 3_188_840.0}})["costs['aux_params']"]
    assert result.correct and "is a float; an int is expected" in result.message
    result = googlenet.check({"input_size": S, "shapes": {"conv1": (64.0, 100, 100)}})["shapes['conv1']"]
    assert "is a float" in result.message


@pytest.mark.parametrize("value, says", [
    (10 ** 5000, "an int of about 5001 digits"),
    (np.int64(-3), "got -3"),
    (np.bool_(True), "got the bool True"),
    (torch.tensor([1, 2]), "a tensor of shape (2,)"),
    (torch.tensor(True), "got a 0-d tensor of dtype bool"),
    (1 + 2j, "got a complex"),
    (object(), "got an object"),
], ids=["huge-int", "np-negative", "np-bool", "1d-tensor", "bool-tensor", "complex", "object"])
def test_odd_values_get_a_one_line_message(value, says):
    report = googlenet.check({"costs": {"aux_params": value}})
    result = report["costs['aux_params']"]
    assert result.status == "malformed" and says in result.message, result.message
    assert "\n" not in result.message and len(result.message) < 300


def test_odd_keys_do_not_break_the_checker():
    first = GOOGLENET_ANSWERS["comments"][1]
    report = googlenet.check({"comments": {"²": "x y", "１": first, 10 ** 5000: "z"}, 10 ** 5000: 1, (1, 2): 3})
    assert report["comments[1]"].correct  # a full-width digit is still a digit
    texts = [p.item + p.message for p in report.problems]
    assert any("'²'" in t for t in texts) and any("digits" in t for t in texts)


def test_report_wording_counts_and_articles():
    report = resnet.check({"bottleneck_projection_ratio": 1.94, "x": 1})
    assert report.summary() == "1 correct / 1 answered / 12 items; 1 problem with the form"
    report = resnet.check({"x": 1, "y": 2})
    assert report.summary().endswith("; 2 problems with the form")
    result = resnet.check({"figure7": np.int64(2)})["figure7"]
    assert "an int64" in result.message


def test_solutions_are_released_by_the_teacher_not_by_an_attempt():
    """Issue 20: a check of any attempt used to unlock every worked solution."""
    googlenet.check({"input_size": S, "shapes": {"conv1": (1, 1, 1)}, "aux": {"training": "A"}})
    resnet.check({"figure7": "C"})
    for text in (googlenet.solution("shapes"), googlenet.solution("aux"), resnet.solution("figure7")):
        assert "released by your teacher" in text and "hw.release" in text
    assert "선생님이" in googlenet.solution("costs", lang="ko")
    with pytest.raises(ValueError, match="does not open the solutions"):
        googlenet.release("gln-aaaa-bbbb-cccc-dddd")
    with pytest.raises(ValueError, match="does not open the solutions"):
        googlenet.release(KEYS["resnet"])     # each assignment has its own key
    googlenet.release(KEYS["googlenet"])
    assert "51,079,168" in googlenet.solution("costs") and "258,306,048" in googlenet.solution("costs")
    assert googlenet.solution("aux").startswith("training: D")
    assert "100×100" in googlenet.solution("shapes", input_size=200)
    assert "released by your teacher" in resnet.solution("figure7")   # not this one's key
    resnet.release(KEYS["resnet"])
    assert resnet.solution("figure7").startswith("figure7: B") and "§4.2" in resnet.solution("figure7")
    assert resnet.solution("bottleneck_projection_ratio").startswith("bottleneck_projection_ratio: 1.938")
    with pytest.raises(ValueError, match="part must be one of"):
        googlenet.solution("shape")


def test_review_template_and_rubric_come_with_the_package(tmp_path):
    """Assignment 2's templates (English, Korean) and rubric reach a notebook opened alone
    (Colab) through the package, section by section aligned; writing the template never
    overwrites a review in progress."""
    from cnncourse.exercises import resnet as hw

    criteria = _data.rubric("resnet")
    assert sum(c["points"] for c in criteria) == 100 and len(criteria) == 9
    for lang, start in (("en", "# ResNet paper review — template"), ("ko", "# ResNet 논문 리뷰 양식")):
        shown = hw.review_template(lang=lang)
        assert shown._repr_markdown_().startswith(start)
        sections = [line for line in shown.splitlines() if line.startswith("## ")]
        assert [s.split(".")[0] for s in sections[:8]] == [f"## {i}" for i in range(1, 9)]
        for i, section in enumerate(sections[:8], start=1):   # section i is marked by criterion i
            assert re.search(rf"(criterion|기준) {i}$", section), section
        rubric = hw.rubric(lang)
        assert "100" in rubric and len([r for r in rubric.splitlines() if r.startswith("| r")]) == 9
    assert "autograd" not in criteria[1]["full"]["en"].split("—")[0]   # shown by hand; autograd optional
    assert "8. Verdict" in str(hw.rubric()) and "own" in criteria[4]["full"]["en"]

    path = tmp_path / "review" / "mine.md"
    assert hw.review_template(path) == path and path.read_text(encoding="utf-8") == str(hw.review_template())
    path.write_text("my half-written review", encoding="utf-8")
    with pytest.raises(FileExistsError, match="mine.md exists already"):
        hw.review_template(path)
    assert path.read_text(encoding="utf-8") == "my half-written review"


def test_korean_particles_follow_the_last_sound():
    """Messages attach 은/는, 이/가, 을/를 as a Korean reads the word before them (a number as
    its Korean numeral: 36,864 → …사는, 128 → …팔은), never "은(는)" after a number."""
    from cnncourse.exercises._lang import josa

    assert [josa(w, "은", "는") for w in ("36,864", "128", "0.5", "100", "파일", "모델")] == \
        ["36,864는", "128은", "0.5는", "100은", "파일은", "모델은"]
    assert josa("conv1", "이", "가") == "conv1이" and josa("layer2", "을", "를") == "layer2를"
    assert josa("ReLU", "은", "는") == "ReLU은(는)"   # a Latin letter: both forms
    assert josa("파일", "으로", "로") == "파일로" and josa("7", "으로", "로") == "7로"
