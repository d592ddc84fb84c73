"""Fixtures for the command line's tests."""

import numpy as np
import pytest

from backprop.cli import main as cli
from backprop.data import mnist


@pytest.fixture(scope="module")
def uint8_data(small_mnist):
    (x, y), (xv, yv), (xt, yt) = small_mnist(n_train=1000, n_val=200, n_test=300)
    u = lambda a: np.round(a * 255).astype(np.uint8)
    return (u(x), y), (u(xv), yv), (u(xt), yt)


@pytest.fixture
def small(monkeypatch, uint8_data):
    """mnist.load_data returns the small slice, in the dtype asked for."""

    def load_data(directory=None, dtype=np.float64, **_):
        dtype = np.dtype(dtype)
        conv = (lambda a: a) if dtype == np.uint8 else (lambda a: a.astype(dtype) / dtype.type(255))
        return tuple((conv(x), y) for x, y in uint8_data)

    monkeypatch.setattr(mnist, "load_data", load_data)
    return uint8_data


@pytest.fixture
def run(capsys):
    """run(argv) -> (exit code, stdout, stderr) of ``python -m backprop argv`` in this process."""

    def call(argv):
        code = cli.main(argv)
        out, err = capsys.readouterr()
        return code, out, err

    return call
