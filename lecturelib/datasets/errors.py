"""The one error type the dataset readers raise for a bad file.

``DatasetFormatError`` is a ``ValueError`` whose message starts with the file
it concerns and then says what is wrong with it, e.g.
``Annotations/2012_000003.xml: object 2: xmax (40) < xmin (52)``.
Readers never return a partly-read record: a file is read completely or not at all.

The file helpers below are what every reader opens files with: only regular files
(a FIFO or a device, even behind a link, could block or never end), each under a
stated size limit, and, where a dataset folder is known, only files inside it.
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


# ------------------------------------------------------------------ opening files safely

MAX_ANNOTATION_BYTES = 64 << 20
"""The largest annotation file (XML, split list) a reader opens: 64 MiB (a real one is a few kB)."""
MAX_JSON_BYTES = 4 << 30
"""The largest COCO JSON a reader opens: 4 GiB (instances_train2017.json is about 450 MB)."""
MAX_IMAGE_BYTES = 256 << 20
"""The largest image or mask file a reader opens: 256 MiB."""


def check_regular_file(path, what: str = "file", max_bytes: int | None = None) -> Path:
    """``path`` as a ``Path`` if it is a regular file of at most ``max_bytes`` bytes.

    A link is followed, so a link to a device or a FIFO is refused too: such a file
    could block forever or never end. Raises ``DatasetFormatError`` naming the file.
    """
    import os
    import stat

    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise DatasetFormatError(path, f"{what} missing") from None
    except (OSError, ValueError) as err:
        raise DatasetFormatError(path, f"{what} cannot be opened ({err})") from None
    if not stat.S_ISREG(st.st_mode):
        raise DatasetFormatError(path, f"{what} is not a regular file (a folder, FIFO, device or socket); "
                                       f"refusing to read it")
    if max_bytes is not None and st.st_size > max_bytes:
        raise DatasetFormatError(path, f"{what} is {st.st_size} bytes, more than the limit of {max_bytes} bytes")
    return path


def read_bytes(path, what: str = "file", max_bytes: int = MAX_ANNOTATION_BYTES) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` bytes (see :func:`check_regular_file`)."""
    path = check_regular_file(path, what, max_bytes)
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as err:
        raise DatasetFormatError(path, f"{what} cannot be read ({err})") from None
    if len(data) > max_bytes:
        raise DatasetFormatError(path, f"{what} holds more than the limit of {max_bytes} bytes")
    return data


def check_inside(path, folder, what: str = "file") -> Path:
    """``path`` if, with links resolved, it lies inside ``folder`` (itself resolved, so the
    folder may be a link to elsewhere); otherwise ``DatasetFormatError``."""
    path, folder = Path(path), Path(folder)
    real, home = path.resolve(), folder.resolve()
    if home not in real.parents:
        raise DatasetFormatError(path, f"{what} resolves to {real}, outside its folder {home}; refusing to read it")
    return path
