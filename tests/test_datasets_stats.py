"""Statistics from annotations, against counts taken from the masks."""
import numpy as np

from lecturelib.datasets import coco, stats, synthetic, voc


def test_voc_counts_match_object_masks():
    root = synthetic.voc_sample_root()
    recs = voc.load_detection(root, "trainval")
    rows = stats.voc_objects(recs)
    counts = stats.class_counts(rows)
    from_masks = {}
    n_per = []
    for rec in recs:
        obj = voc.read_label_png(root / "SegmentationObject" / f"{rec['id']}.png", None)
        cls = voc.read_label_png(root / "SegmentationClass" / f"{rec['id']}.png")
        ks = [k for k in np.unique(obj) if 0 < k < 255]
        n_per.append(len(ks))
        for k in ks:
            name = voc.VOC_CLASSES[int(np.unique(cls[obj == k])[0])]
            from_masks[name] = from_masks.get(name, 0) + 1
    assert counts == from_masks
    per = stats.objects_per_image(rows, [r["id"] for r in recs])
    assert per == {k: n_per.count(k) for k in sorted(set(n_per))}


def test_coco_rows_and_buckets():
    data = coco.load_instances(synthetic.coco_sample_root(), "val")
    rows = stats.coco_objects(data)
    assert len(rows) == sum(1 for a in data["annotations"] if not a["iscrowd"])
    assert len(stats.coco_objects(data, crowds=True)) == len(data["annotations"])
    assert [stats.size_bucket(a) for a in (0, 1023, 1024, 9215, 9216)] == ["small", "small", "medium", "medium",
                                                                           "large"]
    assert stats.objects_per_image([], [1, 2]) == {0: 2}
