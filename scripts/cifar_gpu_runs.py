"""The ResNet paper's CIFAR-10 runs (He et al. 2015, §4.2) on a GPU, recorded for the book.

    python scripts/cifar_gpu_runs.py                       # plain-20, plain-56, ResNet-20, ResNet-56
    python scripts/cifar_gpu_runs.py --models resnet20 --epochs 30       # a shorter, scaled budget
    python scripts/cifar_gpu_runs.py --checkpoints /content/drive/MyDrive/cnncourse   # Colab + Drive

Each model trains with the paper's recipe (batch 128, SGD momentum 0.9, weight decay 1e-4,
lr 0.1 ÷10 at 32k and 48k iterations, stop at 64k; 4-pixel pad, random crop, flip) and the run's
measured numbers — GPU name, torch version, wall time, final training and test error, the
per-epoch history — are appended to ``book/data/gpu_results.json``, which the chapter
"Training the classics" plots beside the paper's Table 6. Nothing is estimated: a model that
did not finish has no entry.

Checkpoints are written after every epoch; after a disconnect, run the same command again and
every unfinished model continues from its last epoch (``resume="auto"``). With several GPUs:
``torchrun --standalone --nproc-per-node N -m cnncourse train --model resnet56 --data cifar10
--checkpoint ckpt/resnet56.pt --resume auto --results book/data/gpu_results.json``.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from cnncourse.train import append_result, train

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=["plain20", "plain56", "resnet20", "resnet56"])
    parser.add_argument("--epochs", type=int, help="default: the paper's 64k iterations (164 epochs)")
    parser.add_argument("--checkpoints", default="checkpoints", help="folder for the checkpoints")
    parser.add_argument("--results", default=str(ROOT / "book" / "data" / "gpu_results.json"))
    parser.add_argument("--root", default="data", help="CIFAR-10 folder (downloaded there if missing)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compile", action="store_true")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        parser.error("no GPU here: these are the paper's full CIFAR-10 runs (use Colab with a GPU runtime); "
                     "for a CPU run use `python -m cnncourse train --data fashion_mnist ...`")
    done = json.loads(Path(args.results).read_text())["runs"] if Path(args.results).is_file() else []
    for name in args.models:
        if any(r["model"] == name and r.get("seed") == args.seed and r.get("requested_epochs") == args.epochs
               for r in done):
            print(f"{name}: already in {args.results}, skipped")
            continue
        ckpt = Path(args.checkpoints) / f"{name}_cifar10_seed{args.seed}.pt"
        run = train(name, "cifar10", device="cuda", root=args.root, seed=args.seed, epochs=args.epochs,
                    checkpoint=ckpt, resume="auto", compile=args.compile)
        if run.history.epoch and run.steps == run.schedule.total_steps:  # finished, not stopped early
            entry = append_result(args.results, name, "cifar10", run, seed=args.seed,
                                  requested_epochs=args.epochs)
            print(json.dumps({k: v for k, v in entry.items() if k != "history"}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
