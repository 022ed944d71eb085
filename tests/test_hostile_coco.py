"""COCO readers against hostile input: sizes that would crash pycocotools' decoder, RLE strings
that are not RLE, files that block, annotations that contradict their image, panoptic files
that disagree with their image. Each must be refused with a clear error, before any decoding."""
import copy
import json
import os

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from PIL import Image
from pycocotools import mask as cocomask

from lecturelib.datasets import coco, synthetic
from lecturelib.datasets.errors import DatasetFormatError
from coco_helpers import check_bad, sample_instances
from timeouts import alarm

SAMPLE = synthetic.coco_sample_root()




SQUARE = {"segmentation": [[1, 1, 5, 1, 5, 4, 1, 4]]}


# ------------------------------------------------------------------ sizes before decoding

@pytest.mark.parametrize("h,w,problem", [
    (10 ** 6, 10 ** 6, "more than the limit"), (1, 10 ** 9, "more than the limit"),
    (0, 5, "height"), (5, -1, "width"), (2.5, 4, "height"), (True, 4, "height"), ("8", 8, "height"),
    (None, 8, "height")])
def test_mask_size_is_checked_before_pycocotools(h, w, problem):
    for ann in (SQUARE, {"segmentation": {"counts": "5", "size": [h, w]}}):
        with pytest.raises(ValueError, match=problem):
            coco.ann_to_mask(ann, h, w)


@pytest.mark.parametrize("seg,problem", [
    ([[1, 2, 3]], "polygon 0"), ([[1, 2, 3, 4, 5]], "polygon 0"), ([[0, 0, 1, 0, float("nan"), 1]], "polygon 0"),
    ([[0, 0, 1, 0, float("inf"), 1]], "polygon 0"), ([["a", 0, 1, 0, 1, 1]], "polygon 0"), ([5], "polygon 0"),
    ("abc", "expected a list of polygons or an RLE"), (None, "expected a list of polygons or an RLE"),
    ({"counts": "5", "size": [3, 3]}, "RLE counts must"),
    ({"counts": "!!!!", "size": [3, 3]}, "not one of '0'..'o'"),
    ({"counts": "o", "size": [3, 3]}, "ends in the middle"),
    ({"counts": "p", "size": [3, 3]}, "not one of '0'..'o'"),
    ({"counts": "3\u00e9", "size": [3, 3]}, "not one of"),
    ({"counts": b"\xff", "size": [3, 3]}, "ASCII"),
    ({"counts": [4, -1, 6], "size": [3, 3]}, "non-negative"),
    ({"counts": [4, 1.5, 3.5], "size": [3, 3]}, "non-negative integers"),
    ({"counts": [4, 4], "size": [3, 3]}, "summing to height"),
    ({"counts": [9], "size": [3, 4]}, "RLE size"),
    ({"counts": [9]}, "needs 'counts' and 'size'"),
    ({"counts": 9, "size": [3, 3]}, "list of ints or a string"),
])
def test_bad_segmentations_raise_value_error(seg, problem):
    with pytest.raises(ValueError, match=problem):
        coco.ann_to_mask({"segmentation": seg}, 3, 3)


def test_a_negative_run_in_a_compressed_string_is_refused():
    # counts [2, 3, 4] then a 4th number stored as a difference of -10 from counts[1] = 3 -> -7
    good = cocomask.encode(np.asfortranarray(np.zeros((3, 3), np.uint8)))["counts"].decode()
    assert coco.rle_string_counts(good) == [9]
    s = "234" + chr(48 + ((-10) & 0x1F))                 # one 5-bit group, sign bit set: -10
    assert coco.rle_string_counts(s) == [2, 3, 4, -7]
    with pytest.raises(ValueError, match="negative run"):
        coco.ann_to_mask({"segmentation": {"counts": s, "size": [3, 3]}}, 3, 3)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30), st.integers(1, 30), st.integers(0, 2 ** 31 - 1), st.floats(0, 1))
def test_rle_string_counts_agree_with_pycocotools(h, w, seed, p):
    """The decoder of the validity check reads the same runs as pycocotools writes."""
    m = np.random.default_rng(seed).random((h, w)) < p
    s = cocomask.encode(np.asfortranarray(m.astype(np.uint8)))["counts"]
    assert coco.rle_string_counts(s) == coco.mask_to_rle(m)["counts"]


# ------------------------------------------------------------------ files that block or never end

def test_fifo_json_is_refused(tmp_path):
    fifo = tmp_path / "instances.json"
    os.mkfifo(fifo)
    with alarm(5), pytest.raises(DatasetFormatError, match="not a regular file"):
        coco.load_coco(fifo)


def test_link_to_dev_zero_is_refused(tmp_path):
    link = tmp_path / "instances.json"
    link.symlink_to("/dev/zero")
    with alarm(5), pytest.raises(DatasetFormatError, match="not a regular file"):
        coco.load_coco(link)


@pytest.mark.parametrize("text,problem", [("[" * 100_000 + "]" * 100_000, "malformed JSON"),
                                          ('{"images": [' + "9" * 5000 + "]}", "malformed JSON"),
                                          ("\ufeff{}", "missing field 'images'"), ("", "malformed JSON")])
def test_pathological_json_names_the_file(tmp_path, text, problem):
    path = tmp_path / "x.json"
    path.write_text(text)
    with pytest.raises(DatasetFormatError, match=problem) as err:
        coco.load_coco(path)
    assert str(path) in str(err.value)


def test_oversized_json_is_refused(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{}" + " " * 200)
    with pytest.raises(DatasetFormatError, match="more than the limit of 100 bytes"):
        coco._load_json(path, max_bytes=100)


# ------------------------------------------------------------------ annotations that contradict their image

@pytest.fixture
def instances():
    return sample_instances()


def first_polygon(d):
    return next(a for a in d["annotations"] if isinstance(a["segmentation"], list))


def first_crowd(d):
    return next(a for a in d["annotations"] if a["iscrowd"])


@pytest.mark.parametrize("edit,problem", [
    (lambda d: d["annotations"][0].update(area=10 ** 9), "is larger than its"),
    (lambda d: first_polygon(d).update(iscrowd=1), "iscrowd is 1 but the segmentation is not an RLE"),
    (lambda d: first_crowd(d)["segmentation"].update(counts="5"), "RLE counts must"),
    (lambda d: first_crowd(d)["segmentation"].update(counts="!!!!"), "not one of '0'..'o'"),
    (lambda d: first_crowd(d)["segmentation"].update(counts="o"), "ends in the middle"),
    (lambda d: d["images"][0].update(height=10 ** 6, width=10 ** 6), "more than the limit"),
    (lambda d: first_crowd(d)["segmentation"].update(size=[-1, 5]), "RLE size"),
    (lambda d: first_crowd(d)["segmentation"].update(size="big"), "RLE size"),
])
def test_contradictions_are_refused(tmp_path, instances, edit, problem):
    edit(instances)
    check_bad(tmp_path, instances, problem)


def test_a_valid_compressed_crowd_still_loads(tmp_path, instances):
    crowd = first_crowd(instances)
    img = next(i for i in instances["images"] if i["id"] == crowd["image_id"])
    mask = coco.ann_to_mask(crowd, img["height"], img["width"])
    crowd["segmentation"] = coco.mask_to_rle(mask, compressed=True)
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(instances))
    data = coco.load_coco(path)
    again = next(a for a in data["annotations"] if a["id"] == crowd["id"])
    assert np.array_equal(coco.ann_to_mask(again, img["height"], img["width"]), mask)


@pytest.mark.parametrize("split", ["../x", "val/../../", "", None, "val2017/.."])
def test_split_must_be_a_plain_name(split):
    with pytest.raises(ValueError, match="split"):
        coco.load_instances(SAMPLE, split)


@pytest.mark.parametrize("name", ["../../../etc/passwd", "/etc/passwd", "a/b.jpg", "..", "", None])
def test_image_path_refuses_names_that_climb(name):
    with pytest.raises(ValueError, match="file_name"):
        coco.image_path(SAMPLE, "val", {"id": 1, "file_name": name, "height": 4, "width": 4})


# ------------------------------------------------------------------ panoptic

@pytest.fixture
def panoptic(tmp_path):
    root = synthetic.write_coco(tmp_path / "c", n_train=1, n_val=1, size=(40, 48), seed=2)
    return root, root / "annotations" / "panoptic_val2017.json"


@pytest.mark.parametrize("edit,problem", [
    (lambda s: s.update(bbox=[5, 5, -3, 4]), "negative width or height"),
    (lambda s: s.update(bbox=[5, 5, 4, -3]), "negative width or height"),
    (lambda s: s.update(bbox=[40, 0, 20, 5]), "lies outside"),
    (lambda s: s.update(bbox=[-2, 0, 5, 5]), "lies outside"),
    (lambda s: s.update(bbox=[0, 30, 5, 20]), "lies outside"),
    (lambda s: s.update(area=40 * 48 + 1), "is larger than its"),
])
def test_bad_panoptic_segments(panoptic, edit, problem):
    root, path = panoptic
    data = json.loads(path.read_text())
    edit(data["annotations"][0]["segments_info"][0])
    path.write_text(json.dumps(data))
    with pytest.raises(DatasetFormatError, match=problem) as err:
        coco.load_panoptic(root, "val")
    assert str(path) in str(err.value)


def test_panoptic_png_of_the_wrong_size(panoptic):
    root, path = panoptic
    pan = coco.load_panoptic(root, "val")
    rec = pan["annotations"][0]
    png = pan["png_folder"] / rec["file_name"]
    rgb = np.asarray(Image.open(png))
    bigger = np.zeros((rgb.shape[0] + 8, rgb.shape[1], 3), np.uint8)
    bigger[:rgb.shape[0]] = rgb
    Image.fromarray(bigger).save(png)
    with pytest.raises(DatasetFormatError, match="but its image"):
        coco.read_panoptic_png(rec, pan["png_folder"], pan["images"][rec["image_id"]])
    with pytest.raises(DatasetFormatError, match="but its image"):
        coco.image_record(root, "val", image_id=rec["image_id"])


@pytest.mark.parametrize("make,problem", [
    (lambda p: p.unlink() or os.mkfifo(p), "not a regular file"),
    (lambda p: p.unlink() or p.symlink_to("/dev/zero"), "outside its folder|not a regular file"),
    (lambda p: Image.open(p).convert("RGB").save(p, format="JPEG"), "got a JPEG file"),
])
def test_panoptic_png_that_is_not_a_png(panoptic, make, problem):
    root, _ = panoptic
    pan = coco.load_panoptic(root, "val")
    rec = pan["annotations"][0]
    make(pan["png_folder"] / rec["file_name"])
    with alarm(5), pytest.raises(DatasetFormatError, match=problem):
        coco.read_panoptic_png(rec, pan["png_folder"])


def test_panoptic_record_file_name_must_be_plain(panoptic):
    root, _ = panoptic
    pan = coco.load_panoptic(root, "val")
    rec = copy.deepcopy(pan["annotations"][0])
    rec["file_name"] = "../../../../etc/passwd"
    with pytest.raises(ValueError, match="file_name"):
        coco.read_panoptic_png(rec, pan["png_folder"])
