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
