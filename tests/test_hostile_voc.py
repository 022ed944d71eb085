"""VOC readers against hostile files: FIFOs, devices, links out of the dataset, names that climb
out of JPEGImages/, numbers Python would read but VOC never writes, repeated elements, masks
that are not VOC label PNGs. Each must be refused with the file named, never read or returned."""
import os

import numpy as np
import pytest
from PIL import Image

from lecturelib.datasets import synthetic, voc
from lecturelib.datasets.errors import DatasetFormatError
from lecturelib.datasets.torch_datasets import VOCDetection, VOCSegmentation
from timeouts import alarm




GOOD = """<annotation><folder>VOC2012</folder><filename>a.jpg</filename>
<size><width>100</width><height>80</height><depth>3</depth></size><segmented>0</segmented>
<object><name>dog</name><pose>Left</pose><truncated>1</truncated><difficult>0</difficult>
<bndbox><xmin>10</xmin><ymin>20</ymin><xmax>50</xmax><ymax>60</ymax></bndbox></object>
</annotation>"""


def refused(path, problem, fn=voc.read_annotation):
    with alarm(5), pytest.raises(DatasetFormatError) as err:
        fn(path)
    assert str(path) in str(err.value) and problem in str(err.value), str(err.value)


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("voc")
    synthetic.write_voc(root, n_images=4, size=32, seed=1, val_fraction=0.5)
    return voc.find_voc_root(root)


@pytest.fixture
def fresh(tmp_path):
    synthetic.write_voc(tmp_path, n_images=4, size=32, seed=1, val_fraction=0.5)
    return voc.find_voc_root(tmp_path)


# ------------------------------------------------------------------ files that block or never end

def test_fifo_annotation_is_refused_not_read(tmp_path):
    fifo = tmp_path / "a.xml"
    os.mkfifo(fifo)
    refused(fifo, "not a regular file")


@pytest.mark.parametrize("reader,name", [(voc.read_annotation, "a.xml"), (voc.read_image, "a.jpg"),
                                         (voc.read_label_png, "a.png")])
def test_link_to_an_endless_device_is_refused(tmp_path, reader, name):
    link = tmp_path / name
    link.symlink_to("/dev/zero")
    refused(link, "not a regular file", reader)


@pytest.mark.parametrize("reader", [voc.read_annotation, voc.read_image, voc.read_label_png])
def test_a_folder_is_refused(tmp_path, reader):
    (tmp_path / "d.xml").mkdir()
    refused(tmp_path / "d.xml", "not a regular file", reader)


def test_fifo_split_file_is_refused(fresh):
    split = fresh / "ImageSets" / "Segmentation" / "train.txt"
    split.unlink()
    os.mkfifo(split)
    with alarm(5), pytest.raises(DatasetFormatError, match="train.txt: split file is not a regular file"):
        voc.read_split(fresh, "Segmentation", "train")


def test_an_oversized_annotation_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(voc, "MAX_ANNOTATION_BYTES", 100)
    path = tmp_path / "a.xml"
    path.write_text(GOOD)
    refused(path, "more than the limit of 100 bytes")


@pytest.mark.parametrize("content", [b"\xff\xfe2007_000032\n", b"2007_0000\x9f32\n"])
def test_split_file_that_is_not_utf8_names_the_file(fresh, content):
    (fresh / "ImageSets" / "Segmentation" / "val.txt").write_bytes(content)
    with pytest.raises(DatasetFormatError, match="val.txt: split file is not UTF-8"):
        voc.read_split(fresh, "Segmentation", "val")


@pytest.mark.parametrize("kw", [dict(task="../../.."), dict(split="../../../etc/passwd"), dict(task="/etc"),
                                dict(split="a\0b")])
def test_split_and_task_must_be_plain_names(tree, kw):
    with pytest.raises(ValueError, match=next(iter(kw))):
        voc.read_split(tree, **kw)


# ------------------------------------------------------------------ reaching outside the dataset

@pytest.mark.parametrize("name", ["../../../etc/passwd", "/etc/passwd", "sub/a.jpg", "..", ".",
                                  "..\\..\\x.jpg", "C:x.jpg"])
def test_annotation_filename_must_be_a_plain_name(tmp_path, name):
    path = tmp_path / "a.xml"
    path.write_text(GOOD.replace("<filename>a.jpg</filename>", f"<filename>{name}</filename>"))
    refused(path, "is not a plain file name")


def test_load_detection_refuses_an_image_link_to_outside(fresh, tmp_path_factory):
    secret = tmp_path_factory.mktemp("outside") / "secret.jpg"
    Image.new("RGB", (32, 32), (255, 0, 0)).save(secret)
    ident = voc.read_split(fresh, "Main", "train")[0]
    image = fresh / "JPEGImages" / f"{ident}.jpg"
    image.unlink()
    image.symlink_to(secret)
    with pytest.raises(DatasetFormatError, match="outside its folder"):
        voc.load_detection(fresh, "train")
    with pytest.raises(DatasetFormatError, match="outside its folder"):
        VOCDetection(fresh, "train")


def test_load_detection_refuses_an_annotation_link_to_outside(fresh, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside2") / "x.xml"
    outside.write_text(GOOD)
    ident = voc.read_split(fresh, "Main", "train")[0]
    ann = fresh / "Annotations" / f"{ident}.xml"
    ann.unlink()
    ann.symlink_to(outside)
    with pytest.raises(DatasetFormatError, match="outside its folder"):
        voc.load_detection(fresh, "train")


def test_segmentation_readers_refuse_a_mask_link_to_outside(fresh, tmp_path_factory):
    ident = voc.read_split(fresh, "Segmentation", "train")[0]
    mask = fresh / "SegmentationClass" / f"{ident}.png"
    outside = tmp_path_factory.mktemp("outside3") / "m.png"
    outside.write_bytes(mask.read_bytes())
    mask.unlink()
    mask.symlink_to(outside)
    with pytest.raises(DatasetFormatError, match="outside its folder"):
        voc.load_segmentation(fresh, "train")
    ds = VOCSegmentation(fresh, "train")
    with pytest.raises(DatasetFormatError, match="outside its folder"):
        ds[ds.ids.index(ident)]


def test_a_linked_dataset_folder_is_still_read(fresh, tmp_path_factory):
    """Containment is checked against the folder itself resolved, so JPEGImages may be a link."""
    away = tmp_path_factory.mktemp("elsewhere") / "JPEGImages"
    (fresh / "JPEGImages").rename(away)
    (fresh / "JPEGImages").symlink_to(away)
    assert len(voc.load_detection(fresh, "train")) == 2


# ------------------------------------------------------------------ numbers and repeated elements

@pytest.mark.parametrize("old,new,problem", [
    ("<xmin>10</xmin>", "<xmin>1_0</xmin>", "not a number"),
    ("<width>100</width>", "<width>1_00</width>", "not a number"),
    ("<xmin>10</xmin>", "<xmin>\u0661\u0660</xmin>", "not a number"),          # Arabic-Indic digits
    ("<xmin>10</xmin>", "<xmin>0x0a</xmin>", "not a number"),
    ("<xmin>10</xmin>", "<xmin>1.0.0</xmin>", "not a number"),
    ("<xmin>10</xmin>", "<xmin>10 20</xmin>", "not a number"),
    ("<xmin>10</xmin>", "<xmin>inf</xmin>", "not a finite number"),
    ("<xmin>10</xmin>", "<xmin>-Infinity</xmin>", "not a finite number"),
    ("<depth>3</depth>", "<depth>0</depth>", "depth must be 1"),
    ("<depth>3</depth>", "<depth>-3</depth>", "depth must be 1"),
    ("<depth>3</depth>", "<depth>2</depth>", "depth must be 1"),
    ("<size>", "<size><width>5</width></size><size>", "2 <size> elements"),
    ("<width>100</width>", "<width>100</width><width>7</width>", "2 <width> elements"),
    ("<xmin>10</xmin>", "<xmin>10</xmin><xmin>90</xmin>", "2 <xmin> elements"),
    ("<filename>a.jpg</filename>", "<filename>a.jpg</filename><filename>b.jpg</filename>",
     "2 <filename> elements"),
    ("<name>dog</name>", "<name>dog</name><name>cat</name>", "2 <name> elements"),
    ("<difficult>0</difficult>", "<difficult>0</difficult><difficult>1</difficult>", "2 <difficult> elements"),
    ("</bndbox>", "</bndbox><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox>",
     "2 <bndbox> elements"),
])
def test_numbers_and_repeats_are_refused(tmp_path, old, new, problem):
    assert old in GOOD
    path = tmp_path / "a.xml"
    path.write_text(GOOD.replace(old, new, 1))
    refused(path, problem)


def test_plain_numbers_still_read(tmp_path):
    path = tmp_path / "a.xml"
    path.write_text(GOOD.replace("<xmin>10</xmin>", "<xmin> 10.0 </xmin>").replace("<depth>3</depth>",
                                                                                   "<depth>1</depth>"))
    rec = voc.read_annotation(path)
    assert rec["objects"][0]["bbox"] == (10, 20, 50, 60) and rec["depth"] == 1


# ------------------------------------------------------------------ masks that are not VOC label PNGs

def palette_png(path, mask, palette):
    img = Image.fromarray(np.asarray(mask, np.uint8), mode="P")
    img.putpalette(palette)
    img.save(path)
    return path


MASK = np.array([[0, 1], [15, 255]], np.uint8)


def test_voc_palette_mask_reads(tmp_path):
    path = palette_png(tmp_path / "m.png", MASK, voc.voc_palette().reshape(-1).tolist())
    assert np.array_equal(voc.read_label_png(path), MASK)


@pytest.mark.parametrize("make,problem", [
    (lambda p: palette_png(p, MASK, [(7 * i) % 256 for i in range(768)]), "not the VOC palette"),
    (lambda p: palette_png(p, MASK, voc.voc_palette().reshape(-1).tolist()[:-3] + [255, 255, 255]),
     "index 255 is coloured (255, 255, 255)"),
    (lambda p: Image.fromarray(MASK, "L").save(p, format="JPEG"), "got a JPEG file"),
    (lambda p: Image.fromarray(np.stack([MASK] * 3, -1), "RGB").save(p), "got mode 'RGB'"),
    (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\nbroken"), "not a readable PNG"),
])
def test_masks_that_are_not_voc_label_pngs_are_refused(tmp_path, make, problem):
    path = tmp_path / "m.png"
    make(path)
    refused(path, problem, voc.read_label_png)


@pytest.mark.parametrize("kind", ["classes", "objects", "Class", None, 0])
def test_segmentation_kind_must_be_class_or_object(tree, kind):
    with pytest.raises(ValueError, match="kind"):
        VOCSegmentation(tree, "train", kind=kind)
    with pytest.raises(ValueError, match="kind"):
        voc.load_segmentation(tree, "train", kind=kind)


def test_kind_class_and_object_read_their_own_folders(tree):
    ident = voc.read_split(tree, "Segmentation", "train")[0]
    for kind, folder in (("class", "SegmentationClass"), ("object", "SegmentationObject")):
        ds = VOCSegmentation(tree, "train", kind=kind)
        want = voc.read_label_png(tree / folder / f"{ident}.png", None)
        assert np.array_equal(ds[ds.ids.index(ident)][1].numpy(), want)


def test_layout_tree_does_not_follow_a_link_loop(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "loop").symlink_to(tmp_path)
    with alarm(5):
        text = voc.layout_tree(tmp_path, max_depth=64)
    assert "loop/" in text and text.count("loop/") == 1


@pytest.mark.parametrize("kw", [dict(max_depth=-1), dict(max_depth=10 ** 9), dict(max_files=1.5)])
def test_layout_tree_limits(tmp_path, kw):
    with pytest.raises(ValueError, match=next(iter(kw))):
        voc.layout_tree(tmp_path, **kw)
