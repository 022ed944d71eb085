"""Procedurally rendered scenes, written in the exact VOC2012 and COCO 2017 layouts.

Each scene is a textured background of two 'stuff' regions (sky over grass, or
wall over floor) with a few non-overlapping objects of six VOC classes, one or
more per group: ``person`` (a stick figure posed from the 17 COCO keypoints),
``cat`` (animal), ``aeroplane`` and ``car`` (vehicle), ``bottle`` and
``tvmonitor`` (indoor). Every object is a set of polygons; the pixels are
rasterised from those polygons with pycocotools, so the annotations written
(boxes, masks, polygons, keypoints, panoptic segments) agree exactly with the
pictures.

API:

* ``write_voc(root, n_images=200, size=64, seed=0, val_fraction=0.25, ...)``
  writes ``root/VOCdevkit/VOC2012/`` (JPEGImages, Annotations,
  SegmentationClass, SegmentationObject, ImageSets/Main and
  ImageSets/Segmentation with train/val/trainval) and returns the ``VOC2012``
  folder. Hundreds of 64x64 images take about a second. Read it back with
  ``lecturelib.datasets.voc.load_segmentation(path, "train", stack=True)``:
  images ``(N, H, W, 3)`` uint8 and masks ``(N, H, W)`` uint8 with values in
  ``SYNTH_LABELS`` (indices into ``voc.VOC_CLASSES``) or 255 (void border).
* ``write_coco(root, n_train=4, n_val=4, size=(96, 128), seed=0)`` writes
  ``root/{train2017,val2017}/*.jpg`` and ``root/annotations/`` with
  ``instances_*``, ``person_keypoints_*``, ``captions_*`` and ``panoptic_*``
  JSON files and the ``panoptic_*2017/`` PNG folders.
* ``make_scene(rng, size, ...) -> Scene``: one scene in memory (image, stuff and
  object polygons, masks, keypoints), used by both writers.
* ``write_samples(folder)``: the samples shipped in ``lecturelib/data``;
  ``python -m lecturelib.datasets.synthetic --write-samples`` regenerates them.

``size`` is an int (square images) or ``(height, width)``.
"""
from __future__ import annotations

import argparse
import json
import math
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image
from pycocotools import mask as cocomask

from .voc import VOC_CLASSES, VOID, save_label_png

SYNTH_CLASSES = ("aeroplane", "bottle", "car", "cat", "person", "tvmonitor")
"""The VOC classes the scenes contain."""

SYNTH_LABELS = tuple(VOC_CLASSES.index(c) for c in SYNTH_CLASSES)
"""Their label indices in a VOC SegmentationClass mask (1, 5, 7, 8, 15, 20)."""

COCO_IDS = {"aeroplane": 5, "bottle": 44, "car": 3, "cat": 17, "person": 1, "tvmonitor": 72}
"""The COCO category id of each class (COCO calls them airplane and tv)."""

STUFF = {"sky": ("sky-other-merged", 187), "grass": ("grass-merged", 193),
         "wall": ("wall-other-merged", 199), "floor": ("floor-other-merged", 190)}
"""Background regions: our name -> (COCO panoptic stuff name, category id)."""

# Base colours (RGB) of the objects; each object jitters its class colour.
CLASS_COLOURS = {"aeroplane": (205, 205, 215), "bottle": (30, 125, 60), "car": (200, 35, 35),
                 "cat": (225, 135, 40), "person": (60, 70, 190), "tvmonitor": (45, 45, 55)}
SKIN = (235, 190, 150)


# --------------------------------------------------------------------- shapes

def _ellipse(cx, cy, rx, ry, n=20):
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], 1)


def _rect(x0, y0, x1, y1):
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float)


def _limb(p, q, half_width):
    p, q = np.asarray(p, float), np.asarray(q, float)
    d = q - p
    n = np.array([-d[1], d[0]]) / (np.hypot(*d) + 1e-12) * half_width
    return np.array([p + n, q + n, q - n, p - n])


def _mirror_y(poly):
    return poly * np.array([1.0, -1.0])


def _shape(cls, rng):
    """Polygons in unit coordinates (x right, y down, inside [-1, 1]^2), and for a person
    the 17 keypoints (in the COCO order) and the index of the head polygon."""
    if cls == "aeroplane":
        wing = np.array([[-0.1, -0.1], [0.25, -0.1], [-0.15, -0.7], [-0.35, -0.7]])
        tail = np.array([[-0.7, -0.05], [-0.95, -0.05], [-1.0, -0.35], [-0.85, -0.35]])
        return [_ellipse(0, 0, 1.0, 0.14, 24), wing, _mirror_y(wing), tail, _mirror_y(tail)], None, None
    if cls == "bottle":
        return [_rect(-0.33, -0.15, 0.33, 1.0),
                np.array([[-0.33, -0.15], [0.33, -0.15], [0.13, -0.45], [-0.13, -0.45]]),
                _rect(-0.12, -0.87, 0.12, -0.44), _rect(-0.16, -1.0, 0.16, -0.85)], None, None
    if cls == "car":
        return [_rect(-1.0, -0.05, 1.0, 0.35),
                np.array([[-0.55, -0.05], [0.6, -0.05], [0.35, -0.45], [-0.4, -0.45]]),
                _ellipse(-0.6, 0.38, 0.2, 0.2, 14), _ellipse(0.6, 0.38, 0.2, 0.2, 14)], None, None
    if cls == "cat":
        ear = np.array([[-0.3, -0.45], [-0.05, -0.6], [-0.27, -0.9]])
        return [_ellipse(0, 0.4, 0.55, 0.55), _ellipse(0, -0.35, 0.33, 0.3, 16), ear, ear * [-1, 1],
                _limb((0.45, 0.8), (0.85, 0.2), 0.07)], None, None
    if cls == "tvmonitor":
        return [_rect(-1.0, -0.75, 1.0, 0.45), _rect(-0.1, 0.44, 0.1, 0.66), _rect(-0.45, 0.65, 0.45, 0.75)], \
            None, None
    if cls == "person":
        return _person(rng)
    raise ValueError(f"cls: expected one of {SYNTH_CLASSES}, got {cls!r}")


def _person(rng):
    """A stick figure from the 17 COCO keypoints; +x is the person's left (facing us)."""
    kp = {"nose": (0, -0.78), "left_eye": (0.07, -0.84), "right_eye": (-0.07, -0.84),
          "left_ear": (0.16, -0.8), "right_ear": (-0.16, -0.8),
          "left_shoulder": (0.3, -0.55), "right_shoulder": (-0.3, -0.55),
          "left_hip": (0.15, 0.05), "right_hip": (-0.15, 0.05)}
    for side, sign in (("left", 1), ("right", -1)):
        a = rng.uniform(-0.2, 2.4)           # upper arm, radians from straight down, outwards
        b = a + rng.uniform(-0.3, 1.2)       # forearm
        sx, sy = kp[f"{side}_shoulder"]
        ex, ey = sx + sign * 0.3 * math.sin(a), sy + 0.3 * math.cos(a)
        kp[f"{side}_elbow"] = (ex, ey)
        kp[f"{side}_wrist"] = (ex + sign * 0.27 * math.sin(b), ey + 0.27 * math.cos(b))
        c = rng.uniform(-0.05, 0.45)         # thigh
        d = c - rng.uniform(0.0, 0.5)        # shin, bent back towards the middle
        hx, hy = kp[f"{side}_hip"]
        kx, ky = hx + sign * 0.45 * math.sin(c), hy + 0.45 * math.cos(c)
        kp[f"{side}_knee"] = (kx, ky)
        kp[f"{side}_ankle"] = (kx + sign * 0.44 * math.sin(d), ky + 0.44 * math.cos(d))
    from .coco import COCO_KEYPOINTS
    pts = np.array([kp[name] for name in COCO_KEYPOINTS], float)
    k = {name: np.array(kp[name]) for name in kp}
    polys = [np.array([k["left_shoulder"] + [0.04, 0], k["right_shoulder"] - [0.04, 0],
                       k["right_hip"] - [0.03, 0], k["left_hip"] + [0.03, 0]]),
             _limb((0, -0.66), (0, -0.5), 0.06)]
    for side in ("left", "right"):
        polys += [_limb(k[f"{side}_shoulder"], k[f"{side}_elbow"], 0.065),
                  _limb(k[f"{side}_elbow"], k[f"{side}_wrist"], 0.055),
                  _limb(k[f"{side}_hip"], k[f"{side}_knee"], 0.08),
                  _limb(k[f"{side}_knee"], k[f"{side}_ankle"], 0.07)]
    polys.append(_ellipse(0, -0.8, 0.17, 0.18, 18))
    return polys, pts, len(polys) - 1


def clip_polygon(poly, width, height):
    """Clip a polygon ``(n, 2)`` to the rectangle [0, width] x [0, height] (Sutherland-Hodgman)."""
    out = [tuple(p) for p in poly]
    edges = [(0, 0.0, 1), (0, float(width), -1), (1, 0.0, 1), (1, float(height), -1)]
    for axis, bound, sign in edges:
        if not out:
            break
        src, out = out, []
        for i, cur in enumerate(src):
            prev = src[i - 1]
            cin, pin = sign * (cur[axis] - bound) >= 0, sign * (prev[axis] - bound) >= 0
            if cin != pin:
                t = (bound - prev[axis]) / (cur[axis] - prev[axis])
                out.append((prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1])))
            if cin:
                out.append(cur)
    return np.array(out, float).reshape(-1, 2)


def polygons_to_mask(polygons, height, width) -> np.ndarray:
    """The union of polygons (each a flat ``[x0, y0, x1, y1, ...]`` list, COCO style) as a bool mask."""
    polys = [list(map(float, p)) for p in polygons if len(p) >= 6]
    if not polys:
        return np.zeros((height, width), bool)
    rle = cocomask.merge(cocomask.frPyObjects(polys, height, width))
    with warnings.catch_warnings():   # pycocotools' decode warns about numpy 2's copy keyword
        warnings.simplefilter("ignore", DeprecationWarning)
        return cocomask.decode(rle).astype(bool)


# --------------------------------------------------------------------- textures

def _smooth(rng, h, w, cells):
    grid = rng.random((max(2, cells), max(2, cells))).astype(np.float32)
    return np.asarray(Image.fromarray(grid, mode="F").resize((w, h), Image.BILINEAR))


def _texture(rng, kind, h, w, yy, xx):
    """An ``(h, w, 3)`` float image of one background kind."""
    j = rng.uniform(-25, 25, 3)
    if kind == "sky":
        base = np.array([110, 160, 225]) + j
        shade = 1.1 - 0.35 * yy[..., None] / h
        clouds = np.clip(_smooth(rng, h, w, 4) - 0.55, 0, None)[..., None] * 250
        return base * shade + clouds
    if kind == "grass":
        base = np.array([85, 160, 60]) + j
        blades = 0.85 + 0.3 * rng.random((h, w, 1))
        return base * blades * (0.85 + 0.3 * _smooth(rng, h, w, 6)[..., None])
    if kind == "wall":
        base = np.array([200, 185, 160]) + j
        bh = rng.integers(5, 9)
        row = (yy // bh).astype(int)
        bw = 2 * bh
        mortar = ((yy % bh) < 1) | (((xx + (row % 2) * bh) % bw) < 1)
        img = base * (0.9 + 0.15 * _smooth(rng, h, w, 8)[..., None])
        return np.where(mortar[..., None], base * 0.7, img)
    if kind == "floor":
        base = np.array([150, 100, 60]) + j
        plank = rng.integers(6, 12)
        grain = 0.85 + 0.1 * np.sin(xx / 2.0 + 3 * _smooth(rng, h, w, 5))[..., None]
        seams = ((yy % plank) < 1)[..., None]
        return np.where(seams, base * 0.6, base * grain)
    raise ValueError(kind)


# --------------------------------------------------------------------- scenes

@dataclass
class SceneObject:
    """One object: its class, polygons (pixel coordinates, clipped to the image), visible mask."""
    cls: str
    polygons: list              # list of (n, 2) arrays
    mask: np.ndarray            # (H, W) bool
    truncated: int = 0
    pose: str = "Unspecified"
    keypoints: np.ndarray | None = None   # (17, 3): x, y, visibility 0/1/2 (person only)
    crowd: bool = False

    @property
    def flat_polygons(self):
        return [np.round(p, 2).reshape(-1).tolist() for p in self.polygons if len(p) >= 3]


@dataclass
class Scene:
    """An image with its stuff regions and objects."""
    image: np.ndarray                       # (H, W, 3) uint8
    stuff: list                             # [(name, (H, W) bool mask)] in STUFF's names
    objects: list = field(default_factory=list)

    @property
    def height(self):
        return self.image.shape[0]

    @property
    def width(self):
        return self.image.shape[1]


def _as_hw(size):
    if isinstance(size, (int, np.integer)):
        return int(size), int(size)
    h, w = size
    return int(h), int(w)


def make_scene(rng, size=64, max_objects: int = 4, classes=SYNTH_CLASSES, scale=(0.14, 0.3),
               crowd: bool = False) -> Scene:
    """Render one scene.

    Args:
        rng: a ``numpy.random.Generator``.
        size: int or ``(height, width)`` in pixels.
        max_objects: at most this many objects (at least one), non-overlapping.
        classes: the classes to draw from (a subset of ``SYNTH_CLASSES``).
        scale: an object's half-size as a fraction of ``min(height, width)``.
        crowd: add a COCO-style crowd (a tight cluster of small bottles annotated as one region).
    """
    h, w = _as_hw(size)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    indoor = rng.random() < 0.5
    top, bottom = ("wall", "floor") if indoor else ("sky", "grass")
    horizon = h * rng.uniform(0.35, 0.6) + h * 0.04 * np.sin(2 * np.pi * xx[0] / w * rng.uniform(0.5, 2)
                                                              + rng.uniform(0, 6))
    upper = yy < horizon[None, :]
    img = np.where(upper[..., None], _texture(rng, top, h, w, yy, xx), _texture(rng, bottom, h, w, yy, xx))
    scene = Scene(image=None, stuff=[(top, upper), (bottom, ~upper)])
    boxes = []
    n = int(rng.integers(1, max_objects + 1))
    s_min = min(h, w)
    for _ in range(n):
        cls = str(rng.choice(classes))
        for _attempt in range(30):
            polys, kps, head = _shape(cls, rng)
            s = rng.uniform(*scale) * s_min
            flip = rng.random() < 0.5
            sign = -1.0 if flip else 1.0
            allpts = np.concatenate(polys)
            lo, hi = allpts.min(0) * s, allpts.max(0) * s
            # centre: keep at least 70% of each extent inside the image
            cx = rng.uniform(-lo[0] - 0.3 * (hi[0] - lo[0]), w - hi[0] + 0.3 * (hi[0] - lo[0]))
            cy = rng.uniform(-lo[1] - 0.3 * (hi[1] - lo[1]), h - hi[1] + 0.3 * (hi[1] - lo[1]))
            box = (cx + min(sign * lo[0], sign * hi[0]), cy + lo[1], cx + max(sign * lo[0], sign * hi[0]), cy + hi[1])
            if all(box[2] + 3 < b[0] or b[2] + 3 < box[0] or box[3] + 3 < b[1] or b[3] + 3 < box[1] for b in boxes):
                break
        else:
            continue
        to_px = lambda p: np.stack([cx + sign * s * p[:, 0], cy + s * p[:, 1]], 1)  # noqa: E731
        px = [to_px(p) for p in polys]
        clipped = [np.round(clip_polygon(p, w, h), 2) for p in px]  # as written to the JSON
        clipped_flat = [c.reshape(-1).tolist() for c in clipped if len(c) >= 3]
        mask = polygons_to_mask(clipped_flat, h, w)
        if mask.sum() < 12:
            continue
        boxes.append(box)
        truncated = int(box[0] < 0 or box[1] < 0 or box[2] > w or box[3] > h)
        colour = np.array(CLASS_COLOURS[cls]) + rng.uniform(-30, 30, 3)
        shade = 0.8 + 0.35 * _smooth(rng, h, w, 5)[..., None]
        img = np.where(mask[..., None], colour * shade, img)
        obj = SceneObject(cls, [c for c in clipped if len(c) >= 3], mask, truncated)
        if cls == "person":
            head_mask = polygons_to_mask([clip_polygon(px[head], w, h).reshape(-1).tolist()], h, w)
            img = np.where(head_mask[..., None], np.array(SKIN) * shade, img)
            pts = to_px(kps)
            inside = (pts[:, 0] >= 0) & (pts[:, 0] < w) & (pts[:, 1] >= 0) & (pts[:, 1] < h)
            vis = np.where(inside, 2, 0)
            if flip:        # seen from behind: face keypoints are labelled but hidden (v = 1)
                vis[:3] = np.where(inside[:3], 1, 0)
            kp = np.zeros((17, 3))
            kp[:, :2] = np.where(inside[:, None], np.round(pts, 1), 0)
            kp[:, 2] = vis
            obj.keypoints = kp
            obj.pose = "Rear" if flip else "Frontal"
        else:
            obj.pose = "Left" if flip else "Right"
        scene.objects.append(obj)
    if crowd:
        img = _add_crowd(rng, scene, img, boxes, h, w)
    scene.image = np.clip(img + rng.normal(0, 4, img.shape), 0, 255).astype(np.uint8)
    return scene


def _add_crowd(rng, scene, img, boxes, h, w):
    """A tight row of small bottles, annotated as one crowd region (iscrowd = 1)."""
    s = 0.07 * min(h, w)
    n = 6
    span = n * 0.75 * s
    for _ in range(30):
        x0, y0 = rng.uniform(2, w - span - 2), rng.uniform(s + 2, h - s - 2)
        box = (x0 - s, y0 - s, x0 + span, y0 + s)
        if all(box[2] + 3 < b[0] or b[2] + 3 < box[0] or box[3] + 3 < b[1] or b[3] + 3 < box[1] for b in boxes):
            break
    else:
        return img
    mask = np.zeros((h, w), bool)
    polys = []
    for i in range(n):
        cx = x0 + i * 0.75 * s
        for p in _shape("bottle", rng)[0]:
            polys.append(clip_polygon(np.stack([cx + s * p[:, 0], y0 + s * p[:, 1]], 1), w, h))
    mask = polygons_to_mask([p.reshape(-1).tolist() for p in polys if len(p) >= 3], h, w)
    colour = np.array(CLASS_COLOURS["bottle"]) + rng.uniform(-20, 20, 3)
    img = np.where(mask[..., None], colour * (0.8 + 0.35 * _smooth(rng, h, w, 5)[..., None]), img)
    scene.objects.append(SceneObject("bottle", [], mask, 0, "Unspecified", None, crowd=True))
    boxes.append(box)
    return img


# --------------------------------------------------------------------- label images

def void_border(labels: np.ndarray, width: int = 1) -> np.ndarray:
    """The 'void' band along outlines: pixels within ``width`` (chessboard distance) of a pixel with a
    larger label, as a bool ``(H, W)`` array.

    With background 0 and objects 1, 2, ... this is a ``width``-pixel band just outside each object
    (and, where two objects touch, inside the one with the smaller number); VOC marks such a band
    with 255 so that the uncertain pixels of an outline do not count in training or scoring.
    """
    lab = np.asarray(labels)
    pad = np.pad(lab, width, mode="edge")
    h, w = lab.shape
    border = np.zeros((h, w), bool)
    for dy in range(2 * width + 1):
        for dx in range(2 * width + 1):
            border |= pad[dy:dy + h, dx:dx + w] > lab
    return border


def scene_label_masks(scene: Scene, border: int = 1):
    """The VOC SegmentationClass and SegmentationObject masks ``(H, W)`` uint8 of a scene.

    Object ``k`` (1-based, in the order of ``scene.objects``, crowds left out) gets value
    ``k`` in the object mask and its class index in the class mask; a ``border``-pixel band
    just outside every outline (see :func:`void_border`) is 255 in both, and so is a crowd.
    """
    objects = [o for o in scene.objects if not o.crowd]
    inst = np.zeros((scene.height, scene.width), np.int32)
    cls = np.zeros((scene.height, scene.width), np.uint8)
    for k, o in enumerate(objects, 1):
        inst[o.mask] = k
        cls[o.mask] = VOC_CLASSES.index(o.cls)
    for o in scene.objects:              # VOC has no crowds: mark them void
        if o.crowd:
            inst[o.mask] = -1
    void = void_border(inst, border) if border > 0 else np.zeros(inst.shape, bool)
    void |= inst < 0
    obj = inst.astype(np.uint8)
    obj[void] = VOID
    cls[void] = VOID
    return cls, obj


def mask_box(mask: np.ndarray):
    """``(x0, y0, x1, y1)``: 0-based column/row indices of the first and last pixels of a mask."""
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    return int(cols[0]), int(rows[0]), int(cols[-1]), int(rows[-1])


# --------------------------------------------------------------------- VOC writer

def _voc_xml(ident, scene, objects):
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
              first_id: int = 1, overwrite: bool = True) -> Path:
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
        scene = make_scene(rng, size, max_objects=max_objects, classes=classes)
        objects = [o for o in scene.objects if not o.crowd]
        Image.fromarray(scene.image).save(dirs["JPEGImages"] / f"{ident}.jpg", quality=jpeg_quality)
        cls_mask, obj_mask = scene_label_masks(scene, border)
        save_label_png(dirs["SegmentationClass"] / f"{ident}.png", cls_mask)
        save_label_png(dirs["SegmentationObject"] / f"{ident}.png", obj_mask)
        (dirs["Annotations"] / f"{ident}.xml").write_text(_voc_xml(ident, scene, objects))
        ids.append(ident)
        present.append({o.cls for o in objects})
    n_val = int(round(val_fraction * n_images))
    splits = {"train": list(range(n_images - n_val)), "val": list(range(n_images - n_val, n_images))}
    splits["trainval"] = splits["train"] + splits["val"]
    from .voc import VOC_OBJECT_CLASSES
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


def write_coco(root, n_train: int = 4, n_val: int = 4, size=(96, 128), seed: int = 0, max_objects: int = 4,
               crowd_every: int = 3, jpeg_quality: int = 90, overwrite: bool = True) -> Path:
    """Write scenes in the COCO 2017 layout under ``root`` and return ``root``.

    Writes ``train2017/``, ``val2017/`` (JPEGs named by the 12-digit image id) and
    ``annotations/``: ``instances_*2017.json`` (all 80 categories, polygons for
    objects, a plain-RLE crowd region in every ``crowd_every``-th image),
    ``person_keypoints_*2017.json`` (the 17 keypoints with visibility flags),
    ``captions_*2017.json`` (two sentences per image) and ``panoptic_*2017.json``
    with its PNG folder (things and the two stuff regions, id = R + 256 G + 256^2 B).
    """
    from .coco import COCO_CATEGORIES, COCO_KEYPOINTS, COCO_SKELETON, mask_to_rle, panoptic_id_to_rgb
    root = Path(root)
    if overwrite:
        for sub in ("train2017", "val2017", "annotations"):
            if (root / sub).exists():
                shutil.rmtree(root / sub)
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    info = {"description": "lecturelib synthetic scenes in the COCO 2017 layout", "version": "1.0",
            "year": 2017, "contributor": "lecturelib", "date_created": "2017/09/01"}
    licenses = [{"id": 1, "name": "CC0 1.0", "url": "https://creativecommons.org/publicdomain/zero/1.0/"}]
    person_cat = dict(COCO_CATEGORIES[0], keypoints=list(COCO_KEYPOINTS), skeleton=[list(p) for p in COCO_SKELETON])
    used_stuff = sorted(set(STUFF.values()), key=lambda t: t[1])
    stuff_super = {"sky-other-merged": "sky", "grass-merged": "plant", "wall-other-merged": "wall",
                   "floor-other-merged": "floor"}
    pan_cats = ([dict(c, isthing=1) for c in COCO_CATEGORIES]
                + [{"supercategory": stuff_super[name], "id": cid, "name": name, "isthing": 0}
                   for name, cid in used_stuff])
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
            pan_ids = np.zeros((scene.height, scene.width), np.int64)
            segments, used = [], set()

            def new_segment_id(cat_id):
                while True:
                    sid = int(rng.integers(1, 256 ** 3))
                    if sid not in used:
                        used.add(sid)
                        return sid

            for o in scene.objects:
                ann_id += 1
                cat = COCO_IDS[o.cls]
                if o.crowd:
                    seg = mask_to_rle(o.mask)
                else:
                    seg = o.flat_polygons
                rle = cocomask.encode(np.asfortranarray(o.mask.astype(np.uint8)))
                bbox = [round(float(v), 2) for v in cocomask.toBbox(rle)]
                area = int(o.mask.sum())
                ann = {"segmentation": seg, "area": area, "iscrowd": int(o.crowd), "image_id": image_id,
                       "bbox": bbox, "category_id": cat, "id": ann_id}
                inst.append(ann)
                if o.keypoints is not None:
                    flat = [int(round(v)) if k % 3 == 2 else round(float(v), 1)
                            for k, v in enumerate(o.keypoints.reshape(-1))]
                    kps.append(dict(ann, keypoints=flat, num_keypoints=int((o.keypoints[:, 2] > 0).sum())))
                sid = new_segment_id(cat)
                pan_ids[o.mask] = sid
                segments.append({"id": sid, "category_id": cat, "iscrowd": int(o.crowd), "bbox": bbox,
                                 "area": area})
            for stuff_name, region in scene.stuff:
                cname, cid = STUFF[stuff_name]
                pix = region & (pan_ids == 0)
                if not pix.any():
                    continue
                sid = new_segment_id(cid)
                pan_ids[pix] = sid
                x0, y0, x1, y1 = mask_box(pix)
                segments.append({"id": sid, "category_id": cid, "iscrowd": 0,
                                 "bbox": [x0, y0, x1 - x0 + 1, y1 - y0 + 1], "area": int(pix.sum())})
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
