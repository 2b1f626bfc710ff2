"""The training chapter's experiments, as data, and the loop that runs them into a results file.

Two experiments (:data:`EXPERIMENTS`), each a list of models trained with one recipe, once per seed:

* ``degradation`` — plain-20, plain-56, ResNet-20 and ResNet-56: He et al. 2015, Figure 6 (left
  and middle) in spirit, with the paper's CIFAR recipe (§4.2: SGD, momentum 0.9, weight decay
  1e-4, batch 128, lr 0.1 ÷10 at 50 % and 75 % of the iterations, 4-pixel crops and flips).
  On CIFAR-10 at 164 epochs this *is* the paper's experiment (a GPU job); on a stratified subset
  of Fashion-MNIST it is the chapter's CPU-sized analogue.
* ``compare`` — the five architectures on an equal footing: LeNet-5 (modern reading), AlexNet,
  VGG and GoogLeNet scaled to 32×32 (``cnncourse.models.small``: the ImageNet sizes cannot fit a
  CPU budget) and ResNet-20, all with the same recipe.

:func:`run_experiment` runs an :class:`Experiment` (which runs: name, models, seeds, data,
subsets, recipe). It appends every finished run at once to a JSON results file (through
:func:`cnncourse.results.add_run`: atomically, under a lock, merged with what other processes
wrote), with the machine, torch version, command and per-epoch history. A run the file already
holds with the same recipe is skipped; every run checkpoints after every epoch into a file named
after its recipe, so after a crash or a Colab disconnect the same call continues where it
stopped. The command line is ``python -m cnncourse experiment``.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from . import results
from .train import KINDS, TrainConfig, TrainingDiverged, build_model, fit
from .utils import ConfigError, Param, check_writable


@dataclass(frozen=True)
class ExperimentInfo:
    """One entry of :data:`EXPERIMENTS`: its models, and what it shows."""

    models: tuple
    about: str


# The experiments by name: Experiment's check and the command line's choices and help read this.
EXPERIMENTS = {
    "degradation": ExperimentInfo(("plain20", "plain56", "resnet20", "resnet56"),
                                  "plain-20/56 and ResNet-20/56 (the paper's Figure 6)"),
    "compare": ExperimentInfo(("lenet5_modern", "alexnet_small", "vgg_small", "googlenet_small",
                               "resnet20"),
                              "LeNet-5 and the 32×32 AlexNet, VGG and GoogLeNet variants against "
                              "ResNet-20"),
}


@dataclass(frozen=True)
class Experiment:
    """Which runs an experiment makes: each of ``models`` (default: all of the experiment's) once
    per seed of ``seeds``, on ``data`` (stratified subsets of ``train_size`` / ``test_size``
    images; None: the whole split), with the recipe ``config`` (its seed replaced by each seed)."""

    name: str
    config: TrainConfig = field(default_factory=TrainConfig)
    seeds: tuple = (0,)
    data: str = "fashion_mnist"
    train_size: int | None = None
    test_size: int | None = None
    models: tuple | None = None

    def __post_init__(self):
        from .data import DATASETS

        if self.name not in EXPERIMENTS:
            raise ConfigError("unknown experiment {given}; choose one of {known}",
                              given=Param("name", self.name), known=", ".join(EXPERIMENTS))
        strangers = [m for m in self.models or () if m not in EXPERIMENTS[self.name].models]
        if strangers:
            raise ConfigError("experiment {name!r} has the models {known}; got {given}",
                              name=self.name, known=", ".join(EXPERIMENTS[self.name].models),
                              given=", ".join(strangers))
        if self.data not in DATASETS:
            raise ConfigError("{data} is not a data set; choose one of {known}",
                              data=Param("data", self.data), known=", ".join(DATASETS))
        if not self.seeds:
            raise ConfigError("{seeds} must name at least one seed", seeds=Param("seeds"))
        bad = [s for s in self.seeds if not KINDS["seed"][1](s)]
        if bad:  # refused now, not after hours of training the first seeds
            raise ConfigError("{seeds} must be integers from 0 to 2**64 - 1, got {bad}",
                              seeds=Param("seeds"), bad=", ".join(map(repr, bad)))
        for name in ("train_size", "test_size"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, int) and not isinstance(value, bool)
                                          and value > 0):
                raise ConfigError("{param} must be a positive integer or None, got {value!r}",
                                  param=Param(name), value=value)
        object.__setattr__(self, "seeds", tuple(self.seeds))
        object.__setattr__(self, "models", tuple(self.models or EXPERIMENTS[self.name].models))


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


def run_key(entry: dict) -> tuple:
    """What makes a stored run the same run: experiment, data and subset sizes, model, seed and
    the whole recipe (budget, batch, learning rate, schedule, ...)."""
    recipe = TrainConfig.from_dict(entry.get("config") or {"seed": entry["seed"]}).recipe()
    return (entry["experiment"], entry.get("data", "fashion_mnist"), entry["model"], entry["seed"],
            entry.get("train_images"), entry.get("test_images"), tuple(sorted(recipe.items())))


def _split(data: str, train: bool, size: int | None, device, root, download):
    from .data import load, subset

    full = load(data, train=train, device=device, root=root, download=download)
    if size is None or size >= len(full):
        return full
    return subset(full, size, seed=0)  # the same images for every model and seed


def run_experiment(spec: Experiment, *, out="results.json", checkpoints="checkpoints", device=None,
                   root=None, download: bool = True, command: str = "", log=print) -> dict:
    """Train every run of ``spec`` and append each to the results file ``out``.

    Runs ``out`` already holds with the same recipe are skipped, and each run checkpoints under
    the folder ``checkpoints`` (in a file named after its recipe) and resumes from there, so
    calling again after an interruption finishes the experiment. ``out`` and ``checkpoints`` are
    checked before anything is trained; ``command`` (how the file was made) is stored in it.
    ``device`` is resolved here, once; ``root``/``download`` are :func:`cnncourse.data.load`'s.
    Returns the results file's contents.
    """
    from .analysis import count_flops, count_params
    from .utils import pick_device

    results.check(out)
    check_writable(Path(checkpoints) / f"{spec.name}.pt", "checkpoint folder")
    device = pick_device(device)
    train_set = _split(spec.data, True, spec.train_size, device, root, download)
    test_set = _split(spec.data, False, spec.test_size, device, root, download)
    top = {"machine": machine(device), **({"command": command} if command else {})}

    for seed in spec.seeds:
        for model_name in spec.models:
            config = spec.config.replace(seed=seed)
            entry = {"experiment": spec.name, "data": spec.data, "model": model_name, "seed": seed,
                     "train_images": len(train_set), "test_images": len(test_set),
                     "config": config.to_dict()}
            key = run_key(entry)
            if any(run_key(r) == key for r in results.read(out)["runs"]):
                log(f"{spec.name} {model_name} seed {seed}: already in {out}, skipped")
                continue
            model = build_model(model_name, seed, in_channels=train_set.channels,
                                num_classes=train_set.num_classes)
            with torch.random.fork_rng(devices=[]):  # counting draws nothing from training's stream
                entry.update(params=count_params(model),
                             macs=count_flops(model, tuple(train_set.images.shape[1:])).total)
            digest = hashlib.sha256(json.dumps(key, default=str).encode()).hexdigest()[:8]
            checkpoint = Path(checkpoints) / f"{spec.name}_{spec.data}_{model_name}_{seed}_" \
                                             f"{digest}.pt"
            start = time.perf_counter()
            try:
                run = fit(model, train_set, test_set, config, checkpoint=checkpoint, resume="auto",
                          progress=False, verbose=True, model_name=model_name)
            except TrainingDiverged as exc:  # recorded, not hidden: the experiment goes on
                entry.update(diverged=str(exc), date=results.today())
            else:
                entry.update(results.run_entry(run), images_per_s=round(
                    run.steps * config.batch_size / max(sum(run.history.seconds), 1e-9), 1))
            if not results.add_run(out, entry, same=lambda r: run_key(r) == key, **top):
                log(f"{spec.name} {model_name} seed {seed}: another process stored it first")
            errors = f"{entry.get('final_train_error', 'diverged')} / " \
                     f"{entry.get('final_test_error', '-')} % train/test error"
            log(f"{spec.name} {model_name} seed {seed}: {errors} "
                f"({time.perf_counter() - start:.0f} s)")
    return results.read(out)
