"""The assignment checkers (cnncourse.exercises): right answers pass, wrong ones get a hint that
does not give the answer away, malformed ones a clear message, and nothing raises.

The correct answers below are written out by hand from the papers (GoogLeNet Table 1, ResNet
Tables 1 and 6) and our own counts; the checkers compute theirs from the models, so these tests
also check that the two agree. The models are built once per process (the checkers cache them).
"""
import decimal
import fractions
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from cnncourse.exercises import Report, googlenet, resnet

# ----------------------------------------------------------------------------- assignment 1

GOOGLENET_ANSWERS = {
    "shapes": {
        "conv1": (64, 112, 112), "maxpool1": (64, 56, 56), "conv2": (64, 56, 56), "conv3": (192, 56, 56),
        "maxpool2": (192, 28, 28), "inception3a": (256, 28, 28), "inception3b": (480, 28, 28),
        "maxpool3": (480, 14, 14), "inception4a": (512, 14, 14), "inception4b": (512, 14, 14),
        "inception4c": (512, 14, 14), "inception4d": (528, 14, 14), "inception4e": (832, 14, 14),
        "maxpool4": (832, 7, 7), "inception5a": (832, 7, 7), "inception5b": (1024, 7, 7),
        "avgpool": (1024, 1, 1),
    },
    "branches": {
        "inception3a": (64, 128, 32, 32), "inception3b": (128, 192, 96, 64),
        "inception4a": (192, 208, 48, 64), "inception4b": (160, 224, 64, 64),
        "inception4c": (128, 256, 64, 64), "inception4d": (112, 288, 64, 64),
        "inception4e": (256, 320, 128, 128), "inception5a": (256, 320, 128, 128),
        "inception5b": (384, 384, 128, 128),
    },
    "concat": {"inception3a": 256, "inception3b": 480, "inception4a": 512, "inception4b": 512,
               "inception4c": 512, "inception4d": 528, "inception4e": 832, "inception5a": 832,
               "inception5b": 1024},
    # 3a: weights 163,328 × 28·28; naive: (192·64 + 9·192·128 + 25·192·32) × 28·28
    "macs": {"with_reduction": 128_049_152, "without_reduction": 303_464_448},
    "aux": {"training": "B", "evaluation": "C", "loss_weight": "B"},
}
# (e): one comment per hand-out line, with no numbers in it (numbers are tested below)
GOOGLENET_ANSWERS["comments"] = {line.number: "explains what this line does"
                                 for line in googlenet.handout()}
N_LINES = len(googlenet.handout())
N_ITEMS = 17 + 9 + 9 + 2 + 3 + N_LINES


def _items(answers):
    """(path, value) for every item of a nested answer dict."""
    for section, value in answers.items():
        if isinstance(value, dict):
            for key, v in value.items():
                yield (section, key), v
        else:
            yield (section,), value


def _set(answers, path, value):
    """A copy of ``answers`` holding only ``path`` = ``value``."""
    if len(path) == 1:
        return {path[0]: value}
    return {path[0]: {path[1]: value}}


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
        return [f"{value:.1f}"]
    if isinstance(value, int):
        return [str(value), f"{value:,}", f"{value:_}"]
    return []


def _contains_number(text, number_text):
    return re.search(rf"(?<![\d.,_]){re.escape(number_text)}(?![\d])", text) is not None


@pytest.fixture(scope="module")
def googlenet_report():
    return googlenet.check(GOOGLENET_ANSWERS)


def test_googlenet_correct_answers_all_pass(googlenet_report):
    report = googlenet_report
    assert isinstance(report, Report)
    assert [r.item for r in report.results if not r.correct] == []
    assert report.problems == []
    assert report.n_total == report.n_correct == report.n_answered == N_ITEMS
    assert report.score == 1.0 and report.all_correct
    assert f"{N_ITEMS} correct / {N_ITEMS} answered / {N_ITEMS} items" in str(report)


def test_googlenet_optional_layers_checked_when_given():
    extra = {"shapes": {"lrn1": (64, 56, 56), "lrn2": (192, 56, 56), "fc": (1000,)}}
    report = googlenet.check(extra)
    assert [r.status for r in report.results if r.status != "not answered"] == ["correct"] * 3
    assert googlenet.check({"shapes": {"fc": (1000, 1, 1)}})["shapes['fc']"].status == "malformed"


def test_googlenet_comments_as_list_or_string_keys():
    comments = list(GOOGLENET_ANSWERS["comments"].values())
    report = googlenet.check({"comments": comments})
    assert report["comments[1]"].correct and report[f"comments[{N_LINES}]"].correct
    report = googlenet.check({"comments": {"1": "explains the line", " 2 ": "explains the line"}})
    assert report["comments[1]"].correct and report["comments[2]"].correct


def test_googlenet_comment_keys_naming_one_line_are_reported():
    report = googlenet.check({"comments": {1: "explains the line", "1": "x", " 01 ": "y", "2": "explains it"}})
    assert report["comments[1]"].correct and report["comments[2]"].correct  # the first key is checked
    problems = {p.item: p.message for p in report.problems}
    assert set(problems) == {"comments['1']", "comments[' 01 ']"}
    assert all("names the same line as comments[1]" in m for m in problems.values())


def test_a_huge_answer_dict_gets_a_short_report_quickly():
    """100,000 stray keys (a 1 MB submission): the first 20 problems are listed, the rest counted;
    before, the report ran to megabytes and took seconds."""
    import time

    for answers in ({f"k{i}": 1 for i in range(100_000)},
                    {"comments": {f"c{i}": "a b" for i in range(100_000)}},
                    {"shapes": {f"conv{i}": [1, 2, 3] for i in range(100_000)}}):
        start = time.perf_counter()
        report = googlenet.check(answers)
        assert time.perf_counter() - start < 2.0
        assert len(report.problems) == 21 and re.search(r"99,9\d\d more such problems", report.problems[-1].message)
        assert len(str(report)) < 20_000


@pytest.mark.parametrize("path", [p for p, _ in _items(GOOGLENET_ANSWERS) if p[0] != "comments"],
                         ids=_label)
def test_googlenet_wrong_item_gets_hint_without_answer(path):
    correct = GOOGLENET_ANSWERS[path[0]][path[1]]
    report = googlenet.check(_set(GOOGLENET_ANSWERS, path, _wrong(correct)))
    result = report[_label(path)]
    assert result.status == "wrong"
    question = next(q for q in googlenet.questions() if q.path == path)
    assert question.hint in result.message
    for text in _answer_texts(correct):
        assert not _contains_number(result.message, text), (text, result.message)
    if path[0] == "aux":  # a choice: neither the letter nor the option's text
        assert googlenet.AUX_OPTIONS[path[1]][correct] not in result.message
        assert f"'{correct}'" not in result.message and f"({correct})" not in result.message
    assert report.n_answered == 1 and report.n_correct == 0


def _line(part, text):
    """The number of the hand-out line of ``part`` whose code contains ``text``."""
    (line,) = [x for x in googlenet.handout() if x.part.startswith(part) and text in x.code]
    return line.number


def test_googlenet_comments_fair_to_korean_and_english():
    concat = _line("Inception.forward", "torch.cat")
    for text in ["채널 방향으로 이어 붙인다",          # 12 characters, a good Korean comment
                 "네 가지 출력을 채널 축으로 연결",
                 "concatenate along the channels",
                 "# stack the branch outputs"]:
        assert googlenet.check({"comments": {concat: text}})[f"comments[{concat}]"].correct, text
    for text in ["aaaaaaaaaaaaaaa", "ㅋㅋㅋㅋㅋㅋ", "x", "cat", "concat concat", "   ", "# "]:
        result = googlenet.check({"comments": {concat: text}})[f"comments[{concat}]"]
        assert result.status in ("wrong", "not answered"), text


@pytest.mark.parametrize("text", ["3b → 480×28×28", "3b: 480x28x28", "3b gives (480, 28, 28)",
                                  "N × 480 × 28 × 28 after 3b", "3a, 3b 통과 후 480 X 28 X 28",
                                  "3a 출력 256×28×28, 3b 출력 480×28×28", "3b outputs 480 channels",
                                  "채널 480개: 3b 의 출력"])
def test_googlenet_comment_shapes_accepted_in_every_spelling(text):
    number = _line("GoogLeNet.forward", "self.inception3b(self.inception3a(x))")
    result = googlenet.check({"comments": {number: text}})[f"comments[{number}]"]
    assert result.correct, result.message


def test_googlenet_comment_hwc_accepted_but_flagged():
    number = _line("GoogLeNet.forward", "self.inception3b(self.inception3a(x))")
    result = googlenet.check({"comments": {number: "3b 출력: 28×28×480"}})[f"comments[{number}]"]
    assert result.correct and "H×W×C" in result.message


@pytest.mark.parametrize("part, code, text, says", [
    ("GoogLeNet.forward", "self.inception3b(self.inception3a(x))", "3b → 480×14×14", "480×14×14"),
    ("GoogLeNet.forward", "self.inception3b(self.inception3a(x))", "3b → 512 channels", "512 channels"),
    ("GoogLeNet.forward", "self.maxpool1(self.conv1(x))", "5×5 conv then pooling", "5×5 kernel"),
    ("GoogLeNet.forward", "self.maxpool1(self.conv1(x))", "7×7 conv with stride 1, then pool", "stride 1"),
    ("stem", "self.conv3 =", "3×3 합성곱, 스트라이드 2", "stride 2"),
    ("Inception.__init__", "self.branch1 =", "branch 2: the 1×1 conv", "branch 2"),
    ("Inception.__init__", "conv_block(ch5x5red, ch5x5", "3×3 conv after the reduce", "3×3 kernel"),
    ("AuxClassifier.forward", "self.conv(self.pool(x))", "5×5 average pool, stride 2", "stride 2"),
])
def test_googlenet_comment_with_a_wrong_number_is_flagged(part, code, text, says):
    number = _line(part, code)
    result = googlenet.check({"comments": {number: text}})[f"comments[{number}]"]
    assert result.status == "wrong" and says in result.message, result.message


def test_googlenet_comments_right_numbers_pass():
    cases = [("stem", "self.conv1 =", "7×7 conv, stride 2: 3×224×224 → 64×112×112"),
             ("stem", "self.conv3 =", "3×3 합성곱, 패딩 1로 크기 유지: 64 → 192 채널"),
             ("Inception.__init__", "conv_block(ch5x5red, ch5x5", "5×5 conv, padding 2 keeps 28×28"),
             ("Inception.forward", "torch.cat", "3a: 64+128+32+32 = 256 channels, (256, 28, 28)"),
             ("AuxClassifier.forward", "self.conv(self.pool(x))", "5×5/3 평균 풀링 → 512×4×4, 1×1 conv → 128×4×4"),
             ("GoogLeNet.forward", "torch.flatten", "7×7 average pool → 1024×1×1, flattened to 1024 features")]
    for part, code, text in cases:
        number = _line(part, code)
        result = googlenet.check({"comments": {number: text}})[f"comments[{number}]"]
        assert result.correct, (text, result.message)


def test_googlenet_diagnoses():
    report = googlenet.check({"shapes": {"conv1": (112, 112, 64), "maxpool1": (64, 55, 55),
                                         "inception3a": (192, 28, 28)},
                              "branches": {"inception3a": (128, 64, 32, 32)},
                              "macs": {"with_reduction": 128.05}})
    assert "H×W×C" in report["shapes['conv1']"].message
    assert "channel count is right" in report["shapes['maxpool1']"].message
    assert "height and width are right" in report["shapes['inception3a']"].message
    assert "not in branch order" in report["branches['inception3a']"].message
    assert "millions" in report["macs['with_reduction']"].message


# Malformed answers: (item, value, what the message must say). The item is always named.
MALFORMED = [
    (("shapes", "conv1"), "64x112x112", ["got the string '64x112x112'", "(C, H, W)", "not text"]),
    (("shapes", "conv1"), (64, 112), ["(C, H, W)", "got 2 numbers instead of 3"]),
    (("shapes", "conv1"), (64, 112, 112, 1), ["got 4 numbers instead of 3"]),
    (("shapes", "conv1"), (64, -112, 112), ["-112", "not positive"]),
    (("shapes", "conv1"), (64, 112.5, 112), ["112.5", "not a positive int"]),
    (("shapes", "conv1"), (True, 112, 112), ["True", "not a positive int"]),
    (("shapes", "conv1"), 64, ["(C, H, W)", "got the number 64"]),
    (("shapes", "conv1"), torch.Size([64, 112, 112]), []),  # a tuple subclass: accepted (checked as correct)
    (("shapes", "conv1"), torch.zeros(3), ["(C, H, W)", "the entry 0 is not positive"]),
    (("shapes", "conv1"), torch.zeros(2, 3), ["(C, H, W)", "a tensor of shape (2, 3)"]),
    (("branches", "inception3a"), (64, 96, 128, 16, 32, 32), ["got 6 numbers", "reduce widths"]),
    (("branches", "inception3a"), (64, 128, 32), ["4 positive ints", "got 3 numbers instead of 4"]),
    (("concat", "inception3a"), True, ["got the bool True", "positive int"]),
    (("concat", "inception3a"), -256, ["got -256"]),
    (("concat", "inception3a"), 256.5, ["got 256.5"]),
    (("concat", "inception3a"), "256", ["got the string '256'", "not text"]),
    (("macs", "with_reduction"), "128M", ["got the string '128M'", "not '128M'"]),
    (("macs", "with_reduction"), float("nan"), ["got nan"]),
    (("macs", "with_reduction"), 0, ["got 0"]),
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


def test_googlenet_unknown_keys_suggest_close_matches():
    report = googlenet.check({"shape": {}, "shapes": {"inception3c": (1, 2, 3), "Conv1": (64, 112, 112),
                                                      7: (1, 1, 1)},
                              "concat": {"incepton3a": 256}, "zzz": 1})
    messages = {p.item: p.message for p in report.problems}
    assert "did you mean 'shapes'" in messages["answers['shape']"]
    assert "'inception3a'" in messages["shapes['inception3c']"]
    assert "did you mean 'conv1'" in messages["shapes['Conv1']"]
    assert "unknown key" in messages["shapes[7]"]
    assert "did you mean 'inception3a'" in messages["concat['incepton3a']"]
    assert "The keys are: shapes, branches" in messages["answers['zzz']"]
    assert "Expected one of: 'conv1'" in messages["shapes[7]"]
    assert report.n_answered == 0  # unknown keys are problems, not items
    assert "problems with the form" in report.summary()


@pytest.mark.parametrize("answers", [None, [("conv1", (64, 112, 112))], "conv1: 64x112x112", 3,
                                     {"shapes": [(64, 112, 112)]}, {"shapes": "conv1"}])
def test_googlenet_non_dict_answers_are_reported_not_raised(answers):
    report = googlenet.check(answers)
    assert report.n_answered == 0 and len(report.problems) == 1
    assert "must be a dict" in report.problems[0].message
    assert "must be a dict" in str(report) and "must be a dict" in report._repr_html_()


def test_googlenet_partial_answers_are_not_failed():
    report = googlenet.check({"shapes": {"conv1": (64, 112, 112), "maxpool1": (64, 56, 56)},
                              "aux": {"training": None}})
    assert report.n_correct == report.n_answered == 2
    assert report.n_total == N_ITEMS
    assert {r.status for r in report.results} == {"correct", "not answered"}
    text = str(report)
    assert "not answered (not counted as wrong)" in text
    assert "shapes: conv2, conv3" in text and "branches: all 9" in text


def test_googlenet_template_is_blank_and_complete():
    blank = googlenet.template()
    report = googlenet.check(blank)
    assert report.n_answered == 0 and report.n_total == N_ITEMS and not report.problems
    assert set(blank) == set(GOOGLENET_ANSWERS)
    assert all(set(blank[s]) == set(GOOGLENET_ANSWERS[s]) for s in blank)


def test_report_prints_text_and_html():
    answers = {"shapes": {"conv1": (64, 112, 112), "maxpool1": (64, 55, 55), "conv2": "64x56x56"}}
    report = googlenet.check(answers)
    text = str(report)
    assert text == repr(report)
    assert text.splitlines()[0] == (f"GoogLeNet annotation (assignment 1): 1 correct / 3 answered / {N_ITEMS} items")
    assert " ✓ shapes['conv1']" in text and " ✗ shapes['maxpool1']" in text
    page = report._repr_html_()
    assert "<table>" in page and "✓" in page and "✗" in page and "shapes[&#x27;conv1&#x27;]" in page


def test_check_leaves_the_random_state_alone():
    state = torch.get_rng_state()
    googlenet.check({"aux": {"training": "B"}})
    assert torch.equal(state, torch.get_rng_state())


# ----------------------------------------------------------------------------- assignment 2

# Written out by hand from the paper (He et al. 2015) and our own counts.
RESNET_ANSWERS = {
    "degradation": "B",                 # §1, Figure 1: higher *training* error
    "degradation_cause": "C",           # §4.1: unlikely vanishing gradients (BN); left open
    "figure4": "A",
    "relu_position": "B",               # "the second nonlinearity after the addition"
    "table3_deeper_option": "B",
    "why_b_not_c": "B",
    "table2_18_layers": "B",            # 27.94 vs 27.88; faster early convergence
    "cifar110_start": "B",              # lr 0.01 warm-up until training error < 80%
    "cifar1202": "A",
    "plain34_minus_plain18_top1": 0.60,  # 28.54 − 27.94
    "cifar_resnet110_n": 18,            # 6·18 + 2 = 110
    "resnet34_B_minus_A": 173_824,      # three 1×1 projections with BN: 8,320 + 33,280 + 132,224
    "resnet50_v1_gflops": 3.9,          # 3.86 measured; Table 1 prints 3.8
    "dHdx_at_2": 5.0,
}


def test_resnet_correct_answers_all_pass():
    report = resnet.check(RESNET_ANSWERS)
    assert [r.item for r in report.results if not r.correct] == []
    assert report.all_correct and report.n_total == len(resnet.QUESTIONS) == 14


def test_resnet_most_questions_are_reading_questions():
    reading = [k for k in resnet.QUESTIONS if not resnet.QUESTIONS[k][0].startswith("Code:")]
    assert len(reading) >= 10 and len(resnet.QUESTIONS) - len(reading) <= 3
    for key in reading:  # each hint points to a place in the paper
        assert re.search(r"§\d|Figure \d|Table \d", resnet.QUESTIONS[key][1]), key


def test_resnet_tolerances():
    report = resnet.check({"resnet50_v1_gflops": 3.86, "dHdx_at_2": 5, "plain34_minus_plain18_top1": 0.6,
                           "cifar_resnet110_n": 18.0})
    assert report.n_correct == 4
    assert "is a float" in report["cifar_resnet110_n"].message
    # Table 1's printed 3.8 is not what the model has for v1 (3.86): flagged, with the method hint
    report = resnet.check({"resnet50_v1_gflops": 3.8, "resnet34_B_minus_A": 173_825})
    assert report.n_correct == 0 and "Method" in report["resnet50_v1_gflops"].message


def _wrong_resnet(key, value):
    if isinstance(value, str):
        return "A" if value != "A" else "D"
    return _wrong(value)


@pytest.mark.parametrize("key", list(RESNET_ANSWERS))
def test_resnet_wrong_item_gets_hint_without_answer(key):
    correct = RESNET_ANSWERS[key]
    report = resnet.check({key: _wrong_resnet(key, correct)})
    result = report[key]
    assert result.status == "wrong"
    assert resnet.QUESTIONS[key][1] in result.message
    for text in _answer_texts(correct):
        assert not _contains_number(result.message, text), (text, result.message)
    if isinstance(correct, str):
        assert f"'{correct}'" not in result.message and resnet.OPTIONS[key][correct] not in result.message


@pytest.mark.parametrize("key, value, says", [
    ("resnet34_B_minus_A", "0.17M", ["got the string '0.17M'", "a parameter difference"]),
    ("resnet34_B_minus_A", -1, ["got -1"]),
    ("resnet34_B_minus_A", False, ["got the bool False"]),
    ("resnet34_B_minus_A", 0.5, ["not a whole number", "non-negative int"]),
    ("resnet34_B_minus_A", (1, 2), ["got a tuple of length 2"]),
    ("resnet50_v1_gflops", "3.9 G", ["got the string '3.9 G'", "GFLOPs"]),
    ("resnet50_v1_gflops", float("inf"), ["got the number inf"]),
    ("degradation", "option B", ["one of the letters 'A', 'B', 'C', 'D'"]),
    ("cifar_resnet110_n", 18.5, ["not a whole number"]),
])
def test_resnet_malformed_answers_get_a_clear_message(key, value, says):
    report = resnet.check({key: value})
    result = report[key]
    assert result.status == "malformed"
    assert result.message.startswith(f"{key}: expected ")
    for text in says:
        assert text in result.message, (text, result.message)


def test_resnet_unknown_key_and_non_dict():
    report = resnet.check({"resnet34_B_minus_a": 1, "degredation": "B"})
    messages = {p.item: p.message for p in report.problems}
    assert "did you mean 'resnet34_B_minus_A'" in messages["answers['resnet34_B_minus_a']"]
    assert "'degradation'" in messages["answers['degredation']"]
    report = resnet.check([173_824])
    assert "must be a dict" in report.problems[0].message and report.n_answered == 0


def test_resnet_partial_and_template():
    report = resnet.check({"dHdx_at_2": 5.0, "degradation": "A"})
    assert (report.n_correct, report.n_answered, report.n_total) == (1, 2, 14)
    assert sum(r.status == "not answered" for r in report.results) == 12
    assert "not answered" in str(report)
    assert resnet.check(resnet.template()).n_answered == 0


# ----------------------------------------------------------------------------- shared behaviour

NUMERIC_FORMS = [np.int64(256), np.int32(256), np.uint16(256), torch.tensor(256), torch.tensor(256.0),
                 np.float32(256.0), np.array(256), fractions.Fraction(256), decimal.Decimal(256)]


@pytest.mark.parametrize("value", NUMERIC_FORMS, ids=lambda v: type(v).__name__)
def test_every_natural_numeric_type_is_accepted(value):
    result = googlenet.check({"concat": {"inception3a": value}})["concat['inception3a']"]
    assert result.correct, result.message


@pytest.mark.parametrize("value", [torch.Size([64, 112, 112]), np.array([64, 112, 112]),
                                   torch.tensor([64, 112, 112]), [np.int64(64), 112, torch.tensor(112)],
                                   (64.0, 112, 112)], ids=lambda v: type(v).__name__)
def test_every_natural_shape_type_is_accepted(value):
    result = googlenet.check({"shapes": {"conv1": value}})["shapes['conv1']"]
    assert result.correct, result.message


def test_float_where_an_int_is_wanted_is_said():
    result = googlenet.check({"concat": {"inception3a": 256.0}})["concat['inception3a']"]
    assert result.correct and "is a float; an int is expected" in result.message
    result = googlenet.check({"shapes": {"conv1": (64.0, 112, 112)}})["shapes['conv1']"]
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
    report = googlenet.check({"concat": {"inception3a": value}})
    result = report["concat['inception3a']"]
    assert result.status == "malformed" and says in result.message, result.message
    assert "\n" not in result.message and len(result.message) < 300


def test_odd_keys_do_not_break_the_checker():
    report = googlenet.check({"comments": {"²": "x y", "１": "first line of the stem", 10 ** 5000: "z"},
                              10 ** 5000: 1, (1, 2): 3})
    assert report["comments[1]"].correct  # a full-width digit is still a digit
    texts = [p.item + p.message for p in report.problems]
    assert any("'²'" in t for t in texts) and any("digits" in t for t in texts)


def test_report_wording_counts_and_articles():
    report = resnet.check({"dHdx_at_2": 5.0, "x": 1})
    assert report.summary() == "1 correct / 1 answered / 14 items; 1 problem with the form"
    report = resnet.check({"x": 1, "y": 2})
    assert report.summary().endswith("; 2 problems with the form")
    result = resnet.check({"degradation": np.int64(2)})["degradation"]
    assert "an int64" in result.message


def test_solutions_only_after_an_attempt():
    googlenet._attempted.discard("macs")
    assert "Try first" in googlenet.solution("macs")
    googlenet.check({"macs": {"with_reduction": 1.0e8}})
    worked = googlenet.solution("macs")
    assert "128,049,152" in worked and "303,464,448" in worked
    resnet._attempted.discard("figure4")
    assert "Try first" in resnet.solution("figure4")
    resnet.check({"figure4": "C"})
    assert resnet.solution("figure4").startswith("figure4: A")
    with pytest.raises(ValueError, match="part must be one of"):
        googlenet.solution("shape")


def test_a_comment_in_the_model_file_changes_no_answer(tmp_path):
    # The checkers read the model, not its source text: a copy of the package whose GoogLeNet
    # file has comments added and edited gives the same hand-out, the same facts and the same
    # keys, with nothing to regenerate.
    import shutil

    import cnncourse

    copy = tmp_path / "cnncourse"
    shutil.copytree(Path(cnncourse.__file__).parent, copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    model_file = copy / "models" / "googlenet.py"
    text = model_file.read_text(encoding="utf-8")
    edited = text.replace("# 64 × 56 × 56", "# now 64×56×56, after the first pool\n        # (a new line)")
    edited = edited.replace("        self.inception3a = inception(\"inception3a\")",
                            "        # the first Inception module\n        self.inception3a = inception(\"inception3a\")")
    assert edited != text
    model_file.write_text(edited, encoding="utf-8")
    code = ("import pickle, sys; from cnncourse.exercises import googlenet as g; "
            "sys.stdout.buffer.write(pickle.dumps((g.handout(), g.template(), g.compute_facts())))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(tmp_path)}).stdout
    handout, template, facts = pickle.loads(out)
    assert handout == googlenet.handout() and template == googlenet.template()
    assert facts == googlenet._facts()


def test_facts_come_from_the_package_counter_and_agree_with_torch():
    # multiply-adds are count_flops' (fvcore); torch.utils.flop_counter, counting 2 per
    # multiply-add on the meta device, is an independent check of the numbers the checkers use
    from torch.utils.flop_counter import FlopCounterMode

    from cnncourse import on_meta

    def torch_macs(model, size):
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model.eval()(torch.zeros(1, *size, device="meta"))
        return counter.get_total_flops() // 2

    assert resnet.compute_facts()["resnet50_v1_macs"] == torch_macs(on_meta("resnet50"), (3, 224, 224))
    facts = googlenet._facts()
    assert facts["macs"][0] == torch_macs(on_meta("googlenet").inception3a, (192, 28, 28)) == 128_049_152
    assert facts["macs"][1] == 303_464_448  # Figure 2a with 3a's filters: 28·28·(192·64 + 9·192·128 + 25·192·32)
    assert facts["modules"]["conv1.0"]["macs"] == 7 * 7 * 3 * 64 * 112 * 112


def test_first_check_in_a_fresh_process_is_fast():
    # The facts are computed on the first check (no stored copy): a trace on the meta device and
    # one count. CPU time, not wall time, so that a busy machine does not fail it; most of it is
    # PyTorch's one-time import of torch._dynamo on the first meta operation of a process.
    code = ("import time; from cnncourse.exercises import googlenet, resnet; t = time.process_time(); "
            "googlenet.check({'shapes': {'conv1': (64, 112, 112)}, 'comments': {43: '7×7 conv → 64×112×112'}}); "
            "t1 = time.process_time(); resnet.check({'resnet50_v1_gflops': 3.9, 'resnet34_B_minus_A': 1}); "
            "print(t1 - t, time.process_time() - t1)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "OMP_NUM_THREADS": "1"}).stdout
    first_googlenet, first_resnet = map(float, out.split())
    assert first_googlenet < 3.0 and first_resnet < 2.0, out


def test_review_template_and_rubric_come_with_the_package(tmp_path):
    """Assignment 2's template and rubric reach a notebook opened alone (Colab) through the
    package; writing the template never overwrites a review in progress."""
    from cnncourse.exercises import resnet as hw

    shown = hw.review_template()
    assert shown._repr_markdown_().startswith("# ResNet paper review — template")
    sections = [line for line in shown.splitlines() if line.startswith("## ")]
    assert [s.split(".")[0] for s in sections[:8]] == [f"## {i}" for i in range(1, 9)]
    rubric = hw.rubric()
    assert "100 points" in rubric and "| 8. Clarity and citations | 10 |" in rubric
    points = [int(row.split("|")[2]) for row in rubric.splitlines() if row.startswith("| ")
              and row.split("|")[2].strip().isdigit()]
    assert sum(points) == 100

    path = tmp_path / "review" / "mine.md"
    assert hw.review_template(path) == path and path.read_text(encoding="utf-8") == str(shown)
    path.write_text("my half-written review", encoding="utf-8")
    with pytest.raises(FileExistsError, match="mine.md exists already"):
        hw.review_template(path)
    assert path.read_text(encoding="utf-8") == "my half-written review"
