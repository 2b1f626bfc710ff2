"""Measured results: the files stored with the package, and the one writer of results files.

The stored files (``load``) let a notebook opened alone (e.g. on Colab) find the training
chapter's runs. Each was written by ``python -m cnncourse experiment``
(:mod:`cnncourse.experiments`) and names the machine, torch version and command that produced
it; nothing here is estimated or typed by hand.

A results file is a JSON object ``{"runs": [...], ...}``. :func:`add_run` appends one run to it
under a lock, re-reading the file first, so two processes writing the same file both keep their
runs; :func:`run_entry` is the part of an entry every finished run has (final errors, history).
Both ``train --results`` (:func:`cnncourse.train.append_result`) and
:func:`cnncourse.experiments.run_experiment` write through them.
"""
from __future__ import annotations

import datetime
import json
from importlib import resources
from pathlib import Path

from ..utils import ParamError, atomic_write, check_writable, locked


class ResultsFileError(ParamError, ValueError):
    """A results file that cannot be read or written: it names the file and the cause."""


def path(name: str) -> Path:
    """The path of the stored results file ``name`` (``"fashion_mnist_compare"`` or with ``.json``)."""
    filename = name if name.endswith(".json") else f"{name}.json"
    file = resources.files(__name__) / filename
    if not file.is_file():
        known = sorted(p.name for p in resources.files(__name__).iterdir() if p.name.endswith(".json"))
        raise FileNotFoundError(f"no stored results {filename!r}; stored: {', '.join(known) or 'none'}")
    return Path(str(file))


def load(name: str) -> dict:
    """The stored results file ``name`` as a dict (``{"machine": ..., "command": ..., "runs": [...]}``)."""
    return json.loads(path(name).read_text(encoding="utf-8"))


def read(file) -> dict:
    """The results file ``file`` (``{"runs": []}`` when it does not exist yet); anything that is
    not a JSON object with a list of runs is refused, naming the file and what is wrong."""
    file = Path(file)
    if not file.exists():
        return {"runs": []}

    def refuse(cause):
        return ResultsFileError("the results file {file} {cause}; give another file, or move this "
                                "one away", file=file, cause=cause)

    if file.is_dir():
        raise refuse("is a folder, not a JSON file")
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise refuse(f"is not valid JSON ({exc.msg} at line {exc.lineno}, "
                     f"column {exc.colno})") from exc
    except (UnicodeDecodeError, RecursionError, OSError) as exc:
        raise refuse(f"cannot be read ({type(exc).__name__}: {exc})") from exc
    if not isinstance(doc, dict):
        raise refuse(f"holds a JSON {type(doc).__name__}, not an object with a list of runs")
    doc.setdefault("runs", [])
    if not isinstance(doc["runs"], list) or not all(isinstance(r, dict) for r in doc["runs"]):
        raise refuse("has a 'runs' entry that is not a list of objects")
    return doc


def check(file) -> dict:
    """Before training: ``file`` must be readable as a results file and writable; returns it."""
    doc = read(file)
    check_writable(file, "results file")
    return doc


def add_run(file, entry: dict, *, same=None, **fields) -> bool:
    """Append ``entry`` to the results file ``file`` atomically, and set its top-level ``fields``.

    Under a lock the file is read again and the entry appended to what is there now, so runs that
    another process wrote meanwhile are kept. ``same(run)``, if given, says that a stored run is
    this one already: then nothing is written and False returned.
    """
    with locked(file):
        doc = read(file)
        if same is not None and any(same(r) for r in doc["runs"]):
            return False
        doc.update(fields)
        doc["runs"].append(entry)
        atomic_write(file, lambda f: json.dump(doc, f, indent=1), binary=False)
    return True


def run_entry(run) -> dict:
    """The numbers of a finished run (a :class:`cnncourse.train.FitResult`), measured, never
    estimated: final training and test error, iterations, wall time (the sum of the epochs' times,
    across resumed sessions), the date and the per-epoch history."""
    h = run.history
    return {"final_train_error": round(h.train_error[-1], 2),
            "final_test_error": round(h.test_error[-1], 2), "iterations": run.steps,
            "wall_s": round(sum(h.seconds), 1), "date": today(),
            "history": {k: [round(v, 4) for v in vals] for k, vals in h.to_dict().items()}}


def today() -> str:
    """The date (UTC) a results entry records."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
