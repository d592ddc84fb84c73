"""The WebAssembly kernel against numpy, inside Pyodide with the kernel installed (Node or Chromium).

Plain asserts, one line per failure, a closing "N checks ok, 0 failed". The oracle is numpy in float64
on the same values; the bound is relative to the sum of the products' magnitudes, |A|·|B|ᵀ, which is
what any order of summation is held to (1e-12 in float64, 1e-5 in float32). Every shape class the
kernel's loops meet: tails in every dimension (m, n, k around the block and vector sizes), m = 1,
rows with a stride (views into wider arrays, δᵀ of a column slice), odd addresses. The kernel writes
through raw addresses, so the checks also guard the memory around every output.
"""

import itertools

import numpy as np

import backprop
from backprop import Network
from backprop.nn import backend
from backprop.nn.sgd import Diverged
from expect import check, report

RTOL = {np.float64: 1e-12, np.float32: 1e-5}
M = (1, 2, 3, 10)
N = (1, 3, 4, 5, 9, 37)
K = (1, 3, 4, 5, 9, 17, 37, 784)
rng = np.random.default_rng(2024)


def operand(rows, cols, dtype, strided):
    """A (rows, cols) array; strided: a view into a wider one, starting one element in."""
    if not strided:
        return rng.standard_normal((rows, cols)).astype(dtype)
    wide = rng.standard_normal((rows, cols + 3)).astype(dtype)
    return wide[:, 1 : cols + 1]


def close(got, ref, scale, dtype):
    err = np.abs(got.astype(np.float64) - ref)
    return bool(np.all(err <= RTOL[dtype] * scale + 1e-300)), float(np.max(err / (scale + 1e-300), initial=0))


assert backend.use("kernel") == "wasm-simd", backend.name()
kernel = backend._active

for dtype in (np.float64, np.float32):
    f64 = lambda x: x.astype(np.float64)
    nt, nn, tn = kernel.fns[np.dtype(dtype)]
    for m, n, k in itertools.product(M, N, K):
        strided = (m + n + k) % 2 == 1
        tag = f"{np.dtype(dtype).name} m={m} n={n} k={k}{' strided' if strided else ''}"

        # forward: z = a·wᵀ + bᵀ, through the seam
        a, w, b = operand(m, k, dtype, strided), operand(n, k, dtype, strided), operand(n, 1, dtype, False)
        z = backend.forward(a, w, b)
        ok, rel = close(z, f64(a) @ f64(w).T + f64(b).T, np.abs(f64(a)) @ np.abs(f64(w)).T + np.abs(f64(b)).T, dtype)
        check(f"forward {tag}", ok and z.dtype == dtype and z.shape == (m, n), f"rel {rel:.2e}")

        # backward: δ·w, through the seam, and the raw kernel into a guarded buffer
        d, w2 = operand(m, n, dtype, strided), operand(n, k, dtype, strided)
        out = backend.backward(d, w2)
        ref, scale = f64(d) @ f64(w2), np.abs(f64(d)) @ np.abs(f64(w2))
        ok, rel = close(out, ref, scale, dtype)
        check(f"backward {tag}", ok and out.shape == (m, k), f"rel {rel:.2e}")
        guarded = np.full((m + 2, k + 4), 7.0, dtype)
        inner = guarded[1 : m + 1, 2 : k + 2]
        nn(
            d.ctypes.data,
            d.strides[0] // d.itemsize,
            w2.ctypes.data,
            w2.strides[0] // w2.itemsize,
            inner.ctypes.data,
            guarded.shape[1],
            m,
            k,
            n,
        )
        ok, rel = close(inner, ref, scale, dtype)
        rest = guarded.copy()
        rest[1 : m + 1, 2 : k + 2] = 7.0
        check(f"raw nn into a guarded buffer {tag}", ok and bool(np.all(rest == 7.0)), f"rel {rel:.2e}")

        # update: w ← decay·w − δᵀ·a, in place, inside a guarded buffer; δᵀ read with a stride
        delta, a2 = operand(m, n, dtype, strided), operand(m, k, dtype, not strided)
        decay = 0.999
        guarded = np.full((n + 2, k + 4), 7.0, dtype)
        w3 = guarded[1 : n + 1, 2 : k + 2]
        w3[...] = rng.standard_normal((n, k))
        before = f64(w3)
        backend.update(w3, delta, a2, decay)
        ref = np.float64(dtype(decay)) * before - f64(delta).T @ f64(a2)
        scale = np.abs(before) + np.abs(f64(delta)).T @ np.abs(f64(a2))
        ok, rel = close(w3, ref, scale, dtype)
        rest = guarded.copy()
        rest[1 : n + 1, 2 : k + 2] = 7.0
        check(f"update {tag}", ok and bool(np.all(rest == 7.0)), f"rel {rel:.2e}")

    # the raw forward kernel into a guarded buffer, one shape with every tail
    m, n, k = 3, 9, 37
    a, w, b = operand(m, k, dtype, True), operand(n, k, dtype, True), operand(n, 1, dtype, False)
    guarded = np.full((m + 2, n + 4), 7.0, dtype)
    inner = guarded[1 : m + 1, 2 : n + 2]
    nt(
        a.ctypes.data,
        a.strides[0] // a.itemsize,
        w.ctypes.data,
        w.strides[0] // w.itemsize,
        inner.ctypes.data,
        guarded.shape[1],
        m,
        n,
        k,
        b.ctypes.data,
    )
    ok, _ = close(inner, f64(a) @ f64(w).T + f64(b).T, np.abs(f64(a)) @ np.abs(f64(w)).T + np.abs(f64(b)).T, dtype)
    rest = guarded.copy()
    rest[1 : m + 1, 2 : n + 2] = 7.0
    check(f"raw nt into a guarded buffer {np.dtype(dtype).name}", ok and bool(np.all(rest == 7.0)))

# what the kernel cannot take goes to numpy, with numpy's answer
x = rng.standard_normal((4, 20))
w = rng.standard_normal((6, 10))
b = rng.standard_normal((6, 1))
check("columns with a stride fall back", np.allclose(backend.forward(x[:, ::2], w, b), x[:, ::2] @ w.T + b.T))
check(
    "mixed dtypes fall back",
    np.allclose(backend.forward(x[:, :10].astype(np.float32), w, b), x[:, :10] @ w.T + b.T, rtol=1e-5),
)
check(
    "integers fall back",
    np.array_equal(backend.backward(np.ones((2, 6), np.int64), np.ones((6, 3), np.int64)), np.full((2, 3), 6)),
)
try:
    backend.forward(x, w, b)  # k = 20 against w's 10: numpy's own error, nothing written
    check("mismatched shapes raise", False)
except ValueError:
    check("mismatched shapes raise", True)

# a training run with the kernel is the numpy run, to 1e-9 in float64 (and close in float32): the
# products alone in the kernel, and the whole step (js/sgd-step.js), under both costs, with a last
# mini-batch shorter than the others (305 = 30 × 10 + 5)
xs, ys = rng.random((305, 784)), rng.integers(0, 10, 305)
xe, ye = rng.random((50, 784)), rng.integers(0, 10, 50)


def kernel_run(whole_step):
    backend.use("kernel")
    kernel = backend._active
    if not whole_step:
        kernel.steps = dict.fromkeys(kernel.steps)  # products only
    calls = []
    for dtype, step in list(kernel.steps.items()):
        if step is not None:
            kernel.steps[dtype] = lambda *args, step=step: calls.append(1) or step(*args)
    return calls


for cost in ("cross-entropy", "quadratic"):
    for dtype, tol in ((np.float64, 1e-9), (np.float32, 1e-4)):
        runs = {}
        for how in ("numpy", "products", "whole step"):
            calls = [] if how == "numpy" else kernel_run(how == "whole step")
            if how == "numpy":
                backend.use("numpy")
            net = Network([784, 30, 20, 10], cost=cost, seed=5, dtype=dtype)
            h = net.train(xs, ys, 3, 10, 0.5, 5.0, eval_data=(xe, ye))
            runs[how] = (h, net)
            check(
                f"{how} {cost} {np.dtype(dtype).name}: the whole step ran {len(calls)} times",
                len(calls) == (93 if how == "whole step" else 0),
            )
        h0, n0 = runs["numpy"]
        for how in ("products", "whole step"):
            h1, n1 = runs[how]
            curves = ("train_cost", "train_accuracy", "eval_cost", "eval_accuracy")
            same = all(np.allclose(getattr(h1, c), getattr(h0, c), rtol=tol, atol=0) for c in curves)
            worst = max(float(np.max(np.abs(np.subtract(getattr(h1, c), getattr(h0, c))))) for c in curves)
            check(
                f"training history {how} {cost} {np.dtype(dtype).name}: kernel equals numpy to {tol}",
                same,
                f"worst {worst:.2e}",
            )
            check(
                f"weights and biases after training {how} {cost} {np.dtype(dtype).name}",
                all(np.allclose(w1, w0, rtol=0, atol=100 * tol) for w1, w0 in zip(n1.weights, n0.weights))
                and all(np.allclose(b1, b0, rtol=0, atol=100 * tol) for b1, b0 in zip(n1.biases, n0.biases)),
            )

# the new layers: the whole step takes every activation, softmax + log-likelihood, L1 and momentum;
# dropout's masks come from numpy's generator, so its steps are the kernel's products around numpy's step.
# Either way the same run as numpy's, momentum's velocities included.
LAYERED = [
    ("relu-softmax", dict(activation="relu", output="softmax", cost="log-likelihood", weight_init="he"), {}),
    ("tanh quadratic", dict(activation="tanh", cost="quadratic"), {}),
    ("identity cross-entropy L1", dict(activation="identity"), dict(regularization="l1", eta=0.01)),
    ("tanh momentum", dict(activation="tanh"), dict(momentum=0.9)),
    ("sigmoid L1 momentum", {}, dict(regularization="l1", momentum=0.5)),
    ("relu-softmax L2 momentum", dict(activation="relu", output="softmax", cost="log-likelihood"), dict(momentum=0.9)),
    ("tanh dropout momentum", dict(activation="tanh"), dict(dropout=0.3, momentum=0.9)),
    (
        "relu dropout L1 momentum",
        dict(activation="relu", output="softmax", cost="log-likelihood"),
        dict(dropout=0.5, momentum=0.5, regularization="l1"),
    ),
]
for name, layers, rule in LAYERED:
    for dtype, tol in ((np.float64, 1e-9), (np.float32, 1e-4)):
        runs = {}
        for how in ("numpy", "kernel"):
            calls = kernel_run(True) if how == "kernel" else []
            if how == "numpy":
                backend.use("numpy")
            net = Network([784, 30, 20, 10], seed=5, dtype=dtype, **layers)
            options = {"eta": 0.1, **rule}
            h = net.train(xs, ys, 2, 10, lmbda=5.0, eval_data=(xe, ye), **options)
            runs[how] = (h, net)
            if how == "kernel":
                want = "products" if rule.get("dropout") else "whole step"  # dropout: numpy draws the masks
                check(
                    f"{name} {np.dtype(dtype).name}: {want} ran",
                    net.step_path == want and len(calls) == (0 if rule.get("dropout") else 62),
                    f"{net.step_path}, {len(calls)} whole steps",
                )
        (h0, n0), (h1, n1) = runs["numpy"], runs["kernel"]
        check(
            f"{name} {np.dtype(dtype).name}: the kernel's run equals numpy's to {tol}",
            np.allclose(h1.eval_cost, h0.eval_cost, rtol=tol, atol=0)
            and np.allclose(h1.train_cost, h0.train_cost, rtol=tol, atol=0)
            and all(np.allclose(w1, w0, rtol=0, atol=100 * tol) for w1, w0 in zip(n1.weights, n0.weights))
            and all(np.allclose(b1, b0, rtol=0, atol=100 * tol) for b1, b0 in zip(n1.biases, n0.biases)),
            f"eval costs {h0.eval_cost} and {h1.eval_cost}",
        )

# chapter 6's layers: the convolution's im2col product and the dense layers' go through the kernel
# (the whole step is for dense networks only), the same run as numpy's
L = backprop.layers
runs = {}
for how in ("numpy", "kernel"):
    calls = kernel_run(True) if how == "kernel" else []
    if how == "numpy":
        backend.use("numpy")
    stack = [L.Conv2D(4, 5, activation="relu"), L.MaxPool2D(2), L.Dense(10, activation="softmax")]
    net = Network.stack(stack, input_shape=(1, 28, 28), cost="log-likelihood", seed=2)
    h = net.train(xs[:100], ys[:100], 2, 10, 0.1, eval_data=(xe, ye), momentum=0.5)
    runs[how] = (h, net)
    if how == "kernel":
        check("conv: the products ran, not the whole step", not calls and net.step_path == "products")
(h0, n0), (h1, n1) = runs["numpy"], runs["kernel"]
check(
    "conv: the kernel's run equals numpy's to 1e-9",
    np.allclose(h1.eval_cost, h0.eval_cost, rtol=1e-9, atol=0)
    and all(np.allclose(w1, w0, rtol=0, atol=1e-7) for w1, w0 in zip(n1.weights, n0.weights)),
    f"eval costs {h0.eval_cost} and {h1.eval_cost}",
)

# a run that diverges stops at the same batch, for the same reason, either way
where = {}
for how in ("numpy", "whole step"):
    if how == "numpy":
        backend.use("numpy")
    else:
        kernel_run(True)
    net = Network([784, 30, 10], cost="cross-entropy", seed=3)
    try:
        with np.errstate(all="ignore"):
            net.train(xs, ys, 2, 10, 1e300)  # δ·W overflows in the second batch
    except Diverged as e:
        where[how] = (e.what, e.epoch, e.batch)
check(f"divergence: both stop, at the same place {where}", len(where) == 2 and where["numpy"] == where["whole step"])
backend.use("auto")
check("auto has the whole step", all(step is not None for step in backend._active.steps.values()))
backend.use("auto")
check("auto picks the installed kernel", backend.name() == "wasm-simd")

report()
