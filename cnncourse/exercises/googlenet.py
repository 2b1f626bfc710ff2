"""Assignment 1, "annotate the GoogLeNet code" (GoogleNet 주석 달기): the answer checker.

The student fills a dict (``template()`` gives the blank one)::

    answers = {
        "shapes":   {"conv1": (C, H, W), "maxpool1": (C, H, W), ..., "avgpool": (C, H, W)},  # (a)
        "branches": {"inception3a": (b1, b2, b3, b4), ...},   # (b) output channels of branch1..branch4
        "concat":   {"inception3a": channels, ...},           # (b) the module's output channels
        "macs":     {"with_reduction": n, "without_reduction": n},  # (c) inception 3a, multiply-adds
        "aux":      {"training": "A".."D", "evaluation": "A".."D", "loss_weight": "A".."D"},  # (d)
        "comments": {1: "...", 2: "..."},                     # (e) one per line of Inception.forward
    }

and ``check(answers)`` returns a :class:`~cnncourse.exercises._report.Report`.

Every correct answer is computed when it is needed, from the package's own model
(:class:`~cnncourse.models.googlenet.GoogLeNet`, :func:`~cnncourse.models.googlenet.table1_costs`,
:class:`~cnncourse.models.googlenet.NaiveInception`); only the hints are written by hand.
What the checker accepts:

- shapes and branch widths: tuples (or lists) of positive ints, exactly right;
- multiply-adds: an int or a float such as ``1.3e8``, within ±0.5% of the count (so a
  rounded answer like 128 million passes; 0.5% is well below any conceptual mistake, such
  as forgetting one of the six convs);
- auxiliary classifiers: one letter per question from :data:`AUX_OPTIONS`;
- comments: any text of at least :data:`MIN_COMMENT_CHARS` characters per line. That is
  all the checker can check about free text: compare yours with the reference page.

``lrn1``, ``lrn2`` and ``fc`` may be added to ``shapes``; they are checked when given and
not counted when not.
"""
from __future__ import annotations

import functools
import inspect
import textwrap
from typing import Any

import torch
import torch.nn.functional as F

from ..analysis import count_flops, trace_shapes
from ..models.googlenet import TABLE1, GoogLeNet, GoogLeNetOutput, Inception, NaiveInception, googlenet_loss, table1_costs
from ._report import Choice, Comment, Count, IntTuple, Question, Report, Shape, _Malformed, run_checks

__all__ = ["check", "template", "forward_lines", "AUX_OPTIONS", "SHAPE_LAYERS", "INCEPTION_MODULES",
           "MIN_COMMENT_CHARS"]

# The layers whose output shape (a) asks for: the model's attribute names, in forward order.
SHAPE_LAYERS = ("conv1", "maxpool1", "conv2", "conv3", "maxpool2", "inception3a", "inception3b",
                "maxpool3", "inception4a", "inception4b", "inception4c", "inception4d", "inception4e",
                "maxpool4", "inception5a", "inception5b", "avgpool")
OPTIONAL_SHAPE_LAYERS = ("lrn1", "lrn2", "fc")
INCEPTION_MODULES = tuple(name for name, *_ in TABLE1)
MIN_COMMENT_CHARS = 15

# (d): three multiple-choice questions. Which letter is right is worked out from the model's
# behaviour at check time (see _aux_facts), not stored.
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

_EXAMPLE = "{'shapes': {'conv1': (64, 112, 112)}}"


def forward_lines() -> list[str]:
    """The code lines of ``Inception.forward`` that (e) asks to comment, read from the package.

    The ``def`` line, blank lines and comment lines are left out; line 1 is the first
    statement of the body.
    """
    source = textwrap.dedent(inspect.getsource(Inception.forward))
    body = source.splitlines()[1:]
    return [line.strip() for line in body if line.strip() and not line.strip().startswith("#")]


# ------------------------------------------------------------------------------ the computed answers

@functools.lru_cache(maxsize=1)
def _model() -> GoogLeNet:
    with torch.random.fork_rng():  # leave the caller's random state as it was
        torch.manual_seed(0)
        return GoogLeNet().eval()


@functools.lru_cache(maxsize=1)
def _shapes() -> dict[str, tuple[int, ...]]:
    return {row.name: row.output_shape for row in trace_shapes(_model(), (3, 224, 224))}


@functools.lru_cache(maxsize=1)
def _branches() -> dict[str, tuple[int, ...]]:
    """Each Inception module's four branch outputs (channels), from a shape trace one level down."""
    rows = trace_shapes(_model(), (3, 224, 224), depth=2)
    widths = {row.name: row.output_shape[0] for row in rows}
    return {name: tuple(widths[f"{name}.branch{i}"] for i in range(1, 5)) for name in INCEPTION_MODULES}


@functools.lru_cache(maxsize=1)
def _macs_3a() -> tuple[int, int]:
    """Multiply-adds of inception 3a: as built (1×1 reductions), and naive (Figure 2a)."""
    model = _model()
    with_reduction = table1_costs(model)["inception3a"][1]
    shapes = _shapes()
    names = list(shapes)
    in_shape = shapes[names[names.index("inception3a") - 1]]  # what inception3a receives
    _, ch1x1, _, ch3x3, _, ch5x5, _ = next(row for row in TABLE1 if row[0] == "inception3a")
    naive = NaiveInception(in_shape[0], ch1x1, ch3x3, ch5x5)
    without_reduction = count_flops(naive, in_shape).total
    return with_reduction, without_reduction


@functools.lru_cache(maxsize=1)
def _aux_facts() -> dict[str, str]:
    """Run the model in training and in evaluation mode and read off the right letters for (d)."""
    model = _model()
    fed: dict[str, Any] = {}
    outputs: dict[str, torch.Tensor] = {}
    hooks = [getattr(model, n).register_forward_hook(lambda m, i, o, n=n: outputs.__setitem__(n, o))
             for n in INCEPTION_MODULES]
    hooks += [getattr(model, a).register_forward_pre_hook(lambda m, i, a=a: fed.__setitem__(a, i[0]))
              for a in ("aux1", "aux2")]
    x, target = torch.zeros(1, 3, 224, 224), torch.tensor([1])
    try:
        with torch.random.fork_rng(), torch.no_grad():
            torch.manual_seed(0)
            model.train()
            train_out = model(x)
            train_fed, train_outputs = dict(fed), dict(outputs)
            fed.clear()
            model.eval()
            eval_out = model(x)
            eval_fed = dict(fed)
    finally:
        model.eval()
        for h in hooks:
            h.remove()

    # training: which modules feed the heads (by tensor identity), and what comes back
    attached = tuple(next((n for n, o in train_outputs.items() if o is t), "?") for t in train_fed.values())
    if not train_fed:
        training = "A"
    elif isinstance(train_out, GoogLeNetOutput):
        training = "B" if attached == ("inception4a", "inception4d") else "C"
    else:
        training = "D"
    # evaluation: do the heads run, and what comes back
    if isinstance(eval_out, GoogLeNetOutput):
        evaluation = "D"
    elif eval_fed:
        evaluation = "B"
    else:
        evaluation = "C"
    # the 0.3: the loss function's default weight, verified against the loss it computes
    weight = inspect.signature(googlenet_loss).parameters["aux_weight"].default
    loss = googlenet_loss(train_out, target)
    by_hand = F.cross_entropy(train_out.logits, target) + weight * (
        F.cross_entropy(train_out.aux1, target) + F.cross_entropy(train_out.aux2, target))
    in_loss = bool(torch.allclose(loss, by_hand)) and model.aux1.dropout.p != weight
    return {"training": training, "evaluation": evaluation, "loss_weight": "B" if in_loss else "C"}


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
                       "its 28×28 input; count weights only (no biases, no pooling)."),
    "without_reduction": ("In the naive module (Figure 2a, NaiveInception) the 1×1, 3×3 and 5×5 convs all "
                          "see every input channel, and the max-pool branch has no multiply-adds. Use "
                          "inception 3a's #1×1, #3×3 and #5×5 filter counts, weights × output H·W."),
}
AUX_HINTS = {
    "training": ("Read GoogLeNet.forward: where are self.aux1 and self.aux2 called, on which x, and what "
                 "does forward return when run_aux is True?"),
    "evaluation": "model.eval() sets self.training to False: follow run_aux through GoogLeNet.forward.",
    "loss_weight": ("Find where 0.3 appears in cnncourse/models/googlenet.py: read googlenet_loss, and "
                    "compare with the dropout of AuxClassifier."),
}
COMMENT_HINT = (f"Write at least {MIN_COMMENT_CHARS} characters: what the line computes and, where it "
                "helps, the shape it produces.")
COMMENT_NOTE = ("present — the checker can only check that a comment is there and long enough; "
                "compare it with the reference page")


@functools.lru_cache(maxsize=1)
def questions() -> tuple[Question, ...]:
    """Every checked item of the assignment, in the order the report lists them."""
    qs = []
    for name in SHAPE_LAYERS + OPTIONAL_SHAPE_LAYERS:
        length = 1 if name == "fc" else 3
        kind = Shape(length)
        hint = SHAPE_HINTS.get(name, _INCEPTION_HINT)
        qs.append(Question(("shapes", name), kind, lambda n=name: _shapes()[n], hint,
                           optional=name in OPTIONAL_SHAPE_LAYERS))
    branch_kind = _Branches()
    for name in INCEPTION_MODULES:
        qs.append(Question(("branches", name), branch_kind, lambda n=name: _branches()[n], BRANCH_HINT))
    concat_kind = Count(0, "the module's output channels", floats=False)
    for name in INCEPTION_MODULES:
        qs.append(Question(("concat", name), concat_kind, lambda n=name: _shapes()[n][0], CONCAT_HINT))
    macs_kind = Count(0.005, "the multiply-adds of inception 3a")
    qs.append(Question(("macs", "with_reduction"), macs_kind, lambda: _macs_3a()[0], MACS_HINTS["with_reduction"]))
    qs.append(Question(("macs", "without_reduction"), macs_kind, lambda: _macs_3a()[1],
                       MACS_HINTS["without_reduction"]))
    for key, options in AUX_OPTIONS.items():
        qs.append(Question(("aux", key), Choice(options), lambda k=key: _aux_facts()[k], AUX_HINTS[key]))
    comment_kind = Comment(MIN_COMMENT_CHARS)
    for i in range(1, len(forward_lines()) + 1):
        qs.append(Question(("comments", i), comment_kind, None, COMMENT_HINT, note=COMMENT_NOTE))
    return tuple(qs)


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


def template() -> dict:
    """The blank answer dict: every item present, every value ``None`` ("not answered")."""
    blank: dict = {}
    for q in questions():
        if q.optional:
            continue
        blank.setdefault(q.path[0], {})[q.path[1]] = None
    return blank


def _normalise(answers: Any) -> Any:
    """Accept ``comments`` as a list (one string per line) or with string keys '1', '2'."""
    if not isinstance(answers, dict) or "comments" not in answers:
        return answers
    comments = answers["comments"]
    if isinstance(comments, (list, tuple)):
        comments = {i: c for i, c in enumerate(comments, start=1)}
    elif isinstance(comments, dict):
        comments = {int(k) if isinstance(k, str) and k.strip().isdigit() else k: v for k, v in comments.items()}
    return {**answers, "comments": comments}


def check(answers: Any) -> Report:
    """Check assignment 1's answers; returns a report (print it, or show it in a notebook).

    Never raises because of the answers: wrong forms, unknown keys and a non-dict are
    reported with a message naming the item and the form expected.
    """
    return run_checks("GoogLeNet annotation (assignment 1)", list(questions()), _normalise(answers), _EXAMPLE)
