"""Assignment 1, "annotate the GoogLeNet code" (GoogleNet 주석 달기): the hand-out and the checker.

The hand-out is :mod:`cnncourse.exercises.googlenet_handout`, a standard GoogLeNet without a
comment (``print_handout()`` numbers its lines). The student writes a comment for every numbered
line and answers five parts in one dict (``template()`` gives the blank one)::

    answers = {
        "input_size": S,                        # (a) your own input size: 128 ≤ S ≤ 448, S ≠ 224
        "shapes":   {"conv1": (C, H, W), ...},  # (a) every stage's layers, at 3×S×S
        "branches": {"inception4a": (b1, b2, b3, b4), ...},  # (b) modules 4a–5b
        "costs":    {"macs_reduced": n, "macs_naive": n, "aux_params": n},  # (c)
        "aux":      {"training": "A".."D", "evaluation": ..., "loss_weight": ...},  # (d)
        "comments": {1: "...", 2: "...", ...},  # (e) one per numbered line of the hand-out
    }

``check(answers)`` returns a :class:`~cnncourse.exercises._report.Report` in the language of the
comments (or ``lang=``), with the parts' points (weights in ``questions/googlenet.json``; part
(f), the comments' quality, is the teacher's, with :func:`rubric`). The questions are data: one
record per question, texts and hints in English and Korean (:mod:`._data`).

Where the answers come from: the shapes, widths and costs are computed from the hand-out's
model built on the ``meta`` device (a trace at the student's input size, :func:`count_flops`,
the parameter count); a comment is judged by :mod:`._comments` against what the traced model
has on its line. The letters of (d) and every solution note are sealed (:mod:`._seal`) until
the teacher releases them (``release(KEY)``); before that, ``check`` records (d) without scoring
it, and :func:`solution` says how the release works. Nothing is keyed on a source's comments.
"""
from __future__ import annotations

import ast
import functools
import inspect
import io
import re
import tokenize
from dataclasses import dataclass
from typing import Any, Optional

import torch
from torch import nn

from ..analysis import count_flops, count_params, probe
from ..models.googlenet import NaiveInception
from . import _data, googlenet_handout
from ._data import Markdown, Text
from ._comments import MIN_COMMENT_WORDS, LineFacts, review
from ._lang import detect, language, pick, tr
from ._report import (MALFORMED, MAX_COMMENT_CHARS, NOT_ANSWERED, Comment, ItemResult, Question,
                      Report, _blank, _safe_repr, as_number, plain, run_checks)
from ._submission import hand_in as _hand_in

__all__ = ["check", "template", "handout", "print_handout", "questions", "solution", "release", "save", "rubric",
           "review_comment", "SHAPE_LAYERS", "BRANCH_MODULES", "INPUT_SIZES", "MIN_COMMENT_WORDS",
           "CHECKER_VERSION"]

ASSIGNMENT = "googlenet"
CHECKER_VERSION = _data.load(ASSIGNMENT)["checker_version"]
TITLE = _data.load(ASSIGNMENT)["title"]
INPUT_SIZES = range(128, 449)   # part (a)'s input side S: any of these but 224, the book's
BOOK_SIZE = 224

# The layers of part (a) and the modules of part (b), read from the question records.
SHAPE_LAYERS = tuple(r["path"][1] for r in _data.records(ASSIGNMENT) if r["path"][0] == "shapes")
BRANCH_MODULES = tuple(r["path"][1] for r in _data.records(ASSIGNMENT) if r["path"][0] == "branches")

_EXAMPLE = "{'input_size': 200, 'shapes': {'conv1': (64, 100, 100)}}"


# ------------------------------------------------------------------------------ the model traced

@functools.cache
def _model() -> nn.Module:
    """The hand-out's GoogLeNet on the ``meta`` device: shapes and counts, no arithmetic."""
    with torch.device("meta"):
        return googlenet_handout.GoogLeNet()


def _layout(model: nn.Module) -> dict[str, dict]:
    """What each module is, read from the module: its type, kernel, stride and padding, its
    weights and biases, its parameters in all, its dropout rate."""
    modules: dict[str, dict] = {}
    for path, module in model.named_modules():
        entry = modules.setdefault(path, {"type": type(module).__name__})
        if isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
            pair = lambda v: v if isinstance(v, int) else v[0]  # noqa: E731
            entry.update(kernel=pair(module.kernel_size), stride=pair(module.stride),
                         padding=pair(module.padding))
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            entry["weights"] = module.weight.numel()
            entry["biases"] = module.bias.numel() if module.bias is not None else 0
        if isinstance(module, nn.Dropout):
            entry["rate"] = module.p
        entry["params"] = count_params(module)
    return modules


def _shape(t: Any) -> tuple:
    return tuple(t.shape[1:]) if isinstance(t, torch.Tensor) else ()


@functools.cache
def _facts() -> dict:
    """The hand-out's model traced at 3×224×224 in training mode (the auxiliary heads run):
    every module's input and output shape, its layout, the top-level call order; and its
    multiply-adds per module at inference."""
    model = _model()
    modules = _layout(model)
    order: list[str] = []

    def after(module, inputs, output, path):
        modules[path].setdefault("in", _shape(inputs[0]) if inputs else ())
        modules[path].setdefault("out", _shape(output))
        if path and "." not in path and path not in order:
            order.append(path)

    with probe(model, (3, BOOK_SIZE, BOOK_SIZE), training=True) as p:
        for path, module in model.named_modules():
            p.after(module, lambda m, i, o, path=path: after(m, i, o, path))
        p.run()
    macs = count_flops(model, (3, BOOK_SIZE, BOOK_SIZE))
    for path, entry in modules.items():
        if path in macs.by_module:
            entry["macs"] = macs.by_module[path]
    return {"modules": modules, "order": tuple(order), "macs": macs.total,
            "params": count_params(model)}


@functools.lru_cache(maxsize=64)
def _variant(size: int) -> dict[str, dict]:
    """Input and output shapes of every module at 3×size×size, evaluation mode, through the
    main path up to inception 5b (the 7×7 average pool fits 224×224 alone)."""
    model = _model()
    # before the hooks: the first _facts() traces this same model at 224×224, and a hook of ours
    # would keep those shapes
    order = [name for name in _facts()["order"] if not name.startswith("aux")]
    shapes: dict[str, dict] = {}

    def record(module, inputs, output, path):   # returns None: the output stays as it is
        shapes.setdefault(path, {"in": _shape(inputs[0]), "out": _shape(output)})

    hooks = [m.register_forward_hook(lambda m, i, o, path=path: record(m, i, o, path))
             for path, m in model.named_modules() if path]
    try:
        with torch.no_grad():
            x = torch.zeros(1, 3, size, size, device="meta")
            for name in order:
                x = getattr(model, name)(x)
                if name == SHAPE_LAYERS[-1]:
                    break
    finally:
        for hook in hooks:
            hook.remove()
    return shapes


def _input_size(answers: dict) -> Optional[int]:
    """The student's S, when it is one of :data:`INPUT_SIZES` but 224; else None."""
    value = as_number(answers.get("input_size")) if isinstance(answers, dict) else None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and value in INPUT_SIZES and value != BOOK_SIZE else None


def _widths(name: str) -> tuple:
    modules = _facts()["modules"]
    return tuple(modules[f"{name}.branch{i}"]["out"][0] for i in range(1, 5))


@functools.cache
def _naive_macs(name: str) -> int:
    """Multiply-adds of the naive module (Figure 2a) with ``name``'s #1×1, #3×3, #5×5 filters."""
    modules = _facts()["modules"]
    c, h, w = modules[name]["in"]
    widths = [modules[f"{name}.{conv}"]["out"][0] for conv in ("branch1.0", "branch2.1.0", "branch3.1.0")]
    with torch.device("meta"):
        naive = NaiveInception(c, *widths)
    return count_flops(naive, (c, h, w)).total


# How each computed answer is computed: the records' "answer": {"compute": name, "args": {...}}.
COMPUTE = {
    "variant_shape": lambda answers, layer: _variant(_input_size(answers))[layer]["out"],
    "branch_widths": lambda answers, module: _widths(module),
    "macs": lambda answers, module: _facts()["modules"][module]["macs"],
    "naive_macs": lambda answers, module: _naive_macs(module),
    "params": lambda answers, module: _facts()["modules"][module]["params"],
}


# ------------------------------------------------------------------------------ the hand-out

@dataclass(frozen=True)
class Line:
    """One printed line of the hand-out. ``number`` is 0 for a line that needs no comment (a
    closing bracket, ``super().__init__()``). ``part`` is the class or function it belongs to,
    ``names`` the modules it builds or calls (paths inside one instance of ``part``), ``kinds``
    the operations it performs (see :data:`._comments.VOCABULARY`)."""

    number: int
    part: str
    code: str
    names: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    function: str = ""   # the method or function the line is in ('' for a class line)


# callee name -> kind of operation
_CALL_KINDS = {"conv_block": "conv", "Conv2d": "conv", "MaxPool2d": "pool", "AvgPool2d": "pool",
               "LocalResponseNorm": "lrn", "Dropout": "dropout", "Linear": "linear", "ReLU": "relu",
               "relu": "relu", "cat": "concat", "flatten": "flatten", "cross_entropy": "loss",
               "Inception": "inception", "AuxClassifier": "aux", "isinstance": "training-output"}
# a module's type -> kind (for self.X(...) calls)
_TYPE_KINDS = {"Sequential": "conv", "Conv2d": "conv", "MaxPool2d": "pool", "AvgPool2d": "pool",
               "LocalResponseNorm": "lrn", "Dropout": "dropout", "Linear": "linear",
               "Inception": "inception", "AuxClassifier": "aux"}
_DEF_KINDS = {"conv_block": ("conv",), "__init__": ("args",), "forward": ("input",),
              "googlenet_loss": ("loss",)}
_CLASS_KINDS = {"Inception": ("inception",), "AuxClassifier": ("aux",), "GoogLeNet": ("network",)}


def _instances(part: str) -> tuple[str, ...]:
    """The model paths a part's code runs as: every Inception module, both auxiliary heads, the
    network itself; the loss and conv_block have none of their own."""
    modules = _facts()["modules"]
    if part in ("Inception", "AuxClassifier"):
        return tuple(p for p, e in modules.items() if e["type"] == part)
    return ("",) if part == "GoogLeNet" else ()


def _self_attr(node) -> Optional[str]:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return node.attr
    return None


def _line_info(number: int, part: str, tree: ast.AST) -> tuple[tuple, tuple]:
    """(names, kinds) of source line ``number``."""
    stmts = [n for n in ast.walk(tree) if isinstance(n, (ast.stmt,)) and n.lineno <= number <= n.end_lineno]
    inner = min(stmts, key=lambda s: (s.end_lineno - s.lineno, -s.lineno))
    kinds: list[str] = []
    names: list[str] = []
    if isinstance(inner, ast.ClassDef):
        return (), _CLASS_KINDS.get(inner.name, ("network",))
    if isinstance(inner, ast.FunctionDef) and number == inner.lineno:
        return (), _DEF_KINDS.get(inner.name, ("input",))
    instance = (_instances(part) or ("",))[0]
    modules = _facts()["modules"]
    calls = [c for c in ast.walk(inner) if isinstance(c, ast.Call) and c.lineno == number]
    if isinstance(inner, ast.Assign) and number > inner.lineno:   # inside self.branchN = Sequential(
        target = _self_attr(inner.targets[0])
        args = inner.value.args if isinstance(inner.value, ast.Call) else []
        index = next(i for i, a in enumerate(args) if a.lineno <= number <= a.end_lineno)
        names.append(f"{target}.{index}")
    elif isinstance(inner, ast.Assign) and number == inner.lineno:
        target = inner.targets[0]
        if _self_attr(target):
            names.append(_self_attr(target))
            if _self_attr(target).startswith("branch") and calls and getattr(
                    calls[0].func, "attr", "") == "Sequential":
                kinds.append("branch")
        elif isinstance(target, ast.Tuple) and isinstance(inner.value, ast.Name):
            kinds.append("unpack")
        if isinstance(inner.value, ast.Tuple):
            attrs = [_self_attr(e) for e in inner.value.elts]
            if all(attrs):
                names += attrs
                kinds.append("branch")
        if isinstance(inner.value, ast.IfExp):
            kinds.append("mode")
    for call in calls:
        attr = _self_attr(call.func)
        if attr:
            names.append(attr)
            path = f"{instance}.{attr}" if instance else attr
            kind = _TYPE_KINDS.get(modules.get(path, {}).get("type"))
        else:
            callee = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
            kind = _CALL_KINDS.get(callee)
        if kind:
            kinds.append(kind)
    if isinstance(inner, ast.If) and number == inner.lineno and "training" in ast.unparse(inner.test):
        kinds.append("mode")
    if isinstance(inner, ast.Return) and not calls:
        kinds.append("output")
    return tuple(dict.fromkeys(names)), tuple(dict.fromkeys(kinds))


@functools.cache
def _all_lines() -> tuple[Line, ...]:
    """Every printed line of the hand-out, each part (class or function) in source order."""
    source = inspect.getsource(googlenet_handout)
    tree = ast.parse(source)
    text = source.splitlines()
    comments = {tok.start[0]: tok.start[1] for tok in tokenize.generate_tokens(io.StringIO(source).readline)
                if tok.type == tokenize.COMMENT}
    out, number = [], 0
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            continue   # the docstring and the imports
        for n in range(node.lineno, node.end_lineno + 1):
            code = (text[n - 1][:comments[n]] if n in comments else text[n - 1]).rstrip()
            if not code.strip():
                continue
            if re.fullmatch(r"[\s)\]},:]*", code) or code.strip() == "super().__init__()":
                out.append(Line(0, node.name, code))
                continue
            number += 1
            names, kinds = _line_info(n, node.name, node)
            functions = [f for f in ast.walk(node) if isinstance(f, ast.FunctionDef)
                         and f.lineno <= n <= f.end_lineno]
            function = min(functions, key=lambda f: f.end_lineno - f.lineno).name if functions else ""
            out.append(Line(number, node.name, code, names, kinds, function))
    return tuple(out)


def handout() -> tuple[Line, ...]:
    """The numbered lines to annotate; ``handout()[n - 1]`` is line ``n``."""
    return tuple(line for line in _all_lines() if line.number)


def print_handout() -> None:
    """Print the hand-out, part by part, each line whole with the number its comment goes under
    (lines without a number need no comment)."""
    part = None
    for line in _all_lines():
        if line.part != part:
            print(f"# --- {line.part}" if part is None else f"\n# --- {line.part}")
            part = line.part
        print(f"{line.number:>3}| {line.code}" if line.number else f"   | {line.code}")


# ------------------------------------------------------------------------------ comments

@functools.cache
def _known() -> tuple[frozenset, frozenset, frozenset]:
    """(every whole number of the network, its dropout rates, every fraction its code writes)."""
    facts = _facts()
    ints: set[int] = {22, 27, 9, 12, 1000, facts["macs"], facts["params"], int(1.5e9)}
    decimals: set[float] = set()
    source = inspect.getsource(googlenet_handout)
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NUMBER:
            value = float(tok.string)
            (ints.add(int(value)) if value.is_integer() else decimals.add(value))
    for entry in facts["modules"].values():
        for key in ("in", "out"):
            ints.update(entry.get(key, ()))
        ints.update(entry[k] for k in ("kernel", "stride", "padding", "weights", "biases", "params", "macs")
                    if k in entry)
        if "weights" in entry:
            ints.add(entry["weights"] + entry["biases"])
    dropouts = frozenset(e["rate"] for e in facts["modules"].values() if "rate" in e)
    ints.update(round(100 * r) for r in dropouts | decimals if r < 1)
    return frozenset(ints), dropouts, frozenset(decimals | dropouts)


def _function(number: int) -> str:
    return handout()[number - 1].function


def _paths(line: Line) -> list[str]:
    """The model paths of ``line``'s modules, in every instance its part runs as."""
    modules = _facts()["modules"]
    if line.part == "conv_block":
        return [p for p, e in modules.items() if e["type"] == "Sequential" and f"{p}.0" in modules
                and modules[f"{p}.0"]["type"] == "Conv2d" and f"{p}.1" in modules]
    out = []
    for instance in _instances(line.part):
        for name in line.names:
            path = f"{instance}.{name}" if instance else name
            if path in modules:
                out.append(path)
    return out


@functools.lru_cache(maxsize=1024)
def line_facts(number: int, size: Optional[int] = None) -> LineFacts:
    """What the model says about hand-out line ``number`` (see :class:`._comments.LineFacts`),
    at 224×224 and, when given, at the student's input size too.

    A line that builds layers (``__init__``, ``conv_block``) is about everything inside them; a
    line that calls modules (``forward``) about what those modules receive and make; a header, a
    ``return`` or a test of the mode about what its whole module receives and makes."""
    line = handout()[number - 1]
    modules = _facts()["modules"]
    variant = _variant(size) if size else {}
    paths = _paths(line)
    inside = [p for p in modules if any(p == q or p.startswith(q + ".") for q in paths)]
    builds = line.part == "conv_block" or _function(number) == "__init__"
    whole = not line.names or bool({"input", "output", "args", "network", "mode",
                                    "training-output", "unpack"} & set(line.kinds))
    shown = list(inside if builds else paths)
    if whole:
        shown += [i for i in _instances(line.part)]
    if "concat" in line.kinds:   # what is concatenated: the branches' outputs
        shown += [p for i in _instances(line.part) for p in modules if p.startswith(f"{i}.branch")
                  and p.count(".") == 1]
    shapes: set[tuple] = set()
    for p in shown:
        for table in (modules, variant):
            if p in table:
                shapes.update(tuple(table[p][k]) for k in ("in", "out") if k in table[p])
    if line.part == "googlenet_loss" or (line.part == "GoogLeNet" and whole):
        shapes.add(tuple(modules["fc"]["out"]))
    shapes.discard(())
    # a layer inside a branch may be described with its branch's other kernel ("the 1×1 reduce
    # before the 3×3"): the branch's kernels count for it
    branch = {p for p in modules for q in paths if "." in q and q.rsplit(".", 1)[0].endswith(
        tuple(f"branch{i}" for i in range(1, 5))) and p.startswith(q.rsplit(".", 1)[0] + ".")}
    kernels = {modules[p]["kernel"] for p in set(inside) | branch if "kernel" in modules[p]}
    strides = {modules[p]["stride"] for p in inside if "stride" in modules[p]}
    paddings = {modules[p]["padding"] for p in inside if "padding" in modules[p]}
    params: set[int] = set()
    for p in inside:
        e = modules[p]
        params.add(e["params"])
        if "weights" in e:
            params.update({e["weights"], e["weights"] + e["biases"]})
    for instance in _instances(line.part):   # the layers of one line together (conv1 + maxpool1)
        mine = [p for p in paths if p.startswith(instance)]
        params.add(sum(modules[p]["params"] for p in mine))
    params.discard(0)
    channels = {s[0] for s in shapes}
    rates = {modules[p]["rate"] for p in inside if "rate" in modules[p]}
    branches = {int(m.group(1)) for n in line.names for m in [re.match(r"branch(\d)", n)] if m}
    known, dropouts, decimals = _known()
    if size:
        known = known | {v for e in variant.values() for k in ("in", "out") for v in e[k]}
    return LineFacts(line.kinds, frozenset(shapes), frozenset(kernels), frozenset(strides),
                     frozenset(paddings), frozenset(channels), frozenset(params), frozenset(rates),
                     frozenset(branches), modules["fc"]["out"][0], known, dropouts, decimals,
                     line.part == "conv_block", line.code.lstrip().startswith(("def ", "class ")),
                     frozenset(s[1:] for s in shapes if len(s) == 3))


def review_comment(number: int, text: str, input_size: Optional[int] = None) -> tuple[list[str], list[str]]:
    """(problems, remarks) for the comment ``text`` on hand-out line ``number``, in the language
    in force: a problem makes the comment wrong (it names nothing the line does, or states a
    number that is not true of the line); a remark is a note on an accepted comment."""
    from ._lang import current
    problems, remarks = _review(number, text, input_size, current())
    return list(problems), list(remarks)


# Problems of one comment listed at most; a comment stating many wrong numbers gets a short note.
_MAX_COMMENT_PROBLEMS = 3


@functools.lru_cache(maxsize=8192)  # a class writes many of the same comments; each is read 3 times
def _review(number: int, text: str, size: Optional[int], lang: str = "en") -> tuple[tuple, tuple]:
    with language(lang):
        if len(text) > MAX_COMMENT_CHARS:
            return (tr(f"a comment is at most {MAX_COMMENT_CHARS:,} characters; this one has {len(text):,}",
                       f"주석은 {MAX_COMMENT_CHARS:,}자까지입니다. 이 주석은 {len(text):,}자입니다"),), ()
        problems, remarks = review(text, line_facts(number, size))
        if len(problems) > _MAX_COMMENT_PROBLEMS:
            more = len(problems) - _MAX_COMMENT_PROBLEMS
            problems = problems[:_MAX_COMMENT_PROBLEMS] + [tr(f"{more} more thing(s) in it are wrong too",
                                                              f"이 밖에도 {more}군데가 더 틀렸습니다")]
        return tuple(problems), tuple(remarks)


class _LineComment(Comment):
    """A comment on hand-out line ``number``, judged by :mod:`._comments`."""

    def __init__(self, number: int):
        super().__init__(MIN_COMMENT_WORDS)
        self.number = number
        self.size: Optional[int] = None   # the student's input size, set per check

    @property
    def form(self) -> str:
        return tr("a comment: a string, in Korean or English", "주석: 한국어나 영어로 쓴 문자열")

    def _problems(self, text):
        from ._lang import current
        return _review(self.number, text, self.size, current())

    def same(self, given, expected):
        return not self._problems(given)[0]

    def diagnose(self, given, expected):
        problems, _ = self._problems(given)
        text = "; ".join(problems)
        return text[:1].upper() + text[1:] + "."

    def remark(self, value):
        if not isinstance(value, str):
            return None
        text = value.strip().lstrip("#").strip()
        problems, remarks = self._problems(text)
        return "; ".join(remarks) if remarks and not problems else None


# ------------------------------------------------------------------------------ the questions

def _computed(rec: dict):
    fn, args = COMPUTE[rec["answer"]["compute"]], rec["answer"].get("args", {})
    return lambda answers: fn(answers, **args)


def _sealed(rec: dict):
    return lambda answers, key: _data.opened(ASSIGNMENT, rec, "answer", key)


@functools.cache
def _questions() -> tuple[Question, ...]:
    """Every checked item, in the order the report lists them: the records', then one comment
    item per numbered line of the hand-out."""
    qs = []
    for rec in _data.records(ASSIGNMENT):
        if rec["kind"]["type"] == "comment":
            continue
        sealed = "sealed" in rec["answer"]
        qs.append(Question(tuple(rec["path"]), _data.kind(rec["kind"]),
                           _sealed(rec) if sealed else _computed(rec), rec["hint"], rec["part"],
                           sealed=sealed))
    comments = _data.record(ASSIGNMENT, "comments")
    for line in handout():
        qs.append(Question(("comments", line.number), _LineComment(line.number), None, comments["hint"],
                           comments["part"]))
    return tuple(qs)


def template() -> dict:
    """The blank answer dict: every item present, every value ``None`` ("not answered")."""
    blank: dict = {"input_size": None}
    for q in _questions():
        blank.setdefault(q.path[0], {})[q.path[1]] = None
    return blank


def _line_key(key: Any) -> Any:
    """Line ``n`` of the hand-out may be keyed ``n``, ``'n'`` or ``' 0n '``."""
    text = str.__str__(key).strip() if isinstance(key, str) else ""  # str's own strip, always
    return int(text) if text.isdecimal() and len(text) < 6 else key


def _normalise(answers: dict) -> tuple[dict, list[ItemResult]]:
    """Accept ``comments`` as a list (one string per line) or with string keys '1', '2'. Keys
    that name the same line (``1``, ``'1'``, ``' 01 '``) are reported as a problem; the first one
    given is checked, the others not."""
    comments = answers.get("comments")
    if isinstance(comments, (list, tuple)):
        comments = dict(enumerate(comments, start=1))
    if not isinstance(comments, dict):
        return answers, []
    lines: dict = {}
    given_as: dict = {}
    problems = []
    for key, value in comments.items():
        line = _line_key(key)
        try:
            first = given_as.setdefault(line, key)
        except Exception:  # a key that cannot be hashed again: left for the checks to report
            continue
        if first is key:
            lines[line] = value
        else:
            problems.append(ItemResult(
                f"comments[{_safe_repr(key, 40)}]", "problem", tr(
                    f"names the same line as comments[{_safe_repr(first, 40)}]; only that one is checked "
                    "(give each line one key)",
                    f"comments[{_safe_repr(first, 40)}]와 같은 줄입니다. 그쪽만 채점합니다 (줄마다 키는 하나만)")))
    return {**answers, "comments": lines}, problems


def _size_problem(answers: Any) -> Optional[str]:
    """Why ``answers['input_size']`` cannot be used (None when it can)."""
    value = answers.get("input_size") if isinstance(answers, dict) else None
    if _input_size(answers if isinstance(answers, dict) else {}) is not None:
        return None
    if _blank(value):
        return tr("set answers['input_size'] first: part (a) is checked at your own input size S "
                  f"(an int from {INPUT_SIZES[0]} to {INPUT_SIZES[-1]}, not {BOOK_SIZE})",
                  f"먼저 answers['input_size']를 정하세요: (a)는 여러분이 고른 입력 크기 S에서 채점합니다 "
                  f"({INPUT_SIZES[0]}~{INPUT_SIZES[-1]}의 정수, {BOOK_SIZE}는 제외)")
    return tr(f"answers['input_size'] must be an int from {INPUT_SIZES[0]} to {INPUT_SIZES[-1]} other than "
              f"{BOOK_SIZE} (the book's size); got {_safe_repr(value, 30)}",
              f"answers['input_size']는 {INPUT_SIZES[0]}~{INPUT_SIZES[-1]}의 정수여야 하고 {BOOK_SIZE}(책의 "
              f"크기)는 안 됩니다. 받은 값: {_safe_repr(value, 30)}")


def _language(answers: Any, lang: Optional[str]) -> str:
    """``lang``, or the language of the comments (English when they hold no letters)."""
    if lang is not None:
        return lang
    try:
        comments = plain(answers, 1).get("comments") if isinstance(answers, dict) else None
        comments = plain(comments, 1)
        values = (list(comments.values()) if isinstance(comments, dict) else list(comments)
                  if isinstance(comments, (list, tuple)) else [])
        return detect(values[:200]) or "en"
    except Exception:  # answers whose methods raise: the report says so, in English
        return "en"


def check(answers: Any, lang: Optional[str] = None, key: Optional[str] = None) -> Report:
    """Check assignment 1's answers; returns a report (print it, or show it in a notebook).

    ``lang``: 'en' or 'ko' (default: the language of the comments). ``key``: the release key,
    which scores part (d) (default: the one given to :func:`release` in this session, if any).
    Never raises because of the answers: wrong forms, unknown keys and a non-dict are reported
    with a message naming the item and the form expected.
    """
    from ._lang import checked
    lang = checked(_language(answers, lang))
    key = _data.checked_key(ASSIGNMENT, key) if key is not None else _data.released_key(ASSIGNMENT)
    try:
        given = plain(answers, 1) if isinstance(answers, dict) else {}
        size = _input_size(given)
    except Exception:  # a dict whose methods raise: its input size is not read
        given, size = {}, None
    for q in _questions():
        if isinstance(q.kind, _LineComment):
            q.kind.size = size

    def notes(given):
        with language(lang):
            if size is None:
                return []
            return [tr(f"your input size S = {size}: part (a) is checked at 3×{size}×{size}",
                       f"입력 크기 S = {size}: (a)는 3×{size}×{size}에서 채점합니다")]

    report = run_checks(TITLE, list(_questions()), answers, _EXAMPLE, normalise=_normalise, lang=lang,
                        parts=_data.parts(ASSIGNMENT), key=key, notes=notes, choices=("input_size",))
    if size is None:
        with language(lang):
            try:
                why = _size_problem(given)
            except Exception:
                why = _size_problem({})
            for r in report.results:
                if r.item.startswith("shapes[") and r.status != NOT_ANSWERED:
                    r.status, r.message = MALFORMED, f"{r.item}: {why}"
    report.variant = size
    return report


def release(key: str) -> str:
    """Open this assignment's sealed answers and solutions with the key your teacher published."""
    return _data.release(ASSIGNMENT, key)


def questions(part: Optional[str] = None, lang: str = "en") -> Text:
    """The questions of ``part`` ('a' … 'e'; default all), with their options, in ``lang`` — the
    records' texts, without answers."""
    import textwrap

    from ._lang import checked
    with language(checked(lang)):
        lines, title = [], None
        for rec in _data.records(ASSIGNMENT):
            if part is not None and rec["part"] != part:
                continue
            name = next(p.name for p in _data.parts(ASSIGNMENT) if p.id == rec["part"])
            if name != title:
                lines.append(("\n" if lines else "") + name)
                title = name
            label = rec["path"][0] + "".join(f"[{k!r}]" for k in rec["path"][1:])
            lines.append(textwrap.fill(f"{label}: {pick(rec['text'])}", width=78, initial_indent="  ",
                                       subsequent_indent="    "))
            for letter, option in rec.get("options", {}).items():
                lines.append(textwrap.fill(pick(option), width=78, initial_indent=f"     {letter}) ",
                                           subsequent_indent="        "))
        return Text("\n".join(lines))


def save(answers: Any, path="assignment1.json", student: str = "", lang: Optional[str] = None,
         announce: bool = True):
    """Write ``answers`` to ``path`` as a submission file (JSON) for ``cnncourse grade googlenet``;
    says where the file is and, on Colab, offers it for download. Returns the path."""
    return _hand_in(ASSIGNMENT, CHECKER_VERSION, answers, path, student,
                    lang or _language(answers, None), announce)


def rubric(lang: str = "en") -> Markdown:
    """Part (f)'s rubric: what the comments explain, marked by the teacher at three levels."""
    from ._lang import checked
    return _data.rubric_markdown(ASSIGNMENT, checked(lang))


# ------------------------------------------------------------------------------ worked solutions

def _shape_text(shape) -> str:
    return "×".join(str(v) for v in shape)


_SECTIONS = ("shapes", "branches", "costs", "aux", "comments")


def solution(part: str, input_size: Optional[int] = None, lang: str = "en") -> Text:
    """The worked solution of ``part`` ("shapes", "branches", "costs", "aux" or "comments") once
    your teacher has released the solutions (:func:`release`); before that, how the release works.
    ``input_size``: the S of part (a) to show the shapes for (default 224)."""
    if part not in _SECTIONS:
        raise ValueError(f"part must be one of {', '.join(map(repr, _SECTIONS))}; got {part!r}")
    with language(lang):
        key = _data.released_key(ASSIGNMENT)
        if key is None:
            return Text(_data.not_released(ASSIGNMENT, f"hw.solution({part!r})"))
        recs = [r for r in _data.records(ASSIGNMENT) if r["path"][0] == part]
        notes = [pick(_data.opened(ASSIGNMENT, r, "solution", key)) for r in recs]
        notes = list(dict.fromkeys(notes))
        size = input_size if input_size in INPUT_SIZES else BOOK_SIZE
        if part == "shapes":
            table = _variant(size) if size != BOOK_SIZE else _facts()["modules"]
            rows = [f"{name:<12} {_shape_text(table[name]['out']):>10}" for name in SHAPE_LAYERS]
            body = tr(f"Output shapes at 3×{size}×{size} (C×H×W):", f"3×{size}×{size}에서의 출력 shape (C×H×W):")
            body += "\n" + "\n".join(rows)
        elif part == "branches":
            body = "\n".join(f"{name}: {' + '.join(map(str, _widths(name)))} = {sum(_widths(name))}"
                             for name in BRANCH_MODULES)
        elif part == "costs":
            body = "\n".join(f"{r['path'][1]}: {COMPUTE[r['answer']['compute']]({}, **r['answer']['args']):,}"
                             for r in recs)
        elif part == "aux":
            body = "\n".join(f"{r['path'][1]}: {_data.opened(ASSIGNMENT, r, 'answer', key)} — "
                             f"{_data.option_text(r, _data.opened(ASSIGNMENT, r, 'answer', key))}" for r in recs)
        else:
            body = ""
        return Text("\n".join(x for x in [body, *notes] if x))
