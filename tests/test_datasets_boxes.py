"""Box conversions and IoU, checked against pixel counting."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lecturelib.datasets import boxes as B


def pixels(box, size=40):
    """The set of pixels (column, row) a 0-based xyxy integer box covers, by enumeration."""
    x0, y0, x1, y1 = box
    return {(c, r) for c in range(size) for r in range(size) if x0 <= c < x1 and y0 <= r < y1}


int_box = st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 10), st.integers(0, 10)).map(
    lambda t: (t[0], t[1], t[0] + t[2], t[1] + t[3]))


@settings(max_examples=150, deadline=None)
@given(int_box, int_box)
def test_iou_equals_pixel_count(a, b):
    pa, pb = pixels(a), pixels(b)
    expected = len(pa & pb) / len(pa | pb) if pa | pb else 0.0
    assert B.box_iou(a, b) == pytest.approx(expected)
    assert B.box_iou(b, a) == pytest.approx(expected)


@settings(max_examples=100, deadline=None)
@given(int_box)
def test_voc_corners_name_first_and_last_pixel(box):
    """VOC's (xmin, ymin, xmax, ymax) are the 1-based indices of the first and last covered pixel."""
    px = pixels(box)
    voc = B.xyxy_to_voc(box)
    if px:
        cols, rows = [p[0] for p in px], [p[1] for p in px]
        assert tuple(voc) == (min(cols) + 1, min(rows) + 1, max(cols) + 1, max(rows) + 1)
    assert np.allclose(B.voc_to_xyxy(voc), box)
    coco = B.xyxy_to_xywh(box)
    assert coco[2] * coco[3] == len(px) and np.allclose(B.coco_to_voc(coco), voc)
    assert np.allclose(B.voc_to_coco(voc), coco) and np.allclose(B.xywh_to_xyxy(coco), box)


def test_conversion_by_hand():
    assert B.coco_to_voc([10, 20, 5, 6]).tolist() == [11, 21, 15, 26]
    assert B.voc_to_coco([1, 1, 1, 1]).tolist() == [0, 0, 1, 1]


def test_pairwise_matrix():
    a = np.array([[0, 0, 2, 2], [0, 0, 4, 4]])
    b = np.array([[1, 1, 3, 3], [0, 0, 2, 2], [10, 10, 11, 11]])
    m = B.box_iou(a, b)
    assert m.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            assert m[i, j] == pytest.approx(B.box_iou(a[i], b[j]))
    assert m[0, 1] == 1.0 and m[1, 2] == 0.0 and m[0, 0] == pytest.approx(1 / 7)


def test_bad_boxes():
    with pytest.raises(ValueError, match=r"a: expected shape \(4,\) or \(N, 4\), got \(3,\)"):
        B.box_iou([0, 0, 1], [0, 0, 1, 1])
    with pytest.raises(ValueError, match="finite"):
        B.xywh_to_xyxy([0, np.nan, 1, 1])
    assert B.box_iou([0, 0, 0, 0], [0, 0, 0, 0]) == 0.0
