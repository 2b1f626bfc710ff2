"""Property-based tests (Hypothesis): the checkers never raise, whatever dict they are given.

The answers are generated as nested structures of arbitrary types and sizes: the real keys
mixed with odd ones, and values that are None, bools, huge and negative ints, floats (nan,
inf), text (digits of any script), numpy scalars and arrays, tensors of any shape, torch.Size,
and lists, tuples and dicts of all of these.
"""
import math

import numpy as np
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
    inner = st.one_of(st.sampled_from(googlenet.SHAPE_LAYERS + googlenet.INCEPTION_MODULES
                                      + ("with_reduction", "training", "lrn1", "fc")),
                      st.integers(-2, 80), st.text(alphabet="0123456789２ ", max_size=4))
    section = st.one_of(nested(inner), st.dictionaries(inner, nested(inner), max_size=12),
                        st.lists(nested(inner), max_size=70))
    return st.one_of(nested(st.sampled_from(sections)),
                     st.dictionaries(st.one_of(st.sampled_from(sections), st.text(max_size=6), st.integers()),
                                     section, max_size=8))


def resnet_answers():
    keys = st.one_of(st.sampled_from(list(resnet.QUESTIONS)), st.text(max_size=10), st.integers())
    return st.one_of(nested(keys), st.dictionaries(keys, nested(keys), max_size=16))


def _assert_readable(report):
    assert isinstance(report, Report)
    text, page = str(report), report._repr_html_()
    assert text.splitlines()[0].startswith(report.title)
    assert isinstance(page, str)
    for r in report.results + report.problems:
        assert "\n" not in r.message and len(r.message) < 2000, r.message
    assert 0.0 <= report.score <= 1.0 and not math.isnan(report.score)


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@SETTINGS
@given(googlenet_answers())
def test_googlenet_check_never_raises(answers):
    _assert_readable(googlenet.check(answers))


@SETTINGS
@given(resnet_answers())
def test_resnet_check_never_raises(answers):
    _assert_readable(resnet.check(answers))


@SETTINGS
@given(st.dictionaries(st.integers(1, len(googlenet.handout())),
                       st.one_of(st.text(max_size=120), scalars), max_size=20))
def test_comment_review_never_raises(comments):
    _assert_readable(googlenet.check({"comments": comments}))
