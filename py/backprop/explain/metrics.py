"""How well a classifier did, from its predictions and the labels: accuracy and the confusion matrix.

Accuracy comes in two names kept apart, because network2's ``accuracy`` is a count: ``correct_count``
(an int, how many are right) and ``accuracy`` (a fraction in [0, 1]). ``confusion_matrix`` counts
(true, predicted) pairs; ``cell_members`` lists the examples behind one of its cells, most confident
first. Shared by the page's session and ``python -m backprop evaluate``.

Classes are ints 0..n_classes-1. Wherever classes are expected, a 2-D array (m, n_classes) is accepted
too and read by its argmax per row: one-hot labels, or a network's outputs as predictions. Nothing here
runs a network or knows about MNIST.
"""

import numbers

import numpy as np


def _classes(name, a, n_classes):
    """Class indices (m,) intp from ints (m,) or from rows (m, n_classes) read by argmax."""
    a = np.asarray(a)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)):
        raise TypeError(
            f"{name} must be integer class indices or ({n_classes}-column) rows of numbers, got an array of {a.dtype}"
        )
    if a.ndim == 2:
        if a.shape[1] != n_classes:
            raise ValueError(f"{name} as rows must have shape (m, {n_classes}), got {a.shape}")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} contain NaN or infinity")
        return np.argmax(a, axis=1)  # (m,) intp
    if a.ndim != 1:
        raise ValueError(
            f"{name} must have shape (m,) (class indices) or (m, {n_classes}) (one-hot or outputs), got {a.shape}"
        )
    if np.issubdtype(a.dtype, np.floating):
        if not np.all(np.isfinite(a) & (a == np.round(a))):
            raise ValueError(
                f"{name} must be whole numbers 0..{n_classes - 1}, got dtype {a.dtype} with a non-integer value"
            )
    a = a.astype(np.intp)  # intp, not int64: np.bincount on wasm32 (Pyodide) accepts only intp
    if a.size and (a.min() < 0 or a.max() >= n_classes):
        bad = a[(a < 0) | (a >= n_classes)][0]
        raise ValueError(f"{name} has class {bad}, expected 0..{n_classes - 1}")
    return a


def _n_classes(n_classes):
    if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral) or n_classes < 1:
        raise ValueError(f"n_classes must be a positive integer, got {n_classes!r}")
    return int(n_classes)


def _pair(predicted, labels, n_classes):
    n_classes = _n_classes(n_classes)
    predicted = _classes("predicted", predicted, n_classes)
    labels = _classes("labels", labels, n_classes)
    if predicted.shape != labels.shape:
        raise ValueError(
            f"predicted and labels must be as many, got {predicted.shape[0]} predictions and {labels.shape[0]} labels"
        )
    return predicted, labels, n_classes


def correct_count(predicted, labels, n_classes=10):
    """How many predictions equal their label (an int)."""
    predicted, labels, _ = _pair(predicted, labels, n_classes)
    return int(np.count_nonzero(predicted == labels))


def accuracy(predicted, labels, n_classes=10):
    """The fraction of predictions that equal their label, in [0, 1]; an empty set raises ValueError."""
    predicted, labels, _ = _pair(predicted, labels, n_classes)
    if labels.size == 0:
        raise ValueError("accuracy of no examples is undefined: predicted and labels are empty")
    return np.count_nonzero(predicted == labels) / labels.size


def confusion_matrix(predicted, labels, n_classes=10):
    """counts[i, j]: how many examples of true class i were predicted as j; (n_classes, n_classes) int64.

    Rows sum to the count of each true class, the whole to m, and the trace is ``correct_count``.
    """
    predicted, labels, n = _pair(predicted, labels, n_classes)
    # each (true, predicted) pair is one cell number i*n + j; counting those numbers fills the matrix
    return np.bincount(labels * n + predicted, minlength=n * n).astype(np.int64).reshape(n, n)


def cell_members(outputs, labels, true_label, predicted):
    """Indices of the examples in one confusion-matrix cell, most confident first.

    outputs: (m, n_classes) network outputs (the prediction is each row's argmax); labels: ints (m,) or
    one-hot (m, n_classes). Returns the int64 indices i with label i == true_label and argmax
    outputs[i] == predicted, ordered by outputs[i, predicted] descending (ties by index), so the most
    confidently wrong digits of an off-diagonal cell come first.
    """
    outputs = np.asarray(outputs)
    if outputs.ndim != 2 or outputs.shape[1] < 1:
        raise ValueError(f"outputs must have shape (m, n_classes), got {outputs.shape}")
    n = outputs.shape[1]
    guesses = _classes("outputs", outputs, n)  # also checks numeric and finite
    labels = _classes("labels", labels, n)
    if labels.shape != guesses.shape:
        raise ValueError(
            f"outputs and labels must be as many, got {guesses.shape[0]} rows of outputs and {labels.shape[0]} labels"
        )
    for name, c in (("true_label", true_label), ("predicted", predicted)):
        if isinstance(c, bool) or not isinstance(c, numbers.Integral) or not 0 <= c < n:
            raise ValueError(f"{name} must be a class 0..{n - 1}, got {c!r}")
    members = np.flatnonzero((labels == true_label) & (guesses == predicted))  # (k,), ascending
    confidence = outputs[members, predicted]  # (k,)
    # members are ascending, so a stable sort on -confidence keeps ties in index order
    return members[np.argsort(-confidence, kind="stable")].astype(np.int64)
