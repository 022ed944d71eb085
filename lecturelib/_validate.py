"""Argument checks shared by lecturelib's public functions.

Every check raises a ValueError that names the argument, the shape it got and
the shape it expected, so that a student sees their own mistake rather than a
numpy traceback from deep inside the library.
"""
from __future__ import annotations

import numpy as np


def as_array(name: str, value, ndim: int | tuple[int, ...] | None = None,
             keep_float32: bool = False) -> np.ndarray:
    """Convert ``value`` to a float numpy array and check its number of dimensions.

    ``ndim`` may be an int or a tuple of allowed ints. With ``keep_float32`` a float32 array stays
    float32 (anything else becomes float64).
    """
    if value is None:
        raise ValueError(f"{name}: expected an array, got None")
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value)
        if np.iscomplexobj(arr):  # float() would silently drop the imaginary part
            raise ValueError("complex values; expected real numbers")
        arr = arr.astype(np.float32 if keep_float32 and arr.dtype == np.float32 else np.float64, copy=False)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name}: expected a numeric array, got {type(value).__name__} ({err})") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name}: expected a {want} array, got shape {arr.shape} ({arr.ndim}-D)")
    return arr


def check_shape(name: str, arr: np.ndarray, expected: tuple, meaning: str = "") -> None:
    """Raise unless ``arr.shape == expected``; ``None`` in ``expected`` matches any size.

    ``meaning`` describes the expected shape in words, e.g. "(n_hidden, n_hidden)".
    """
    ok = arr.ndim == len(expected) and all(e is None or e == s for e, s in zip(expected, arr.shape))
    if not ok:
        shown = tuple("any" if e is None else e for e in expected)
        extra = f" {meaning}" if meaning else ""
        raise ValueError(f"{name}: expected shape {shown}{extra}, got {arr.shape}")


def as_sequences(xs, n_in: int, batch_first: bool = False):
    """Inputs as a time-major (T, B, n_in) array, and whether they came as one sequence.

    Accepts (T, B, n_in), (B, T, n_in) with ``batch_first``, or a single sequence (T, n_in).
    """
    xs = as_array("xs", xs, ndim=(2, 3))
    single = xs.ndim == 2
    if single:
        xs = xs[:, None, :]
    elif batch_first:
        xs = xs.transpose(1, 0, 2)
    T, B, _ = xs.shape
    check_shape("xs", xs, (T, B, n_in), f"(T, B, n_in={n_in}) (time-major; batch_first={batch_first})")
    return xs, single


def check_choice(name: str, value, choices) -> None:
    """Raise unless ``value`` is one of ``choices``."""
    try:
        known = value in choices
    except TypeError:        # an unhashable value (a list) against a dict or set of choices
        known = False
    if not known:
        raise ValueError(f"{name}: expected one of {sorted(choices)}, got {value!r}")


def check_positive_ints(**values) -> None:
    """Raise unless every value is a positive whole number (``True`` and ``1.0`` are refused)."""
    for name, v in values.items():
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name}: expected a positive integer, got {v!r}")


def check_int_range(name: str, value, low: int, high: int | None = None) -> int:
    """``value`` as an int if it is a whole number in ``[low, high]`` (``high=None``: no upper
    bound); ``True`` and ``1.0`` are refused. An upper bound keeps loops and arrays finite."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, (bool, np.bool_)) or value < low \
            or (high is not None and value > high):
        span = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{name}: expected an integer {span}, got {value!r}")
    return int(value)


MAX_ELEMENTS = 1 << 27
"""The largest array (in numbers) a function sizes from its arguments: 134 million, 1 GiB of float64."""


def check_elements(name: str, count: int, what: str) -> None:
    """Raise a ValueError naming ``name`` when ``what`` would hold more than ``MAX_ELEMENTS`` numbers."""
    if count > MAX_ELEMENTS:
        raise ValueError(f"{name}: {what} would hold {count} numbers, more than the limit of {MAX_ELEMENTS} "
                         f"(lecturelib._validate.MAX_ELEMENTS)")


def check_seed(seed) -> None:
    """Raise unless ``seed`` is None, a non-negative int or a numpy Generator."""
    if seed is None or isinstance(seed, np.random.Generator):
        return
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: expected None, a non-negative integer or a numpy Generator, got {seed!r}")


def check_positive_number(**values) -> None:
    """Raise unless every value is a finite real number > 0 (``True``, NaN and inf are refused)."""
    for name, v in values.items():
        if (isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating))
                or not (np.isfinite(v) and v > 0)):
            raise ValueError(f"{name}: expected a positive finite number, got {v!r}")


def check_scale(scale) -> None:
    """Raise unless ``scale`` (the half-width of a uniform weight draw) is None or a finite number > 0."""
    if scale is None:
        return
    if (isinstance(scale, (bool, np.bool_)) or not isinstance(scale, (int, float, np.integer, np.floating))
            or not (np.isfinite(scale) and scale > 0)):
        raise ValueError(f"scale: expected None or a finite number > 0, got {scale!r}")


def check_real(name: str, value, minimum: float | None = None) -> float:
    """``value`` as a float if it is a finite real number (``>= minimum`` when given); ``True``,
    strings, NaN and inf are refused with a ValueError naming ``name``."""
    if (isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating))
            or not np.isfinite(value) or (minimum is not None and value < minimum)):
        want = "a finite number" + ("" if minimum is None else f" >= {minimum}")
        raise ValueError(f"{name}: expected {want}, got {value!r}")
    return float(value)
