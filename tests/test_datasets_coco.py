"""COCO readers: categories, RLE, panoptic ids, the shipped sample, a temporary full layout, bad files."""
import copy
import json

import numpy as np
import pytest
from hypothesis import given, settings, HealthCheck, strategies as st
from PIL import Image
from pycocotools import mask as cocomask

from lecturelib.datasets import coco, synthetic
from lecturelib.datasets.errors import DatasetFormatError
from coco_helpers import check_bad, sample_instances

SAMPLE = synthetic.coco_sample_root()


def test_categories_have_gaps():
    ids = [c["id"] for c in coco.COCO_CATEGORIES]
    assert len(ids) == 80 and max(ids) == 90 and ids == sorted(ids)
    assert set(range(1, 92)) - set(ids) == set(coco.COCO_UNUSED) and len(coco.COCO_UNUSED) == 11
    names = {c["id"]: c["name"] for c in coco.COCO_CATEGORIES}
    assert names[1] == "person" and names[5] == "airplane" and names[44] == "bottle" and names[90] == "toothbrush"
    assert len(coco.COCO_KEYPOINTS) == 17 and len(coco.COCO_SKELETON) == 19
    assert all(1 <= a <= 17 and 1 <= b <= 17 for a, b in coco.COCO_SKELETON)


# ------------------------------------------------------------------ RLE and panoptic ids

@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.integers(0, 2 ** 31 - 1))
def test_rle_roundtrip_through_pycocotools(h, w, seed):
    m = np.random.default_rng(seed).random((h, w)) < 0.4
    plain = coco.mask_to_rle(m)
    assert sum(plain["counts"]) == h * w and plain["size"] == [h, w]
    decoded = cocomask.decode(cocomask.frPyObjects(plain, h, w)).astype(bool)
    assert np.array_equal(decoded, m)
    ann = {"segmentation": coco.mask_to_rle(m, compressed=True)}
    assert np.array_equal(coco.ann_to_mask(ann, h, w), m)


def test_rle_counts_by_hand():
    m = np.array([[0, 1], [1, 1]], bool)          # column-major: 0, 1 | 1, 1  -> one zero, three ones
    assert coco.mask_to_rle(m)["counts"] == [1, 3]
    assert coco.mask_to_rle(~m)["counts"] == [0, 1, 3]


def test_polygon_mask_area():
    ann = {"segmentation": [[1, 1, 5, 1, 5, 4, 1, 4]]}
    m = coco.ann_to_mask(ann, 8, 8)
    assert 8 <= m.sum() <= 20 and not m[6:, :].any()


def test_panoptic_id_encoding():
    rgb = np.array([[[1, 0, 0], [0, 1, 0]], [[0, 0, 1], [3, 2, 1]]], np.uint8)
    ids = coco.rgb_to_panoptic_id(rgb)
    assert ids.tolist() == [[1, 256], [65536, 3 + 2 * 256 + 65536]]
    assert np.array_equal(coco.panoptic_id_to_rgb(ids), rgb)
    with pytest.raises(ValueError, match="ids"):
        coco.panoptic_id_to_rgb(np.array([[256 ** 3]]))


# ------------------------------------------------------------------ the shipped sample

def test_sample_instances_agree_with_panoptic():
    for split in ("train", "val"):
        inst, pan = coco.load_instances(SAMPLE, split), coco.load_panoptic(SAMPLE, split)
        assert len(inst["images"]) == 6 and len(inst["categories"]) == 80
        assert any(a["iscrowd"] for a in inst["annotations"])
        for image_id, rec in pan["by_image"].items():
            ids = coco.read_panoptic_png(rec, pan["png_folder"])
            img = inst["images"][image_id]
            assert ids.shape == (img["height"], img["width"]) and (ids > 0).all()
            things = [s for s in rec["segments_info"] if pan["categories"][s["category_id"]]["isthing"]]
            anns = inst["by_image"][image_id]
            assert len(things) == len(anns)
            for seg, ann in zip(things, anns):
                mask = coco.ann_to_mask(ann, img["height"], img["width"])
                assert np.array_equal(mask, ids == seg["id"]) and mask.sum() == ann["area"]
                ys, xs = np.nonzero(mask)
                x, y, w, h = ann["bbox"]
                assert (x, y, x + w, y + h) == (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)


def test_sample_keypoints_and_captions():
    kp = coco.load_keypoints(SAMPLE, "val")
    person = kp["categories"][1]
    assert person["keypoints"] == list(coco.COCO_KEYPOINTS) and len(person["skeleton"]) == 19
    assert kp["annotations"]
    for a in kp["annotations"]:
        v = a["keypoints"][2::3]
        assert set(v) <= {0, 1, 2} and a["num_keypoints"] == sum(f > 0 for f in v)
        x, y, w, h = a["bbox"]
        for xi, yi, vi in zip(a["keypoints"][0::3], a["keypoints"][1::3], v):
            if vi:
                assert x - 2 <= xi <= x + w + 2 and y - 2 <= yi <= y + h + 2
            else:
                assert xi == 0 and yi == 0
    caps = coco.load_captions(SAMPLE, "val")
    assert all(len(c) >= 2 for c in caps["by_image"].values())


def test_image_record_and_tasks():
    rec = coco.image_record(SAMPLE, "val", index=0)
    assert rec["image"].shape == (rec["info"]["height"], rec["info"]["width"], 3)
    assert {"panoptic_ids", "segments_info", "captions", "keypoints"} <= set(rec)
    assert coco.annotation_task(rec["instances"][0]) == "detection"
    pan = coco.load_panoptic(SAMPLE, "val")["annotations"][0]
    assert coco.annotation_task(pan) == "panoptic"
    assert coco.annotation_task({"image_id": 1, "id": 2, "caption": "x"}) == "captioning"
    assert coco.annotation_task({"bbox": [0, 0, 1, 1], "keypoints": [0] * 51}) == "keypoints"
    assert coco.annotation_task({"bbox": [0, 0, 1, 1], "dp_I": []}) == "densepose"


def test_full_layout_in_temporary_folder(tmp_path):
    root = synthetic.write_coco(tmp_path / "coco", n_train=5, n_val=3, size=(64, 80), seed=5)
    assert coco.find_coco_root(tmp_path) == root
    assert len(coco.load_instances(tmp_path, "train")["images"]) == 5
    for split in ("train", "val"):
        inst = coco.load_instances(root, split)
        for img in inst["images"].values():
            assert coco.read_image(root, split, img).shape == (64, 80, 3)


# ------------------------------------------------------------------ bad input

@pytest.fixture
def instances():
    return sample_instances()


@pytest.mark.parametrize("edit,problem", [
    (lambda d: d["annotations"][0].update(category_id=12), "category_id 12 does not exist"),
    (lambda d: d["annotations"][0].update(image_id=999999), "image_id 999999 does not exist"),
    (lambda d: d["annotations"][0].update(bbox=[0, 0, 10000, 5]), "lies outside"),
    (lambda d: d["annotations"][0].update(bbox=[5, 5, -2, 5]), "negative width"),
    (lambda d: d["annotations"][0].update(bbox=[5, 5, 2]), "bbox must be"),
    (lambda d: d["annotations"][0].update(iscrowd=2), "iscrowd must be 0 or 1"),
    (lambda d: d["annotations"][0].pop("bbox"), "missing field 'bbox'"),
    (lambda d: d["annotations"][0].pop("segmentation"), "missing field 'segmentation'"),
    (lambda d: d["annotations"][0].update(segmentation=[[1, 2, 3]]), "polygon 0"),
    (lambda d: d["annotations"][0].update(segmentation={"counts": [1, 2], "size": [3, 3]}), "RLE size"),
    (lambda d: d["annotations"][1].update(id=d["annotations"][0]["id"]), "duplicate annotation id"),
    (lambda d: d["images"][0].pop("height"), "missing field 'height'"),
    (lambda d: d["images"][0].update(file_name="../x.jpg"), "not a plain file name"),
    (lambda d: d.pop("categories"), "missing field 'categories'"),
])
def test_bad_instances(tmp_path, instances, edit, problem):
    edit(instances)
    check_bad(tmp_path, instances, problem)


def test_crowd_rle_counts_must_sum(tmp_path, instances):
    crowd = next(a for a in instances["annotations"] if a["iscrowd"])
    crowd["segmentation"]["counts"][-1] += 1
    check_bad(tmp_path, instances, "summing to height * width")


def test_bad_keypoints(tmp_path):
    with open(SAMPLE / "annotations" / "person_keypoints_val2017.json") as f:
        good = json.load(f)
    d = copy.deepcopy(good)
    d["annotations"][0]["keypoints"] = d["annotations"][0]["keypoints"][:-3]
    check_bad(tmp_path, d, "keypoints must be 51 numbers", "keypoints")
    d = copy.deepcopy(good)
    d["annotations"][0]["keypoints"][2] = 3
    check_bad(tmp_path, d, "visibility flags must be 0, 1 or 2", "keypoints")
    d = copy.deepcopy(good)
    d["annotations"][0]["num_keypoints"] += 1
    check_bad(tmp_path, d, "num_keypoints is", "keypoints")


def test_malformed_json(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"images": [')
    with pytest.raises(DatasetFormatError, match="malformed JSON"):
        coco.load_coco(path)
    with pytest.raises(DatasetFormatError, match="annotation file missing"):
        coco.load_coco(tmp_path / "none.json")


def test_missing_image_file(tmp_path):
    root = synthetic.write_coco(tmp_path, n_train=1, n_val=2, size=(40, 40), seed=1)
    inst = coco.load_instances(root, "val")
    img = list(inst["images"].values())[1]
    (root / "val2017" / img["file_name"]).unlink()
    with pytest.raises(DatasetFormatError, match=f"{img['file_name']}: image file missing"):
        coco.read_image(root, "val", img)


def test_bad_panoptic(tmp_path):
    root = synthetic.write_coco(tmp_path, n_train=1, n_val=1, size=(40, 40), seed=2)
    pan = coco.load_panoptic(root, "val")
    rec = pan["annotations"][0]
    png = pan["png_folder"] / rec["file_name"]
    rgb = np.array(Image.open(png))
    rgb[0, 0] = (7, 7, 7)                              # a segment id no segments_info knows
    Image.fromarray(rgb).save(png)
    with pytest.raises(DatasetFormatError, match="appear in the PNG but not in segments_info"):
        coco.read_panoptic_png(rec, pan["png_folder"])
    path = root / "annotations" / "panoptic_val2017.json"
    data = json.loads(path.read_text())
    data["annotations"][0]["segments_info"][0]["category_id"] = 12345
    path.write_text(json.dumps(data))
    with pytest.raises(DatasetFormatError, match="category_id 12345 does not exist"):
        coco.load_panoptic(root, "val")


def test_panoptic_area_mismatch(tmp_path):
    root = synthetic.write_coco(tmp_path, n_train=1, n_val=1, size=(40, 40), seed=3)
    pan = coco.load_panoptic(root, "val")
    rec = copy.deepcopy(pan["annotations"][0])
    rec["segments_info"][0]["area"] += 1
    with pytest.raises(DatasetFormatError, match="pixels but its area is"):
        coco.read_panoptic_png(rec, pan["png_folder"])


# ------------------------------------------------------------------ fuzzing

values = st.one_of(st.integers(-5, 200), st.floats(allow_nan=True, allow_infinity=True), st.none(),
                   st.text(max_size=3), st.booleans(), st.lists(st.integers(-1, 50), max_size=8))


@st.composite
def mutated(draw):
    with open(SAMPLE / "annotations" / "person_keypoints_val2017.json") as f:
        data = json.load(f)
    for _ in range(draw(st.integers(1, 3))):
        section = draw(st.sampled_from(["images", "annotations", "categories"]))
        items = data[section]
        if not items:
            continue
        item = items[draw(st.integers(0, len(items) - 1))]
        key = draw(st.sampled_from(sorted(item)))
        if draw(st.booleans()):
            item[key] = draw(values)
        else:
            del item[key]
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_fuzz_mutated_files(data):
    """A mutated file is either refused with DatasetFormatError or every reference in it resolves."""
    try:
        out = coco.parse_coco(data, "fuzz.json", "keypoints")
    except DatasetFormatError as err:
        assert str(err).startswith("fuzz.json: ")
        return
    for a in out["annotations"]:
        assert a["image_id"] in out["images"] and a["category_id"] in out["categories"]
        img = out["images"][a["image_id"]]
        mask = coco.ann_to_mask(a, img["height"], img["width"])
        assert mask.shape == (img["height"], img["width"])


@settings(max_examples=100, deadline=None)
@given(st.recursive(st.one_of(st.none(), st.integers(), st.text(max_size=4)),
                    lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(
                        st.sampled_from(["images", "annotations", "categories", "id", "image_id", "bbox"]),
                        c, max_size=4)), max_leaves=12))
def test_fuzz_random_structures(data):
    try:
        coco.parse_coco(data, "junk.json")
    except DatasetFormatError:
        pass


@st.composite
def mutated_panoptic(draw):
    with open(SAMPLE / "annotations" / "panoptic_val2017.json") as f:
        data = json.load(f)
    for _ in range(draw(st.integers(1, 3))):
        ann = data["annotations"][draw(st.integers(0, len(data["annotations"]) - 1))]
        target = ann
        segs = ann.get("segments_info")
        if draw(st.booleans()) and isinstance(segs, list) and segs and isinstance(segs[0], dict):
            target = segs[draw(st.integers(0, len(segs) - 1))]
        if not target:
            continue
        key = draw(st.sampled_from(sorted(target)))
        if draw(st.booleans()):
            target[key] = draw(values)
        else:
            del target[key]
    return data


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_panoptic())
def test_fuzz_panoptic(data):
    """A mutated panoptic file is refused by the JSON check or by the PNG check, or reads consistently."""
    try:
        out = coco.parse_panoptic(data, "fuzz.json")
    except DatasetFormatError as err:
        assert str(err).startswith("fuzz.json: ")
        return
    folder = SAMPLE / "annotations" / "panoptic_val2017"
    for rec in out["annotations"]:
        try:
            ids = coco.read_panoptic_png(rec, folder)
        except DatasetFormatError as err:
            assert str(folder) in str(err)
            continue
        for seg in rec["segments_info"]:
            assert (ids == seg["id"]).sum() == seg["area"]
