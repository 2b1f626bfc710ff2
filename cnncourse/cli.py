"""Command line: ``python -m cnncourse list | summary | flops | train | experiment | grade``.

    python -m cnncourse train --model resnet20 --data digits --epochs 2 --checkpoint resnet20.pt
    python -m cnncourse train --model resnet20 --data digits --epochs 3 --checkpoint resnet20.pt --resume
    torchrun --standalone --nproc-per-node 2 -m cnncourse train --model resnet56 --data cifar10 ...
    python -m cnncourse experiment degradation --data cifar10 --epochs 164 --out cifar.json
"""
from __future__ import annotations

import argparse
import ast
import os
import sys

import torch


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


# The library names its parameters in error messages (``seed=0``); the command line speaks of flags.
_FLAGS = {"epochs": "--epochs", "until_epoch": "--until-epoch", "extend": "--extend", "resume": "--resume",
          "seed": "--seed", "batch_size": "--batch-size", "lr": "--lr", "schedule": "--schedule",
          "warmup_steps": "--warmup-steps", "augment": "--no-augment", "checkpoint": "--checkpoint"}


def _in_flags(message: str) -> str:
    """Rewrite ``name=value`` of the library's messages as the matching command-line flag."""
    import re

    def flag(match):
        name, value = match.group(1), match.group(2)
        if name == "augment":
            return "--no-augment" if value == "False" else "augmentation on"
        if value == "True":
            return _FLAGS[name]
        if value == "False":
            return f"no {_FLAGS[name]}"
        return f"{_FLAGS[name]} {value.strip(chr(39))}"

    return re.sub(r"\b(" + "|".join(_FLAGS) + r")=('[^']*'|[^\s,;()]+)", flag, message)


def _cmd_train(args) -> int:
    import os

    from .train import CheckpointError, TrainConfig, TrainingDiverged, train

    if args.resume not in (True, False, "auto"):
        print(f"error: --resume takes no value or 'auto', got {args.resume!r}", file=sys.stderr)
        return 2
    try:
        config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                             schedule=args.schedule, warmup_steps=args.warmup_steps, seed=args.seed,
                             augment=not args.no_augment, amp="off" if args.no_amp else "auto",
                             compile=args.compile)
        run = train(args.model, args.data, config, device=args.device, root=args.root,
                    download=not args.no_download, checkpoint=args.checkpoint,
                    checkpoint_every=args.checkpoint_every, resume=args.resume, extend=args.extend,
                    until_epoch=args.until_epoch,
                    progress=not args.no_progress and sys.stderr.isatty())
    except (TrainingDiverged, CheckpointError, RuntimeError) as exc:
        print(f"error: {_in_flags(str(exc))}", file=sys.stderr)
        return 1
    h = run.history
    if h.epoch:
        print(f"final: train error {h.train_error[-1]:.2f}%, test error {h.test_error[-1]:.2f}% after "
              f"{h.epoch[-1]} epoch{'' if h.epoch[-1] == 1 else 's'} ({run.steps:,} iterations)")
    if args.results and h.epoch and int(os.environ.get("RANK", "0")) == 0:
        from .train import append_result

        append_result(args.results, args.model, args.data, run, seed=args.seed)
        print(f"results appended to {args.results}")
    return 0


def _cmd_experiment(args) -> int:
    import shlex

    from .experiments import run_experiment
    from .train import CheckpointError, TrainConfig

    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                         warmup_steps=args.warmup_steps)
    # The results file records how it was made, in the form a reader can paste and run again.
    command = " ".join(["python -m cnncourse", *map(shlex.quote, args.argv)])
    try:
        run_experiment(args.name, config, seeds=args.seeds, data=args.data,
                       train_size=args.train_size, test_size=args.test_size, models=args.models,
                       device=args.device, root=args.root, download=not args.no_download,
                       out=args.out, checkpoints=args.checkpoints, command=command,
                       log=lambda line: print(line, flush=True))
    except (CheckpointError, RuntimeError) as exc:
        print(f"error: {_in_flags(str(exc))}", file=sys.stderr)
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
    p = sub.add_parser("train", help="train a model (the ResNet paper's CIFAR recipe), resumable",
                       description="Train with SGD (momentum 0.9, weight decay 1e-4) and the ResNet paper's "
                                   "CIFAR schedule. Under torchrun, one process per GPU (DDP); --batch-size "
                                   "is then the global batch, split evenly across the processes.")
    p.add_argument("--model", required=True, help="a model name, e.g. resnet20, plain56, lenet5")
    p.add_argument("--data", required=True, choices=["cifar10", "fashion_mnist", "digits"],
                   help="cifar10 (downloaded by torchvision), fashion_mnist (Debian's dataset-fashion-mnist "
                        "or downloaded into --root) or digits (scikit-learn, no download)")
    p.add_argument("--epochs", type=int, help="epochs to train (default: the paper's 64k iterations); "
                   "with --resume, the run's planned epochs")
    p.add_argument("--until-epoch", type=int, metavar="E",
                   help="stop after epoch E while the schedule still spans --epochs (split a long run)")
    p.add_argument("--checkpoint", help="checkpoint file, written after every epoch (atomically)")
    p.add_argument("--checkpoint-every", type=int, default=1, metavar="N", help="epochs between checkpoints")
    p.add_argument("--resume", nargs="?", const=True, default=False, metavar="auto",
                   help="continue from --checkpoint (an error if it is missing); '--resume auto' "
                        "continues if it exists and starts afresh otherwise. A resumed run keeps its "
                        "saved learning-rate schedule and must use the checkpoint's settings")
    p.add_argument("--extend", action="store_true",
                   help="with --resume and more --epochs than the run was planned for: train the extra "
                        "epochs at the schedule's final learning rate (without it, refused). For a new "
                        "schedule, start a new run with another --checkpoint")
    p.add_argument("--device", choices=["cpu", "cuda"], help="default: cuda if a GPU is present, else cpu")
    p.add_argument("--batch-size", type=int, default=128, help="(global) batch size, default 128 as in the paper")
    p.add_argument("--lr", type=float, default=0.1, help="initial learning rate (default 0.1)")
    p.add_argument("--schedule", choices=["paper", "cosine", "constant"], default="paper",
                   help="paper: ÷10 at 50%% and 75%% of the iterations (32k, 48k of 64k); cosine")
    p.add_argument("--warmup-steps", type=int, default=0,
                   help="iterations at lr 0.01 first (ResNet-110 in the paper: about 400)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--root", default="data",
                   help="folder for CIFAR-10's or Fashion-MNIST's files (default ./data)")
    p.add_argument("--no-download", action="store_true", help="never download; use the files under --root")
    p.add_argument("--no-augment", action="store_true", help="no padding/crop/flip augmentation")
    p.add_argument("--no-amp", action="store_true", help="float32 on the GPU too (no mixed precision)")
    p.add_argument("--compile", action="store_true", help="torch.compile the model")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--results", help="append the run's final errors, GPU name and timing to this JSON file")
    p.set_defaults(func=_cmd_train)
    p = sub.add_parser("experiment", help="the training chapter's experiments, into a results file",
                       description="Train every model of an experiment once per seed with one "
                                   "recipe; each finished run is appended to --out at once, runs "
                                   "already there are skipped and unfinished ones resume from "
                                   "--checkpoints, so the same command continues after a "
                                   "disconnect. degradation: plain-20/56, ResNet-20/56 (the "
                                   "paper's Figure 6); compare: LeNet-5 and the 32×32 AlexNet, "
                                   "VGG and GoogLeNet variants against ResNet-20.")
    p.add_argument("name", choices=["degradation", "compare"])
    p.add_argument("--data", choices=["fashion_mnist", "cifar10"], default="fashion_mnist")
    p.add_argument("--models", nargs="+", metavar="MODEL", help="only these of the experiment's models")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], metavar="SEED", help="default: 0")
    p.add_argument("--train-size", type=int, metavar="N",
                   help="a stratified subset of N training images (default: all)")
    p.add_argument("--test-size", type=int, metavar="N",
                   help="a stratified subset of N test images, tested after every epoch (default: all)")
    p.add_argument("--epochs", type=int, help="default: the paper's 64k iterations")
    p.add_argument("--batch-size", type=int, default=128, help="default 128, as in the paper")
    p.add_argument("--lr", type=float, default=0.1, help="initial learning rate (default 0.1)")
    p.add_argument("--warmup-steps", type=int, default=0, help="iterations at lr 0.01 first")
    p.add_argument("--device", choices=["cpu", "cuda"], help="default: cuda if a GPU is present, else cpu")
    p.add_argument("--root", default="data", help="folder for the data set's files (default ./data)")
    p.add_argument("--no-download", action="store_true", help="never download; use the files under --root")
    p.add_argument("--out", default="results.json", help="results file (JSON), appended to")
    p.add_argument("--checkpoints", default="checkpoints", help="folder for each run's checkpoint")
    p.set_defaults(func=_cmd_experiment)
    from .exercises import grading  # the assignments' class grading: `grade googlenet|resnet FILES`
    grading.add_parser(sub)
    return parser


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    try:
        return args.func(args)
    except ValueError as exc:  # bad model names, options, sizes: a message, not a traceback
        print(f"error: {_in_flags(str(exc))}", file=sys.stderr)
        return 2
