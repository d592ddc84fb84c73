"""A feed-forward network of sigmoid layers: its parameters, forward and backward passes, evaluation
and network2's JSON; how it learns (mini-batch SGD with L2 weight decay) is ``sgd.py``'s.

After Nielsen's network2.py, with three changes: a mini-batch is one matrix pass (rows are examples,
no Python loop over them), all randomness comes from the network's own ``numpy.random.Generator``, and
models are JSON only (see ``model_io``). What it leaves out: other activations, momentum, dropout,
softmax outputs, early stopping — the book's chapter 3 network, nothing more.

Shapes: a batch ``x`` is ``(m, n_in)``; ``weights[l]`` is ``(n_out, n_in)`` so that the book's w^l_jk is
``weights[l][j, k]``; ``biases[l]`` is ``(n_out, 1)``. Equations are tagged with the book's BP1–BP4.
"""

import json
import math

import numpy as np

from ..activations import Sigmoid
from ..fileio import write_atomically
from . import backend, validate
from .costs import CrossEntropyCost, get_cost
from .sgd import SGD

# the weight initialisations: name -> (what it draws, a one-line account); the page's form lists the names
WEIGHT_INITS = {
    "default": "weights N(0, 1/n_in), so that z stays O(1) and the sigmoids start unsaturated; biases N(0, 1)",
    "large": "weights and biases N(0, 1): chapter 1's initialisation, kept to compare against",
}


class Network(SGD):
    def __init__(self, sizes, cost=CrossEntropyCost, seed=None, weight_init="default", dtype=np.float64):
        self._setup(validate.sizes(sizes), cost, dtype, np.random.default_rng(seed))
        if weight_init not in WEIGHT_INITS:
            raise ValueError(f"weight_init must be one of {', '.join(WEIGHT_INITS)}, got {weight_init!r}")
        if weight_init == "default":
            self.default_weight_initializer()
        else:
            self.large_weight_initializer()

    def _setup(self, sizes, cost, dtype, rng):
        self.sizes = sizes
        self.num_layers = len(sizes)
        self.cost = get_cost(cost)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
        self.rng = rng

    @classmethod
    def from_params(cls, weights, biases, cost=CrossEntropyCost, dtype=None, seed=None):
        """A network with these weights (n_out, n_in) and biases (n_out, 1), copied; no random start is
        drawn. ``dtype`` defaults to the weights' own (float64 for anything but float32)."""
        weights, biases = list(weights), list(biases)
        if not weights or len(weights) != len(biases):
            raise ValueError(
                f"expected as many bias arrays as weight arrays, at least one each; got "
                f"{len(weights)} and {len(biases)}"
            )
        weights = [np.asarray(w) for w in weights]
        for l, w in enumerate(weights):
            if w.ndim != 2:
                raise ValueError(f"weights[{l}] must be a matrix (n_out, n_in), got shape {w.shape}")
        if dtype is None:
            dtype = np.float32 if all(w.dtype == np.float32 for w in weights) else np.float64
        sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]  # weights[l] is checked against them
        net = cls.__new__(cls)
        net._setup(validate.sizes(sizes), cost, dtype, np.random.default_rng(seed))
        net.weights = [
            validate.array(f"weights[{l}]", w, (n_out, n_in), net.dtype)
            for l, (w, n_in, n_out) in enumerate(zip(weights, sizes[:-1], sizes[1:]))
        ]
        net.biases = [
            validate.array(f"biases[{l}]", b, (n_out, 1), net.dtype)
            for l, (b, n_out) in enumerate(zip(biases, sizes[1:]))
        ]
        return net

    def copy(self, dtype=None):
        """An independent copy: the same weights, biases, cost and generator state (so a copy trains
        on exactly as the original would); ``dtype`` converts the copy's parameters."""
        net = Network.from_params(self.weights, self.biases, self.cost, dtype or self.dtype)
        state = self.rng.bit_generator.state
        net.rng = np.random.Generator(type(self.rng.bit_generator)())
        net.rng.bit_generator.state = state
        return net

    # -- initialisation -------------------------------------------------------------------------
    def default_weight_initializer(self):
        """Weights N(0, 1/n_in), so that z stays O(1) and the sigmoids start unsaturated; biases N(0, 1)."""
        self.biases = [self.rng.standard_normal((n, 1)).astype(self.dtype) for n in self.sizes[1:]]
        self.weights = [
            (self.rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)).astype(self.dtype)
            for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:])
        ]

    def large_weight_initializer(self):
        """Weights and biases N(0, 1): chapter 1's initialisation, kept to compare against."""
        self.biases = [self.rng.standard_normal((n, 1)).astype(self.dtype) for n in self.sizes[1:]]
        self.weights = [
            self.rng.standard_normal((n_out, n_in)).astype(self.dtype)
            for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:])
        ]

    # -- forward and backward -------------------------------------------------------------------
    def _layers(self, a):
        """Each layer's (z, a) in turn, from the input a: the forward pass, written once."""
        for w, b in zip(self.weights, self.biases):
            z = backend.forward(a, w, b)  # z = a·wᵀ + bᵀ, (m, n_out)
            a = Sigmoid.fn(z)
            yield z, a

    def forward(self, x):
        """Every layer's weighted input and activation for a batch x (m, n_in): (zs, activations), where
        activations[0] is x, zs[l] = activations[l]·weights[l]ᵀ + biases[l]ᵀ and activations[l + 1] = σ(zs[l])."""
        return self._forward(validate.inputs(x, self.sizes[0], self.dtype))

    def _forward(self, x):
        zs, activations = [], [x]
        for z, a in self._layers(x):
            zs.append(z)
            activations.append(a)
        return zs, activations

    def _output(self, x):
        """The output activations alone (m, n_out): no layer's z or a is kept."""
        a = x
        for _, a in self._layers(x):  # noqa: B007  (the loop keeps the last layer's a)
            pass
        return a

    def feedforward(self, x):
        """Output activations (m, n_out) for a batch (m, n_in); one example (n_in,) gives (1, n_out)."""
        return self._output(validate.inputs(x, self.sizes[0], self.dtype))

    def predict(self, x):
        """The most active output neuron per example, (m,) ints."""
        return np.argmax(self.feedforward(x), axis=1)

    def backprop(self, x, y):
        """Gradient of the cost summed over the batch: (nabla_b, nabla_w), shaped like biases / weights."""
        x = validate.inputs(x, self.sizes[0], self.dtype)
        y = validate.targets(y, x.shape[0], self.sizes[-1], self.dtype)
        return self._backprop(x, y)

    def deltas(self, x, y):
        """BP1–BP2 for a batch: (deltas, activations), the error δ^l = ∂C/∂z^l of every layer (m, n_l),
        one per weight array, and the forward pass's activations (activations[0] is x)."""
        x = validate.inputs(x, self.sizes[0], self.dtype)
        y = validate.targets(y, x.shape[0], self.sizes[-1], self.dtype)
        return self._deltas(x, y)

    def _deltas(self, x, y, scale=None):
        """``deltas``; ``scale`` multiplies every δ (δ is linear all the way down, so scaling the small
        (m, n_L) output error is cheaper than scaling each nabla_w afterwards)."""
        zs, activations = self._forward(x)
        deltas = [None] * len(self.weights)
        delta = self.cost.delta(zs[-1], activations[-1], y)  # BP1, (m, n_L)
        if scale is not None:
            delta *= scale
        deltas[-1] = delta
        for l in range(2, self.num_layers):
            delta = backend.backward(delta, self.weights[-l + 1]) * Sigmoid.prime_from_output(
                activations[-l]
            )  # BP2, δ·w ⊙ σ′, (m, n_l)
            deltas[-l] = delta
        return deltas, activations

    def _backprop(self, x, y):
        deltas, activations = self._deltas(x, y)
        nabla_b = [delta.sum(axis=0)[:, None] for delta in deltas]  # BP3, summed over examples
        nabla_w = [delta.T @ a for delta, a in zip(deltas, activations)]  # BP4, (n_out, n_in)
        return nabla_b, nabla_w

    # -- evaluation -----------------------------------------------------------------------------
    def _output_of_raw(self, x, divisor, chunk=2500):
        """``_output(x / divisor)`` a chunk of rows at a time: (m, n_out), never all of x as floats."""
        return np.concatenate(
            [self._output(np.divide(x[k : k + chunk], divisor, dtype=self.dtype)) for k in range(0, len(x), chunk)]
        )

    @staticmethod
    def _correct(a, y_one_hot):
        return int(np.sum(np.argmax(a, axis=1) == np.argmax(y_one_hot, axis=1)))

    def _costs(self, a, y, lmbda):
        """(data term, total) of the cost of outputs ``a``: the mean cost over the m examples, and that
        plus L2's ½(λ/m)Σ‖w‖² (network2's total_cost, n = m)."""
        m = a.shape[0]
        data = self.cost.fn(a, y) / m
        return data, data + 0.5 * lmbda / m * self.sum_squared_weights()

    def sum_squared_weights(self):
        """Σ‖w‖² over every layer's weights (never the biases), in float64."""
        return sum(float(np.sum(w.astype(np.float64) ** 2)) for w in self.weights)

    def accuracy(self, x, y):
        """Number of examples whose most active output is the label (an int, as in network2)."""
        x = validate.inputs(x, self.sizes[0], self.dtype)
        y = validate.targets(y, x.shape[0], self.sizes[-1], self.dtype)
        return self._correct(self._output(x), y)

    def total_cost(self, x, y, lmbda=0.0):
        """Mean cost over the examples plus the L2 term ½(λ/n)Σ‖w‖² once, n being len(x)."""
        return self.cost_and_accuracy(x, y, lmbda)[0]

    def cost_and_accuracy(self, x, y, lmbda=0.0):
        """(total_cost, accuracy as a fraction) from one forward pass: what an epoch's monitors record."""
        lmbda = validate.non_negative_float("lmbda", lmbda)
        x = validate.inputs(x, self.sizes[0], self.dtype)
        if x.shape[0] == 0:
            raise ValueError("total_cost needs at least one example")
        y = validate.targets(y, x.shape[0], self.sizes[-1], self.dtype)
        a = self._output(x)
        return self._costs(a, y, lmbda)[1], self._correct(a, y) / x.shape[0]

    def weights_finite(self):
        """True when every weight and bias is finite (one sum per array: NaN and ±inf survive a sum)."""
        total = 0.0
        for a in (*self.weights, *self.biases):
            total += float(a.sum(dtype=np.float64))
        return math.isfinite(total) or all(np.all(np.isfinite(a)) for a in (*self.weights, *self.biases))

    # -- persistence: network2's JSON (reading it, with every check, is model_io's) -------------------
    def to_dict(self):
        """network2's dict: sizes, weights (n_out, n_in) and biases (n_out, 1) as nested lists, the cost's
        class name."""
        cost = self.cost if isinstance(self.cost, type) else type(self.cost)
        return {
            "sizes": list(self.sizes),
            "weights": [w.astype(np.float64).tolist() for w in self.weights],
            "biases": [b.astype(np.float64).tolist() for b in self.biases],
            "cost": cost.__name__,
        }

    def to_json(self):
        """network2's JSON text of ``to_dict`` (finite weights only: ``allow_nan=False`` raises otherwise);
        ``model_io.loads`` reads it back."""
        return json.dumps(self.to_dict(), allow_nan=False)

    def save(self, path):
        """Write the model as network2 JSON, atomically; refuses non-finite weights (a diverged run)."""
        if not self.weights_finite():
            raise ValueError(
                "the network's weights are not all finite (NaN or infinity: training diverged); refusing to save them"
            )
        write_atomically(path, self.to_json())
