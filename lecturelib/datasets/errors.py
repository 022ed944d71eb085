"""The one error type the dataset readers raise for a bad file.

``DatasetFormatError`` is a ``ValueError`` whose message starts with the file
it concerns and then says what is wrong with it, e.g.
``Annotations/2012_000003.xml: object 2: xmax (40) < xmin (52)``.
Readers never return a partly-read record: a file is read completely or not at all.
"""
from __future__ import annotations

from pathlib import Path


class DatasetFormatError(ValueError):
    """A dataset file is missing, malformed or inconsistent.

    Attributes:
        path: the file concerned (a ``Path``), or ``None``.
        problem: what is wrong, in words.
    """

    def __init__(self, path, problem: str):
        self.path = Path(path) if path is not None else None
        self.problem = problem
        where = f"{self.path}: " if self.path is not None else ""
        super().__init__(f"{where}{problem}")
