"""The synthetic scenes of :mod:`lecturelib.datasets.scenes`, written in the exact VOC2012 and COCO 2017 layouts.

API:

* ``write_voc(root, n_images=200, size=64, seed=0, val_fraction=0.25, ..., colours="class")``
  writes ``root/VOCdevkit/VOC2012/`` (JPEGImages, Annotations,
  SegmentationClass, SegmentationObject, ImageSets/Main and
  ImageSets/Segmentation with train/val/trainval) and returns the ``VOC2012``
  folder. Hundreds of 64x64 images take about a second. Read it back with
  ``lecturelib.datasets.voc.load_segmentation(path, "train", stack=True)``:
  images ``(N, H, W, 3)`` uint8 and masks ``(N, H, W)`` uint8 with values in
  ``SYNTH_LABELS`` (indices into ``voc.VOC_CLASSES``) or 255 (void border).
  ``colours="shared"`` paints with materials shared by all classes (chapter 8).
* ``write_coco(root, n_train=4, n_val=4, size=(96, 128), seed=0)`` writes
  ``root/{train2017,val2017}/*.jpg`` and ``root/annotations/`` with
  ``instances_*``, ``person_keypoints_*``, ``captions_*`` and ``panoptic_*``
  JSON files and the ``panoptic_*2017/`` PNG folders.
* ``voc_xml(ident, scene, objects)``, ``coco_image_annotations(...)``,
  ``panoptic_segments(scene, image_id)``: one image's records in each format.
* ``write_samples(folder)``: the samples shipped in ``lecturelib/data``;
  ``python -m lecturelib.datasets.synthetic --write-samples`` regenerates them.

The drawing itself (``make_scene``, ``Scene``, ``void_border``, ``scene_label_masks``,
``polygons_to_mask``, ``clip_polygon``, ``mask_box``, the class constants) lives in
:mod:`lecturelib.datasets.scenes` and is importable from here as well.
``size`` is an int (square images) or ``(height, width)``.
"""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np
from PIL import Image
from pycocotools import mask as cocomask

from .coco import COCO_CATEGORIES, COCO_KEYPOINTS, COCO_SKELETON, mask_to_rle, panoptic_id_to_rgb
from .scenes import (CLASS_COLOURS, COCO_IDS, COLOUR_MODES, SKIN, STUFF, SYNTH_CLASSES,  # noqa: F401 (re-exported)
                     SYNTH_LABELS, Scene, SceneObject, clip_polygon, make_scene, mask_box, polygons_to_mask,
                     scene_label_masks, void_border)
from .voc import VOC_OBJECT_CLASSES, save_label_png

# --------------------------------------------------------------------- VOC writer

def voc_xml(ident, scene, objects) -> str:
    """The VOC annotation XML of one image: size, and per object its class, pose, truncation, box (1-based
    corners of its mask) and, for a person with visible head keypoints, a head box."""
    lines = ["<annotation>", "\t<folder>VOC2012</folder>", f"\t<filename>{ident}.jpg</filename>",
             "\t<source>", "\t\t<database>lecturelib synthetic scenes</database>",
             "\t\t<annotation>lecturelib</annotation>", "\t\t<image>procedural</image>", "\t</source>",
             "\t<size>", f"\t\t<width>{scene.width}</width>", f"\t\t<height>{scene.height}</height>",
             "\t\t<depth>3</depth>", "\t</size>", "\t<segmented>1</segmented>"]
    for o in objects:
        x0, y0, x1, y1 = mask_box(o.mask)
        lines += ["\t<object>", f"\t\t<name>{o.cls}</name>", f"\t\t<pose>{o.pose}</pose>",
                  f"\t\t<truncated>{o.truncated}</truncated>", "\t\t<difficult>0</difficult>",
                  "\t\t<bndbox>", f"\t\t\t<xmin>{x0 + 1}</xmin>", f"\t\t\t<ymin>{y0 + 1}</ymin>",
                  f"\t\t\t<xmax>{x1 + 1}</xmax>", f"\t\t\t<ymax>{y1 + 1}</ymax>", "\t\t</bndbox>"]
        if o.keypoints is not None:         # person layout: a head box
            head = o.keypoints[:5]
            seen = head[head[:, 2] > 0]
            if len(seen):
                r = 0.2 * (y1 - y0 + 1)
                hx0, hy0 = max(1, int(seen[:, 0].min() - r / 2) + 1), max(1, int(seen[:, 1].min() - r / 2) + 1)
                hx1 = min(scene.width, int(seen[:, 0].max() + r / 2) + 1)
                hy1 = min(scene.height, int(seen[:, 1].max() + r / 2) + 1)
                hx0, hy0 = max(hx0, x0 + 1), max(hy0, y0 + 1)
                hx1, hy1 = min(hx1, x1 + 1), min(hy1, y1 + 1)
                if hx1 >= hx0 and hy1 >= hy0:
                    lines += ["\t\t<part>", "\t\t\t<name>head</name>", "\t\t\t<bndbox>",
                              f"\t\t\t\t<xmin>{hx0}</xmin>", f"\t\t\t\t<ymin>{hy0}</ymin>",
                              f"\t\t\t\t<xmax>{hx1}</xmax>", f"\t\t\t\t<ymax>{hy1}</ymax>",
                              "\t\t\t</bndbox>", "\t\t</part>"]
        lines.append("\t</object>")
    lines.append("</annotation>")
    return "\n".join(lines) + "\n"


def write_voc(root, n_images: int = 200, size=64, seed: int = 0, val_fraction: float = 0.25,
              max_objects: int = 4, border: int = 1, classes=SYNTH_CLASSES, jpeg_quality: int = 92,
              first_id: int = 1, overwrite: bool = True, colours: str = "class", scale=(0.14, 0.3)) -> Path:
    """Write ``n_images`` scenes in the VOC2012 layout under ``root/VOCdevkit/VOC2012``.

    Args:
        root: the folder to write into (created if needed).
        n_images: number of scenes; the last ``round(val_fraction * n_images)`` form the val split.
        size: int or ``(height, width)``.
        seed: the scenes are a deterministic function of the seed.
        max_objects: 1..max_objects objects per scene.
        border: width in pixels of the 255 'void' band along object outlines (0: none).
        classes: subset of ``SYNTH_CLASSES`` to draw from.
        overwrite: delete an existing ``VOC2012`` folder under ``root`` first.
        colours: ``"class"`` (each class in its own colour) or ``"shared"`` (random materials shared by
            every class and the backgrounds); see :func:`lecturelib.datasets.scenes.make_scene`.
        scale: the range of an object's half-size, as a fraction of the image's smaller side.

    Returns:
        the ``VOC2012`` folder, which ``voc.load_segmentation`` and ``voc.load_detection`` read.
    """
    if not isinstance(n_images, (int, np.integer)) or n_images < 1:
        raise ValueError(f"n_images: expected a positive int, got {n_images!r}")
    if not 0 <= val_fraction < 1:
        raise ValueError(f"val_fraction: expected a number in [0, 1), got {val_fraction!r}")
    for c in classes:
        if c not in SYNTH_CLASSES:
            raise ValueError(f"classes: expected names from {SYNTH_CLASSES}, got {c!r}")
    if colours not in COLOUR_MODES:
        raise ValueError(f"colours: expected one of {COLOUR_MODES}, got {colours!r}")
    base = Path(root) / "VOCdevkit" / "VOC2012"
    if base.exists() and overwrite:
        shutil.rmtree(base)
    dirs = {k: base / k for k in ("Annotations", "JPEGImages", "SegmentationClass", "SegmentationObject",
                                  "ImageSets/Main", "ImageSets/Segmentation")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    ids, present = [], []
    for i in range(n_images):
        ident = f"2012_{first_id + i:06d}"
        scene = make_scene(rng, size, max_objects=max_objects, classes=classes, colours=colours,
                           scale=scale)
        objects = [o for o in scene.objects if not o.crowd]
        Image.fromarray(scene.image).save(dirs["JPEGImages"] / f"{ident}.jpg", quality=jpeg_quality)
        cls_mask, obj_mask = scene_label_masks(scene, border)
        save_label_png(dirs["SegmentationClass"] / f"{ident}.png", cls_mask)
        save_label_png(dirs["SegmentationObject"] / f"{ident}.png", obj_mask)
        (dirs["Annotations"] / f"{ident}.xml").write_text(voc_xml(ident, scene, objects))
        ids.append(ident)
        present.append({o.cls for o in objects})
    n_val = int(round(val_fraction * n_images))
    splits = {"train": list(range(n_images - n_val)), "val": list(range(n_images - n_val, n_images))}
    splits["trainval"] = splits["train"] + splits["val"]
    for name, idx in splits.items():
        text = "".join(f"{ids[i]}\n" for i in idx)
        (dirs["ImageSets/Segmentation"] / f"{name}.txt").write_text(text)
        (dirs["ImageSets/Main"] / f"{name}.txt").write_text(text)
        for c in VOC_OBJECT_CLASSES:
            rows = "".join(f"{ids[i]} {1 if c in present[i] else -1:>2}\n" for i in idx)
            (dirs["ImageSets/Main"] / f"{c}_{name}.txt").write_text(rows)
    return base



# --------------------------------------------------------------------- COCO writer

_COCO_NAMES = {"aeroplane": "airplane", "tvmonitor": "tv"}
_NUMBERS = ("no", "a", "two", "three", "four", "five", "six")
_STUFF_SUPERCATEGORY = {"sky-other-merged": "sky", "grass-merged": "plant", "wall-other-merged": "wall",
                        "floor-other-merged": "floor"}


def _caption(scene, rng):
    counts = {}
    for o in scene.objects:
        name = "row of bottles" if o.crowd else _COCO_NAMES.get(o.cls, o.cls)
        counts[name] = counts.get(name, 0) + 1
    parts = []
    for name, n in counts.items():
        word = _NUMBERS[min(n, 6)]
        if word == "a" and name[0] in "aeiou":
            word = "an"
        parts.append(f"{word} {name}{'s' if n > 1 and name != 'row of bottles' else ''}")
    things = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    top, bottom = scene.stuff[0][0], scene.stuff[1][0]
    place = f"on the {bottom} under a {top}" if top == "sky" else f"on a {bottom} in front of a {top}"
    first = [f"{things[0].upper()}{things[1:]} {place}.", f"A picture of {things} {place}."]
    return first


def coco_header():
    """The ``info`` and ``licenses`` blocks, and the category lists of the keypoints and panoptic files."""
    info = {"description": "lecturelib synthetic scenes in the COCO 2017 layout", "version": "1.0",
            "year": 2017, "contributor": "lecturelib", "date_created": "2017/09/01"}
    licenses = [{"id": 1, "name": "CC0 1.0", "url": "https://creativecommons.org/publicdomain/zero/1.0/"}]
    person_cat = dict(COCO_CATEGORIES[0], keypoints=list(COCO_KEYPOINTS), skeleton=[list(p) for p in COCO_SKELETON])
    used_stuff = sorted(set(STUFF.values()), key=lambda t: t[1])
    pan_cats = ([dict(c, isthing=1) for c in COCO_CATEGORIES]
                + [{"supercategory": _STUFF_SUPERCATEGORY[name], "id": cid, "name": name, "isthing": 0}
                   for name, cid in used_stuff])
    return info, licenses, person_cat, pan_cats


def coco_image_annotations(scene: Scene, image_id: int, first_ann_id: int):
    """The instance and keypoint annotations of one scene, numbered from ``first_ann_id``.

    Each object gets one instance record (polygons, or an uncompressed RLE for a crowd; ``bbox`` as
    ``[x, y, width, height]`` of its mask; ``area`` its pixel count); a person also gets a keypoint record
    (the same fields plus 17 ``(x, y, v)`` triples flattened). Returns ``(instances, keypoints)``.
    """
    instances, keypoints = [], []
    for ann_id, o in enumerate(scene.objects, first_ann_id):
        rle = cocomask.encode(np.asfortranarray(o.mask.astype(np.uint8)))
        ann = {"segmentation": mask_to_rle(o.mask) if o.crowd else o.flat_polygons, "area": int(o.mask.sum()),
               "iscrowd": int(o.crowd), "image_id": image_id,
               "bbox": [round(float(v), 2) for v in cocomask.toBbox(rle)], "category_id": COCO_IDS[o.cls],
               "id": ann_id}
        instances.append(ann)
        if o.keypoints is not None:
            flat = [int(round(v)) if k % 3 == 2 else round(float(v), 1) for k, v in enumerate(o.keypoints.reshape(-1))]
            keypoints.append(dict(ann, keypoints=flat, num_keypoints=int((o.keypoints[:, 2] > 0).sum())))
    return instances, keypoints


def panoptic_segments(scene: Scene):
    """The panoptic segmentation of one scene: ``(ids, segments_info)``.

    ``ids`` is the ``(H, W)`` int64 segment id of every pixel (0 for none); every object is a 'thing'
    segment, and what each stuff region keeps outside the objects is a 'stuff' segment. A segment's id is
    ``1000 * category_id + n`` for the n-th segment (n = 1, 2, ...) of that category in the image: unique in
    the image, never 0, below 256^3, and readable (id 1002 is the second person).
    """
    ids = np.zeros((scene.height, scene.width), np.int64)
    segments, per_category = [], {}

    def add(cat_id, pixels, iscrowd, bbox):
        per_category[cat_id] = per_category.get(cat_id, 0) + 1
        sid = 1000 * cat_id + per_category[cat_id]
        ids[pixels] = sid
        segments.append({"id": sid, "category_id": cat_id, "iscrowd": iscrowd, "bbox": bbox,
                         "area": int(pixels.sum())})

    for o in scene.objects:
        rle = cocomask.encode(np.asfortranarray(o.mask.astype(np.uint8)))
        add(COCO_IDS[o.cls], o.mask, int(o.crowd), [round(float(v), 2) for v in cocomask.toBbox(rle)])
    for stuff_name, region in scene.stuff:
        pixels = region & (ids == 0)
        if pixels.any():
            x0, y0, x1, y1 = mask_box(pixels)
            add(STUFF[stuff_name][1], pixels, 0, [x0, y0, x1 - x0 + 1, y1 - y0 + 1])
    return ids, segments


def write_coco(root, n_train: int = 4, n_val: int = 4, size=(96, 128), seed: int = 0, max_objects: int = 4,
               crowd_every: int = 3, jpeg_quality: int = 90, overwrite: bool = True) -> Path:
    """Write scenes in the COCO 2017 layout under ``root`` and return ``root``.

    Writes ``train2017/``, ``val2017/`` (JPEGs named by the 12-digit image id) and
    ``annotations/``: ``instances_*2017.json`` (all 80 categories, polygons for
    objects, a plain-RLE crowd region in every ``crowd_every``-th image),
    ``person_keypoints_*2017.json`` (the 17 keypoints with visibility flags),
    ``captions_*2017.json`` (two sentences per image) and ``panoptic_*2017.json``
    with its PNG folder (things and the two stuff regions, id = R + 256 G + 256^2 B;
    see :func:`panoptic_segments`).
    """
    root = Path(root)
    if overwrite:
        for sub in ("train2017", "val2017", "annotations"):
            if (root / sub).exists():
                shutil.rmtree(root / sub)
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    info, licenses, person_cat, pan_cats = coco_header()
    image_id, ann_id = 0, 0
    for split, n in (("train", n_train), ("val", n_val)):
        (root / f"{split}2017").mkdir(exist_ok=True)
        pan_dir = root / "annotations" / f"panoptic_{split}2017"
        pan_dir.mkdir(exist_ok=True)
        images, inst, kps, caps, pans = [], [], [], [], []
        for i in range(n):
            image_id += 1 + int(rng.integers(0, 50))      # COCO ids are sparse
            crowd = crowd_every > 0 and i % crowd_every == crowd_every - 1
            scene = make_scene(rng, size, max_objects=max_objects, crowd=crowd)
            name = f"{image_id:012d}.jpg"
            Image.fromarray(scene.image).save(root / f"{split}2017" / name, quality=jpeg_quality)
            images.append({"license": 1, "file_name": name, "coco_url": "", "height": scene.height,
                           "width": scene.width, "date_captured": "2017-09-01 00:00:00", "flickr_url": "",
                           "id": image_id})
            new_inst, new_kps = coco_image_annotations(scene, image_id, ann_id + 1)
            inst += new_inst
            kps += new_kps
            ann_id += len(new_inst)
            pan_ids, segments = panoptic_segments(scene)
            png = f"{image_id:012d}.png"
            Image.fromarray(panoptic_id_to_rgb(pan_ids), mode="RGB").save(pan_dir / png)
            pans.append({"segments_info": segments, "file_name": png, "image_id": image_id})
            for sentence in _caption(scene, rng):
                ann_id += 1
                caps.append({"image_id": image_id, "id": ann_id, "caption": sentence})
        common = {"info": info, "licenses": licenses, "images": images}
        files = {
            f"instances_{split}2017.json": dict(common, annotations=inst, categories=list(COCO_CATEGORIES)),
            f"person_keypoints_{split}2017.json": dict(common, annotations=kps, categories=[person_cat]),
            f"captions_{split}2017.json": dict(common, annotations=caps),
            f"panoptic_{split}2017.json": dict(common, annotations=pans, categories=pan_cats),
        }
        for fname, content in files.items():
            with open(root / "annotations" / fname, "w") as f:
                json.dump(content, f, separators=(",", ":"))
    return root


# --------------------------------------------------------------------- shipped samples

SAMPLES = Path(__file__).resolve().parent.parent / "data"
"""Where the samples live inside the package: ``VOCdevkit/VOC2012`` and ``coco2017``."""


def write_samples(folder=SAMPLES) -> dict:
    """Write the samples shipped with lecturelib (VOC2012 and COCO 2017 layouts) into ``folder``.

    VOC: 16 scenes of 128x128 (12 train, 4 val); COCO: 6 train and 6 val scenes of
    120x160 with keypoints, captions, crowds and panoptic PNGs.

    The VOC sample shipped is exactly what this writes. The COCO sample shipped was written before the
    panoptic segment ids became ``1000 * category_id + n`` (:func:`panoptic_segments`); its ids were drawn
    at random (unique, valid), and that drawing also moved the random stream, so this function now draws
    other COCO scenes. It is kept as it is because chapter 7 picks its figures' images by id.
    """
    folder = Path(folder)
    voc_dir = write_voc(folder, n_images=16, size=128, seed=2012, val_fraction=0.25, max_objects=4,
                        border=2, jpeg_quality=90)
    coco_dir = write_coco(folder / "coco2017", n_train=6, n_val=6, size=(120, 160), seed=2026, max_objects=4)
    return {"voc": voc_dir, "coco": coco_dir}


def voc_sample_root() -> Path:
    """The shipped VOC2012-layout sample (``lecturelib/data/VOCdevkit/VOC2012``)."""
    return SAMPLES / "VOCdevkit" / "VOC2012"


def coco_sample_root() -> Path:
    """The shipped COCO-2017-layout sample (``lecturelib/data/coco2017``)."""
    return SAMPLES / "coco2017"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write-samples", action="store_true", help="regenerate lecturelib/data samples")
    parser.add_argument("--voc", metavar="FOLDER", help="write a VOC2012-layout data set into FOLDER")
    parser.add_argument("--n-images", type=int, default=200)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.write_samples:
        for k, v in write_samples().items():
            print(f"{k}: {v}")
    if args.voc:
        print(write_voc(args.voc, args.n_images, args.size, args.seed))
    if not (args.write_samples or args.voc):
        parser.print_help()


if __name__ == "__main__":
    main()
