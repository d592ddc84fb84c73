"""Activation functions as small objects with one interface: ``fn(z)`` and ``f_prime(z, a)``.

``f_prime(z, a)`` is f′(z), elementwise, given both z and the layer's output a = f(z): each function
takes its derivative from whichever is cheaper (σ′ = a(1 − a) and tanh′ = 1 − a² from a, the ReLU
step from z), so backprop never evaluates an exponential twice. ``name`` is what the page, the CLI and
the model files say. Softmax is not elementwise: it is an output layer only, paired with the
log-likelihood cost, whose δ^L = a − y needs no f′ at all (see ``costs``).

``Sigmoid.prime``/``prime_from_output``, ``sigmoid`` and ``sigmoid_prime`` stay: learners' saved lab
code imports them.
"""

import numpy as np


class Sigmoid:
    """σ(z) = 1 / (1 + e^(−z)), without overflow for any finite z."""

    name = "sigmoid"
    # e^(−z) overflows for z below about −709 (float64) or −88 (float32). Flooring z there changes
    # σ by less than the smallest normal number, and keeps numpy silent. Four in-place ufunc calls:
    # this runs for every layer of every mini-batch, where call overhead dominates small matrices.
    _FLOOR = {np.dtype(np.float64): -700.0, np.dtype(np.float32): -80.0}

    @staticmethod
    def fn(z):
        t = np.maximum(z, Sigmoid._FLOOR.get(z.dtype, -700.0))
        np.negative(t, out=t)
        np.exp(t, out=t)
        t += 1.0
        return np.divide(1.0, t, out=t)

    @staticmethod
    def f_prime(z, a):
        """σ′(z) = σ(z)(1 − σ(z)), from a = σ(z)."""
        return a * (1.0 - a)

    @staticmethod
    def prime(z):
        s = Sigmoid.fn(z)
        return s * (1.0 - s)

    @staticmethod
    def prime_from_output(a):
        """σ′(z) = σ(z)(1 − σ(z)): from the stored activation, no second exp in backprop."""
        return a * (1.0 - a)


class Tanh:
    """tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z)): a sigmoid rescaled to (−1, 1)."""

    name = "tanh"

    @staticmethod
    def fn(z):
        return np.tanh(z)

    @staticmethod
    def f_prime(z, a):
        """tanh′(z) = 1 − tanh²(z), from a = tanh(z)."""
        return 1.0 - a * a


class ReLU:
    """max(0, z): rectified linear. Its derivative is the step 1[z > 0] (0 at the kink z = 0)."""

    name = "relu"

    @staticmethod
    def fn(z):
        return np.maximum(z, 0.0)

    @staticmethod
    def f_prime(z, a):
        """The step 1[z > 0], from z: a unit that did not fire passes no gradient back."""
        return (z > 0).astype(z.dtype)


class Identity:
    """f(z) = z: a linear layer (a stack of them is one linear map, whatever its depth)."""

    name = "identity"

    @staticmethod
    def fn(z):
        return z.copy()

    @staticmethod
    def f_prime(z, a):
        return np.ones_like(z)


class Softmax:
    """a_j = e^(z_j) / Σ_k e^(z_k), over each row: outputs that are a probability distribution.

    Computed from z − max(z) (the same value, and e^x never overflows). Not elementwise, so no
    ``f_prime``: with the log-likelihood cost δ^L = a − y (BP1 with the Jacobian folded in)."""

    name = "softmax"
    elementwise = False

    @staticmethod
    def fn(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        e /= e.sum(axis=1, keepdims=True)
        return e


ACTIVATIONS = {f.name: f for f in (Sigmoid, Tanh, ReLU, Identity, Softmax)}
HIDDEN = ("sigmoid", "tanh", "relu", "identity")  # elementwise: any layer; softmax is an output only


def get_activation(activation):
    """An activation object from itself or its name ("relu"), in any letter case."""
    if isinstance(activation, str):
        found = ACTIVATIONS.get(activation.strip().lower())
        if found is not None:
            return found
    elif hasattr(activation, "fn") and hasattr(activation, "name"):
        return activation
    raise ValueError(f"unknown activation {activation!r}: expected one of {', '.join(ACTIVATIONS)}")


def _as_float_array(z):
    z = np.asarray(z)
    return z if np.issubdtype(z.dtype, np.floating) else z.astype(np.float64)


def sigmoid(z):
    return Sigmoid.fn(_as_float_array(z))


def sigmoid_prime(z):
    return Sigmoid.prime(_as_float_array(z))


def relu(z):
    return ReLU.fn(_as_float_array(z))


def tanh(z):
    return Tanh.fn(_as_float_array(z))


def softmax(z):
    """Softmax over the last axis of z (one row (n,) or a batch (m, n))."""
    z = _as_float_array(z)
    return Softmax.fn(z[None, :])[0] if z.ndim == 1 else Softmax.fn(z)
