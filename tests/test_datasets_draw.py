"""Drawing helpers: what they colour and what they leave alone."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecturelib.datasets import coco, draw, synthetic, voc  # noqa: E402


def test_overlay_leaves_background_and_colours_labels():
    img = np.full((4, 5, 3), 100, np.uint8)
    mask = np.zeros((4, 5), np.uint8)
    mask[1, 1], mask[2, 3] = 15, 255
    out = draw.overlay_mask(img, mask, alpha=1.0)
    assert np.array_equal(out[0, 0], img[0, 0])
    assert tuple(out[1, 1]) == tuple(voc.voc_palette()[15]) and tuple(out[2, 3]) == (224, 224, 192)


def test_outline_is_the_inner_border():
    m = np.zeros((7, 7), bool)
    m[1:6, 1:6] = True
    o = draw.outline(m)
    assert (o <= m).all() and o.sum() == 16 and not o[2:5, 2:5].any()


def test_panoptic_colours_one_colour_per_segment():
    pan = coco.load_panoptic(synthetic.coco_sample_root(), "val")
    rec = pan["annotations"][0]
    ids = coco.read_panoptic_png(rec, pan["png_folder"])
    rgb = draw.panoptic_colours(ids, rec["segments_info"], pan["categories"])
    for s in rec["segments_info"]:
        assert len(np.unique(rgb[ids == s["id"]], axis=0)) == 1


def test_figures_draw_without_error():
    rec = coco.image_record(synthetic.coco_sample_root(), "val", index=2)
    fig = plt.figure()
    axes = draw.five_tasks(fig, rec["image"], rec["instances"], rec["panoptic_ids"], rec["segments_info"],
                           rec["panoptic_categories"], captions=rec["captions"])
    things = [a for a in rec["instances"] if not a["iscrowd"]]
    assert len(axes[1].patches) == len(things)           # one box per non-crowd object
    draw.plot_iou_example(fig, 1.0)
    fig2, ax = plt.subplots()
    draw.plot_palette(ax)
    assert len(ax.patches) == 22
    draw.draw_keypoints(ax, np.array([[1, 1, 2]] * 5 + [[0, 0, 0]] * 12))
    plt.close("all")


def test_five_tasks_text_size_and_titles():
    rec = coco.image_record(synthetic.coco_sample_root(), "val", index=2)
    args = (rec["image"], rec["instances"], rec["panoptic_ids"], rec["segments_info"],
            rec["panoptic_categories"])
    fig = plt.figure()
    axes = draw.five_tasks(fig, *args, fontsize=11, titles="short")
    texts = [t for ax in axes for t in ax.texts + [ax.title] if t.get_text()]
    assert {t.get_fontsize() for t in texts} == {11}      # titles, class list and box labels
    assert axes[2].get_title() == "semantic segmentation"
    draw.five_tasks(fig, *args, ncols=5, titles="none")
    assert all(ax.get_title() == "" for ax in fig.axes)
    with pytest.raises(ValueError, match=r"titles: expected .* got 'long'"):
        draw.five_tasks(fig, *args, titles="long")
    plt.close("all")


def test_palette_labels_take_the_given_size():
    fig, ax = plt.subplots()
    draw.plot_palette(ax, fontsize=10)
    assert len(ax.texts) == 22 and {t.get_fontsize() for t in ax.texts} == {10}
    plt.close("all")
