"""The training chapter's experiments, as data, and the loop that runs them into a results file.

Two experiments, each a list of models trained with one recipe, once per seed:

* ``degradation`` — plain-20, plain-56, ResNet-20 and ResNet-56: He et al. 2015, Figure 6 (left
  and middle) in spirit, with the paper's CIFAR recipe (§4.2: SGD, momentum 0.9, weight decay
  1e-4, batch 128, lr 0.1 ÷10 at 50 % and 75 % of the iterations, 4-pixel crops and flips).
  On CIFAR-10 at 164 epochs this *is* the paper's experiment (a GPU job); on a stratified subset
  of Fashion-MNIST it is the chapter's CPU-sized analogue.
* ``compare`` — the five architectures on an equal footing: LeNet-5 (modern reading), AlexNet,
  VGG and GoogLeNet scaled to 32×32 (``cnncourse.models.small``: the ImageNet sizes cannot fit a
  CPU budget) and ResNet-20, all with the same recipe.

:func:`run_experiment` appends every finished run at once (atomically) to a JSON results file,
with the machine, torch version, command and per-epoch history, skips runs the file already
holds, and checkpoints every run after every epoch: after a crash or a Colab disconnect the
same call continues where it stopped. The command line is ``python -m cnncourse experiment``.
"""
from __future__ import annotations

import datetime
import json
import os
import platform
import time
from pathlib import Path

import torch

from .train import TrainConfig, TrainingDiverged, fit, seed_everything
from .utils import atomic_write

EXPERIMENTS = {
    "degradation": ("plain20", "plain56", "resnet20", "resnet56"),
    "compare": ("lenet5_modern", "alexnet_small", "vgg_small", "googlenet_small", "resnet20"),
}


def machine(device) -> dict:
    """What ran the experiment: the GPU's or CPU's name, cores, threads, torch and Python."""
    device = torch.device(device)
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
    else:
        name = platform.processor() or platform.machine()
        cpuinfo = Path("/proc/cpuinfo")
        if cpuinfo.is_file():  # platform.processor() is empty or just "x86_64" on Linux
            for line in cpuinfo.read_text().splitlines():
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                    break
    return {"device": name, "device_type": device.type, "cpu_cores": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "torch": str(torch.__version__),
            "python": platform.python_version()}


def _split(data: str, train: bool, size: int | None, device, root, download):
    from .data import load, subset

    full = load(data, train=train, device=device, root=root, download=download)
    if size is None or size >= len(full):
        return full
    return subset(full, size, seed=0)  # the same images for every model and seed


def run_experiment(name: str, config: TrainConfig, *, seeds=(0,), data: str = "fashion_mnist",
                   train_size: int | None = None, test_size: int | None = None,
                   models=None, device=None, root="data", download: bool = True,
                   out="results.json", checkpoints="checkpoints", command: str = "",
                   log=print) -> dict:
    """Train every model of experiment ``name`` once per seed and append each run to ``out``.

    ``config`` is the recipe shared by all runs (its ``seed`` is replaced by each of ``seeds``).
    ``train_size`` / ``test_size`` draw stratified subsets (None: the whole split); ``models``
    restricts the experiment to some of its models. Runs already in ``out`` are skipped, and each
    run checkpoints under ``checkpoints`` and resumes from there, so calling again after an
    interruption finishes the experiment. Returns the results file's contents.
    """
    from .analysis import count_flops, count_params
    from .models import get_model
    from .utils import pick_device

    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; choose one of {', '.join(EXPERIMENTS)}")
    chosen = tuple(models) if models else EXPERIMENTS[name]
    strangers = [m for m in chosen if m not in EXPERIMENTS[name]]
    if strangers:
        raise ValueError(f"experiment {name!r} has the models {', '.join(EXPERIMENTS[name])}; "
                         f"got {', '.join(strangers)}")
    device = pick_device(device)
    train_set = _split(data, True, train_size, device, root, download)
    test_set = _split(data, False, test_size, device, root, download)
    out = Path(out)
    results = json.loads(out.read_text()) if out.is_file() else {"runs": []}
    results["machine"] = machine(device)
    if command:
        results["command"] = command
    done = {(r["experiment"], r.get("data", "fashion_mnist"), r["model"], r["seed"])
            for r in results["runs"]}

    for seed in seeds:
        for model_name in chosen:
            if (name, data, model_name, seed) in done:
                log(f"{name} {model_name} seed {seed}: already in {out}, skipped")
                continue
            run_config = config.replace(seed=seed)
            seed_everything(seed)
            model = get_model(model_name, in_channels=train_set.channels,
                              num_classes=train_set.num_classes)
            size = tuple(train_set.images.shape[1:])
            entry = {"experiment": name, "data": data, "model": model_name, "seed": seed,
                     "params": count_params(model), "macs": count_flops(model, size).total,
                     "train_images": len(train_set), "test_images": len(test_set),
                     "config": run_config.to_dict()}
            ckpt = Path(checkpoints) / f"{name}_{data}_{model_name}_{seed}.pt"
            start = time.perf_counter()
            try:
                run = fit(model, train_set, test_set, run_config, checkpoint=ckpt, resume="auto",
                          progress=False, verbose=True, model_name=model_name)
            except TrainingDiverged as exc:  # recorded, not hidden: the experiment goes on
                entry["diverged"] = str(exc)
            else:
                h = run.history
                seconds = max(sum(h.seconds), 1e-9)
                entry.update(final_train_error=round(h.train_error[-1], 2),
                             final_test_error=round(h.test_error[-1], 2), iterations=run.steps,
                             history={k: [round(v, 4) for v in vals]
                                      for k, vals in h.to_dict().items()},
                             wall_s=round(sum(h.seconds), 1),
                             images_per_s=round(run.steps * run_config.batch_size / seconds, 1))
            entry["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
            results["runs"].append(entry)
            atomic_write(out, lambda f: json.dump(results, f, indent=1), binary=False)
            log(f"{name} {model_name} seed {seed}: {entry.get('final_train_error', 'diverged')}"
                f" / {entry.get('final_test_error', '-')} % train/test error "
                f"({time.perf_counter() - start:.0f} s)")
    return results
