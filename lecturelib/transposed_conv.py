"""Transposed convolution from scratch (numpy), and the convolution it transposes.

The lecture's picture: in a transposed convolution every input element
``x[i, j]`` scales the whole kernel ``K`` and adds it into the output at
``(i * s, j * s)``. Overlapping copies add up. Padding ``p`` then *removes*
``p`` rows and columns on each side of the output, so that for an input of
size ``n``, a ``k x k`` kernel and stride ``s``

    n_out = (n - 1) * s + k - 2 p                                   (simple form)
    n_out = (n - 1) * s - 2 p + d (k - 1) + output_padding + 1      (general form)

with dilation ``d`` (kernel taps ``d`` apart) and ``output_padding`` (extra
rows added on the bottom/right side only). Layouts follow PyTorch:

    x: (N, C_in, H, W)        w: (C_in, C_out / groups, k_h, k_w)        b: (C_out,)

so that :func:`conv_transpose2d` equals ``torch.nn.functional.conv_transpose2d``.

It is *not* a deconvolution: it does not invert a convolution. It is the
transpose: if a convolution is the matrix ``C`` acting on the flattened image
(:func:`conv_matrix`), the transposed convolution is ``C^T`` -- which is also why
it is the gradient of a convolution with respect to its input.

Three implementations, from the fastest to the most literal:

* :func:`conv_transpose2d`: one matrix product (every input pixel times every
  kernel entry, for all channels at once), then one strided add per kernel
  offset ``(u, v)``: a loop of ``k_h * k_w`` steps, never a loop over pixels;
* :func:`conv_transpose2d_loop`: the per-pixel loop course books show
  ("for every input pixel, add the scaled kernel");
* :func:`conv_matrix` ``.T``: the explicit matrix, for small cases.
"""
from __future__ import annotations

import numpy as np

from ._validate import as_array, check_shape

__all__ = [
    "pair", "transposed_output_size", "transposed_output_size_simple", "conv_output_size",
    "conv_transpose2d", "conv_transpose2d_loop", "conv2d", "conv_matrix",
    "transposed_conv_matrix", "contribution_labels", "resize_then_conv",
]


# ---------------------------------------------------------------- arguments

MAX_ELEMENTS = 1 << 27
"""The largest array (in elements) the functions here create: 134 million, 1 GiB of float64."""


def check_size(name: str, shape, what: str) -> None:
    """Raise a ValueError naming ``name`` when an array of ``shape`` would exceed ``MAX_ELEMENTS``."""
    import math
    n = math.prod(int(v) for v in shape)
    if n > MAX_ELEMENTS:
        raise ValueError(f"{name}: {what} would have shape {tuple(int(v) for v in shape)} ({n} elements), more "
                         f"than the limit of {MAX_ELEMENTS} (MAX_ELEMENTS)")


def _whole(name: str, value, least: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < least:
        raise ValueError(f"{name}: expected an integer >= {least}, got {value!r}")
    return int(value)

def pair(name: str, value, minimum: int = 0) -> tuple[int, int]:
    """``value`` as a pair of ints (height, width), each at least ``minimum``.

    Accepts an int (used for both sides) or a pair; raises ValueError naming ``name``.
    """
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}: expected an int or a pair of ints, got {value!r}")
    original = value
    if isinstance(value, (int, np.integer)):
        value = (int(value), int(value))
    try:
        values = tuple(value)
    except TypeError:
        raise ValueError(f"{name}: expected an int or a pair of ints, got {value!r}") from None
    if len(values) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                   for v in values):
        raise ValueError(f"{name}: expected an int or a pair of ints, got {value!r}")
    values = (int(values[0]), int(values[1]))
    if min(values) < minimum:
        raise ValueError(f"{name}: expected values >= {minimum}, got {original!r}")
    return values


def _float_array(name: str, value, ndims: tuple[int, ...]) -> np.ndarray:
    """A float array (float32 stays float32, anything else becomes float64) of one of ``ndims``."""
    return as_array(name, value, ndims, keep_float32=True)


# ---------------------------------------------------------------- output sizes

def transposed_output_size_simple(n_in: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """The lecture's formula: ``(n_in - 1) * stride + kernel - 2 * padding``.

    Raises ValueError for arguments that are not integers of the right range, and when the
    padding removes the whole output (the formula would give 0 or a negative size).
    """
    return transposed_output_size(n_in, kernel, stride, padding)


def transposed_output_size(n_in: int, kernel: int, stride: int = 1, padding: int = 0,
                           output_padding: int = 0, dilation: int = 1) -> int:
    """Output length of a transposed convolution along one axis (PyTorch's formula)::

        (n_in - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1

    With ``dilation = 1`` and ``output_padding = 0`` this is the simple form
    ``(n_in - 1) * stride + kernel - 2 * padding``. A padding that removes the whole output
    (a size below 1) raises ValueError, as PyTorch does.
    """
    for name, v, lo in (("n_in", n_in, 1), ("kernel", kernel, 1), ("stride", stride, 1),
                        ("padding", padding, 0), ("output_padding", output_padding, 0),
                        ("dilation", dilation, 1)):
        _whole(name, v, lo)
    size = (n_in - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    if size < 1:
        raise ValueError(f"padding: {padding} on each side removes the whole output: before padding it has "
                         f"{size + 2 * padding} cells (n_in={n_in}, kernel={kernel}, stride={stride}), so padding "
                         f"must be below {(size + 2 * padding) / 2:g}")
    return int(size)


def conv_output_size(n_in: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Output length of an ordinary convolution: ``floor((n_in + 2p - d (k - 1) - 1) / s) + 1``.

    Raises ValueError when the kernel (spread by the dilation) is larger than the padded input.
    """
    for name, v, lo in (("n_in", n_in, 1), ("kernel", kernel, 1), ("stride", stride, 1),
                        ("padding", padding, 0), ("dilation", dilation, 1)):
        _whole(name, v, lo)
    reach = dilation * (kernel - 1) + 1
    if reach > n_in + 2 * padding:
        raise ValueError(f"kernel: spans {reach} cells (kernel={kernel}, dilation={dilation}), more than the padded "
                         f"input's {n_in + 2 * padding} (n_in={n_in}, padding={padding}); the output would be empty")
    return int((n_in + 2 * padding - reach) // stride + 1)


# ---------------------------------------------------------------- transposed convolution

def _prepare(x, w, b, stride, padding, output_padding, dilation, groups):
    x = _float_array("x", x, (2, 4))
    w = _float_array("w", w, (2, 4))
    squeeze = x.ndim == 2
    if squeeze:  # one single-channel image and one kernel: the lecture's pictures
        if w.ndim != 2:
            raise ValueError(f"w: x is a 2-D image (H, W), so expected a 2-D kernel (k_h, k_w), got shape {w.shape}")
        x, w = x[None, None], w[None, None]
    elif w.ndim != 4:
        raise ValueError(f"w: expected a 4-D array (C_in, C_out / groups, k_h, k_w), got shape {w.shape}")
    if x.dtype != w.dtype:
        x, w = x.astype(np.float64), w.astype(np.float64)
    s = pair("stride", stride, 1)
    p = pair("padding", padding, 0)
    op = pair("output_padding", output_padding, 0)
    d = pair("dilation", dilation, 1)
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"groups: expected a positive integer, got {groups!r}")
    N, C_in, H, W = x.shape
    if w.shape[0] != C_in:
        raise ValueError(f"w: expected shape ({C_in}, C_out / groups, k_h, k_w) to match the {C_in} input "
                         f"channels of x (shape {x.shape}), got {w.shape}")
    if C_in % groups:
        raise ValueError(f"groups: the {C_in} input channels must split evenly into groups, got groups={groups}")
    if min(w.shape[2:]) < 1 or w.shape[1] < 1:
        raise ValueError(f"w: expected a non-empty kernel (C_in, C_out / groups, k_h, k_w), got shape {w.shape}")
    for axis in range(2):
        if op[axis] >= max(s[axis], d[axis]):
            raise ValueError(f"output_padding: expected less than stride or dilation (stride={s}, dilation={d}), "
                             f"got {op}; a larger one would add rows that no input reaches")
    C_out = w.shape[1] * groups
    k = w.shape[2:]
    out = tuple(transposed_output_size(n, kk, ss, pp, oo, dd)
                if (n - 1) * ss - 2 * pp + dd * (kk - 1) + oo + 1 > 0 else 0
                for n, kk, ss, pp, oo, dd in zip((H, W), k, s, p, op, d))
    if min(out) < 1:
        raise ValueError(f"padding: {p} removes more than the output holds: input {(H, W)}, kernel {k}, "
                         f"stride {s}, dilation {d} give an output of (n-1)s + d(k-1) + 1 = "
                         f"{tuple((n - 1) * ss + dd * (kk - 1) + 1 for n, kk, ss, dd in zip((H, W), k, s, d))} "
                         f"before padding removes 2p from each side")
    check_size("x", (N, C_out, out[0] + 2 * p[0], out[1] + 2 * p[1]), "the output (before cropping the padding)")
    if b is not None:
        b = _float_array("b", b, (1,)).astype(x.dtype, copy=False)
        check_shape("b", b, (C_out,), "(C_out,)")
    return x, w, b, s, p, op, d, groups, out, squeeze


def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, dilation=1, groups=1) -> np.ndarray:
    """Transposed 2-D convolution, equal to ``torch.nn.functional.conv_transpose2d``.

    Args:
        x: (N, C_in, H, W) input, or one (H, W) image (then ``w`` is one (k_h, k_w) kernel).
        w: (C_in, C_out / groups, k_h, k_w) kernels, PyTorch's layout.
        b: optional (C_out,) bias.
        stride, padding, output_padding, dilation: ints or (height, width) pairs.
        groups: input and output channels split into this many independent groups.

    Returns:
        (N, C_out, H_out, W_out) with ``H_out = (H - 1) s - 2 p + d (k_h - 1) + output_padding + 1``
        (or (H_out, W_out) for a 2-D input).

    How: ``y[n, o, i s + u d - p, j s + v d - p] += x[n, c, i, j] * w[c, o, u, v]``. One matrix
    product computes every ``x[n, c, i, j] * w[c, o, u, v]`` summed over ``c``; then, for each of
    the ``k_h * k_w`` kernel offsets ``(u, v)``, the (H, W) plane of products lands on a strided grid
    of the output in a single add.
    """
    x, w, b, (sh, sw), (ph, pw), _, (dh, dw), g, (Ho, Wo), squeeze = _prepare(
        x, w, b, stride, padding, output_padding, dilation, groups)
    N, C_in, H, W = x.shape
    _, Cog, kh, kw = w.shape
    Cg = C_in // g
    # cols[g, o, u, v, n, i, j] = sum_c w[g, c, o, u, v] * x[n, g, c, i, j]: one batched matrix product
    xg = x.reshape(N, g, Cg, H * W).transpose(1, 2, 0, 3).reshape(g, Cg, N * H * W)
    wg = w.reshape(g, Cg, Cog * kh * kw).transpose(0, 2, 1)
    cols = np.matmul(wg, xg).reshape(g, Cog, kh, kw, N, H, W)
    # Scatter onto the uncropped output; the buffer also holds rows that output_padding adds back.
    Hb = max((H - 1) * sh + dh * (kh - 1) + 1, ph + Ho)
    Wb = max((W - 1) * sw + dw * (kw - 1) + 1, pw + Wo)
    buf = np.zeros((g, Cog, N, Hb, Wb), dtype=x.dtype)
    for u in range(kh):
        for v in range(kw):
            r, c = u * dh, v * dw
            buf[:, :, :, r:r + (H - 1) * sh + 1:sh, c:c + (W - 1) * sw + 1:sw] += cols[:, :, u, v]
    y = buf[:, :, :, ph:ph + Ho, pw:pw + Wo].reshape(g * Cog, N, Ho, Wo).transpose(1, 0, 2, 3)
    if b is not None:
        y = y + b[None, :, None, None]
    y = np.ascontiguousarray(y)
    return y[0, 0] if squeeze else y


def conv_transpose2d_loop(x, w, b=None, stride=1, padding=0) -> np.ndarray:
    """The per-pixel loop that course books show: for every input pixel ``(i, j)``, scale the
    kernel by ``x[n, :, i, j]`` and add it into the output at ``(i * s, j * s)``; then crop
    ``padding`` from each side. Same layouts as :func:`conv_transpose2d` (no groups, no dilation).

    Slow on purpose: it is the literal reading of the lecture's a..i pictures, kept for the
    benchmark and to show that the vectorized version does the same thing.
    """
    x, w, b, (sh, sw), (ph, pw), _, _, _, (Ho, Wo), squeeze = _prepare(x, w, b, stride, padding, 0, 1, 1)
    N, C_in, H, W = x.shape
    _, C_out, kh, kw = w.shape
    full = np.zeros((N, C_out, (H - 1) * sh + kh, (W - 1) * sw + kw), dtype=x.dtype)
    for n in range(N):
        for i in range(H):
            for j in range(W):
                # every input channel's value scales its kernels; sum over input channels
                patch = np.tensordot(x[n, :, i, j], w, axes=(0, 0))  # (C_out, kh, kw)
                full[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += patch
    y = full[:, :, ph:ph + Ho, pw:pw + Wo]
    if b is not None:
        y = y + b[None, :, None, None]
    return y[0, 0] if squeeze else y


# ---------------------------------------------------------------- the convolution it transposes

def conv2d(x, w, b=None, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Ordinary 2-D convolution (cross-correlation, as in deep learning), equal to
    ``torch.nn.functional.conv2d`` for ``groups = 1``.

    Args:
        x: (N, C_in, H, W) or one (H, W) image; w: (C_out, C_in, k_h, k_w) or one (k_h, k_w) kernel.

    Returns:
        (N, C_out, H_out, W_out), ``H_out = floor((H + 2p - d (k_h - 1) - 1) / s) + 1``.
    """
    x = _float_array("x", x, (2, 4))
    w = _float_array("w", w, (2, 4))
    squeeze = x.ndim == 2
    if squeeze:
        if w.ndim != 2:
            raise ValueError(f"w: x is a 2-D image (H, W), so expected a 2-D kernel (k_h, k_w), got shape {w.shape}")
        x, w = x[None, None], w[None, None]
    elif w.ndim != 4:
        raise ValueError(f"w: expected a 4-D array (C_out, C_in, k_h, k_w), got shape {w.shape}")
    if x.dtype != w.dtype:
        x, w = x.astype(np.float64), w.astype(np.float64)
    (sh, sw), (ph, pw), (dh, dw) = pair("stride", stride, 1), pair("padding", padding, 0), pair("dilation", dilation, 1)
    N, C_in, H, W = x.shape
    C_out, C_w, kh, kw = w.shape
    if C_w != C_in:
        raise ValueError(f"w: expected shape ({C_out}, {C_in}, k_h, k_w) to match the {C_in} input channels "
                         f"of x (shape {x.shape}), got {w.shape}")
    reach = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    if reach[0] > H + 2 * ph or reach[1] > W + 2 * pw:
        raise ValueError(f"w: the kernel spans {reach} pixels (k_h, k_w = {(kh, kw)}, dilation {(dh, dw)}), "
                         f"larger than the padded input {(H + 2 * ph, W + 2 * pw)} (x {(H, W)} plus padding "
                         f"{(ph, pw)} on each side) allows")
    Ho, Wo = conv_output_size(H, kh, sh, ph, dh), conv_output_size(W, kw, sw, pw, dw)
    check_size("padding", (N, C_in, H + 2 * ph, W + 2 * pw), "the padded input")
    check_size("x", (N, C_out, Ho, Wo), "the output")
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    y = np.zeros((N, C_out, Ho, Wo), dtype=x.dtype)
    for u in range(kh):  # one loop over the kernel offsets, each a matrix product over channels
        for v in range(kw):
            patch = xp[:, :, u * dh:u * dh + (Ho - 1) * sh + 1:sh, v * dw:v * dw + (Wo - 1) * sw + 1:sw]
            y += np.einsum("nchw,oc->nohw", patch, w[:, :, u, v], optimize=True)
    if b is not None:
        b = _float_array("b", b, (1,))
        check_shape("b", b, (C_out,), "(C_out,)")
        y = y + b[None, :, None, None]
    return y[0, 0] if squeeze else y


def conv_matrix(kernel, input_shape, stride=1, padding=0) -> np.ndarray:
    """The convolution of one (H, W) image with one (k_h, k_w) kernel as an explicit matrix.

    Returns ``C`` of shape ``(H_out * W_out, H * W)`` with ``conv2d(x, kernel).ravel() == C @ x.ravel()``.
    Row ``r`` holds the kernel, laid over the input where output pixel ``r`` reads it.
    The transposed convolution with the same settings is ``C.T`` (see :func:`transposed_conv_matrix`).
    Meant for small cases: ``C`` has ``H_out W_out H W`` entries.
    """
    K = _float_array("kernel", kernel, (2,))
    H, W = pair("input_shape", input_shape, 1)
    (sh, sw), (ph, pw) = pair("stride", stride, 1), pair("padding", padding, 0)
    kh, kw = K.shape
    if kh > H + 2 * ph or kw > W + 2 * pw:
        raise ValueError(f"kernel: shape {K.shape} is larger than the padded input {(H + 2 * ph, W + 2 * pw)} "
                         f"(input_shape {(H, W)} plus padding {(ph, pw)} on each side) allows")
    Ho, Wo = conv_output_size(H, kh, sh, ph), conv_output_size(W, kw, sw, pw)
    check_size("input_shape", (Ho * Wo, H * W), "the matrix")
    C = np.zeros((Ho * Wo, H * W))
    oi, oj = np.meshgrid(np.arange(Ho), np.arange(Wo), indexing="ij")
    rows = (oi * Wo + oj).ravel()
    for u in range(kh):
        for v in range(kw):
            ii, jj = (oi * sh + u - ph).ravel(), (oj * sw + v - pw).ravel()
            ok = (ii >= 0) & (ii < H) & (jj >= 0) & (jj < W)  # taps that fall on padding read zeros
            C[rows[ok], ii[ok] * W + jj[ok]] += K[u, v]
    return C


def transposed_conv_matrix(kernel, input_shape, stride=1, padding=0) -> np.ndarray:
    """``C.T`` for the convolution of an image of ``input_shape`` (see :func:`conv_matrix`):
    it maps a flattened (H_out, W_out) map back to a flattened (H, W) image, and equals
    :func:`conv_transpose2d` with the same kernel, stride and padding (plus the output_padding
    that makes the size come back to exactly (H, W))."""
    return conv_matrix(kernel, input_shape, stride, padding).T


# ---------------------------------------------------------------- the lecture's pictures

def contribution_labels(input_shape, kernel_shape, stride=1, padding=0, names=None) -> np.ndarray:
    """Which input elements reach each output cell: an object array of strings such as ``"a+b"``.

    Computed by running :func:`conv_transpose2d` once per input element (a one-hot input and a kernel
    of ones), so the picture is drawn from the implementation itself, not by hand.
    ``names`` defaults to ``a, b, c, ...`` in row-major order.
    """
    H, W = pair("input_shape", input_shape, 1)
    kh, kw = pair("kernel_shape", kernel_shape, 1)
    check_size("input_shape", (H * W, H * W), "the one-hot inputs")
    check_size("kernel_shape", (kh, kw), "the kernel")
    names = list(names) if names is not None else [chr(ord("a") + i) for i in range(H * W)]
    if len(names) != H * W:
        raise ValueError(f"names: expected {H * W} names, one per input element, got {len(names)}")
    onehots = np.eye(H * W).reshape(H * W, 1, H, W)
    reach = conv_transpose2d(onehots, np.ones((1, 1, kh, kw)), stride=stride, padding=padding)[:, 0] > 0.5
    labels = np.empty(reach.shape[1:], dtype=object)
    for idx in np.ndindex(labels.shape):
        labels[idx] = "+".join(n for n, hit in zip(names, reach[(slice(None), *idx)]) if hit)
    return labels


def resize_then_conv(x, w, factor: int = 2, b=None) -> np.ndarray:
    """The alternative to a strided transposed convolution (Odena et al. 2016): nearest-neighbour
    upsampling by ``factor`` followed by an ordinary stride-1 'same' convolution.

    Args:
        x: (N, C_in, H, W); w: (C_out, C_in, k, k) with odd k. Returns (N, C_out, factor H, factor W).
    """
    x = _float_array("x", x, (4,))
    w = _float_array("w", w, (4,))
    kh, kw = w.shape[2:]
    if kh % 2 == 0 or kw % 2 == 0:
        raise ValueError(f"w: expected an odd kernel size so that 'same' padding is symmetric, got shape {w.shape}")
    if isinstance(factor, bool) or not isinstance(factor, (int, np.integer)) or factor < 1:
        raise ValueError(f"factor: expected a positive integer, got {factor!r}")
    check_size("factor", x.shape[:2] + (x.shape[2] * factor, x.shape[3] * factor), "the upsampled input")
    up = np.repeat(np.repeat(x, factor, axis=2), factor, axis=3)
    return conv2d(up, w, b, padding=(kh // 2, kw // 2))


# ---------------------------------------------------------------- figures

def _cell_text(label: str) -> str:
    terms = label.split("+") if label else []
    if len(terms) <= 2:
        return label
    if len(terms) <= 4:  # two letters per line
        letters = "".join(terms)
        return "\n".join(letters[i:i + 2] for i in range(0, len(letters), 2))
    return f"({len(terms)})"  # too many names to print: their count


def _fit_fontsize(text: str, cell_pt: float, largest: float = 11) -> float:
    """The font size (points) at which ``text`` fits a square cell of side ``cell_pt`` points,
    with a margin: a character is about 0.62 em wide and a line 1.25 em high."""
    lines = text.split("\n")
    widest = max(len(line) for line in lines)
    return min(largest, 0.75 * cell_pt / (0.62 * max(widest, 1)), 0.75 * cell_pt / (1.25 * len(lines)))


def draw_grid(ax, texts, counts=None, removed=None, title: str = "", cmap: str = "Blues", vmax=None):
    """Draw a grid of cells with a text in each: ``texts`` (H, W) of strings or numbers,
    shaded by ``counts`` (H, W) if given; cells where ``removed`` is True are greyed and hatched."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    texts = np.asarray(texts, dtype=object)
    H, W = texts.shape
    # The side of one cell in points, from the axes' place in the figure (equal aspect: the
    # smaller of the two ways the grid can fit), so that every label fits inside its cell.
    box = ax.get_position()
    cell_pt = 72 * min(box.width * ax.figure.get_figwidth() / W, box.height * ax.figure.get_figheight() / H)
    colours = plt.get_cmap(cmap)
    vmax = vmax or (max(1, np.max(counts)) if counts is not None else 1)
    for i in range(H):
        for j in range(W):
            gone = removed is not None and removed[i, j]
            level = 0.0 if counts is None else float(counts[i, j]) / vmax
            face = "#dddddd" if gone else colours(0.08 + 0.55 * level)
            ax.add_patch(Rectangle((j, H - 1 - i), 1, 1, facecolor=face, edgecolor="black", lw=1,
                                   hatch="///" if gone else None))
            if gone:
                continue
            text = texts[i, j]
            text = f"{text:g}" if isinstance(text, (float, np.floating)) else _cell_text(str(text))
            ax.text(j + 0.5, H - 0.5 - i, text, ha="center", va="center", fontsize=_fit_fontsize(text, cell_pt))
    ax.set_xlim(-0.05, W + 0.05)
    ax.set_ylim(-0.05, H + 0.05)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)


def plot_transposed_grid(fig, kernel: int = 2, stride: int = 1, padding: int = 0, input_size: int = 3):
    """The lecture's a..i picture, computed with :func:`conv_transpose2d`: an (n, n) input named
    a, b, c, ..., a (k, k) kernel, and the output cells labelled with the inputs that reach them
    (shade = how many). Cells that ``padding`` removes are hatched. Usable as an explorer's plot."""
    n = input_size
    full = contribution_labels((n, n), (kernel, kernel), stride=stride, padding=0)
    counts = np.vectorize(lambda s: len(s.split("+")) if s else 0)(full)
    size = full.shape[0]
    removed = np.zeros(full.shape, dtype=bool)
    if padding:
        removed[:padding], removed[-padding:], removed[:, :padding], removed[:, -padding:] = True, True, True, True
    n_out = transposed_output_size_simple(n, kernel, stride, padding)
    widths = [n, kernel, size]
    axes = fig.subplots(1, 3, gridspec_kw=dict(width_ratios=widths))
    names = np.array([chr(ord("a") + i) for i in range(n * n)], dtype=object).reshape(n, n)
    draw_grid(axes[0], names, title=f"input {n}x{n}")
    draw_grid(axes[1], np.full((kernel, kernel), "K", dtype=object), title=f"kernel {kernel}x{kernel}",
              cmap="Oranges", counts=np.ones((kernel, kernel)), vmax=2)
    if n_out >= 1:
        head = f"output {n_out}x{n_out} = ({n}-1)·{stride} + {kernel} - 2·{padding}"
    else:
        head = f"padding {padding} removes everything ({n}-1)·{stride} + {kernel} - 2·{padding} = {n_out}"
    draw_grid(axes[2], full, counts=counts, removed=removed, title=head, vmax=max(4, counts.max()))
    return axes


def checkerboard_outputs(size: int = 8, seed: int = 0) -> dict:
    """Upsample a constant (size, size) image by 2 in three ways, with a kernel of ones (row "ones")
    and with a random kernel (row "random"): transposed convolution k=3 (k not a multiple of the
    stride), transposed convolution k=4 (a multiple), and nearest resize then a 3x3 convolution.

    Returns ``{(row, method): (2 size, 2 size) array}``; a constant input should give a constant
    output away from the borders, and the uneven overlap of k=3 makes a checkerboard instead.
    """
    rng = np.random.default_rng(seed)
    x = np.ones((1, 1, size, size))
    out = {}
    for row, make in (("ones", lambda k: np.ones((1, 1, k, k))),
                      ("random", lambda k: np.abs(rng.normal(size=(1, 1, k, k))) + 0.2)):
        out[(row, "transposed k=3, s=2")] = conv_transpose2d(x, make(3), stride=2, padding=1,
                                                             output_padding=1)[0, 0]
        out[(row, "transposed k=4, s=2")] = conv_transpose2d(x, make(4), stride=2, padding=1)[0, 0]
        out[(row, "resize, then 3x3 conv")] = resize_then_conv(x, make(3), 2)[0, 0]
    return out


def plot_checkerboard(fig, size: int = 8, seed: int = 0):
    """Draw :func:`checkerboard_outputs`: one column per method, one row per kernel; each panel is
    scaled to its own interior (borders excluded) so that unevenness shows as contrast."""
    outs = checkerboard_outputs(size, seed)
    methods = ["transposed k=3, s=2", "transposed k=4, s=2", "resize, then 3x3 conv"]
    axes = fig.subplots(2, 3)
    for r, row in enumerate(("ones", "random")):
        for c, method in enumerate(methods):
            y = outs[(row, method)]
            inner = y[2:-2, 2:-2]
            ax = axes[r, c]
            ax.imshow(y, cmap="gray", vmin=inner.min() - 1e-9 - 0.3 * (np.ptp(inner) + 1e-9),
                      vmax=inner.max() + 1e-9)
            spread = np.ptp(inner) / inner.mean()
            ax.set_title(f"{method}\ninterior spread {spread:.0%}", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel("kernel of ones" if row == "ones" else "random kernel", fontsize=9)
    return axes
