"""Pascal VOC: the classes, the segmentation palette and readers for the VOC2012 layout.

The layout (the same for the full download and for the samples shipped in
``lecturelib/data/VOCdevkit``)::

    VOCdevkit/VOC2012/
        Annotations/<id>.xml              one XML file per image: size, objects, boxes
        ImageSets/Main/{train,val,trainval}.txt        ids for classification/detection
        ImageSets/Main/<class>_{train,val}.txt         "<id>  1|-1|0" presence per class
        ImageSets/Segmentation/{train,val,trainval}.txt
        ImageSets/Action/..., ImageSets/Layout/...     (action and person-layout tasks)
        JPEGImages/<id>.jpg
        SegmentationClass/<id>.png        palette PNG, value = class index, 255 = void
        SegmentationObject/<id>.png       palette PNG, value = object number, 255 = void

API (all plain numpy / Python):

* ``VOC_CLASSES``: the 21 segmentation labels, ``VOC_CLASSES[k]`` is the name of
  mask value ``k`` (``0`` is ``"background"``); ``VOC_OBJECT_CLASSES``: the 20
  object classes; ``VOC_GROUPS``: the four groups; ``VOC_ACTIONS``: 10 actions +
  ``"other"``; ``VOID = 255``.
* ``voc_palette(n=256) -> (n, 3) uint8``: the colour of each label index.
* ``mask_to_rgb(mask) -> (H, W, 3) uint8``: a label mask in the VOC colours.
* ``find_voc_root(path)``: accepts ``VOCdevkit``, ``VOCdevkit/VOC2012`` or a
  folder holding ``VOCdevkit``; returns the folder that holds ``JPEGImages``.
* ``read_split(root, task, split) -> list[str]``: image ids of
  ``ImageSets/<task>/<split>.txt`` (task ``"Main"``, ``"Segmentation"``, ...).
* ``read_annotation(path) -> dict``: one XML file (parsed with defusedxml).
* ``read_label_png(path, max_label=20) -> (H, W) uint8``: a palette PNG's indices.
* ``read_image(path) -> (H, W, 3) uint8``.
* ``load_segmentation(root, split="train", kind="class")``: every image and its
  mask of a Segmentation split as two lists (or stacked arrays with
  ``stack=True`` when all images have one size).
* ``load_detection(root, split="train")``: a list of annotation dicts with the
  image path.

Every reader raises :class:`~lecturelib.datasets.errors.DatasetFormatError`
(a ``ValueError``) naming the file and the problem.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PIL import Image

from .errors import (MAX_ANNOTATION_BYTES, MAX_IMAGE_BYTES, DatasetFormatError, check_inside,
                     check_regular_file, read_bytes)

# --------------------------------------------------------------------- the classes

VOC_OBJECT_CLASSES = (
    "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
    "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa",
    "train", "tvmonitor",
)
"""The twenty object classes, in the (alphabetical) order of the VOC devkit."""

VOC_CLASSES = ("background",) + VOC_OBJECT_CLASSES
"""The 21 labels of a SegmentationClass mask: ``VOC_CLASSES[k]`` names mask value ``k``."""

VOID = 255
"""The label of the 'void' pixels: object borders and unlabelled regions, ignored in scoring."""

VOC_GROUPS = {
    "person": ("person",),
    "animal": ("bird", "cat", "cow", "dog", "horse", "sheep"),
    "vehicle": ("aeroplane", "bicycle", "boat", "bus", "car", "motorbike", "train"),
    "indoor": ("bottle", "chair", "diningtable", "pottedplant", "sofa", "tvmonitor"),
}
"""The four groups the twenty classes fall into."""

VOC_DISPLAY_NAMES = {"diningtable": "dining table", "pottedplant": "potted plant",
                     "tvmonitor": "tv/monitor", "motorbike": "motorbike"}

VOC_ACTIONS = ("jumping", "phoning", "playinginstrument", "reading", "ridingbike", "ridinghorse",
               "running", "takingphoto", "usingcomputer", "walking", "other")
"""The action-classification labels of VOC2012: ten actions plus 'other'."""

VOC_POSES = ("Unspecified", "Frontal", "Rear", "Left", "Right")
"""The values of an object's <pose> field."""


# --------------------------------------------------------------------- the palette

def voc_palette(n: int = 256) -> np.ndarray:
    """The VOC colour map: ``(n, 3)`` uint8, row ``k`` is the colour of label ``k``.

    The colour of label ``k`` spreads the bits of ``k`` over the three channels,
    most significant colour bit first: bit ``3j`` of ``k`` goes to bit ``7 - j`` of
    red, bit ``3j + 1`` to bit ``7 - j`` of green and bit ``3j + 2`` to bit
    ``7 - j`` of blue. So label 1 (aeroplane) is (128, 0, 0), 2 (bicycle) is
    (0, 128, 0), 15 (person) is (192, 128, 128) and 255 (void) is (224, 224, 192).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= 256:
        raise ValueError(f"n: expected an int in [1, 256], got {n!r}")
    k = np.arange(n)
    rgb = np.zeros((n, 3), dtype=np.int64)
    for j in range(8):
        for c in range(3):
            rgb[:, c] |= ((k >> (3 * j + c)) & 1) << (7 - j)
    return rgb.astype(np.uint8)


def as_label_array(name: str, value, ndim: int, low: int | None = 0, high: int | None = 255) -> np.ndarray:
    """``value`` as an int64 array of ``ndim`` dimensions whose entries are whole numbers in
    ``[low, high]`` (``None``: unbounded); bools count as 0/1, floats only when whole.
    Raises ValueError or TypeError naming ``name``."""
    try:
        a = np.asarray(value.detach().cpu() if hasattr(value, "detach") else value)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name}: expected an array of integer labels, got {type(value).__name__} ({err})") from None
    if a.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array, got shape {a.shape}")
    if a.dtype.kind == "f" and np.all(np.isfinite(a)) and np.all(a == np.round(a)):
        a = a.astype(np.int64)
    if a.dtype.kind not in "iub":
        raise TypeError(f"{name}: expected integer labels, got dtype {a.dtype}")
    a = a.astype(np.int64)
    if a.size and ((low is not None and a.min() < low) or (high is not None and a.max() > high)):
        raise ValueError(f"{name}: expected labels in [{low}, {high}], got range [{a.min()}, {a.max()}]")
    return a


def mask_to_rgb(mask) -> np.ndarray:
    """Colour a label mask ``(H, W)`` of ints in [0, 255] with the VOC palette -> ``(H, W, 3)`` uint8."""
    return voc_palette()[as_label_array("mask", mask, 2)]


def save_label_png(path, mask) -> None:
    """Write a label mask ``(H, W)`` (ints in [0, 255]) as a palette PNG in the VOC colours."""
    m = as_label_array("mask", mask, 2)
    img = Image.fromarray(m.astype(np.uint8), mode="P")
    img.putpalette(voc_palette().reshape(-1).tolist())
    img.save(path, optimize=True)


# --------------------------------------------------------------------- the layout

def find_voc_root(path) -> Path:
    """The folder that holds ``JPEGImages`` and ``Annotations``.

    ``path`` may be that folder itself (``.../VOCdevkit/VOC2012``), ``VOCdevkit``,
    or a folder holding ``VOCdevkit``. Raises ``FileNotFoundError`` otherwise.
    """
    path = Path(path)
    for cand in (path, path / "VOC2012", path / "VOCdevkit" / "VOC2012"):
        if (cand / "JPEGImages").is_dir():
            return cand
    raise FileNotFoundError(f"{path}: no VOC layout here (looked for JPEGImages/ in {path}, "
                            f"{path / 'VOC2012'} and {path / 'VOCdevkit' / 'VOC2012'})")


def _plain(name: str, value) -> str:
    """``value`` if it is a plain name (no folder part, no '..'); else ValueError naming ``name``."""
    if (not isinstance(value, str) or not value or value in (".", "..") or "/" in value or "\\" in value
            or "\0" in value or ":" in value):
        raise ValueError(f"{name}: expected a plain name (no folder part, no '..'), got {value!r}")
    return value


def _read_lines(path, what):
    data = read_bytes(path, what, MAX_ANNOTATION_BYTES)
    try:
        return data.decode("utf-8").splitlines()
    except UnicodeDecodeError as err:
        raise DatasetFormatError(path, f"{what} is not UTF-8 text ({err})") from None


def read_split(root, task: str = "Segmentation", split: str = "train") -> list[str]:
    """Image ids listed in ``ImageSets/<task>/<split>.txt`` (first column of each line)."""
    root = find_voc_root(root)
    _plain("task", task)
    _plain("split", split)
    path = root / "ImageSets" / task / f"{split}.txt"
    if not path.exists():
        raise DatasetFormatError(path, f"split file missing (task {task!r}, split {split!r})")
    ids = []
    for n, line in enumerate(_read_lines(path, "split file"), 1):
        parts = line.split()
        if not parts:
            continue
        ident = parts[0]
        if "/" in ident or "\\" in ident or ident in (".", "..") or "\0" in ident:
            raise DatasetFormatError(path, f"line {n}: {ident!r} is not an image id")
        ids.append(ident)
    return ids


def read_class_split(root, cls: str, split: str = "train") -> dict[str, int]:
    """``ImageSets/Main/<cls>_<split>.txt`` as ``{id: label}``: 1 present, -1 absent, 0 only difficult."""
    root = find_voc_root(root)
    _plain("cls", cls)
    _plain("split", split)
    path = root / "ImageSets" / "Main" / f"{cls}_{split}.txt"
    if not path.exists():
        raise DatasetFormatError(path, f"class split file missing (class {cls!r}, split {split!r})")
    out = {}
    for n, line in enumerate(_read_lines(path, "class split file"), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 2 or parts[1] not in ("1", "-1", "0"):
            raise DatasetFormatError(path, f"line {n}: expected '<id> 1|-1|0', got {line!r}")
        out[parts[0]] = int(parts[1])
    return out


# --------------------------------------------------------------------- annotations (XML)

def _one(path, node, tag, where):
    """The single child ``<tag>`` of ``node`` (None if absent); a second one is an error, not ignored."""
    found = node.findall(tag)
    if len(found) > 1:
        raise DatasetFormatError(path, f"{where}: {len(found)} <{tag}> elements, expected one")
    return found[0] if found else None


_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
"""A decimal number as VOC writes it: ASCII digits, no underscores, no 'inf' or 'nan'."""


def _text(path, node, tag, where, required=True, default=None):
    child = _one(path, node, tag, where)
    if child is None or child.text is None or not child.text.strip():
        if required:
            raise DatasetFormatError(path, f"{where}: missing <{tag}>")
        return default
    return child.text.strip()


def _number(path, node, tag, where, kind=float, required=True, default=None):
    raw = _text(path, node, tag, where, required, None)
    if raw is None:
        return default
    if raw.strip("+-").lower() in ("nan", "inf", "infinity"):
        raise DatasetFormatError(path, f"{where}: <{tag}> is {raw!r}, not a finite number")
    if not _NUMBER.fullmatch(raw):
        raise DatasetFormatError(path, f"{where}: <{tag}> is {raw!r}, not a number (plain decimal digits expected)")
    value = float(raw)
    if not np.isfinite(value):
        raise DatasetFormatError(path, f"{where}: <{tag}> is {raw!r}, not a finite number")
    if kind is int:
        if value != int(value):
            raise DatasetFormatError(path, f"{where}: <{tag}> is {raw!r}, not a whole number")
        return int(value)
    return value


def _flag(path, node, tag, where):
    value = _number(path, node, tag, where, int, required=False, default=0)
    if value not in (0, 1):
        raise DatasetFormatError(path, f"{where}: <{tag}> is {value}, expected 0 or 1")
    return value


def _box(path, node, where, width, height):
    bb = _one(path, node, "bndbox", where)
    if bb is None:
        raise DatasetFormatError(path, f"{where}: missing <bndbox>")
    xmin, ymin, xmax, ymax = (_number(path, bb, t, where) for t in ("xmin", "ymin", "xmax", "ymax"))
    if xmax < xmin:
        raise DatasetFormatError(path, f"{where}: xmax ({xmax:g}) < xmin ({xmin:g})")
    if ymax < ymin:
        raise DatasetFormatError(path, f"{where}: ymax ({ymax:g}) < ymin ({ymin:g})")
    # VOC corners are 1-based pixel indices: 1 <= x <= width. A few real boxes reach 0 or
    # width + 1 by one pixel; allow that slack, refuse anything further out.
    if xmin < 0 or ymin < 0 or xmax > width + 1 or ymax > height + 1:
        raise DatasetFormatError(path, f"{where}: box ({xmin:g}, {ymin:g}, {xmax:g}, {ymax:g}) lies outside "
                                       f"the {width}x{height} image (1-based corners 1..{width}, 1..{height})")
    as_int = all(float(v).is_integer() for v in (xmin, ymin, xmax, ymax))
    conv = int if as_int else float
    return tuple(conv(v) for v in (xmin, ymin, xmax, ymax))


def parse_annotation(data: bytes, path="<annotation>", check_names: bool = True) -> dict:
    """Parse the bytes of one VOC XML annotation; see :func:`read_annotation`."""
    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException
    from xml.etree.ElementTree import ParseError

    try:
        root = DET.fromstring(data)
    except DefusedXmlException as err:
        raise DatasetFormatError(path, f"refused unsafe XML ({type(err).__name__}: entity or DTD "
                                       f"declarations are not allowed in an annotation)") from None
    except ParseError as err:
        raise DatasetFormatError(path, f"malformed XML ({err})") from None
    except (ValueError, UnicodeError) as err:
        raise DatasetFormatError(path, f"malformed XML ({err})") from None
    if root.tag != "annotation":
        raise DatasetFormatError(path, f"root element is <{root.tag}>, expected <annotation>")
    size = _one(path, root, "size", "<annotation>")
    if size is None:
        raise DatasetFormatError(path, "missing <size>")
    width = _number(path, size, "width", "<size>", int)
    height = _number(path, size, "height", "<size>", int)
    depth = _number(path, size, "depth", "<size>", int, required=False, default=3)
    if width <= 0 or height <= 0:
        raise DatasetFormatError(path, f"<size>: width and height must be positive, got {width}x{height}")
    if depth not in (1, 3):
        raise DatasetFormatError(path, f"<size>: depth must be 1 (grey) or 3 (colour), got {depth}")
    filename = _text(path, root, "filename", "<annotation>")
    try:
        _plain("filename", filename)
    except ValueError:
        raise DatasetFormatError(path, f"<filename> {filename!r} is not a plain file name (a folder part, "
                                       f"'..' or an absolute path would reach outside JPEGImages/)") from None
    record = {
        "filename": filename,
        "folder": _text(path, root, "folder", "<annotation>", required=False, default=""),
        "width": width, "height": height, "depth": depth,
        "segmented": _flag(path, root, "segmented", "<annotation>"),
        "objects": [],
    }
    for i, obj in enumerate(root.findall("object"), 1):
        where = f"object {i}"
        name = _text(path, obj, "name", where)
        if check_names and name not in VOC_OBJECT_CLASSES:
            raise DatasetFormatError(path, f"{where}: unknown class {name!r} (expected one of the 20 VOC classes)")
        entry = {
            "name": name,
            "pose": _text(path, obj, "pose", where, required=False, default="Unspecified"),
            "truncated": _flag(path, obj, "truncated", where),
            "difficult": _flag(path, obj, "difficult", where),
            "occluded": _flag(path, obj, "occluded", where),
        }
        # Action-task objects may carry a <point> instead of a box; all others have a box.
        if _one(path, obj, "bndbox", where) is not None or _one(path, obj, "point", where) is None:
            entry["bbox"] = _box(path, obj, where, width, height)
        parts = []
        for j, part in enumerate(obj.findall("part"), 1):
            pwhere = f"{where}, part {j}"
            parts.append({"name": _text(path, part, "name", pwhere),
                          "bbox": _box(path, part, pwhere, width, height)})
        if parts:
            entry["parts"] = parts
        actions = _one(path, obj, "actions", where)
        if actions is not None:
            entry["actions"] = {a.tag: _flag(path, actions, a.tag, f"{where}, <actions>") for a in actions}
        record["objects"].append(entry)
    return record


def read_annotation(path, check_names: bool = True) -> dict:
    """Read one VOC XML annotation file.

    Returns ``{"filename", "folder", "width", "height", "depth", "segmented",
    "objects"}``; each object is ``{"name", "pose", "truncated", "difficult",
    "occluded", "bbox"}`` (plus ``"parts"`` for person layout and ``"actions"``
    for the action task). ``bbox`` is ``(xmin, ymin, xmax, ymax)`` in VOC's
    1-based, inclusive pixel corners: the top-left pixel of the image is (1, 1).
    ``pose`` defaults to ``"Unspecified"`` and the flags to 0 when absent.

    The file is parsed with defusedxml, so entity bombs and external entities are
    refused. Missing fields, non-numbers, ``xmax < xmin``, a box outside the image
    and an unknown class name (with ``check_names``) raise ``DatasetFormatError``.
    """
    path = Path(path)
    return parse_annotation(read_bytes(path, "annotation file", MAX_ANNOTATION_BYTES), path, check_names)


# --------------------------------------------------------------------- pixels

def read_image(path) -> np.ndarray:
    """An image file as ``(H, W, 3)`` uint8 RGB."""
    path = check_regular_file(path, "image file", MAX_IMAGE_BYTES)
    try:
        with Image.open(path) as img:
            return np.asarray(img.convert("RGB"))
    except (OSError, ValueError, Image.DecompressionBombError) as err:
        raise DatasetFormatError(path, f"not a readable image ({err})") from None


def read_label_png(path, max_label: int | None = 20) -> np.ndarray:
    """The indices of a palette PNG (SegmentationClass or SegmentationObject) as ``(H, W)`` uint8.

    Values must be ``<= max_label`` or ``VOID`` (255); ``max_label=None`` skips the
    check (SegmentationObject masks count objects, so their maximum varies).
    Raises ``DatasetFormatError`` for a missing file, a non-palette PNG, or
    out-of-range indices (naming the bad values and how many pixels carry them).
    """
    path = check_regular_file(path, "mask file", MAX_IMAGE_BYTES)
    try:
        with Image.open(path) as img:
            if img.format != "PNG":
                raise DatasetFormatError(path, f"expected a PNG, got a {img.format} file")
            mode = img.mode
            if mode not in ("P", "L"):
                raise DatasetFormatError(path, f"expected a palette ('P') PNG of label indices, got mode {mode!r}")
            palette = img.getpalette() if mode == "P" else None
            mask = np.array(img)
    except DatasetFormatError:
        raise
    except (OSError, ValueError, Image.DecompressionBombError) as err:
        raise DatasetFormatError(path, f"not a readable PNG ({err})") from None
    if palette is not None:
        _check_palette(path, mask, palette)
    if max_label is not None:
        bad = (mask > max_label) & (mask != VOID)
        if bad.any():
            values = np.unique(mask[bad])
            raise DatasetFormatError(path, f"{int(bad.sum())} pixels carry indices {values[:10].tolist()} outside "
                                           f"0..{max_label} and {VOID} (void)")
    return mask


def _check_palette(path, mask, palette):
    """Every index the mask uses must have its VOC colour: another palette means the indices
    were written by a tool with other labels (or the PNG is a picture, not a mask)."""
    pal = np.asarray(palette, dtype=np.int64).reshape(-1, 3)
    used = np.unique(mask)
    ref = voc_palette().astype(np.int64)
    missing = used[used >= len(pal)]
    if missing.size:
        raise DatasetFormatError(path, f"the palette has {len(pal)} colours but the mask uses index "
                                       f"{int(missing[0])}; not a VOC label PNG")
    wrong = [int(k) for k in used if not np.array_equal(pal[k], ref[k])]
    if wrong:
        k = wrong[0]
        raise DatasetFormatError(path, f"not the VOC palette: index {k} is coloured {tuple(pal[k].tolist())}, "
                                       f"VOC's colour is {tuple(ref[k].tolist())} ({len(wrong)} indices differ)")


# --------------------------------------------------------------------- whole splits

def load_segmentation(root, split: str = "train", kind: str = "class", stack: bool = False):
    """Images and masks of ``ImageSets/Segmentation/<split>.txt``.

    Args:
        root: the VOC folder (see :func:`find_voc_root`).
        split: ``"train"``, ``"val"`` or ``"trainval"``.
        kind: ``"class"`` (SegmentationClass: class index per pixel, 255 void) or
            ``"object"`` (SegmentationObject: object number per pixel, 255 void).
        stack: return ``(N, H, W, 3)`` and ``(N, H, W)`` arrays (all images must share a size).

    Returns:
        ``(images, masks)``: lists of ``(H, W, 3)`` uint8 and ``(H, W)`` uint8, or stacked arrays.
    """
    if kind not in ("class", "object"):
        raise ValueError(f"kind: expected 'class' or 'object', got {kind!r}")
    root = find_voc_root(root)
    folder = root / ("SegmentationClass" if kind == "class" else "SegmentationObject")
    images, masks = [], []
    for ident in read_split(root, "Segmentation", split):
        img = read_image(check_inside(root / "JPEGImages" / f"{ident}.jpg", root / "JPEGImages", "image"))
        mask = read_label_png(check_inside(folder / f"{ident}.png", folder, "mask"), 20 if kind == "class" else None)
        if mask.shape != img.shape[:2]:
            raise DatasetFormatError(folder / f"{ident}.png", f"mask is {mask.shape[1]}x{mask.shape[0]} but its "
                                                              f"image is {img.shape[1]}x{img.shape[0]}")
        images.append(img)
        masks.append(mask)
    if stack:
        shapes = {m.shape for m in masks}
        if len(shapes) > 1:
            raise ValueError(f"stack=True needs images of one size; split {split!r} has sizes {sorted(shapes)}")
        if not images:
            return np.zeros((0, 0, 0, 3), np.uint8), np.zeros((0, 0, 0), np.uint8)
        return np.stack(images), np.stack(masks)
    return images, masks


def load_detection(root, split: str = "train", task: str = "Main") -> list[dict]:
    """The annotations of ``ImageSets/<task>/<split>.txt``, each with ``"id"`` and ``"image_path"`` added.

    Checks that every image file exists, without decoding the pixels. Annotations and
    images must lie inside ``Annotations/`` and ``JPEGImages/`` (a file that is a link to
    elsewhere is refused; the folders themselves may be links).
    """
    root = find_voc_root(root)
    out = []
    for ident in read_split(root, task, split):
        record = read_annotation(check_inside(root / "Annotations" / f"{ident}.xml", root / "Annotations",
                                              "annotation"))
        image_path = root / "JPEGImages" / record["filename"]
        if image_path.exists():
            check_inside(image_path, root / "JPEGImages", "image")
        if not image_path.is_file():
            raise DatasetFormatError(root / "Annotations" / f"{ident}.xml",
                                     f"its image {record['filename']!r} is missing from JPEGImages/")
        record["id"] = ident
        record["image_path"] = image_path
        out.append(record)
    return out


def layout_tree(root, max_files: int = 2, max_depth: int = 4) -> str:
    """A text picture of a folder tree (any layout): each folder with its first ``max_files``
    files and the number of the rest."""
    root = Path(root)
    for name, v in (("max_files", max_files), ("max_depth", max_depth)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 0 <= v <= 64:
            raise ValueError(f"{name}: expected an integer in [0, 64], got {v!r}")
    lines = [f"{root.name}/"]

    def walk(folder, prefix, depth):
        entries = sorted(folder.iterdir())
        dirs = [e for e in entries if e.is_dir()]
        files = [e for e in entries if e.is_file()]
        shown = files[:max_files]
        items = [(d.name + "/", d) for d in dirs] + [(f.name, None) for f in shown]
        if len(files) > max_files:
            items.append((f"... ({len(files) - max_files} more files)", None))
        for i, (name, d) in enumerate(items):
            last = i == len(items) - 1
            lines.append(f"{prefix}{'└── ' if last else '├── '}{name}")
            if d is not None and depth < max_depth and not d.is_symlink():   # a linked folder may loop
                walk(d, prefix + ("    " if last else "│   "), depth + 1)

    walk(root, "", 1)
    return "\n".join(lines)
