"""From a classifier to a segmenter: the recipe of fully convolutional networks (FCN, Long et al. 2015).

Can a network trained to classify whole images (AlexNet, VGG, GoogLeNet) label pixels? FCN's answer, in
four steps, each a function here:

1. **A classifier** (:class:`CropClassifier`): convolutional features that shrink an S x S crop by 8 to a
   k x k map (k = S / 8), then two fully connected layers, ``fc1`` (C k^2 -> hidden) and ``fc2``
   (hidden -> K class scores). :func:`object_crops` cuts its training set out of segmentation scenes:
   crops centred on objects, labelled with the object's class, and crops centred on background.
2. **Fully connected layers rewritten as convolutions** (:func:`convolutionize`): ``fc1`` acts on the whole
   k x k x C map, so it *is* a convolution with a k x k kernel, weight ``fc1.weight.view(hidden, C, k, k)``;
   ``fc2`` acts on one vector, so it is a 1 x 1 convolution to the K class scores. On a crop the converted
   network outputs a 1 x 1 map holding exactly the classifier's scores; on a whole image, one score vector
   for every crop position, every 8 pixels, computed in one pass (idea 2's sliding windows, shared; not
   bit-equal to classifying each crop alone, because the zero padding of the 3 x 3 convolutions falls on
   the crop's edge in one case and on the image's edge in the other).
3. **Upsampling the class scores** by a transposed convolution of stride f initialized to bilinear
   interpolation (:func:`bilinear_kernel`, :class:`BilinearUpsample`): with kernel 2f, and the input's edge
   replicated once, it equals ``F.interpolate(scale_factor=f, mode="bilinear", align_corners=False)``
   exactly, and training can then change it.
4. **Fusing an earlier level** (FCN-16s; FCN-8s fuses two): the coarse scores, upsampled by 2, are added to
   class scores read by a 1 x 1 convolution from the features of stride 4, which still hold finer detail;
   that 1 x 1 convolution starts at zero, so before fine-tuning the network is the classifier, converted.
   Then **fine-tune** everything on the masks (:func:`lecturelib.segmentation.train_segmenter`).

Layouts: images and crops (N, 3, H, W) float in [0, 1]; label maps (N, H, W) int with 255 for void.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from ._validate import check_int_range
from .segmentation import IGNORE, train_minibatches

STRIDE = 8
"""How much the features of :class:`CropClassifier` shrink their input (three 2 x 2 max pools)."""


def _level(c_in: int, c_out: int):
    return [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True), nn.MaxPool2d(2)]


class CropClassifier(nn.Module):
    """A small image classifier in the shape of AlexNet and VGG: convolutions, then fully connected layers.

    ``features``: three levels of 3 x 3 conv-BN-ReLU and 2 x 2 max pooling, widths ``widths``, so an
    (N, 3, S, S) crop becomes (N, widths[-1], S/8, S/8). ``fc1``: Linear(widths[-1] * k * k, hidden), ReLU;
    ``fc2``: Linear(hidden, n_classes). Maps (N, 3, crop, crop) to (N, n_classes) scores.

    ``crop`` must be 8 times an odd number (24, 40, 56, ...), so that the converted ``fc1`` has an odd
    kernel and can be centred on every position of a larger image.
    """

    def __init__(self, n_classes: int, crop: int = 40, widths=(16, 32, 64), hidden: int = 128):
        super().__init__()
        if isinstance(crop, bool) or not isinstance(crop, (int, np.integer)) or crop % STRIDE or (crop // STRIDE) % 2 == 0:
            raise ValueError(f"crop: expected 8 times an odd number (24, 40, 56, ...), got {crop!r}")
        if len(widths) != 3:
            raise ValueError(f"widths: expected three channel widths (one per level), got {widths!r}")
        self.crop, self.k = int(crop), int(crop) // STRIDE
        layers, c = [], 3
        for w in widths:
            layers += _level(c, w)
            c = w
        self.features = nn.Sequential(*layers)
        self.fc1 = nn.Linear(c * self.k * self.k, hidden)
        self.fc2 = nn.Linear(hidden, n_classes)

    def forward(self, x):
        if x.shape[-2:] != (self.crop, self.crop):
            raise ValueError(f"x: expected crops of {self.crop} x {self.crop}, got shape {tuple(x.shape)}")
        return self.fc2(F.relu(self.fc1(self.features(x).flatten(1))))


def convolutionize(classifier: CropClassifier, same: bool = True) -> nn.Sequential:
    """The classifier with its fully connected layers rewritten as convolutions (sharing no memory with it).

    ``fc1`` (hidden x C k^2, acting on the flattened C x k x k map) becomes ``Conv2d(C, hidden, k)`` whose
    weight is ``fc1.weight.view(hidden, C, k, k)``: the flattening order of ``flatten(1)`` is channel, row,
    column, which is exactly the layout of a convolution kernel. ``fc2`` becomes the 1 x 1 convolution
    ``Conv2d(hidden, K, 1)``. With ``same=False`` the k x k convolution is unpadded: a crop gives a 1 x 1
    map equal to ``classifier(crop)``. With ``same=True`` it is padded by k // 2, so an H x W image gives an
    (H/8) x (W/8) map, the entry at (i, j) scoring the crop centred near pixel (8i + 3.5, 8j + 3.5).

    Returns ``nn.Sequential(features, fc1 as conv, ReLU, fc2 as conv)``, mapping (N, 3, H, W) to
    (N, K, H/8, W/8) (or to (N, K, 1, 1) for a crop and ``same=False``).
    """
    import copy

    k, hidden = classifier.k, classifier.fc1.out_features
    c = classifier.fc1.in_features // (k * k)
    conv1 = nn.Conv2d(c, hidden, k, padding=k // 2 if same else 0)
    conv2 = nn.Conv2d(hidden, classifier.fc2.out_features, 1)
    with torch.no_grad():
        conv1.weight.copy_(classifier.fc1.weight.view(hidden, c, k, k))
        conv1.bias.copy_(classifier.fc1.bias)
        conv2.weight.copy_(classifier.fc2.weight[:, :, None, None])
        conv2.bias.copy_(classifier.fc2.bias)
    return nn.Sequential(copy.deepcopy(classifier.features), conv1, nn.ReLU(inplace=True), conv2)


def bilinear_kernel(factor: int) -> torch.Tensor:
    """The (2f, 2f) kernel of bilinear upsampling by an even factor f: the outer product of the 'tent'
    ``w(i) = 1 - |i - (f - 1/2)| / f`` for i = 0, ..., 2f - 1 with itself."""
    if isinstance(factor, bool) or not isinstance(factor, (int, np.integer)) or factor < 2 or factor % 2:
        raise ValueError(f"factor: expected an even integer >= 2, got {factor!r}")
    i = torch.arange(2 * factor, dtype=torch.float64)
    tent = 1 - (i - (factor - 0.5)).abs() / factor
    return torch.outer(tent, tent)


class BilinearUpsample(nn.Module):
    """Learnable upsampling by ``factor`` (even): replicate the edge once, then a ``ConvTranspose2d`` with
    kernel 2f, stride f and padding 3f/2 (which crops what the replicated edge added).

    Initialized with :func:`bilinear_kernel` on the diagonal (channel c to channel c, zero across channels),
    it computes ``F.interpolate(x, scale_factor=factor, mode="bilinear", align_corners=False)`` exactly,
    borders included (interpolate clamps at the edge; the replicated edge does the same). Maps
    (N, C, H, W) to (N, C, f H, f W).
    """

    def __init__(self, channels: int, factor: int):
        super().__init__()
        kernel = bilinear_kernel(factor)
        self.factor = factor
        self.up = nn.ConvTranspose2d(channels, channels, 2 * factor, stride=factor, padding=3 * factor // 2,
                                     bias=False)
        with torch.no_grad():
            self.up.weight.zero_()
            for ch in range(channels):
                self.up.weight[ch, ch] = kernel.to(self.up.weight.dtype)

    def forward(self, x):
        return self.up(F.pad(x, (1, 1, 1, 1), mode="replicate"))


class FCN(nn.Module):
    """A segmenter made from a :class:`CropClassifier` by FCN's recipe (see the module docstring).

    ``pool3`` / ``pool2``: the classifier's feature levels (stride 4 and 8); ``score``: ``fc1`` and ``fc2``
    as convolutions (``same`` padding); ``up2``: bilinear x2 of the coarse scores; ``score_pool2``: a 1 x 1
    convolution from the stride-4 features to class scores, zero at the start; ``up4``: bilinear x4 to the
    image. With ``fuse=False`` the coarse scores go straight to the image by a bilinear x8 (FCN-32s style).
    Maps (N, 3, H, W), H and W divisible by 8, to (N, K, H, W) scores.
    """

    def __init__(self, classifier: CropClassifier, fuse: bool = True):
        super().__init__()
        converted = convolutionize(classifier, same=True)
        features = converted[0]
        self.to_stride4, self.to_stride8 = features[:8], features[8:]
        self.score = converted[1:]
        n_classes = classifier.fc2.out_features
        self.fuse = fuse
        if fuse:
            width4 = features[4].out_channels
            self.score_pool2 = nn.Conv2d(width4, n_classes, 1)
            nn.init.zeros_(self.score_pool2.weight)
            nn.init.zeros_(self.score_pool2.bias)
            self.up2 = BilinearUpsample(n_classes, 2)
            self.up_image = BilinearUpsample(n_classes, STRIDE // 2)
        else:
            self.up_image = BilinearUpsample(n_classes, STRIDE)

    def forward(self, x):
        if x.shape[-1] % STRIDE or x.shape[-2] % STRIDE:
            raise ValueError(f"x: expected H and W divisible by {STRIDE}, got shape {tuple(x.shape)}")
        f4 = self.to_stride4(x)
        scores = self.score(self.to_stride8(f4))
        if self.fuse:
            scores = self.up2(scores) + self.score_pool2(f4)
        return self.up_image(scores)


def object_crops(x, y, crop: int = 40, per_image_background: int = 2, jitter: int = 3, seed: int = 0):
    """A classification data set cut out of segmentation scenes, for :class:`CropClassifier`.

    For every class c > 0 present in an image: the crop centred on the centre of the box around that
    class's pixels (shifted by up to ``jitter`` pixels at random), labelled c; and ``per_image_background``
    crops centred on random background pixels, labelled 0. Crops reaching past the image are zero-padded.

    Args:
        x: (N, 3, H, W) images. y: (N, H, W) labels 0..K-1, 255 void.
    Returns:
        crops (M, 3, crop, crop) and labels (M,) int64.
    """
    crop = check_int_range("crop", crop, 2, 1024)
    per_image_background = check_int_range("per_image_background", per_image_background, 0, 1024)
    jitter = check_int_range("jitter", jitter, 0, 1024)
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    if x.ndim != 4 or tuple(y.shape) != (x.shape[0], *x.shape[2:]):
        raise ValueError(f"y: expected shape (N, H, W) matching x {tuple(x.shape)}, got {tuple(y.shape)}")
    gen = torch.Generator().manual_seed(seed)
    half = crop // 2
    padded = F.pad(x, (half, half, half, half))
    crops, labels = [], []

    def cut(n, cy, cx, label):
        crops.append(padded[n, :, cy:cy + crop, cx:cx + crop])   # centre (cy, cx) in the unpadded image
        labels.append(label)

    H, W = y.shape[1:]
    for n in range(len(x)):
        for c in torch.unique(y[n]).tolist():
            if c in (0, IGNORE):
                continue
            rows, cols = torch.nonzero(y[n] == c, as_tuple=True)
            shift = torch.randint(-jitter, jitter + 1, (2,), generator=gen)
            cy = int((rows.min() + rows.max()) // 2 + shift[0])
            cx = int((cols.min() + cols.max()) // 2 + shift[1])
            cut(n, min(max(cy, 0), H - 1), min(max(cx, 0), W - 1), c)
        rows, cols = torch.nonzero(y[n] == 0, as_tuple=True)
        if len(rows):   # an image with no background pixel gives no background crop
            for i in torch.randint(len(rows), (per_image_background,), generator=gen).tolist():
                cut(n, int(rows[i]), int(cols[i]), 0)
    if not crops:
        raise ValueError("y: no object and no background pixel to crop (every label is void); "
                         "expected at least one image with labels other than 255")
    return torch.stack(crops), torch.tensor(labels, dtype=torch.long)


def train_classifier(model: CropClassifier, crops, labels, steps: int = 200, batch_size: int = 64,
                     lr: float = 3e-3, seed: int = 0, num_threads: int | None = 1):
    """Train the crop classifier with Adam on cross-entropy (random minibatches, random horizontal flips,
    a one-cycle schedule peaking at ``lr``). Returns a :class:`lecturelib.training.TrainingLog`."""
    steps = check_int_range("steps", steps, 1)
    return train_minibatches(model, crops, labels, F.cross_entropy, steps, batch_size, lr, seed, True,
                             "classifier", num_threads)


@torch.no_grad()
def classifier_accuracy(model: nn.Module, crops, labels, batch_size: int = 256) -> float:
    """The fraction of crops whose arg-max score is their label (eval mode)."""
    was = model.training
    model.eval()
    pred = torch.cat([model(crops[i:i + batch_size]).argmax(1) for i in range(0, len(crops), batch_size)])
    model.train(was)
    return float((pred == labels).float().mean())
