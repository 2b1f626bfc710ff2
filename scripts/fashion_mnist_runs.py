"""The training chapter's longer runs on Fashion-MNIST, written to a results file the chapter plots.

    python scripts/fashion_mnist_runs.py                       # both experiments, this machine's CPU
    python scripts/fashion_mnist_runs.py --experiment degradation --seeds 0 1 2
    python scripts/fashion_mnist_runs.py --device cuda --out gpu.json   # the same recipe on a GPU

Two experiments, each a list of (model, seed) runs with one recipe:

* ``degradation`` — plain-20, plain-56, ResNet-20 and ResNet-56 (He et al. 2015, Figure 6 in
  spirit) with the paper's CIFAR recipe (§4.2: SGD, momentum 0.9, weight decay 1e-4, batch 128,
  lr 0.1 ÷10 at 50 % and 75 % of the iterations, 4-pixel crops and flips) scaled to a CPU budget
  (the chapter's runs: ``--train-size 3000 --batch-size 32 --lr 0.05 --warmup-steps 50``):
  ``--train-size`` stratified training images (default 5,000) for ``--epochs`` epochs (default 4),
  tested after every epoch on ``--test-size`` stratified test images (default 2,000).
* ``compare`` — the five architectures trained the same way, with the same recipe: LeNet-5
  (modern reading), and AlexNet, VGG and GoogLeNet scaled to 32×32 with batch normalization
  (``cnncourse.models.small``: the ImageNet sizes cannot fit a CPU budget), against ResNet-20.

Every finished run is appended at once (atomically) to ``--out`` with the machine, torch version,
command and per-epoch history; runs already in the file are skipped, and each run checkpoints
every epoch under ``--checkpoints``, so an interrupted script continues where it stopped.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch

from cnncourse import count_flops, count_params, get_model
from cnncourse.data import fashion_mnist, subset
from cnncourse.train import TrainConfig, TrainingDiverged, atomic_write, fit, seed_everything

EXPERIMENTS = {
    "degradation": dict(models=("plain20", "plain56", "resnet20", "resnet56"), lr=0.1),
    "compare": dict(models=("lenet5_modern", "alexnet_small", "vgg_small", "googlenet_small", "resnet20"),
                    lr=0.1),
}


def machine(device: torch.device) -> dict:
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
    else:
        name = platform.processor() or platform.machine()
        cpuinfo = Path("/proc/cpuinfo")
        if cpuinfo.is_file():
            for line in cpuinfo.read_text().splitlines():
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                    break
    return {"device": name, "device_type": device.type, "cpu_cores": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "torch": str(torch.__version__),
            "python": platform.python_version()}


def load_results(path: Path) -> dict:
    if path.is_file():
        return json.loads(path.read_text())
    return {"runs": []}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experiment", choices=[*EXPERIMENTS, "all"], default="all")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--compare-seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--train-size", type=int, default=5_000, help="stratified training images")
    parser.add_argument("--test-size", type=int, default=2_000,
                        help="stratified test images, evaluated after every epoch (10,000: all)")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, help="learning rate (default: the experiment's, 0.1)")
    parser.add_argument("--warmup-steps", type=int, default=0, help="iterations at lr 0.01 first")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", default="cnncourse/results/fashion_mnist_cpu.json")
    parser.add_argument("--checkpoints", default="checkpoints/fashion_mnist")
    args = parser.parse_args(argv)

    device = torch.device(args.device)
    train_full = fashion_mnist(train=True, device=device)
    test_full = fashion_mnist(train=False, device=device)
    test_set = subset(test_full, args.test_size, seed=0) if args.test_size < len(test_full) else test_full
    train_set = subset(train_full, args.train_size, seed=0) if args.train_size < len(train_full) else train_full
    out = Path(args.out)
    results = load_results(out)
    results["machine"] = machine(device)
    results["command"] = "python scripts/fashion_mnist_runs.py " + " ".join(argv if argv is not None else sys.argv[1:])
    done = {(r["experiment"], r["model"], r["seed"]) for r in results["runs"]}

    plan = []
    for name in EXPERIMENTS if args.experiment == "all" else [args.experiment]:
        seeds = args.compare_seeds if name == "compare" else args.seeds
        plan += [(name, model, seed) for seed in seeds for model in EXPERIMENTS[name]["models"]]
    for experiment, model_name, seed in plan:
        if (experiment, model_name, seed) in done:
            continue
        config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, seed=seed,
                             lr=args.lr or EXPERIMENTS[experiment]["lr"], warmup_steps=args.warmup_steps)
        seed_everything(seed)
        model = get_model(model_name, in_channels=1, num_classes=10)
        entry = {"experiment": experiment, "model": model_name, "seed": seed,
                 "params": count_params(model), "macs": count_flops(model, (1, 32, 32)).total,
                 "train_images": len(train_set), "test_images": len(test_set),
                 "config": config.to_dict()}
        ckpt = Path(args.checkpoints) / f"{experiment}_{model_name}_{seed}.pt"
        start = time.perf_counter()
        try:
            run = fit(model, train_set, test_set, config, checkpoint=ckpt, resume="auto",
                      progress=False, verbose=True, model_name=model_name)
        except TrainingDiverged as exc:
            entry.update(diverged=str(exc))
        else:
            h = run.history
            entry.update(final_train_error=round(h.train_error[-1], 2),
                         final_test_error=round(h.test_error[-1], 2), iterations=run.steps,
                         history={k: [round(v, 4) for v in vals] for k, vals in h.to_dict().items()},
                         wall_s=round(sum(h.seconds), 1),
                         images_per_s=round(run.steps * config.batch_size / max(sum(h.seconds), 1e-9), 1))
        entry["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        results["runs"].append(entry)
        atomic_write(out, lambda f: json.dump(results, f, indent=1), binary=False)
        print(f"{experiment} {model_name} seed {seed}: "
              f"{entry.get('final_train_error', 'diverged')} / {entry.get('final_test_error', '-')} % "
              f"train/test error ({time.perf_counter() - start:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
