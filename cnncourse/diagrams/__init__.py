"""Architecture figures drawn from the models' own configuration (see ``_draw`` for the primitives).

One module per chapter; each public function returns a matplotlib figure whose numbers (channels,
kernel sizes, output shapes) are read from ``cnncourse.models``, and ``tests/test_diagrams.py``
compares the labels with the models.
"""
from ._draw import figure_texts  # noqa: F401
