"""backprop.backend in CPython: the seam's contract, for the numpy and einsum implementations.

The WebAssembly kernel behind the same seam is checked in Pyodide (tests/test_pyodide.py) and in
Chromium (tests/e2e/test_kernel.py) by tests/pyodide/kernel_in_pyodide.py.
"""

import numpy as np
import pytest

from backprop import Network
from backprop.nn import backend

rng = np.random.default_rng(11)


def loops_forward(a, w, b):
    """The oracle: the book's z_j = Σ_k w_jk a_k + b_j, one example and one neuron at a time."""
    return np.array(
        [
            [sum(w[j, k] * a[i, k] for k in range(a.shape[1])) + b[j, 0] for j in range(w.shape[0])]
            for i in range(a.shape[0])
        ]
    )


@pytest.mark.parametrize("products", [backend.NumpyProducts, backend.EinsumProducts])
@pytest.mark.parametrize("m, n, k", [(1, 1, 1), (3, 5, 7), (10, 4, 9)])
def test_the_three_products(products, m, n, k):
    a, w, b = rng.standard_normal((m, k)), rng.standard_normal((n, k)), rng.standard_normal((n, 1))
    np.testing.assert_allclose(products.forward(a, w, b), loops_forward(a, w, b), rtol=1e-12)
    delta = rng.standard_normal((m, n))
    back = np.array([[sum(delta[i, j] * w[j, c] for j in range(n)) for c in range(k)] for i in range(m)])
    np.testing.assert_allclose(products.backward(delta, w), back, rtol=1e-12)
    w0 = w.copy()
    products.update(w, delta, a, 0.9)  # in place
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
    monkeypatch.setattr(backend, "IN_PYODIDE", True)  # as in the page without the kernel: einsum
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


def test_the_numpy_forms_leave_the_whole_step_to_the_network():
    assert backend.sgd_step([], [], None, None, 0.1, 1.0, "cross-entropy") is None
    assert backend.EinsumProducts.sgd_step([], [], None, None, 0.1, 1.0, "quadratic") is None


class FakeKernel:
    """Stands in for the page's module (products and whole steps), recording what sgd_step is given."""

    def __init__(self):
        self.calls, self.rules = [], []
        for t in ("f64", "f32"):
            for p in ("nt", "nn", "tn_update"):
                setattr(self, f"gemm_{p}_{t}", lambda *args: None)
            setattr(self, f"sgd_step_{t}", self.step)

    def step(self, plan, x, y, m, scale, decay, quadratic, l1=0.0, l2=0.0, mu=0.0):
        self.calls.append((plan, x, y, m, scale, decay, quadratic))
        self.rules.append((l1, l2, mu))
        return 1.5


def read_plan(address, count):
    import ctypes

    return list((ctypes.c_int64 * count).from_address(address))


def test_the_whole_step_is_given_a_plan_of_every_array_it_touches(monkeypatch):
    # 64-bit CPython addresses: the plan in int64 here (wasm32's int32 layout is checked in Pyodide)
    monkeypatch.setattr(backend.KernelProducts, "PLAN", np.int64)
    kernel = backend.KernelProducts(FakeKernel(), fallback=backend.NumpyProducts)
    net = Network([784, 20, 10], seed=1)
    x, y = np.zeros((10, 784)), np.zeros((10, 10))
    addr = lambda a: a.__array_interface__["data"][0]
    assert kernel.sgd_step(net.weights, net.biases, x, y, 0.05, 0.999, "quadratic") == 1.5
    calls = kernel.steps[np.dtype(np.float64)].__self__.calls
    plan, X, Y, m, scale, decay, quadratic = calls[-1]
    assert (X, Y, m, scale, decay, quadratic) == (addr(x), addr(y), 10, 0.05, 0.999, True)
    entries = read_plan(plan, 1 + 3 + 2 * 8)
    assert entries[:4] == [2, 784, 20, 10]
    layers = [entries[4:12], entries[12:20]]
    scratch = kernel._plan[5]
    for l, (w, b, a, delta, total, f, v_w, v_b) in enumerate(layers):
        assert (w, b) == (addr(net.weights[l]), addr(net.biases[l]))
        assert (a, delta, total) == tuple(map(addr, scratch[l]))
        assert scratch[l][0].shape == scratch[l][1].shape == (10, net.sizes[l + 1])
        assert (f, v_w, v_b) == (backend.STEP_ACTIVATIONS["sigmoid"], 0, 0)  # no momentum: no velocities
    kernel.sgd_step(net.weights, net.biases, x[:5], y[:5], 0.1, 1.0, "cross-entropy")  # a shorter batch: same plan
    assert calls[-1][0] == plan
    net.weights[0] = net.weights[0].copy()  # new arrays: a new plan
    kernel.sgd_step(net.weights, net.biases, x, y, 0.1, 1.0, "cross-entropy")
    assert calls[-1][0] != plan and read_plan(calls[-1][0], 5)[4] == addr(net.weights[0])


def test_the_whole_step_takes_each_layers_activation_and_momentums_velocities(monkeypatch):
    monkeypatch.setattr(backend.KernelProducts, "PLAN", np.int64)
    kernel = backend.KernelProducts(FakeKernel(), fallback=backend.NumpyProducts)
    net = Network([784, 20, 10], activation="relu", cost="log-likelihood", seed=1)
    x, y = np.zeros((10, 784)), np.zeros((10, 10))
    v_w, v_b = [np.zeros_like(w) for w in net.weights], [np.zeros_like(b) for b in net.biases]
    acts = ["relu", "softmax"]
    args = (net.weights, net.biases, x, y, 0.05, 1.0, "log-likelihood", acts, 0.001, 0.0, 0.9, (v_w, v_b))
    assert kernel.sgd_step(*args) == 1.5
    fake = kernel.steps[np.dtype(np.float64)].__self__
    entries = read_plan(fake.calls[-1][0], 1 + 3 + 2 * 8)
    addr = lambda a: a.__array_interface__["data"][0]
    assert [entries[4 + 5], entries[12 + 5]] == [backend.STEP_ACTIVATIONS[a] for a in acts]
    assert entries[10:12] == [addr(v_w[0]), addr(v_b[0])] and entries[18:20] == [addr(v_w[1]), addr(v_b[1])]
    assert fake.rules[-1] == (0.001, 0.0, 0.9)
    # softmax only as the output and only with the log-likelihood; momentum needs its velocities
    refused = [
        (["softmax", "softmax"], "log-likelihood", 0.0, None),
        (["relu", "sigmoid"], "log-likelihood", 0.0, None),
        (["relu", "softmax"], "cross-entropy", 0.0, None),
        (["relu", "softmax"], "log-likelihood", 0.9, None),
        (["relu", "maxout"], "cross-entropy", 0.0, None),
    ]
    for acts, cost, mu, vs in refused:
        n = len(fake.calls)
        assert kernel.sgd_step(net.weights, net.biases, x, y, 0.05, 1.0, cost, acts, 0.0, 0.0, mu, vs) is None
        assert len(fake.calls) == n, (acts, cost, mu)


@pytest.mark.parametrize("change", ["cost", "dtype", "strided x", "y shape", "read-only weights"])
def test_what_the_whole_step_cannot_take_is_left_to_numpy(change):
    fake = FakeKernel()
    kernel = backend.KernelProducts(fake, fallback=backend.NumpyProducts)
    net = Network([784, 20, 10], seed=1)
    x, y, cost = np.zeros((10, 784)), np.zeros((10, 10)), "cross-entropy"
    if change == "cost":
        cost = None  # a cost whose BP1 the step does not know
    elif change == "dtype":
        y = y.astype(np.float32)
    elif change == "strided x":
        x = np.zeros((10, 1568))[:, ::2]
    elif change == "y shape":
        y = np.zeros((10, 9))
    else:
        net.weights[1].flags.writeable = False
    assert kernel.sgd_step(net.weights, net.biases, x, y, 0.1, 1.0, cost) is None and fake.calls == []
