"""Box conversions, statistics and drawing against a careless student's arguments: each bad
argument gets a ValueError or TypeError naming it, never a wrapped-around colour or a box of
negative size."""
import numpy as np
import pytest

from lecturelib.datasets import boxes as B
from lecturelib.datasets import draw, stats
from lecturelib.datasets.voc import voc_palette

IMG = np.full((4, 5, 3), 100, np.uint8)
MASK = np.array([[0, 1, 1, 0, 0]] * 4)


# ------------------------------------------------------------------ boxes

@pytest.mark.parametrize("fn,box", [
    (B.xywh_to_xyxy, [0, 0, -2, 3]), (B.xywh_to_xyxy, [[0, 0, 1, 1], [0, 0, 2, -1]]),
    (B.coco_to_voc, [5, 5, -1, 1]),
    (B.xyxy_to_xywh, [5, 0, 2, 3]), (B.xyxy_to_xywh, [0, 5, 3, 2]), (B.xyxy_to_voc, [4, 4, 1, 1]),
    (B.voc_to_xyxy, [10, 10, 5, 12]), (B.voc_to_coco, [10, 10, 12, 5]),
])
def test_boxes_of_negative_size_are_refused(fn, box):
    with pytest.raises(ValueError, match="^b: expected"):
        fn(box)


@pytest.mark.parametrize("box", [[1, 2, 3], [[1, 2, 3, 4, 5]], [[[0, 0, 1, 1]]], [0, 0, np.nan, 1],
                                 [0, 0, np.inf, 1], "abcd", None, [[0, 0, 1, "x"]]])
@pytest.mark.parametrize("fn", [B.xywh_to_xyxy, B.xyxy_to_xywh, B.voc_to_xyxy, B.xyxy_to_voc, B.box_area])
def test_malformed_boxes_are_refused(fn, box):
    with pytest.raises(ValueError, match="^b: expected"):
        fn(box)


def test_empty_voc_box_is_still_allowed():
    assert B.voc_to_xyxy([1, 1, 0, 0]).tolist() == [0, 0, 0, 0]


def test_complex_boxes_are_refused():
    with pytest.raises((ValueError, TypeError), match="b"):
        B.box_area(np.array([0, 0, 1, 1j]))


# ------------------------------------------------------------------ stats

@pytest.mark.parametrize("area,err", [(float("nan"), ValueError), (-1, ValueError), (float("inf"), ValueError),
                                      ("big", TypeError), (None, TypeError), (True, TypeError)])
def test_size_bucket_refuses(area, err):
    with pytest.raises(err, match="area"):
        stats.size_bucket(area)


def test_size_bucket_boundaries():
    assert [stats.size_bucket(a) for a in (0, 32 ** 2 - 1, 32 ** 2, 96 ** 2 - 0.5, 96 ** 2, np.int64(10 ** 6))] \
        == ["small", "small", "medium", "medium", "large", "large"]


# ------------------------------------------------------------------ drawing

@pytest.mark.parametrize("kw,name", [
    (dict(alpha=2), "alpha"), (dict(alpha=-0.1), "alpha"), (dict(alpha=float("nan")), "alpha"),
    (dict(alpha="0.5"), "alpha"), (dict(mask=MASK + 300), "mask"), (dict(mask=MASK - 1), "mask"),
    (dict(mask=MASK.astype(float) + 0.5), "mask"), (dict(mask=MASK[:, :4]), "mask"),
    (dict(image=IMG.astype(int) + 200), "image"), (dict(image=IMG[..., :2]), "image"),
    (dict(palette=np.zeros((2, 4))), "palette"), (dict(palette=np.full((3, 3), 300)), "palette"),
    (dict(mask=MASK * 2, palette=np.zeros((2, 3))), "mask"),
])
def test_overlay_mask_refuses(kw, name):
    args = dict(image=IMG, mask=MASK) | kw
    with pytest.raises((ValueError, TypeError), match=f"^{name}: expected"):
        draw.overlay_mask(**args)


def test_overlay_mask_blends_exactly():
    pal = voc_palette()
    full = draw.overlay_mask(IMG, MASK, alpha=1.0)
    assert np.array_equal(full[0, 1], pal[1]) and np.array_equal(full[0, 0], IMG[0, 0])
    half = draw.overlay_mask(IMG, MASK, alpha=0.5)
    assert np.array_equal(half[0, 1], np.round(0.5 * IMG[0, 1] + 0.5 * pal[1]).astype(np.uint8))
    assert np.array_equal(draw.overlay_mask(IMG, MASK, alpha=0), IMG)


@pytest.mark.parametrize("kw,name", [
    (dict(colours=np.zeros((1, 3))), "colours"), (dict(colours=np.full((2, 3), 256)), "colours"),
    (dict(colours=[1, 2, 3]), "colours"), (dict(fill_alpha=1.5), "fill_alpha"), (dict(width=0), "width"),
    (dict(width=1.5), "width"), (dict(masks=[MASK, MASK[:3]]), r"masks\[1\]"),
])
def test_outline_instances_refuses(kw, name):
    args = dict(image=IMG, masks=[MASK == 1, MASK == 0]) | kw
    with pytest.raises(ValueError, match=f"^{name}: expected"):
        draw.outline_instances(**args)


@pytest.mark.parametrize("fn,arg", [(draw.distinct_colours, -1), (draw.distinct_colours, 2.5),
                                    (draw.category_colour, -3), (draw.category_colour, "cat")])
def test_colour_helpers_refuse(fn, arg):
    with pytest.raises(ValueError):
        fn(arg)


@pytest.mark.parametrize("mask,width", [(np.zeros((2, 2, 2)), 1), (np.zeros((3, 3)), 0), (np.zeros(3), 1)])
def test_outline_refuses(mask, width):
    with pytest.raises(ValueError, match="mask|width"):
        draw.outline(mask, width)
