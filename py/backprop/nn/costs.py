"""Cost functions as strategy objects, after network2: ``fn(a, y)`` and ``delta(z, a, y)``.

Both work on a whole batch: rows are examples, ``a`` and ``y`` are ``(m, n_out)``. ``fn`` returns the
cost summed over the batch (for one example it is network2's value); ``delta`` is the output error
δ^L = ∂C/∂z^L per example, BP1 of the book, shape ``(m, n_out)``.

Each cost goes with the output layers its δ^L is right for, and ``check_output`` refuses the rest
with the reason: the quadratic cost with any elementwise output (δ^L = (a − y) ⊙ f′(z^L)); the
cross-entropy with sigmoid outputs (σ′ cancels: δ^L = a − y; other outputs can leave (0, 1), where
ln a means nothing); the log-likelihood with softmax outputs (δ^L = a − y again). Softmax with the
other two would need softmax's full Jacobian in BP1: not implemented, so refused.

Two names per cost, one vocabulary for the whole project: ``name`` is what people, the page and the
command line say ("cross-entropy"), the class name is what network2's JSON files say
("CrossEntropyCost"). ``get_cost`` takes either.
"""

import numpy as np

from ..activations import Sigmoid, get_activation


class QuadraticCost:
    name = "quadratic"

    @staticmethod
    def fn(a, y):
        """C = ½‖a − y‖², summed over the batch."""
        return 0.5 * float(np.sum((a - y) ** 2))

    @staticmethod
    def delta(z, a, y, activation=Sigmoid):
        """BP1, δ^L = (a − y) ⊙ f′(z^L): the f′ factor that makes learning slow for saturated outputs.

        f′ is taken from a = f(z) where it can be (σ′ = a(1 − a)), which the caller already has: equal,
        and one exp cheaper.
        """
        return (a - y) * activation.f_prime(z, a)


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
    def delta(z, a, y, activation=Sigmoid):
        """BP1 for cross-entropy with sigmoid outputs: the σ′(z) factor cancels, so δ = a − y."""
        return a - y


class LogLikelihoodCost:
    """C = −ln a_y, the log-likelihood of the right label under softmax outputs (chapter 3)."""

    name = "log-likelihood"

    @staticmethod
    def fn(a, y):
        """C = −Σ ln a_y over the batch (y one-hot: −Σ y ln a). a is clipped to ε below, as in the
        cross-entropy, so that a confidently wrong output costs −ln ε, not infinity."""
        eps = np.finfo(a.dtype).eps if np.issubdtype(a.dtype, np.floating) else np.finfo(float).eps
        return -float(np.sum(y * np.log(np.maximum(a, eps))))

    @staticmethod
    def delta(z, a, y, activation=None):
        """BP1 for softmax outputs: ∂C/∂z_j = Σ_k (∂C/∂a_k)(∂a_k/∂z_j) = a_j − y_j; no f′ factor."""
        return a - y


COSTS = {
    c.name: c for c in (CrossEntropyCost, QuadraticCost, LogLikelihoodCost)
}  # by name: "cross-entropy", "quadratic"
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


# the one output layer each cost's δ^L is written for (None: any elementwise output)
_OUTPUT_OF = {"quadratic": None, "cross-entropy": "sigmoid", "log-likelihood": "softmax"}
_WHY = {
    "cross-entropy": "its δ^L = a − y holds for sigmoid outputs only (σ′ cancels), and other outputs can "
    "leave (0, 1), where ln a means nothing",
    "log-likelihood": "−ln a_y needs outputs that are a probability distribution, which softmax gives",
}


def default_output(cost):
    """The output activation a network gets when only the cost is named: softmax for the
    log-likelihood, sigmoid (network2's) for the others."""
    return "softmax" if cost_name(get_cost(cost)) == "log-likelihood" else "sigmoid"


def check_output(cost, activation):
    """Refuse a cost on an output layer its BP1 is not right for, with the reason (a ValueError)."""
    name, act = cost_name(cost), get_activation(activation).name
    wanted = _OUTPUT_OF.get(name, "sigmoid")  # a cost of someone else's: network2's sigmoid outputs
    if wanted is None and act != "softmax":
        return
    if act == wanted:
        return
    if act == "softmax":
        raise ValueError(
            f"softmax outputs go with the log-likelihood cost, not the {name} cost: with softmax, BP1 for "
            f"the {name} cost needs softmax's whole Jacobian, which this library leaves out"
        )
    why = _WHY.get(name, f"{name} is written for sigmoid outputs")
    raise ValueError(f"the {name} cost needs {wanted} outputs, got {act}: {why}")


def output_delta(cost, activation, z, a, y):
    """BP1 for this cost on this output layer: δ^L = ∂C/∂z^L, (m, n_L). A cost of someone else's
    (network2's interface, sigmoid outputs) is called with (z, a, y) alone."""
    if cost_name(cost) in COSTS:
        return cost.delta(z, a, y, activation)
    return cost.delta(z, a, y)


def cost_name(cost):
    """The name of a cost object (a class of this module, or anything with ``fn`` and ``delta``)."""
    return getattr(cost, "name", None) or getattr(cost, "__name__", type(cost).__name__)
