"""COCO 2017: categories, keypoints, and readers for the instances, keypoints, captions and panoptic files.

The layout (the same for the full download and for the samples shipped in
``lecturelib/data/coco2017``)::

    coco2017/
        train2017/<000000000001>.jpg   val2017/...
        annotations/instances_{train,val}2017.json        boxes, polygons / RLE masks, iscrowd
        annotations/person_keypoints_{train,val}2017.json 17 keypoints per person (x, y, v)
        annotations/captions_{train,val}2017.json         sentences per image
        annotations/panoptic_{train,val}2017.json         segments_info per image
        annotations/panoptic_{train,val}2017/<id>.png     segment id = R + 256 G + 256^2 B

API (plain Python / numpy; pycocotools does the RLE and polygon work):

* ``COCO_CATEGORIES``: the 80 categories used (``id``, ``name``, ``supercategory``);
  ``COCO_UNUSED``: the 11 of the 91 defined ids that carry no annotations;
  ``COCO_KEYPOINTS`` (17 names), ``COCO_SKELETON`` (19 limbs, 1-based);
  ``COCO_FIGURES``: the published counts quoted in the chapter.
* ``find_coco_root(path)``: the folder holding ``annotations/``.
* ``load_coco(json_path) -> dict``: a validated instances/keypoints/captions file as
  ``{"images": {id: image}, "annotations": [...], "categories": {id: cat},
  "by_image": {image_id: [ann, ...]}, "path": Path}``.
* ``load_instances(root, split)`` / ``load_keypoints`` / ``load_captions``: the same, by split.
* ``ann_to_rle(ann, height, width)`` and ``ann_to_mask(ann, height, width) -> (H, W) bool``.
* ``mask_to_rle(mask, compressed=False)``: COCO's RLE of a bool mask (column-major runs).
* ``rgb_to_panoptic_id(rgb) -> (H, W) int64`` and ``panoptic_id_to_rgb(ids)``.
* ``load_panoptic(root, split)`` and ``read_panoptic_png(record, png_folder) -> (H, W) int64``.
* ``annotation_task(ann) -> str``: which COCO task an annotation record belongs to.

Every reader raises :class:`~lecturelib.datasets.errors.DatasetFormatError`
naming the file and the problem: a malformed JSON, a missing field, an image or
category id that does not exist, a box outside its image, a keypoint array of
the wrong length, a PNG segment missing from ``segments_info``.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
from PIL import Image
from pycocotools import mask as cocomask

from .errors import (MAX_IMAGE_BYTES, MAX_JSON_BYTES, DatasetFormatError, check_inside, check_regular_file,
                     read_bytes)

MAX_PIXELS = 1 << 27
"""The largest image or mask (height x width) the readers accept: 134 million pixels (COCO's are
at most 640 x 640). Checked before pycocotools decodes anything: its decoder does not check sizes."""

COCO_KEYPOINTS = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
)
"""The 17 person keypoints, in the order of the ``keypoints`` arrays (x, y, v per keypoint)."""

COCO_SKELETON = (
    (16, 14), (14, 12), (17, 15), (15, 13), (12, 13), (6, 12), (7, 13), (6, 7), (6, 8), (7, 9),
    (8, 10), (9, 11), (2, 3), (1, 2), (1, 3), (2, 4), (3, 5), (4, 6), (5, 7),
)
"""The 19 limbs as pairs of 1-based keypoint numbers, as the person category's ``skeleton`` stores them."""

VISIBILITY = {0: "not labelled", 1: "labelled, not visible", 2: "labelled and visible"}
"""The meaning of a keypoint's visibility flag v."""

_CATS = """\
person:person:1 vehicle:bicycle:2 vehicle:car:3 vehicle:motorcycle:4 vehicle:airplane:5 vehicle:bus:6
vehicle:train:7 vehicle:truck:8 vehicle:boat:9 outdoor:traffic light:10 outdoor:fire hydrant:11
outdoor:stop sign:13 outdoor:parking meter:14 outdoor:bench:15 animal:bird:16 animal:cat:17 animal:dog:18
animal:horse:19 animal:sheep:20 animal:cow:21 animal:elephant:22 animal:bear:23 animal:zebra:24
animal:giraffe:25 accessory:backpack:27 accessory:umbrella:28 accessory:handbag:31 accessory:tie:32
accessory:suitcase:33 sports:frisbee:34 sports:skis:35 sports:snowboard:36 sports:sports ball:37
sports:kite:38 sports:baseball bat:39 sports:baseball glove:40 sports:skateboard:41 sports:surfboard:42
sports:tennis racket:43 kitchen:bottle:44 kitchen:wine glass:46 kitchen:cup:47 kitchen:fork:48
kitchen:knife:49 kitchen:spoon:50 kitchen:bowl:51 food:banana:52 food:apple:53 food:sandwich:54
food:orange:55 food:broccoli:56 food:carrot:57 food:hot dog:58 food:pizza:59 food:donut:60 food:cake:61
furniture:chair:62 furniture:couch:63 furniture:potted plant:64 furniture:bed:65 furniture:dining table:67
furniture:toilet:70 electronic:tv:72 electronic:laptop:73 electronic:mouse:74 electronic:remote:75
electronic:keyboard:76 electronic:cell phone:77 appliance:microwave:78 appliance:oven:79
appliance:toaster:80 appliance:sink:81 appliance:refrigerator:82 indoor:book:84 indoor:clock:85
indoor:vase:86 indoor:scissors:87 indoor:teddy bear:88 indoor:hair drier:89 indoor:toothbrush:90"""


def _parse_cats(text):
    import re
    out = []
    for sup, name, ident in re.findall(r"([a-z]+):([a-z ]+?):(\d+)", text.replace("\n", " ")):
        out.append({"supercategory": sup, "id": int(ident), "name": name})
    return tuple(out)


COCO_CATEGORIES = _parse_cats(_CATS)
"""The 80 object categories of COCO 2017 detection, with their (gappy) ids 1..90."""

COCO_UNUSED = {12: "street sign", 26: "hat", 29: "shoe", 30: "eye glasses", 45: "plate", 66: "mirror",
               68: "window", 69: "desk", 71: "door", 83: "blender", 91: "hair brush"}
"""The 11 categories defined in the COCO paper (ids up to 91) that have no annotations."""

COCO_FIGURES = {
    "train_val_images_2017": 123_287, "train_val_instances_2017": 886_284,
    "train_images_2017": 118_287, "val_images_2017": 5_000,
    "classes_defined": 91, "classes_used": 80,
    "panoptic_classes_defined": 200, "panoptic_classes_used": 133,
    "panoptic_things": 80, "panoptic_stuff": 53, "keypoints": 17, "skeleton_limbs": 19,
}
"""Published figures of COCO 2017 (from the dataset's site and the lecture notes)."""

COCO_TASKS = ("detection", "keypoints", "panoptic", "densepose", "captioning")


# --------------------------------------------------------------------- RLE and polygons

def _quiet(fn, *args):
    with warnings.catch_warnings():  # pycocotools warns about numpy 2's copy keyword
        warnings.simplefilter("ignore", DeprecationWarning)
        return fn(*args)


def mask_to_rle(mask, compressed: bool = False) -> dict:
    """COCO's run-length encoding of a bool mask ``(H, W)``.

    The runs go down the columns (column-major order) and alternate, starting with
    a run of zeros (possibly of length 0). ``compressed=False`` gives the plain
    ``{"counts": [ints], "size": [H, W]}`` used for crowd annotations;
    ``compressed=True`` gives pycocotools' compact string form.
    """
    from .voc import as_label_array
    m = as_label_array("mask", mask, 2, low=None, high=None).astype(bool)
    if compressed:
        rle = _quiet(cocomask.encode, np.asfortranarray(m.astype(np.uint8)))
        return {"counts": rle["counts"].decode("ascii"), "size": [int(s) for s in rle["size"]]}
    flat = m.reshape(-1, order="F").astype(np.int8)
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    counts = np.diff(bounds).tolist()
    if flat.size and flat[0] == 1:
        counts = [0] + counts
    return {"counts": [int(c) for c in counts], "size": [int(m.shape[0]), int(m.shape[1])]}


def rle_string_counts(text) -> list[int]:
    """The run lengths stored in a compressed COCO RLE string (``str`` or ``bytes``).

    Each run length is written as groups of 5 bits, least significant group first; a
    group is stored as the character ``chr(48 + g)``, plus 32 when another group of the
    same number follows. The last group's bit 4 is the sign. From the fourth number on,
    the stored value is the difference to the run two places before. Raises
    ``ValueError`` for a character outside ``'0'..'o'`` or a string that ends inside a number.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError:
            raise ValueError("counts: a compressed RLE string must be ASCII") from None
    if not isinstance(text, str):
        raise ValueError(f"counts: expected a str or bytes, got {type(text).__name__}")
    counts, x, k = [], 0, 0
    for pos, ch in enumerate(text):
        g = ord(ch) - 48
        if not 0 <= g < 64:
            raise ValueError(f"counts: character {ch!r} at position {pos} is not one of '0'..'o'")
        x |= (g & 0x1F) << (5 * k)
        k += 1
        if g & 0x20:
            continue
        if g & 0x10:
            x -= 1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
        x, k = 0, 0
    if k:
        raise ValueError("counts: the compressed RLE string ends in the middle of a number")
    return counts


def _rle_problem(seg, height, width):
    """What is wrong with an RLE dict for an image of ``height`` x ``width`` (None if nothing)."""
    if "counts" not in seg or "size" not in seg:
        return "an RLE segmentation needs 'counts' and 'size'"
    size = seg["size"]
    if not isinstance(size, (list, tuple)) or [*size] != [height, width]:
        return f"RLE size {size!r} differs from the image's [{height}, {width}]"
    counts = seg["counts"]
    if isinstance(counts, list):
        if not all(_is_int(c) and c >= 0 for c in counts):
            return "RLE counts must be non-negative integers"
    elif isinstance(counts, (str, bytes)):
        try:
            counts = rle_string_counts(counts)
        except ValueError as err:
            return f"compressed RLE is not valid ({err})"
        if any(c < 0 for c in counts):
            return "compressed RLE is not valid (it decodes to a negative run length)"
    else:
        return "RLE counts must be a list of ints or a string"
    if sum(counts) != height * width:
        return (f"RLE counts must be non-negative integers summing to height * width = {height * width} "
                f"pixels; they sum to {sum(counts)}")
    return None


def _check_size(height, width):
    for name, v in (("height", height), ("width", width)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
            raise ValueError(f"{name}: expected a positive integer, got {v!r}")
    if int(height) * int(width) > MAX_PIXELS:
        raise ValueError(f"height, width: {height} x {width} pixels is more than the limit of {MAX_PIXELS} "
                         f"(MAX_PIXELS)")
    return int(height), int(width)


def ann_to_rle(ann: dict, height: int, width: int) -> dict:
    """The segmentation of an annotation (polygons, plain or compressed RLE) as one compressed RLE.

    ``height * width`` may be at most ``MAX_PIXELS``; polygons must be lists of at least
    three finite (x, y) pairs and an RLE must cover exactly ``height * width`` pixels
    (``ValueError`` otherwise, before pycocotools sees it).
    """
    height, width = _check_size(height, width)
    if not isinstance(ann, dict) or "segmentation" not in ann:
        raise ValueError(f"ann: expected an annotation dict with a 'segmentation', got {type(ann).__name__}")
    seg = ann["segmentation"]
    if isinstance(seg, list):                       # polygons
        for j, p in enumerate(seg):
            if (not isinstance(p, (list, tuple)) or len(p) < 6 or len(p) % 2
                    or not all(_is_num(v) or isinstance(v, np.number) and np.isfinite(v) for v in p)):
                raise ValueError(f"ann['segmentation']: polygon {j} must be a list of at least 3 (x, y) pairs of "
                                 f"finite numbers")
        polys = [list(map(float, p)) for p in seg]
        if not polys:
            return _quiet(cocomask.encode, np.zeros((height, width), np.uint8, order="F"))
        return _quiet(cocomask.merge, _quiet(cocomask.frPyObjects, polys, height, width))
    if not isinstance(seg, dict):
        raise ValueError(f"ann['segmentation']: expected a list of polygons or an RLE dict, got "
                         f"{type(seg).__name__}")
    problem = _rle_problem(seg, height, width)
    if problem:
        raise ValueError(f"ann['segmentation']: {problem}")
    if isinstance(seg["counts"], list):             # plain RLE
        return _quiet(cocomask.frPyObjects, {"counts": seg["counts"], "size": [height, width]}, height, width)
    rle = {"size": [height, width], "counts": seg["counts"]}
    if isinstance(rle["counts"], str):
        rle["counts"] = rle["counts"].encode("ascii")
    return rle


def ann_to_mask(ann: dict, height: int, width: int) -> np.ndarray:
    """The mask ``(H, W)`` bool of an instance annotation (polygons or RLE), decoded by pycocotools."""
    return _quiet(cocomask.decode, ann_to_rle(ann, height, width)).astype(bool)


# --------------------------------------------------------------------- panoptic ids

def rgb_to_panoptic_id(rgb) -> np.ndarray:
    """Segment ids ``(H, W)`` int64 of a panoptic PNG ``(H, W, 3)``: id = R + 256 G + 256^2 B."""
    from .voc import as_label_array
    a = as_label_array("rgb", rgb, 3, 0, 255)
    if a.shape[2] != 3:
        raise ValueError(f"rgb: expected shape (H, W, 3), got {a.shape}")
    return a[..., 0] + 256 * a[..., 1] + 256 ** 2 * a[..., 2]


def panoptic_id_to_rgb(ids) -> np.ndarray:
    """The inverse of :func:`rgb_to_panoptic_id`: ids ``(H, W)`` in [0, 256^3) -> ``(H, W, 3)`` uint8."""
    from .voc import as_label_array
    a = as_label_array("ids", ids, 2, 0, 256 ** 3 - 1)
    return np.stack([a % 256, (a // 256) % 256, a // 256 ** 2], -1).astype(np.uint8)


# --------------------------------------------------------------------- reading and checking JSON

def find_coco_root(path) -> Path:
    """The folder holding ``annotations/`` (``path`` itself, ``path/coco2017`` or ``path/coco``)."""
    path = Path(path)
    for cand in (path, path / "coco2017", path / "coco"):
        if (cand / "annotations").is_dir():
            return cand
    raise FileNotFoundError(f"{path}: no COCO layout here (looked for annotations/ in {path}, "
                            f"{path / 'coco2017'} and {path / 'coco'})")


def _load_json(path, max_bytes: int = MAX_JSON_BYTES):
    path = Path(path)
    data = read_bytes(path, "annotation file", max_bytes)
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise DatasetFormatError(path, f"malformed JSON ({err})") from None
    except (ValueError, RecursionError) as err:      # e.g. an integer of 5000 digits, nesting 10^5 deep
        raise DatasetFormatError(path, f"malformed JSON ({type(err).__name__}: {str(err)[:200]})") from None


def _need(path, record, keys, where):
    if not isinstance(record, dict):
        raise DatasetFormatError(path, f"{where}: expected an object, got {type(record).__name__}")
    for k in keys:
        if k not in record:
            raise DatasetFormatError(path, f"{where}: missing field {k!r}")


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _check_images(path, data):
    _need(path, data, ["images"], "top level")
    if not isinstance(data["images"], list):
        raise DatasetFormatError(path, "'images' must be a list")
    images = {}
    for i, img in enumerate(data["images"]):
        where = f"images[{i}]"
        _need(path, img, ["id", "file_name", "height", "width"], where)
        if not _is_int(img["id"]):
            raise DatasetFormatError(path, f"{where}: id {img['id']!r} is not an integer")
        if img["id"] in images:
            raise DatasetFormatError(path, f"{where}: duplicate image id {img['id']}")
        for k in ("height", "width"):
            if not _is_int(img[k]) or img[k] <= 0:
                raise DatasetFormatError(path, f"{where}: {k} {img[k]!r} is not a positive integer")
        if img["height"] * img["width"] > MAX_PIXELS:
            raise DatasetFormatError(path, f"{where}: {img['width']}x{img['height']} is more than the limit of "
                                           f"{MAX_PIXELS} pixels (MAX_PIXELS)")
        name = img["file_name"]
        if not isinstance(name, str) or "/" in name or "\\" in name or name in ("", ".", ".."):
            raise DatasetFormatError(path, f"{where}: file_name {name!r} is not a plain file name")
        images[img["id"]] = img
    return images


def _check_categories(path, data):
    _need(path, data, ["categories"], "top level")
    if not isinstance(data["categories"], list):
        raise DatasetFormatError(path, "'categories' must be a list")
    cats = {}
    for i, cat in enumerate(data["categories"]):
        where = f"categories[{i}]"
        _need(path, cat, ["id", "name"], where)
        if not _is_int(cat["id"]):
            raise DatasetFormatError(path, f"{where}: id {cat['id']!r} is not an integer")
        if cat["id"] in cats:
            raise DatasetFormatError(path, f"{where}: duplicate category id {cat['id']}")
        cats[cat["id"]] = cat
    return cats


def _check_segmentation(path, seg, where, img):
    h, w = img["height"], img["width"]
    if isinstance(seg, list):
        for j, poly in enumerate(seg):
            if not isinstance(poly, list) or len(poly) < 6 or len(poly) % 2 or not all(map(_is_num, poly)):
                raise DatasetFormatError(path, f"{where}: polygon {j} must be a list of at least 3 (x, y) "
                                               f"pairs of numbers")
            xs, ys = np.array(poly[0::2], float), np.array(poly[1::2], float)
            if xs.min() < -1 or ys.min() < -1 or xs.max() > w + 1 or ys.max() > h + 1:
                raise DatasetFormatError(path, f"{where}: polygon {j} leaves the {w}x{h} image")
        return
    if isinstance(seg, dict):
        problem = _rle_problem(seg, h, w)
        if problem:
            raise DatasetFormatError(path, f"{where}: {problem}")
        return
    raise DatasetFormatError(path, f"{where}: segmentation must be a list of polygons or an RLE object")


def _check_bbox(path, where: str, box, img: dict, tolerance: float) -> None:
    """Refuse a ``bbox`` that is not ``[x, y, width, height]`` of numbers, has a negative side, or reaches
    more than ``tolerance`` pixels past its image ``img``; the error names ``where`` it is."""
    if not isinstance(box, list) or len(box) != 4 or not all(map(_is_num, box)):
        raise DatasetFormatError(path, f"{where}: bbox must be [x, y, width, height], got {box!r}")
    x, y, bw, bh = box
    if bw < 0 or bh < 0:
        raise DatasetFormatError(path, f"{where}: bbox {box} has a negative width or height")
    if (x < -tolerance or y < -tolerance or x + bw > img["width"] + tolerance
            or y + bh > img["height"] + tolerance):
        raise DatasetFormatError(path, f"{where}: bbox {box} lies outside its {img['width']}x{img['height']} "
                                       f"image {img['id']}")


def _check_annotation(path, ann, i, images, cats, kind):
    where = f"annotations[{i}]"
    if kind == "captions":
        _need(path, ann, ["id", "image_id", "caption"], where)
    else:
        _need(path, ann, ["id", "image_id", "category_id", "bbox", "area", "iscrowd"], where)
    if not _is_int(ann.get("id")):
        raise DatasetFormatError(path, f"{where}: id {ann.get('id')!r} is not an integer")
    if not _is_int(ann["image_id"]) or ann["image_id"] not in images:
        raise DatasetFormatError(path, f"{where} (id {ann.get('id')}): image_id {ann['image_id']!r} does not "
                                       f"exist in 'images'")
    img = images[ann["image_id"]]
    if kind == "captions":
        if not isinstance(ann["caption"], str):
            raise DatasetFormatError(path, f"{where}: caption must be a string")
        return
    if not _is_int(ann["category_id"]) or ann["category_id"] not in cats:
        raise DatasetFormatError(path, f"{where} (id {ann.get('id')}): category_id {ann['category_id']!r} does "
                                       f"not exist in 'categories'")
    # real files have boxes reaching a fraction of a pixel past the border
    _check_bbox(path, where, ann["bbox"], img, tolerance=1.0)
    if ann["iscrowd"] not in (0, 1) or isinstance(ann["iscrowd"], bool):
        raise DatasetFormatError(path, f"{where}: iscrowd must be 0 or 1, got {ann['iscrowd']!r}")
    if not _is_num(ann["area"]) or ann["area"] < 0:
        raise DatasetFormatError(path, f"{where}: area must be a non-negative number, got {ann['area']!r}")
    if ann["area"] > img["width"] * img["height"]:
        raise DatasetFormatError(path, f"{where}: area {ann['area']} is larger than its {img['width']}x"
                                       f"{img['height']} image ({img['width'] * img['height']} pixels)")
    if "segmentation" in ann:
        _check_segmentation(path, ann["segmentation"], where, img)
    else:
        raise DatasetFormatError(path, f"{where}: missing field 'segmentation'")
    if ann["iscrowd"] == 1 and not isinstance(ann["segmentation"], dict):
        raise DatasetFormatError(path, f"{where}: iscrowd is 1 but the segmentation is not an RLE (COCO stores "
                                       f"every crowd region as run-length encoding)")
    if "keypoints" in ann or kind == "keypoints":
        _need(path, ann, ["keypoints", "num_keypoints"], where)
        kp = ann["keypoints"]
        names = cats[ann["category_id"]].get("keypoints", COCO_KEYPOINTS)
        if not isinstance(names, (list, tuple)) or not all(isinstance(k, str) for k in names):
            raise DatasetFormatError(path, f"category {ann['category_id']}: 'keypoints' must be a list of names")
        n = len(names)
        if not isinstance(kp, list) or len(kp) != 3 * n or not all(map(_is_num, kp)):
            raise DatasetFormatError(path, f"{where}: keypoints must be {3 * n} numbers (x, y, v for {n} "
                                           f"keypoints), got {len(kp) if isinstance(kp, list) else kp!r}")
        v = kp[2::3]
        if any(f not in (0, 1, 2) for f in v):
            raise DatasetFormatError(path, f"{where}: keypoint visibility flags must be 0, 1 or 2, got {sorted(set(v))}")
        if ann["num_keypoints"] != sum(f > 0 for f in v):
            raise DatasetFormatError(path, f"{where}: num_keypoints is {ann['num_keypoints']} but "
                                           f"{sum(f > 0 for f in v)} keypoints are labelled (v > 0)")


def parse_coco(data, path="<coco>", kind: str = "instances") -> dict:
    """Validate an already-loaded COCO annotation dict; see :func:`load_coco`."""
    if kind not in ("instances", "keypoints", "captions"):
        raise ValueError(f"kind: expected 'instances', 'keypoints' or 'captions', got {kind!r}")
    path = Path(path)
    if not isinstance(data, dict):
        raise DatasetFormatError(path, f"top level must be an object, got {type(data).__name__}")
    images = _check_images(path, data)
    cats = _check_categories(path, data) if kind != "captions" else {}
    _need(path, data, ["annotations"], "top level")
    if not isinstance(data["annotations"], list):
        raise DatasetFormatError(path, "'annotations' must be a list")
    seen, by_image = set(), {i: [] for i in images}
    for i, ann in enumerate(data["annotations"]):
        _check_annotation(path, ann, i, images, cats, kind)
        if ann["id"] in seen:
            raise DatasetFormatError(path, f"annotations[{i}]: duplicate annotation id {ann['id']}")
        seen.add(ann["id"])
        by_image[ann["image_id"]].append(ann)
    return {"images": images, "annotations": data["annotations"], "categories": cats,
            "by_image": by_image, "path": path, "info": data.get("info", {})}


def load_coco(json_path, kind: str = "instances") -> dict:
    """Read and validate one COCO annotation file.

    ``kind``: ``"instances"`` (detection and segmentation), ``"keypoints"`` (person
    keypoints) or ``"captions"``. Returns ``{"images": {id: image}, "annotations":
    [...], "categories": {id: category}, "by_image": {image_id: [ann, ...]},
    "path": Path, "info": {...}}``. Every reference is checked: an annotation
    whose ``image_id`` or ``category_id`` does not exist raises
    ``DatasetFormatError``, and so do malformed boxes ``[x, y, w, h]``,
    polygons, RLEs, keypoints and visibility flags.
    """
    return parse_coco(_load_json(json_path), json_path, kind)


def _plain_split(split):
    if not isinstance(split, str) or not split.isidentifier():
        raise ValueError(f"split: expected a name such as 'train' or 'val', got {split!r}")
    return split


def _split_file(root, stem, split):
    return find_coco_root(root) / "annotations" / f"{stem}_{_plain_split(split)}2017.json"


def load_instances(root, split: str = "val") -> dict:
    """``annotations/instances_<split>2017.json`` of a COCO folder, validated (see :func:`load_coco`)."""
    return load_coco(_split_file(root, "instances", split), "instances")


def load_keypoints(root, split: str = "val") -> dict:
    """``annotations/person_keypoints_<split>2017.json``, validated."""
    return load_coco(_split_file(root, "person_keypoints", split), "keypoints")


def load_captions(root, split: str = "val") -> dict:
    """``annotations/captions_<split>2017.json``, validated."""
    return load_coco(_split_file(root, "captions", split), "captions")


def image_path(root, split: str, image: dict) -> Path:
    """The file of an image record (``<root>/<split>2017/<file_name>``); raises if it is missing."""
    folder = find_coco_root(root) / f"{_plain_split(split)}2017"
    name = image.get("file_name") if isinstance(image, dict) else None
    if not isinstance(name, str) or not name or "/" in name or "\\" in name or "\0" in name or name in (".", ".."):
        raise ValueError(f"image: expected an image record with a plain 'file_name', got {image!r:.200}")
    p = folder / name
    if not p.is_file():
        raise DatasetFormatError(p, f"image file missing (image id {image.get('id')})")
    return check_inside(p, folder, "image")


def read_image(root, split: str, image: dict) -> np.ndarray:
    """The pixels of an image record, ``(H, W, 3)`` uint8, checked against its recorded size."""
    from .voc import read_image as _read
    p = image_path(root, split, image)
    pix = _read(p)
    if pix.shape[:2] != (image["height"], image["width"]):
        raise DatasetFormatError(p, f"is {pix.shape[1]}x{pix.shape[0]} but its record says "
                                    f"{image['width']}x{image['height']}")
    return pix


# --------------------------------------------------------------------- panoptic

def parse_panoptic(data, path="<panoptic>") -> dict:
    """Validate a loaded panoptic JSON; see :func:`load_panoptic`."""
    path = Path(path)
    if not isinstance(data, dict):
        raise DatasetFormatError(path, f"top level must be an object, got {type(data).__name__}")
    images = _check_images(path, data)
    cats = _check_categories(path, data)
    for c in cats.values():
        if c.get("isthing") not in (0, 1):
            raise DatasetFormatError(path, f"category {c['id']}: isthing must be 0 or 1")
    _need(path, data, ["annotations"], "top level")
    if not isinstance(data["annotations"], list):
        raise DatasetFormatError(path, "'annotations' must be a list")
    by_image = {}
    for i, ann in enumerate(data["annotations"]):
        where = f"annotations[{i}]"
        _need(path, ann, ["image_id", "file_name", "segments_info"], where)
        if not _is_int(ann["image_id"]) or ann["image_id"] not in images:
            raise DatasetFormatError(path, f"{where}: image_id {ann['image_id']!r} does not exist in 'images'")
        name = ann["file_name"]
        if not isinstance(name, str) or "/" in name or "\\" in name or not name.endswith(".png"):
            raise DatasetFormatError(path, f"{where}: file_name {name!r} is not a plain .png name")
        ids = set()
        if not isinstance(ann["segments_info"], list):
            raise DatasetFormatError(path, f"{where}: segments_info must be a list")
        for j, seg in enumerate(ann["segments_info"]):
            swhere = f"{where}.segments_info[{j}]"
            _need(path, seg, ["id", "category_id", "area", "bbox", "iscrowd"], swhere)
            if not _is_int(seg["category_id"]) or seg["category_id"] not in cats:
                raise DatasetFormatError(path, f"{swhere}: category_id {seg['category_id']!r} does not exist "
                                               f"in 'categories'")
            if not _is_int(seg["id"]) or not 0 < seg["id"] < 256 ** 3 or seg["id"] in ids:
                raise DatasetFormatError(path, f"{swhere}: id {seg['id']!r} must be a unique integer in "
                                               f"[1, 256^3)")
            if seg["iscrowd"] not in (0, 1) or isinstance(seg["iscrowd"], bool):
                raise DatasetFormatError(path, f"{swhere}: iscrowd must be 0 or 1, got {seg['iscrowd']!r}")
            img = images[ann["image_id"]]
            if not _is_num(seg["area"]) or seg["area"] < 0:
                raise DatasetFormatError(path, f"{swhere}: area must be a non-negative number")
            if seg["area"] > img["width"] * img["height"]:
                raise DatasetFormatError(path, f"{swhere}: area {seg['area']} is larger than its {img['width']}x"
                                               f"{img['height']} image")
            _check_bbox(path, swhere, seg["bbox"], img, tolerance=0.0)
            ids.add(seg["id"])
        if ann["image_id"] in by_image:
            raise DatasetFormatError(path, f"{where}: a second annotation for image {ann['image_id']}")
        by_image[ann["image_id"]] = ann
    return {"images": images, "annotations": data["annotations"], "categories": cats,
            "by_image": by_image, "path": path}


def load_panoptic(root, split: str = "val") -> dict:
    """``annotations/panoptic_<split>2017.json`` validated; ``"png_folder"`` is added to the result.

    Each annotation is ``{"image_id", "file_name" (the PNG), "segments_info": [{"id",
    "category_id", "area", "bbox", "iscrowd"}]}``; categories carry ``isthing``.
    """
    path = _split_file(root, "panoptic", split)
    out = parse_panoptic(_load_json(path), path)
    out["png_folder"] = path.parent / f"panoptic_{split}2017"
    return out


def read_panoptic_png(record: dict, png_folder, image: dict | None = None) -> np.ndarray:
    """Segment ids ``(H, W)`` int64 of one panoptic annotation, checked against its ``segments_info``.

    Every non-zero id in the PNG must have a segment, every segment must appear
    in the PNG, and the recorded areas must match the pixel counts (0 = unlabelled).
    With ``image`` (the image's record from the same file, as in ``load_panoptic(...)["images"]``)
    the PNG must also have the image's size.
    """
    name = record.get("file_name") if isinstance(record, dict) else None
    if not isinstance(name, str) or not name or "/" in name or "\\" in name or "\0" in name or name in (".", ".."):
        raise ValueError(f"record: expected a panoptic annotation with a plain 'file_name', got {record!r:.200}")
    p = Path(png_folder) / name
    if not p.exists():
        raise DatasetFormatError(p, "panoptic PNG missing")
    check_regular_file(check_inside(p, png_folder, "panoptic PNG"), "panoptic PNG", MAX_IMAGE_BYTES)
    try:
        with Image.open(p) as img:
            if img.format != "PNG":
                raise DatasetFormatError(p, f"expected a PNG, got a {img.format} file")
            if img.mode != "RGB":
                raise DatasetFormatError(p, f"expected an RGB PNG, got mode {img.mode!r}")
            w, h = img.size
            if w * h > MAX_PIXELS:
                raise DatasetFormatError(p, f"{w}x{h} is more than the limit of {MAX_PIXELS} pixels")
            if image is not None and (h, w) != (image["height"], image["width"]):
                raise DatasetFormatError(p, f"is {w}x{h} but its image {image.get('id')} is "
                                            f"{image['width']}x{image['height']}")
            ids = rgb_to_panoptic_id(np.asarray(img))
    except DatasetFormatError:
        raise
    except (OSError, ValueError) as err:
        raise DatasetFormatError(p, f"not a readable PNG ({err})") from None
    present, counts = np.unique(ids, return_counts=True)
    area = dict(zip(present.tolist(), counts.tolist()))
    known = {s["id"]: s for s in record["segments_info"]}
    stray = sorted(set(area) - set(known) - {0})
    if stray:
        raise DatasetFormatError(p, f"segment ids {stray[:5]} appear in the PNG but not in segments_info")
    for sid, seg in known.items():
        if area.get(sid, 0) != seg["area"]:
            raise DatasetFormatError(p, f"segment {sid} covers {area.get(sid, 0)} pixels but its area is "
                                        f"{seg['area']}")
    return ids


# --------------------------------------------------------------------- which task

def annotation_task(ann: dict) -> str:
    """Which COCO task an annotation record belongs to, from its fields.

    ``"panoptic"`` (``segments_info``), ``"densepose"`` (``dp_I``/``dp_masks``),
    ``"keypoints"`` (``keypoints``), ``"captioning"`` (``caption``) or
    ``"detection"`` (a ``bbox`` with a ``segmentation``: object detection and
    instance segmentation share the instances files).
    """
    if not isinstance(ann, dict):
        raise ValueError(f"ann: expected a dict, got {type(ann).__name__}")
    if "segments_info" in ann:
        return "panoptic"
    if "dp_I" in ann or "dp_masks" in ann:
        return "densepose"
    if "keypoints" in ann:
        return "keypoints"
    if "caption" in ann:
        return "captioning"
    if "bbox" in ann:
        return "detection"
    raise ValueError(f"ann: no field that identifies a COCO task (got keys {sorted(ann)})")


# --------------------------------------------------------------------- everything about one image

def image_record(root, split: str, image_id: int | None = None, index: int = 0) -> dict:
    """Gather every annotation of one image from the instances, keypoints, captions and panoptic files.

    Pick the image by ``image_id`` or by its position ``index`` in the instances file. Returns
    ``{"image": (H, W, 3) uint8, "info": image record, "instances": [ann + "mask"],
    "categories": {id: cat}, "keypoints": [ann], "captions": [str], "panoptic_ids": (H, W) int64,
    "segments_info": [...], "panoptic_categories": {id: cat}}``; the parts whose file is absent
    are left out.
    """
    inst = load_instances(root, split)
    if image_id is None:
        image_id = list(inst["images"])[index]
    if image_id not in inst["images"]:
        raise KeyError(f"image_id {image_id} is not in {inst['path']}")
    info = inst["images"][image_id]
    h, w = info["height"], info["width"]
    out = {"image": read_image(root, split, info), "info": info, "categories": inst["categories"],
           "instances": [dict(a, mask=ann_to_mask(a, h, w)) for a in inst["by_image"][image_id]]}
    base = find_coco_root(root) / "annotations"
    if (base / f"person_keypoints_{split}2017.json").is_file():
        out["keypoints"] = load_keypoints(root, split)["by_image"].get(image_id, [])
    if (base / f"captions_{split}2017.json").is_file():
        out["captions"] = [a["caption"] for a in load_captions(root, split)["by_image"].get(image_id, [])]
    if (base / f"panoptic_{split}2017.json").is_file():
        pan = load_panoptic(root, split)
        if image_id in pan["by_image"]:
            rec = pan["by_image"][image_id]
            out["panoptic_ids"] = read_panoptic_png(rec, pan["png_folder"], pan["images"][image_id])
            out["segments_info"] = rec["segments_info"]
            out["panoptic_categories"] = pan["categories"]
    return out
