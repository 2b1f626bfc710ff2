"""Training: the ResNet paper's CIFAR recipe as a ``fit`` loop that resumes exactly.

    from cnncourse.train import TrainConfig, fit, train
    run = train("resnet20", "fashion_mnist", TrainConfig(epochs=5), checkpoint="resnet20.pt")
    run.history.plot()

One :class:`TrainConfig` holds the recipe (budget, batch, learning rate and schedule, seed,
augmentation, precision); it is what a checkpoint stores and what resuming compares.

The recipe (He et al. 2015, §4.2): SGD with momentum 0.9, weight decay 1e-4, batch 128,
learning rate 0.1 divided by 10 at 32k and 48k iterations, stop at 64k (``schedule="paper"``).
A smaller budget (``epochs=``) keeps the shape of the schedule — the drops at 50 % and 75 % of
the iterations — and the log says so. ``schedule="cosine"`` is the usual modern alternative.
ResNet-110's warm-up (lr 0.01 for about 400 iterations) is ``warmup_steps=400``.

On a GPU the loop uses mixed precision (bfloat16 on compute capability ≥ 8; float16 with a
gradient scaler on older cards such as Colab's T4), channels-last memory layout and, if asked,
``torch.compile``. On the CPU it runs in float32.

Checkpoints (``checkpoint=PATH``) are written after every ``checkpoint_every`` epochs,
atomically (a temporary file in the same folder, then ``os.replace``): a crash or a Colab
disconnect while writing leaves the previous checkpoint whole. They hold the model, optimizer,
schedule, gradient-scaler state, epoch, step, every random state and the history, as tensors and
plain Python containers only, and are read back with ``torch.load(weights_only=True)``.
Training 2 epochs, or 1 epoch + resume + 1 epoch, gives identical weights on the CPU.

Resuming continues the *saved* schedule: the learning rate of every step is the one the run was
planned with. A run is compared with its checkpoint (model, data, seed and every recipe field)
before anything in memory is touched, and a mismatch is refused, naming the parameter. Asking a
resumed run for more epochs than it was planned for is refused too, unless ``extend=True``: the
extra epochs then continue at the schedule's final learning rate (the milestones stay where they
were). A new schedule means a new run: another checkpoint path, or ``resume=False``.
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
import inspect
import math
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .data import DeviceLoader, ImageSet
from .utils import atomic_write  # noqa: F401  (re-exported: cnncourse.train.atomic_write)

CHECKPOINT_FORMAT = "cnncourse-checkpoint"
CHECKPOINT_VERSION = 2  # 2: the TrainConfig and the planned schedule are stored and compared

# He et al. 2015, §4.2: batch 128, lr 0.1, ÷10 at 32k and 48k iterations, stop at 64k.
PAPER_BATCH = 128
PAPER_ITERATIONS = 64_000
PAPER_MILESTONES = (32_000, 48_000)


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the run stopped and the last good checkpoint was kept."""


class CheckpointError(ValueError):
    """A checkpoint that cannot be used: unreadable, truncated, or written for another run."""


@dataclass(frozen=True)
class TrainConfig:
    """The recipe of one run: what a checkpoint stores and what resuming compares.

    The defaults are He et al. 2015, §4.2 (CIFAR-10): SGD with momentum 0.9 and weight decay
    1e-4, batch 128, learning rate 0.1 divided by 10 at 32k and 48k iterations, 64k iterations in
    all (``epochs=None``), random crops and flips. ``warmup_steps=400`` is ResNet-110's warm-up at
    ``warmup_lr`` 0.01. ``aux_weight`` is GoogLeNet's 0.3 for its auxiliary losses (§5).
    ``amp`` and ``channels_last`` ("auto": on a GPU) and ``compile`` change speed, not the recipe.
    """

    epochs: int | None = None
    batch_size: int = PAPER_BATCH
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 1e-4
    schedule: str = "paper"
    warmup_steps: int = 0
    warmup_lr: float = 0.01
    seed: int = 0
    augment: bool = True
    aux_weight: float = 0.3
    amp: str = "auto"
    channels_last: str | bool = "auto"
    compile: bool = False
    eval_batch_size: int = 1000

    # Fields a resumed run must share with its checkpoint (the others only change speed).
    RECIPE = ("batch_size", "lr", "momentum", "weight_decay", "schedule", "warmup_steps",
              "warmup_lr", "seed", "augment", "aux_weight")

    def __post_init__(self):
        def positive_int(name, value, allow_none=False, allow_zero=False):
            if value is None and allow_none:
                return
            if isinstance(value, bool) or not isinstance(value, int) or value < (0 if allow_zero else 1):
                kind = "a non-negative" if allow_zero else "a positive"
                raise ValueError(f"{name} must be {kind} integer"
                                 f"{' or None' if allow_none else ''}, got {value!r}")

        positive_int("epochs", self.epochs, allow_none=True)
        positive_int("batch_size", self.batch_size)
        positive_int("eval_batch_size", self.eval_batch_size)
        positive_int("warmup_steps", self.warmup_steps, allow_zero=True)
        positive_int("seed", self.seed, allow_zero=True)
        for name in ("lr", "momentum", "weight_decay", "warmup_lr", "aux_weight"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or value < 0:
                raise ValueError(f"{name} must be a finite number ≥ 0, got {value!r}")
        if self.lr == 0:
            raise ValueError("lr must be positive, got 0")
        if self.schedule not in ("paper", "cosine", "constant"):
            raise ValueError(f"schedule must be 'paper', 'cosine' or 'constant', got {self.schedule!r}")
        if self.amp not in ("auto", "off", True, False):
            raise ValueError(f"amp must be 'auto' or 'off', got {self.amp!r}")

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
        if self.kind not in ("paper", "cosine", "constant"):
            raise ValueError(f"schedule must be 'paper', 'cosine' or 'constant', got {self.kind!r}")
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

def save_checkpoint(path, state: dict) -> None:
    """Write ``state`` to ``path`` atomically (see :func:`atomic_write`)."""
    atomic_write(path, lambda f: torch.save(state, f))


def load_checkpoint(path, model_name: str | None = None, map_location="cpu") -> dict:
    """Read a checkpoint with ``weights_only=True``; refuse unreadable files and other models' ones."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path} to resume from; start without --resume "
                              f"(or resume='auto') to train from scratch")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # truncated zip, not a torch file, unpickling refused, ...
        lines = str(exc).splitlines() or [""]
        detail = next((ln.strip() for ln in lines if "WeightsUnpickler error" in ln), lines[0])
        raise CheckpointError(f"cannot read the checkpoint {path}: the file is corrupt, truncated, not a "
                              f"PyTorch checkpoint, or holds objects that weights_only loading refuses "
                              f"({type(exc).__name__}: {detail}). Delete it, or train from scratch "
                              f"without --resume") from exc
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path} is not a cnncourse training checkpoint (no '{CHECKPOINT_FORMAT}' "
                              f"marker); it cannot be resumed")
    if model_name is not None and state.get("model_name") != model_name:
        raise CheckpointError(f"the checkpoint {path} was written for model {state.get('model_name')!r}, "
                              f"not {model_name!r}; use a different --checkpoint path for this model")
    return state


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


def _check_resume(state: dict, path, config: TrainConfig, model_name: str, data: str,
                  planned_epochs: int, extend: bool) -> None:
    """Refuse a checkpoint that belongs to another run, before anything in memory is replaced."""
    if state.get("version") != CHECKPOINT_VERSION:
        raise CheckpointError(f"the checkpoint {path} was written by an older cnncourse (format version "
                              f"{state.get('version')}, this one reads {CHECKPOINT_VERSION}); start afresh "
                              f"with resume=False or another checkpoint=PATH")
    if state.get("data") != data:
        raise CheckpointError(f"the checkpoint {path} was trained on {state.get('data')!r}, this run uses "
                              f"{data!r}; use another checkpoint=PATH for this data set")
    saved = TrainConfig.from_dict(state["config"])
    differ = [f"{k}={getattr(saved, k)!r} (this run: {k}={getattr(config, k)!r})"
              for k in TrainConfig.RECIPE if getattr(saved, k) != getattr(config, k)]
    if differ:
        raise CheckpointError(f"the checkpoint {path} was trained with " + ", ".join(differ) +
                              "; resume with the checkpoint's values, or start a new run (another "
                              "checkpoint=PATH, or resume=False)")
    saved_epochs = int(state["planned_epochs"])
    if config.epochs is not None and config.epochs < saved_epochs:
        raise CheckpointError(f"the checkpoint {path} is a run planned for epochs={saved_epochs}, this run "
                              f"asks for epochs={config.epochs}; a resumed run keeps its schedule. To stop "
                              f"earlier, keep epochs={saved_epochs} and pass until_epoch={config.epochs}")
    if planned_epochs > saved_epochs and not extend:
        lr = Schedule.from_state_dict(state["schedule"])
        final = lr.lr_at(lr.total_steps - 1)
        raise CheckpointError(f"the checkpoint {path} is a run planned for epochs={saved_epochs} "
                              f"({lr.describe()}); this run asks for epochs={planned_epochs}. Resuming "
                              f"keeps the saved schedule: pass extend=True to train the extra epochs at "
                              f"its final learning rate {final:g}, or start a new schedule as a new run "
                              f"(another checkpoint=PATH, or resume=False)")


def fit(model: nn.Module, train_set: ImageSet, test_set: ImageSet | None = None,
        config: TrainConfig | dict | None = None, *, checkpoint=None, checkpoint_every: int = 1,
        resume=False, extend: bool = False, until_epoch: int | None = None, progress: bool = True,
        verbose: bool = True, model_name: str | None = None, model_options: dict | None = None,
        _fail_at_step: int | None = None, **overrides) -> FitResult:
    """Train ``model`` on ``train_set`` (an :class:`ImageSet` on the training device) with ``config``.

    ``config`` is a :class:`TrainConfig` (default: the paper's recipe); keyword ``overrides``
    replace its fields (``fit(model, data, epochs=2)`` is ``config.replace(epochs=2)``).
    ``until_epoch`` stops after that epoch while the schedule still spans ``config.epochs``: a
    long run split into sessions (resume the next one from the checkpoint).
    ``resume``: ``True`` continues from ``checkpoint`` (an error if it is missing or belongs to
    another run), ``"auto"`` continues if it exists and starts afresh otherwise. A resumed run
    keeps its saved schedule; more epochs than planned need ``extend=True`` (see the module doc).
    Returns a :class:`FitResult` with the trained model and the :class:`History`.
    Raises :class:`TrainingDiverged` when the loss becomes NaN or infinite.
    """
    cfg = _as_config(config, overrides)
    if resume not in (True, False, "auto"):
        raise ValueError(f"resume must be True, False or 'auto', got {resume!r}")
    if resume is True and checkpoint is None:
        raise ValueError("resume=True needs checkpoint= the file to resume from")
    if until_epoch is not None and (isinstance(until_epoch, bool) or not isinstance(until_epoch, int)
                                    or until_epoch < 1):
        raise ValueError(f"until_epoch must be a positive integer or None, got {until_epoch!r}")
    device = train_set.device
    rank, world = _distributed()
    log = print if (verbose and rank == 0) else (lambda *a, **k: None)
    model_name = model_name or _model_name(model)
    autocast_dtype, use_scaler = _precision(device, cfg.amp)
    channels_last = device.type == "cuda" if cfg.channels_last == "auto" else bool(cfg.channels_last)

    loader = DeviceLoader(train_set, cfg.batch_size, shuffle=True, augment=cfg.augment, seed=cfg.seed,
                          rank=rank, world_size=world)
    test_loader = DeviceLoader(test_set, cfg.eval_batch_size) if test_set is not None else None
    steps_per_epoch = len(loader)
    epochs = cfg.epochs if cfg.epochs is not None else max(1, round(PAPER_ITERATIONS / steps_per_epoch))
    sched = Schedule.for_budget(cfg.schedule, cfg.lr, epochs * steps_per_epoch, cfg.warmup_steps,
                                cfg.warmup_lr)

    # Read and check the checkpoint before anything in memory (model, random state) is touched.
    state = None
    if checkpoint is not None and resume and (resume is True or Path(checkpoint).is_file()):
        state = load_checkpoint(checkpoint, model_name, map_location=device)
        _check_resume(state, checkpoint, cfg, model_name, train_set.name, epochs if cfg.epochs else
                      int(state["planned_epochs"]), extend)
        sched = Schedule.from_state_dict(state["schedule"])   # the saved plan, not a new one
        planned = int(state["planned_epochs"])
        epochs = max(planned, cfg.epochs or planned)
        if epochs > planned:
            log(f"extending the run from {planned} to {epochs} epochs at the final learning rate "
                f"{sched.lr_at(sched.total_steps - 1):g}")

    seed_everything(cfg.seed)
    model.to(device)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    # weight decay on every parameter, as in the paper's Torch/Caffe training
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=sched.lr_at(0),
                                momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    scaler = _grad_scaler(use_scaler)
    history = History()
    start_epoch, step = 0, 0

    if state is not None:
        try:
            model.load_state_dict(state["model"])
        except RuntimeError as exc:
            raise CheckpointError(f"the checkpoint {checkpoint} does not fit this {model_name} "
                                  f"(different model options?): {str(exc).splitlines()[0]}") from exc
        optimizer.load_state_dict(state["optimizer"])
        scaler.load_state_dict(state["scaler"])
        start_epoch, step = int(state["epoch"]), int(state["step"])
        history = History.from_dict(state["history"])
        set_rng_state(state["rng"])
        log(f"resumed from {checkpoint}: epoch {start_epoch}, step {step:,}")
    elif checkpoint is not None and Path(checkpoint).exists() and rank == 0:
        log(f"note: starting afresh; the existing checkpoint {checkpoint} will be replaced")

    train_model = model
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel as DDP

        train_model = DDP(model, device_ids=[device.index] if device.type == "cuda" else None)
    if cfg.compile:
        train_model = torch.compile(train_model)

    precision = {None: "float32", torch.bfloat16: "bfloat16 autocast",
                 torch.float16: "float16 autocast + grad scaler"}[autocast_dtype]
    log(f"{model_name} on {train_set.name} ({len(train_set):,} training images) · {device} · {precision}"
        f"{' · channels_last' if channels_last else ''}{' · torch.compile' if cfg.compile else ''}"
        f"{f' · {world} processes' if world > 1 else ''}")
    log(f"budget: {epochs} epoch{'s' if epochs != 1 else ''} × {steps_per_epoch} steps of "
        f"{cfg.batch_size} images = {epochs * steps_per_epoch:,} iterations (paper: "
        f"{PAPER_ITERATIONS:,} at batch {PAPER_BATCH}); schedule: {sched.describe()}")

    show_bar = progress and rank == 0
    if show_bar:  # imported only when used (tqdm.auto warns in notebooks without ipywidgets)
        from tqdm.auto import tqdm

    stop = min(epochs, until_epoch or epochs)
    model.train()
    for epoch in range(start_epoch, stop):
        loader.set_epoch(epoch)
        t0 = time.perf_counter()
        loss_sum = torch.zeros((), device=device, dtype=torch.float64)
        wrong = torch.zeros((), device=device, dtype=torch.float64)
        seen = 0
        bad = torch.zeros((), device=device)
        bar = tqdm(loader, total=steps_per_epoch, desc=f"epoch {epoch + 1}/{epochs}", leave=False) \
            if show_bar else loader
        for i, (x, y) in enumerate(bar):
            current_lr = sched.lr_at(step)
            for group in optimizer.param_groups:
                group["lr"] = current_lr
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            with torch.autocast(device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None):
                out = train_model(x)
                loss, logits = _loss(out, y, cfg.aux_weight)
            if _fail_at_step is not None and step >= _fail_at_step:  # tests: a loss that went bad
                loss = loss * float("nan")
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            step += 1
            with torch.no_grad():
                d = loss.detach().double()
                bad += ~torch.isfinite(d)
                loss_sum += d * y.numel()
                wrong += (logits.argmax(1) != y).sum()
                seen += y.numel()
            if (i + 1) % 10 == 0 or i + 1 == steps_per_epoch:
                if _all_reduce_sum(bad.clone()).item() > 0:
                    _diverged(epoch, step, current_lr, checkpoint, history, rank)
                if show_bar:
                    bar.set_postfix(loss=f"{loss_sum.item() / seen:.3f}",
                                    acc=f"{100 - 100 * wrong.item() / seen:.1f}%", lr=f"{current_lr:g}")
        if show_bar:
            bar.close()
        totals = _all_reduce_sum(torch.stack([loss_sum, wrong, torch.tensor(float(seen), device=device,
                                                                                dtype=torch.float64)]))
        train_loss = totals[0].item() / totals[2].item()
        train_error = 100.0 * totals[1].item() / totals[2].item()
        test_error = evaluate(model, test_loader, autocast_dtype, channels_last) if test_loader else float("nan")
        seconds = time.perf_counter() - t0
        history.append(epoch=epoch + 1, train_loss=train_loss, train_error=train_error,
                       test_error=test_error, lr=current_lr, seconds=seconds)
        log(f"epoch {epoch + 1:>3}/{epochs}  lr {current_lr:<7.4g} train loss {train_loss:.4f}  "
            f"train error {train_error:5.2f}%  test error {test_error:5.2f}%  ({seconds:.1f} s (wall))")
        if checkpoint is not None and rank == 0 and ((epoch + 1) % checkpoint_every == 0 or epoch + 1 == stop):
            save_checkpoint(checkpoint, {
                "format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION,
                "model_name": model_name, "model_options": dict(model_options or {}),
                "data": train_set.name, "world_size": world, "torch": str(torch.__version__),
                "device": device.type, "config": cfg.replace(epochs=epochs).to_dict(),
                "planned_epochs": epochs, "epoch": epoch + 1, "step": step,
                "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "schedule": sched.state_dict(), "scaler": scaler.state_dict(),
                "rng": rng_state(), "history": history.to_dict(),
            })
    if world > 1:
        _check_synchronized(model, log)
    return FitResult(model, history, step, steps_per_epoch, sched, world, str(device), cfg.batch_size, cfg)


def _diverged(epoch, step, lr, checkpoint, history, rank):
    kept = (f"The last good checkpoint ({checkpoint}, after epoch {history.epoch[-1]}) is kept; "
            f"resume from it with a lower learning rate (--resume --lr ...)."
            if checkpoint is not None and history.epoch else
            "No checkpoint was written by this run (none yet or none asked for).")
    raise TrainingDiverged(f"training stopped in epoch {epoch + 1} at step {step:,}: the loss is NaN or "
                           f"infinite (learning rate {lr:g}). The weights are no longer usable and were not "
                           f"saved. {kept} Typical causes: too high a learning rate, or a deep plain "
                           f"network without warm-up.")


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


def train(model: str, data: str = "fashion_mnist", config: TrainConfig | dict | None = None, *,
          device=None, root="data", download: bool = True, model_options: dict | None = None,
          **fit_kwargs) -> FitResult:
    """Build ``model`` (a registry name) for the data set ``data`` and :func:`fit` it with ``config``.

    ``data`` is "cifar10", "fashion_mnist" or "digits". The model gets the data set's channels and
    classes (``in_channels=1`` for the grey sets). ``config.seed`` fixes the initial weights, the
    data order and the augmentation. Other keywords go to :func:`fit` (``checkpoint``, ``resume``,
    ``extend``, ``until_epoch``, ``progress``, ..., or fields of the config). Started under
    ``torchrun``, it joins the process group first (one process per GPU) and leaves it at the end.
    """
    from . import data as datasets
    from .models import get_model, model_info
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
        options = {"in_channels": train_set.channels, **(model_options or {})}
        seed_everything(cfg.seed)
        net = get_model(name, num_classes=train_set.num_classes, **options)
        return fit(net, train_set, test_set, cfg, model_name=name,
                   model_options={"num_classes": train_set.num_classes, **options}, **fit_kwargs)
    finally:
        if created and dist.is_initialized():
            dist.destroy_process_group()


# -----------------------------------------------------------------------------
# Results file for the GPU runs (the chapter plots it beside the paper's Table 6)

def append_result(path, model_name: str, data: str, run: FitResult, **extra) -> dict:
    """Append one finished run's numbers (measured, never estimated) to a JSON results file.

    Records the GPU's name (or "cpu"), torch version, budget, wall time (sum of the epochs' times,
    across resumed sessions) and the final training and test errors, with the per-epoch history.
    """
    import datetime
    import json

    device = torch.device(run.device)
    h = run.history
    entry = {
        "model": model_name, "data": data,
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "processes": run.world_size, "torch": str(torch.__version__),
        "epochs": h.epoch[-1] if h.epoch else 0, "iterations": run.steps, "batch_size": run.batch_size,
        "schedule": run.schedule.describe(), "wall_s": round(sum(h.seconds), 1),
        "final_train_error": round(h.train_error[-1], 2), "final_test_error": round(h.test_error[-1], 2),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
        **extra,
        "history": {k: [round(v, 4) for v in vals] for k, vals in h.to_dict().items()},
    }
    path = Path(path)
    results = json.loads(path.read_text()) if path.is_file() else {"runs": []}
    results["runs"].append(entry)
    atomic_write(path, lambda f: json.dump(results, f, indent=1), binary=False)
    return entry
