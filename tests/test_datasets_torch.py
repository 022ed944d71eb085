"""Dataset wrappers and aligned transforms."""
import numpy as np
import torch

from lecturelib.datasets import synthetic, torch_datasets as T
from lecturelib.datasets.boxes import xyxy_to_voc


def test_voc_segmentation_dataset():
    ds = T.VOCSegmentation(synthetic.voc_sample_root(), "train")
    x, y = ds[0]
    assert len(ds) == 12 and x.shape == (3, 128, 128) and x.dtype == torch.float32 and 0 <= x.min() <= x.max() <= 1
    assert y.shape == (128, 128) and y.dtype == torch.int64


def test_resize_uses_nearest_for_masks():
    ds = T.VOCSegmentation(synthetic.voc_sample_root(), "train")
    raw = T.VOCSegmentation(synthetic.voc_sample_root(), "train", T.Resize((45, 70)))
    for i in range(4):
        _, y0 = ds[i]
        x, y = raw[i]
        assert x.shape == (3, 45, 70) and y.shape == (45, 70)
        assert set(y.unique().tolist()) <= set(y0.unique().tolist())   # no blended label values


def test_flip_keeps_boxes_on_masks():
    ds = T.COCODetection(synthetic.coco_sample_root(), "val", T.Compose([T.Resize((60, 100)), T.HorizontalFlip(1.0)]))
    for i in range(len(ds)):
        x, t = ds[i]
        assert x.shape == (3, 60, 100) and t["masks"].shape[1:] == (60, 100)
        for box, m in zip(t["boxes"].numpy(), t["masks"].numpy()):
            rows, cols = np.nonzero(m)
            # box from the transformed mask, in the same xyxy convention; a pixel of slack for resampling
            tight = np.array([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1])
            assert np.all(np.abs(tight - box) <= 1.5), (tight, box)


def test_flip_twice_is_identity():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (5, 7, 3), dtype=np.uint8)
    target = {"mask": rng.integers(0, 3, (5, 7), dtype=np.uint8), "boxes": np.array([[1.0, 0.0, 3.0, 4.0]])}
    f = T.HorizontalFlip(1.0)
    i1, t1 = f(image, target)
    assert t1["boxes"].tolist() == [[4.0, 0.0, 6.0, 4.0]] and np.array_equal(t1["mask"], target["mask"][:, ::-1])
    i2, t2 = f(i1, t1)
    assert np.array_equal(i2, image) and np.array_equal(t2["mask"], target["mask"])
    assert np.allclose(t2["boxes"], target["boxes"])


def test_voc_detection_boxes_are_xyxy():
    ds = T.VOCDetection(synthetic.voc_sample_root(), "val")
    x, t = ds[0]
    rec = ds.records[0]
    assert [tuple(v) for v in xyxy_to_voc(t["boxes"].numpy()).astype(int).tolist()] == \
        [o["bbox"] for o in rec["objects"]]
    assert t["labels"].dtype == torch.int64 and (t["labels"] >= 1).all()
