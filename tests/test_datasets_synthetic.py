"""The procedural scenes and the VOC-layout writer (lecturelib.datasets.synthetic)."""
import numpy as np
import pytest
from PIL import Image

from lecturelib.datasets import synthetic, voc


@pytest.fixture(scope="module")
def voc_root(tmp_path_factory):
    return synthetic.write_voc(tmp_path_factory.mktemp("voc"), n_images=24, size=(48, 64), seed=3)


def test_write_voc_layout(voc_root):
    for sub in ("Annotations", "JPEGImages", "SegmentationClass", "SegmentationObject",
                "ImageSets/Main", "ImageSets/Segmentation"):
        assert (voc_root / sub).is_dir(), sub
    train = voc.read_split(voc_root, "Segmentation", "train")
    val = voc.read_split(voc_root, "Segmentation", "val")
    assert len(train) == 18 and len(val) == 6 and not set(train) & set(val)
    assert voc.read_split(voc_root, "Segmentation", "trainval") == train + val


def test_load_segmentation_stack(voc_root):
    X, Y = voc.load_segmentation(voc_root, "train", stack=True)
    assert X.shape == (18, 48, 64, 3) and X.dtype == np.uint8
    assert Y.shape == (18, 48, 64) and Y.dtype == np.uint8
    assert set(np.unique(Y)) <= set(synthetic.SYNTH_LABELS) | {0, 255}
    assert (Y == 255).any() and (Y == 0).any()


def test_pngs_are_palette_images_in_voc_colours(voc_root):
    ident = voc.read_split(voc_root, "Segmentation", "train")[0]
    with Image.open(voc_root / "SegmentationClass" / f"{ident}.png") as img:
        assert img.mode == "P"
        pal = np.array(img.getpalette()[:768]).reshape(-1, 3)
    # known VOC colours (VOC devkit documentation): aeroplane, person, void
    assert tuple(pal[1]) == (128, 0, 0) and tuple(pal[15]) == (192, 128, 128) and tuple(pal[255]) == (224, 224, 192)


def test_masks_agree_with_boxes(voc_root):
    """Each object's box (1-based corners in the XML) is the extent of its SegmentationObject pixels."""
    for rec in voc.load_detection(voc_root, "trainval"):
        obj = voc.read_label_png(voc_root / "SegmentationObject" / f"{rec['id']}.png", None)
        cls = voc.read_label_png(voc_root / "SegmentationClass" / f"{rec['id']}.png")
        for k, o in enumerate(rec["objects"], 1):
            rows, cols = np.nonzero(obj == k)
            assert (cols.min() + 1, rows.min() + 1, cols.max() + 1, rows.max() + 1) == o["bbox"]
            assert np.all(cls[obj == k] == voc.VOC_CLASSES.index(o["name"]))
        assert np.all((obj == 255) == (cls == 255))


def test_deterministic(tmp_path):
    a = synthetic.write_voc(tmp_path / "a", 5, 32, seed=7)
    b = synthetic.write_voc(tmp_path / "b", 5, 32, seed=7)
    for f in sorted((a / "SegmentationClass").iterdir()):
        assert f.read_bytes() == (b / "SegmentationClass" / f.name).read_bytes()


def test_void_border_is_a_band_outside_objects():
    lab = np.zeros((7, 7), int)
    lab[2:5, 2:5] = 1
    band = synthetic.void_border(lab, 1)
    expected = np.zeros((7, 7), bool)
    expected[1:6, 1:6] = True
    expected[2:5, 2:5] = False
    assert np.array_equal(band, expected)


def test_clip_polygon_area_matches_shoelace():
    sq = np.array([[-2.0, -2.0], [3.0, -2.0], [3.0, 3.0], [-2.0, 3.0]])
    c = synthetic.clip_polygon(sq, 2.0, 10.0)
    x, y = c[:, 0], c[:, 1]
    area = 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))
    assert area == pytest.approx(2.0 * 3.0)


def test_panoptic_segment_ids_name_their_category(tmp_path):
    """Every segment id is 1000 * category_id + n (n = 1, 2, ... per category and image), unique per image."""
    from lecturelib.datasets import coco
    root = synthetic.write_coco(tmp_path, n_train=3, n_val=3, size=(48, 64), seed=11)
    for split in ("train", "val"):
        pan = coco.load_panoptic(root, split)
        for rec in pan["annotations"]:
            ids = [s["id"] for s in rec["segments_info"]]
            assert len(set(ids)) == len(ids)
            per_cat = {}
            for s in rec["segments_info"]:
                per_cat[s["category_id"]] = per_cat.get(s["category_id"], 0) + 1
                assert s["id"] == 1000 * s["category_id"] + per_cat[s["category_id"]]
            png_ids = coco.read_panoptic_png(rec, pan["png_folder"])   # checks areas against the PNG
            assert set(np.unique(png_ids)) - {0} == set(ids)


def test_shared_colours_say_nothing_about_the_class():
    """With colours="shared" every class is painted from the same materials: over many scenes the classes'
    mean colours lie within the spread of the colours themselves, and each class takes many colours."""
    rng = np.random.default_rng(0)
    colours = {c: [] for c in synthetic.SYNTH_CLASSES}
    for _ in range(150):
        scene = synthetic.make_scene(rng, 64, colours="shared", scale=(0.2, 0.35))
        for o in scene.objects:
            colours[o.cls].append(scene.image[o.mask].mean(0))
    means = np.array([np.mean(v, 0) for v in colours.values()])
    spread = np.std(np.concatenate([np.array(v) for v in colours.values()]), 0)
    assert np.all(np.abs(means - means.mean(0)) < 0.5 * spread), (means, spread)
    assert all(np.std(np.array(v), 0).min() > 30 for v in colours.values())


def test_class_colours_give_each_class_its_colour():
    """The contrast: with colours="class" (the default) a class's objects are all near its own colour."""
    rng = np.random.default_rng(0)
    for _ in range(20):
        scene = synthetic.make_scene(rng, 64)
        for o in scene.objects:
            if o.cls != "person":       # a person's head is skin-coloured
                mean = scene.image[o.mask].mean(0)
                assert np.linalg.norm(mean - np.array(synthetic.CLASS_COLOURS[o.cls])) < 90


def test_shared_objects_stand_out_from_their_background():
    rng = np.random.default_rng(1)
    for _ in range(30):
        scene = synthetic.make_scene(rng, 64, colours="shared")
        for o in scene.objects:
            ring = synthetic.void_border(o.mask.astype(int), 2) & ~o.mask
            if ring.sum() > 10:
                assert np.linalg.norm(scene.image[o.mask].mean(0) - scene.image[ring].mean(0)) > 20


def test_bad_colours_mode_is_refused():
    with pytest.raises(ValueError, match="colours"):
        synthetic.make_scene(np.random.default_rng(0), 32, colours="rainbow")
