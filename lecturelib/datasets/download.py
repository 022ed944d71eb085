"""Download the full Pascal VOC 2012 and COCO 2017 data sets, with checksums (for Colab users).

Never run by the book or the tests: the chapters use the shipped samples. Usage::

    from lecturelib.datasets import download
    voc_root = download.download("voc2012", "/content/data")        # ~2 GB
    coco_root = download.download("coco2017-val", "/content/data")  # val images + all annotations

Each archive is fetched to ``<name>.part``, its MD5 compared with the published one,
then renamed and unpacked (refusing members that would land outside the folder).
An archive already present with the right checksum is not fetched again. Without a
network the call fails with a message that says where to get the files by hand.
"""
from __future__ import annotations

import hashlib
import tarfile
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


def fetch(resource: Resource, folder, timeout: float = 30.0) -> Path:
    """Download one archive into ``folder`` and verify its checksum; returns its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / resource.filename
    if target.is_file() and md5sum(target) == resource.md5:
        return target
    part = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(resource.url, timeout=timeout) as response, open(part, "wb") as out:
            while True:
                block = response.read(1 << 20)
                if not block:
                    break
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
    dest = (folder / name).resolve()
    if folder.resolve() not in dest.parents and dest != folder.resolve():
        raise RuntimeError(f"archive member {name!r} would be written outside {folder}; refusing to unpack")
    return dest


def extract(archive, folder) -> None:
    """Unpack a .tar or .zip into ``folder``, refusing members that point outside it (or links)."""
    archive, folder = Path(archive), Path(folder)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            for name in z.namelist():
                _safe_target(folder, name)
            z.extractall(folder)
        return
    with tarfile.open(archive) as t:
        members = t.getmembers()
        for m in members:
            _safe_target(folder, m.name)
            if m.issym() or m.islnk():
                raise RuntimeError(f"archive member {m.name!r} is a link; refusing to unpack")
        if hasattr(tarfile, "data_filter"):      # Python >= 3.12 (and patched 3.8+): refuse unsafe members
            t.extractall(folder, members=members, filter="data")
        else:
            t.extractall(folder, members=members)


def download(name: str, root, timeout: float = 30.0) -> Path:
    """Fetch, verify and unpack data set ``name`` (``"voc2012"``, ``"coco2017-val"``, ``"coco2017-train"``)
    under ``root``; returns the folder the readers take (``VOCdevkit/VOC2012`` or ``coco2017``)."""
    if name not in RESOURCES:
        raise ValueError(f"name: expected one of {sorted(RESOURCES)}, got {name!r}")
    root = Path(root)
    dest = root if name == "voc2012" else root / "coco2017"
    for res in RESOURCES[name]:
        try:
            path = fetch(res, root / "archives", timeout)
        except RuntimeError as err:
            raise RuntimeError(f"{err}\nTo get {name} by hand: {MANUAL[name]}") from None
        extract(path, dest)
    return root / "VOCdevkit" / "VOC2012" if name == "voc2012" else dest
