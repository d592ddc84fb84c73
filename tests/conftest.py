"""Make the package, build.py and tests' support modules importable from a plain checkout, installed or
not; and the fixtures several test folders share."""

import asyncio
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT / "py", ROOT, ROOT / "tests", ROOT / "tools"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))


def pytest_collection_modifyitems(items):
    """The browser tests last: Playwright's sync API keeps an event loop running in this thread from the
    first browser test to the end of the session, and asyncio.run (the session's training loop in the
    CPython tests) refuses to start inside a running loop. A stable sort keeps every other order."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


# -- the page's worker, without a browser: requests through the wire, as the page makes them -------------
def strict_json(text):
    """json.loads that fails on the NaN/Infinity tokens JavaScript's JSON.parse refuses."""
    return json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in JSON: {text[:200]}"))


def _ask(target, request, data=None, **args):
    """A request as the page's worker makes it (``wire.call``): JSON in, JSON out, decoded."""
    from backprop.page import wire

    return strict_json(wire.call(target, request, json.dumps(args), data))


def _train(target, params, pause=None, on_progress=None, on_epoch=None, request="train", **args):
    """A run through the wire, the worker's way: (summary, progress records, epoch records), decoded.
    ``pause`` defaults to one event-loop turn; ``on_progress``/``on_epoch`` see each decoded record."""
    from backprop.page import wire

    progress, epochs = [], []

    def emit(event, text):
        record = strict_json(text)
        (progress if event == "progress" else epochs).append(record)
        hook = on_progress if event == "progress" else on_epoch
        if hook is not None:
            hook(record)

    async def one_turn():
        await asyncio.sleep(0)

    answer = wire.call(target, request, json.dumps({"params": params, **args}), None, emit, pause or one_turn)
    return strict_json(asyncio.run(answer)), progress, epochs


@pytest.fixture
def ask():
    return _ask


@pytest.fixture
def train_run():
    return _train


# -- digits for the page's session: synthetic, learnable, in the subset's .npz format ---------------------
def _synthetic_digits(n_train=120, n_test=40, seed=0, noise=40, ink=230, **override):
    """(the .npz bytes, the arrays) of a subset whose classes each light their own band of 78 pixels over
    uniform noise below ``noise``; ``override`` replaces (or, with None, drops) an array."""
    import io

    import numpy as np

    rng = np.random.default_rng(seed)
    arrays = {}
    for part, n in (("train", n_train), ("test", n_test)):
        y = rng.integers(0, 10, n).astype(np.uint8)
        x = rng.integers(0, noise, (n, 784)).astype(np.uint8)
        x[np.arange(n)[:, None], y[:, None] * 78 + np.arange(78)] = ink
        arrays[f"x_{part}"], arrays[f"y_{part}"] = x, y
    arrays = {k: v for k, v in {**arrays, **override}.items() if v is not None}
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue(), arrays


@pytest.fixture(scope="session")
def synthetic_digits():
    return _synthetic_digits


@pytest.fixture
def model_text():
    """network2 JSON of a seeded network, for the page's session: model_text(seed, sizes)."""

    def make(seed=3, sizes=(784, 10)):
        from backprop import Network

        return json.dumps(Network(list(sizes), seed=seed).to_dict())

    return make


# -- a slice of real MNIST ----------------------------------------------------------------------------------
def _small_mnist(n_train=1000, n_val=200, n_test=200):
    """A slice of real MNIST in load_data's format: from MNIST_DIR, else the committed web subset."""
    import os

    import numpy as np

    from backprop.data import mnist
    from ci_support import skip_or_fail

    subset = ROOT / "web" / "data" / "mnist-subset.npz"
    if os.environ.get("MNIST_DIR"):
        (x, y), (xv, yv), (xt, yt) = mnist.load_data(dtype=np.uint8)
        x, y, xv, yv, xt, yt = x[:n_train], y[:n_train], xv[:n_val], yv[:n_val], xt[:n_test], yt[:n_test]
    elif subset.exists():
        s = mnist.read_subset(subset)
        x, y = s["x_train"][:n_train], s["y_train"][:n_train]
        xv, yv = s["x_train"][-n_val:], s["y_train"][-n_val:]  # not the training slice
        xt, yt = s["x_test"][:n_test], s["y_test"][:n_test]
    else:
        skip_or_fail("neither MNIST_DIR nor web/data/mnist-subset.npz is available")

    def floats(a):
        return a.astype(np.float64) / 255.0

    def ints(a):
        return a.astype(np.int64)

    return (floats(x), ints(y)), (floats(xv), ints(yv)), (floats(xt), ints(yt))


@pytest.fixture(scope="session")
def small_mnist():
    """small_mnist(n_train, n_val, n_test) -> ((x, y), (x_val, y_val), (x_test, y_test)), floats in [0, 1]."""
    return _small_mnist
