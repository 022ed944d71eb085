"""Real photographs, annotated by this book in the VOC2012 and COCO 2017 formats.

The photographs are three that scikit-image ships inside its wheel (``skimage/data/``; nothing is
downloaded), each under a licence that allows reuse, as scikit-image's docstrings state:

* ``astronaut``: Eileen Collins, NASA; "No known copyright restrictions, released into the public
  domain" (``skimage.data.astronaut``). Annotated: the person.
* ``chelsea``: Chelsea the cat; "No copyright restrictions. CC0 by the photographer (Stefan van der
  Walt)" (``skimage.data.chelsea``). Annotated: the cat.
* ``camera``: a man with a camera on a tripod (grey levels); "No copyright restrictions. CC0 by the
  photographer (Lav Varshney)" (``skimage.data.camera``). Annotated: the person.

(``motorcycle_left.png``, a motorbike, is in the wheel too, but its docstring names no licence, only its
source, the Middlebury 2014 stereo benchmark; so the book leaves it out.)

The annotations are polygons written below, by hand, in pixel coordinates (x right, y down), traced on
the pictures; they are rough (tens of vertices, not the hundreds a VOC annotator would place). Everything
else is derived from them, by the same code that writes the synthetic scenes: the mask (pycocotools
rasterises the polygons), the box (the extent of the mask), the VOC SegmentationClass and
SegmentationObject palette PNGs with a void band along the outline, the VOC XML, and the COCO instances
JSON (polygons, box, area).

API: ``PHOTOS`` (name -> licence, source and polygons), ``load_photo(name)`` (H, W, 3) uint8,
``photo_scene(name)`` (a :class:`~lecturelib.datasets.scenes.Scene`), ``write_photos_voc(root)`` and
``write_photos_coco(root)``.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from .coco import COCO_CATEGORIES, panoptic_id_to_rgb
from .scenes import Scene, SceneObject, polygons_to_mask
from .synthetic import coco_header, coco_image_annotations, panoptic_segments, voc_xml
from .voc import VOC_CLASSES, VOC_OBJECT_CLASSES, save_label_png

PHOTOS = {
    "astronaut": {
        "loader": "astronaut",
        "source": "NASA Great Images database, via scikit-image (skimage/data/astronaut.png)",
        "licence": "public domain ('No known copyright restrictions, released into the public domain')",
        "objects": [("person", [
            [22, 511, 24, 450, 36, 370, 52, 305, 78, 262, 112, 238, 122, 205, 140, 183, 160, 160,
             152, 120, 150, 85, 162, 55, 188, 35, 222, 24, 255, 27, 282, 42, 300, 68, 306, 100,
             300, 135, 290, 162, 302, 185, 316, 215, 322, 250, 345, 280, 362, 305, 366, 342,
             328, 348, 302, 372, 288, 420, 282, 511]])],
    },
    "chelsea": {
        "loader": "chelsea",
        "source": "photograph by Stefan van der Walt, via scikit-image (skimage/data/chelsea.png)",
        "licence": "CC0 ('No copyright restrictions. CC0 by the photographer')",
        "objects": [("cat", [
            [0, 299, 0, 135, 18, 112, 32, 70, 44, 28, 58, 0, 410, 0, 418, 22, 402, 58, 392, 100,
             386, 140, 382, 180, 386, 228, 376, 268, 362, 299]])],
    },
    "camera": {
        "loader": "camera",
        "source": "photograph by Lav Varshney, via scikit-image (skimage/data/camera.png)",
        "licence": "CC0 ('No copyright restrictions. CC0 by the photographer')",
        "objects": [("person", [
            [0, 511, 0, 192, 30, 172, 75, 142, 150, 107, 166, 92, 182, 72, 212, 62, 248, 66, 268, 84,
             280, 110, 284, 140, 286, 164, 280, 182, 290, 198, 300, 196, 318, 185, 335, 178, 345, 190,
             342, 225, 325, 235, 305, 248, 302, 268, 280, 282, 255, 292, 232, 302, 200, 322, 170, 346,
             150, 372, 140, 400, 138, 430, 145, 511]])],
    },
}
"""Each photograph: its scikit-image loader, source, licence and annotated objects (class, polygons as
flat ``[x0, y0, x1, y1, ...]`` lists)."""


def load_photo(name: str) -> np.ndarray:
    """The photograph ``name`` of :data:`PHOTOS` as (H, W, 3) uint8 (grey images repeated over RGB), read by
    ``skimage.data`` from the files inside the scikit-image wheel."""
    if name not in PHOTOS:
        raise ValueError(f"name: expected one of {sorted(PHOTOS)}, got {name!r}")
    import skimage.data  # a heavy import, needed only here

    image = np.asarray(getattr(skimage.data, PHOTOS[name]["loader"])())
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    return np.ascontiguousarray(image[..., :3]).astype(np.uint8)


def photo_scene(name: str) -> Scene:
    """The photograph and its annotated objects as a :class:`~lecturelib.datasets.scenes.Scene` (masks
    rasterised from the polygons; no stuff regions), which the VOC and COCO writers take."""
    image = load_photo(name)
    h, w = image.shape[:2]
    objects = []
    for cls, polygons in PHOTOS[name]["objects"]:
        mask = polygons_to_mask(polygons, h, w)
        arrays = [np.asarray(p, float).reshape(-1, 2) for p in polygons]
        touches = any((a[:, 0] <= 0).any() or (a[:, 1] <= 0).any() or (a[:, 0] >= w - 1).any()
                      or (a[:, 1] >= h - 1).any() for a in arrays)
        objects.append(SceneObject(cls, arrays, mask, truncated=int(touches), pose="Frontal"))
    return Scene(image=image, stuff=[], objects=objects)


def _ident(i: int) -> str:
    return f"2026_{i + 1:06d}"


def write_photos_voc(root, border: int = 5, jpeg_quality: int = 95) -> Path:
    """Write the photographs in the VOC2012 layout under ``root/VOCdevkit/VOC2012`` (all in the ``val``
    split, as in the shipped sample's layout) and return that folder.

    ``border``: the void band along the outlines, in pixels (VOC's own is about 5 pixels wide).
    """
    from .scenes import scene_label_masks

    base = Path(root) / "VOCdevkit" / "VOC2012"
    if base.exists():
        shutil.rmtree(base)
    dirs = {k: base / k for k in ("Annotations", "JPEGImages", "SegmentationClass", "SegmentationObject",
                                  "ImageSets/Main", "ImageSets/Segmentation")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    ids, present = [], []
    for i, name in enumerate(PHOTOS):
        ident, scene = _ident(i), photo_scene(name)
        Image.fromarray(scene.image).save(dirs["JPEGImages"] / f"{ident}.jpg", quality=jpeg_quality)
        cls_mask, obj_mask = scene_label_masks(scene, border)
        save_label_png(dirs["SegmentationClass"] / f"{ident}.png", cls_mask)
        save_label_png(dirs["SegmentationObject"] / f"{ident}.png", obj_mask)
        (dirs["Annotations"] / f"{ident}.xml").write_text(voc_xml(ident, scene, scene.objects))
        ids.append(ident)
        present.append({o.cls for o in scene.objects})
    for split, chosen in (("train", []), ("val", ids), ("trainval", ids)):
        text = "".join(f"{i}\n" for i in chosen)
        (dirs["ImageSets/Segmentation"] / f"{split}.txt").write_text(text)
        (dirs["ImageSets/Main"] / f"{split}.txt").write_text(text)
        for c in VOC_OBJECT_CLASSES:
            rows = "".join(f"{i} {1 if c in present[ids.index(i)] else -1:>2}\n" for i in chosen)
            (dirs["ImageSets/Main"] / f"{c}_{split}.txt").write_text(rows)
    return base


def write_photos_coco(root, jpeg_quality: int = 95) -> Path:
    """Write the photographs in the COCO 2017 layout under ``root``: ``val2017/*.jpg``,
    ``annotations/instances_val2017.json`` (polygons, boxes, areas; the licence of each image in
    ``licenses``) and ``annotations/panoptic_val2017.json`` with its PNGs (the annotated objects as
    'thing' segments; no stuff is annotated, so every other pixel is 0, unlabelled). Returns ``root``."""
    root = Path(root)
    for sub in ("val2017", "annotations"):
        if (root / sub).exists():
            shutil.rmtree(root / sub)
        (root / sub).mkdir(parents=True)
    pan_dir = root / "annotations" / "panoptic_val2017"
    pan_dir.mkdir()
    info, _, _, pan_cats = coco_header()
    info = dict(info, description="photographs from scikit-image, annotated by lecturelib", year=2026)
    images, annotations, licenses, pans = [], [], [], []
    for i, name in enumerate(PHOTOS):
        scene, image_id = photo_scene(name), i + 1
        file_name = f"{image_id:012d}.jpg"
        Image.fromarray(scene.image).save(root / "val2017" / file_name, quality=jpeg_quality)
        licenses.append({"id": image_id, "name": PHOTOS[name]["licence"], "url": ""})
        images.append({"license": image_id, "file_name": file_name, "coco_url": "", "height": scene.height,
                       "width": scene.width, "date_captured": "", "flickr_url": "", "id": image_id})
        annotations += coco_image_annotations(scene, image_id, len(annotations) + 1)[0]
        ids, segments = panoptic_segments(scene)
        png = f"{image_id:012d}.png"
        Image.fromarray(panoptic_id_to_rgb(ids), mode="RGB").save(pan_dir / png)
        pans.append({"segments_info": segments, "file_name": png, "image_id": image_id})
    common = {"info": info, "licenses": licenses, "images": images}
    for fname, content in (("instances_val2017.json", dict(common, annotations=annotations,
                                                            categories=list(COCO_CATEGORIES))),
                           ("panoptic_val2017.json", dict(common, annotations=pans, categories=pan_cats))):
        with open(root / "annotations" / fname, "w") as f:
            json.dump(content, f, separators=(",", ":"))
    return root


def voc_label(cls: str) -> int:
    """The VOC SegmentationClass index of a class name (person -> 15)."""
    return VOC_CLASSES.index(cls)
