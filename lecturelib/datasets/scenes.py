"""Procedurally drawn scenes: the pictures and their exact annotations, in memory.

Each scene is a background of two 'stuff' regions (sky over grass, or wall over
floor) with a few non-overlapping objects of six VOC classes: ``person`` (a stick
figure posed from the 17 COCO keypoints), ``cat``, ``aeroplane``, ``car``,
``bottle`` and ``tvmonitor``. Every object is a set of polygons; its pixels are
rasterised from those polygons with pycocotools, so that every annotation derived
from a scene (boxes, masks, polygons, keypoints, panoptic segments) agrees exactly
with the picture. The writers in :mod:`lecturelib.datasets.synthetic` turn scenes
into the VOC2012 and COCO 2017 layouts.

Two ways to paint a scene (``make_scene(..., colours=...)``):

* ``"class"``: every class in its own colour (a red car, a blue person, a green
  bottle) on backgrounds of their natural colours; the shipped samples and
  chapter 7's pictures. A single pixel's colour nearly gives its class away.
* ``"shared"``: every object and both background regions draw a *material*
  (a colour and a texture) at random from one shared set (:data:`MATERIAL_COLOURS`,
  :data:`MATERIAL_PATTERNS`), the same for every class, each object in a material
  that differs from the background around it. Only shape and context tell the
  classes apart; chapter 8 uses these.

API: ``make_scene(rng, size, ...) -> Scene``; ``scene_label_masks(scene, border)``
(the VOC class and object masks with the void band); ``void_border``;
``polygons_to_mask``; ``clip_polygon``; ``mask_box``.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from PIL import Image
from pycocotools import mask as cocomask

from .coco import COCO_KEYPOINTS
from .voc import VOC_CLASSES, VOID

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


MATERIAL_COLOURS = ((215, 215, 222), (45, 45, 55), (200, 40, 40), (225, 135, 40), (220, 200, 70),
                    (70, 150, 60), (40, 140, 140), (60, 80, 190), (130, 75, 165), (140, 95, 60),
                    (230, 150, 170), (120, 170, 230), (205, 185, 160), (125, 125, 125))
"""The shared colours (RGB) of ``colours="shared"`` scenes: every class and background draws from these."""

MATERIAL_PATTERNS = ("smooth", "grain", "stripes", "checks", "bricks", "blotches")
"""The shared textures of ``colours="shared"`` scenes."""


def _pattern(rng, kind, h, w):
    """An ``(h, w)`` brightness factor around 1 for one texture of :data:`MATERIAL_PATTERNS`."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == "smooth":
        return 0.85 + 0.3 * _smooth(rng, h, w, 5)
    if kind == "grain":
        return 0.8 + 0.4 * rng.random((h, w))
    if kind == "stripes":
        angle, period = rng.uniform(0, np.pi), rng.uniform(3, 8)
        return 1 + 0.18 * np.sin(2 * np.pi * (xx * np.cos(angle) + yy * np.sin(angle)) / period)
    if kind == "checks":
        cell = int(rng.integers(3, 7))
        return np.where(((yy // cell) + (xx // cell)) % 2 == 0, 0.85, 1.12)
    if kind == "bricks":
        bh = int(rng.integers(4, 8))
        row = (yy // bh).astype(int)
        mortar = ((yy % bh) < 1) | (((xx + (row % 2) * bh) % (2 * bh)) < 1)
        return np.where(mortar, 0.7, 1.0)
    if kind == "blotches":
        return 0.8 + 0.45 * (_smooth(rng, h, w, 7) > 0.55)
    raise ValueError(f"kind: expected one of {MATERIAL_PATTERNS}, got {kind!r}")


def material(rng, h: int, w: int, avoid=None, min_distance: float = 90.0):
    """A random material of the shared set: an ``(h, w, 3)`` float image (a colour of
    :data:`MATERIAL_COLOURS`, jittered, times a texture of :data:`MATERIAL_PATTERNS`) and its colour.

    ``avoid``: an RGB colour the material must differ from by at least ``min_distance`` (Euclidean),
    so that an object stands out from what is behind it (its outline stays visible); which colour
    it gets still says nothing about its class.
    """
    for _ in range(50):
        colour = np.array(MATERIAL_COLOURS[int(rng.integers(len(MATERIAL_COLOURS)))], float)
        colour = colour + rng.uniform(-20, 20, 3)
        if avoid is None or np.linalg.norm(colour - np.asarray(avoid, float)) >= min_distance:
            break
    kind = MATERIAL_PATTERNS[int(rng.integers(len(MATERIAL_PATTERNS)))]
    return colour * _pattern(rng, kind, h, w)[..., None], colour


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


COLOUR_MODES = ("class", "shared")
"""How :func:`make_scene` paints: each class in its own colour, or materials from one shared set."""


def make_scene(rng, size=64, max_objects: int = 4, classes=SYNTH_CLASSES, scale=(0.14, 0.3),
               crowd: bool = False, colours: str = "class") -> Scene:
    """Render one scene.

    Args:
        rng: a ``numpy.random.Generator``.
        size: int or ``(height, width)`` in pixels.
        max_objects: at most this many objects (at least one), non-overlapping.
        classes: the classes to draw from (a subset of ``SYNTH_CLASSES``).
        scale: an object's half-size as a fraction of ``min(height, width)``.
        crowd: add a COCO-style crowd (a tight cluster of small bottles annotated as one region).
        colours: ``"class"`` (each class in its own colour, natural backgrounds) or ``"shared"``
            (objects and backgrounds in random materials from one shared set; see the module docstring).
    """
    if colours not in COLOUR_MODES:
        raise ValueError(f"colours: expected one of {COLOUR_MODES}, got {colours!r}")
    for c in classes:
        if c not in SYNTH_CLASSES:
            raise ValueError(f"classes: expected names from {SYNTH_CLASSES}, got {c!r}")
    shared = colours == "shared"
    h, w = _as_hw(size)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    indoor = rng.random() < 0.5
    top, bottom = ("wall", "floor") if indoor else ("sky", "grass")
    horizon = h * rng.uniform(0.35, 0.6) + h * 0.04 * np.sin(2 * np.pi * xx[0] / w * rng.uniform(0.5, 2)
                                                              + rng.uniform(0, 6))
    upper = yy < horizon[None, :]
    if shared:
        top_img, top_colour = material(rng, h, w)
        bottom_img, _ = material(rng, h, w, avoid=top_colour)
        img = np.where(upper[..., None], top_img, bottom_img)
    else:
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
        if shared:      # a material unlike the background it stands on; the head is not told apart
            paint, _ = material(rng, h, w, avoid=img[mask].mean(0))
        else:
            colour = np.array(CLASS_COLOURS[cls]) + rng.uniform(-30, 30, 3)
            shade = 0.8 + 0.35 * _smooth(rng, h, w, 5)[..., None]
            paint = colour * shade
        img = np.where(mask[..., None], paint, img)
        obj = SceneObject(cls, [c for c in clipped if len(c) >= 3], mask, truncated)
        if cls == "person":
            if not shared:
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
        img = _add_crowd(rng, scene, img, boxes, h, w, shared)
    scene.image = np.clip(img + rng.normal(0, 4, img.shape), 0, 255).astype(np.uint8)
    return scene


def _add_crowd(rng, scene, img, boxes, h, w, shared=False):
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
    if shared:
        paint, _ = material(rng, h, w, avoid=img[mask].mean(0))
    else:
        colour = np.array(CLASS_COLOURS["bottle"]) + rng.uniform(-20, 20, 3)
        paint = colour * (0.8 + 0.35 * _smooth(rng, h, w, 5)[..., None])
    img = np.where(mask[..., None], paint, img)
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

