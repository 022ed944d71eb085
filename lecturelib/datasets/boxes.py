"""Box formats and the intersection over union.

Three conventions meet in this chapter, all for the same box:

* ``xyxy``: ``[x0, y0, x1, y1]``, continuous pixel coordinates, 0-based; the box covers
  ``x0 <= x < x1``. Pixel column ``c`` spans ``[c, c + 1)``. (The format we compute in.)
* ``xywh``: COCO's ``[x, y, w, h]``: top-left corner and size in the same coordinates,
  so ``x1 = x + w``.
* ``voc``: VOC's ``(xmin, ymin, xmax, ymax)``: 1-based indices of the first and the last
  pixel column/row *inside* the box. Column ``c`` (0-based) is ``c + 1`` in VOC, and the
  box's last pixel ``xmax`` ends at continuous coordinate ``xmax``, so
  ``xyxy = [xmin - 1, ymin - 1, xmax, ymax]`` and its width is ``xmax - xmin + 1``.

All functions take ``(4,)`` or ``(N, 4)`` arrays (lists work) and return float arrays of
the same shape. IoU:

.. math:: \\mathrm{IoU}(A, B) = \\frac{|A \\cap B|}{|A \\cup B|} = \\frac{|A \\cap B|}{|A| + |B| - |A \\cap B|}
"""
from __future__ import annotations

import numpy as np

from .._validate import as_array


def _boxes(name, b):
    arr = as_array(name, b, ndim=(1, 2))
    if arr.shape[-1] != 4:
        raise ValueError(f"{name}: expected shape (4,) or (N, 4), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: expected finite coordinates, got NaN or inf")
    return arr


def _ordered(name, b, lo, hi, what, slack=0.0):
    """Refuse boxes whose column ``hi`` is below column ``lo`` minus ``slack`` (for both axes)."""
    bad = (b[..., hi] < b[..., lo] - slack) | (b[..., hi + 1] < b[..., lo + 1] - slack)
    if np.any(bad):
        first = np.atleast_2d(b)[np.atleast_1d(bad)][0]
        raise ValueError(f"{name}: {what}, got {first.tolist()}")


def xywh_to_xyxy(b) -> np.ndarray:
    """COCO ``[x, y, w, h]`` -> ``[x0, y0, x1, y1]``. A negative width or height is refused."""
    b = _boxes("b", b)
    if np.any(b[..., 2:] < 0):
        first = np.atleast_2d(b)[np.atleast_1d(np.any(b[..., 2:] < 0, -1))][0]
        raise ValueError(f"b: expected [x, y, w, h] with w >= 0 and h >= 0, got {first.tolist()}")
    return np.concatenate([b[..., :2], b[..., :2] + b[..., 2:]], -1)


def xyxy_to_xywh(b) -> np.ndarray:
    """``[x0, y0, x1, y1]`` -> COCO ``[x, y, w, h]``. A box with ``x1 < x0`` or ``y1 < y0`` is refused."""
    b = _boxes("b", b)
    _ordered("b", b, 0, 2, "expected [x0, y0, x1, y1] with x1 >= x0 and y1 >= y0")
    return np.concatenate([b[..., :2], b[..., 2:] - b[..., :2]], -1)


def voc_to_xyxy(b) -> np.ndarray:
    """VOC's 1-based inclusive corners ``(xmin, ymin, xmax, ymax)`` -> ``[xmin - 1, ymin - 1, xmax, ymax]``.

    A box with ``xmax < xmin - 1`` or ``ymax < ymin - 1`` is refused (``xmax = xmin - 1`` is an empty box).
    """
    b = _boxes("b", b)
    _ordered("b", b, 0, 2, "expected VOC corners with xmax >= xmin - 1 and ymax >= ymin - 1", slack=1.0)
    return np.concatenate([b[..., :2] - 1, b[..., 2:]], -1)


def xyxy_to_voc(b) -> np.ndarray:
    """``[x0, y0, x1, y1]`` -> VOC's 1-based inclusive corners ``[x0 + 1, y0 + 1, x1, y1]``."""
    b = _boxes("b", b)
    _ordered("b", b, 0, 2, "expected [x0, y0, x1, y1] with x1 >= x0 and y1 >= y0")
    return np.concatenate([b[..., :2] + 1, b[..., 2:]], -1)


def coco_to_voc(b) -> np.ndarray:
    """COCO ``[x, y, w, h]`` -> VOC ``[x + 1, y + 1, x + w, y + h]``."""
    return xyxy_to_voc(xywh_to_xyxy(b))


def voc_to_coco(b) -> np.ndarray:
    """VOC ``(xmin, ymin, xmax, ymax)`` -> COCO ``[xmin - 1, ymin - 1, xmax - xmin + 1, ymax - ymin + 1]``."""
    return xyxy_to_xywh(voc_to_xyxy(b))


def box_area(b) -> np.ndarray:
    """Area of ``[x0, y0, x1, y1]`` boxes (0 for an empty or inverted box)."""
    b = _boxes("b", b)
    return np.clip(b[..., 2] - b[..., 0], 0, None) * np.clip(b[..., 3] - b[..., 1], 0, None)


def box_iou(a, b) -> np.ndarray:
    """Intersection over union of ``[x0, y0, x1, y1]`` boxes.

    ``a`` ``(4,)`` and ``b`` ``(4,)`` give a scalar array; ``a`` ``(N, 4)`` and ``b`` ``(M, 4)``
    give the ``(N, M)`` matrix of every pair. Two empty boxes have IoU 0.
    """
    a, b = _boxes("a", a), _boxes("b", b)
    single = a.ndim == 1 and b.ndim == 1
    A, B = np.atleast_2d(a), np.atleast_2d(b)
    lo = np.maximum(A[:, None, :2], B[None, :, :2])
    hi = np.minimum(A[:, None, 2:], B[None, :, 2:])
    inter = np.prod(np.clip(hi - lo, 0, None), -1)
    union = box_area(A)[:, None] + box_area(B)[None, :] - inter
    iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return iou[0, 0] if single else iou
