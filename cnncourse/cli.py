"""Command line: ``python -m cnncourse list | summary MODEL | flops``."""
from __future__ import annotations

import argparse
import sys

import torch


def _cmd_list(args) -> int:
    from .analysis import count_params
    from .analysis.report import format_table
    from .models import get_model, list_models, model_info

    rows = []
    for name in list_models(args.family):
        info = model_info(name)
        with torch.device("meta"):  # count parameters without allocating them
            params = count_params(get_model(name))
        rows.append({"name": name, "family": info.family, "input": "×".join(map(str, info.input_size)),
                     "classes": info.num_classes, "params": params, "paper": info.paper})
    print(format_table(rows, [("name", "model", "{}"), ("input", "input", "{}"), ("classes", "classes", "{}"),
                              ("params", "params", "{:,}"), ("paper", "follows", "{}")]))
    return 0


def _cmd_summary(args) -> int:
    from .analysis import count_flops, count_params, trace_shapes
    from .analysis.report import format_table
    from .models import get_model

    options = {}
    for item in args.option or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"options are given as KEY=VALUE (e.g. variant=v1.5), got {item!r}")
        options[key] = {"true": True, "false": False}.get(value.lower(), value)
    model = get_model(args.model, **options)
    size = tuple(args.input_size) if args.input_size else None
    rows = trace_shapes(model, size, depth=args.depth)
    flops = count_flops(model, size)
    table = [{"name": r.name, "kind": r.kind, "shape": "×".join(map(str, r.output_shape)),
              "params": r.params, "madds": flops.by_module.get(r.name, 0)} for r in rows]
    print(format_table(table, [("name", "layer", "{}"), ("kind", "type", "{}"), ("shape", "output", "{}"),
                               ("params", "params", "{:,}"), ("madds", "multiply-adds", "{:,}")],
                       f"{args.model} on {'×'.join(map(str, flops.input_size[1:]))} input"))
    print(f"\ntotal: {count_params(model):,} parameters, {flops.total:,} multiply-adds "
          f"({flops.giga:.3f} G, convolutions and FC layers, as the papers count)")
    return 0


def _cmd_flops(args) -> int:
    from .analysis.paper_checks import report

    print(report(args.table))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cnncourse",
                                     description="The classic CNNs as their papers built them.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("list", help="list the models")
    p.add_argument("--family", help="only one family (lenet, alexnet, vgg, googlenet, resnet, resnet_cifar)")
    p.set_defaults(func=_cmd_list)
    p = sub.add_parser("summary", help="output shape, parameters and multiply-adds per layer")
    p.add_argument("model")
    p.add_argument("--input-size", type=int, nargs=3, metavar=("C", "H", "W"))
    p.add_argument("--depth", type=int, default=1, help="how deep to list sub-modules (default 1)")
    p.add_argument("--option", "-o", action="append", metavar="KEY=VALUE",
                   help="model option, e.g. -o variant=v1.5 -o batch_norm=true")
    p.set_defaults(func=_cmd_summary)
    p = sub.add_parser("flops", help="the papers' tables beside the measured FLOPs and parameters")
    p.add_argument("--table", default="all",
                   choices=["all", "lenet", "alexnet", "vgg", "googlenet", "resnet", "cifar", "gap"])
    p.set_defaults(func=_cmd_flops)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:  # bad model names, options, sizes: a message, not a traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2
