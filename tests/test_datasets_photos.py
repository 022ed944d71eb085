"""The annotated photographs (lecturelib.datasets.photos): masks from polygons, boxes from masks, and the
VOC and COCO files read back by the book's own readers."""
import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("skimage")

from lecturelib.datasets import coco, photos, voc  # noqa: E402
from lecturelib.datasets.scenes import mask_box, polygons_to_mask  # noqa: E402


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("photos")
    return photos.write_photos_voc(root), photos.write_photos_coco(root / "coco")


def test_photos_ship_inside_the_scikit_image_wheel():
    import skimage.data
    folder = Path(skimage.data.__file__).parent
    for name in ("astronaut.png", "chelsea.png", "camera.png"):
        assert (folder / name).is_file(), name


def test_every_photo_names_a_licence_and_a_voc_class():
    for name, entry in photos.PHOTOS.items():
        assert entry["licence"] and entry["source"], name
        for cls, polygons in entry["objects"]:
            assert cls in voc.VOC_OBJECT_CLASSES
            assert all(len(p) >= 6 and len(p) % 2 == 0 for p in polygons)


def test_mask_from_a_polygon_covers_exactly_its_inside():
    """A 10 x 6 rectangle with corners on pixel edges covers exactly 60 pixels; a right triangle of legs 20
    has area 200, and its rasterisation is within the length of its outline of that."""
    rect = polygons_to_mask([[2, 3, 12, 3, 12, 9, 2, 9]], 16, 16)
    expected = np.zeros((16, 16), bool)
    expected[3:9, 2:12] = True
    assert np.array_equal(rect, expected)
    tri = polygons_to_mask([[0, 0, 20, 0, 0, 20]], 24, 24)
    assert abs(int(tri.sum()) - 200) <= 20
    assert tri[1, 1] and not tri[18, 18]


def test_box_of_a_mask_is_its_extent():
    mask = np.zeros((10, 12), bool)
    mask[2:7, 3:5] = True
    mask[8, 10] = True
    assert mask_box(mask) == (3, 2, 10, 8)


def test_photo_masks_match_their_polygons():
    for name in photos.PHOTOS:
        scene = photos.photo_scene(name)
        assert scene.image.dtype == np.uint8 and scene.image.shape[2] == 3
        for obj, (cls, polygons) in zip(scene.objects, photos.PHOTOS[name]["objects"]):
            assert obj.cls == cls
            # the shoelace area of the polygon against the pixel count of its mask (within 2%)
            xy = np.asarray(polygons[0], float).reshape(-1, 2)
            area = 0.5 * abs(np.dot(xy[:, 0], np.roll(xy[:, 1], 1)) - np.dot(xy[:, 1], np.roll(xy[:, 0], 1)))
            assert obj.mask.sum() == pytest.approx(area, rel=0.02), name


def test_voc_files_read_back(written):
    voc_root, _ = written
    images, masks = voc.load_segmentation(voc_root, "val")
    records = voc.load_detection(voc_root, "val")
    assert len(images) == len(photos.PHOTOS) == len(records)
    for name, image, mask, rec in zip(photos.PHOTOS, images, masks, records):
        scene = photos.photo_scene(name)
        assert image.shape == scene.image.shape
        obj = scene.objects[0]
        label = voc.VOC_CLASSES.index(obj.cls)
        # the class mask: the object's label inside (less the void band), 255 on the band, 0 elsewhere
        assert set(np.unique(mask)) <= {0, label, 255}
        assert np.all(mask[mask == label] == label) and np.all(obj.mask[mask == label])
        assert not np.any(obj.mask[mask == 0])
        # the XML box (1-based) is the extent of the mask
        x0, y0, x1, y1 = mask_box(obj.mask)
        assert rec["objects"][0]["name"] == obj.cls
        assert rec["objects"][0]["bbox"] == (x0 + 1, y0 + 1, x1 + 1, y1 + 1)


def test_voc_void_band_is_a_few_pixels_wide(written):
    voc_root, _ = written
    _, masks = voc.load_segmentation(voc_root, "val")
    scene = photos.photo_scene("astronaut")
    band = masks[0] == 255
    assert band.any()
    # every void pixel lies outside the object and within 5 pixels of it
    assert not np.any(scene.objects[0].mask[band])


def test_coco_file_reads_back(written):
    _, coco_root = written
    inst = coco.load_instances(coco_root, "val")
    assert len(inst["images"]) == len(photos.PHOTOS)
    for image_id, (name, entry) in enumerate(photos.PHOTOS.items(), 1):
        (ann,) = inst["by_image"][image_id]
        scene = photos.photo_scene(name)
        h, w = scene.height, scene.width
        mask = coco.ann_to_mask(ann, h, w)
        assert np.array_equal(mask, scene.objects[0].mask)
        x0, y0, x1, y1 = mask_box(mask)
        assert ann["bbox"] == [x0, y0, x1 - x0 + 1, y1 - y0 + 1]
        assert ann["area"] == int(mask.sum())
        assert inst["categories"][ann["category_id"]]["name"] == entry["objects"][0][0]
        raw = json.loads((coco_root / "annotations" / "instances_val2017.json").read_text())
        licence = next(lic for lic in raw["licenses"] if lic["id"] == inst["images"][image_id]["license"])
        assert licence["name"] == entry["licence"]


def test_unknown_photo_is_refused():
    with pytest.raises(ValueError, match="name"):
        photos.load_photo("moon")
