"""Property-based tests (Hypothesis): the checkers never raise, whatever dict they are given.

The answers are generated as nested structures of arbitrary types and sizes: the real keys
mixed with odd ones, and values that are None, bools, huge and negative ints, floats (nan,
inf), text (digits of any script), numpy scalars and arrays, tensors of any shape, torch.Size,
and lists, tuples and dicts of all of these.
"""
import math
import time

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnncourse.exercises import Report, googlenet, resnet

scalars = st.one_of(
    st.none(), st.just(Ellipsis), st.booleans(),
    st.integers(), st.integers(min_value=-10 ** 6000, max_value=10 ** 6000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30), st.text(alphabet="0123456789²³١٢３ x×,()", max_size=20),
    st.sampled_from(["A", "b", " (C) ", "480x28x28", "1.28e8", "128M", "", "#", "채널 방향으로 이어 붙인다"]),
    st.integers(-2 ** 63, 2 ** 63 - 1).map(np.int64), st.floats(width=32).map(np.float32),
    st.booleans().map(np.bool_), st.complex_numbers(allow_nan=False),
    st.integers(-1000, 1000).map(torch.tensor), st.floats(-1e6, 1e6).map(torch.tensor),
    st.lists(st.integers(-5, 600), max_size=6).map(torch.Size),
    st.lists(st.integers(-5, 600), max_size=6).map(lambda v: np.array(v, dtype=np.int64)),
    st.lists(st.floats(), max_size=6).map(lambda v: torch.tensor(v, dtype=torch.float64)),
    st.integers(0, 3).map(lambda n: torch.zeros((2,) * n)),
)


def nested(keys):
    return st.recursive(
        scalars,
        lambda children: st.one_of(st.lists(children, max_size=5), st.lists(children, max_size=5).map(tuple),
                                   st.dictionaries(st.one_of(keys, st.integers(), st.text(max_size=8)),
                                                   children, max_size=5)),
        max_leaves=20)


def googlenet_answers():
    sections = list(googlenet.template())
    inner = st.one_of(st.sampled_from(googlenet.SHAPE_LAYERS + googlenet.BRANCH_MODULES
                                      + ("macs_reduced", "aux_params", "training", "lrn1", "fc")),
                      st.integers(-2, 90), st.text(alphabet="0123456789２ ", max_size=4))
    section = st.one_of(nested(inner), st.dictionaries(inner, nested(inner), max_size=12),
                        st.lists(nested(inner), max_size=70))
    return st.one_of(nested(st.sampled_from(sections)),
                     st.dictionaries(st.one_of(st.sampled_from(sections), st.text(max_size=6), st.integers()),
                                     section, max_size=8))


def resnet_answers():
    keys = st.one_of(st.sampled_from(list(resnet.template())), st.text(max_size=10), st.integers())
    return st.one_of(nested(keys), st.dictionaries(keys, nested(keys), max_size=16))


def _assert_readable(report):
    assert isinstance(report, Report)
    text, page = str(report), report._repr_html_()
    assert text.splitlines()[0].startswith(report.title_text)
    assert isinstance(page, str)
    for r in report.results + report.problems:
        assert "\n" not in r.message and len(r.message) < 2000, r.message
    assert 0.0 <= report.score <= 1.0 and not math.isnan(report.score)


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@SETTINGS
@given(googlenet_answers(), st.sampled_from(["en", "ko", None]),
       st.one_of(st.none(), st.sampled_from([200, 224, 128, 448, 449, "200", 3.5]), scalars))
def test_googlenet_check_never_raises(answers, lang, size):
    if isinstance(answers, dict) and size is not None:
        answers = {**answers, "input_size": size}
    _assert_readable(googlenet.check(answers, lang=lang))


@SETTINGS
@given(resnet_answers(), st.sampled_from(["en", "ko"]))
def test_resnet_check_never_raises(answers, lang):
    _assert_readable(resnet.check(answers, lang=lang))


@SETTINGS
@given(st.dictionaries(st.integers(1, len(googlenet.handout())),
                       st.one_of(st.text(max_size=120), scalars,
                                 st.text(alphabet="0123456789×x,.%() 채널개번째세첫stridekernelK", max_size=60)),
                       max_size=20),
       st.sampled_from([None, 200, 333]))
def test_comment_review_never_raises(comments, size):
    _assert_readable(googlenet.check({"comments": comments, "input_size": size}))


# ----------------------------------------------------------------------------- hostile objects

def _boom(*args, **kwargs):
    raise RuntimeError("boom")


def _hostile_subclass(base, methods):
    return type(f"Bad{base.__name__.title()}", (base,), {m: _boom for m in methods})


_CONTAINER_METHODS = ("__len__", "__iter__", "__repr__", "__str__", "__getitem__", "__contains__",
                      "__eq__", "__hash__", "__bool__", "items", "keys", "values", "get", "strip")


def hostile_objects():
    """Objects a notebook can hand to check(): subclasses of the built-in types whose methods
    raise (one method at a time, then all), tensors and arrays of every odd kind, recursive and
    very deep containers, and types that are not answers at all."""
    import decimal
    import fractions
    import types

    out = {}
    samples = {list: [64, 112, 112], tuple: (64, 112, 112), dict: {"conv1": (64, 112, 112)},
               str: "explains what the line does", int: 64, float: 64.0}
    for base, sample in samples.items():
        methods = [m for m in _CONTAINER_METHODS if hasattr(base, m)]
        for m in methods + ["all"]:
            cls = _hostile_subclass(base, methods if m == "all" else [m])
            try:
                out[f"{base.__name__}-{m}"] = cls(sample)
            except RuntimeError:
                pass
    recursive_list, recursive_dict = [], {}
    recursive_list.append(recursive_list)
    recursive_dict["conv1"] = recursive_dict
    deep = 7
    for _ in range(5000):
        deep = [deep]

    class LyingClass:
        __class__ = dict  # isinstance(x, dict) is True; it is not one

    out.update({
        "nested-tensor": torch.nested.nested_tensor([torch.zeros(2), torch.zeros(3)]),
        "sparse-tensor": torch.zeros(3).to_sparse(), "meta-tensor": torch.zeros(3, device="meta"),
        "meta-scalar": torch.zeros((), device="meta"), "complex-tensor": torch.ones(3, dtype=torch.cfloat),
        "bool-tensor": torch.ones(3, dtype=torch.bool), "big-tensor": torch.zeros(100_000),
        "tensor-requires-grad": torch.ones(3, requires_grad=True),
        "object-array": np.array([None, object()], dtype=object),
        "structured-array": np.zeros(3, dtype=[("a", "i4"), ("b", "f4")]),
        "masked-array": np.ma.masked_array([1, 2, 3], mask=[0, 1, 0]), "np-str": np.str_("64"),
        "np-datetime": np.datetime64("2024-01-01"), "np-complex": np.complex128(1 + 2j),
        "fraction": fractions.Fraction(1, 3), "decimal-snan": decimal.Decimal("sNaN"),
        "decimal-nan": decimal.Decimal("NaN"), "decimal-huge": decimal.Decimal("1e999999"),
        "recursive-list": recursive_list, "recursive-dict": recursive_dict, "deep-list": deep,
        "generator": (i for i in range(3)), "set": {1, 2}, "bytes": b"\xff\x00", "range": range(3),
        "memoryview": memoryview(b"abc"), "type": int, "module": types, "function": _boom,
        "lying-class": LyingClass(), "ellipsis-list": [..., ...], "huge-str": "가" * 1_000_000,
    })
    return out


def _placements(obj):
    """``obj`` at every level of a googlenet answer dict (and as a key where it hashes)."""
    placed = [obj, {"shapes": obj}, {"shapes": {"conv1": obj}}, {"shapes": {"conv1": (obj, 1, 2)}},
              {"comments": obj}, {"comments": {1: obj}}, {"comments": [obj, "two words"]},
              {"aux": {"training": obj}}, {"costs": {"macs_reduced": obj}}, {"input_size": obj},
              {"input_size": obj, "shapes": {"conv1": (64, 100, 100)}}]
    try:
        placed += [{obj: 1}, {"comments": {obj: "two words"}}]
    except Exception:
        pass
    return placed


@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")
def test_check_never_raises_for_hostile_objects():
    failures = []
    for name, obj in hostile_objects().items():
        for i, answers in enumerate(_placements(obj)):
            for checker in (googlenet, resnet):
                try:
                    _assert_readable(checker.check(answers))
                except BaseException as error:  # noqa: B036 -- RecursionError, and all others
                    failures.append(f"{checker.__name__.rsplit('.', 1)[-1]} {name} #{i}: "
                                    f"{type(error).__name__}")
    assert not failures, f"{len(failures)} raised:\n" + "\n".join(failures)


# ----------------------------------------------------------------------------- comment patterns

def _adversarial(n):
    """Comments that make a backtracking pattern retry: a keyword, then a long run that almost
    matches (white space, digits, separators), many times over."""
    return {
        "params+spaces": "파라미터 수" + " " * n + "는",
        "params digits": "1," * n + "000 parameters",
        "rate gap": "dropout" + " x" * n + "0.5",
        "percent": "70 " * n + "%",
        "classes": "클래스 " * n + "수 " * n,
        "ordinals": "세 번째 " * n + "가지",
        "filter of": "filters of " + "3 x " * n,
        "units": "1.5 " * n + "K",
        "channels+spaces": "channels" + " " * n + "x",
        "채널+tabs": "채널 수" + " \t" * n + "는",
        "stride+spaces": "stride" + " " * n + "=" + "\n" * n,
        "digits": "1" * n + ".",
        "digits x digits": "1" * n + " x " + "2" * n + ".",
        "1 x repeated": "1 x " * n,
        "shape repeated": "(1, 2, " * n,
        "stride fraction": "3 x 3 / " * n,
        "channel words": "64 개의 " * n + "channels" + " 채널 = " * n,
        "branch words": "1 번째 " * n + "branch " * n,
    }


def test_comment_patterns_take_linear_time(monkeypatch):
    """Without the length cap, the worst inputs take time proportional to their length: four
    times the text takes about four times as long, not sixteen (before: the channel pattern was
    cubic in the spaces after 'channels', the stride pattern quadratic, the parameter and class
    patterns quadratic in a run of digits), and 20,000 repetitions stay within seconds."""
    monkeypatch.setattr(googlenet, "MAX_COMMENT_CHARS", 10 ** 7)
    conv3 = next(line.number for line in googlenet.handout() if "self.conv3 =" in line.code)

    def seconds(n):
        googlenet._review.cache_clear()
        out = {}
        for name, text in _adversarial(n).items():
            start = time.process_time()
            googlenet.review_comment(conv3, "3×3 conv " + text)
            out[name] = time.process_time() - start
        return out

    small, large = seconds(5_000), seconds(20_000)
    googlenet._review.cache_clear()
    slow = {name: (round(small[name], 3), round(large[name], 3)) for name in large
            if large[name] > 8 * small[name] + 0.05 or large[name] > 3.0}
    assert not slow, slow


def test_a_long_comment_is_refused_quickly():
    start = time.perf_counter()
    conv3 = next(line.number for line in googlenet.handout() if "self.conv3 =" in line.code)
    report = googlenet.check({"comments": {conv3: "3×3 conv, 192 channels" + " " * 970 + "x y",
                                           6: "explains it " * 100}})
    assert time.perf_counter() - start < 0.5  # before: 3.5 s for this one comment
    assert report[f"comments[{conv3}]"].status == "correct"
    assert report["comments[6]"].status == "malformed"
    assert "at most 1,000 characters; this one has 1,199" in report["comments[6]"].message


@SETTINGS
@given(st.lists(st.sampled_from(["channels", "채널", "수", "는", "stride", "=", "branch", "번", "째",
                                 "개", "의", "1", "28", "x", "×", "*", "/", "(", ")", ",", "-1", "B",
                                 " ", "  ", "\t", "\n", ".", "#", "a", "parameters", "파라미터", "K", "M",
                                 "%", "dropout", "드롭아웃", "확률", "classes", "클래스", "세", "첫", "third",
                                 "filters of", "커널", "크기", "padding", "Table", "§"]),
                max_size=400).map("".join))
def test_any_comment_under_the_cap_is_reviewed_quickly(text):
    start = time.perf_counter()
    report = googlenet.check({"comments": {line: text for line in (5, 20, 40, 56, 74)}})
    assert time.perf_counter() - start < 0.5
    _assert_readable(report)
