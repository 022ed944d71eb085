"""Semantic segmentation, the way the lecture builds it: from naive ideas to an encoder-decoder.

* Idea 1, classify each pixel on its own: :func:`fit_pixel_lookup` (the majority class of every colour,
  the best any single-pixel rule can do on the training data) and :class:`PerPixelClassifier` (an MLP on
  the colour); a pixel's label depends on its own colour and nothing else.
* Idea 2, sliding windows: :class:`WindowClassifier` labels the centre pixel of a window;
  :func:`sliding_window_predict` runs it once per window, :func:`fully_convolutional_predict` runs the
  *same* network once on the whole (padded) image and gives the same numbers, far faster.
  :func:`sliding_window_cost` counts the forward passes and the recomputation.
* Idea 3, one network labels every pixel: an output of C x H x W scores.
  :func:`output_memory_bytes` is the notes' arithmetic (256 * 256 * 1000 numbers * 4 bytes = 250 MiB);
  :func:`activation_memory` measures what a forward pass keeps, for :class:`FullResolutionNet` against
  :class:`EncoderDecoder`.
* The bottleneck encoder-decoder (Noh et al. 2015, SegNet, FCN) with pooling or strided convolution down,
  and unpooling or transposed convolution up.
* Training and evaluation: :func:`pixel_cross_entropy` ignores the void label 255;
  :func:`confusion_matrix`, :func:`pixel_accuracy`, :func:`iou_per_class`, :func:`mean_iou`.

Layouts: images (N, 3, H, W) float in [0, 1] for the networks; label maps (N, H, W) int, with
``IGNORE = 255`` for void pixels.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from ._validate import as_array, check_choice, check_int_range, check_positive_number
from .datasets.voc import VOID as IGNORE  # noqa: F401  (the void label, 255: in no loss and no metric)
from .training import count_parameters, train  # noqa: F401  (count_parameters: chapter 8 imports it from here)


# ================================================================ data

def remap_labels(mask, labels) -> np.ndarray:
    """Map the label values in ``labels`` (e.g. VOC class indices 0, 1, 5, ...) to 0, 1, 2, ...;
    ``IGNORE`` stays ``IGNORE``. Any other value raises.

    Args:
        mask: integer array of any shape. labels: the values, in the order of the new indices.
    """
    try:
        mask = np.asarray(mask)
        labels = [int(v) for v in labels] if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                                 for v in labels) else None
    except (TypeError, ValueError) as err:
        raise ValueError(f"mask, labels: expected an integer array and a sequence of label values ({err})") from None
    if labels is None or not labels or len(set(labels)) != len(labels) or min(labels) < 0 or max(labels) > 254:
        raise ValueError("labels: expected distinct integer label values in [0, 255) (255 is void)")
    if mask.size and not np.issubdtype(mask.dtype, np.integer):
        raise ValueError(f"mask: expected an integer label array, got dtype {mask.dtype}")
    mask = mask.astype(np.int64, copy=False)      # an empty list arrives as float64
    lut = np.full(256, -1, dtype=np.int64)
    lut[labels] = np.arange(len(labels))
    lut[IGNORE] = IGNORE
    if mask.size and (mask.min() < 0 or mask.max() > 255):
        raise ValueError(f"mask: expected values in [0, 255], got {mask.min()} to {mask.max()}")
    out = lut[mask]
    if (out < 0).any():
        bad = sorted(set(np.unique(mask[out < 0]).tolist()))
        raise ValueError(f"mask: values {bad} are neither in labels {list(labels)} nor the void label {IGNORE}")
    return out


def _as_tensors(images, masks, labels) -> dict:
    """(N, H, W, 3) uint8 images and (N, H, W) VOC masks -> x (N, 3, H, W) float in [0, 1] and y (N, H, W)
    int64 renumbered by :func:`remap_labels`."""
    return dict(x=torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float().div(255.0),
                y=torch.from_numpy(remap_labels(masks, labels)))


def synthetic_segmentation_data(root, n_images: int = 400, size: int = 64, seed: int = 0,
                                val_fraction: float = 0.25, colours: str = "class", scale=(0.14, 0.3),
                                max_objects: int = 4) -> dict:
    """Write a VOC2012-layout data set of rendered scenes (``lecturelib.datasets.synthetic.write_voc``),
    read it back with the VOC reader, and return tensors ready for training.

    ``colours``, ``scale`` and ``max_objects`` go to ``write_voc``: ``colours="shared"`` paints every
    class and background from one shared set of materials, so that colour says nothing about the class.

    Returns a dict with ``x_train, x_val`` (N, 3, H, W) float32 in [0, 1], ``y_train, y_val`` (N, H, W)
    int64 with values 0..K-1 or 255, ``class_names`` (K names, background first), ``voc_labels`` (the
    VOC index of each class), ``images_train, images_val`` (N, H, W, 3) uint8 and ``root`` (the VOC2012
    folder).
    """
    from .datasets.synthetic import SYNTH_LABELS, write_voc
    from .datasets.voc import VOC_CLASSES, load_segmentation

    voc_root = write_voc(root, n_images=n_images, size=size, seed=seed, val_fraction=val_fraction,
                         colours=colours, scale=scale, max_objects=max_objects)
    labels = (0,) + tuple(SYNTH_LABELS)
    out = {"root": voc_root, "voc_labels": labels, "class_names": [VOC_CLASSES[i] for i in labels]}
    for split in ("train", "val"):
        images, masks = load_segmentation(voc_root, split, stack=True)
        t = _as_tensors(images, masks, labels)
        out[f"x_{split}"], out[f"y_{split}"], out[f"images_{split}"] = t["x"], t["y"], images
    return out


def voc_segmentation_data(voc_root, size: int = 128, max_images: int | None = None) -> dict:
    """The VOC 2012 segmentation split (the real one, or any folder in its layout, such as the shipped
    sample) resized to ``size`` x ``size``, as the same dict as :func:`synthetic_segmentation_data`, with
    all 21 VOC labels (background and the 20 classes; void stays 255).

    Images are resized bilinearly and label maps by nearest neighbour (so no label is invented), without
    keeping the aspect ratio. ``max_images``: at most this many per split (the first ones of the split
    files), to keep a CPU run short.
    """
    from PIL import Image

    from .datasets.voc import VOC_CLASSES, find_voc_root, load_segmentation

    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 8:
        raise ValueError(f"size: expected an integer >= 8, got {size!r}")
    root = find_voc_root(voc_root)
    labels = tuple(range(len(VOC_CLASSES)))
    out = {"root": root, "voc_labels": labels, "class_names": list(VOC_CLASSES)}
    for split in ("train", "val"):
        images, masks = load_segmentation(root, split)
        images, masks = images[:max_images], masks[:max_images]
        images = np.stack([np.asarray(Image.fromarray(im).resize((size, size), Image.BILINEAR)) for im in images])
        masks = np.stack([np.asarray(Image.fromarray(m).resize((size, size), Image.NEAREST)) for m in masks])
        t = _as_tensors(images, masks, labels)
        out[f"x_{split}"], out[f"y_{split}"], out[f"images_{split}"] = t["x"], t["y"], images
    return out


SHAPE_SCENES = dict(size=64, colours="shared", scale=(0.17, 0.3), max_objects=5)
"""The scenes of chapter 8 and ``bench/bench_segmentation.py`` (keyword arguments of
:func:`synthetic_segmentation_data`): 64 x 64, every object and background in a random material of one
shared set, so only shape and context tell the classes apart; objects of a half-size between 17% and 30%
of the image (about 20 to 40 pixels across), one to five per scene. (Measured in the bench: larger objects,
at most two or three per scene, learned more slowly, since each image then holds fewer examples.)"""

SHAPE_MODEL = dict(widths=(16, 32, 64, 128))
"""The encoder-decoder for those scenes: four levels (64, 32, 16 and 8 pixels), so that the bottleneck's
3 x 3 convolutions see most of an object and can tell its shape."""


# ================================================================ idea 1: each pixel on its own

class PerPixelClassifier(nn.Module):
    """Idea 1: a small MLP applied to every pixel's colour independently (the same as 1x1 convolutions,
    computed as one matrix product over all pixels). It sees no neighbourhood, so two pixels of the
    same colour always get the same label. Maps (N, C_in, H, W) to (N, n_classes, H, W)."""

    def __init__(self, n_classes: int, in_channels: int = 3, hidden: int = 32):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_channels, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, n_classes))

    def forward(self, x):
        return self.net(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


def _pixel_bins(x: torch.Tensor, bins: int) -> torch.Tensor:
    """(N, C, H, W) values in [0, 1] -> (N, H, W) index of each pixel's cell in a bins^C grid."""
    v = (x.clamp(0, 1 - 1e-7) * bins).long()
    idx = torch.zeros_like(v[:, 0])
    for c in range(v.shape[1]):
        idx = idx * bins + v[:, c]
    return idx


def fit_pixel_lookup(x, y, n_classes: int, bins: int = 16) -> torch.Tensor:
    """Idea 1 at its best: the majority class of every colour.

    Splits the colour space of ``x`` (N, C, H, W) in [0, 1] into ``bins`` per channel, counts the labels
    ``y`` (N, H, W) of the training pixels in each cell (void skipped), and keeps each cell's most frequent
    class (background for a cell no pixel fell in). No rule that looks at a single pixel's colour can do
    much better on data like the training set; whatever it gets wrong needs context.

    Returns the table, (bins^C,) class indices; apply it with :func:`pixel_lookup_predict`.
    """
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    if x.ndim != 4 or tuple(y.shape) != (x.shape[0], *x.shape[2:]):
        raise ValueError(f"y: expected shape (N, H, W) = {(x.shape[0], *x.shape[2:]) if x.ndim == 4 else '?'} "
                         f"for x of shape {tuple(x.shape)} (N, C, H, W), got {tuple(y.shape)}")
    check_int_range("n_classes", n_classes, 1, 1024)
    check_int_range("bins", bins, 1, 256)
    if bins ** x.shape[1] * n_classes > 1 << 27:
        raise ValueError(f"bins: {bins} bins per channel for {x.shape[1]} channels and {n_classes} classes give a table "
                         f"of {bins ** x.shape[1] * n_classes} counts, more than the limit of {1 << 27}")
    if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        raise TypeError(f"y: expected integer labels, got dtype {y.dtype}")
    labelled = y[y != IGNORE]
    if labelled.numel() and (labelled.min() < 0 or labelled.max() >= n_classes):
        raise ValueError(f"y: expected labels in [0, n_classes={n_classes}) or {IGNORE} (void), got values from "
                         f"{int(labelled.min())} to {int(labelled.max())}")
    idx, keep = _pixel_bins(x, bins), y != IGNORE
    cells = bins ** x.shape[1]
    counts = torch.zeros(cells * n_classes, dtype=torch.long)
    counts.index_add_(0, idx[keep] * n_classes + y[keep].long(), torch.ones(int(keep.sum()), dtype=torch.long))
    return counts.reshape(cells, n_classes).argmax(1)


def pixel_lookup_predict(table: torch.Tensor, x, bins: int = 16) -> torch.Tensor:
    """Labels (N, H, W) of images (N, C, H, W) by the colour table of :func:`fit_pixel_lookup`."""
    x = torch.as_tensor(x)
    check_int_range("bins", bins, 1, 256)
    if x.ndim != 4:
        raise ValueError(f"x: expected images (N, C, H, W), got shape {tuple(x.shape)}")
    if len(table) != bins ** x.shape[1]:
        raise ValueError(f"table: expected {bins ** x.shape[1]} cells for {x.shape[1]} channels and bins={bins}, "
                         f"got {len(table)}")
    return table[_pixel_bins(x, bins)]


def to_gray(x) -> torch.Tensor:
    """(N, 3, H, W) RGB -> (N, 1, H, W) brightness, 0.299 R + 0.587 G + 0.114 B."""
    x = torch.as_tensor(x)
    return (0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2])[:, None]


# ================================================================ idea 2: sliding windows

class WindowClassifier(nn.Module):
    """A small CNN that classifies a ``window x window`` patch (the label of its centre pixel).

    Unpadded 3x3 convolutions shrink the patch by 2 each; a final 'fully connected' layer is written as
    a convolution whose kernel covers what is left (5x5), followed by a 1x1 classifier. On a patch of
    exactly ``window`` pixels the output is (N, C, 1, 1); on a larger image it is a map of the same
    scores for every window position, which is the whole point of idea 2's fix.
    """

    def __init__(self, n_classes: int, window: int = 11, in_channels: int = 3, width: int = 16,
                 hidden: int = 32):
        super().__init__()
        if window < 5 or window % 2 == 0:
            raise ValueError(f"window: expected an odd size >= 5, got {window}")
        self.window = window
        layers, c = [], in_channels
        for _ in range((window - 5) // 2):
            layers += [nn.Conv2d(c, width, 3), nn.ReLU()]
            c = width
        layers += [nn.Conv2d(c, hidden, 5), nn.ReLU(),   # the 'fully connected' layer on the last 5x5
                   nn.Conv2d(hidden, n_classes, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def conv_multiply_adds(net: WindowClassifier, size: int) -> int:
    """Multiply-adds of ``net``'s convolutions on one ``3 x size x size`` input: per convolution,
    (output pixels) x C_out x C_in x k x k, summed. Sliding windows pay ``conv_multiply_adds(net, window)``
    per pixel; one fully convolutional pass pays ``conv_multiply_adds(net, H + window - 1)`` for the
    zero-padded H x H image."""
    check_int_range("size", size, net.window, MAX_SIDE)
    total, x = 0, torch.zeros(1, net.net[0].in_channels, size, size)
    with torch.no_grad():
        for layer in net.net:
            y = layer(x)
            if isinstance(layer, nn.Conv2d):
                total += y[0].numel() * layer.weight[0].numel()
            x = y
    return int(total)


def _check_image(image) -> torch.Tensor:
    if not torch.is_tensor(image):
        image = torch.as_tensor(np.asarray(image), dtype=torch.float32)
    if image.ndim != 3:
        raise ValueError(f"image: expected a (C, H, W) tensor, got shape {tuple(image.shape)}")
    return image


def extract_windows(image, window: int, stride: int = 1, pad: bool = True) -> torch.Tensor:
    """All ``window x window`` patches of a (C, H, W) image, row by row: (n_windows, C, window, window).

    With ``pad=True`` the image is zero-padded by ``window // 2`` so there is one window centred on
    every pixel (for stride 1, ``H * W`` windows).
    """
    image = _check_image(image)
    if pad:
        image = F.pad(image, (window // 2,) * 4)
    C = image.shape[0]
    if window > min(image.shape[1:]):
        raise ValueError(f"window: {window} is larger than the (padded) image {tuple(image.shape[1:])}")
    cols = F.unfold(image[None], window, stride=stride)          # (1, C * w * w, n_windows)
    return cols[0].T.reshape(-1, C, window, window)


@torch.no_grad()
def sliding_window_predict(net: WindowClassifier, image, batch_size: int = 2048) -> torch.Tensor:
    """Idea 2 literally: one forward pass per pixel's window (in batches). Returns (C_out, H, W) scores."""
    image = _check_image(image)
    H, W = image.shape[1:]
    windows = extract_windows(image, net.window, pad=True)
    scores = torch.cat([net(windows[i:i + batch_size]).flatten(1) for i in range(0, len(windows), batch_size)])
    return scores.T.reshape(-1, H, W)


@torch.no_grad()
def fully_convolutional_predict(net: WindowClassifier, image) -> torch.Tensor:
    """The same network applied once to the zero-padded image: (C_out, H, W), equal to
    :func:`sliding_window_predict` because every layer is a convolution."""
    image = _check_image(image)
    return net(F.pad(image, (net.window // 2,) * 4)[None])[0]


def _windows_covering(n: int, window: int, stride: int, pad: bool) -> np.ndarray:
    """For each of n pixels along one axis, how many windows contain it."""
    p = window // 2 if pad else 0
    n_win = (n + 2 * p - window) // stride + 1
    if n_win < 1:
        return np.zeros(n, dtype=np.int64), 0
    starts = np.arange(n_win) * stride - p          # window k covers [start, start + window)
    pos = np.arange(n)
    cover = ((pos[None, :] >= starts[:, None]) & (pos[None, :] < starts[:, None] + window)).sum(0)
    return cover, n_win


MAX_SIDE = 4096
"""The largest image side (and window) sliding_window_cost counts: its tables grow as side^2."""


def sliding_window_cost(height: int, width: int, window: int, stride: int = 1, pad: bool = True) -> dict:
    """Count what sliding a ``window x window`` classifier over an image costs.

    Returns a dict with
        ``forward_passes``: the number of windows, i.e. network evaluations;
        ``pixels_processed``: forward_passes * window^2 (pixels fed to the network in total);
        ``recompute_mean`` / ``recompute_max``: how many windows (so forward passes) each image pixel
        enters, on average and at most: the redundancy of overlapping windows;
        ``labelled_pixels``: pixels that get a label (with stride > 1 only the window centres do).
    """
    for name, v, lo in (("height", height, 1), ("width", width, 1), ("window", window, 1), ("stride", stride, 1)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
            raise ValueError(f"{name}: expected an integer >= {lo}, got {v!r}")
        if v > MAX_SIDE:
            raise ValueError(f"{name}: expected at most {MAX_SIDE} pixels (the counts are made pixel by pixel), "
                             f"got {v}")
    cover_h, n_h = _windows_covering(height, window, stride, pad)
    cover_w, n_w = _windows_covering(width, window, stride, pad)
    cover = np.outer(cover_h, cover_w)
    n = n_h * n_w
    return dict(forward_passes=int(n), pixels_processed=int(n * window * window),
                recompute_mean=float(cover.mean()), recompute_max=int(cover.max()), labelled_pixels=int(n))


# ================================================================ idea 3: memory

def output_memory_bytes(n_classes: int, height: int, width: int, bytes_per_number: int = 4, batch: int = 1) -> int:
    """Bytes of a (batch, C, H, W) score tensor: the notes' 256 * 256 * 1000 * 4 = 262,144,000 B = 250 MiB."""
    for name, v in (("n_classes", n_classes), ("height", height), ("width", width),
                    ("bytes_per_number", bytes_per_number), ("batch", batch)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name}: expected a positive integer, got {v!r}")
    return int(batch) * int(n_classes) * int(height) * int(width) * int(bytes_per_number)


def activation_memory(model: nn.Module, input_shape, dtype=torch.float32) -> int:
    """Bytes of every intermediate tensor one forward pass produces (the outputs of all leaf modules)
    for an input of ``input_shape``. Training keeps most of these for the backward pass, so this is what
    the resolution of the layers costs in memory.

    Measured with forward hooks on a copy of the model on PyTorch's "meta" device, which computes
    shapes and no values: large inputs cost nothing to measure.
    """
    import copy

    total, kept = 0, {}

    def hook(_module, _inputs, output):
        nonlocal total
        outs = output if isinstance(output, (tuple, list)) else (output,)
        for t in outs:
            # an in-place operation (ReLU(inplace=True)) returns its input tensor: counted once
            if torch.is_tensor(t) and id(t) not in kept:
                kept[id(t)] = t   # keeping it alive also keeps its id unique
                total += t.numel() * t.element_size()

    meta = copy.deepcopy(model).to("meta")
    for m in meta.modules():
        if not list(m.children()):
            m.register_forward_hook(hook)
    with torch.no_grad():
        meta(torch.zeros(tuple(input_shape), dtype=dtype, device="meta"))
    return total


def _block(c_in, c_out, n: int = 1):
    """``n`` times: 3x3 'same' convolution, batch normalization, ReLU."""
    layers = []
    for i in range(n):
        layers += [nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1), nn.BatchNorm2d(c_out),
                   nn.ReLU(inplace=True)]
    return layers


class FullResolutionNet(nn.Module):
    """Idea 3 without a bottleneck: every layer keeps the full H x W resolution ('same' 3x3 convolutions
    with the channel widths of :class:`EncoderDecoder`'s levels, there and back), then a 1x1 classifier."""

    def __init__(self, n_classes: int, widths=(16, 32, 64), in_channels: int = 3, convs_per_block: int = 1):
        super().__init__()
        layers, c = [], in_channels
        for w in list(widths) + list(widths[-2::-1]):
            layers += _block(c, w, convs_per_block)
            c = w
        self.net = nn.Sequential(*layers, nn.Conv2d(c, n_classes, 1))

    def forward(self, x):
        return self.net(x)


# ================================================================ the encoder-decoder

class EncoderDecoder(nn.Module):
    """A bottleneck encoder-decoder for segmentation.

    Encoder: per level, ``convs_per_block`` 3x3 conv-BN-ReLU layers, then downsampling by 2 (``down="pool"``: 2x2 max
    pooling, remembering the switches; ``down="stride"``: a stride-2 3x3 convolution). Decoder, mirrored:
    upsampling by 2 (``up="transposed"``: ConvTranspose2d with a 4x4 kernel, stride 2, padding 1, a kernel
    size divisible by the stride; ``up="maxunpool"``: MaxUnpool2d with the encoder's switches, needs
    ``down="pool"``; ``up="nearest"``: nearest-neighbour unpooling), then conv-BN-ReLU layers. A 1x1
    convolution gives the (N, n_classes, H, W) scores. H and W must be divisible by 2^(len(widths) - 1).

    ``skips=True`` adds the encoder's feature map of each resolution to the decoder's after upsampling
    (the skip connections of FCN and U-Net, here by addition): the fine detail that the bottleneck
    squeezed out comes back for the last layers.
    """

    def __init__(self, n_classes: int, widths=(16, 32, 64), in_channels: int = 3, down: str = "pool",
                 up: str = "transposed", convs_per_block: int = 1, skips: bool = False):
        super().__init__()
        self.skips = skips
        check_choice("down", down, {"pool", "stride"})
        check_choice("up", up, {"transposed", "maxunpool", "nearest"})
        if up == "maxunpool" and down != "pool":
            raise ValueError("up: 'maxunpool' needs the switches of max pooling, so down must be 'pool', "
                             f"got down={down!r}")
        self.down_mode, self.up_mode = down, up
        widths = list(widths)
        self.enc, self.down, self.up, self.dec = nn.ModuleList(), nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        c = in_channels
        for w in widths[:-1]:
            self.enc.append(nn.Sequential(*_block(c, w, convs_per_block)))
            self.down.append(nn.MaxPool2d(2, return_indices=True) if down == "pool"
                             else nn.Conv2d(w, w, 3, stride=2, padding=1))
            c = w
        self.bottleneck = nn.Sequential(*_block(c, widths[-1], convs_per_block))
        c = widths[-1]
        for w in reversed(widths[:-1]):
            if up == "transposed":
                self.up.append(nn.ConvTranspose2d(c, w, 4, stride=2, padding=1))
            else:  # unpooling keeps the channels: a 1x1 convolution adapts them first
                self.up.append(nn.Conv2d(c, w, 1))
            self.dec.append(nn.Sequential(*_block(w, w, convs_per_block)))
            c = w
        self.head = nn.Conv2d(c, n_classes, 1)

    def forward(self, x):
        factor = 2 ** len(self.down)
        if x.shape[-1] % factor or x.shape[-2] % factor:
            raise ValueError(f"x: expected H and W divisible by {factor}, got shape {tuple(x.shape)}")
        switches, sizes, features = [], [], []
        for enc, down in zip(self.enc, self.down):
            x = enc(x)
            sizes.append(x.shape[-2:])
            features.append(x)
            if self.down_mode == "pool":
                x, idx = down(x)
                switches.append(idx)
            else:
                x = down(x)
        x = self.bottleneck(x)
        for up, dec in zip(self.up, self.dec):
            size = sizes.pop()
            if self.up_mode == "transposed":
                x = up(x)
            elif self.up_mode == "maxunpool":
                x = F.max_unpool2d(up(x), switches.pop(), 2, output_size=size)
            else:
                x = F.interpolate(up(x), size=size, mode="nearest")
            skip = features.pop()
            if self.skips:  # add the encoder's features of this resolution (FCN, LinkNet style)
                x = x + skip
            x = dec(x)
        return self.head(x)


# ================================================================ loss and metrics

def pixel_cross_entropy(logits: torch.Tensor, target: torch.Tensor, ignore_index: int = IGNORE) -> torch.Tensor:
    """Mean cross-entropy over the pixels whose label is not ``ignore_index``:

        L = -1/|P| sum_{p in P} log softmax(logits[:, p])[target[p]],   P = {p : target[p] != 255}

    Args:
        logits: (N, C, H, W) scores. target: (N, H, W) integer labels in 0..C-1 or ``ignore_index``.
    """
    if logits.ndim != 4:
        raise ValueError(f"logits: expected shape (N, C, H, W), got {tuple(logits.shape)}")
    N, C, H, W = logits.shape
    if tuple(target.shape) != (N, H, W):
        raise ValueError(f"target: expected shape {(N, H, W)} (N, H, W), got {tuple(target.shape)}")
    return F.cross_entropy(logits, target.long(), ignore_index=ignore_index)


def confusion_matrix(pred, target, n_classes: int, ignore_index: int = IGNORE) -> np.ndarray:
    """``cm[i, j]`` = number of pixels of true class i predicted as class j; void pixels are skipped.

    Args:
        pred, target: integer label arrays (or tensors) of the same shape; pred in 0..n_classes-1.
    """
    check_int_range("n_classes", n_classes, 1, 1 << 13)
    arrays = {}
    for name, a in (("pred", pred), ("target", target)):
        try:
            arrays[name] = np.asarray(a.detach().cpu() if torch.is_tensor(a) else a)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{name}: expected an integer label array, got {type(a).__name__} ({err})") from None
    pred, target = arrays["pred"], arrays["target"]
    if pred.shape != target.shape:
        raise ValueError(f"pred: expected the shape of target {target.shape}, got {pred.shape}")
    for name, a in (("pred", pred), ("target", target)):
        if a.size and not np.issubdtype(a.dtype, np.integer):
            raise ValueError(f"{name}: expected integer labels, got dtype {a.dtype}")
    keep = target != ignore_index
    t, p = target[keep].astype(np.int64), pred[keep].astype(np.int64)
    for name, a in (("target", t), ("pred", p)):
        if a.size and (a.min() < 0 or a.max() >= n_classes):
            raise ValueError(f"{name}: expected labels in 0..{n_classes - 1} (or {ignore_index} for void), "
                             f"got values from {a.min()} to {a.max()}")
    return np.bincount(t * n_classes + p, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def _cm(cm) -> np.ndarray:
    cm = as_array("cm", cm, ndim=2)
    if cm.shape[0] != cm.shape[1]:
        raise ValueError(f"cm: expected a square (n_classes, n_classes) matrix, got shape {cm.shape}")
    if not np.all(np.isfinite(cm)) or (cm.size and cm.min() < 0):
        raise ValueError(f"cm: expected finite non-negative pixel counts, got values from {cm.min()} to {cm.max()}")
    return cm


def pixel_accuracy(cm) -> float:
    """The fraction of (non-void) pixels labelled correctly: trace(cm) / sum(cm)."""
    cm = _cm(cm)
    return float(np.trace(cm) / cm.sum()) if cm.sum() else float("nan")


def iou_per_class(cm) -> np.ndarray:
    """IoU_c = TP_c / (TP_c + FP_c + FN_c) = cm[c, c] / (row_c + col_c - cm[c, c]); NaN for a class that
    appears neither in the truth nor in the prediction (its union is empty)."""
    cm = _cm(cm)
    tp = np.diag(cm)
    union = cm.sum(0) + cm.sum(1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, tp / np.where(union > 0, union, 1), np.nan)


def mean_iou(cm) -> float:
    """The mean of :func:`iou_per_class` over the classes with a non-empty union."""
    iou = iou_per_class(cm)
    return float(np.nanmean(iou)) if np.any(~np.isnan(iou)) else float("nan")


# ================================================================ training

@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 64) -> torch.Tensor:
    """Arg-max labels (N, H, W) of ``model`` on images (N, 3, H, W), in eval mode."""
    was = model.training
    model.eval()
    out = torch.cat([model(x[i:i + batch_size]).argmax(1) for i in range(0, len(x), batch_size)])
    model.train(was)
    return out


def evaluate(model: nn.Module, x, y, n_classes: int) -> dict:
    """Confusion matrix, pixel accuracy, per-class IoU and mean IoU of ``model`` on (x, y)."""
    cm = confusion_matrix(predict(model, x), y, n_classes)
    return dict(cm=cm, pixel_accuracy=pixel_accuracy(cm), iou=iou_per_class(cm), mean_iou=mean_iou(cm))


def train_segmenter(model: nn.Module, x, y, steps: int = 300, batch_size: int = 16, lr: float = 3e-3,
                    seed: int = 0, flip: bool = True, desc: str = "training", num_threads: int | None = 1):
    """Train ``model`` with Adam on per-pixel cross-entropy (void ignored): random minibatches, random
    horizontal flips, and a one-cycle learning-rate schedule that peaks at ``lr``.

    ``num_threads``: torch's CPU threads during training (restored afterwards; None keeps the current
    setting). The default, 1, is deliberate: a small network's convolutions gain little from a second
    thread, and when the cores are shared with other work, torch's threads wait for each other and a step
    can become several times slower (measured: 0.13 s per step with one thread, 0.98 s with two, on a
    busy two-core machine).

    Returns a :class:`lecturelib.training.TrainingLog` (loss and wall time after every step).
    """
    if steps < 1:
        raise ValueError(f"steps: expected a positive number of steps, got {steps}")
    return train_minibatches(model, x, y, pixel_cross_entropy, steps, batch_size, lr, seed, flip, desc, num_threads)


def train_minibatches(model: nn.Module, x, y, loss, steps: int, batch_size: int, lr: float, seed: int = 0,
                      flip: bool = True, desc: str = "training", num_threads: int | None = 1):
    """The loop of :func:`train_segmenter` for any ``loss(scores, targets)``: Adam, random minibatches of
    ``(x, y)`` drawn with a generator seeded by ``seed``, a random horizontal flip of the whole minibatch
    with probability 1/2 (images, and label maps when ``y`` is (N, H, W); class labels (N,) stay), and a
    one-cycle schedule peaking at ``lr``; run by :func:`lecturelib.training.train` on ``num_threads``
    threads. Leaves the model in eval mode and returns the :class:`~lecturelib.training.TrainingLog`."""
    check_int_range("batch_size", batch_size, 1)
    check_int_range("steps", steps, 1)
    check_positive_number(lr=lr)
    if len(x) < 1 or len(x) != len(y):
        raise ValueError(f"x, y: expected the same positive number of examples, got {len(x)} and {len(y)}")
    gen = torch.Generator().manual_seed(seed)

    def minibatch(_step):
        idx = torch.randint(len(x), (batch_size,), generator=gen)
        xb, yb = x[idx], y[idx]
        if flip and torch.rand((), generator=gen) < 0.5:
            xb = xb.flip(-1)
            yb = yb.flip(-1) if yb.ndim == 3 else yb
        return xb, yb

    previous = torch.get_num_threads()
    if num_threads is not None:
        torch.set_num_threads(num_threads)
    try:
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.25)
        model.train()
        log = train(model, lambda m, batch: loss(m(batch[0]), batch[1]), minibatch, steps, optimizer=opt,
                    scheduler=sched, desc=desc, quiet=True)
    finally:
        torch.set_num_threads(previous)
        model.eval()
    return log


TRAINED = Path(__file__).resolve().parent / "data" / "segmentation"
"""Where the networks trained by ``python bench/bench_segmentation.py --save-weights`` are stored."""


def save_trained(models: dict, record: dict, folder=TRAINED) -> Path:
    """Store the state dict of every ``models[name]`` as ``folder/<name>.pt`` and ``record`` (how they were
    trained, and what the run measured) as ``folder/record.json``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, model in models.items():
        torch.save(model.state_dict(), folder / f"{name}.pt")
    (folder / "record.json").write_text(json.dumps(record, indent=1, default=str))
    return folder


def load_trained(name: str, model: nn.Module, folder=TRAINED) -> nn.Module:
    """Load the stored weights ``folder/<name>.pt`` into ``model`` (which must have the same architecture)
    and return it in eval mode; the names are those of :func:`save_trained`."""
    path = Path(folder) / f"{name}.pt"
    if not path.is_file():
        stored = sorted(p.stem for p in Path(folder).glob("*.pt"))
        raise FileNotFoundError(f"name: no stored weights {name!r} in {folder} (stored: {stored})")
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model.eval()


def trained_record(folder=TRAINED) -> dict:
    """The record stored with the weights: configuration, times and the run's own measurements."""
    return json.loads((Path(folder) / "record.json").read_text())


# ================================================================ figures

def colour_labels(labels, voc_labels) -> np.ndarray:
    """(H, W) training labels 0..K-1 (255 void) as an (H, W, 3) uint8 image in the VOC palette, using
    ``voc_labels[k]``, the VOC index of class k (void is drawn in the palette's cream)."""
    from .datasets.voc import voc_palette

    labels = np.asarray(labels.detach().cpu() if torch.is_tensor(labels) else labels)
    lut = np.full(256, 255, dtype=np.int64)
    lut[: len(voc_labels)] = voc_labels
    return voc_palette()[lut[labels]].astype(np.uint8)


def plot_examples(fig, images, rows: dict, voc_labels, class_names=None, n: int = 6):
    """One column per image: the image on top, then one row per entry of ``rows`` (title -> (N, H, W)
    label maps), coloured in the VOC palette; a legend of the classes below."""
    from matplotlib.patches import Patch
    from .datasets.voc import voc_palette

    n = min(n, len(images))
    axes = fig.subplots(1 + len(rows), n, squeeze=False)
    for j in range(n):
        axes[0, j].imshow(images[j])
        for i, (title, maps) in enumerate(rows.items(), start=1):
            axes[i, j].imshow(colour_labels(maps[j], voc_labels), interpolation="nearest")
            if j == 0:
                axes[i, 0].set_ylabel(title, fontsize=10)
        axes[0, 0].set_ylabel("image", fontsize=10)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    if class_names is not None:
        pal = voc_palette()
        handles = [Patch(color=pal[v] / 255, label=name) for v, name in zip(voc_labels, class_names)]
        handles.append(Patch(color=pal[IGNORE] / 255, label="void (255)"))
        # Two rows of at most four entries: one row at a readable size is wider than the figure.
        fig.legend(handles=handles, loc="lower center", ncol=min(4, len(handles)), fontsize=9.5, frameon=False,
                   handlelength=1.2, columnspacing=1.2, labelspacing=0.2, borderaxespad=0.05)
    return axes


def plot_confusion(ax, cm, class_names, title: str = ""):
    """The confusion matrix with each row normalized to 1: cell (i, j), coloured and written in, is
    the fraction of class i's pixels predicted as class j (cells under 0.005 are left blank)."""
    cm = _cm(cm)
    rows = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    ax.imshow(rows, cmap="Blues", vmin=0, vmax=1)
    for (i, j), v in np.ndenumerate(rows):
        if v >= 0.005:
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=10,
                    color="white" if v > 0.6 else "black")
    ax.set_xticks(range(len(class_names)), class_names, rotation=45, ha="right", fontsize=10)
    ax.set_yticks(range(len(class_names)), class_names, fontsize=10)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_unpooling(fig, seed: int = 3):
    """The three unpoolings of the lecture side by side on one example: a 4x4 map is max-pooled to 2x2
    (switches remembered), then the 2x2 result is unpooled by nearest neighbour, bed of nails, and
    max-unpooling."""
    from .transposed_conv import draw_grid
    from .unpooling import bed_of_nails, max_pool_with_switches, max_unpool, nearest_unpool

    rng = np.random.default_rng(seed)
    x = rng.permutation(16).reshape(4, 4) + 1.0
    pooled, switches = max_pool_with_switches(x, 2)
    where = np.zeros((4, 4))
    where.flat[switches.ravel()] = 1
    panels = [(x, where, "4x4 input (maxima shaded)"), (pooled, np.ones((2, 2)), "2x2 max pool"),
              (nearest_unpool(pooled), None, "nearest neighbour"), (bed_of_nails(pooled), None, "bed of nails"),
              (max_unpool(pooled, switches, (4, 4)), None, "max-unpooling (switches)")]
    axes = fig.subplots(1, 5, gridspec_kw=dict(width_ratios=[4, 2.6, 4, 4, 4]))
    for ax, (vals, shade, title) in zip(axes, panels):
        shade = shade if shade is not None else (vals != 0).astype(float)
        draw_grid(ax, vals, counts=shade, title=title, vmax=1.4)
    return axes
