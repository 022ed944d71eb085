"""Pictures of the dataset tasks: boxes, palette masks, instance outlines, panoptic colours, skeletons.

Image-space functions return new ``(H, W, 3)`` uint8 arrays (``overlay_mask``,
``outline_instances``, ``panoptic_colours``); axes functions draw onto a matplotlib
``Axes`` showing the image with ``imshow`` (``draw_boxes``, ``draw_keypoints``).
Boxes are ``[x0, y0, x1, y1]`` in continuous pixel coordinates (see ``boxes``);
``imshow`` puts pixel ``c``'s centre at ``c``, so a box edge at ``x0`` is drawn at ``x0 - 0.5``.

``five_tasks(fig, sample)`` draws classification, detection, semantic, instance and
panoptic segmentation of one COCO image side by side, from its annotations.
"""
from __future__ import annotations

import colorsys

import numpy as np

from .coco import COCO_SKELETON
from .voc import as_label_array, voc_palette


def _image(name, img):
    try:
        a = np.asarray(img)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name}: expected an (H, W, 3) image, got {type(img).__name__} ({err})") from None
    if a.ndim != 3 or a.shape[2] != 3:
        raise ValueError(f"{name}: expected shape (H, W, 3), got {a.shape}")
    if not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)):
        raise TypeError(f"{name}: expected an integer or float image, got dtype {a.dtype}")
    if a.size and (not np.all(np.isfinite(a)) or a.min() < 0 or a.max() > 255):
        raise ValueError(f"{name}: expected values in [0, 255], got range [{a.min()}, {a.max()}]")
    return a


def _fraction(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not 0 <= value <= 1:
        raise ValueError(f"{name}: expected a number in [0, 1], got {value!r}")
    return float(value)


def _count(name, value, least=0):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise ValueError(f"{name}: expected an integer >= {least}, got {value!r}")
    return int(value)


def _colours(name, colours, n):
    c = np.asarray(colours)
    if c.ndim != 2 or c.shape[1] != 3 or not np.issubdtype(c.dtype, np.number):
        raise ValueError(f"{name}: expected an (n, 3) array of RGB colours, got shape {c.shape}")
    if len(c) < n:
        raise ValueError(f"{name}: expected at least {n} colours (one per item), got {len(c)}")
    if c.size and (not np.all(np.isfinite(c)) or c.min() < 0 or c.max() > 255):
        raise ValueError(f"{name}: expected colour values in [0, 255], got range [{c.min()}, {c.max()}]")
    return c


MAX_COLOURS = 1 << 16
"""The most colours distinct_colours makes (a stated limit: each is computed in Python)."""


def distinct_colours(n: int, seed: int = 0) -> np.ndarray:
    """``n`` well-separated saturated colours ``(n, 3)`` uint8 (golden-ratio hue steps)."""
    n = _count("n", n)
    if n > MAX_COLOURS:
        raise ValueError(f"n: expected at most {MAX_COLOURS} colours, got {n}")
    hues = (seed * 0.137 + np.arange(n) * 0.618034) % 1.0
    return np.array([[int(255 * c) for c in colorsys.hsv_to_rgb(h, 0.85, 0.95)] for h in hues],
                    np.uint8).reshape(n, 3)


def category_colour(cat_id: int) -> np.ndarray:
    """A fixed colour ``(3,)`` uint8 for a category id: hue steps by the golden ratio from one id to the next."""
    h = (_count("cat_id", cat_id) * 0.618034 + 0.05) % 1.0
    return np.array([int(255 * c) for c in colorsys.hsv_to_rgb(h, 0.75, 0.9)], np.uint8)


def overlay_mask(image, mask, alpha: float = 0.6, palette=None, skip=(0,)) -> np.ndarray:
    """Blend a label mask ``(H, W)`` over ``image`` ``(H, W, 3)``: label ``k`` in ``palette[k]``.

    ``palette`` defaults to the VOC palette (so 255, void, is cream); labels in ``skip``
    (default: background 0) leave the image as it is.
    """
    img = _image("image", image).astype(float)
    alpha = _fraction("alpha", alpha)
    m = as_label_array("mask", mask, 2, low=None, high=None)
    if m.shape != img.shape[:2]:
        raise ValueError(f"mask: expected shape {img.shape[:2]} (the image's), got {m.shape}")
    pal = voc_palette() if palette is None else _colours("palette", palette, 1)
    if m.size and (m.min() < 0 or m.max() >= len(pal)):
        raise ValueError(f"mask: expected labels in [0, {len(pal)}) (one colour each in the palette), got range "
                         f"[{m.min()}, {m.max()}]")
    colour = pal[m].astype(float)
    show = ~np.isin(m, list(skip))
    out = np.where(show[..., None], (1 - alpha) * img + alpha * colour, img)
    return out.round().astype(np.uint8)


def outline(mask, width: int = 1) -> np.ndarray:
    """The inner outline of a bool mask: mask pixels within ``width`` of a non-mask pixel."""
    width = _count("width", width, 1)
    try:
        m = np.asarray(mask)
    except (TypeError, ValueError) as err:
        raise ValueError(f"mask: expected an (H, W) array, got {type(mask).__name__} ({err})") from None
    if m.ndim != 2:
        raise ValueError(f"mask: expected shape (H, W), got {m.shape}")
    m = m.astype(bool)
    pad = np.pad(m, width, constant_values=False)
    h, w = m.shape
    inner = np.ones_like(m)
    for dy in range(2 * width + 1):
        for dx in range(2 * width + 1):
            inner &= pad[dy:dy + h, dx:dx + w]
    return m & ~inner


def outline_instances(image, masks, colours=None, width: int = 1, fill_alpha: float = 0.35) -> np.ndarray:
    """Draw each instance mask (a list of ``(H, W)`` bool) tinted and outlined in its own colour."""
    out = _image("image", image).astype(float).copy()
    fill_alpha = _fraction("fill_alpha", fill_alpha)
    width = _count("width", width, 1)
    masks = list(masks)
    colours = distinct_colours(len(masks)) if colours is None else _colours("colours", colours, len(masks))
    for i, (m, c) in enumerate(zip(masks, colours)):
        m = np.asarray(m)
        if m.shape != out.shape[:2]:
            raise ValueError(f"masks[{i}]: expected shape {out.shape[:2]} (the image's), got {m.shape}")
        m = m.astype(bool)
        out[m] = (1 - fill_alpha) * out[m] + fill_alpha * c
        out[outline(m, width)] = c
    return out.round().astype(np.uint8)


def panoptic_colours(ids, segments_info, categories, seed: int = 0) -> np.ndarray:
    """Colour a panoptic id map ``(H, W)``: stuff segments in their category's colour, each thing
    instance in its own shade of its category's colour; id 0 (unlabelled) black."""
    ids = np.asarray(ids)
    out = np.zeros(ids.shape + (3,), np.uint8)
    rng = np.random.default_rng(seed)
    for seg in segments_info:
        base = category_colour(seg["category_id"]).astype(float)
        if categories[seg["category_id"]].get("isthing", 1):
            base = np.clip(base * rng.uniform(0.55, 1.0) + rng.uniform(0, 90, 3), 0, 255)
        out[ids == seg["id"]] = base.astype(np.uint8)
    return out


def draw_boxes(ax, boxes, labels=None, colours=None, linewidth: float = 1.5, fontsize: float = 7):
    """Draw ``[x0, y0, x1, y1]`` boxes ``(N, 4)`` with optional text labels on an imshow axes."""
    from matplotlib.patches import Rectangle
    b = np.asarray(boxes, float).reshape(-1, 4)
    colours = distinct_colours(len(b)) if colours is None else np.asarray(colours)
    for i, (x0, y0, x1, y1) in enumerate(b):
        c = np.asarray(colours[i]) / 255.0
        ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, edgecolor=c,
                               linewidth=linewidth))
        if labels is not None:
            # Above the box, unless the box starts at the image's top edge: there the label would
            # sit over the axes title, so it goes inside the box's top-left corner instead.
            bottom, top = ax.get_ylim()
            inside = y0 - 0.5 - min(bottom, top) < 0.08 * abs(bottom - top)
            ax.text(x0 - 0.5, y0 - 0.5 if inside else y0 - 1, str(labels[i]), color="white",
                    fontsize=fontsize, va="top" if inside else "bottom",
                    bbox=dict(facecolor=c, edgecolor="none", pad=1, alpha=0.85))


def draw_keypoints(ax, keypoints, skeleton=COCO_SKELETON, colour=(1.0, 0.9, 0.1), size: float = 12):
    """Draw one person's keypoints ``(17, 3)`` (x, y, v): filled dots for v = 2, hollow for v = 1,
    nothing for v = 0; limbs of the 1-based ``skeleton`` where both ends are labelled."""
    k = np.asarray(keypoints, float).reshape(-1, 3)
    for a, b in skeleton:
        if k[a - 1, 2] > 0 and k[b - 1, 2] > 0:
            ax.plot([k[a - 1, 0], k[b - 1, 0]], [k[a - 1, 1], k[b - 1, 1]], color=colour, linewidth=1.2)
    vis, hid = k[:, 2] == 2, k[:, 2] == 1
    ax.scatter(k[vis, 0], k[vis, 1], s=size, color=colour, edgecolors="black", linewidths=0.5, zorder=3)
    ax.scatter(k[hid, 0], k[hid, 1], s=size, facecolors="none", edgecolors=colour, linewidths=1.0, zorder=3)


def _off(ax, title, fontsize: float = 9):
    ax.set_title(title, fontsize=fontsize)
    ax.set_xticks([])
    ax.set_yticks([])


_TASKS = (("classification", "which classes?"),
          ("object detection", "a box and a class per object"),
          ("semantic segmentation", "a class per pixel"),
          ("instance segmentation", "a mask per object"),
          ("panoptic segmentation", "stuff classes + each thing"),
          ("captioning (COCO)", "sentences about the image"))


def five_tasks(fig, image, instances, panoptic_ids, segments_info, categories, captions=None,
               ncols: int = 3, fontsize: float = 9, titles: str = "full"):
    """Classification, detection, semantic, instance and panoptic segmentation of one image.

    Args:
        fig: a matplotlib Figure or SubFigure (emptied first).
        image: ``(H, W, 3)`` uint8.
        instances: list of ``{"bbox": [x, y, w, h], "category_id", "mask": (H, W) bool, "iscrowd"}``.
        panoptic_ids: ``(H, W)`` segment ids; ``segments_info`` and ``categories`` as in the panoptic JSON.
        captions: optional sentences, shown in a sixth panel (COCO's captioning task).
        ncols: panels per row (3 gives a 2 x 3 grid, 5 or 6 a single row).
        fontsize: points of every text (titles, class names, box labels, captions). A figure
            ``W`` inches wide shown across a ``C``-pixel column shows it at
            ``fontsize * C / (72 W)`` pixels.
        titles: ``"full"`` (the task and what it asks), ``"short"`` (the task's name) or
            ``"none"`` (e.g. the lower rows of a grid of several images).
    """
    from .boxes import xywh_to_xyxy
    if titles not in ("full", "short", "none"):
        raise ValueError(f"titles: expected 'full', 'short' or 'none', got {titles!r}")
    fig.clear()
    n = 5 + (captions is not None)
    nrows = -(-max(n, 5) // ncols)
    axes = fig.subplots(nrows, ncols).reshape(-1)
    img = _image("image", image)
    things = [a for a in instances if not a.get("iscrowd", 0)]
    names = sorted({categories[a["category_id"]]["name"] for a in instances})
    axes[0].imshow(img)
    axes[0].text(0.02, 0.98, "\n".join(names), transform=axes[0].transAxes, va="top",
                 fontsize=fontsize, color="white", bbox=dict(facecolor="black", alpha=0.6, pad=2))
    axes[1].imshow(img)
    draw_boxes(axes[1], xywh_to_xyxy([a["bbox"] for a in things]) if things else np.zeros((0, 4)),
               [categories[a["category_id"]]["name"] for a in things],
               [category_colour(a["category_id"]) for a in things], fontsize=fontsize)
    sem = np.zeros(img.shape[:2], np.int64)
    for a in instances:
        sem[a["mask"]] = a["category_id"]
    pal = np.array([category_colour(i) for i in range(256)])
    axes[2].imshow(overlay_mask(img, sem, 0.75, pal))
    axes[3].imshow(outline_instances(img, [a["mask"] for a in things], fill_alpha=0.6))
    axes[4].imshow(panoptic_colours(panoptic_ids, segments_info, categories))
    if captions is not None:
        import textwrap
        text = "\n\n".join(textwrap.fill(f"\u201c{c}\u201d", 30) for c in captions)
        axes[5].text(0.5, 0.5, text, ha="center", va="center", fontsize=fontsize,
                     transform=axes[5].transAxes)
    for ax, (task, asks) in zip(axes[:n], _TASKS):
        _off(ax, {"full": f"{task}\n({asks})", "short": task, "none": ""}[titles], fontsize)
    for ax in axes[n:]:
        ax.axis("off")
    return axes


def plot_palette(ax, labels=None, names=None, per_row: int = 11, fontsize: float = 8):
    """Swatches of the VOC palette for ``labels`` (default: 0..20 and 255), each with its index and
    name in ``fontsize`` points."""
    from matplotlib.patches import Rectangle
    from .voc import VOC_CLASSES
    labels = list(range(21)) + [255] if labels is None else list(labels)
    pal = voc_palette()
    rows = (len(labels) + per_row - 1) // per_row
    for i, k in enumerate(labels):
        r, c = divmod(i, per_row)
        y = -2.0 * r
        ax.add_patch(Rectangle((c, y), 0.9, 0.9, facecolor=pal[k] / 255.0, edgecolor="0.6", linewidth=0.5))
        name = (names or {}).get(k) or (VOC_CLASSES[k] if k < len(VOC_CLASSES) else ("void" if k == 255 else str(k)))
        ax.text(c + 0.45, y - 0.1, f"{k}\n{name}", ha="center", va="top", fontsize=fontsize)
    ax.set_xlim(-0.1, per_row)
    ax.set_ylim(-2.0 * rows + 0.6, 1.0)
    ax.axis("off")


def plot_iou_example(fig, shift=0.0):
    """Two 4x4 boxes, the second moved right by ``shift`` pixels; the title gives their IoU."""
    from matplotlib.patches import Rectangle
    from .boxes import box_iou
    fig.clear()
    ax = fig.add_subplot(1, 1, 1)
    a = np.array([1.0, 1.0, 5.0, 5.0])
    b = a + np.array([shift, 1.0, shift, 1.0])
    lo, hi = np.maximum(a[:2], b[:2]), np.minimum(a[2:], b[2:])
    ax.add_patch(Rectangle(a[:2], 4, 4, fill=False, edgecolor="tab:blue", linewidth=2, label="A"))
    ax.add_patch(Rectangle(b[:2], 4, 4, fill=False, edgecolor="tab:orange", linewidth=2, label="B"))
    if np.all(hi > lo):
        ax.add_patch(Rectangle(lo, *(hi - lo), color="tab:green", alpha=0.4, label="A ∩ B"))
    ax.set_xlim(0, 12)
    ax.set_ylim(7, 0)
    ax.set_aspect("equal")
    ax.set_xlabel("x (pixels)")
    ax.set_ylabel("y (pixels)")
    ax.legend(loc="upper right", fontsize=8)
    fig.suptitle(f"B shifted right by {shift:g} px: IoU = {float(box_iou(a, b)):.3f}", fontsize=10)
