"""Command line: ``python -m cnncourse list | summary | flops | train | experiment | grade``.

    python -m cnncourse train --model resnet20 --data digits --epochs 2 --checkpoint resnet20.pt
    python -m cnncourse train --model resnet20 --data digits --epochs 3 --checkpoint resnet20.pt --resume
    torchrun --standalone --nproc-per-node 2 -m cnncourse train --model resnet56 --data cifar10 ...
    python -m cnncourse experiment degradation --data cifar10 --epochs 164 --out cifar.json
"""
from __future__ import annotations

import argparse
import ast
import dataclasses
import os
import sys


def _cmd_list(args) -> int:
    from .analysis import count_params
    from .analysis.report import format_table
    from .models import list_models, model_info, on_meta

    rows = []
    for name in list_models(args.family):
        info = model_info(name)
        rows.append({"name": name, "family": info.family, "input": "×".join(map(str, info.input_size)),
                     "classes": info.num_classes, "params": count_params(on_meta(name)),
                     "paper": info.paper})
    print(format_table(rows, [("name", "model", "{}"), ("input", "input", "{}"), ("classes", "classes", "{}"),
                              ("params", "params", "{:,}"), ("paper", "follows", "{}")]))
    return 0


def _option_value(text: str):
    """A ``-o KEY=VALUE`` value as the Python literal it spells (3, 0.5, True, 'B'); a bare word
    such as v1.5 or B is a string, and true/false are booleans whatever their case."""
    if text.strip().lower() in ("true", "false"):
        return text.strip().lower() == "true"
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        return text.strip()


def _parse_options(items) -> dict:
    options = {}
    for item in items or []:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise ValueError(f"options are given as KEY=VALUE (e.g. -o variant=v1.5 "
                             f"-o num_classes=100), got {item!r}")
        options[key] = _option_value(text)
    return options


# fvcore's trace keeps every intermediate tensor: above this much, summary does not count
_TRACE_MEMORY_LIMIT = 2 * 2**30


def _cmd_summary(args) -> int:
    from .analysis import count_flops, count_params, trace_shapes
    from .analysis.report import format_table
    from .analysis.probing import resolve_input_size
    from .analysis.shapes import activation_bytes, idle_modules
    from .models import on_meta

    options = _parse_options(args.option)
    model = on_meta(args.model, options.pop("num_classes", None), **options)
    size = tuple(args.input_size) if args.input_size else None
    rows = trace_shapes(model, size, depth=args.depth)  # on the meta device: any size works
    held = activation_bytes(model, size)
    flops = count_flops(model, size) if held <= _TRACE_MEMORY_LIMIT else None
    table = [{"name": r.name, "kind": r.kind, "shape": "×".join(map(str, r.output_shape)),
              "params": r.params, "madds": flops.by_module.get(r.name, 0) if flops else None}
             for r in rows]
    # modules that hold parameters but do not run at inference (GoogLeNet's auxiliary heads)
    idle = {name: count_params(model.get_submodule(name)) for name in idle_modules(model, size)}
    table += [{"name": name, "kind": type(model.get_submodule(name)).__name__,
               "shape": "(training only)", "params": n, "madds": None} for name, n in idle.items()]
    shape = "×".join(map(str, resolve_input_size(model, size)[1:]))
    print(format_table(table, [("name", "layer", "{}"), ("kind", "type", "{}"), ("shape", "output", "{}"),
                               ("params", "params", "{:,}"), ("madds", "multiply-adds", "{:,}")],
                       f"{args.model} on {shape} input"))
    print(f"\ntotal: {count_params(model):,} parameters")
    if idle:
        print(f"  of which {sum(idle.values()):,} in {', '.join(idle)}, which run in training only "
              f"(no multiply-adds at inference)")
    if flops is not None:
        print(f"multiply-adds: {flops.total:,} ({flops.giga:.3f} G, convolutions and FC layers, "
              f"as the papers count)")
    else:
        print(f"multiply-adds: not counted at this input size: fvcore's trace runs real tensors and "
              f"would hold {held / 2**30:,.0f} GiB of activations (the limit is "
              f"{_TRACE_MEMORY_LIMIT / 2**30:.0f} GiB)")
    return 0


def _cmd_flops(args) -> int:
    from .analysis.paper_checks import report

    print(report(args.table))
    return 0


# -----------------------------------------------------------------------------
# train and experiment: their options are made from TrainConfig's fields (help, kind, choices)
# and a few of fit's; the library's errors name parameters, written here as these flags.

class _Options:
    """The options of one subcommand by parameter name: added to its parser, and the table that
    writes the library's :class:`~cnncourse.utils.Param` (``seed=0``) as a flag (``--seed 0``)."""

    def __init__(self, parser: argparse.ArgumentParser):
        self.parser, self.actions, self.words = parser, {}, {}
        parser.set_defaults(options=self)

    def add(self, name: str, *flags: str, positional: bool = False, **kwargs) -> None:
        if positional:
            self.actions[name] = self.parser.add_argument(name, **kwargs)
            return
        flags = flags or ("--" + name.replace("_", "-"),)
        self.actions[name] = self.parser.add_argument(*flags, dest=name, **kwargs)

    def add_config(self, skip=()) -> None:
        """One option per field of TrainConfig (but ``skip``): ``--no-X`` / ``--X`` for flags,
        the choices for choices (True/False as on/off), the kind's type otherwise; the default
        and the help are the field's."""
        from .train import KINDS, TrainConfig

        for f in dataclasses.fields(TrainConfig):
            if f.name in skip:
                continue
            meta, dashed = f.metadata, f.name.replace("_", "-")
            help_text = meta["help"].replace("%", "%%")
            default = f" (default {f.default})" if f.default is not None else ""
            if meta["kind"] == "flag" and f.default:
                self.add(f.name, f"--no-{dashed}", action="store_false", help="off: " + help_text)
            elif meta["kind"] == "flag":
                self.add(f.name, action="store_true", help=help_text)
            elif meta["choices"] is not None:
                words = {}
                for c in meta["choices"]:  # "off" stays a string where it is one of the choices
                    words.setdefault(c if isinstance(c, str) else ("on" if c else "off"), c)
                self.words[f.name] = words
                self.add(f.name, choices=list(words), default=f.default, help=help_text + default)
            else:
                kind = KINDS[meta["kind"]][0]
                self.add(f.name, type=kind, default=f.default, metavar="N" if kind is int else "X",
                         help=help_text + default)

    def config(self, args, **fields):
        """The TrainConfig of the parsed ``args`` (``fields`` replace some)."""
        from .train import TrainConfig

        values = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig)
                  if f.name in self.actions}
        for name, words in self.words.items():
            values[name] = words.get(values[name], values[name])
        return TrainConfig(**{**values, **fields})

    def flag(self, p) -> str:
        """A parameter of the library's messages, as the user would type it here."""
        action = self.actions.get(p.name)
        if action is None:
            return str(p)
        flag = action.option_strings[0]
        if p.placeholder:
            return f"{flag} {p.placeholder}"
        if not p.has_value:
            return flag
        value = p.value
        if action.nargs == 0:  # --x / --no-x: given means its const
            return flag if value == action.const else f"without {flag}"
        if p.name in self.words:
            value = next((w for w, v in self.words[p.name].items() if v is value or v == value),
                         value)
        elif value is True and action.const is True:
            return flag
        elif value is None or isinstance(value, bool):
            return f"without {flag}"
        return f"{flag} {value}"


def _explain(exc: Exception, args) -> str:
    """The message of a library error, its parameters written as this subcommand's flags."""
    from .utils import ParamError

    options = getattr(args, "options", None)
    if isinstance(exc, ParamError) and options is not None:
        return exc.render(options.flag)
    return str(exc)


def _add_data_options(o: _Options, required: bool) -> None:
    from .data import DATASETS

    o.add("data", required=required, choices=list(DATASETS),
          default=None if required else "fashion_mnist",
          help="; ".join(f"{name}: {d.about}" for name, d in DATASETS.items()))
    o.add("device", choices=["cpu", "cuda"], help="default: cuda if a GPU is present, else cpu")
    o.add("root", metavar="FOLDER", help="folder of the data set's files (default ./data; for "
          "Fashion-MNIST also Debian's copy). A folder given here is the only one used")
    o.add("download", "--no-download", action="store_false",
          help="never download; use the files under --root")


def _add_train(sub) -> None:
    p = sub.add_parser("train", help="train a model (the ResNet paper's CIFAR recipe), resumable",
                       description="Train with SGD (momentum 0.9, weight decay 1e-4) and the "
                                   "ResNet paper's CIFAR schedule. Under torchrun, one process per "
                                   "GPU (DDP); --batch-size is then the global batch, split evenly "
                                   "across the processes.")
    o = _Options(p)
    o.add("model", required=True, help="a model name, e.g. resnet20, plain56, lenet5")
    _add_data_options(o, required=True)
    o.add("checkpoint", metavar="PATH", help="checkpoint file, written after every epoch "
          "(atomically); an existing one is continued with --resume or replaced with --overwrite")
    o.add("checkpoint_every", type=int, default=1, metavar="N", help="epochs between checkpoints")
    o.add("resume", nargs="?", const=True, default=False, choices=["auto"], metavar="auto",
          help="continue from --checkpoint (an error if it is missing); '--resume auto' "
               "continues if it exists and starts afresh otherwise. A resumed run keeps its saved "
               "learning-rate schedule and must use the checkpoint's settings")
    o.add("extend", action="store_true",
          help="with --resume and more --epochs than the run was planned for: train the extra "
               "epochs at the schedule's final learning rate (without it, refused). For a new "
               "schedule, start a new run with another --checkpoint or --overwrite")
    o.add("overwrite", action="store_true", help="start afresh, replacing --checkpoint")
    o.add("until_epoch", type=int, metavar="E",
          help="stop after epoch E while the schedule still spans --epochs (split a long run)")
    o.add_config()
    o.add("progress", "--no-progress", action="store_false",
          help="no progress (default: a bar on a terminal, else a line every 30 s)")
    o.add("results", metavar="FILE",
          help="append the run's final errors, GPU name and timing to this JSON file")
    p.set_defaults(func=_cmd_train)


def _cmd_train(args) -> int:
    from . import results
    from .data import DatasetUnavailable
    from .train import CheckpointError, TrainingDiverged, append_result, train

    config = args.options.config(args)
    rank0 = int(os.environ.get("RANK", "0")) == 0
    if args.results and rank0:
        results.check(args.results)  # a file that cannot take the result: refused before training
    progress = ("bar" if sys.stderr.isatty() else "lines") if args.progress else False
    try:
        run = train(args.model, args.data, config, device=args.device, root=args.root,
                    download=args.download, checkpoint=args.checkpoint,
                    checkpoint_every=args.checkpoint_every, resume=args.resume,
                    extend=args.extend, overwrite=args.overwrite, until_epoch=args.until_epoch,
                    progress=progress)
    except (TrainingDiverged, CheckpointError, DatasetUnavailable, RuntimeError) as exc:
        print(f"error: {_explain(exc, args)}", file=sys.stderr)
        return 1
    h = run.history
    if h.epoch:
        print(f"final: train error {h.train_error[-1]:.2f}%, test error {h.test_error[-1]:.2f}% "
              f"after {h.epoch[-1]} epoch{'' if h.epoch[-1] == 1 else 's'} "
              f"({run.steps:,} iterations)")
    if args.results and h.epoch and rank0:
        append_result(args.results, args.model, args.data, run, seed=config.seed)
        print(f"results appended to {args.results}")
    return 0


def _add_experiment(sub) -> None:
    from .experiments import EXPERIMENTS

    about = "; ".join(f"{name}: {e.about}" for name, e in EXPERIMENTS.items())
    p = sub.add_parser("experiment", help="the training chapter's experiments, into a results file",
                       description="Train every model of an experiment once per seed with one "
                                   "recipe; each finished run is appended to --out at once (other "
                                   "processes' runs kept), runs already there with the same recipe "
                                   "are skipped and unfinished ones resume from --checkpoints, so "
                                   f"the same command continues after a disconnect. {about}.")
    o = _Options(p)
    o.add("name", positional=True, choices=list(EXPERIMENTS))
    _add_data_options(o, required=False)
    o.add("models", nargs="+", metavar="MODEL", help="only these of the experiment's models")
    o.add("seeds", type=int, nargs="+", default=[0], metavar="SEED", help="default: 0")
    o.add("train_size", type=int, metavar="N",
          help="a stratified subset of N training images (default: all)")
    o.add("test_size", type=int, metavar="N",
          help="a stratified subset of N test images, tested after every epoch (default: all)")
    o.add_config(skip=("seed",))
    o.add("out", default="results.json", metavar="FILE", help="results file (JSON), appended to")
    o.add("checkpoints", default="checkpoints", metavar="FOLDER",
          help="folder for each run's checkpoint")
    p.set_defaults(func=_cmd_experiment)


def _cmd_experiment(args) -> int:
    import shlex

    from .data import DatasetUnavailable
    from .experiments import Experiment, run_experiment
    from .train import CheckpointError

    spec = Experiment(args.name, args.options.config(args), seeds=tuple(args.seeds),
                      data=args.data, train_size=args.train_size, test_size=args.test_size,
                      models=args.models)
    # The results file records how it was made, in the form a reader can paste and run again.
    command = " ".join(["python -m cnncourse", *map(shlex.quote, args.argv)])
    try:
        run_experiment(spec, out=args.out, checkpoints=args.checkpoints, device=args.device,
                       root=args.root, download=args.download, command=command,
                       log=lambda line: print(line, flush=True))
    except (CheckpointError, DatasetUnavailable, RuntimeError) as exc:
        print(f"error: {_explain(exc, args)}", file=sys.stderr)
        return 1
    print(f"results in {args.out}")
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    invoked = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    prog = "python -m cnncourse" if invoked in ("__main__.py", "-m", "") else "cnncourse"
    parser = argparse.ArgumentParser(prog=prog,
                                     description="The classic CNNs as their papers built them.")
    sub = parser.add_subparsers(dest="command", required=True)
    from .analysis.paper_checks import TABLES
    from .models import FAMILIES

    p = sub.add_parser("list", help="list the models")
    p.add_argument("--family", choices=FAMILIES, help="only one family")
    p.set_defaults(func=_cmd_list)
    p = sub.add_parser("summary", help="output shape, parameters and multiply-adds per layer")
    p.add_argument("model")
    p.add_argument("--input-size", type=_positive_int, nargs=3, metavar=("C", "H", "W"))
    p.add_argument("--depth", type=_positive_int, default=1,
                   help="how deep to list sub-modules (default 1: the model's direct children)")
    p.add_argument("--option", "-o", action="append", metavar="KEY=VALUE",
                   help="model option as a Python value, e.g. -o variant=v1.5 -o batch_norm=True "
                        "-o num_classes=100")
    p.set_defaults(func=_cmd_summary)
    p = sub.add_parser("flops", help="the papers' tables beside the measured FLOPs and parameters")
    p.add_argument("--table", default="all", choices=["all", *TABLES])
    p.set_defaults(func=_cmd_flops)
    _add_train(sub)
    _add_experiment(sub)
    _add_grade(sub)
    return parser


def _add_grade(sub) -> None:
    from .exercises.grading import CHECKERS

    p = sub.add_parser(
        "grade", help="grade a class's submission files (JSON from hw.save); runs no student code",
        description="Grade submission files written by hw.save(answers, path, student=...). Each "
                    "file is read as data, never executed, and gives one row of the CSV: its points "
                    "per part (the weights of the assignment's brief), or why it could not be graded. "
                    "The batch always finishes; the exit status is 1 when any file was not graded, 2 "
                    "when an output would replace an input or an option cannot be used.")
    p.add_argument("assignment", choices=sorted(CHECKERS), help="googlenet (assignment 1) or resnet (2)")
    p.add_argument("submissions", nargs="+", help="submission files, or folders of *.json files")
    p.add_argument("--csv", help="write one row per file to this CSV file (UTF-8 with a byte-order mark, "
                                 "which Excel needs for Hangul; written at the end, atomically)")
    p.add_argument("--feedback", metavar="DIR",
                   help="write one feedback text file per student into DIR, named after the student id")
    p.add_argument("--lang", choices=["en", "ko"],
                   help="write every feedback file (and this summary) in English or Korean (default: "
                        "each in the language the student worked in)")
    p.add_argument("--release", metavar="KEY",
                   help="the assignment's release key (in the teacher's guide): scores the sealed items "
                        "(multiple choice, numbers read off a paper); without it they are not scored")
    p.add_argument("--marks", metavar="CSV",
                   help="hand marks: a CSV with a 'student' column and one column per rubric criterion "
                        "(f1, f2 / r1..r9: full, half or none), such as the grade CSV with those columns "
                        "filled in; adds the hand-marked parts to each total")
    p.set_defaults(func=_cmd_grade)


def _cmd_grade(args) -> int:
    from .exercises.grading import OutputError, grade

    try:
        results = grade(args.assignment, args.submissions, csv_path=args.csv, feedback_dir=args.feedback,
                        lang=args.lang, key=args.release, marks=args.marks)
    except (OutputError, ValueError) as exc:   # an output, a key or a marks file that cannot be used
        print(f"error: {exc}", file=sys.stderr)
        return 2
    not_graded = sum(not g.ok for g in results)
    unwritten = sum(bool(g.feedback_error) for g in results)
    if not_graded or unwritten:
        counts = [f"{not_graded} of {len(results)} files not graded"] if not_graded else []
        counts += [f"{unwritten} feedback files not written"] if unwritten else []
        print(f"error: {'; '.join(counts)} (the reasons are listed above"
              f"{' and in the CSV' if args.csv else ''})", file=sys.stderr)
        return 1
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    try:
        return args.func(args)
    except ValueError as exc:  # bad model names, options, sizes: a message, not a traceback
        print(f"error: {_explain(exc, args)}", file=sys.stderr)
        return 2
