"""Training: the ResNet paper's CIFAR recipe as a ``fit`` loop that resumes exactly.

    from cnncourse.train import TrainConfig, fit, train
    run = train("resnet20", "fashion_mnist", TrainConfig(epochs=5), checkpoint="resnet20.pt")
    run.history.plot()

One :class:`TrainConfig` holds the recipe (budget, batch, learning rate and schedule, seed,
augmentation, precision); it is what a checkpoint stores and what resuming compares. Its fields
carry their help text and choices, from which the command line builds its options.

The recipe (He et al. 2015, §4.2): SGD with momentum 0.9, weight decay 1e-4, batch 128,
learning rate 0.1 divided by 10 at 32k and 48k iterations, stop at 64k (``schedule="paper"``).
A smaller budget (``epochs=``) keeps the shape of the schedule — the drops at 50 % and 75 % of
the iterations — and the log says so. ``schedule="cosine"`` is the usual modern alternative
(:data:`SCHEDULES` lists them). ResNet-110's warm-up (lr 0.01 for about 400 iterations) is
``warmup_steps=400``.

On a GPU the loop uses mixed precision (bfloat16 on compute capability ≥ 8; float16 with a
gradient scaler on older cards such as Colab's T4), channels-last memory layout and, if asked,
``torch.compile``. On the CPU it runs in float32.

Checkpoints (``checkpoint=PATH``) are written after every ``checkpoint_every`` epochs,
atomically (a temporary file in the same folder, then ``os.replace``): a crash or a Colab
disconnect while writing leaves the previous checkpoint whole. They hold the model, optimizer,
schedule, gradient-scaler state, epoch, step, every random state and the history, as tensors and
plain Python containers only, and are read back with ``torch.load(weights_only=True)``
(:class:`RunState` is their one schema). Training 2 epochs, or 1 epoch + resume + 1 epoch, gives
identical weights on the CPU. Where a checkpoint cannot be written (a folder, a read-only place,
too little space) the run is refused before it trains, and an existing checkpoint is never
replaced by a new run unless ``overwrite=True``.

Resuming continues the *saved* schedule: the learning rate of every step is the one the run was
planned with. A run is compared with its checkpoint (model, data and its size, seed and every
recipe field) before anything in memory is touched, and a mismatch is refused, naming the
parameter with the saved and the given value. Asking a resumed run for more epochs than it was
planned for is refused too, unless ``extend=True``: the extra epochs then continue at the
schedule's final learning rate (the milestones stay where they were). A new schedule means a new
run: another checkpoint path, or ``overwrite=True``.
On Colab, point ``checkpoint`` into a mounted Google Drive folder::

    from google.colab import drive
    drive.mount("/content/drive")
    train("resnet56", "cifar10", checkpoint="/content/drive/MyDrive/cnncourse/resnet56.pt",
          resume="auto")   # after a disconnect, the same cell continues from the last epoch

Distributed (``torchrun --nproc-per-node N -m cnncourse train ...``): one process per GPU
(NCCL) or per CPU process (Gloo), DistributedDataParallel, the global batch split evenly across
the processes (see :class:`cnncourse.data.DeviceLoader`), so an epoch has the same number of
optimizer steps as with one process. Batch norm statistics are per process, as in the paper's
multi-GPU training.
"""
from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import os
import random
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .data import DeviceLoader, ImageSet
from .utils import ConfigError, Param, ParamError, atomic_write, check_writable, describe_os_error

CHECKPOINT_FORMAT = "cnncourse-checkpoint"
# 3: the data set's size and steps per epoch are stored and compared; the plan is stored once
# (config.epochs). 2: as 3 without them; still read (the steps per epoch are step / epoch).
CHECKPOINT_VERSION = 3

# He et al. 2015, §4.2: batch 128, lr 0.1, ÷10 at 32k and 48k iterations, stop at 64k.
PAPER_BATCH = 128
PAPER_ITERATIONS = 64_000
PAPER_MILESTONES = (32_000, 48_000)

# The learning-rate schedules by name (Schedule, TrainConfig's check and the CLI's choices read it)
SCHEDULES = {
    "paper": "÷10 at 50 and 75 percent of the iterations (the paper's 32k and 48k of 64k)",
    "cosine": "half a cosine from the learning rate to 0",
    "constant": "the learning rate throughout",
}

PROGRESS_EVERY_S = 30.0  # a progress line this often when no bar can be drawn (logs, `!python`)


class TrainingDiverged(ParamError, RuntimeError):
    """The loss became NaN or infinite; the run stopped and the last good checkpoint was kept."""


class CheckpointError(ParamError, ValueError):
    """A checkpoint that cannot be used: unreadable, truncated, or written for another run."""


# -----------------------------------------------------------------------------
# The recipe

def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


# kind of a TrainConfig field: (type on the command line, the check, what it must be)
KINDS = {
    "positive": (int, lambda v: _is_int(v) and v >= 1, "a positive integer"),
    "count": (int, lambda v: _is_int(v) and v >= 0, "a non-negative integer"),
    "seed": (int, lambda v: _is_int(v) and 0 <= v < 2**64, "an integer from 0 to 2**64 - 1"),
    "rate": (float, lambda v: _is_number(v) and v >= 0, "a finite number ≥ 0"),
    "positive_rate": (float, lambda v: _is_number(v) and v > 0, "a finite number > 0"),
    "flag": (bool, lambda v: isinstance(v, bool), "True or False"),
    "choice": (str, None, "one of"),
}


def _knob(default, help: str, kind: str, choices=None, optional: bool = False):
    """A TrainConfig field whose help, kind and choices the checks and the command line read."""
    return field(default=default, metadata={"help": help, "kind": kind, "choices": choices,
                                            "optional": optional})


@dataclass(frozen=True)
class TrainConfig:
    """The recipe of one run: what a checkpoint stores and what resuming compares.

    The defaults are He et al. 2015, §4.2 (CIFAR-10): SGD with momentum 0.9 and weight decay
    1e-4, batch 128, learning rate 0.1 divided by 10 at 32k and 48k iterations, 64k iterations in
    all (``epochs=None``), random crops and flips. ``warmup_steps=400`` is ResNet-110's warm-up at
    ``warmup_lr`` 0.01. ``aux_weight`` is GoogLeNet's 0.3 for its auxiliary losses (§5).
    ``amp`` and ``channels_last`` ("auto": on a GPU) and ``compile`` change speed, not the recipe.
    Each field's help text and choices are its metadata (the command line's options are made
    from them).
    """

    epochs: int | None = _knob(None, "epochs to train (default: the paper's 64k iterations at this "
                               "batch size); on resume, the epochs the run was planned for",
                               "positive", optional=True)
    batch_size: int = _knob(PAPER_BATCH, "(global) batch size; the paper's 128", "positive")
    lr: float = _knob(0.1, "initial learning rate; the paper's 0.1", "positive_rate")
    momentum: float = _knob(0.9, "SGD momentum; the paper's 0.9", "rate")
    weight_decay: float = _knob(1e-4, "weight decay, on every parameter; the paper's 1e-4", "rate")
    schedule: str = _knob("paper", "learning-rate schedule: " + "; ".join(
        f"{name}: {about}" for name, about in SCHEDULES.items()), "choice", tuple(SCHEDULES))
    warmup_steps: int = _knob(0, "iterations at the warm-up learning rate first (ResNet-110 in the "
                              "paper: about 400)", "count")
    warmup_lr: float = _knob(0.01, "the warm-up learning rate; the paper's 0.01", "rate")
    seed: int = _knob(0, "seed of the initial weights, the data order and the augmentation", "seed")
    augment: bool = _knob(True, "random 4-pixel crops and horizontal flips (the paper's "
                          "augmentation)", "flag")
    aux_weight: float = _knob(0.3, "weight of GoogLeNet's auxiliary losses (§5: 0.3)", "rate")
    amp: str = _knob("auto", "mixed precision on a GPU (auto: bfloat16, or float16 with a gradient "
                     "scaler on older cards; off: float32)", "choice", ("auto", "off", True, False))
    channels_last: str | bool = _knob("auto", "channels-last memory layout (auto: on a GPU)",
                                      "choice", ("auto", True, False))
    compile: bool = _knob(False, "torch.compile the model", "flag")
    eval_batch_size: int = _knob(1000, "batch size of the test evaluation (speed only)", "positive")

    # Fields a resumed run must share with its checkpoint (the others only change speed).
    RECIPE = ("batch_size", "lr", "momentum", "weight_decay", "schedule", "warmup_steps",
              "warmup_lr", "seed", "augment", "aux_weight")

    def __post_init__(self):
        for f in dataclasses.fields(self):
            check_field(f, getattr(self, f.name))

    def replace(self, **changes) -> "TrainConfig":
        """A copy with ``changes``; an unknown name is an error that lists the known ones."""
        unknown = sorted(set(changes) - set(self.__dataclass_fields__))
        if unknown:
            raise TypeError(f"TrainConfig has no field {', '.join(map(repr, unknown))}; its fields are "
                            f"{', '.join(self.__dataclass_fields__)}")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})

    def recipe(self) -> dict:
        """The fields that make a run what it is: the budget and :attr:`RECIPE`."""
        return {k: getattr(self, k) for k in ("epochs", *self.RECIPE)}


def check_field(f: dataclasses.Field, value) -> None:
    """Refuse a value of the TrainConfig field ``f`` that its kind or choices do not allow."""
    meta = f.metadata
    if meta["optional"] and value is None:
        return
    _, test, expected = KINDS[meta["kind"]]
    if meta["choices"] is not None:
        ok = any(value is c or (isinstance(c, str) and value == c) for c in meta["choices"])
        expected = "one of " + ", ".join(map(repr, meta["choices"]))
    else:
        ok = test(value)
    if not ok:
        raise ConfigError("{param} must be {expected}{none}, got {value!r}", param=Param(f.name),
                          expected=expected, none=" or None" if meta["optional"] else "",
                          value=value)


# -----------------------------------------------------------------------------
# History

@dataclass
class History:
    """Per-epoch metrics of a run (errors in %, as the papers plot them)."""

    epoch: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    train_error: list = field(default_factory=list)
    test_error: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    seconds: list = field(default_factory=list)

    def append(self, **row) -> None:
        for key, value in row.items():
            getattr(self, key).append(value)

    def to_dict(self) -> dict:
        return {k: list(getattr(self, k)) for k in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, d: dict) -> "History":
        return cls(**{k: list(d.get(k, [])) for k in cls.__dataclass_fields__})

    def __len__(self) -> int:
        return len(self.epoch)

    def plot(self, ax=None, label: str = "", color=None):
        """Training error (solid) and test error (dashed) per epoch, like the ResNet paper's figures."""
        return plot_histories({label or "run": self}, ax=ax, colors=[color] if color else None)


def plot_histories(histories: dict, ax=None, colors=None, train: bool = True, test: bool = True,
                   title: str | None = None):
    """Several runs on one axis: training error solid, test error dashed (ResNet paper, Fig. 1/6)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for i, (label, h) in enumerate(histories.items()):
        color = colors[i] if colors else f"C{i}"
        if train:
            ax.plot(h.epoch, h.train_error, "-", color=color, label=f"{label} train")
        if test:
            ax.plot(h.epoch, h.test_error, "--", color=color, label=f"{label} test")
    ax.set_xlabel("epoch")
    ax.set_ylabel("error (%)")
    if title:
        ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


# -----------------------------------------------------------------------------
# Learning-rate schedule (a function of the global step; its state is the step count)

@dataclass
class Schedule:
    """Learning rate per optimizer step.

    ``kind="paper"``: ``base_lr``, divided by 10 at each of ``milestones`` (steps).
    ``kind="cosine"``: half a cosine from ``base_lr`` to 0 over ``total_steps``.
    ``kind="constant"``: ``base_lr`` throughout.
    During the first ``warmup_steps`` the rate is ``warmup_lr`` (ResNet-110's 0.01).
    """

    kind: str
    base_lr: float
    total_steps: int
    milestones: tuple = ()
    warmup_steps: int = 0
    warmup_lr: float = 0.01

    def __post_init__(self):
        check_field(TrainConfig.__dataclass_fields__["schedule"], self.kind)
        self.milestones = tuple(int(m) for m in self.milestones)

    @classmethod
    def for_budget(cls, kind: str, base_lr: float, total_steps: int, warmup_steps: int = 0,
                   warmup_lr: float = 0.01) -> "Schedule":
        """The paper's drops at 32k/64k and 48k/64k of the iterations, scaled to ``total_steps``."""
        if abs(total_steps - PAPER_ITERATIONS) <= 0.01 * PAPER_ITERATIONS:  # the paper's budget (±1 %)
            milestones = PAPER_MILESTONES
        else:
            milestones = tuple(round(total_steps * m / PAPER_ITERATIONS) for m in PAPER_MILESTONES)
        return cls(kind, base_lr, total_steps, milestones if kind == "paper" else (), warmup_steps, warmup_lr)

    def lr_at(self, step: int) -> float:
        if step >= self.total_steps > 0:  # past the plan (an extended run): the final rate
            step = self.total_steps - 1
        if step < self.warmup_steps:
            return self.warmup_lr
        if self.kind == "paper":
            return self.base_lr * 0.1 ** sum(step >= m for m in self.milestones)
        if self.kind == "cosine":
            return 0.5 * self.base_lr * (1 + math.cos(math.pi * min(step, self.total_steps) / self.total_steps))
        return self.base_lr

    def describe(self) -> str:
        warm = f", warm-up lr {self.warmup_lr:g} for {self.warmup_steps} steps" if self.warmup_steps else ""
        if self.kind == "paper":
            drops = ", ".join(f"{m:,}" for m in self.milestones)
            if self.milestones == PAPER_MILESTONES:
                return f"lr {self.base_lr:g}, ÷10 at iterations {drops}, stop at {self.total_steps:,} (paper: 64,000){warm}"
            return (f"lr {self.base_lr:g}, ÷10 at iterations {drops}, stop at {self.total_steps:,} "
                    f"(the paper's 32k, 48k, 64k scaled to this budget){warm}")
        if self.kind == "cosine":
            return f"cosine from lr {self.base_lr:g} to 0 over {self.total_steps:,} iterations{warm}"
        return f"constant lr {self.base_lr:g} for {self.total_steps:,} iterations{warm}"

    @classmethod
    def from_state_dict(cls, d: dict) -> "Schedule":
        return cls(d["kind"], float(d["base_lr"]), int(d["total_steps"]), tuple(d["milestones"]),
                   int(d["warmup_steps"]), float(d["warmup_lr"]))

    def state_dict(self) -> dict:
        return {"kind": self.kind, "base_lr": self.base_lr, "total_steps": self.total_steps,
                "milestones": list(self.milestones), "warmup_steps": self.warmup_steps,
                "warmup_lr": self.warmup_lr}


# -----------------------------------------------------------------------------
# Random states, as tensors and lists (torch.load(weights_only=True) reads nothing else)

def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's (CPU and CUDA) generators."""
    check_field(TrainConfig.__dataclass_fields__["seed"], seed)  # torch takes 64 bits at most
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def rng_state() -> dict:
    np_state = np.random.get_state()
    py_version, py_internal, py_gauss = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "python": [py_version, list(py_internal), py_gauss],
        "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), int(np_state[2]),
                  int(np_state[3]), float(np_state[4])],
    }


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    if state.get("cuda") and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    name, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))


# -----------------------------------------------------------------------------
# Checkpoints

_OTHER = Param("checkpoint", placeholder="PATH")   # "another checkpoint=PATH" in the advice
_OVERWRITE = Param("overwrite", True)


def save_checkpoint(path, state: dict) -> None:
    """Write ``state`` to ``path`` atomically (see :func:`atomic_write`); a failed write (a full
    disk) is an error that names the file and the cause, and leaves the previous file whole."""
    try:
        atomic_write(path, lambda f: torch.save(state, f))
    except (OSError, RuntimeError) as exc:
        raise CheckpointError("could not write the checkpoint {path}: {cause}. The previous "
                              "checkpoint, if any, is kept", path=path,
                              cause=describe_os_error(exc, Path(path).parent)) from exc


def load_checkpoint(path, model_name: str | None = None, map_location="cpu") -> dict:
    """Read a checkpoint with ``weights_only=True``; refuse unreadable files and other models' ones."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError("no checkpoint at {path} to resume from; start with {fresh} (or "
                              "{auto}) to train from scratch", path=path,
                              fresh=Param("resume", False), auto=Param("resume", "auto"))
    try:
        with warnings.catch_warnings():  # torch's "please file an issue" about pickle protocols
            warnings.filterwarnings("ignore", message="Detected pickle protocol")
            state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # truncated zip, not a torch file, unpickling refused, ...
        raise CheckpointError("cannot read the checkpoint {path}: the file is corrupt, truncated, "
                              "not a PyTorch checkpoint, or holds objects that weights_only "
                              "loading refuses ({detail}). Delete it, or start afresh with "
                              "{overwrite}",
                              path=path, detail=_load_error(exc), overwrite=_OVERWRITE) from exc
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError("{path} is not a cnncourse training checkpoint (no '{marker}' "
                              "marker); it cannot be resumed", path=path, marker=CHECKPOINT_FORMAT)
    if model_name is not None and state.get("model_name") != model_name:
        raise CheckpointError("the checkpoint {path} was written for model {saved!r}, not "
                              "{given!r}; use another {other} for this model", path=path,
                              saved=state.get("model_name"), given=model_name, other=_OTHER)
    return state


def _load_error(exc: Exception) -> str:
    """What torch.load could not read, without its advice (to file an issue, or to allow-list
    classes or load with weights_only=False: neither is for a file that should hold tensors)."""
    text = str(exc)
    if "WeightsUnpickler error:" not in text:
        return f"{type(exc).__name__}: {(text.splitlines() or [''])[0]}"
    detail = text.split("WeightsUnpickler error:", 1)[1]
    for advice in ("Please use `torch.serialization", "Check the documentation of torch.load"):
        detail = detail.split(advice)[0]
    return "WeightsUnpickler error: " + " ".join(detail.split()).rstrip(". ")


@dataclass
class RunState:
    """A run as its checkpoint holds it: what it is (model, data, recipe, plan), how far it got.

    The one schema of a checkpoint: :meth:`to_checkpoint` writes it, :meth:`from_checkpoint`
    reads and checks it. ``config.epochs`` is the plan, stored once: the epochs the run trains
    (an extended run's ``schedule`` spans fewer). ``tensors`` are the weights, optimizer,
    gradient-scaler and random states of a run read back from a file.
    """

    model_name: str
    model_options: dict
    data: str
    data_size: int | None  # None: a version-2 checkpoint, which did not store it
    steps_per_epoch: int
    world_size: int
    config: TrainConfig
    schedule: Schedule
    epoch: int = 0
    step: int = 0
    history: History = field(default_factory=History)
    tensors: dict = field(default_factory=dict, repr=False)

    @property
    def epochs(self) -> int:
        return self.config.epochs

    @classmethod
    def plan(cls, model_name: str, model_options, train_set: ImageSet, steps_per_epoch: int,
             world_size: int, config: TrainConfig) -> "RunState":
        """A new run: its budget (``config.epochs``, default the paper's 64k iterations), resolved
        here once, and the schedule over it."""
        epochs = config.epochs or max(1, round(PAPER_ITERATIONS / steps_per_epoch))
        schedule = Schedule.for_budget(config.schedule, config.lr, epochs * steps_per_epoch,
                                       config.warmup_steps, config.warmup_lr)
        return cls(model_name, dict(model_options or {}), train_set.name, len(train_set),
                   steps_per_epoch, world_size, config.replace(epochs=epochs), schedule)

    def to_checkpoint(self, engine: "Engine") -> dict:
        return {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION,
                "model_name": self.model_name, "model_options": self.model_options,
                "data": self.data, "data_size": self.data_size,
                "steps_per_epoch": self.steps_per_epoch, "world_size": self.world_size,
                "torch": str(torch.__version__), "device": engine.device.type,
                "config": self.config.to_dict(), "schedule": self.schedule.state_dict(),
                "epoch": self.epoch, "step": self.step, "history": self.history.to_dict(),
                **engine.state_dict(), "rng": rng_state()}

    @classmethod
    def from_checkpoint(cls, state: dict, path) -> "RunState":
        """The run of a checkpoint read by :func:`load_checkpoint`, its fields checked: a file
        written by an unknown version, or edited by hand, is refused with what is wrong."""
        version = state.get("version")
        if version not in (2, CHECKPOINT_VERSION):
            raise CheckpointError("the checkpoint {path} was written by another cnncourse "
                                  "(format version {version}, this one reads 2 and {current}); "
                                  "start afresh with {overwrite} or another {other}", path=path,
                                  version=version,
                                  current=CHECKPOINT_VERSION, overwrite=_OVERWRITE, other=_OTHER)
        keys = ["model_name", "data", "world_size", "config", "schedule", "epoch", "step",
                "history", "model", "optimizer", "scaler", "rng"]
        keys += ["data_size", "steps_per_epoch"] if version == 3 else []
        try:
            missing = [k for k in keys if k not in state]
            if missing:
                raise ValueError(f"it has no {', '.join(map(repr, missing))}")
            epoch, step = state["epoch"], state["step"]
            if not (_is_int(epoch) and epoch >= 1 and _is_int(step)):
                raise ValueError(f"epoch {epoch!r} and step {step!r} are not counts from 1")
            run = cls(state["model_name"], dict(state.get("model_options") or {}), state["data"],
                      state.get("data_size"),
                      state["steps_per_epoch"] if version == 3 else step // epoch,
                      state["world_size"], TrainConfig.from_dict(state["config"]),
                      Schedule.from_state_dict(state["schedule"]), epoch, step,
                      History.from_dict(state["history"]),
                      {k: state[k] for k in ("model", "optimizer", "scaler", "rng")})
            run._check_progress()
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise CheckpointError("the checkpoint {path} is damaged or was edited by hand: "
                                  "{problem}; start afresh with {overwrite} or another {other}",
                                  path=path, problem=exc, overwrite=_OVERWRITE,
                                  other=_OTHER) from exc
        return run

    def _check_progress(self) -> None:
        if self.epochs is None or not 1 <= self.epoch <= self.epochs:
            raise ValueError(f"epoch {self.epoch} is outside the plan of {self.epochs} epochs")
        if not _is_int(self.steps_per_epoch) or self.step != self.epoch * self.steps_per_epoch:
            raise ValueError(f"step {self.step} is not epoch {self.epoch} × "
                             f"{self.steps_per_epoch} steps per epoch")
        if self.history.epoch != list(range(1, self.epoch + 1)):
            raise ValueError(f"the history has epochs {self.history.epoch}, not 1 to {self.epoch}")

    def check_continues(self, saved: "RunState", path, asked_epochs: int | None,
                        extend: bool) -> None:
        """Refuse to continue ``saved`` (read from ``path``) as this run when it is another run.

        ``asked_epochs`` is the budget this call asked for (None: whatever the run planned)."""
        def refuse(template, **values):
            return CheckpointError("the checkpoint {path} " + template, path=path, other=_OTHER,
                                   overwrite=_OVERWRITE, **values)

        if saved.data != self.data:
            raise refuse("was trained on {saved}, this run uses {given}; use another {other} for "
                         "this data set", saved=Param("data", saved.data),
                         given=Param("data", self.data))
        differ = [k for k in TrainConfig.RECIPE
                  if getattr(saved.config, k) != getattr(self.config, k)]
        if differ:
            pairs = {}
            for i, k in enumerate(differ):
                pairs[f"s{i}"] = Param(k, getattr(saved.config, k))
                pairs[f"g{i}"] = Param(k, getattr(self.config, k))
            listing = ", ".join(f"{{s{i}}} (this run: {{g{i}}})" for i in range(len(differ)))
            raise refuse("was trained with " + listing + "; resume with the checkpoint's values, "
                         "or start a new run (another {other}, or {overwrite})", **pairs)
        if saved.data_size not in (None, self.data_size) or \
                saved.steps_per_epoch != self.steps_per_epoch:
            raise refuse("was trained on {saved_n} images of {data} ({saved_s} steps per epoch), "
                         "this run's training set has {given_n} ({given_s} steps per epoch); "
                         "resume on the same images, or start a new run (another {other}, or "
                         "{overwrite})", data=self.data, saved_s=saved.steps_per_epoch,
                         saved_n=f"{saved.data_size:,}" if saved.data_size else "other",
                         given_n=f"{self.data_size:,}", given_s=self.steps_per_epoch)
        planned = Param("epochs", saved.epochs)
        if asked_epochs is not None and asked_epochs < saved.epochs:
            raise refuse("is a run planned for {saved}, this run asks for {given}; a resumed run "
                         "keeps its schedule. To stop earlier, keep {saved} and pass {until}",
                         saved=planned, given=Param("epochs", asked_epochs),
                         until=Param("until_epoch", asked_epochs))
        if asked_epochs is not None and asked_epochs > saved.epochs and not extend:
            lr = saved.schedule
            raise refuse("is a run planned for {saved} ({schedule}); this run asks for {given}. "
                         "Resuming keeps the saved schedule: pass {extend} to train the extra "
                         "epochs at its final learning rate {final:g}, or start a new schedule as "
                         "a new run (another {other}, or {overwrite})", saved=planned,
                         schedule=lr.describe(), given=Param("epochs", asked_epochs),
                         extend=Param("extend", True), final=lr.lr_at(lr.total_steps - 1))

    def continued(self, saved: "RunState", asked_epochs: int | None) -> "RunState":
        """This run going on from ``saved``: its schedule, progress and states, and the plan
        extended to ``asked_epochs`` when that is more (checked by :meth:`check_continues`)."""
        epochs = max(saved.epochs, asked_epochs or saved.epochs)
        return dataclasses.replace(self, config=self.config.replace(epochs=epochs),
                                   schedule=saved.schedule, epoch=saved.epoch, step=saved.step,
                                   history=saved.history, tensors=saved.tensors)


# -----------------------------------------------------------------------------
# Device set-up

def _precision(device: torch.device, amp) -> tuple[torch.dtype | None, bool]:
    """(autocast dtype or None, use a GradScaler)."""
    if device.type != "cuda" or amp is False or amp == "off":
        return None, False
    major, _ = torch.cuda.get_device_capability(device)
    if major >= 8:
        return torch.bfloat16, False
    return torch.float16, True


def _distributed() -> tuple[int, int]:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _all_reduce_sum(values: torch.Tensor) -> torch.Tensor:
    import torch.distributed as dist

    if _distributed()[1] > 1:
        dist.all_reduce(values)
    return values


def _model_name(model: nn.Module) -> str:
    spec = getattr(model, "input_spec", None)
    return getattr(model, "name", None) or (spec.name if spec is not None else type(model).__name__.lower())


# -----------------------------------------------------------------------------
# The loop

@dataclass
class FitResult:
    model: nn.Module
    history: History
    steps: int
    steps_per_epoch: int
    schedule: Schedule
    world_size: int = 1
    device: str = "cpu"
    batch_size: int = PAPER_BATCH
    config: TrainConfig | None = None


@torch.no_grad()
def evaluate(model: nn.Module, loader: DeviceLoader, autocast_dtype=None, channels_last=False) -> float:
    """Error (%) of ``model`` on ``loader``'s images, in eval mode."""
    was_training = model.training
    model.eval()
    wrong = torch.zeros((), device=loader.dataset.device)
    count = 0
    for x, y in loader:
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        with torch.autocast(x.device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None):
            out = model(x)
        wrong += (out.argmax(1) != y).sum()
        count += y.numel()
    model.train(was_training)
    return 100.0 * wrong.item() / max(count, 1)


def _loss(output, target, aux_weight):
    from .models.googlenet import GoogLeNetOutput, googlenet_loss

    if isinstance(output, GoogLeNetOutput):  # §5: main loss + 0.3 × each auxiliary loss
        return googlenet_loss(output, target, aux_weight=aux_weight), output.logits
    return F.cross_entropy(output, target), output


def _grad_scaler(enabled: bool):
    """torch.amp.GradScaler for CUDA (torch >= 2.3; pyproject.toml's floor is above that)."""
    return torch.amp.GradScaler("cuda", enabled=enabled)


def _as_config(config, overrides: dict) -> TrainConfig:
    if config is None:
        config = TrainConfig()
    elif isinstance(config, dict):
        config = TrainConfig().replace(**config)
    elif not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig (or a dict of its fields), got {type(config).__name__}")
    return config.replace(**overrides) if overrides else config



@dataclass
class Engine:
    """The model being trained and what updates it: optimizer, gradient scaler, precision, layout.

    ``model`` is the bare module (checkpointed, evaluated); ``net`` is what the training steps
    call: ``model`` inside DistributedDataParallel and/or ``torch.compile`` when asked.
    """

    model: nn.Module
    net: nn.Module
    optimizer: torch.optim.Optimizer
    scaler: torch.amp.GradScaler
    device: torch.device
    autocast: torch.dtype | None
    channels_last: bool
    compiled: bool = False

    @classmethod
    def build(cls, model: nn.Module, run: RunState, device: torch.device, path=None) -> "Engine":
        """Move ``model`` to ``device``, make its optimizer (SGD as in the paper) and scaler, load
        ``run.tensors`` when the run goes on from the checkpoint ``path``, then wrap it."""
        cfg = run.config
        autocast, use_scaler = _precision(device, cfg.amp)
        channels_last = device.type == "cuda" if cfg.channels_last == "auto" else cfg.channels_last
        model.to(device)
        if channels_last:
            model.to(memory_format=torch.channels_last)
        # weight decay on every parameter, as in the paper's Torch/Caffe training
        optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad],
                                    lr=run.schedule.lr_at(0), momentum=cfg.momentum,
                                    weight_decay=cfg.weight_decay)
        engine = cls(model, model, optimizer, _grad_scaler(use_scaler), device, autocast,
                     channels_last)
        if run.tensors:
            engine.load_state_dict(run.tensors, path, run.model_name)
        if run.world_size > 1:  # after loading: DDP starts every process from rank 0's weights
            from torch.nn.parallel import DistributedDataParallel as DDP

            engine.net = DDP(model, device_ids=[device.index] if device.type == "cuda" else None)
        if cfg.compile:
            engine.net, engine.compiled = torch.compile(engine.net), True
        return engine

    def state_dict(self) -> dict:
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scaler": self.scaler.state_dict()}

    def load_state_dict(self, tensors: dict, path, model_name: str) -> None:
        try:
            self.model.load_state_dict(tensors["model"])
        except RuntimeError as exc:
            raise CheckpointError("the checkpoint {path} does not fit this {model} (different "
                                  "model options?): {detail}", path=path, model=model_name,
                                  detail=str(exc).splitlines()[0]) from exc
        self.optimizer.load_state_dict(tensors["optimizer"])
        self.scaler.load_state_dict(tensors["scaler"])

    def describe(self) -> str:
        precision = {None: "float32", torch.bfloat16: "bfloat16 autocast",
                     torch.float16: "float16 autocast + grad scaler"}[self.autocast]
        return precision + (" · channels_last" if self.channels_last else "") + \
            (" · torch.compile" if self.compiled else "")

    def step(self, x, y, lr: float, aux_weight: float):
        """One SGD step on the batch ``(x, y)`` at learning rate ``lr``; returns (loss, logits)."""
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        on = self.autocast is not None
        with torch.autocast(self.device.type, dtype=self.autocast, enabled=on):
            loss, logits = _loss(self.net(x), y, aux_weight)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        return loss, logits

    def evaluate(self, loader: DeviceLoader | None) -> float:
        if loader is None:
            return float("nan")
        return evaluate(self.model, loader, self.autocast, self.channels_last)


class Progress:
    """Progress within an epoch: a tqdm bar (``"bar"``), a line every :data:`PROGRESS_EVERY_S`
    seconds (``"lines"``: logs and ``!python`` cells, where a bar cannot redraw itself), or
    nothing (``False``). ``True`` is a bar."""

    def __init__(self, mode, log):
        if mode is True:
            mode = "bar"
        if mode not in ("bar", "lines", False, None):
            raise ConfigError("{param} must be True, False, 'bar' or 'lines', got {value!r}",
                              param=Param("progress"), value=mode)
        self.mode, self.log, self.bar = mode, log, None

    def start(self, loader, epoch: int, epochs: int):
        """The batches of ``loader`` for epoch ``epoch`` (0-based), inside a bar when asked."""
        self.title = f"epoch {epoch + 1}/{epochs}"
        self.t0 = self.last = time.perf_counter()
        if self.mode != "bar":
            return loader
        from tqdm.auto import tqdm  # only when used (it warns in notebooks without widgets)

        self.bar = tqdm(loader, total=len(loader), desc=self.title, leave=False)
        return self.bar

    def update(self, done: int, total: int, loss_sum, wrong, seen: int, lr: float) -> None:
        """At the loop's synchronisation points (every 10 steps): the running loss and accuracy."""
        if self.bar is not None:
            self.bar.set_postfix(loss=f"{loss_sum.item() / seen:.3f}",
                                 acc=f"{100 - 100 * wrong.item() / seen:.1f}%", lr=f"{lr:g}")
        elif self.mode == "lines" and time.perf_counter() - self.last >= PROGRESS_EVERY_S:
            self.last = time.perf_counter()
            self.log(f"  {self.title}: step {done}/{total}  loss {loss_sum.item() / seen:.4f}  "
                     f"train error {100 * wrong.item() / seen:5.2f}%  "
                     f"({self.last - self.t0:.0f} s)")

    def end(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _train_epoch(engine: Engine, loader: DeviceLoader, run: RunState, epoch: int,
                 progress: Progress, checkpoint) -> tuple[float, float, float]:
    """One pass over the training set (epoch ``epoch``, 0-based), advancing ``run.step``.

    Returns (training loss, training error %, the last step's learning rate). The loss and the
    errors are summed on the device and read every 10 steps (a NaN or infinite loss stops the run
    there), so the GPU does not wait for the CPU after every step.
    """
    device = loader.dataset.device
    loader.set_epoch(epoch)
    loss_sum = torch.zeros((), device=device, dtype=torch.float64)
    wrong = torch.zeros((), device=device, dtype=torch.float64)
    bad = torch.zeros((), device=device)
    seen, steps = 0, len(loader)
    for i, (x, y) in enumerate(progress.start(loader, epoch, run.epochs)):
        lr = run.schedule.lr_at(run.step)
        loss, logits = engine.step(x, y, lr, run.config.aux_weight)
        run.step += 1
        with torch.no_grad():
            d = loss.detach().double()
            bad += ~torch.isfinite(d)
            loss_sum += d * y.numel()
            wrong += (logits.argmax(1) != y).sum()
            seen += y.numel()
        if (i + 1) % 10 == 0 or i + 1 == steps:
            if _all_reduce_sum(bad.clone()).item() > 0:
                raise _diverged(run, epoch, lr, checkpoint)
            progress.update(i + 1, steps, loss_sum, wrong, seen, lr)
    progress.end()
    count = torch.tensor(float(seen), device=device, dtype=torch.float64)
    totals = _all_reduce_sum(torch.stack([loss_sum, wrong, count]))
    return totals[0].item() / totals[2].item(), 100.0 * totals[1].item() / totals[2].item(), lr


def fit(model: nn.Module, train_set: ImageSet, test_set: ImageSet | None = None,
        config: TrainConfig | dict | None = None, *, checkpoint=None, checkpoint_every: int = 1,
        resume=False, extend: bool = False, overwrite: bool = False,
        until_epoch: int | None = None, progress=True, verbose: bool = True,
        model_name: str | None = None, model_options: dict | None = None,
        **overrides) -> FitResult:
    """Train ``model`` on ``train_set`` (an :class:`ImageSet` on the training device) with ``config``.

    ``config`` is a :class:`TrainConfig` (default: the paper's recipe); keyword ``overrides``
    replace its fields. ``until_epoch`` stops after that epoch of the planned schedule (a run
    split into sessions). ``resume``: True continues ``checkpoint``, "auto" continues it if it
    exists; without either an existing checkpoint is refused unless ``overwrite=True``; more
    epochs than planned need ``extend=True`` (see the module doc). Everything is checked before
    training starts. ``progress``: a bar (True, "bar"), a line every 30 s ("lines"), or False.
    Seed before building the model (:func:`build_model`); ``config.seed`` orders and augments
    the data. Returns a :class:`FitResult`; raises :class:`TrainingDiverged` on a NaN loss.
    """
    cfg = _as_config(config, overrides)
    _check_options(checkpoint, checkpoint_every, resume, extend, overwrite, until_epoch)
    rank, world = _distributed()
    log = functools.partial(print, flush=True) if verbose and rank == 0 else _quiet
    bar = Progress(progress if rank == 0 else False, log)
    loader = DeviceLoader(train_set, cfg.batch_size, shuffle=True, augment=cfg.augment,
                          seed=cfg.seed, rank=rank, world_size=world)
    test_loader = DeviceLoader(test_set, cfg.eval_batch_size) if test_set is not None else None
    run = RunState.plan(model_name or _model_name(model), model_options, train_set, len(loader),
                        world, cfg)
    if checkpoint is not None and rank == 0:
        _check_checkpoint_target(checkpoint, model)
    saved = _saved_run(run, checkpoint, resume, extend, overwrite, cfg.epochs, train_set.device)
    if saved is not None:
        run = run.continued(saved, cfg.epochs)
        if run.epochs > saved.epochs:
            log(f"extending the run from {saved.epochs} to {run.epochs} epochs at the final "
                f"learning rate {run.schedule.lr_at(run.schedule.total_steps - 1):g}")
    engine = Engine.build(model, run, train_set.device, checkpoint)
    if saved is not None:
        set_rng_state(saved.tensors["rng"])
        log(f"resumed from {checkpoint}: epoch {run.epoch}, step {run.step:,}")
    _log_start(log, run, engine, train_set)
    stop = min(run.epochs, until_epoch or run.epochs)
    engine.model.train()
    for epoch in range(run.epoch, stop):
        t0 = time.perf_counter()
        train_loss, train_error, lr = _train_epoch(engine, loader, run, epoch, bar, checkpoint)
        test_error = engine.evaluate(test_loader)
        seconds = time.perf_counter() - t0
        run.epoch += 1
        run.history.append(epoch=run.epoch, train_loss=train_loss, train_error=train_error,
                           test_error=test_error, lr=lr, seconds=seconds)
        log(f"epoch {run.epoch:>3}/{run.epochs}  lr {lr:<7.4g} train loss {train_loss:.4f}  "
            f"train error {train_error:5.2f}%  test error {test_error:5.2f}%  "
            f"({seconds:.1f} s (wall))")
        due = run.epoch % checkpoint_every == 0 or run.epoch == stop
        if checkpoint is not None and rank == 0 and due:
            save_checkpoint(checkpoint, run.to_checkpoint(engine))
    if world > 1:
        _check_synchronized(model, log)
    return FitResult(model, run.history, run.step, run.steps_per_epoch, run.schedule, world,
                     str(train_set.device), cfg.batch_size, cfg)


def _quiet(*args, **kwargs) -> None:
    pass


def _check_options(checkpoint, checkpoint_every, resume, extend, overwrite, until_epoch) -> None:
    """fit's own arguments, before anything is read or trained."""
    for name, value in (("checkpoint_every", checkpoint_every), ("until_epoch", until_epoch)):
        if not (KINDS["positive"][1](value) or (name == "until_epoch" and value is None)):
            raise ConfigError("{param} must be a positive integer, got {value!r}",
                              param=Param(name), value=value)
    if resume is not True and resume is not False and resume != "auto":
        raise ConfigError("{param} must be True, False or 'auto', got {value!r}",
                          param=Param("resume"), value=resume)
    if resume is True and checkpoint is None:
        raise ConfigError("{resume} needs {checkpoint}, the file to resume from",
                          resume=Param("resume", True), checkpoint=_OTHER)
    if extend and resume is False:
        raise ConfigError("{extend} extends a resumed run; pass {resume} (or {auto}) with it",
                          extend=Param("extend", True), resume=Param("resume", True),
                          auto=Param("resume", "auto"))
    if overwrite and resume is not False:
        raise ConfigError("{overwrite} starts afresh and {resume} continues: pass one of them",
                          overwrite=_OVERWRITE, resume=Param("resume", resume))


def _check_checkpoint_target(checkpoint, model: nn.Module) -> None:
    """Before training: the checkpoint can be written there, with room for it (the weights and
    the optimizer's momentum, about twice the model's size, and a margin)."""
    size = sum(t.numel() * t.element_size() for t in model.state_dict().values())
    check_writable(checkpoint, "checkpoint", need_bytes=2 * size + 2**20, error=CheckpointError)


def _saved_run(run: RunState, checkpoint, resume, extend, overwrite, asked_epochs, device):
    """The checkpointed run to continue (read and checked before anything in memory is touched),
    or None to start afresh; an existing checkpoint is replaced only with ``overwrite``."""
    if checkpoint is None:
        return None
    path = Path(checkpoint)
    if resume is False or (resume == "auto" and not path.exists()):
        if path.exists() and not overwrite:
            raise CheckpointError("the checkpoint {path} exists already; continue its run with "
                                  "{resume} (or {auto}), replace it with {overwrite}, or train "
                                  "into another {other}", path=path, resume=Param("resume", True),
                                  auto=Param("resume", "auto"), overwrite=_OVERWRITE, other=_OTHER)
        return None
    saved = RunState.from_checkpoint(load_checkpoint(path, run.model_name, device), path)
    run.check_continues(saved, path, asked_epochs, extend)
    return saved


def _log_start(log, run: RunState, engine: Engine, train_set: ImageSet) -> None:
    world = f" · {run.world_size} processes" if run.world_size > 1 else ""
    log(f"{run.model_name} on {train_set.name} ({len(train_set):,} training images) · "
        f"{engine.device} · {engine.describe()}{world}")
    epochs, spe, cfg = run.epochs, run.steps_per_epoch, run.config
    log(f"budget: {epochs} epoch{'s' if epochs != 1 else ''} × {spe} steps of {cfg.batch_size} "
        f"images = {epochs * spe:,} iterations (paper: {PAPER_ITERATIONS:,} at batch "
        f"{PAPER_BATCH}); schedule: {run.schedule.describe()}")


def _diverged(run: RunState, epoch: int, lr: float, checkpoint) -> TrainingDiverged:
    """The error of a run whose loss went NaN or infinite, with advice that works: a resumed run
    keeps its learning rate, so the advice is a new run with a lower one, or a warm-up."""
    cfg, kept, fresh = run.config, "No checkpoint was written by this run. ", ""
    if checkpoint is not None and run.history.epoch:
        kept = "The last good checkpoint ({checkpoint}, after epoch {good}) is kept. "
    if checkpoint is not None and Path(checkpoint).exists():
        fresh = " with {overwrite} (or another {other})"
    return TrainingDiverged(
        "training stopped in epoch {epoch} at step {step:,}: the loss is NaN or infinite (learning "
        "rate {lr:g}). The weights are no longer usable and were not saved. " + kept +
        "A resumed run keeps its learning rate, so train again with a lower one, e.g. {lower}" +
        fresh + ", or with a warm-up ({warmup}). Typical causes: too high a learning rate, or a "
        "deep plain network without warm-up.",
        epoch=epoch + 1, step=run.step, lr=lr, checkpoint=checkpoint,
        good=run.history.epoch[-1] if run.history.epoch else 0,
        lower=Param("lr", float(f"{cfg.lr / 10:.3g}")), overwrite=_OVERWRITE, other=_OTHER,
        warmup=Param("warmup_steps", max(cfg.warmup_steps, 400)))


def _check_synchronized(model, log) -> None:
    """Every process must end with rank 0's weights; a mismatch is an error, not a silent drift."""
    import torch.distributed as dist

    vec = torch.cat([p.detach().reshape(-1).float() for p in model.parameters()])
    ref = vec.clone()
    dist.broadcast(ref, src=0)
    diff = (vec - ref).abs().max().reshape(1)
    dist.all_reduce(diff, op=dist.ReduceOp.MAX)
    if diff.item() != 0:
        raise RuntimeError(f"the processes' weights differ after training (max |Δ| = {diff.item():.3g})")
    log(f"weights synchronized across {dist.get_world_size()} processes (max |difference| 0)")


# -----------------------------------------------------------------------------
# Model + data by name

def init_distributed(device=None):
    """Under ``torchrun`` (``WORLD_SIZE`` > 1): join the process group and return this process's device.

    One process per GPU with NCCL (``cuda:LOCAL_RANK``), or per CPU process with Gloo. Returns
    ``(device, created)``; ``created`` is False when there is nothing to do (a single process, or
    a group that the caller set up already).
    """
    import torch.distributed as dist

    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1 or not dist.is_available() or dist.is_initialized():
        return device, False
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = str(device).startswith("cuda") or (device is None and torch.cuda.is_available())
    if use_cuda:
        torch.cuda.set_device(local_rank)
        device = f"cuda:{local_rank}"
    else:
        device = "cpu"
    dist.init_process_group("nccl" if use_cuda else "gloo")
    return device, True


def build_model(name: str, seed: int, **options) -> nn.Module:
    """``get_model(name, **options)`` with its initial weights drawn from ``seed``.

    The seed is applied here, once, before the model is built (every generator, see
    :func:`seed_everything`). The initialisation draws from a fork of the global generator, so
    that training starts from the seed's state as well: its dropout masks do not depend on how
    many numbers the initialisation used (and the stored results reproduce).
    """
    from .models import get_model

    seed_everything(seed)
    with torch.random.fork_rng(devices=[]):
        return get_model(name, **options)


def train(model: str, data: str = "fashion_mnist", config: TrainConfig | dict | None = None, *,
          device=None, root=None, download: bool = True, model_options: dict | None = None,
          **fit_kwargs) -> FitResult:
    """Build ``model`` (a registry name) for the data set ``data`` and :func:`fit` it with ``config``.

    ``data`` is a name of :data:`cnncourse.data.DATASETS` ("cifar10", "fashion_mnist", "digits"),
    its files under ``root`` (None: ``./data``, and Debian's Fashion-MNIST). The model gets the
    data set's channels and classes (``in_channels=1`` for the grey sets). ``config.seed`` fixes
    the initial weights, the data order and the augmentation. Other keywords go to :func:`fit`
    (``checkpoint``, ``resume``, ``extend``, ``overwrite``, ``until_epoch``, ``progress``, ...,
    or fields of the config). The device is resolved here, once. Started under ``torchrun``, it
    joins the process group first (one process per GPU) and leaves it at the end.
    """
    from . import data as datasets
    from .models import model_info
    from .utils import pick_device

    import torch.distributed as dist

    fit_keys = set(inspect.signature(fit).parameters) - {"model", "train_set", "test_set", "config"}
    overrides = {k: fit_kwargs.pop(k) for k in list(fit_kwargs) if k not in fit_keys}
    cfg = _as_config(config, overrides)
    name = model_info(model).name
    device, created = init_distributed(device)
    try:
        device = pick_device(device)
        train_set = datasets.load(data, train=True, device=device, root=root, download=download)
        test_set = datasets.load(data, train=False, device=device, root=root, download=download)
        options = {"num_classes": train_set.num_classes, "in_channels": train_set.channels,
                   **(model_options or {})}
        net = build_model(name, cfg.seed, **options)
        return fit(net, train_set, test_set, cfg, model_name=name, model_options=options,
                   **fit_kwargs)
    finally:
        if created and dist.is_initialized():
            dist.destroy_process_group()


# -----------------------------------------------------------------------------
# Results file for the GPU runs (the chapter plots it beside the paper's Table 6)

def append_result(path, model_name: str, data: str, run: FitResult, **extra) -> dict:
    """Append one finished run's numbers (measured, never estimated) to a JSON results file.

    Records the GPU's name (or "cpu"), torch version, budget, wall time (sum of the epochs' times,
    across resumed sessions) and the final training and test errors, with the per-epoch history,
    through the one writer of results files (:func:`cnncourse.results.add_run`).
    """
    from . import results

    device = torch.device(run.device)
    measured = results.run_entry(run)
    history = measured.pop("history")
    entry = {"model": model_name, "data": data,
             "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
             "processes": run.world_size, "torch": str(torch.__version__),
             "epochs": run.history.epoch[-1], "batch_size": run.batch_size,
             "schedule": run.schedule.describe(), **measured, **extra, "history": history}
    results.add_run(path, entry)
    return entry
