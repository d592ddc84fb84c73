"""Checks at the package's boundary: every bad input becomes a ValueError/TypeError naming the value."""

import numbers

import numpy as np

MAX_PARAMETERS = 20_000_000  # weights and biases of one network: 160 MB in float64, per copy


def short(value, limit=80):
    """repr(value) cut to about ``limit`` characters, so that an error message stays one short line
    whatever it quotes (a list of a million layer sizes, a megabyte string)."""
    if isinstance(value, (list, tuple)) and len(value) > 8:
        head = ", ".join(repr(v) for v in value[:6])
        text = f"[{head}, ... ({len(value):,} items)]"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 15] + f"... ({len(text):,} chars)"


def positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {short(value)}")
    return int(value)


def non_negative_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {short(value)}")
    return int(value)


def positive_float(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {short(value)}")
    return float(value)


def non_negative_float(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative finite number, got {short(value)}")
    return float(value)


REGULARIZATIONS = ("l2", "l1", "none")


def regularization(value):
    """ "l2" (network2's weight decay), "l1" or "none", in any letter case."""
    if isinstance(value, str) and value.strip().lower() in REGULARIZATIONS:
        return value.strip().lower()
    raise ValueError(f"regularization must be one of {', '.join(REGULARIZATIONS)}, got {short(value)}")


def fraction(name, value):
    """A number in [0, 1): dropout's rate, momentum's μ."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1), got {short(value)}")
    return float(value)


def sizes(value, max_parameters=MAX_PARAMETERS):
    """Layer sizes: a list of at least two positive ints, e.g. [784, 30, 10], whose weights and biases
    number at most ``max_parameters`` (checked before anything is allocated)."""
    try:
        out = list(value)
    except TypeError:
        raise TypeError(f"sizes must be a list of layer sizes like [784, 30, 10], got {short(value)}") from None
    if len(out) < 2:
        raise ValueError(f"sizes needs at least an input and an output layer, got {short(value)}")
    out = [positive_int(f"sizes[{i}]", n) for i, n in enumerate(out)]
    n = parameters(out)
    if n > max_parameters:
        raise ValueError(
            f"sizes {short(out)} mean {n:,} weights and biases (about {8 * n / 1e9:,.1f} GB "
            f"in float64), over the cap of {max_parameters:,}"
        )
    return out


def parameters(sizes):
    """Weights and biases of a network with these layer sizes."""
    return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def array(name, value, shape, dtype=np.float64, finite=False):
    """``value`` (an array or nested lists) as a new ``dtype`` array of exactly ``shape``; a flat (n,) is
    taken for a column (n, 1). ``finite``: NaN or infinity is refused too."""
    try:
        arr = np.array(value, dtype=dtype)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be nested lists of numbers of shape {shape}") from None
    if arr.shape != shape and len(shape) == 2 and shape[1] == 1 and arr.shape == (shape[0],):
        arr = arr[:, None]
    if arr.shape != shape:
        raise ValueError(f"{name} has shape {arr.shape}, expected {shape}")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity")
    return arr


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


def raw_inputs(x, n_in):
    """A batch of raw integer inputs (uint8 pixels, say) as an integer array (m, n_in), not converted."""
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.integer):
        raise TypeError(f"raw inputs (with a divisor) must be integers, such as uint8 pixels, got {x.dtype}")
    if x.ndim != 2 or x.shape[1] != n_in:
        raise ValueError(f"expected inputs of shape (m, {n_in}), got {x.shape}")
    return x


def targets(y, m, n_out, dtype):
    """Labels as one-hot rows (m, n_out): from ints (m,) or already one-hot (m, n_out)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape == (m, n_out):
        y = y.astype(dtype, copy=False)
        # one-hot: every entry 0 or 1, one 1 per row (one output: a 0/1 target)
        zero_one = (y == 0) | (y == 1)
        good_rows = zero_one.all(axis=1) & ((y.sum(axis=1) == 1) if n_out > 1 else True)  # (m,)
        if not good_rows.all():
            bad = int(np.flatnonzero(~good_rows)[0])
            raise ValueError(
                f"one-hot targets must be rows of 0s with a single 1; row {bad} is {short(y[bad].tolist())}"
            )
        return y
    if y.ndim == 2 and y.shape[1] == 1:  # a column of labels
        y = y[:, 0]
    if y.ndim != 1 or y.shape[0] != m:
        raise ValueError(
            f"expected {m} integer labels (shape ({m},)) or one-hot targets ({m}, {n_out}), got shape {y.shape}"
        )
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
