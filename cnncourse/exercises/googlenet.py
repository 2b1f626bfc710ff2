"""Assignment 1, "annotate the GoogLeNet code" (GoogleNet 주석 달기): the hand-out and the checker.

The hand-out (:func:`handout`, printed by :func:`print_handout`) is GoogLeNet's code without
its comments and docstrings: the stem, ``Inception.__init__`` and ``forward``, ``AuxClassifier``,
``GoogLeNet.forward`` and ``googlenet_loss``. It is generated from the package's source with
:mod:`ast` and :mod:`tokenize`, so it is exactly the code that runs. The student writes a
comment for every numbered line and answers four self-check parts in one dict
(``template()`` gives the blank one)::

    answers = {
        "shapes":   {"conv1": (C, H, W), ..., "avgpool": (C, H, W)},   # (a)
        "branches": {"inception3a": (b1, b2, b3, b4), ...},            # (b)
        "concat":   {"inception3a": channels, ...},                    # (b)
        "macs":     {"with_reduction": n, "without_reduction": n},     # (c) inception 3a
        "aux":      {"training": "A".."D", "evaluation": ..., "loss_weight": ...},  # (d)
        "comments": {1: "...", 2: "...", ...},   # (e) one per numbered line of the hand-out
    }

``check(answers)`` returns a :class:`~cnncourse.exercises._report.Report`. For a comment it
checks more than presence: a comment must say something (two words of content, counted
alike in Korean and English), and every shape, channel count, kernel size, stride or branch
number it states is compared with the model traced on the ``meta`` device (what the line's
layers receive and produce). ``480×28×28``, ``480x28x28`` and ``(480, 28, 28)`` are all read
as C×H×W; ``28×28×480`` is accepted but flagged as the paper's H×W×C order. Whether a comment
explains the line *well* is left to the reader of the answer key.

No answer is stored here: shapes and widths are read from the model traced on the ``meta``
device, multiply-adds from :func:`cnncourse.count_flops`, and the letters of (d) from the model's
behaviour in both modes (:func:`compute_facts`, run when a check first needs it). Nothing is
keyed on the model file's text, so editing its comments changes no answer. :func:`solution`
shows a part's worked solution, but only after the student has checked an attempt at it.
"""
from __future__ import annotations

import ast
import functools
import inspect
import io
import re
import textwrap
import tokenize
from dataclasses import dataclass
from typing import Any, Optional

import torch
import torch.nn.functional as F
from torch import nn

from ..analysis import count_flops, probe
from ..models import on_meta
from ..models.googlenet import TABLE1, AuxClassifier, GoogLeNet, GoogLeNetOutput, Inception, NaiveInception
from ..models.googlenet import googlenet_loss
from ._report import (MAX_COMMENT_CHARS, NOT_ANSWERED, Choice, Comment, Count, IntTuple,
                      ItemResult, Question, Report, Shape, _Malformed, _safe_repr, content_words,
                      run_checks)
from ._submission import save as _save

__all__ = ["check", "template", "handout", "print_handout", "solution", "save", "AUX_OPTIONS",
           "SHAPE_LAYERS", "INCEPTION_MODULES", "MIN_COMMENT_WORDS", "CHECKER_VERSION"]

CHECKER_VERSION = "googlenet-2"
ASSIGNMENT = "googlenet"
TITLE = "GoogLeNet annotation (assignment 1)"

# The layers whose output shape (a) asks for: the model's attribute names, in forward order.
SHAPE_LAYERS = ("conv1", "maxpool1", "conv2", "conv3", "maxpool2", "inception3a", "inception3b",
                "maxpool3", "inception4a", "inception4b", "inception4c", "inception4d", "inception4e",
                "maxpool4", "inception5a", "inception5b", "avgpool")
OPTIONAL_SHAPE_LAYERS = ("lrn1", "lrn2", "fc")
INCEPTION_MODULES = tuple(name for name, *_ in TABLE1)
STEM = ("conv1", "maxpool1", "lrn1", "conv2", "conv3", "lrn2", "maxpool2")
MIN_COMMENT_WORDS = 2

# (d): three multiple-choice questions. Which letter is right is worked out from the model's
# behaviour (see compute_facts), not stored.
AUX_OPTIONS = {
    "training": {
        "A": "They do not run: only the main classifier produces logits.",
        "B": "They run on the outputs of inception4a and inception4d, and the model returns their "
             "logits beside the main logits.",
        "C": "They run on the outputs of inception3b and inception4e, and the model returns their "
             "logits beside the main logits.",
        "D": "They run on the outputs of inception4a and inception4d, and their logits are added "
             "into the main logits.",
    },
    "evaluation": {
        "A": "They run, and their logits are averaged with the main logits.",
        "B": "They run, but the model throws their outputs away.",
        "C": "They do not run: forward skips them and returns only the main logits.",
        "D": "They run, and the model returns their logits beside the main logits, as in training.",
    },
    "loss_weight": {
        "A": "In forward: the auxiliary logits are multiplied by 0.3.",
        "B": "In the training loss: main loss + 0.3 × (aux1 loss + aux2 loss).",
        "C": "It is the dropout probability of the auxiliary heads.",
        "D": "At test time: the auxiliary predictions are weighted by 0.3 and averaged with the main one.",
    },
}

_EXAMPLE = "{'shapes': {'conv1': (3, 224, 224)}}"


# ------------------------------------------------------------------------------ the hand-out

@dataclass(frozen=True)
class Line:
    """One numbered line of the hand-out.

    ``names`` are the ``self.<name>`` attributes the line's statement uses (or, inside the
    stem's helpers ``lrn``/``maxpool``, the attributes they build); ``role`` is ``"def"``
    for a function header, ``"return"`` for a return in ``forward``, else ``"forward"``,
    ``"init"`` or ``"loss"``.
    """

    number: int
    part: str
    code: str
    names: tuple[str, ...]
    role: str


# (title, function, the model paths of the instances the code runs as)
_PARTS = (
    ("stem (GoogLeNet.__init__)", GoogLeNet.__init__, ("",)),
    ("Inception.__init__", Inception.__init__, INCEPTION_MODULES),
    ("Inception.forward", Inception.forward, INCEPTION_MODULES),
    ("AuxClassifier.__init__", AuxClassifier.__init__, ("aux1", "aux2")),
    ("AuxClassifier.forward", AuxClassifier.forward, ("aux1", "aux2")),
    ("GoogLeNet.forward", GoogLeNet.forward, ("",)),
    ("googlenet_loss", googlenet_loss, ()),
)


def _self_names(node: ast.AST) -> tuple[str, ...]:
    names = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "self":
            if sub.attr not in names:
                names.append(sub.attr)
    return tuple(names)


def _strip(function, part: str, stem_only: bool) -> list[tuple[str, tuple[str, ...], str]]:
    """``function``'s code lines without comments, docstrings or blank lines, each with its
    ``names`` and ``role``; ``stem_only`` keeps only the stem's statements of ``__init__``."""
    source = textwrap.dedent(inspect.getsource(function))
    tree = ast.parse(source)
    func = tree.body[0]
    lines = source.splitlines()
    comments = {tok.start[0]: tok.start[1]
                for tok in tokenize.generate_tokens(io.StringIO(source).readline)
                if tok.type == tokenize.COMMENT}
    skip: set[int] = set()
    for node in ast.walk(func):  # docstrings of the function and of anything defined in it
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                skip.update(range(first.lineno, first.end_lineno + 1))

    # The helpers a statement calls to build an attribute (self.maxpool1 = maxpool()).
    helpers: dict[str, list[str]] = {}
    for stmt in func.body:
        if (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call)
                and isinstance(stmt.value.func, ast.Name)):
            for name in _self_names(stmt.targets[0]):
                helpers.setdefault(stmt.value.func.id, []).append(name)

    keep = None
    if stem_only:
        keep = set()
        stem_helpers = {h for h, names in helpers.items() if set(names) & set(STEM)}
        for stmt in func.body:
            targets = _self_names(stmt.targets[0]) if isinstance(stmt, ast.Assign) else ()
            if set(targets) & set(STEM) or (isinstance(stmt, ast.FunctionDef) and stmt.name in stem_helpers):
                keep.update(range(stmt.lineno, stmt.end_lineno + 1))

    statements = [n for n in ast.walk(func) if isinstance(n, ast.stmt)]
    out = []
    for number, text in enumerate(lines, start=1):
        if number in skip or (keep is not None and number not in keep):
            continue
        code = text[:comments[number]] if number in comments else text
        code = code.rstrip()
        if not code.strip():
            continue  # blank or comment-only
        if re.fullmatch(r"[\s)\]},:]*", code):
            out.append((code, (), "bracket"))  # a closing bracket alone: shown, not numbered
            continue
        inner = min((s for s in statements if s.lineno <= number <= s.end_lineno),
                    key=lambda s: s.end_lineno - s.lineno)
        enclosing = [s for s in statements if isinstance(s, ast.FunctionDef) and s is not func
                     and s.lineno <= number <= s.end_lineno]
        if isinstance(inner, ast.FunctionDef) and number < inner.body[0].lineno:
            role = "def"
            names = tuple(helpers.get(inner.name, ())) if inner is not func else ()
        elif enclosing:  # inside a helper such as maxpool(): the attributes it builds
            role, names = "init", tuple(helpers.get(enclosing[0].name, ()))
        else:
            kind = func.name if func.name in ("forward", "__init__") else "loss"
            role = {"forward": "forward", "__init__": "init"}.get(kind, "loss")
            if role == "forward" and isinstance(inner, ast.Return):
                role = "return"
            names = _self_names(inner)
        out.append((code, names, role))
    # dedent what is kept (the stem sits two levels deep in the class)
    indent = min(len(c) - len(c.lstrip()) for c, _, _ in out)
    return [(c[indent:], names, role) for c, names, role in out]


_ALL_LINES: Optional[tuple[Line, ...]] = None


def _all_lines() -> tuple[Line, ...]:
    """Every printed line of the hand-out; closing brackets alone have number 0."""
    global _ALL_LINES
    if _ALL_LINES is None:
        lines, number = [], 0
        for part, function, _ in _PARTS:
            for code, names, role in _strip(function, part, stem_only=part.startswith("stem")):
                if role != "bracket":
                    number += 1
                lines.append(Line(number if role != "bracket" else 0, part, code, names, role))
        _ALL_LINES = tuple(lines)
    return _ALL_LINES


def handout() -> tuple[Line, ...]:
    """The numbered lines to annotate, generated from the package source (comments stripped);
    ``handout()[n - 1]`` is line ``n``."""
    return tuple(line for line in _all_lines() if line.number)


def print_handout(width: int = 80) -> None:
    """Print the hand-out, part by part, each line with the number its comment goes under
    (a line too wide for ``width`` is cut with …)."""
    part = None
    for line in _all_lines():
        if line.part != part:
            print(f"# --- {line.part}" if part is None else f"\n# --- {line.part}")
            part = line.part
        text = f"{line.number:>3}| {line.code}" if line.number else f"   | {line.code}"
        print(text if len(text) <= width else text[: width - 1] + "…")


def _parts_of(path: str) -> tuple:
    return next(instances for part, _, instances in _PARTS if part == path)


# ------------------------------------------------------------------------------ the computed facts

def _shape(t: Any) -> tuple:
    if isinstance(t, torch.Tensor):
        return tuple(t.shape[1:])
    if isinstance(t, (tuple, list)) and t and isinstance(t[0], torch.Tensor):
        return tuple(t[0].shape[1:])
    return ()


def _int(v: Any) -> int:
    return v if isinstance(v, int) else v[0]


def _layout(model: nn.Module) -> dict[str, dict]:
    """What each module is, read from the module: kernel and stride of convs and pools, the
    weights of convs and linear layers, the output channels of an Inception module."""
    modules: dict[str, dict] = {}
    for path, module in model.named_modules():
        entry = modules.setdefault(path, {})
        if isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
            entry["kernel"] = _int(module.kernel_size)
            entry["stride"] = _int(module.stride)
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            entry["weights"] = module.weight.numel()
        if isinstance(module, Inception):
            entry["out_channels"] = module.out_channels
    return modules


def _run(model: nn.Module, modules: dict[str, dict], training: bool):
    """One probe of ``model`` in one mode: fills in each module's input and output shape (the
    first call's), and returns (output, top-level modules in call order, {aux head: the
    Inception module whose output it read})."""
    order: list[str] = []
    made_by: dict[int, str] = {}   # id of an output tensor -> the module that produced it
    fed: dict[str, str] = {}

    def after(module, inputs, output, path):
        entry = modules[path]
        entry.setdefault("in", _shape(inputs[0]) if inputs else ())
        entry.setdefault("out", _shape(output))
        if path and "." not in path and path not in order:
            order.append(path)
        made_by[id(output)] = path

    with probe(model, training=training) as p:
        for path, module in model.named_modules():
            p.after(module, lambda m, i, o, path=path: after(m, i, o, path))
        for name in ("aux1", "aux2"):
            p.before(getattr(model, name), lambda m, i, name=name: fed.__setitem__(
                name, made_by.get(id(i[0]), "?")))
        output = p.run()
    return output, order, fed


def compute_facts() -> dict:
    """Trace GoogLeNet on the ``meta`` device (shapes without arithmetic) in training and in
    evaluation mode, count its multiply-adds, and read off everything the checker compares with.

    Returns ``{"modules": {path: {"in", "out", "kernel", "stride", "weights", "macs",
    "out_channels"}}, "order": [...], "aux": {question: letter}, "macs": (with, without)}``.
    Computed when a checker first needs them (under a second), from the model, so they follow
    the model's code and nothing else: not its comments, not a stored copy.
    """
    model = on_meta("googlenet")
    modules = _layout(model)
    train_out, _, train_fed = _run(model, modules, training=True)
    eval_out, order, eval_fed = _run(model, modules, training=False)
    flops = count_flops(model)  # the package's counter, in evaluation mode
    for path, entry in modules.items():
        if "weights" in entry and path in flops.by_module:
            entry["macs"] = flops.by_module[path]
    modules = {p: e for p, e in modules.items() if e}

    # (d) from the behaviour: which modules feed the heads, what forward returns in each mode
    attached = tuple(train_fed.values())
    if not train_fed:
        training = "A"
    elif isinstance(train_out, GoogLeNetOutput):
        training = "B" if attached == ("inception4a", "inception4d") else "C"
    else:
        training = "D"
    evaluation = "D" if isinstance(eval_out, GoogLeNetOutput) else ("B" if eval_fed else "C")
    # the 0.3: the loss function's default weight, verified against the loss it computes (small
    # CPU tensors suffice: it is a function of the logits only)
    weight = inspect.signature(googlenet_loss).parameters["aux_weight"].default
    with torch.random.fork_rng():
        torch.manual_seed(0)
        out = GoogLeNetOutput(*(torch.randn(2, 5) for _ in range(3)))
    target = torch.tensor([1, 3])
    by_hand = F.cross_entropy(out.logits, target) + weight * (
        F.cross_entropy(out.aux1, target) + F.cross_entropy(out.aux2, target))
    in_loss = bool(torch.allclose(googlenet_loss(out, target), by_hand)) and model.aux1.dropout.p != weight
    aux = {"training": training, "evaluation": evaluation, "loss_weight": "B" if in_loss else "C"}

    # (c) multiply-adds of inception 3a, and of the naive module (Figure 2a) with its filters
    in_shape = modules["inception3a"]["in"]
    _, ch1x1, _, ch3x3, _, ch5x5, _ = next(row for row in TABLE1 if row[0] == "inception3a")
    with torch.device("meta"):
        naive = NaiveInception(in_shape[0], ch1x1, ch3x3, ch5x5)
    macs = (flops.by_module["inception3a"], count_flops(naive, in_shape).total)
    return {"modules": modules, "order": tuple(order), "aux": aux, "macs": macs}


@functools.cache
def _facts() -> dict:
    return compute_facts()


def _shapes() -> dict[str, tuple]:
    modules = _facts()["modules"]
    return {name: tuple(modules[name]["out"]) for name in SHAPE_LAYERS + OPTIONAL_SHAPE_LAYERS}


def _branches() -> dict[str, tuple]:
    modules = _facts()["modules"]
    return {name: tuple(modules[f"{name}.branch{i}"]["out"][0] for i in range(1, 5))
            for name in INCEPTION_MODULES}


# ------------------------------------------------------------------------------ comments

# The patterns below read numbers out of a comment. Python's re backtracks, so each is written
# to take linear time: they run on the comment with every run of white space made one space
# (so " ?" stands for any spacing), an optional part always starts with a character that is not
# a space, and a number is matched only from its first digit (the look-behinds). A comment is
# also at most MAX_COMMENT_CHARS long. tests/test_exercises_properties.py times them.
_SEP = r" ?[×xX*] ?"
_SHAPE3 = re.compile(rf"(?<![\d.#])(?:(?:[NB]|batch|1){_SEP})?(\d+){_SEP}(\d+){_SEP}(\d+)(?![\d.])"
                     r"|\( ?(?:(?:[NB]|batch|1|-1) ?, ?)?(\d+) ?, ?(\d+) ?, ?(\d+) ?\)")
_PAIR = re.compile(rf"(?<![\d.#])(\d+){_SEP}(\d+)(?![\d.])")  # not "#3×3", a Table 1 column
_STRIDE = re.compile(r"(?:strides?|스트라이드|보폭) ?(?:(?:는|은|이|가|of|=|:) ?)?(\d+)"
                     rf"|(?<![\d.])\d+{_SEP}\d+ ?/ ?(\d+)")
_CHANNELS = re.compile(r"(?<![\d.×xX*])(\d+) ?(?:개(?:의)? ?)?(?:channels?\b|채널|ch\b|maps?\b|feature maps?)"
                       r"|(?:채널|channels?) ?(?:(?:수|count|number) ?)?(?:(?:는|은|이|가|:|=) ?)?(\d+)(?![\d.×xX*])")
_BRANCH = re.compile(r"branch ?([1-9])|브랜치 ?([1-9])|가지 ?([1-9])"
                     r"|([1-9]) ?번(?:째)? ?(?:브랜치|branch|가지)|([1-9])(?:st|nd|rd|th) branch")


@functools.lru_cache(maxsize=None)
def _line_facts(line: Line) -> dict:
    """What the model says about ``line``: the shapes its layers receive and produce, their
    kernel sizes and strides, the channel counts, the branch numbers it uses."""
    modules = _facts()["modules"]
    instances = _parts_of(line.part)
    shapes: set[tuple] = set()
    kernels: set[int] = set()
    strides: set[int] = set()
    channels: set[int] = set()
    for instance in instances:
        for name in line.names:
            path = f"{instance}.{name}" if instance else name
            if path not in modules:
                continue
            inside = [p for p in modules if p == path or p.startswith(path + ".")]
            for p in inside:
                kernels.update([modules[p]["kernel"]] if "kernel" in modules[p] else [])
                strides.update([modules[p]["stride"]] if "stride" in modules[p] else [])
            for p in (inside if line.role in ("init", "def") else [path]):
                shapes.update(tuple(modules[p][k]) for k in ("in", "out") if k in modules[p])
                if "out_channels" in modules[p]:
                    channels.add(modules[p]["out_channels"])
        if line.role in ("def", "return") and line.part.endswith("forward") and instance in modules:
            shapes.update(tuple(modules[instance][k]) for k in ("in", "out"))
    shapes.discard(())
    channels.update(s[0] for s in shapes)
    return {"shapes": shapes, "kernels": kernels, "strides": strides, "channels": channels,
            "branches": {int(n[-1]) for n in line.names if re.fullmatch(r"branch\d", n)}}


def review_comment(number: int, text: str) -> tuple[list[str], list[str]]:
    """(problems, remarks) for the comment ``text`` on hand-out line ``number``.

    A problem makes the comment wrong: it says too little, or a number it states is not
    what the traced model has on this line. A remark is a note on an accepted comment.
    """
    problems, remarks = _review(number, text)
    return list(problems), list(remarks)


# Problems of one comment listed at most; a comment stating many wrong numbers gets a short note.
_MAX_COMMENT_PROBLEMS = 3


@functools.lru_cache(maxsize=4096)  # a class writes many of the same comments; each is read 3 times
def _review(number: int, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if len(text) > MAX_COMMENT_CHARS:
        return (f"a comment is at most {MAX_COMMENT_CHARS:,} characters; this one has "
                f"{len(text):,}",), ()
    text = " ".join(text.split())  # one space for any spacing: the patterns rely on it
    line = handout()[number - 1]
    problems, remarks = [], []
    if len(content_words(text)) < MIN_COMMENT_WORDS or len({w.lower() for w in content_words(text)}) < 2:
        problems.append(f"say what the line does, in at least {MIN_COMMENT_WORDS} different words "
                        "(Korean or English)")
        return tuple(problems), ()
    facts = _line_facts(line)
    spatial = {s[1:] for s in facts["shapes"] if len(s) == 3}
    pieces, end = [], 0  # the text without its shapes, for the patterns of single numbers
    for match in _SHAPE3.finditer(text):
        a, b, c = (int(g) for g in (match.groups()[:3] if match.group(1) else match.groups()[3:]))
        pieces += [text[end:match.start()], " "]
        end = match.end()
        if not facts["shapes"] or (a, b, c) in facts["shapes"]:
            continue
        if (a * b * c,) in facts["shapes"] and (c, a, b) not in facts["shapes"]:
            continue  # a map as it was before being flattened for this line's linear layer
        if (c, a, b) in facts["shapes"]:
            remarks.append(f"{a}×{b}×{c} reads as H×W×C, the paper's order; PyTorch's is C×H×W "
                           "(accepted)")
            continue
        problems.append(f"the comment states the shape {a}×{b}×{c} (read as C×H×W), which is neither "
                        "what this line's layers receive nor what they produce")
    rest = "".join(pieces) + text[end:]
    for match in _STRIDE.finditer(rest):
        s = int(match.group(1) or match.group(2))
        if facts["strides"] and s not in facts["strides"]:
            problems.append(f"the comment says stride {s}; no layer on this line has that stride")
    for match in _PAIR.finditer(rest):
        a, b = int(match.group(1)), int(match.group(2))
        if a != b:
            continue
        if a <= 11 and facts["kernels"]:
            if a not in facts["kernels"] and (a, b) not in spatial:
                problems.append(f"the comment names a {a}×{a} kernel; no layer on this line has "
                                "that kernel size")
        elif a > 11 and spatial and (a, b) not in spatial:
            problems.append(f"{a}×{b} is not a height×width that this line's layers see")
    for match in _CHANNELS.finditer(rest):
        n = int(next(g for g in match.groups() if g))
        if facts["channels"] and n not in facts["channels"]:
            problems.append(f"the comment states {n} channels; that is not a channel count of "
                            "this line's input or output")
    for match in _BRANCH.finditer(text):
        k = int(next(g for g in match.groups() if g))
        if facts["branches"] and k not in facts["branches"]:
            problems.append(f"the comment names branch {k}, but this line is about "
                            + " and ".join(f"branch {b}" for b in sorted(facts["branches"])))
    problems = list(dict.fromkeys(problems))
    if len(problems) > _MAX_COMMENT_PROBLEMS:
        more = len(problems) - _MAX_COMMENT_PROBLEMS
        problems = problems[:_MAX_COMMENT_PROBLEMS] + [f"{more} more number(s) in it do not "
                                                       "match either"]
    return tuple(problems), tuple(dict.fromkeys(remarks))


COMMENT_HINT = ("Recompute what you state from the line: a conv or pool with kernel k, stride s "
                "and padding p maps a side n to ⌊(n + 2p − k)/s⌋ + 1 (⌈⌉ with ceil_mode), and "
                "its out_channels (or the sum of the branches) gives C.")


class _LineComment(Comment):
    """A comment on hand-out line ``number``, reviewed by :func:`review_comment`."""

    def __init__(self, number: int):
        super().__init__(MIN_COMMENT_WORDS)
        self.number = number
        self.form = "a comment: a string, in Korean or English"

    def same(self, given, expected):
        return not review_comment(self.number, given)[0]

    def diagnose(self, given, expected):
        problems, _ = review_comment(self.number, given)
        text = "; ".join(problems)
        text = text[:1].upper() + text[1:] + "."
        if any(not p.startswith(("say what", "the comment names branch")) for p in problems):
            text += " " + COMMENT_HINT  # a number is wrong: how to recompute it
        return text

    def remark(self, value):
        if not isinstance(value, str):
            return None
        text = value.strip().lstrip("#").strip()
        problems, remarks = review_comment(self.number, text)
        return "; ".join(remarks) if remarks and not problems else None


# ------------------------------------------------------------------------------ the questions

_MAXPOOL_HINT = ("A 3×3 max pool with stride 2 and ceil_mode=True: out = ⌈(in − 3) / 2⌉ + 1, "
                 "rounded up as Caffe does. Pooling keeps the channel count.")
_INCEPTION_HINT = ("Every branch of an Inception module keeps H and W (the convs pad to 'same', the "
                   "pool has stride 1), so the module keeps its input's H×W. Its channels are the sum of "
                   "the four branch outputs (Table 1's #1×1 + #3×3 + #5×5 + pool proj), not its input's.")
SHAPE_HINTS = {
    "conv1": ("conv1 is a 7×7 conv, stride 2, padding 3: out = ⌊(in + 2·padding − kernel) / stride⌋ + 1; "
              "its channels are its number of filters."),
    "maxpool1": _MAXPOOL_HINT,
    "lrn1": "Local response normalization rescales activations; it changes no shape.",
    "conv2": "conv2 is the stem's 1×1 'reduce' conv: a 1×1 conv keeps H and W; its channels are its filters.",
    "conv3": ("conv3 is a 3×3 conv with padding 1 and stride 1, which keeps H and W; its channels are its "
              "filters (Table 1's #3×3 column for the conv row)."),
    "lrn2": "Local response normalization rescales activations; it changes no shape.",
    "maxpool2": _MAXPOOL_HINT,
    "maxpool3": _MAXPOOL_HINT,
    "maxpool4": _MAXPOOL_HINT,
    "avgpool": "avgpool is a 7×7 average pool with stride 1 on a 7×7 map; it keeps the channel count.",
    "fc": "fc is a linear layer: one output per class, and no spatial dimensions (a 1-tuple).",
}
BRANCH_HINT = ("The four numbers are the output channels of branch1 (the 1×1 conv), branch2 (the 3×3 "
               "conv after its reduce), branch3 (the 5×5 conv after its reduce) and branch4 (pool proj), "
               "in that order. The reduce widths feed the 3×3 and 5×5 convs; they are not outputs.")
CONCAT_HINT = ("torch.cat(..., dim=1) stacks the four branch outputs along the channel axis: add the "
               "four output widths (#1×1, #3×3, #5×5, pool proj), not the reduce columns and not the "
               "module's input channels.")
MACS_HINTS = {
    "with_reduction": ("A conv's multiply-adds = its weights (k·k·C_in·C_out) × its output H·W. Inception 3a "
                       "has six convs (branch1's 1×1, the two reduces, the 3×3, the 5×5, pool proj), all on "
                       "its input's H×W; count weights only (no biases, no pooling)."),
    "without_reduction": ("In the naive module (Figure 2a, NaiveInception) the 1×1, 3×3 and 5×5 convs all "
                          "see every input channel, and the max-pool branch has no multiply-adds. Use "
                          "inception 3a's #1×1, #3×3 and #5×5 filter counts, weights × output H·W."),
}
AUX_HINTS = {
    "training": ("Read GoogLeNet.forward: where are self.aux1 and self.aux2 called, on which x, and what "
                 "does forward return when run_aux is True?"),
    "evaluation": "model.eval() sets self.training to False: follow run_aux through GoogLeNet.forward.",
    "loss_weight": ("Find where the weight appears: read googlenet_loss, and compare with the dropout of "
                    "AuxClassifier."),
}


class _Branches(IntTuple):
    def __init__(self):
        super().__init__(4, "the output channels of branch1..branch4", (10, 20, 30, 40))

    def diagnose(self, given, expected):
        if sorted(given) == sorted(expected):
            return "The four numbers are right but not in branch order."
        return None

    def parse(self, value):
        if isinstance(value, (tuple, list)) and len(value) == 6:
            raise _Malformed(f"expected {self.form}; got 6 numbers — the reduce widths are not branch "
                             "outputs, give one number per branch")
        return super().parse(value)


_QUESTIONS: Optional[tuple[Question, ...]] = None


def questions() -> tuple[Question, ...]:
    """Every checked item of the assignment, in the order the report lists them."""
    global _QUESTIONS
    if _QUESTIONS is not None:
        return _QUESTIONS
    qs = []
    for name in SHAPE_LAYERS + OPTIONAL_SHAPE_LAYERS:
        kind = Shape(1 if name == "fc" else 3)
        qs.append(Question(("shapes", name), kind, lambda n=name: _shapes()[n],
                           SHAPE_HINTS.get(name, _INCEPTION_HINT), optional=name in OPTIONAL_SHAPE_LAYERS))
    branch_kind = _Branches()
    for name in INCEPTION_MODULES:
        qs.append(Question(("branches", name), branch_kind, lambda n=name: _branches()[n], BRANCH_HINT))
    concat_kind = Count(0, "the module's output channels", floats=False)
    for name in INCEPTION_MODULES:
        qs.append(Question(("concat", name), concat_kind, lambda n=name: _shapes()[n][0], CONCAT_HINT))
    macs_kind = Count(0.005, "the multiply-adds of inception 3a")
    for i, key in enumerate(("with_reduction", "without_reduction")):
        qs.append(Question(("macs", key), macs_kind, lambda i=i: _facts()["macs"][i], MACS_HINTS[key]))
    for key, options in AUX_OPTIONS.items():
        qs.append(Question(("aux", key), Choice(options), lambda k=key: _facts()["aux"][k], AUX_HINTS[key]))
    for line in handout():
        qs.append(Question(("comments", line.number), _LineComment(line.number), None, ""))
    _QUESTIONS = tuple(qs)
    return _QUESTIONS


PARTS = {"shapes": "(a)", "branches": "(b)", "concat": "(b)", "macs": "(c)", "aux": "(d)", "comments": "(e)"}


def template() -> dict:
    """The blank answer dict: every item present, every value ``None`` ("not answered")."""
    blank: dict = {}
    for q in questions():
        if not q.optional:
            blank.setdefault(q.path[0], {})[q.path[1]] = None
    return blank


def _line_key(key: Any) -> Any:
    """Line ``n`` of the hand-out may be keyed ``n``, ``'n'`` or ``' 0n '``."""
    text = str.__str__(key).strip() if isinstance(key, str) else ""  # str's own strip, always
    return int(text) if text.isdecimal() and len(text) < 6 else key


def _normalise(answers: dict) -> tuple[dict, list[ItemResult]]:
    """Accept ``comments`` as a list (one string per line) or with string keys '1', '2'.

    Keys that name the same line (``1``, ``'1'``, ``' 01 '``) are reported as a problem; the
    first one given is checked, the others not.
    """
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
                f"comments[{_safe_repr(key, 40)}]", "problem",
                f"names the same line as comments[{_safe_repr(first, 40)}]; only that one is checked "
                "(give each line one key)"))
    return {**answers, "comments": lines}, problems


_attempted: set[str] = set()


def check(answers: Any) -> Report:
    """Check assignment 1's answers; returns a report (print it, or show it in a notebook).

    Never raises because of the answers: wrong forms, unknown keys and a non-dict are
    reported with a message naming the item and the form expected.
    """
    report = run_checks(TITLE, list(questions()), answers, _EXAMPLE, normalise=_normalise)
    _attempted.update(r.item.partition("[")[0] for r in report.results if r.status != NOT_ANSWERED)
    return report


def save(answers: Any, path, student: str) -> Any:
    """Write ``answers`` to ``path`` as a submission file (JSON) for ``cnncourse grade googlenet``."""
    return _save(ASSIGNMENT, CHECKER_VERSION, answers, path, student)


# ------------------------------------------------------------------------------ worked solutions

class Text(str):
    """A string that shows as plain text when it is the last value of a notebook cell."""

    def __repr__(self) -> str:
        return str(self)


def _shape_text(shape) -> str:
    return "×".join(str(v) for v in shape)


def solution(part: str) -> Text:
    """The worked solution of ``part`` ("shapes", "branches", "concat", "macs", "aux" or
    "comments"), computed from the package — shown only after an attempt at that part has been
    checked with :func:`check` in this session, so that it is read after trying, not instead."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {', '.join(map(repr, PARTS))}; got {part!r}")
    if part not in _attempted:
        return Text(f"Try first: put your answers for {part!r} into answers[{part!r}] and run "
                    f"hw.check(answers); then hw.solution({part!r}) shows the worked solution.")
    facts = _facts()
    modules = facts["modules"]
    if part == "shapes":
        rows = [f"{name:<12} {_shape_text(modules[name]['out']):>10}   (input {_shape_text(modules[name]['in'])})"
                for name in SHAPE_LAYERS]
        return Text("Output shapes, traced on the model (C×H×W):\n" + "\n".join(rows))
    if part in ("branches", "concat"):
        rows = []
        for name in INCEPTION_MODULES:
            widths = _branches()[name]
            rows.append(f"{name}: {' + '.join(map(str, widths))} = {sum(widths)} "
                        f"(module output {modules[name]['out'][0]} channels)")
        return Text("Branch outputs (branch1..branch4) and their concatenation:\n" + "\n".join(rows))
    if part == "macs":
        with_r, without_r = facts["macs"]
        c, h, w = modules["inception3a"]["in"]
        convs = [(p, e) for p, e in modules.items() if p.startswith("inception3a.") and "kernel" in e
                 and "weights" in e]
        lines = [f"  {p:<28} {e['weights']:>7,} weights × {e['out'][1]}·{e['out'][2]} = "
                 f"{e['macs']:,}" for p, e in convs]
        return Text(f"Inception 3a sees {c}×{h}×{w}. With the 1×1 reductions:\n" + "\n".join(lines)
                    + f"\n  total {with_r:,} multiply-adds\nNaive module (Figure 2a): {without_r:,}; "
                    f"the reductions make it {without_r / with_r:.2f}× cheaper.")
    if part == "aux":
        return Text("\n".join(f"{k}: {letter} — {AUX_OPTIONS[k][letter]}" for k, letter in facts["aux"].items())
                    + "\n(Read off by running the model in training and in evaluation mode, and by "
                    "recomputing googlenet_loss by hand.)")
    return Text("The comments are judged by a reader; the answer key page (GoogLeNet, fully annotated) "
                "has a comment on every line of the hand-out, and the checker passes all of them.")
