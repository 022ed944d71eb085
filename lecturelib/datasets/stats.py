"""Statistics of a data set, computed from its annotations.

* ``voc_objects(records)`` / ``coco_objects(data)``: one row per object, as a list of
  ``{"image", "class", "width", "height", "area"}`` dicts (box width/height in pixels).
* ``class_counts(objects) -> {class: n}``, ``objects_per_image(objects, image_ids) -> {n: images}``.
* ``size_bucket(area)``: COCO's evaluation scales: small if area < 32^2, medium if
  32^2 <= area < 96^2, large otherwise (areas in pixels).
"""
from __future__ import annotations

from collections import Counter

SMALL, MEDIUM = 32 ** 2, 96 ** 2

VOC2012_FIGURES = {"trainval_images": 11_530, "trainval_objects": 27_450, "trainval_segmented_objects": 6_929,
                   "segmentation_train_images": 1_464, "segmentation_val_images": 1_449}
"""VOC2012's train/val figures as published with the data: boxed objects, segmented objects, and the
images of the segmentation splits."""


def voc_objects(records) -> list[dict]:
    """Rows for the objects of VOC annotation records (``voc.load_detection``); boxes are 1-based inclusive."""
    rows = []
    for rec in records:
        for o in rec["objects"]:
            if "bbox" not in o:
                continue
            x0, y0, x1, y1 = o["bbox"]
            w, h = x1 - x0 + 1, y1 - y0 + 1
            rows.append({"image": rec.get("id", rec["filename"]), "class": o["name"], "width": w, "height": h,
                         "area": w * h})
    return rows


def coco_objects(data, crowds: bool = False) -> list[dict]:
    """Rows for the annotations of a loaded COCO instances file (``coco.load_instances``);
    ``area`` is the mask area as the file records it. Crowds are left out unless ``crowds``."""
    rows = []
    for a in data["annotations"]:
        if a["iscrowd"] and not crowds:
            continue
        rows.append({"image": a["image_id"], "class": data["categories"][a["category_id"]]["name"],
                     "width": a["bbox"][2], "height": a["bbox"][3], "area": a["area"]})
    return rows


def class_counts(objects) -> dict:
    """``{class: number of objects}``, most frequent first."""
    return dict(Counter(o["class"] for o in objects).most_common())


def objects_per_image(objects, image_ids) -> dict:
    """``{k: number of images with k objects}`` over ``image_ids`` (images without objects count as 0)."""
    per = Counter(o["image"] for o in objects)
    return dict(sorted(Counter(per.get(i, 0) for i in image_ids).items()))


def size_bucket(area: float) -> str:
    """COCO's scale of an object of ``area`` pixels: ``"small"``, ``"medium"`` or ``"large"``."""
    import math
    import numpy as np
    if isinstance(area, (bool, np.bool_)) or not isinstance(area, (int, float, np.integer, np.floating)):
        raise TypeError(f"area: expected a number of pixels, got {type(area).__name__}")
    if not math.isfinite(float(area)) or area < 0:
        raise ValueError(f"area: expected a finite non-negative number of pixels, got {area!r}")
    if area < SMALL:
        return "small"
    return "medium" if area < MEDIUM else "large"
