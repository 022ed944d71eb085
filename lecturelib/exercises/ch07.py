"""Exercises of chapter 7, the Pascal VOC and COCO datasets.

In the notebook: ``from lecturelib.exercises import ch07`` then, e.g.,
``ch07.coco_to_voc.check(coco_box_to_voc)``.
"""
from __future__ import annotations

import numpy as np

from ..datasets import boxes as _boxes
from ..datasets.coco import annotation_task
from ..datasets.synthetic import voc_sample_root
from ..datasets.voc import VOID, mask_to_rgb, read_label_png
from . import Exercise, NotAttempted, Wrong, call, diagnose, expect_array, expect_number, expect_shape


# ------------------------------------------------------------ 1. COCO box -> VOC corners

COCO_BOXES = [np.array(b, float) for b in ([10, 20, 5, 6], [0, 0, 1, 1], [33, 7, 12, 40], [3, 50, 25, 2])]


def _judge_coco_to_voc(fn):
    for b in COCO_BOXES:
        got = expect_array(call(fn, b.copy()), (4,), "coco_box_to_voc")
        x, y, w, h = b
        right = np.array([x + 1, y + 1, x + w, y + h])
        diagnose(got, right, {
            "these are 0-based corners [x, y, x + w, y + h]; VOC counts pixels from 1, so the first two "
            "coordinates need + 1 (the last pixel of a box starting at x with width w is x + w in VOC).":
                np.array([x, y, x + w, y + h]),
            "the far corner is one pixel too far: VOC's xmax is the last pixel inside the box, x + w "
            "(1-based), not x + w + 1.": np.array([x + 1, y + 1, x + w + 1, y + h + 1]),
            "you kept the width and height: VOC stores the far corner (xmax, ymax), not (w, h).":
                np.array([x + 1, y + 1, w, h]),
            "the far corner is x + w - 1 (0-based last pixel); in VOC's 1-based numbering it is x + w.":
                np.array([x + 1, y + 1, x + w - 1, y + h - 1]),
            "x and y are swapped: both formats put x (the column) first.": np.array([y + 1, x + 1, y + h, x + w]),
        }, generic="not VOC's (xmin, ymin, xmax, ymax). Draw a 2-pixel-wide box starting at x = 0 and number "
                   "its pixels from 1.")
    return "(x, y, w, h) -> (x + 1, y + 1, x + w, y + h) on four boxes."


coco_to_voc = Exercise(
    "ex-coco-to-voc", "COCO box to VOC corners", handle="ch07.coco_to_voc", judge=_judge_coco_to_voc,
    hints=["COCO's [x, y, w, h] uses 0-based continuous coordinates: the box covers columns x .. x + w - 1.",
           "VOC names the first and last pixel column inside the box, counting from 1."],
    solution="""
    def coco_box_to_voc(box):
        x, y, w, h = box
        return np.array([x + 1, y + 1, x + w, y + h])
    """,
)


# ------------------------------------------------------------ 2. void pixels in a palette mask

VOID_IMAGE = "2012_000003"


def void_mask_rgb() -> np.ndarray:
    """The exercise's mask as colours ``(H, W, 3)`` uint8: SegmentationClass/2012_000003.png of the sample."""
    return mask_to_rgb(read_label_png(voc_sample_root() / "SegmentationClass" / f"{VOID_IMAGE}.png"))


def _judge_void(answer):
    value = expect_number(answer)
    labels = read_label_png(voc_sample_root() / "SegmentationClass" / f"{VOID_IMAGE}.png")
    n = labels.size
    right = int((labels == VOID).sum())
    rgb = mask_to_rgb(labels)
    mistakes = {
        "that is the number of background pixels (label 0, black); void is label 255, (224, 224, 192).":
            int((labels == 0).sum()),
        "that counts every pixel that is not background, objects included; count only label 255.":
            int((labels != 0).sum()),
        "that is the number of object pixels (labels 1..20); void is label 255.":
            int(((labels > 0) & (labels != VOID)).sum()),
        "that is a fraction of the image; the question asks for a number of pixels.": right / n,
        "that is a percentage; the question asks for a number of pixels.": 100 * right / n,
        "you counted matching channel values, not pixels: a pixel is void when all three channels match.":
            int((rgb == np.array([224, 224, 192])).sum()),
    }
    diagnose(value, right, mistakes, rtol=0, atol=0.5,
             generic="not the number of void pixels. Find the colour of label 255 with voc_palette() and count the "
                     "pixels whose three channels all equal it.")
    return f"{right} of the {n} pixels ({100 * right / n:.1f}%) are void: the band along the object outlines."


void_pixels = Exercise(
    "ex-void-pixels", "count the void pixels", handle="ch07.void_pixels", judge=_judge_void,
    hints=["voc_palette()[255] is the colour of the void label.",
           "np.all(rgb == colour, axis=-1) is True where all three channels match; .sum() counts those pixels."],
    solution="""
    from lecturelib.datasets.voc import voc_palette
    from lecturelib.exercises.ch07 import void_mask_rgb
    rgb = void_mask_rgb()
    answer = int(np.all(rgb == voc_palette()[255], axis=-1).sum())
    """,
)


# ------------------------------------------------------------ 3. IoU of two boxes

IOU_CASES = [([0, 0, 4, 4], [2, 2, 6, 6]), ([1, 1, 3, 5], [2, 0, 6, 2]), ([0, 0, 2, 2], [5, 5, 7, 9]),
             ([0, 0, 10, 10], [2, 3, 5, 4]), ([0, 0, 3, 3], [3, 0, 6, 3]), ([0, 0, 4, 4], [0, 0, 4, 4]),
             ([0, 0, 4, 2], [1, 5, 3, 8]),    # apart along y only: x overlaps, y does not
             ([0, 0, 2, 4], [5, 1, 7, 3])]    # apart along x only
"""Pairs chosen so that each mistake below gives a wrong number on at least one of them: the last two
are apart along one axis only, so clipping the intersection along the other axis alone fails."""


def _raw(a, b, inclusive=False, clip=True, how="union"):
    e = 1.0 if inclusive else 0.0
    iw, ih = min(a[2], b[2]) - max(a[0], b[0]) + e, min(a[3], b[3]) - max(a[1], b[1]) + e
    if clip in (True, "x"):
        iw = max(iw, 0.0)
    if clip in (True, "y"):
        ih = max(ih, 0.0)
    inter = iw * ih
    area_a, area_b = (a[2] - a[0] + e) * (a[3] - a[1] + e), (b[2] - b[0] + e) * (b[3] - b[1] + e)
    if how == "union":
        return inter / (area_a + area_b - inter)
    if how == "sum":
        return inter / (area_a + area_b)
    if how == "min":
        return inter / min(area_a, area_b)
    return inter


def _judge_iou(fn):
    for a, b in IOU_CASES:
        a, b = np.array(a, float), np.array(b, float)
        got = expect_number(call(fn, a.copy(), b.copy()), "box_iou")
        right = float(_boxes.box_iou(a, b))
        diagnose(got, right, {
            "you divided by |A| + |B|: the overlap is counted twice there; the union is |A| + |B| - |A ∩ B|.":
                _raw(a, b, how="sum"),
            "you divided by the smaller area; IoU divides by the union.": _raw(a, b, how="min"),
            "that is the intersection area; divide it by the area of the union.": _raw(a, b, how="inter"),
            "you added 1 to widths and heights (VOC's inclusive pixel corners); these are [x0, y0, x1, y1] "
            "continuous coordinates, width x1 - x0.": _raw(a, b, inclusive=True),
            # (before the no-clipping entry: on a pair apart along one axis the two give the same number,
            # and the more specific diagnosis should win; a pair apart along both tells no-clipping apart)
            "you clipped the intersection's width at 0 but not its height: boxes apart along y get a "
            "negative overlap. Clip both.": _raw(a, b, clip="x"),
            "you clipped the intersection's height at 0 but not its width: boxes apart along x get a "
            "negative overlap. Clip both.": _raw(a, b, clip="y"),
            "for boxes that do not overlap the intersection width or height is negative: clip it at 0.":
                _raw(a, b, clip=False),
        }, rtol=1e-6, atol=1e-9, generic=f"wrong IoU for a = {a.tolist()}, b = {b.tolist()}: expected a number "
                                         f"in [0, 1]; intersect the x ranges and the y ranges separately.")
    return (f"your IoU matches the pixel-count definition on {len(IOU_CASES)} pairs, touching and disjoint "
            f"boxes included.")


box_iou = Exercise(
    "ex-box-iou", "IoU of two boxes", handle="ch07.box_iou", judge=_judge_iou,
    hints=["The intersection of two boxes is a box: [max(x0), max(y0), min(x1), min(y1)], empty when the "
           "maximum passes the minimum.",
           "IoU = inter / (area_a + area_b - inter)."],
    solution="""
    def my_box_iou(a, b):
        w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
        h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
        inter = w * h
        union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
        return inter / union if union > 0 else 0.0
    """,
)


# ------------------------------------------------------------ 4. which COCO task?

TASK_RECORDS = [
    {"id": 7, "image_id": 285, "category_id": 1, "bbox": [12.0, 30.5, 40.0, 88.0], "area": 2100.0, "iscrowd": 0,
     "segmentation": [[12.0, 30.5, 52.0, 30.5, 52.0, 118.5, 12.0, 118.5]], "num_keypoints": 11,
     "keypoints": [30, 40, 2] + [0, 0, 0] * 5 + [25, 60, 2] * 10 + [0, 0, 0]},
    {"image_id": 285, "file_name": "000000000285.png",
     "segments_info": [{"id": 3226956, "category_id": 23, "iscrowd": 0, "bbox": [1, 69, 585, 564], "area": 275827}]},
    {"id": 41, "image_id": 285, "caption": "A big brown bear sitting in the grass."},
    {"id": 9, "image_id": 285, "category_id": 23, "bbox": [1.1, 69.1, 585.0, 564.0], "area": 275827.0,
     "iscrowd": 0, "segmentation": [[1.1, 69.1, 586.1, 69.1, 586.1, 633.1, 1.1, 633.1]]},
]
TASK_SYNONYMS = {"detection": "detection", "object detection": "detection", "instances": "detection",
                 "instance segmentation": "detection", "segmentation": "detection",
                 "keypoints": "keypoints", "keypoint detection": "keypoints", "keypoint": "keypoints", "pose": "keypoints",
                 "panoptic": "panoptic", "panoptic segmentation": "panoptic",
                 "captioning": "captioning", "captions": "captioning", "caption": "captioning",
                 "densepose": "densepose"}


def _judge_tasks(answer):
    if answer is ...:
        raise NotAttempted("the answer is still `...`")
    if isinstance(answer, str) or not isinstance(answer, (list, tuple)):
        raise Wrong(f"expected a list of {len(TASK_RECORDS)} task names such as ['detection', ...], "
                    f"got {type(answer).__name__}.")
    if len(answer) != len(TASK_RECORDS):
        raise Wrong(f"expected {len(TASK_RECORDS)} names, one per record, got {len(answer)}.")
    right = [annotation_task(r) for r in TASK_RECORDS]
    for i, (got, want) in enumerate(zip(answer, right)):
        if not isinstance(got, str):
            raise Wrong(f"entry {i} is a {type(got).__name__}; write each task as a string such as 'detection'.")
        norm = TASK_SYNONYMS.get(got.strip().lower())
        if norm is None:
            raise Wrong(f"entry {i}: {got!r} is not one of the COCO tasks {sorted(set(TASK_SYNONYMS.values()))}.")
        if norm != want:
            if i == 0 and norm == "detection":
                raise Wrong("record 0 has a box and a mask, but also 'keypoints' and 'num_keypoints': it comes from "
                            "person_keypoints_*.json, the keypoint task.")
            if i == 1 and norm in ("detection", "keypoints"):
                raise Wrong("record 1 has no box of its own but 'segments_info' and a PNG 'file_name': a panoptic "
                            "annotation covers a whole image.")
            if i == 3 and norm == "panoptic":
                raise Wrong("record 3 is one object with a bbox and a polygon: an instances_*.json record "
                            "(detection / instance segmentation); panoptic records describe whole images.")
            raise Wrong(f"entry {i}: {got!r} is not right; look at which fields record {i} has.")
    return f"{right}: the fields tell the file (and the task) a record comes from."


coco_tasks = Exercise(
    "ex-coco-tasks", "which COCO task?", handle="ch07.coco_tasks", judge=_judge_tasks,
    hints=["Look for the field that only one annotation file has: 'keypoints', 'segments_info', 'caption'.",
           "A record with only bbox + segmentation comes from instances_*.json."],
    solution="""
    answer = ["keypoints", "panoptic", "captioning", "detection"]
    """,
)


# ------------------------------------------------------------ 5. keypoint array shape

def _judge_kp_shape(answer):
    got = expect_shape(answer)
    right = (17, 3)
    mistakes = {(3, 17): "that is transposed: one row per keypoint, holding x, y and v.",
                (51,): "that is the flat list as stored in the JSON; reshape it to one row per keypoint.",
                (17, 2): "the visibility flag v is the third number of every keypoint.",
                (19, 2): "that is the shape of the skeleton (19 limbs), not of the keypoints.",
                (1, 51): "reshape the 51 numbers into one row per keypoint."}
    if got == right:
        return "(17, 3): x, y and the visibility flag v for each of the 17 keypoints."
    raise Wrong(mistakes.get(got, f"{got} is not it: how many keypoints does a COCO person have, and how many "
                                  f"numbers describe each?"))


keypoint_shape = Exercise(
    "ex-keypoint-shape", "keypoints as an array", handle="ch07.keypoint_shape", judge=_judge_kp_shape,
    hints=["A COCO person has 17 keypoints.", "Each keypoint is stored as x, y, v."],
    solution="""
    answer = (17, 3)
    """,
)

ALL = [coco_to_voc, void_pixels, box_iou, coco_tasks, keypoint_shape]


# ------------------------------------------------------------ discussion: training data for a segmenter

from .discussion import choice_exercise  # noqa: E402

segmenter_data = choice_exercise(
    "ex-segmenter-data", "what a semantic segmenter learns from", handle="ch07.segmenter_data",
    choices={"a": "images with a list of the classes present (VOC's classification labels)",
             "b": "images with a box and a class for every object",
             "c": "images with a class for every pixel (VOC's SegmentationClass masks), void pixels left out",
             "d": "images with a caption each (COCO's captions)"},
    right="c",
    why_not={"a": "a list of classes says nothing about where they are; a per-pixel loss needs a per-pixel target.",
             "b": "a box covers background too; training every pixel in the box as the object teaches wrong edges. "
                  "(Boxes can help as weak labels, but they are not the target.)",
             "d": "a caption names things but gives neither their place nor their outline."},
    because="the loss compares a class prediction with the true class at every pixel, so every pixel needs a "
            "label; the void border (255) is skipped by ignore_index. Such masks are expensive to draw, which is "
            "why VOC2012 has masks for only 2,913 of its 11,530 images.",
    hints=["What does the network output, and what must the loss compare it with?",
           "Which of VOC's folders has one label per pixel?"])
ALL.append(segmenter_data)
