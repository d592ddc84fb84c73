"""backprop.backend in CPython: the seam's contract, for the numpy and einsum implementations.

The WebAssembly kernel behind the same seam is checked in Pyodide (tests/test_pyodide.py) and in
Chromium (tests/e2e/test_kernel.py) by tests/pyodide/kernel_checks.py.
"""

import numpy as np
import pytest

from backprop import Network, backend

rng = np.random.default_rng(11)


def loops_forward(a, w, b):
    """The oracle: the book's z_j = Σ_k w_jk a_k + b_j, one example and one neuron at a time."""
    return np.array([[sum(w[j, k] * a[i, k] for k in range(a.shape[1])) + b[j, 0] for j in range(w.shape[0])]
                     for i in range(a.shape[0])])


@pytest.mark.parametrize("products", [backend.NumpyProducts, backend.EinsumProducts])
@pytest.mark.parametrize("m, n, k", [(1, 1, 1), (3, 5, 7), (10, 4, 9)])
def test_the_three_products(products, m, n, k):
    a, w, b = rng.standard_normal((m, k)), rng.standard_normal((n, k)), rng.standard_normal((n, 1))
    np.testing.assert_allclose(products.forward(a, w, b), loops_forward(a, w, b), rtol=1e-12)
    delta = rng.standard_normal((m, n))
    back = np.array([[sum(delta[i, j] * w[j, c] for j in range(n)) for c in range(k)] for i in range(m)])
    np.testing.assert_allclose(products.backward(delta, w), back, rtol=1e-12)
    w0 = w.copy()
    products.update(w, delta, a, 0.9)                       # in place
    step = np.array([[sum(delta[i, j] * a[i, c] for i in range(m)) for c in range(k)] for j in range(n)])
    np.testing.assert_allclose(w, 0.9 * w0 - step, rtol=1e-12, atol=1e-15)


def test_cpython_uses_numpy_and_choices_are_checked():
    assert backend.name() == "numpy" and backend.forward is backend.NumpyProducts.forward
    with pytest.raises(ValueError, match="'gpu'"):
        backend.use("gpu")
    with pytest.raises(RuntimeError, match="not installed"):
        backend.use("kernel")
    assert backend.name() == "numpy"


def test_using_restores_the_previous_choice(monkeypatch):
    monkeypatch.setattr(backend, "IN_PYODIDE", True)     # as in the page without the kernel: einsum
    with backend.using("auto") as name:
        assert name == "numpy-einsum" and backend.forward is backend.EinsumProducts.forward
    assert backend.name() == "numpy" and backend.update is backend.NumpyProducts.update


def test_the_network_trains_the_same_through_either_numpy_form(monkeypatch):
    x, y = rng.random((60, 784)), rng.integers(0, 10, 60)
    runs = []
    for products in (backend.NumpyProducts, backend.EinsumProducts):
        monkeypatch.setattr(backend, "IN_PYODIDE", products is backend.EinsumProducts)
        with backend.using("numpy"):
            net = Network([784, 20, 10], seed=2)
            runs.append((net.train(x, y, 2, 10, 0.5, 5.0, eval_data=(x, y)), net))
    (h0, n0), (h1, n1) = runs
    for key in ("train_cost", "eval_cost", "train_accuracy", "eval_accuracy"):
        np.testing.assert_allclose(getattr(h1, key), getattr(h0, key), rtol=1e-9)
    for w1, w0 in zip(n1.weights, n0.weights):
        np.testing.assert_allclose(w1, w0, rtol=0, atol=1e-9)
