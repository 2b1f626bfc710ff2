"""Architecture figures drawn from the models' own configuration (see ``_draw`` for the primitives).

One module per chapter (``review``, ``googlenet``, ``resnet``, ``summary``); each public function
returns a matplotlib figure whose numbers (channels, kernel sizes, output shapes) are read from
``cnncourse.models`` or traced with :func:`cnncourse.analysis.probe`, and
``tests/test_diagrams_<chapter>.py`` compares the labels with the models.
"""
from ._draw import figure_texts  # noqa: F401
