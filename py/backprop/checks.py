"""Checks at the package's boundary: every bad input becomes a ValueError/TypeError naming the value."""

import numbers

import numpy as np


def positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def non_negative_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def positive_float(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def non_negative_float(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative finite number, got {value!r}")
    return float(value)


def sizes(value):
    """Layer sizes: a list of at least two positive ints, e.g. [784, 30, 10]."""
    try:
        out = list(value)
    except TypeError:
        raise TypeError(f"sizes must be a list of layer sizes like [784, 30, 10], got {value!r}") from None
    if len(out) < 2:
        raise ValueError(f"sizes needs at least an input and an output layer, got {value!r}")
    return [positive_int(f"sizes[{i}]", n) for i, n in enumerate(out)]


def inputs(x, n_in, dtype):
    """A batch of inputs as a float array (m, n_in); one example (n_in,) becomes (1, n_in)."""
    x = np.asarray(x)
    if x.dtype == object or not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise TypeError(f"inputs must be numeric, got an array of {x.dtype}")
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] != n_in:
        raise ValueError(f"expected inputs of shape (m, {n_in}), got {x.shape}")
    x = x.astype(dtype, copy=False)
    # one sum is NaN/inf if any entry is (or if it overflows), far cheaper than isfinite on every entry
    if not np.isfinite(x.sum()) and not np.all(np.isfinite(x)):
        raise ValueError("inputs contain NaN or infinity")
    return x


def targets(y, m, n_out, dtype):
    """Labels as one-hot rows (m, n_out): from ints (m,) or already one-hot (m, n_out)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape == (m, n_out):
        y = y.astype(dtype, copy=False)
        if not np.all(np.isfinite(y)):
            raise ValueError("targets contain NaN or infinity")
        return y
    if y.ndim == 2 and y.shape[1] == 1:  # a column of labels
        y = y[:, 0]
    if y.ndim != 1 or y.shape[0] != m:
        raise ValueError(f"expected {m} integer labels (shape ({m},)) or one-hot targets ({m}, {n_out}), "
                         f"got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        if not np.issubdtype(y.dtype, np.floating) or not np.all(y == np.round(y)):
            raise ValueError(f"labels must be integers 0..{n_out - 1}, got dtype {y.dtype}")
        y = y.astype(np.int64)
    if m and (y.min() < 0 or y.max() >= n_out):
        bad = y[(y < 0) | (y >= n_out)][0]
        raise ValueError(f"label {bad} is out of range: expected 0..{n_out - 1}")
    one_hot = np.zeros((m, n_out), dtype=dtype)
    one_hot[np.arange(m), y] = 1.0
    return one_hot

