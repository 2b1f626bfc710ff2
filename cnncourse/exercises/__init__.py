"""Checkers for the book's two assignments (과제), with feedback that never gives the answer away.

- :mod:`cnncourse.exercises.googlenet` — assignment 1, annotate GoogLeNet (GoogleNet 주석 달기)
- :mod:`cnncourse.exercises.resnet` — assignment 2, review the ResNet paper (ResNet 논문 review)

Each has ``template()`` (the blank answer dict) and ``check(answers)``, which returns a
:class:`Report`: a ✓/✗ table with a hint for every wrong item, printed when shown.
The correct answers are computed from the package's models when ``check`` runs.
"""
from ._report import ItemResult, Report

__all__ = ["Report", "ItemResult"]
