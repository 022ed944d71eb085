"""VOC classes, palette and readers: the shipped sample, a full layout in a temporary folder, bad files."""
import numpy as np
import pytest
from hypothesis import given, settings, HealthCheck, strategies as st
from PIL import Image

from lecturelib.datasets import synthetic, voc
from lecturelib.datasets.errors import DatasetFormatError

SAMPLE = synthetic.voc_sample_root()


# ------------------------------------------------------------------ classes and palette

def test_twenty_classes_in_four_groups():
    assert len(voc.VOC_OBJECT_CLASSES) == 20 and voc.VOC_CLASSES[0] == "background" and len(voc.VOC_CLASSES) == 21
    grouped = [c for g in voc.VOC_GROUPS.values() for c in g]
    assert sorted(grouped) == sorted(voc.VOC_OBJECT_CLASSES) and len(set(grouped)) == 20
    assert voc.VOC_GROUPS["person"] == ("person",) and len(voc.VOC_GROUPS["vehicle"]) == 7
    assert len(voc.VOC_ACTIONS) == 11 and voc.VOC_ACTIONS[-1] == "other"


@pytest.mark.parametrize("label,rgb", [
    (0, (0, 0, 0)), (1, (128, 0, 0)), (2, (0, 128, 0)), (3, (128, 128, 0)), (4, (0, 0, 128)),
    (7, (128, 128, 128)), (8, (64, 0, 0)), (12, (64, 0, 128)), (15, (192, 128, 128)),
    (20, (0, 64, 128)), (255, (224, 224, 192))])
def test_palette_known_colours(label, rgb):
    """Colours as published with the VOC devkit (aeroplane dark red, person pink, void cream)."""
    assert tuple(voc.voc_palette()[label]) == rgb


def test_palette_bit_construction_independently():
    """Rebuild each colour from the binary digits of the label, read three at a time."""
    pal = voc.voc_palette()
    for k in range(256):
        bits = format(k, "024b")[::-1]             # least significant first
        r = sum(int(bits[3 * j]) << (7 - j) for j in range(8))
        g = sum(int(bits[3 * j + 1]) << (7 - j) for j in range(8))
        b = sum(int(bits[3 * j + 2]) << (7 - j) for j in range(8))
        assert tuple(pal[k]) == (r, g, b)
    assert len({tuple(c) for c in pal}) == 256      # all distinct


def test_mask_to_rgb():
    m = np.array([[0, 15], [255, 1]])
    rgb = voc.mask_to_rgb(m)
    assert rgb.shape == (2, 2, 3) and tuple(rgb[0, 1]) == (192, 128, 128) and tuple(rgb[1, 0]) == (224, 224, 192)
    with pytest.raises(ValueError, match="mask"):
        voc.mask_to_rgb(np.zeros((2, 2, 3)))


# ------------------------------------------------------------------ the shipped sample

def test_sample_layout_and_splits():
    for sub in ("Annotations", "JPEGImages", "SegmentationClass", "SegmentationObject", "ImageSets/Main",
                "ImageSets/Segmentation"):
        assert (SAMPLE / sub).is_dir()
    train, val = voc.read_split(SAMPLE, "Segmentation", "train"), voc.read_split(SAMPLE, "Segmentation", "val")
    assert len(train) == 12 and len(val) == 4
    present = voc.read_class_split(SAMPLE, "person", "train")
    assert set(present) == set(train) and set(present.values()) <= {1, -1}


def test_sample_annotations_match_masks():
    for rec in voc.load_detection(SAMPLE, "trainval"):
        obj = voc.read_label_png(SAMPLE / "SegmentationObject" / f"{rec['id']}.png", None)
        assert (rec["height"], rec["width"]) == obj.shape
        for k, o in enumerate(rec["objects"], 1):
            rows, cols = np.nonzero(obj == k)
            assert o["bbox"] == (cols.min() + 1, rows.min() + 1, cols.max() + 1, rows.max() + 1)
            assert o["pose"] in voc.VOC_POSES


def test_find_root_accepts_parents():
    assert voc.find_voc_root(SAMPLE.parent) == SAMPLE
    assert voc.find_voc_root(SAMPLE.parent.parent) == SAMPLE
    with pytest.raises(FileNotFoundError, match="no VOC layout"):
        voc.find_voc_root(SAMPLE / "Annotations")


def test_full_layout_in_temporary_folder(tmp_path):
    """The same readers open a freshly written full VOC2012 tree (VOCdevkit/VOC2012/...)."""
    synthetic.write_voc(tmp_path, n_images=40, size=(50, 70), seed=11, val_fraction=0.5)
    images, masks = voc.load_segmentation(tmp_path, "val")
    assert len(images) == 20 and images[0].shape == (50, 70, 3) and masks[0].shape == (50, 70)
    recs = voc.load_detection(tmp_path, "train")
    assert len(recs) == 20 and all(r["objects"] for r in recs)


# ------------------------------------------------------------------ bad input

GOOD = """<annotation><folder>VOC2012</folder><filename>a.jpg</filename>
<size><width>100</width><height>80</height><depth>3</depth></size><segmented>0</segmented>
<object><name>dog</name><pose>Left</pose><truncated>1</truncated><difficult>0</difficult>
<bndbox><xmin>10</xmin><ymin>20</ymin><xmax>50</xmax><ymax>60</ymax></bndbox></object>
</annotation>"""


def write(tmp_path, text, name="x.xml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_good_annotation(tmp_path):
    rec = voc.read_annotation(write(tmp_path, GOOD))
    assert rec["width"] == 100 and rec["height"] == 80
    assert rec["objects"] == [{"name": "dog", "pose": "Left", "truncated": 1, "difficult": 0, "occluded": 0,
                               "bbox": (10, 20, 50, 60)}]


@pytest.mark.parametrize("old,new,problem", [
    ("<xmax>50</xmax>", "<xmax>5</xmax>", "xmax (5) < xmin (10)"),
    ("<ymax>60</ymax>", "<ymax>10</ymax>", "ymax (10) < ymin (20)"),
    ("<xmax>50</xmax>", "<xmax>150</xmax>", "outside the 100x80 image"),
    ("<ymin>20</ymin>", "<ymin>-4</ymin>", "outside"),
    ("<xmin>10</xmin>", "", "missing <xmin>"),
    ("<xmin>10</xmin>", "<xmin>ten</xmin>", "not a number"),
    ("<xmin>10</xmin>", "<xmin>nan</xmin>", "not a finite number"),
    ("<name>dog</name>", "", "missing <name>"),
    ("<name>dog</name>", "<name>unicorn</name>", "unknown class 'unicorn'"),
    ("<width>100</width>", "", "missing <width>"),
    ("<width>100</width>", "<width>0</width>", "must be positive"),
    ("<width>100</width>", "<width>10.5</width>", "not a whole number"),
    ("<filename>a.jpg</filename>", "", "missing <filename>"),
    ("<truncated>1</truncated>", "<truncated>7</truncated>", "expected 0 or 1"),
    ("<annotation>", "<notes>", "malformed XML"),
    ("</annotation>", "", "malformed XML"),
])
def test_bad_annotations_name_file_and_problem(tmp_path, old, new, problem):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(DatasetFormatError) as err:
        voc.read_annotation(path)
    assert str(path) in str(err.value) and problem in str(err.value)


def test_missing_bndbox(tmp_path):
    text = GOOD.replace(GOOD[GOOD.index("<bndbox>"):GOOD.index("</bndbox>") + 9], "")
    with pytest.raises(DatasetFormatError, match="object 1: missing <bndbox>"):
        voc.read_annotation(write(tmp_path, text))


def test_wrong_root(tmp_path):
    with pytest.raises(DatasetFormatError, match="root element is <foo>"):
        voc.read_annotation(write(tmp_path, "<foo/>"))


def test_entity_bomb_refused(tmp_path):
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 9))
            + ']><annotation><filename>&lol8;</filename></annotation>')
    path = write(tmp_path, bomb)
    with pytest.raises(DatasetFormatError) as err:
        voc.read_annotation(path)
    assert str(path) in str(err.value) and "unsafe XML" in str(err.value)


def test_external_entity_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("hunter2")
    xml = (f'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file://{secret}">]>'
           '<annotation><filename>&x;</filename></annotation>')
    with pytest.raises(DatasetFormatError, match="unsafe XML"):
        voc.read_annotation(write(tmp_path, xml))


def test_missing_annotation_file(tmp_path):
    with pytest.raises(DatasetFormatError, match="annotation file missing"):
        voc.read_annotation(tmp_path / "nope.xml")


def test_palette_png_with_out_of_range_indices(tmp_path):
    m = np.zeros((6, 6), np.uint8)
    m[1, 1], m[2, 2], m[3, 3] = 15, 37, 255
    path = tmp_path / "m.png"
    voc.save_label_png(path, m)
    with pytest.raises(DatasetFormatError) as err:
        voc.read_label_png(path)
    assert str(path) in str(err.value) and "[37]" in str(err.value) and "1 pixels" in str(err.value)
    assert voc.read_label_png(path, max_label=None)[2, 2] == 37


def test_rgb_png_refused_as_mask(tmp_path):
    path = tmp_path / "rgb.png"
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(path)
    with pytest.raises(DatasetFormatError, match="palette"):
        voc.read_label_png(path)


def test_missing_image_in_layout(tmp_path):
    root = synthetic.write_voc(tmp_path, n_images=4, size=32, seed=1, val_fraction=0.5)
    ident = voc.read_split(root, "Segmentation", "train")[1]
    (root / "JPEGImages" / f"{ident}.jpg").unlink()
    with pytest.raises(DatasetFormatError, match=f"{ident}.jpg: image file missing"):
        voc.load_segmentation(root, "train")
    with pytest.raises(DatasetFormatError, match="missing from JPEGImages"):
        voc.load_detection(root, "train")


def test_corrupt_image_and_mismatched_mask(tmp_path):
    root = synthetic.write_voc(tmp_path, n_images=2, size=32, seed=1, val_fraction=0.5)
    ident = voc.read_split(root, "Segmentation", "train")[0]
    (root / "JPEGImages" / f"{ident}.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(DatasetFormatError, match="not a readable image"):
        voc.load_segmentation(root, "train")
    Image.fromarray(np.zeros((20, 20, 3), np.uint8)).save(root / "JPEGImages" / f"{ident}.jpg")
    with pytest.raises(DatasetFormatError, match="mask is 32x32 but its image is 20x20"):
        voc.load_segmentation(root, "train")


def test_split_with_path_refused(tmp_path):
    root = synthetic.write_voc(tmp_path, n_images=2, size=32, seed=1, val_fraction=0.5)
    (root / "ImageSets" / "Segmentation" / "train.txt").write_text("../../etc/passwd\n")
    with pytest.raises(DatasetFormatError, match="not an image id"):
        voc.read_split(root, "Segmentation", "train")


# ------------------------------------------------------------------ fuzzing

names = st.sampled_from(list(voc.VOC_OBJECT_CLASSES) + ["unicorn", ""])
numbers = st.one_of(st.integers(-20, 300), st.sampled_from(["", "x", "1e400", "3.5", "-0"]))


@st.composite
def xml_annotations(draw):
    w, h = draw(numbers), draw(numbers)
    objs = draw(st.lists(st.tuples(names, numbers, numbers, numbers, numbers,
                                   st.sampled_from(["0", "1", "2", ""])), max_size=4))
    drop = draw(st.sampled_from(["", "size", "filename", "bndbox"]))
    parts = ["<annotation>"]
    if drop != "filename":
        parts.append("<filename>f.jpg</filename>")
    if drop != "size":
        parts.append(f"<size><width>{w}</width><height>{h}</height><depth>3</depth></size>")
    for name, x0, y0, x1, y1, flag in objs:
        box = "" if drop == "bndbox" else (f"<bndbox><xmin>{x0}</xmin><ymin>{y0}</ymin><xmax>{x1}</xmax>"
                                            f"<ymax>{y1}</ymax></bndbox>")
        parts.append(f"<object><name>{name}</name><difficult>{flag}</difficult>{box}</object>")
    parts.append("</annotation>")
    text = "".join(parts)
    cut = draw(st.one_of(st.none(), st.integers(0, len(text))))
    return text if cut is None else text[:cut], (w, h, objs, drop, cut)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(xml_annotations())
def test_fuzz_parse_annotation(case):
    """Either a DatasetFormatError, or a record whose every box lies inside the image in order."""
    text, (w, h, objs, drop, cut) = case
    try:
        rec = voc.parse_annotation(text.encode(), "fuzz.xml")
    except DatasetFormatError as err:
        assert str(err).startswith("fuzz.xml: ")
        return
    assert cut is None or cut == len(text)
    assert (rec["width"], rec["height"]) == (int(w), int(h))
    assert len(rec["objects"]) == len(objs)
    for o in rec["objects"]:
        x0, y0, x1, y1 = o["bbox"]
        assert 0 <= x0 <= x1 <= rec["width"] + 1 and 0 <= y0 <= y1 <= rec["height"] + 1
        assert o["name"] in voc.VOC_OBJECT_CLASSES and o["difficult"] in (0, 1)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_random_bytes(data):
    try:
        voc.parse_annotation(data, "junk.xml")
    except DatasetFormatError:
        pass


def test_action_and_layout_fields(tmp_path):
    """Action-task objects carry <actions> flags (and may have only a <point>); layout objects carry parts."""
    xml = """<annotation><filename>b.jpg</filename><size><width>60</width><height>40</height></size>
    <object><name>person</name><bndbox><xmin>2</xmin><ymin>3</ymin><xmax>30</xmax><ymax>39</ymax></bndbox>
      <actions><jumping>1</jumping><phoning>0</phoning><other>0</other></actions>
      <part><name>head</name><bndbox><xmin>10</xmin><ymin>3</ymin><xmax>18</xmax><ymax>11</ymax></bndbox></part>
    </object>
    <object><name>person</name><point><x>40</x><y>20</y></point>
      <actions><walking>1</walking></actions></object></annotation>"""
    rec = voc.read_annotation(write(tmp_path, xml))
    a, b = rec["objects"]
    assert a["actions"] == {"jumping": 1, "phoning": 0, "other": 0} and a["parts"][0]["bbox"] == (10, 3, 18, 11)
    assert "bbox" not in b and b["actions"] == {"walking": 1}
    assert set(a["actions"]) <= set(voc.VOC_ACTIONS)
    with pytest.raises(DatasetFormatError, match="part 1: xmax"):
        voc.read_annotation(write(tmp_path, xml.replace("<xmax>18</xmax>", "<xmax>8</xmax>")))
