"""How much the one-matrix-pass mini-batch buys: examples/s of the vectorised trainer against a plain
per-example loop over the same math (network2's way), measured in one run, same data, same start.

    python -m backprop bench [--n 10000] [--dtype float64|float32|both] [--repeats 5]   (see cli.py)

784-30-10, cross-entropy, mini-batches of 10, η = 0.5, λ = 5.0, one epoch over the first n training
images; each figure is the median of ``repeats`` epochs, the two trainers taking turns so that a noisy
neighbour slows both alike. ``run_bench`` returns the figures as a dict (``build.py bench`` calls it).
"""

import os
import statistics
import time

import numpy as np

from ..data import mnist
from ..nn.costs import CrossEntropyCost
from ..nn.network import Network

SIZES = [784, 30, 10]
BATCH_SIZE, ETA, LMBDA, SEED = 10, 0.5, 5.0, 1


# -- the per-example loop: network2's SGD step, column vectors, one example at a time -------------
def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def backprop_one(weights, biases, x, y, cost):
    """Gradient for one example, x (n_in, 1), y (n_out, 1): network2's backprop."""
    activation, activations, zs = x, [x], []
    for w, b in zip(weights, biases):
        z = w @ activation + b
        zs.append(z)
        activation = _sigmoid(z)
        activations.append(activation)
    nabla_b = [None] * len(biases)
    nabla_w = [None] * len(weights)
    delta = cost.delta(zs[-1], activations[-1], y)  # BP1
    nabla_b[-1], nabla_w[-1] = delta, delta @ activations[-2].T  # BP3, BP4
    for l in range(2, len(weights) + 1):
        sp = _sigmoid(zs[-l]) * (1 - _sigmoid(zs[-l]))
        delta = (weights[-l + 1].T @ delta) * sp  # BP2
        nabla_b[-l], nabla_w[-l] = delta, delta @ activations[-l - 1].T
    return nabla_b, nabla_w


def loop_update(weights, biases, xs, ys, eta, lmbda, n, cost):
    """One SGD step summing per-example gradients in a Python loop; returns new (weights, biases)."""
    nabla_b = [np.zeros_like(b) for b in biases]
    nabla_w = [np.zeros_like(w) for w in weights]
    for x, y in zip(xs, ys):
        delta_b, delta_w = backprop_one(weights, biases, x, y, cost)
        nabla_b = [nb + d for nb, d in zip(nabla_b, delta_b)]
        nabla_w = [nw + d for nw, d in zip(nabla_w, delta_w)]
    m = len(xs)
    weights = [(1 - eta * lmbda / n) * w - (eta / m) * nw for w, nw in zip(weights, nabla_w)]
    biases = [b - (eta / m) * nb for b, nb in zip(biases, nabla_b)]
    return weights, biases


def loop_epoch(net, columns, targets, batch_size, eta, lmbda, rng):
    """One epoch of the per-example trainer on data already in network2's column format."""
    n = len(columns)
    weights, biases = [w.copy() for w in net.weights], [b.copy() for b in net.biases]
    order = rng.permutation(n)
    for k in range(0, n, batch_size):
        idx = order[k : k + batch_size]
        weights, biases = loop_update(weights, biases, columns[idx], targets[idx], eta, lmbda, n, net.cost)
    return weights, biases


# -- data -----------------------------------------------------------------------------------------------
def load_first(n, directory=None, subset=None):
    """The first n training images (uint8) and labels: MNIST (directory > MNIST_DIR) or, failing that,
    the page's ``subset`` file when one is named (build.py names the committed one: the same first
    10,000 images), else a download."""
    if directory is None and not os.environ.get("MNIST_DIR") and subset is not None:
        s = mnist.read_subset(subset)
        if n <= len(s["x_train"]):
            return s["x_train"][:n], s["y_train"][:n].astype(np.int64), f"{os.path.basename(subset)} (first {n})"
    (x, y), _, _ = mnist.load_data(directory, dtype=np.uint8)
    if n > len(x):
        raise ValueError(f"--n {n} is more than the {len(x)} training images")
    return x[:n], y[:n], f"MNIST training images (first {n})"


def blas_info():
    try:
        from threadpoolctl import threadpool_info

        return ", ".join(
            f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} {i.get('num_threads')} threads"
            for i in threadpool_info()
            if i.get("user_api") == "blas"
        )
    except ImportError:
        return "threadpoolctl not installed"


# -- the measurement ------------------------------------------------------------------------------------
def measure(x8, y, dtype, repeats=5, log=print):
    dtype = np.dtype(dtype)
    x = x8.astype(dtype) / dtype.type(255)
    n = len(x)
    one_hot = np.eye(10, dtype=dtype)[y]
    columns, targets = x[:, :, None], one_hot[:, :, None]  # network2's format, made once, outside the clock

    # same math: one mini-batch from the same start, both ways
    a, b = (
        Network(SIZES, CrossEntropyCost, seed=SEED, dtype=dtype),
        Network(SIZES, CrossEntropyCost, seed=SEED, dtype=dtype),
    )
    a.update_mini_batch(x[:BATCH_SIZE], y[:BATCH_SIZE], ETA, LMBDA, n)
    w_loop, b_loop = loop_update(b.weights, b.biases, columns[:BATCH_SIZE], targets[:BATCH_SIZE], ETA, LMBDA, n, b.cost)
    diff = max(float(np.max(np.abs(p - q))) for p, q in zip(a.weights + a.biases, w_loop + b_loop))

    vec, loop = [], []
    with np.errstate(over="ignore"):  # network2's plain sigmoid may overflow exp for very negative z
        # untimed warm-up of both paths (first-touch page faults, BLAS thread start-up)
        Network(SIZES, CrossEntropyCost, seed=SEED, dtype=dtype).train(
            x[:1000],
            y[:1000],
            1,
            BATCH_SIZE,
            ETA,
            LMBDA,
            monitor_train_cost=False,
            monitor_train_accuracy=False,
            monitor_eval_cost=False,
            monitor_eval_accuracy=False,
        )
        loop_epoch(b, columns[:1000], targets[:1000], BATCH_SIZE, ETA, LMBDA, np.random.default_rng(0))
        for r in range(repeats):
            net = Network(SIZES, CrossEntropyCost, seed=SEED, dtype=dtype)
            t = time.perf_counter()
            net.train(
                x,
                y,
                1,
                BATCH_SIZE,
                ETA,
                LMBDA,
                monitor_train_cost=False,
                monitor_train_accuracy=False,
                monitor_eval_cost=False,
                monitor_eval_accuracy=False,
            )
            vec.append(n / (time.perf_counter() - t))
            net = Network(SIZES, CrossEntropyCost, seed=SEED, dtype=dtype)
            t = time.perf_counter()
            loop_epoch(net, columns, targets, BATCH_SIZE, ETA, LMBDA, np.random.default_rng(r))
            loop.append(n / (time.perf_counter() - t))
    result = dict(
        vectorised_examples_per_s=statistics.median(vec),
        loop_examples_per_s=statistics.median(loop),
        vectorised_runs=vec,
        loop_runs=loop,
        max_abs_diff_one_step=diff,
    )
    result["ratio"] = result["vectorised_examples_per_s"] / result["loop_examples_per_s"]
    # each vectorised epoch against the loop epoch right after it: robust to a neighbour's bursts
    result["paired_ratio"] = statistics.median(v / l for v, l in zip(vec, loop))
    log(
        f"{dtype.name:>8}: vectorised {result['vectorised_examples_per_s']:>10,.0f} ex/s | per-example loop "
        f"{result['loop_examples_per_s']:>8,.0f} ex/s | ratio {result['ratio']:5.1f}x "
        f"(median of paired runs {result['paired_ratio']:.1f}x)   "
        f"(one-step max |diff| {diff:.1e}; runs vec {', '.join(f'{v:,.0f}' for v in vec)}; "
        f"loop {', '.join(f'{v:,.0f}' for v in loop)})"
    )
    return result


def run_bench(n=10000, dtypes=("float64", "float32"), repeats=5, directory=None, subset=None, log=print):
    """Measure and print; returns {"n", "sizes", "batch_size", "data", "blas", "results": {dtype: {...}}}."""
    x8, y, source = load_first(n, directory, subset)
    info = blas_info()
    log(
        f"bench: {'-'.join(map(str, SIZES))}, batch {BATCH_SIZE}, eta {ETA}, lmbda {LMBDA}, one epoch over "
        f"{source}; median of {repeats}; numpy {np.__version__}; BLAS: {info}; "
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}"
    )
    results = {d: measure(x8, y, d, repeats, log) for d in dtypes}
    return dict(
        n=n,
        sizes=SIZES,
        batch_size=BATCH_SIZE,
        eta=ETA,
        lmbda=LMBDA,
        repeats=repeats,
        data=source,
        blas=info,
        numpy=np.__version__,
        results=results,
    )
