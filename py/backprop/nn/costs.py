"""Cost functions as strategy objects, after network2: ``fn(a, y)`` and ``delta(z, a, y)``.

Both work on a whole batch: rows are examples, ``a`` and ``y`` are ``(m, n_out)``. ``fn`` returns the
cost summed over the batch (for one example it is network2's value); ``delta`` is the output error
δ^L = ∂C/∂z^L per example, BP1 of the book, shape ``(m, n_out)``.

Two names per cost, one vocabulary for the whole project: ``name`` is what people, the page and the
command line say ("cross-entropy"), the class name is what network2's JSON files say
("CrossEntropyCost"). ``get_cost`` takes either.
"""

import numpy as np

from ..activations import Sigmoid


class QuadraticCost:
    name = "quadratic"

    @staticmethod
    def fn(a, y):
        """C = ½‖a − y‖², summed over the batch."""
        return 0.5 * float(np.sum((a - y) ** 2))

    @staticmethod
    def delta(z, a, y):
        """BP1 with the σ′(z) factor that makes learning slow for saturated outputs.

        σ′(z) is taken from a = σ(z), which the caller already has: equal, and one exp cheaper.
        """
        return (a - y) * Sigmoid.prime_from_output(a)


class CrossEntropyCost:
    name = "cross-entropy"

    @staticmethod
    def fn(a, y):
        """C = −Σ [y ln a + (1 − y) ln(1 − a)], summed over the batch.

        A saturated sigmoid gives a == 0 or a == 1 exactly, where ln would return −inf and 0·(−inf) NaN
        (network2 hides that with nan_to_num, after numpy has warned). Clipping a to [ε, 1 − ε] keeps
        every term finite and silent; the price is that one output's cost is capped at −ln ε ≈ 36 in
        float64, far above anything a trained network reaches.
        """
        eps = np.finfo(a.dtype).eps if np.issubdtype(a.dtype, np.floating) else np.finfo(float).eps
        a = np.clip(a, eps, 1.0 - eps)
        return -float(np.sum(y * np.log(a) + (1.0 - y) * np.log1p(-a)))

    @staticmethod
    def delta(z, a, y):
        """BP1 for cross-entropy: the σ′(z) factor cancels, so δ = a − y."""
        return a - y


COSTS = {c.name: c for c in (CrossEntropyCost, QuadraticCost)}  # by name: "cross-entropy", "quadratic"
BY_CLASS_NAME = {c.__name__: c for c in COSTS.values()}  # as network2's JSON names them


def get_cost(cost):
    """A cost object from itself, its name ("cross-entropy") or its class name (network2's JSON), in
    any letter case."""
    if isinstance(cost, str):
        by_lower = {k.lower(): c for k, c in (*COSTS.items(), *BY_CLASS_NAME.items())}
        found = by_lower.get(cost.strip().lower())
        if found is not None:
            return found
    elif hasattr(cost, "fn") and hasattr(cost, "delta"):
        return cost
    raise ValueError(
        f"unknown cost {cost!r}: expected one of {', '.join(COSTS)} (or network2's {', '.join(BY_CLASS_NAME)})"
    )


def cost_name(cost):
    """The name of a cost object (a class of this module, or anything with ``fn`` and ``delta``)."""
    return getattr(cost, "name", None) or getattr(cost, "__name__", type(cost).__name__)
