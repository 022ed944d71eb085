"""Chapter 7's checkers reject the plausible mistakes, each with its own message."""
import numpy as np
import pytest
import torch

from lecturelib.datasets.voc import VOID, read_label_png
from lecturelib.datasets.synthetic import voc_sample_root
from lecturelib.exercises import ch07
from exercise_utils import solution_answer


@pytest.mark.parametrize("ex", ch07.ALL, ids=[e.label for e in ch07.ALL])
def test_reference_accepted(ex):
    assert ex.evaluate(solution_answer(ex)).correct


@pytest.mark.parametrize("fn, words", [
    (lambda b: np.array([b[0], b[1], b[0] + b[2], b[1] + b[3]]), "need + 1"),
    (lambda b: np.array([b[0] + 1, b[1] + 1, b[0] + b[2] + 1, b[1] + b[3] + 1]), "one pixel too far"),
    (lambda b: np.array([b[0] + 1, b[1] + 1, b[2], b[3]]), "kept the width and height"),
    (lambda b: np.array([b[0] + 1, b[1] + 1, b[0] + b[2] - 1, b[1] + b[3] - 1]), "0-based last pixel"),
    (lambda b: np.array([b[1] + 1, b[0] + 1, b[1] + b[3], b[0] + b[2]]), "x and y are swapped"),
    (lambda b: torch.tensor([1.0, 2, 3, 4]), "torch"),
    (lambda b: [b[0] + 1, b[1] + 1], "shape (2,)"),
])
def test_coco_to_voc_mistakes(fn, words):
    v = ch07.coco_to_voc.evaluate(fn)
    assert v.status == "incorrect" and words in v.message, v.message


def _labels():
    return read_label_png(voc_sample_root() / "SegmentationClass" / f"{ch07.VOID_IMAGE}.png")


def test_void_count_by_hand():
    # an independent route: the palette PNG's indices, compared with 255 directly
    assert ch07.void_pixels.evaluate(int((_labels() == 255).sum())).correct
    assert (_labels() == VOID).sum() > 0


@pytest.mark.parametrize("make, words", [
    (lambda L, rgb: (L == 0).sum(), "background pixels"),
    (lambda L, rgb: (L != 0).sum(), "every pixel that is not background"),
    (lambda L, rgb: ((L > 0) & (L < 255)).sum(), "object pixels"),
    (lambda L, rgb: (L == 255).mean(), "fraction"),
    (lambda L, rgb: 100 * (L == 255).mean(), "percentage"),
    (lambda L, rgb: (rgb == np.array([224, 224, 192])).sum(), "channel values"),
])
def test_void_mistakes(make, words):
    v = ch07.void_pixels.evaluate(make(_labels(), ch07.void_mask_rgb()))
    assert v.status == "incorrect" and words in v.message, v.message


def iou_variant(kind):
    def f(a, b):
        iw = min(a[2], b[2]) - max(a[0], b[0])
        ih = min(a[3], b[3]) - max(a[1], b[1])
        if kind == "inclusive":
            iw, ih = iw + 1, ih + 1
        if kind != "noclip":
            iw, ih = max(iw, 0), max(ih, 0)
        e = 1 if kind == "inclusive" else 0
        aa, ab = (a[2] - a[0] + e) * (a[3] - a[1] + e), (b[2] - b[0] + e) * (b[3] - b[1] + e)
        inter = iw * ih
        return {"sum": inter / (aa + ab), "min": inter / min(aa, ab), "inter": inter}.get(
            kind, inter / (aa + ab - inter))
    return f


@pytest.mark.parametrize("kind, words", [
    ("sum", "counted twice"), ("min", "smaller area"), ("inter", "intersection area"),
    ("inclusive", "added 1"), ("noclip", "clip it at 0"),
])
def test_iou_mistakes(kind, words):
    v = ch07.box_iou.evaluate(iou_variant(kind))
    assert v.status == "incorrect" and words in v.message, v.message


def test_iou_accepts_library_function():
    from lecturelib.datasets.boxes import box_iou
    assert ch07.box_iou.evaluate(lambda a, b: float(box_iou(a, b))).correct


@pytest.mark.parametrize("answer, words", [
    (["detection", "panoptic", "captioning", "detection"], "person_keypoints"),
    (["keypoints", "detection", "captioning", "detection"], "segments_info"),
    (["keypoints", "panoptic", "captioning", "panoptic"], "instances_*.json"),
    (["keypoints", "panoptic"], "expected 4 names"),
    (["keypoints", "panoptic", "captioning", "yolo"], "not one of the COCO tasks"),
    ("keypoints", "list of 4"),
])
def test_task_mistakes(answer, words):
    v = ch07.coco_tasks.evaluate(answer)
    assert v.status == "incorrect" and words in v.message, v.message


def test_task_synonyms_accepted():
    assert ch07.coco_tasks.evaluate(["Keypoint detection", "panoptic segmentation", "caption",
                                     "object detection"]).correct


@pytest.mark.parametrize("answer, words", [((3, 17), "transposed"), ((51,), "flat list"), ((17, 2), "visibility"),
                                           ((19, 2), "skeleton"), ((4, 4), "how many keypoints")])
def test_keypoint_shape_mistakes(answer, words):
    v = ch07.keypoint_shape.evaluate(answer)
    assert v.status == "incorrect" and words in v.message, v.message


def test_stubs_not_attempted():
    def stub(*a):
        raise NotImplementedError
    for ex in ch07.ALL:
        assert ex.evaluate(...).status == "not attempted"
    assert ch07.coco_to_voc.evaluate(stub).status == "not attempted"
    assert ch07.box_iou.evaluate(stub).status == "not attempted"


def test_segmenter_data_explains_each_wrong_choice():
    ex = ch07.segmenter_data
    assert ex.evaluate("c").correct
    for letter, word in (("a", "where"), ("b", "box"), ("d", "caption")):
        v = ex.evaluate(letter)
        assert v.status == "incorrect" and word in v.message, (letter, v.message)
