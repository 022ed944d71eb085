"""PyTorch ``Dataset`` wrappers for the VOC and COCO layouts, with transforms that keep
image, boxes and masks aligned.

* ``VOCSegmentation(root, split)``: ``(image (3, H, W) float in [0, 1], mask (H, W) int64)``;
  255 marks void (use ``ignore_index=255`` in the loss).
* ``VOCDetection(root, split)``: ``(image, {"boxes": (N, 4) float xyxy, "labels": (N,) int64
  VOC indices 1..20, "difficult": (N,) bool})``.
* ``COCODetection(root, split)``: ``(image, {"boxes" xyxy, "labels" COCO category ids,
  "masks": (N, H, W) uint8, "iscrowd", "image_id"})``.

Joint transforms act on ``(image (H, W, 3) uint8, target dict)`` in numpy, before the
conversion to tensors: ``Resize((h, w))`` resamples the image bilinearly and every mask
with nearest neighbour (so no new label values appear), and scales the boxes;
``HorizontalFlip(p)`` mirrors all of them; ``Compose([...])`` chains them.
"""
from __future__ import annotations

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

from . import coco as _coco
from . import voc as _voc
from .errors import check_inside


class Compose:
    """Apply joint transforms in order."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, image, target):
        for t in self.transforms:
            image, target = t(image, target)
        return image, target


class Resize:
    """Resize to ``size = (height, width)``: image bilinear, masks nearest, boxes scaled."""

    MAX_SIDE = 16384

    def __init__(self, size):
        pair = (size, size) if isinstance(size, (int, np.integer)) else size
        if (not isinstance(pair, (tuple, list)) or len(pair) != 2
                or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in pair)
                or not all(0 < v <= self.MAX_SIDE for v in pair)):
            raise ValueError(f"size: expected an int or a pair of ints (height, width) in [1, {self.MAX_SIDE}], "
                             f"got {size!r}")
        self.size = (int(pair[0]), int(pair[1]))

    def __call__(self, image, target):
        H, W = image.shape[:2]
        h, w = self.size
        out = np.asarray(Image.fromarray(image).resize((w, h), Image.BILINEAR))
        target = dict(target)
        if "mask" in target:
            target["mask"] = np.asarray(Image.fromarray(target["mask"]).resize((w, h), Image.NEAREST))
        if "masks" in target:
            ms = target["masks"]
            target["masks"] = (np.stack([np.asarray(Image.fromarray(m).resize((w, h), Image.NEAREST)) for m in ms])
                               if len(ms) else np.zeros((0, h, w), np.uint8))
        if "boxes" in target:
            target["boxes"] = np.asarray(target["boxes"], float) * np.array([w / W, h / H, w / W, h / H])
        return out, target


class HorizontalFlip:
    """Mirror left-right with probability ``p`` (a seeded generator decides)."""

    def __init__(self, p: float = 0.5, seed: int = 0):
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
            raise ValueError(f"p: expected a probability in [0, 1], got {p!r}")
        self.p = p
        self.rng = np.random.default_rng(seed)

    def __call__(self, image, target):
        if self.rng.random() >= self.p:
            return image, target
        W = image.shape[1]
        target = dict(target)
        if "mask" in target:
            target["mask"] = np.ascontiguousarray(target["mask"][:, ::-1])
        if "masks" in target:
            target["masks"] = np.ascontiguousarray(np.asarray(target["masks"])[:, :, ::-1])
        if "boxes" in target:
            b = np.asarray(target["boxes"], float).reshape(-1, 4)
            target["boxes"] = np.stack([W - b[:, 2], b[:, 1], W - b[:, 0], b[:, 3]], 1)
        return np.ascontiguousarray(image[:, ::-1]), target


def _to_tensor(image):
    return torch.from_numpy(np.array(image, copy=True)).permute(2, 0, 1).float() / 255.0


class VOCSegmentation(Dataset):
    """Images and SegmentationClass masks of a VOC Segmentation split."""

    def __init__(self, root, split: str = "train", transform=None, kind: str = "class"):
        if kind not in ("class", "object"):
            raise ValueError(f"kind: expected 'class' (SegmentationClass) or 'object' (SegmentationObject), "
                             f"got {kind!r}")
        self.root = _voc.find_voc_root(root)
        self.ids = _voc.read_split(self.root, "Segmentation", split)
        self.transform, self.kind = transform, kind
        self.folder = self.root / ("SegmentationClass" if kind == "class" else "SegmentationObject")

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        ident = self.ids[i]
        image = _voc.read_image(check_inside(self.root / "JPEGImages" / f"{ident}.jpg", self.root / "JPEGImages",
                                             "image"))
        mask = _voc.read_label_png(check_inside(self.folder / f"{ident}.png", self.folder, "mask"),
                                   20 if self.kind == "class" else None)
        target = {"mask": mask}
        if self.transform is not None:
            image, target = self.transform(image, target)
        return _to_tensor(image), torch.from_numpy(np.asarray(target["mask"]).astype(np.int64))


class VOCDetection(Dataset):
    """Images and boxes of a VOC Main split; boxes converted to 0-based ``xyxy``."""

    def __init__(self, root, split: str = "train", transform=None):
        from .boxes import voc_to_xyxy
        self._conv = voc_to_xyxy
        self.root = _voc.find_voc_root(root)
        self.records = _voc.load_detection(self.root, split)
        self.transform = transform

    def __len__(self):
        return len(self.records)

    def __getitem__(self, i):
        rec = self.records[i]
        image = _voc.read_image(check_inside(rec["image_path"], self.root / "JPEGImages", "image"))
        objs = [o for o in rec["objects"] if "bbox" in o]
        boxes = self._conv(np.array([o["bbox"] for o in objs], float).reshape(-1, 4)).reshape(-1, 4)
        target = {"boxes": boxes}
        if self.transform is not None:
            image, target = self.transform(image, target)
        return _to_tensor(image), {
            "boxes": torch.as_tensor(np.asarray(target["boxes"]).reshape(-1, 4), dtype=torch.float32),
            "labels": torch.tensor([_voc.VOC_CLASSES.index(o["name"]) for o in objs], dtype=torch.int64),
            "difficult": torch.tensor([bool(o["difficult"]) for o in objs], dtype=torch.bool)}


class COCODetection(Dataset):
    """Images, boxes (``xyxy``), category ids and instance masks of a COCO instances file."""

    def __init__(self, root, split: str = "val", transform=None, masks: bool = True):
        self.root, self.split = root, split
        self.data = _coco.load_instances(root, split)
        self.ids = list(self.data["images"])
        self.transform, self.masks = transform, masks

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        from .boxes import xywh_to_xyxy
        info = self.data["images"][self.ids[i]]
        image = _coco.read_image(self.root, self.split, info)
        anns = self.data["by_image"][info["id"]]
        h, w = info["height"], info["width"]
        target = {"boxes": xywh_to_xyxy(np.array([a["bbox"] for a in anns], float).reshape(-1, 4)).reshape(-1, 4)}
        if self.masks:
            target["masks"] = (np.stack([_coco.ann_to_mask(a, h, w).astype(np.uint8) for a in anns])
                               if anns else np.zeros((0, h, w), np.uint8))
        if self.transform is not None:
            image, target = self.transform(image, target)
        out = {"boxes": torch.as_tensor(np.asarray(target["boxes"]).reshape(-1, 4), dtype=torch.float32),
               "labels": torch.tensor([a["category_id"] for a in anns], dtype=torch.int64),
               "iscrowd": torch.tensor([a["iscrowd"] for a in anns], dtype=torch.int64),
               "image_id": info["id"]}
        if self.masks:
            out["masks"] = torch.from_numpy(np.asarray(target["masks"]).astype(np.uint8))
        return _to_tensor(image), out
