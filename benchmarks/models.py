"""Forward+backward time of our models vs torchvision's, with torch.utils.benchmark.

    python benchmarks/models.py [--batch 8] [--repeats 5] [--min-time 1] [--device cpu|cuda]

Compares resnet50 (ours with variant="v1.5", shortcut="B", i.e. torchvision's layout) and vgg16.
Goal: ours / torchvision ≤ 1.05. Each model is timed ``--repeats`` times, the runs interleaved
(torchvision, ours, ours with torchvision's weights, torchvision, …) so that drift in the
machine's speed hits all alike; every run is a ``Timer.blocked_autorange`` (at least
``--min-time`` seconds of steps), and the report gives the median of the runs with their spread
(the lowest and highest run), and the median of the per-repeat ratios with theirs.

Looking for a systematic gap, the script also

- compares the two networks layer by layer (every leaf module's repr, by name: kernel, stride,
  padding, bias, in-place ReLU, BatchNorm settings) and prints any difference;
- times ours a second time with torchvision's weights loaded, so that a gap that comes from the
  values (the initialisation: denormal numbers are slow on a CPU) shows apart from one that
  comes from the code;
- reports the memory format of both models' parameters.
"""
from __future__ import annotations

import argparse
import statistics

import torch
import torchvision
from torch.utils import benchmark

from cnncourse import get_model


def step(model, x, target) -> None:
    loss = torch.nn.functional.cross_entropy(model(x), target)
    loss.backward()
    model.zero_grad(set_to_none=True)


def leaf_differences(ours, theirs) -> list[str]:
    """Leaf modules whose repr (type and settings) differs between the two, by module name."""
    def leaves(model):
        return {name: repr(m) for name, m in model.named_modules() if not list(m.children())}

    a, b = leaves(ours), leaves(theirs)
    diffs = [f"{name}: ours {a.get(name, '—')} / torchvision {b.get(name, '—')}"
             for name in sorted(set(a) | set(b)) if a.get(name) != b.get(name)]
    return diffs


def memory_format(model) -> str:
    convs = [p for p in model.parameters() if p.dim() == 4]
    if all(p.is_contiguous(memory_format=torch.channels_last) and not p.is_contiguous()
           for p in convs):
        return "channels_last"
    return "contiguous" if all(p.is_contiguous() for p in convs) else "mixed"


def spread(values: list[float], scale: float = 1.0, fmt: str = "{:.1f}") -> str:
    return (f"{fmt.format(statistics.median(values) * scale)} "
            f"({fmt.format(min(values) * scale)}–{fmt.format(max(values) * scale)})")


def compare(name: str, ours, theirs, batch: int, args) -> float:
    device = torch.device(args.device)
    twin = get_model(name, **({"variant": "v1.5", "shortcut": "B"} if name == "resnet50" else {}))
    twin.load_state_dict(theirs.state_dict())  # ours, with torchvision's weights
    models = {"torchvision": theirs, "ours": ours, "ours, torchvision's weights": twin}
    for m in models.values():
        m.to(device).train()
    diffs = leaf_differences(ours, theirs)
    print(f"\n{name}: leaf modules {'identical' if not diffs else 'differ'} "
          f"({sum(1 for m in ours.modules() if not list(m.children()))} compared); parameters "
          f"{memory_format(ours)} (ours), {memory_format(theirs)} (torchvision)")
    for line in diffs[:10]:
        print("  " + line)

    x = torch.randn(batch, 3, args.size, args.size, device=device)
    target = torch.randint(0, 1000, (batch,), device=device)
    timers = {label: benchmark.Timer("step(model, x, target)",
                                     globals={"step": step, "model": m, "x": x, "target": target},
                                     label=name, description=label, num_threads=args.threads)
              for label, m in models.items()}
    for timer in timers.values():  # warm-up: allocator, oneDNN primitives
        timer.timeit(1)
    medians: dict[str, list[float]] = {label: [] for label in timers}
    for _ in range(args.repeats):
        for label, timer in timers.items():
            medians[label].append(timer.blocked_autorange(min_run_time=args.min_time).median)
    ratios = [o / t for o, t in zip(medians["ours"], medians["torchvision"])]
    ratios_same = [o / t for o, t in zip(medians["ours, torchvision's weights"], medians["torchvision"])]
    print(f"  batch {batch} at {args.size}×{args.size} on {device}, {args.threads} threads, "
          f"{args.repeats} runs: median ms (lowest–highest run)")
    for label, values in medians.items():
        print(f"  {label:<28} {spread(values, 1000)}")
    print(f"  ratio ours / torchvision:                   {spread(ratios, fmt='{:.3f}')}")
    print(f"  ratio ours with their weights / torchvision: {spread(ratios_same, fmt='{:.3f}')}")
    return statistics.median(ratios)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=8, help="resnet50's batch (vgg16: half)")
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=1.0, help="seconds per timed run")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, "
          f"{torch.get_num_threads()} CPU threads")
    ratios = [
        compare("resnet50", get_model("resnet50", variant="v1.5", shortcut="B"),
                torchvision.models.resnet50(), args.batch, args),
        compare("vgg16", get_model("vgg16"), torchvision.models.vgg16(), max(1, args.batch // 2), args),
    ]
    print(f"\nworst median ratio {max(ratios):.3f} (goal ≤ 1.05)")


if __name__ == "__main__":
    main()
