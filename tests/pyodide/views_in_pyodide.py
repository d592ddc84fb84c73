"""metrics, preprocess, augment and units checked inside Pyodide (wasm32: intp is int32, numpy 2.0.2).

Plain asserts, one line per check, the same oracles as the CPython tests where they fit in a few lines.
"""

import numpy as np

from backprop.data import augment, preprocess
from backprop.explain import metrics
from expect import expect, report

rng = np.random.default_rng(0)
outputs = rng.random((300, 10))  # (m, 10)
labels = rng.integers(0, 10, size=300)  # int64 on purpose: wasm32's intp is int32


@expect("confusion_matrix counts like a loop from int64 labels")
def _():
    predicted = np.argmax(outputs, axis=1)
    counts = metrics.confusion_matrix(predicted, labels)
    want = np.zeros((10, 10), dtype=np.int64)
    for p, t in zip(predicted.tolist(), labels.tolist()):
        want[t, p] += 1
    assert counts.dtype == np.int64 and np.array_equal(counts, want)
    assert metrics.correct_count(outputs, np.eye(10)[labels]) == int(np.trace(want))
    assert abs(metrics.accuracy(predicted, labels) - np.trace(want) / 300) < 1e-15


@expect("cell_members partition the examples, most confident first")
def _():
    seen = []
    for t in range(10):
        for p in range(10):
            members = metrics.cell_members(outputs, labels, t, p)
            conf = outputs[members, p]
            assert np.all(conf[:-1] >= conf[1:])
            seen.extend(members.tolist())
    assert sorted(seen) == list(range(300))


@expect("mnist_like: 20x20 box, centre of mass at (14, 14), values in [0, 1]")
def _():
    ink = np.zeros((280, 280), dtype=np.uint8)
    ink[40:240, 120:150] = 255
    ink[40:70, 80:150] = 255
    img = preprocess.mnist_like(ink).reshape(28, 28)
    rows = np.flatnonzero(img.any(axis=1))
    assert len(rows) == 20 and img.min() >= 0 and abs(img.max() - 1) < 1e-12
    r, c = np.indices(img.shape)
    assert abs((r * img).sum() / img.sum() - 14) <= 0.5 and abs((c * img).sum() / img.sum() - 14) <= 0.5


@expect("mnist_like refuses an empty drawing")
def _():
    try:
        preprocess.mnist_like(np.zeros((280, 280), dtype=np.uint8))
    except ValueError as e:
        assert "the drawing is empty" in str(e)
    else:
        raise AssertionError("empty drawing accepted")


@expect("augment: identity when everything is off, seeded otherwise")
def _():
    x = rng.random((20, 784))
    same = augment.augment(x, np.random.default_rng(1), max_shift=0, max_rotation=0, scale=(1, 1), max_shear=0, width=0)
    assert np.abs(same - x).max() < 1e-6
    a = augment.augment(x, np.random.default_rng(2))
    b = augment.augment(x, np.random.default_rng(2), chunk=3)
    assert np.array_equal(a, b) and 0 <= a.min() and a.max() <= 1


@expect("hidden units: quantised weights and the most exciting digits")
def _():
    from backprop import Network
    from backprop.explain import units

    net = Network([6, 3, 2], seed=2)
    q, scale = units.quantise_symmetric(net.weights[0])
    assert q.dtype == np.int8 and np.abs(q).max() == units.LEVELS and scale == np.abs(net.weights[0]).max()
    idx, act = units.most_exciting(net, np.random.default_rng(1).random((9, 6)), 1, 4)
    assert len(idx) == 4 and list(act) == sorted(act, reverse=True)


report()
