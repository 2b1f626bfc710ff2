"""Judging a comment on a line of code by what it says (assignment 1, part (e)).

A comment passes when it

1. names what its line does: each kind of line has a vocabulary, in Korean and English
   (a convolution: conv, 합성곱, filter, 필터, reduce, 축소…; a pool: pool, 풀링…; a
   concatenation: concat, 이어 붙…; dropout, 드롭아웃; the loss, 손실…). A line that does two
   things (``self.maxpool1(self.conv1(x))``) needs both named; three, any two. A convolution's
   comment also says something specific about it: its kernel, stride, padding, channels or the
   shape it makes, in numbers;
2. states only numbers that are true of the line: shapes (C×H×W, ``(C, H, W)``; H×W×C is
   accepted with a remark), kernel sizes ("5×5", "커널 크기 5"), strides, paddings, channel and
   filter counts, the shape of a filter ("192 filters of 3×3×64"), parameter counts (exact, or
   rounded as written: "111K", "0.11M"), dropout rates ("0.7", "70%"), class counts, branch
   numbers and ordinals ("세 번째 브랜치", "third branch"); any other number must at least be a
   number of this network (a size, a width, a count, a rate) — "36,864" on a line with
   110,784 parameters is caught by one or the other.

What a machine cannot judge — whether the comment says *why*, whether it names the paper's
idea — is the teacher's, with the rubric (part (f)).

The patterns run on the comment with every run of white space made one space, and each is
written to take linear time: no nested repetition, an optional part starts with a character
that is not a space, a number is matched only from its first digit, and the gaps allowed
between a keyword and its number are bounded. A comment is at most
:data:`~._report.MAX_COMMENT_CHARS` long. tests/test_exercises_properties.py times them.
"""
from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field

from ._lang import josa, tr
from ._report import content_words

MIN_COMMENT_WORDS = 2

# kind of line -> (what the message calls it, the words that name it; lower case, matched as
# parts of words, so that "합성곱을" and "convolutions" are found too)
VOCABULARY: dict[str, tuple[dict, tuple[str, ...]]] = {
    "conv": ({"en": "the convolution", "ko": "합성곱"},
             ("conv", "합성곱", "컨볼루션", "콘볼루션", "filter", "필터", "kernel", "커널", "reduce",
              "reduction", "축소", "projection", "proj", "사영", "투영", "프로젝션")),
    "pool": ({"en": "the pooling", "ko": "풀링"},
             ("pool", "풀링", "downsampl", "subsampl", "다운샘플", "서브샘플", "최댓값", "최대값",
              "평균값")),
    "lrn": ({"en": "the local response normalization", "ko": "국소 응답 정규화(LRN)"},
            ("lrn", "local response", "response norm", "normaliz", "normalis", "정규화")),
    "concat": ({"en": "the concatenation", "ko": "이어 붙이기(concatenation)"},
               ("concat", "torch.cat", "stack", "join", "merge", "이어", "연결", "결합", "합치",
                "합쳐", "합침", "쌓", "붙")),
    "relu": ({"en": "the ReLU", "ko": "ReLU"},
             ("relu", "activation", "nonlinear", "non-linear", "rectif", "활성화", "비선형", "렐루")),
    "dropout": ({"en": "the dropout", "ko": "드롭아웃"},
                ("dropout", "drop out", "drop-out", "드롭아웃", "드랍아웃", "드롭 아웃")),
    "linear": ({"en": "the fully connected layer", "ko": "완전 연결 층"},
               ("fc", "fully connected", "fully-connected", "linear", "dense", "classifier", "logit",
                "score", "완전 연결", "완전연결", "전결합", "선형", "분류", "로짓", "점수")),
    "flatten": ({"en": "the flattening", "ko": "펼치기(flatten)"},
                ("flatten", "flat", "vector", "1-d", "펼", "평탄", "벡터", "일렬", "1차원")),
    "loss": ({"en": "the loss", "ko": "손실"},
             ("loss", "cross-entropy", "cross entropy", "crossentropy", "criterion", "손실",
              "엔트로피", "오차")),
    "aux": ({"en": "the auxiliary classifier", "ko": "보조 분류기"},
            ("aux", "보조", "head", "헤드")),
    "inception": ({"en": "the Inception module", "ko": "Inception 모듈"},
                  ("inception", "인셉션", "module", "모듈", "block", "블록")),
    "branch": ({"en": "the branch", "ko": "분기(branch)"},
               ("branch", "브랜치", "가지", "분기", "갈래", "path", "tower", "병렬", "parallel")),
    "mode": ({"en": "the mode (training or evaluation)", "ko": "모드(학습 또는 평가)"},
             ("train", "eval", "inference", "test", "학습", "훈련", "평가", "추론", "테스트", "mode",
              "모드")),
    "output": ({"en": "what is returned", "ko": "반환하는 것"},
               ("return", "output", "반환", "출력", "돌려", "내보", "result", "결과", "logit", "로짓",
                "main", "주 분류기", "최종")),
    "unpack": ({"en": "what the tuple holds", "ko": "튜플에 든 것"},
               ("unpack", "split", "logit", "로짓", "aux", "보조", "나누", "나눠", "풀어", "분리",
                "꺼내", "three", "세 ")),
    "input": ({"en": "what comes in", "ko": "입력"},
              ("input", "입력", "forward", "순전파", "batch", "배치", "받", "takes", "tensor", "텐서",
               "feature map", "특징 맵", "특성 맵", "image", "이미지")),
    "args": ({"en": "the arguments", "ko": "인자"},
             ("argument", "parameter", "param", "takes", "filter", "channel", "table", "column",
              "width", "class", "config", "인자", "매개변수", "파라미터", "필터", "채널", "표 1",
              "표1", "열", "개수", "클래스", "설정")),
    "network": ({"en": "the network", "ko": "네트워크"},
                ("googlenet", "network", "model", "net", "네트워크", "모델", "신경망", "전체")),
    "training-output": ({"en": "which output this is", "ko": "어떤 출력인지"},
                        ("train", "학습", "훈련", "tuple", "튜플", "aux", "보조", "three", "세 ",
                         "eval", "평가")),
}
_MODULE_NAME = re.compile(r"(?<![\w.])[345][a-e](?![\w])")  # "3a", "4e": names an Inception module
_SPECIFIC_WORDS = ("kernel", "커널", "stride", "스트라이드", "보폭", "padding", "패딩", "channel", "채널",
                   "filter", "필터")


@dataclass(frozen=True)
class LineFacts:
    """What is true of one line of the hand-out, read from the model: the kinds of operation it
    performs, the shapes its layers receive and make, their kernel sizes, strides, paddings,
    channel counts, parameter counts (weights; weights and biases) and dropout rates, the branch
    numbers it is about; ``known`` are the numbers of the whole network (any stated number must
    be one), ``dropouts`` its dropout rates and ``decimals`` every fraction its code writes (0.75,
    0.3…); ``generic``: a line of ``conv_block``, true of every convolution; ``header``: a ``def``
    or ``class`` line, which names what follows (no numbers are asked of it)."""

    kinds: tuple[str, ...]
    shapes: frozenset = frozenset()
    kernels: frozenset = frozenset()
    strides: frozenset = frozenset()
    paddings: frozenset = frozenset()
    channels: frozenset = frozenset()
    params: frozenset = frozenset()
    rates: frozenset = frozenset()
    branches: frozenset = frozenset()
    classes: int = 1000
    known: frozenset = frozenset()
    dropouts: frozenset = frozenset()
    decimals: frozenset = frozenset()
    generic: bool = False
    header: bool = False
    spatial: frozenset = field(default=frozenset())


# --- the patterns ---------------------------------------------------------------------------
_SEP = r" ?[×xX*] ?"
_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)"   # 110,784 or 110784
_REFS = re.compile(r"(?:table|figure|fig\.?|eq\.?|section|§|표|그림|식|절) ?\d+(?:\.\d+)*[a-z]?"
                   r"|\b(?:19[5-9]\d|20[0-3]\d)\b", re.I)
_IDENT = re.compile(r"(?<![\w.])[A-Za-z_][A-Za-z_]*\d\w*")   # conv1, fc2, ch3x3red, aux1
_ORDINALS = {"첫": 1, "두": 2, "세": 3, "네": 4, "다섯": 5, "first": 1, "second": 2, "third": 3,
             "fourth": 4, "fifth": 5, "첫째": 1, "둘째": 2, "셋째": 3, "넷째": 4}
_BRANCH_WORD = r"(?:브랜치|branch|가지|분기|갈래|경로|path|tower)"
_BRANCH = re.compile(rf"(?:branch|브랜치|가지|분기|갈래|경로|path|tower) ?#?([1-9])(?!\d)"
                     rf"|(?<!\d)([1-9]) ?번(?:째)? ?{_BRANCH_WORD}"
                     rf"|(?<!\d)([1-9])(?:st|nd|rd|th) {_BRANCH_WORD}"
                     rf"|(첫째|둘째|셋째|넷째|첫|두|세|네|다섯) ?번째 ?(?:의 )?{_BRANCH_WORD}"
                     rf"|(첫째|둘째|셋째|넷째) ?{_BRANCH_WORD}"
                     rf"|\b(first|second|third|fourth|fifth) {_BRANCH_WORD}", re.I)
_FILTER = re.compile(rf"(?:filters?|필터|kernels?|커널)(?: of| 크기| size| shape)? ?(\d+){_SEP}(\d+){_SEP}(\d+)"
                     rf"(?![\d.])|(?<![\d.])(\d+){_SEP}(\d+){_SEP}(\d+) ?(?:짜리 ?)?(?:filters?|필터|kernels?|커널)",
                     re.I)
_SHAPE3 = re.compile(rf"(?<![\d.#])(?:(?:[NB]|batch|1){_SEP})?(\d+){_SEP}(\d+){_SEP}(\d+)(?![\d.])"
                     r"|\( ?(?:(?:[NB]|batch|1|-1) ?, ?)?(\d+) ?, ?(\d+) ?, ?(\d+) ?\)")
_UNIT = r"(?: ?(k|K|M|천|만|백만|억|thousand|million)\b)?"
_PARAMS = re.compile(rf"(?<![\d.,]){_NUM}(\.\d+)?{_UNIT} ?(?:개의? ?)?(?:trainable )?(?:params?|parameters?|weights?|파라미터|"
                     rf"매개변수|가중치)"
                     rf"|(?:params?|parameters?|weights?|파라미터|매개변수|가중치) ?(?:수|개수|count|number)? ?"
                     rf"(?:(?:는|은|이|가|of|=|:) ?)?{_NUM}(\.\d+)?{_UNIT}", re.I)
_CLASSES = re.compile(rf"(?<![\d.,]){_NUM} ?(?:개의? ?)?(?:-way|classes|class\b|클래스|범주|categories|카테고리)"
                      rf"|(?:클래스|classes|범주) ?(?:수|개수|count|number)? ?(?:(?:는|은|이|가|of|=|:) ?)?{_NUM}",
                      re.I)
_RATE = re.compile(r"(?:dropout|드롭아웃|드랍아웃|drop|확률|비율|rate|p ?=)[^\d]{0,24}?(\d*\.\d+|\d{1,3} ?%)"
                   r"|(?<![\d.])(\d*\.\d+|\d{1,3} ?%)[^\d]{0,12}?(?:dropout|드롭아웃|드랍아웃)", re.I)
_STRIDE = re.compile(r"(?:strides?|스트라이드|보폭) ?(?:(?:는|은|이|가|of|=|:) ?)?(\d+)"
                     rf"|(?<![\d.])\d+{_SEP}\d+ ?/ ?(\d+)", re.I)
_PADDING = re.compile(r"(?:padding|패딩|pad) ?(?:(?:는|은|이|가|of|=|:) ?)?(\d+)", re.I)
_KERNEL = re.compile(r"(?:kernel|커널) ?(?:size|크기)? ?(?:(?:는|은|이|가|of|=|:) ?)?(\d+)(?![\d.×xX*])",
                     re.I)
_PAIR = re.compile(rf"(?<![\d.#])(\d+){_SEP}(\d+)(?![\d.])")  # not "#3×3", a Table 1 column
_CHANNELS = re.compile(r"(?<![\d.×xX*])(\d+) ?(?:개(?:의)? ?)?(?:channels?\b|채널|ch\b|maps?\b|feature maps?|"
                       r"filters?\b|필터|features?\b|특징|units?\b)"
                       r"|(?:채널|channels?) ?(?:(?:수|count|number) ?)?(?:(?:는|은|이|가|:|=) ?)?(\d+)(?![\d.×xX*])",
                       re.I)
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?"
                     r"(?: ?(k|K|M|G|천|만|백만|억|thousand|million|billion)(?![A-Za-z]))?(?![A-Za-z0-9_.])(?! ?%)"
                     r"|(?<![A-Za-z0-9_.])(\d+(?:\.\d+)?) ?%")
_UNITS = {"k": 1e3, "K": 1e3, "thousand": 1e3, "천": 1e3, "M": 1e6, "million": 1e6, "백만": 1e6,
          "만": 1e4, "억": 1e8, "G": 1e9, "billion": 1e9}


def _int(text: str) -> int:
    """A number as written (110,784); one of more than 30 digits is no count of this network
    (and Python refuses to read ints of over 4,300 digits from text)."""
    digits = text.replace(",", "")
    return int(digits) if len(digits) <= 30 else 10 ** 30


@functools.lru_cache(maxsize=64)
def _sorted(values: frozenset) -> list:
    return sorted(values)


def _approx(value: float, digits_after_point: int, unit: float, known: frozenset) -> bool:
    """Whether ``value`` (as written, times ``unit``) is one of ``known``, rounded as written: to
    the last digit shown, or to 1 % for a number given in thousands or millions. (A binary
    search: a comment of many numbers is checked in time proportional to its length.)"""
    x = value * unit
    half = 0.5 * unit * 10 ** -digits_after_point
    reach = max(half, 0.0102 * x if unit > 1 else 0)
    candidates = _sorted(known)
    start = bisect.bisect_left(candidates, x - reach)
    for k in candidates[start:bisect.bisect_right(candidates, x + reach)]:
        if abs(x - k) <= max(half, 0.01 * k if unit > 1 else 0):
            return True
    return False


def _shape_text(a, b, c) -> str:
    return f"{a}×{b}×{c}"


def review(text: str, facts: LineFacts) -> tuple[list[str], list[str]]:
    """(problems, remarks) for the comment ``text`` on a line with ``facts``, in the language in
    force. A problem makes the comment wrong; a remark is a note on an accepted comment."""
    text = " ".join(text.split())   # one space for any spacing: the patterns rely on it
    words = content_words(text)
    if len(words) < MIN_COMMENT_WORDS or len({w.lower() for w in words}) < 2:
        return [tr(f"say what the line does, in at least {MIN_COMMENT_WORDS} different words "
                   "(Korean or English)",
                   f"이 줄이 하는 일을 서로 다른 단어 {MIN_COMMENT_WORDS}개 이상으로 쓰세요 (한국어나 영어)")], []
    problems: list[str] = []
    remarks: list[str] = []
    lower = text.lower()
    named = [k for k in facts.kinds if any(w in lower for w in VOCABULARY[k][1])
             or (k == "inception" and _MODULE_NAME.search(text))]
    needed = min(2, len(facts.kinds))
    if len(named) < needed:
        missing = [VOCABULARY[k][0][tr("en", "ko")] for k in facts.kinds if k not in named]
        listed = tr(" and ", ", ").join(missing)
        problems.append(tr(f"say what the line does: the comment does not name {listed}",
                           f"이 줄이 하는 일을 쓰세요: 주석에 {listed}에 대한 말이 없습니다"))
    checked_numbers = _numbers(text, facts, problems, remarks)
    if ("conv" in facts.kinds and not facts.generic and not facts.header and not checked_numbers
            and not problems):
        problems.append(tr("say what this convolution does in numbers: its kernel, stride, padding, "
                           "channels, or the shape it makes",
                           "이 합성곱을 숫자로 설명하세요: 커널 크기, 스트라이드, 패딩, 채널 수, 또는 만드는 shape"))
    if "conv" in facts.kinds and facts.generic and not facts.header \
            and not any(w in lower for w in _SPECIFIC_WORDS) and not checked_numbers and not problems:
        problems.append(tr("say what this convolution is made of: its kernel, stride, padding or channels",
                           "이 합성곱이 무엇으로 정해지는지 쓰세요: 커널, 스트라이드, 패딩, 채널"))
    return list(dict.fromkeys(problems)), list(dict.fromkeys(remarks))


def _numbers(text: str, facts: LineFacts, problems: list, remarks: list) -> int:
    """Check every number ``text`` states against ``facts``; returns how many were checked and
    found true (a comment on a convolution must have one)."""
    good = 0

    def blank(pattern, check):  # check each match, then take it out of the text
        nonlocal where_text
        where_text = pattern.sub(lambda m: (check(m), " ")[1], where_text)

    where_text = _IDENT.sub(" ", _REFS.sub(" ", text))

    def branch(m):
        nonlocal good
        word = next(g for g in m.groups() if g)
        k = _ORDINALS.get(word.lower(), None) if not word.isdigit() else _int(word)
        if facts.branches and k not in facts.branches:
            names = tr(" and ", ", ").join(tr(f"branch {b}", f"분기 {b}") for b in sorted(facts.branches))
            problems.append(tr(f"the comment names branch {k}, but this line is about {names}",
                               f"주석은 {k}번째 분기를 말하지만, 이 줄은 {names}에 관한 줄입니다"))
        elif facts.branches:
            good += 1
    blank(_BRANCH, branch)
    where_text = _MODULE_NAME.sub(" ", where_text)

    def filter_shape(m):
        nonlocal good
        a, b, c = (_int(g) for g in (m.groups()[:3] if m.group(1) else m.groups()[3:]))
        fits = (a == b and a in facts.kernels and c in facts.channels) or (
            b == c and b in facts.kernels and a in facts.channels)
        if fits or not facts.kernels:
            good += fits
            return
        problems.append(tr(f"the comment states a filter of {_shape_text(a, b, c)}; this line's filters "
                           "are k×k over the input's channels, and that is not one of them",
                           f"주석의 필터 {_shape_text(a, b, c)}는 이 줄의 필터가 아닙니다 (필터는 입력 채널 "
                           "전체에 걸친 k×k 크기입니다)"))
    blank(_FILTER, filter_shape)

    def shape(m):
        nonlocal good
        a, b, c = (_int(g) for g in (m.groups()[:3] if m.group(1) else m.groups()[3:]))
        if not facts.shapes or (a, b, c) in facts.shapes:
            good += bool(facts.shapes)
            return
        if (a * b * c,) in facts.shapes and (c, a, b) not in facts.shapes:
            good += 1
            return  # a map as it was before being flattened for this line's linear layer
        if (c, a, b) in facts.shapes:
            good += 1
            remarks.append(tr(f"{a}×{b}×{c} reads as H×W×C, the paper's order; PyTorch's is C×H×W "
                              "(accepted)",
                              f"{a}×{b}×{c}는 논문의 H×W×C 순서로 읽었습니다. PyTorch는 C×H×W 순서입니다 "
                              "(받아들임)"))
            return
        problems.append(tr(f"the comment states the shape {a}×{b}×{c} (read as C×H×W), which is neither "
                           "what this line's layers receive nor what they produce",
                           f"주석의 shape {a}×{b}×{c} (C×H×W로 읽음)는 이 줄의 층이 받는 것도, 만드는 것도 "
                           "아닙니다"))
    blank(_SHAPE3, shape)

    def params(m):
        nonlocal good
        number, point, unit = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (
            m.group(4), m.group(5), m.group(6))
        value = _int(number) + (float(point) if point else 0)
        scale = _UNITS.get(unit, 1) if unit else 1
        if value < 1 and scale == 1:   # "가중치 0.3": a loss weight, not a count
            if not any(abs(value - r) < 1e-9 for r in facts.decimals):
                problems.append(tr(f"the comment states {value:g}, which is no rate or weight of this "
                                   "network", f"주석의 {josa(format(value, 'g'), '은', '는')} 이 네트워크의 어떤 비율이나 가중치도 "
                                   "아닙니다"))
            return
        if not facts.params or _approx(value, len(point) - 1 if point else 0, scale, facts.params):
            good += bool(facts.params)
            return
        shown = f"{number}{point or ''}{unit or ''}"
        problems.append(tr(f"the comment says {shown} parameters, which is not the parameter count of "
                           "this line's layers (a convolution has k·k·C_in·C_out weights and C_out biases; "
                           "a linear layer in·out weights and out biases)",
                           f"주석의 파라미터 수 {josa(shown, '은', '는')} 이 줄의 층의 파라미터 수가 아닙니다 (합성곱은 "
                           "가중치 k·k·C_in·C_out개와 편향 C_out개, 완전 연결 층은 가중치 in·out개와 편향 "
                           "out개)"))
    blank(_PARAMS, params)

    def classes(m):
        nonlocal good
        n = _int(m.group(1) or m.group(2))
        if n == facts.classes:
            good += 1
            return
        problems.append(tr(f"the comment says {n} classes; this network classifies ImageNet's classes "
                           "(num_classes)",
                           f"주석은 클래스 {n}개라고 하지만, 이 네트워크는 ImageNet의 클래스(num_classes)를 "
                           "분류합니다"))
    blank(_CLASSES, classes)

    def rate(m):
        nonlocal good
        raw = (m.group(1) or m.group(2)).replace(" ", "")
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
        allowed = facts.rates or facts.dropouts
        if any(abs(value - r) < 1e-9 for r in allowed):
            good += 1
            return
        shown = raw
        problems.append(tr(f"the comment states the rate {shown}, which is not the dropout rate "
                           + ("of this line's dropout" if facts.rates else "of any dropout layer of "
                              "this network"),
                           f"주석의 비율 {josa(shown, '은', '는')} "
                           + ("이 줄의 드롭아웃 비율이" if facts.rates else "이 네트워크의 어떤 드롭아웃 "
                              "비율도") + " 아닙니다"))
    blank(_RATE, rate)

    def one_of(allowed, en, ko):   # a stated stride, padding or kernel size: one of the line's
        def check(m):
            nonlocal good
            n = _int(next(g for g in m.groups() if g))
            if allowed and n not in allowed:
                problems.append(tr(en.format(n=n), ko.format(n=n)))
            else:
                good += bool(allowed)
        return check

    blank(_STRIDE, one_of(
        facts.strides, "the comment says stride {n}; no layer on this line has that stride",
        "주석은 스트라이드 {n}라고 하지만, 이 줄에는 스트라이드가 {n}인 층이 없습니다"))
    blank(_PADDING, one_of(
        facts.paddings, "the comment says padding {n}; no layer on this line has that padding",
        "주석은 패딩 {n}라고 하지만, 이 줄에는 패딩이 {n}인 층이 없습니다"))
    blank(_KERNEL, one_of(
        facts.kernels, "the comment names a {n}×{n} kernel; no layer on this line has that kernel size",
        "주석은 커널 크기를 {n}×{n}라고 하지만, 이 줄에는 그런 커널의 층이 없습니다"))

    def pair(m):
        nonlocal good
        a, b = _int(m.group(1)), _int(m.group(2))
        if a != b:
            return
        if a <= 11 and facts.kernels:
            if a not in facts.kernels and (a, b) not in facts.spatial:
                problems.append(tr(f"the comment names a {a}×{a} kernel; no layer on this line has that "
                                   "kernel size",
                                   f"주석은 {a}×{a} 커널이라고 하지만, 이 줄에는 그런 커널의 층이 없습니다"))
            else:
                good += 1
        elif a > 11 and facts.spatial and (a, b) not in facts.spatial:
            problems.append(tr(f"{a}×{b} is not a height×width that this line's layers see",
                               f"{a}×{b}는 이 줄의 층이 다루는 높이×너비가 아닙니다"))
        elif facts.spatial:
            good += 1
    blank(_PAIR, pair)

    def channels(m):
        nonlocal good
        n = _int(next(g for g in m.groups() if g))
        if facts.channels and n not in facts.channels:
            problems.append(tr(f"the comment states {n} channels; that is not a channel count of this "
                               "line's input or output",
                               f"주석의 채널 수 {josa(str(n), '은', '는')} 이 줄의 입력이나 출력의 채널 수가 아닙니다"))
        else:
            good += bool(facts.channels)
    blank(_CHANNELS, channels)

    def other(m):
        if m.group(4):   # a percentage
            value = float(m.group(4)) / 100
            if not any(abs(value - r) < 1e-9 for r in facts.decimals):
                problems.append(tr(f"the comment states {m.group(4)}%, which is no rate of this network",
                                   f"주석의 {m.group(4)}%는 이 네트워크의 어떤 비율도 아닙니다"))
            return
        number, point, unit = m.group(1), m.group(2), m.group(3)
        value = _int(number) + (float(point) if point else 0)
        scale = _UNITS.get(unit, 1) if unit else 1
        if scale == 1 and not point:
            if value < 2 or value in facts.known:
                return
        elif scale == 1:
            if value < 1 and any(abs(value - r) < 1e-9 for r in facts.decimals):
                return
            if value in facts.known or _approx(value, len(point) - 1, 1, facts.known):
                return
        elif _approx(value, len(point) - 1 if point else 0, scale, facts.known):
            return
        shown = f"{number}{point or ''}{unit or ''}"
        problems.append(tr(f"the comment states {shown}, which is none of this network's sizes, widths, "
                           "counts or rates",
                           f"주석의 {josa(shown, '은', '는')} 이 네트워크의 어떤 크기, 채널 수, 개수, 비율도 아닙니다"))
    _NUMBER.sub(lambda m: (other(m), " ")[1], where_text)
    return good
