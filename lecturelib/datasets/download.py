"""Download the full Pascal VOC 2012 and COCO 2017 data sets, with checksums (for Colab users).

Never run by the book or the tests: the chapters use the shipped samples. Usage::

    from lecturelib.datasets import download
    voc_root = download.download("voc2012", "/content/data")        # ~2 GB
    coco_root = download.download("coco2017-val", "/content/data")  # val images + all annotations

Each archive is fetched to ``<name>.part``, its MD5 compared with the published one,
then renamed and unpacked (refusing members that would land outside the folder).
An archive already present with the right checksum is not fetched again. Without a
network the call fails with a message that says where to get the files by hand.

Limits (each a keyword argument, each refused with a ``RuntimeError`` that names the
file and the limit): ``fetch`` gives up after ``deadline`` seconds in all (the
``timeout`` is per read) and after ``max_bytes`` bytes; ``extract`` refuses an archive
whose members add up to more than ``max_bytes`` or number more than ``max_files``,
before writing anything. Only regular files and folders are unpacked: links, devices
and FIFOs are refused, and so is a member that would land outside the folder.
"""
from __future__ import annotations

import hashlib
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Resource:
    url: str
    filename: str
    md5: str


RESOURCES = {
    "voc2012": [Resource("http://host.robots.ox.ac.uk/pascal/VOC/voc2012/VOCtrainval_11-May-2012.tar",
                         "VOCtrainval_11-May-2012.tar", "6cd6e144f989b92b3379bac3b3de84fd")],
    "coco2017-val": [
        Resource("http://images.cocodataset.org/zips/val2017.zip", "val2017.zip", "442b8da7639aecaf257c1dceb8ba8c80"),
        Resource("http://images.cocodataset.org/annotations/annotations_trainval2017.zip",
                 "annotations_trainval2017.zip", "f4bbac642086de4f52a3fdda2de5fa2c"),
        Resource("http://images.cocodataset.org/annotations/panoptic_annotations_trainval2017.zip",
                 "panoptic_annotations_trainval2017.zip", "4170db65fc022c9c296af880dbca6055")],
    "coco2017-train": [
        Resource("http://images.cocodataset.org/zips/train2017.zip", "train2017.zip",
                 "cced6f7f71b7629ddf16f17bbcfab6b2")],
}
"""The archives of each data set, with their published MD5 checksums."""

MANUAL = {
    "voc2012": "http://host.robots.ox.ac.uk/pascal/VOC/voc2012/ (VOCtrainval_11-May-2012.tar)",
    "coco2017-val": "https://cocodataset.org/#download (2017 Val images, 2017 Train/Val annotations, "
                    "2017 Panoptic Train/Val annotations)",
    "coco2017-train": "https://cocodataset.org/#download (2017 Train images)",
}


def md5sum(path, chunk: int = 1 << 20) -> str:
    """The MD5 hex digest of a file, read in chunks."""
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


GiB = 1 << 30
MAX_DOWNLOAD_BYTES = 64 * GiB
"""The default cap on one download (the largest archive, COCO's train images, is about 18 GiB)."""
MAX_EXTRACT_BYTES = 64 * GiB
"""The default cap on what one archive may expand to."""
MAX_EXTRACT_FILES = 500_000
"""The default cap on the number of members of one archive (COCO's train images: 118,287)."""


def _plain_name(name) -> str:
    """``name`` if it is a plain file name (no folder part, not ``.`` or ``..``), else ValueError."""
    if (not isinstance(name, str) or not name or name in (".", "..") or "/" in name or "\\" in name
            or "\0" in name or Path(name).is_absolute()):
        raise ValueError(f"resource.filename: expected a plain file name (no folder part, no '..'), got {name!r}")
    return name


def _positive(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name}: expected a positive number, got {value!r}")


def fetch(resource: Resource, folder, timeout: float = 30.0, deadline: float = 6 * 3600.0,
          max_bytes: int = MAX_DOWNLOAD_BYTES) -> Path:
    """Download one archive into ``folder`` and verify its checksum; returns its path.

    ``timeout`` (seconds) bounds each wait for data, ``deadline`` (seconds) the whole
    download, and ``max_bytes`` its size; past either the partial file is removed and a
    ``RuntimeError`` says which limit was reached. ``resource.filename`` must be a plain
    file name, so that nothing is written outside ``folder``.
    """
    _plain_name(resource.filename)
    for name, value in (("timeout", timeout), ("deadline", deadline), ("max_bytes", max_bytes)):
        _positive(name, value)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / resource.filename
    if target.is_file() and md5sum(target) == resource.md5:
        return target
    part = target.with_name(target.name + ".part")
    start = time.monotonic()
    try:
        with urllib.request.urlopen(resource.url, timeout=min(timeout, deadline)) as response, \
                open(part, "wb") as out:
            size = 0
            while True:
                left = deadline - (time.monotonic() - start)
                if left <= 0:
                    raise TimeoutError(f"the download took longer than deadline={deadline:g} s "
                                       f"({size} bytes received)")
                sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
                if sock is not None:                      # never wait past the deadline for one read
                    sock.settimeout(min(timeout, left))
                read1 = getattr(response, "read1", None)  # returns what has arrived, not a full block
                try:
                    block = read1(1 << 16) if read1 is not None else response.read(1 << 16)
                except TimeoutError:
                    if time.monotonic() - start >= deadline:
                        raise TimeoutError(f"the download took longer than deadline={deadline:g} s "
                                           f"({size} bytes received)") from None
                    raise
                if not block:
                    break
                size += len(block)
                if size > max_bytes:
                    raise OSError(f"the download exceeds max_bytes={max_bytes} bytes")
                out.write(block)
    except (urllib.error.URLError, OSError, ValueError) as err:
        part.unlink(missing_ok=True)
        raise RuntimeError(f"could not download {resource.url} ({err}). Without a network connection, fetch "
                           f"{resource.filename} by hand, put it in {folder} and call download() again; "
                           f"the chapters themselves run on the samples shipped in lecturelib/data.") from None
    got = md5sum(part)
    if got != resource.md5:
        part.unlink(missing_ok=True)
        raise RuntimeError(f"{resource.filename}: checksum mismatch (MD5 {got}, expected {resource.md5}); "
                           f"the download is corrupt or incomplete, try again")
    part.replace(target)
    return target


def _safe_target(folder: Path, name: str) -> Path:
    if "\0" in name:
        raise RuntimeError(f"archive member {name!r} has a NUL character in its name; refusing to unpack")
    dest = (folder / name).resolve()
    if folder.resolve() not in dest.parents and dest != folder.resolve():
        raise RuntimeError(f"archive member {name!r} would be written outside {folder}; refusing to unpack")
    return dest


def _count(archive, n_files, n_bytes, max_files, max_bytes):
    if n_files > max_files:
        raise RuntimeError(f"{archive}: more than max_files={max_files} members; refusing to unpack "
                           f"(raise max_files if the archive is trusted)")
    if n_bytes > max_bytes:
        raise RuntimeError(f"{archive}: its members add up to more than max_bytes={max_bytes} bytes; refusing "
                           f"to unpack (raise max_bytes if the archive is trusted)")


def _copy_capped(src, dest: Path, size: int, archive, name):
    """Copy exactly ``size`` bytes from ``src`` to ``dest`` (a member that gives more or less is refused)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    left = size
    with open(dest, "wb") as out:
        while True:
            block = src.read(min(1 << 20, left + 1))
            if not block:
                break
            left -= len(block)
            if left < 0:
                raise RuntimeError(f"{archive}: member {name!r} holds more than its declared {size} bytes")
            out.write(block)
    if left:
        raise RuntimeError(f"{archive}: member {name!r} holds fewer than its declared {size} bytes")


def extract(archive, folder, max_bytes: int = MAX_EXTRACT_BYTES, max_files: int = MAX_EXTRACT_FILES) -> None:
    """Unpack a .tar (plain, gzip, bzip2 or xz) or .zip into ``folder``.

    Every member is checked before anything is written: its path must stay inside
    ``folder``, it must be a regular file or a folder (links, devices and FIFOs are
    refused), and together the members may hold at most ``max_bytes`` bytes in at most
    ``max_files`` entries. Each file is then written with exactly its declared size.
    A file that is not a readable archive raises ``RuntimeError`` naming it.
    """
    _positive("max_bytes", max_bytes)
    _positive("max_files", max_files)
    archive, folder = Path(archive), Path(folder)
    if not archive.is_file():
        raise RuntimeError(f"{archive}: archive missing (or not a regular file)")
    if zipfile.is_zipfile(archive):
        try:
            with zipfile.ZipFile(archive) as z:
                infos, total = [], 0
                for info in z.infolist():
                    _safe_target(folder, info.filename)
                    kind = (info.external_attr >> 16) & 0o170000
                    if kind not in (0, 0o100000, 0o040000):      # unset, regular file, folder
                        raise RuntimeError(f"{archive}: member {info.filename!r} is not a regular file or "
                                           f"folder (a link or device); refusing to unpack")
                    infos.append(info)
                    total += info.file_size
                    _count(archive, len(infos), total, max_files, max_bytes)
                if not infos:
                    raise RuntimeError(f"{archive}: the archive holds no files")
                for info in infos:
                    dest = _safe_target(folder, info.filename)
                    if info.is_dir():
                        dest.mkdir(parents=True, exist_ok=True)
                        continue
                    with z.open(info) as src:
                        _copy_capped(src, dest, info.file_size, archive, info.filename)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as err:
            raise RuntimeError(f"{archive}: not a readable zip archive ({type(err).__name__}: {err})") from None
        return
    try:
        with tarfile.open(archive) as t:
            members, total = [], 0
            for m in t:                          # stops at the cap: a bomb of headers is not read to its end
                _safe_target(folder, m.name)
                if not (m.isreg() or m.isdir()):
                    what = "a link" if (m.issym() or m.islnk()) else "not a regular file or folder"
                    raise RuntimeError(f"{archive}: member {m.name!r} is {what}; refusing to unpack")
                members.append(m)
                total += m.size
                _count(archive, len(members), total, max_files, max_bytes)
            if not members:      # e.g. a gzip of zeros: tar reads a zero block as the end of the archive
                raise RuntimeError(f"{archive}: not a tar archive, or one that holds no files")
            for m in members:
                dest = _safe_target(folder, m.name)
                if m.isdir():
                    dest.mkdir(parents=True, exist_ok=True)
                    continue
                _copy_capped(t.extractfile(m), dest, m.size, archive, m.name)
    except (tarfile.TarError, EOFError, OSError) as err:
        raise RuntimeError(f"{archive}: not a readable tar or zip archive ({type(err).__name__}: {err})") from None


def download(name: str, root, timeout: float = 30.0, deadline: float = 6 * 3600.0) -> Path:
    """Fetch, verify and unpack data set ``name`` (``"voc2012"``, ``"coco2017-val"``, ``"coco2017-train"``)
    under ``root``; returns the folder the readers take (``VOCdevkit/VOC2012`` or ``coco2017``).
    ``timeout`` bounds each wait for data and ``deadline`` each archive's download (see :func:`fetch`)."""
    if name not in RESOURCES:
        raise ValueError(f"name: expected one of {sorted(RESOURCES)}, got {name!r}")
    root = Path(root)
    dest = root if name == "voc2012" else root / "coco2017"
    for res in RESOURCES[name]:
        try:
            path = fetch(res, root / "archives", timeout, deadline)
        except RuntimeError as err:
            raise RuntimeError(f"{err}\nTo get {name} by hand: {MANUAL[name]}") from None
        extract(path, dest)
    return root / "VOCdevkit" / "VOC2012" if name == "voc2012" else dest
