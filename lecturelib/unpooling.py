"""Unpooling: fixed (not learned) ways to make a feature map larger again.

The lecture's question "Unpool?" after a 2x2 max pool with stride 2, with three answers:

* nearest neighbour: copy each value into its whole ``f x f`` block. The notes' example
  ``[[1, 2], [3, 4]]`` becomes ``1 1 2 2 / 1 1 2 2 / 3 3 4 4 / 3 3 4 4``;
* "bed of nails": put each value in the top-left corner of its block, zeros elsewhere;
* max-unpooling: the max pool remembers where each maximum came from (the "switches");
  unpooling puts each value back at that position, zeros elsewhere (SegNet, Noh et al.).
  Equal to ``torch.nn.MaxUnpool2d`` given ``torch.nn.MaxPool2d(..., return_indices=True)``'s indices.

Arrays are (..., H, W): any leading axes (batch, channels) are carried along.
"""
from __future__ import annotations

import numpy as np

from ._validate import as_array
from .transposed_conv import check_size, pair

__all__ = ["nearest_unpool", "bed_of_nails", "max_pool_with_switches", "max_unpool"]


def _factor(factor) -> int:
    if isinstance(factor, bool) or not isinstance(factor, (int, np.integer)) or factor < 1:
        raise ValueError(f"factor: expected a positive integer, got {factor!r}")
    return int(factor)


def _maps_and_factor(x, factor):
    """``x`` as a float array (..., H, W) and the checked factor f, the output (..., f H, f W) within limits."""
    x = as_array("x", x)
    if x.ndim < 2:
        raise ValueError(f"x: expected an array (..., H, W) with at least 2 dimensions, got shape {x.shape}")
    f = _factor(factor)
    check_size("factor", x.shape[:-2] + (x.shape[-2] * f, x.shape[-1] * f), "the output")
    return x, f


def nearest_unpool(x, factor: int = 2) -> np.ndarray:
    """Nearest-neighbour unpooling: ``y[..., i, j] = x[..., i // f, j // f]``.

    Args:
        x: (..., H, W). Returns (..., f H, f W).
    """
    x, f = _maps_and_factor(x, factor)
    return np.repeat(np.repeat(x, f, axis=-2), f, axis=-1)


def bed_of_nails(x, factor: int = 2) -> np.ndarray:
    """"Bed of nails" unpooling: ``y[..., f i, f j] = x[..., i, j]``, zeros everywhere else.

    Args:
        x: (..., H, W). Returns (..., f H, f W).
    """
    x, f = _maps_and_factor(x, factor)
    y = np.zeros(x.shape[:-2] + (x.shape[-2] * f, x.shape[-1] * f))
    y[..., ::f, ::f] = x
    return y


def max_pool_with_switches(x, kernel_size=2, stride=None):
    """Max pooling that also returns where each maximum was (the switches).

    Args:
        x: (..., H, W). kernel_size, stride: int or pair (stride defaults to kernel_size); no padding.

    Returns:
        ``(pooled, switches)``, both (..., H_out, W_out) with ``H_out = (H - k) // s + 1``;
        ``switches`` holds the flat index ``i * W + j`` of each maximum in its (H, W) plane, as
        ``torch.nn.MaxPool2d(..., return_indices=True)`` does. Ties go to the first maximum in
        row-major order within the window.
    """
    x = as_array("x", x)
    if x.ndim < 2:
        raise ValueError(f"x: expected an array (..., H, W) with at least 2 dimensions, got shape {x.shape}")
    kh, kw = pair("kernel_size", kernel_size, 1)
    sh, sw = pair("stride", kernel_size if stride is None else stride, 1)
    H, W = x.shape[-2:]
    if kh > H or kw > W:
        raise ValueError(f"kernel_size: {(kh, kw)} is larger than the input's (H, W) = {(H, W)}")
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(-2, -1))[..., ::sh, ::sw, :, :]
    Ho, Wo = windows.shape[-4:-2]
    flat = windows.reshape(windows.shape[:-2] + (kh * kw,))
    arg = flat.argmax(axis=-1)  # first maximum within each window
    pooled = np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]
    rows = np.arange(Ho)[:, None] * sh + arg // kw
    cols = np.arange(Wo)[None, :] * sw + arg % kw
    return pooled, (rows * W + cols).astype(np.int64)


def max_unpool(x, switches, output_size) -> np.ndarray:
    """Max-unpooling: put each value back where its maximum came from, zeros elsewhere.

    Args:
        x: (..., H_in, W_in) values (usually what the decoder computed at the pooled resolution).
        switches: (..., H_in, W_in) integer flat indices into the (H, W) output plane, as returned by
            :func:`max_pool_with_switches` (or ``torch.nn.MaxPool2d(return_indices=True)``).
        output_size: (H, W) of the output plane (the size before pooling).

    Returns:
        (..., H, W). Equal to ``torch.nn.MaxUnpool2d``. Where two values share a switch
        (overlapping pooling windows that found the same maximum), the later one in row-major
        order wins; they are then equal anyway when the switches came from the same pooling.
    """
    x = as_array("x", x)
    if x.ndim < 2:
        raise ValueError(f"x: expected an array (..., H, W) with at least 2 dimensions, got shape {x.shape}")
    if hasattr(switches, "detach"):
        switches = switches.detach().cpu().numpy()
    try:
        idx = np.asarray(switches)
    except (TypeError, ValueError) as err:
        raise ValueError(f"switches: expected an integer array, got {type(switches).__name__} ({err})") from None
    if idx.shape != x.shape:
        raise ValueError(f"switches: expected shape {x.shape} (the same as x), got {idx.shape}")
    if idx.size and not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"switches: expected integer flat indices, got dtype {idx.dtype}")
    H, W = pair("output_size", output_size, 1)
    check_size("output_size", x.shape[:-2] + (H, W), "the output")
    if idx.size and (idx.min() < 0 or idx.max() >= H * W):
        raise ValueError(f"switches: expected flat indices in [0, {H * W}) for output_size {(H, W)}, "
                         f"got values from {idx.min()} to {idx.max()}")
    lead = x.shape[:-2]
    planes = int(np.prod(lead)) if lead else 1
    y = np.zeros((planes, H * W))
    rows = np.repeat(np.arange(planes), x.shape[-2] * x.shape[-1])
    y[rows, idx.reshape(-1)] = x.reshape(-1)  # fancy assignment: the last write wins
    return y.reshape(lead + (H, W))
