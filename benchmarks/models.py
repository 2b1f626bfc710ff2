"""Forward+backward time of our models vs torchvision's, measured side by side in one run.

    python benchmarks/models.py [--batch 8] [--repeats 5] [--device cpu|cuda]

Compares resnet50 (ours with variant="v1.5", shortcut="B", i.e. torchvision's layout) and
vgg16. Goal: ours / torchvision ≤ 1.05. Runs are interleaved (ours, theirs, ours, …) so that
drift in the machine's speed hits both equally; the median of the repeats is reported.
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch
import torchvision

from cnncourse import get_model


def step_time(model, x, target) -> float:
    start = time.perf_counter()
    loss = torch.nn.functional.cross_entropy(model(x), target)
    loss.backward()
    if x.is_cuda:
        torch.cuda.synchronize()
    model.zero_grad(set_to_none=True)
    return time.perf_counter() - start


def compare(name, ours, theirs, args) -> float:
    device = torch.device(args.device)
    ours, theirs = ours.to(device).train(), theirs.to(device).train()
    x = torch.randn(args.batch, 3, args.size, args.size, device=device)
    target = torch.randint(0, 1000, (args.batch,), device=device)
    for _ in range(args.warmup):
        step_time(ours, x, target)
        step_time(theirs, x, target)
    times = {"ours": [], "torchvision": []}
    for _ in range(args.repeats):
        times["ours"].append(step_time(ours, x, target))
        times["torchvision"].append(step_time(theirs, x, target))
    a, b = statistics.median(times["ours"]), statistics.median(times["torchvision"])
    print(f"{name:10s} batch {args.batch} at {args.size}×{args.size} on {device}: "
          f"ours {a * 1000:8.1f} ms   torchvision {b * 1000:8.1f} ms   ratio {a / b:.3f}")
    return a / b


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, "
          f"{torch.get_num_threads()} CPU threads")
    ratios = [
        compare("resnet50", get_model("resnet50", variant="v1.5", shortcut="B"),
                torchvision.models.resnet50(), args),
        compare("vgg16", get_model("vgg16"), torchvision.models.vgg16(), args),
    ]
    print(f"worst ratio {max(ratios):.3f} (goal ≤ 1.05)")


if __name__ == "__main__":
    main()
