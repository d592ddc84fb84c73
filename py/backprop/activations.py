"""Activation functions as small objects with a fixed interface: ``fn(z)`` and ``prime(z)``.

Only the sigmoid is used by the network (Nielsen's network2 is all-sigmoid); the interface exists so
that the costs and the network name the derivative they need instead of a free function.
"""

import numpy as np


class Sigmoid:
    """σ(z) = 1 / (1 + e^(−z)), computed without overflow for any finite z."""

    @staticmethod
    def fn(z):
        # exp(−|z|) never overflows; choose the algebraically equal form per sign so that
        # large negative z gives a tiny positive value instead of an overflow warning.
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)

    @staticmethod
    def prime(z):
        s = Sigmoid.fn(z)
        return s * (1.0 - s)


def sigmoid(z):
    return Sigmoid.fn(np.asarray(z, dtype=float) if not isinstance(z, np.ndarray) else z)


def sigmoid_prime(z):
    return Sigmoid.prime(np.asarray(z, dtype=float) if not isinstance(z, np.ndarray) else z)
