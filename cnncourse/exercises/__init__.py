"""The book's two assignments (과제): checkers, hand-out, hand-in and class grading.

- :mod:`cnncourse.exercises.googlenet` — assignment 1, annotate GoogLeNet (GoogleNet 주석 달기);
  the hand-out is :mod:`cnncourse.exercises.googlenet_handout`
- :mod:`cnncourse.exercises.resnet` — assignment 2, review the ResNet paper (ResNet 논문 review)
- :mod:`cnncourse.exercises.grading` — ``python -m cnncourse grade``: a class's files, one CSV
  row each, feedback files in English or Korean

Each checker has ``template()`` (the blank answer dict), ``check(answers, lang=...)`` (a
:class:`Report`: ✓/✗ per item with a hint that never gives the answer, the parts' points),
``save(...)`` (the file to hand in) and ``solution(...)``, which shows worked solutions once the
teacher has released them with the assignment's key (``release(KEY)``). The questions are data
(``questions/*.json``, English and Korean); answers that cannot be computed are sealed there.
"""
from ._report import ItemResult, Report

__all__ = ["Report", "ItemResult"]
