"""Measured results stored with the package, so a notebook opened alone (e.g. on Colab) finds them.

Each file was written by ``python -m cnncourse experiment`` (:mod:`cnncourse.experiments`) and
names the machine, torch version and command that produced it; nothing here is estimated or
typed by hand.
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path


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
