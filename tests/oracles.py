"""Independent oracles the tests compare the library with: the network written network2's way, column
vectors one example at a time, from the book's equations with derivatives of its own."""

import numpy as np

# the oracle's own functions and derivatives, written apart from backprop.activations
F = {
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
    "tanh": (np.tanh, lambda z: 1 / np.cosh(z) ** 2),
    "relu": (lambda z: np.where(z > 0, z, 0.0), lambda z: np.where(z > 0, 1.0, 0.0)),
    "identity": (lambda z: z, lambda z: np.ones_like(z)),
}


def softmax_column(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def batch(m=7, n_in=5, n_out=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((m, n_in)), rng.integers(0, n_out, size=m)


def one_hot(y, n):
    out = np.zeros((len(y), n))
    out[np.arange(len(y)), y] = 1.0
    return out


def per_example_gradient(net, x, y, hidden, output, cost, masks=None):
    """network2's way, column vectors one example at a time, for any of the combinations: the oracle.
    ``masks[l]`` (m, n_l), when given, multiplies hidden layer l's output (dropout)."""
    nabla_b = [np.zeros_like(b) for b in net.biases]
    nabla_w = [np.zeros_like(w) for w in net.weights]
    L = len(net.weights)
    for i, (xi, yi) in enumerate(zip(x, one_hot(y, net.sizes[-1]))):
        a, activations, zs = xi[:, None], [xi[:, None]], []
        for l, (w, b) in enumerate(zip(net.weights, net.biases)):
            z = w @ a + b
            zs.append(z)
            if l == L - 1:
                a = softmax_column(z) if output == "softmax" else F[output][0](z)
            else:
                a = F[hidden][0](z)
                if masks is not None:
                    a = a * masks[l][i][:, None]
            activations.append(a)
        yi = yi[:, None]
        if cost == "quadratic":
            delta = (a - yi) * F[output][1](zs[-1])  # BP1 with f′
        else:  # cross-entropy on sigmoid, log-likelihood on softmax: a − y
            delta = a - yi
        for l in range(L - 1, -1, -1):
            nabla_b[l] += delta
            nabla_w[l] += delta @ activations[l].T
            if l:
                error = net.weights[l].T @ delta
                if masks is not None:
                    error = error * masks[l - 1][i][:, None]
                delta = error * F[hidden][1](zs[l - 1])  # BP2
    return nabla_b, nabla_w


def central_difference_errors(net, x, y, h=1e-6):
    """For every weight and bias array of ``net``: (its shape, the relative error between backprop's
    gradient and central differences of the cost, ‖g − n‖ / max(‖g‖, ‖n‖)), entry by entry."""
    t = one_hot(y, net.sizes[-1])
    nabla_b, nabla_w = net.backprop(x, y)
    out = []
    for params, grads in ((net.weights, nabla_w), (net.biases, nabla_b)):
        for p, g in zip(params, grads):
            numeric = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                old = p[idx]
                p[idx] = old + h
                c_plus = net.cost.fn(net.feedforward(x), t)
                p[idx] = old - h
                c_minus = net.cost.fn(net.feedforward(x), t)
                p[idx] = old
                numeric[idx] = (c_plus - c_minus) / (2 * h)
            rel = np.linalg.norm(g - numeric) / max(np.linalg.norm(g), np.linalg.norm(numeric), 1e-12)
            out.append((p.shape, rel))
    return out
