"""Activation functions as small objects with a fixed interface: ``fn(z)`` and ``prime(z)``.

Only the sigmoid is used by the network (Nielsen's network2 is all-sigmoid); the interface exists so
that the costs and the network name the derivative they need instead of a free function.
"""

import numpy as np


class Sigmoid:
    """σ(z) = 1 / (1 + e^(−z)), without overflow for any finite z."""

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
    def prime(z):
        s = Sigmoid.fn(z)
        return s * (1.0 - s)

    @staticmethod
    def prime_from_output(a):
        """σ′(z) = σ(z)(1 − σ(z)): from the stored activation, no second exp in backprop."""
        return a * (1.0 - a)


def _as_float_array(z):
    z = np.asarray(z)
    return z if np.issubdtype(z.dtype, np.floating) else z.astype(np.float64)


def sigmoid(z):
    return Sigmoid.fn(_as_float_array(z))


def sigmoid_prime(z):
    return Sigmoid.prime(_as_float_array(z))
