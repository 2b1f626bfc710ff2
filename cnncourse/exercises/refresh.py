"""Recompute the checkers' facts and write ``_facts_cache.py``: ``python -m cnncourse.exercises.refresh``.

Run it after changing a model file the checkers read (``cnncourse/models/googlenet.py``,
``resnet.py``, ``resnet_cifar.py``); until then the checkers compute their facts on first use
(correct, only slower). ``tests/test_exercises.py`` tells when the cache is out of date.
"""
from __future__ import annotations

from . import _facts, googlenet, resnet  # noqa: F401


def entries() -> dict:
    """Each cached fact set: (the model source modules it depends on, the function computing it)."""
    return {"googlenet": ([googlenet._source], googlenet.compute_facts),
            "resnet": (resnet.SOURCES, resnet.compute_facts)}


def main() -> None:
    path = _facts.write_cache(entries())
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
