"""A feed-forward network, a stack of layers: its parameters, forward and backward passes, evaluation
and JSON; how it learns (mini-batch SGD, L2 or L1, dropout, momentum) is ``sgd.py``'s.

After Nielsen's network2.py, with three changes: a mini-batch is one matrix pass (rows are examples,
no Python loop over them), all randomness comes from the network's own ``numpy.random.Generator``, and
models are JSON only (see ``model_io``). ``Network([784, 30, 10])`` is network2's all-sigmoid network,
bit for bit; ``activation``, ``output`` and ``Network.stack`` build the rest of chapter 3's (each layer
type in ``layers``). What it leaves out: early stopping, learning-rate schedules.

Shapes: a batch ``x`` is ``(m, n_in)``; ``weights[l]`` is ``(n_out, n_in)`` so that the book's w^l_jk is
``weights[l][j, k]``; ``biases[l]`` is ``(n_out, 1)``. Equations are tagged with the book's BP1–BP4.
"""

import json
import math

import numpy as np

from ..fileio import write_atomically
from . import validate
from .costs import CrossEntropyCost, check_output, default_output, get_cost, output_delta
from .layers import Dense, check_stack, copy_of
from .sgd import SGD

NETWORK2_COSTS = ("CrossEntropyCost", "QuadraticCost")  # the cost classes network2.py defines
CHUNK_FLOATS = 2_000_000  # a conv network's forward pass on many rows goes in chunks of about this many numbers

# the weight initialisations: name -> a one-line account; the page's form lists the names. Every one
# draws the same normals in the same order (all biases, then all weights), scaled differently, so that
# two runs from one seed differ in the scale alone and go on to see the same mini-batches.
WEIGHT_INITS = {
    "default": "weights N(0, 1/n_in), so that z stays O(1) and the sigmoids start unsaturated; biases N(0, 1)",
    "large": "weights and biases N(0, 1): chapter 1's initialisation, kept to compare against",
    "he": "weights N(0, 2/n_in), biases 0: for ReLU layers, which pass on half their inputs' variance",
}


class Network(SGD):
    def __init__(
        self,
        sizes,
        cost=CrossEntropyCost,
        seed=None,
        weight_init="default",
        dtype=np.float64,
        activation="sigmoid",
        output=None,
    ):
        """A stack of dense layers of these sizes: ``activation`` in the hidden layers, ``output`` in the
        last (default: softmax for the log-likelihood cost, else sigmoid). The defaults are network2's."""
        sizes = validate.sizes(sizes)
        output = default_output(cost) if output is None else output
        layers = [Dense(n, activation) for n in sizes[1:-1]] + [Dense(sizes[-1], output)]
        self._setup(layers, (sizes[0],), cost, dtype, np.random.default_rng(seed))
        self._initialize(weight_init)

    @classmethod
    def stack(cls, layers, input_shape, cost=CrossEntropyCost, seed=None, weight_init="default", dtype=np.float64):
        """A network of these layers (copied, never shared) on inputs of ``input_shape``: (784,) or
        (1, 28, 28); rows of x are those inputs flattened."""
        net = cls.__new__(cls)
        net._setup([copy_of(layer) for layer in layers], input_shape, cost, dtype, np.random.default_rng(seed))
        net._initialize(weight_init)
        return net

    def _setup(self, layers, input_shape, cost, dtype, rng):
        try:
            input_shape = tuple(validate.positive_int(f"input_shape[{i}]", n) for i, n in enumerate(input_shape))
        except TypeError:
            raise TypeError(f"input_shape must be a tuple like (784,) or (1, 28, 28), got {input_shape!r}") from None
        if not input_shape:
            raise ValueError("input_shape must have at least one dimension, got ()")
        check_stack(layers)
        self.layers, self.input_shape = layers, input_shape
        shape, sizes = input_shape, [math.prod(input_shape)]
        for layer in layers:
            shape = layer.build(shape)
            sizes.append(math.prod(shape))
        self.sizes = sizes
        self.num_layers = len(sizes)
        self.cost = get_cost(cost)
        self.output = layers[-1].activation
        check_output(self.cost, self.output)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
        self.rng = rng
        # network2's own network: every layer dense and sigmoid (the page's whole-step kernel, its file)
        self.sigmoid_only = all(isinstance(ly, Dense) and ly.activation.name == "sigmoid" for ly in layers)
        self.dense_only = all(isinstance(ly, Dense) for ly in layers)  # what the whole-step kernel can take
        self.activation_names = [getattr(ly.activation, "name", None) for ly in layers]  # the kernel's, per layer
        self.trainable = [layer for layer in layers if getattr(layer, "shapes", None) is not None]
        self._trainable_at = [i for i, layer in enumerate(layers) if layer in self.trainable]  # their indices
        self.step_path = None  # how the last SGD step ran: "whole step" (the page's kernel) or "products"
        n = sum(math.prod(ws) + math.prod(bs) for ws, bs in (layer.shapes for layer in self.trainable))
        if n > validate.MAX_PARAMETERS:
            raise ValueError(f"these layers have {n:,} weights and biases, over the cap of {validate.MAX_PARAMETERS:,}")
        self.velocities = None  # momentum's (v_w, v_b), made by the first step that uses momentum

    def layer_specs(self):
        """The layers' settings, as the model file lists them."""
        return [layer.to_dict() for layer in self.layers]

    @classmethod
    def from_params(cls, weights, biases, cost=CrossEntropyCost, dtype=None, seed=None, layers=None, input_shape=None):
        """A network with these weights and biases (copied; no random start is drawn). Without ``layers``,
        a sigmoid network: weights (n_out, n_in), biases (n_out, 1). ``dtype`` defaults to the weights'
        own (float64 for anything but float32)."""
        weights, biases = list(weights), list(biases)
        if not weights or len(weights) != len(biases):
            raise ValueError(
                f"expected as many bias arrays as weight arrays, at least one each; got "
                f"{len(weights)} and {len(biases)}"
            )
        weights = [np.asarray(w) for w in weights]
        if layers is None:
            for l, w in enumerate(weights):
                if w.ndim != 2:
                    raise ValueError(f"weights[{l}] must be a matrix (n_out, n_in), got shape {w.shape}")
            sizes = validate.sizes([weights[0].shape[1]] + [w.shape[0] for w in weights])
            layers, input_shape = [Dense(n) for n in sizes[1:]], (sizes[0],)
        else:
            layers = [copy_of(layer) for layer in layers]
        if dtype is None:
            dtype = np.float32 if all(w.dtype == np.float32 for w in weights) else np.float64
        net = cls.__new__(cls)
        net._setup(layers, input_shape, cost, dtype, np.random.default_rng(seed))
        if len(weights) != len(net.trainable):
            raise ValueError(f"these layers have {len(net.trainable)} weight arrays, got {len(weights)}")
        shapes = [layer.shapes for layer in net.trainable]
        net.weights = [
            validate.array(f"weights[{l}]", w, s[0], net.dtype) for l, (w, s) in enumerate(zip(weights, shapes))
        ]
        net.biases = [
            validate.array(f"biases[{l}]", b, s[1], net.dtype) for l, (b, s) in enumerate(zip(biases, shapes))
        ]
        return net

    def copy(self, dtype=None):
        """An independent copy: the same layers, weights, biases, cost, generator state and momentum
        (so a copy trains on exactly as the original would); ``dtype`` converts the copy's parameters."""
        net = Network.from_params(
            self.weights, self.biases, self.cost, dtype or self.dtype, layers=self.layers, input_shape=self.input_shape
        )
        state = self.rng.bit_generator.state
        net.rng = np.random.Generator(type(self.rng.bit_generator)())
        net.rng.bit_generator.state = state
        if self.velocities is not None:
            net.velocities = tuple([v.astype(net.dtype) for v in vs] for vs in self.velocities)
        return net

    # -- initialisation -------------------------------------------------------------------------
    def _initialize(self, weight_init):
        """Biases, then weights, of every layer with parameters: N(0, 1) draws, scaled (WEIGHT_INITS)."""
        if weight_init not in WEIGHT_INITS:
            raise ValueError(f"weight_init must be one of {', '.join(WEIGHT_INITS)}, got {weight_init!r}")
        shapes = [layer.shapes for layer in self.trainable]
        self.biases = [self.rng.standard_normal(b).astype(self.dtype) for _, b in shapes]
        if weight_init == "he":
            self.biases = [np.zeros_like(b) for b in self.biases]
        fans = [layer.fan_in for layer in self.trainable]
        if weight_init == "large":
            self.weights = [self.rng.standard_normal(w).astype(self.dtype) for w, _ in shapes]
        else:
            gain = 2.0 if weight_init == "he" else 1.0
            self.weights = [
                (self.rng.standard_normal(w) / np.sqrt(fan / gain)).astype(self.dtype)
                for (w, _), fan in zip(shapes, fans)
            ]

    def default_weight_initializer(self):
        """Weights N(0, 1/n_in), so that z stays O(1) and the sigmoids start unsaturated; biases N(0, 1)."""
        self._initialize("default")

    def large_weight_initializer(self):
        """Weights and biases N(0, 1): chapter 1's initialisation, kept to compare against."""
        self._initialize("large")

    # -- forward and backward -------------------------------------------------------------------
    def _params(self):
        """Each layer's (w, b), (None, None) for a layer without parameters."""
        params = iter(zip(self.weights, self.biases))
        return [next(params) if layer in self.trainable else (None, None) for layer in self.layers]

    def _layers(self, a):
        """Each layer's (z, a) in turn, from the input a: the forward pass, written once."""
        for layer, (w, b) in zip(self.layers, self._params()):
            z, a = layer.forward(a, w, b)
            yield z, a

    def forward(self, x, dropout=0.0):
        """Every layer's weighted input and activation for a batch x (m, n_in): (zs, activations), where
        activations[0] is x, zs[l] is layer l's weighted input and activations[l + 1] = f(zs[l]).
        ``dropout`` p: a training pass's, with fresh masks from the network's generator (``_forward``)."""
        return self._forward(validate.inputs(x, self.sizes[0], self.dtype), dropout)[:2]

    def _forward(self, x, dropout=0.0, masks=None):
        """(zs, activations, outputs, masks). With dropout p > 0 each hidden dense layer's output is
        multiplied by a mask of 0s (probability p) and 1/(1 − p)s drawn for this batch (inverted
        dropout: the scaling keeps each unit's expected output, so prediction needs no change):
        ``activations`` holds what the next layer sees, ``outputs`` each f(z) before its mask (f′ is
        taken from it), ``masks`` the masks (None where none). ``masks`` given (one per layer from the
        first, (m, n_l) or None; missing ones are None) are used instead of drawing. p = 0 draws
        nothing: then ``outputs`` is ``activations[1:]`` itself."""
        if not dropout and masks is None:
            zs, activations = [], [x]
            for z, a in self._layers(x):
                zs.append(z)
                activations.append(a)
            return zs, activations, activations[1:], [None] * len(zs)
        zs, activations, outputs, used = [], [x], [], []
        a, last = x, len(self.layers) - 1
        for l, (layer, (w, b)) in enumerate(zip(self.layers, self._params())):
            z, a = layer.forward(a, w, b)
            zs.append(z)
            outputs.append(a)
            mask = None
            if masks is not None:
                mask = masks[l] if l < len(masks) else None  # the hidden layers' masks, the output's may be left out
            elif l < last and isinstance(layer, Dense):
                keep = self.rng.random(a.shape) >= dropout  # (m, n): True for the units kept
                mask = keep.astype(self.dtype) / self.dtype.type(1.0 - dropout)
            if mask is not None:
                a = a * mask  # what the next layer sees
            used.append(mask)
            activations.append(a)
        return zs, activations, outputs, used

    def _output(self, x):
        """The output activations alone (m, n_out): no layer's z or a is kept. With convolutions, a chunk of
        rows at a time, no layer's maps or patches past ~CHUNK_FLOATS numbers (not 230 MB for 2,000 digits)."""
        if not self.dense_only and len(x) > 1:
            chunk = max(1, CHUNK_FLOATS // max(self._widths()))
            if len(x) > chunk:
                return np.concatenate([self._output_rows(x[k : k + chunk]) for k in range(0, len(x), chunk)])
        return self._output_rows(x)

    def _output_rows(self, x):
        a = x
        for _, a in self._layers(x):  # noqa: B007  (the loop keeps the last layer's a)
            pass
        return a

    def _widths(self):
        """Numbers per example of every layer's input and output, and of a convolution's patches."""
        return [*self.sizes, *(ly.fan_in * math.prod(ly.out_shape[1:]) for ly in self.layers if hasattr(ly, "kernel"))]

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
        """BP1–BP2 for a batch: (deltas, activations), the error δ^l = ∂C/∂z^l of every layer (m, n_l)
        and the forward pass's activations (activations[0] is x)."""
        x = validate.inputs(x, self.sizes[0], self.dtype)
        y = validate.targets(y, x.shape[0], self.sizes[-1], self.dtype)
        return self._deltas(x, y)

    def f_primes(self, zs, outputs):
        """f′(z^l) of every layer, (m, n_l) (None for a softmax output, whose BP1 needs none)."""
        return [layer.f_prime(z, a) for layer, z, a in zip(self.layers, zs, outputs)]

    def _deltas(self, x, y, scale=None, dropout=0.0, masks=None):
        """``deltas``; ``scale`` multiplies every δ (δ is linear all the way down, so scaling the small
        (m, n_L) output error is cheaper than scaling each nabla_w afterwards). With ``dropout`` the
        pass is a training pass: the masks are applied going up and again coming down (``masks``: given
        ones, as ``_forward`` takes them)."""
        zs, activations, outputs, masks = self._forward(x, dropout, masks)
        layers, params = self.layers, self._params()
        deltas = [None] * len(layers)
        delta = output_delta(self.cost, self.output, zs[-1], outputs[-1], y)  # BP1, (m, n_L)
        if scale is not None:
            delta *= scale
        deltas[-1] = delta
        for l in range(len(layers) - 2, -1, -1):
            up = layers[l + 1]
            error = up.backward(delta, activations[l + 1], params[l + 1][0])  # (w^{l+1})ᵀδ^{l+1}, (m, n_l)
            if masks[l] is not None:
                error *= masks[l]  # a dropped unit passed nothing up, so it takes no error back
            delta = error * layers[l].f_prime(zs[l], outputs[l])  # BP2, ⊙ f′(z^l), (m, n_l)
            deltas[l] = delta
        return deltas, activations

    def _backprop(self, x, y, masks=None):
        """``backprop``; with ``masks`` (dropout's, given: see ``_forward``) the gradient of that training
        pass — what the lab's dropout exercise is checked against."""
        deltas, activations = self._deltas(x, y, masks=masks)
        nabla_b, nabla_w = [], []
        for layer, delta, a in zip(self.layers, deltas, activations):
            if layer in self.trainable:
                nb, nw = layer.gradients(delta, a)  # BP3 and BP4, summed over examples
                nabla_b.append(nb)
                nabla_w.append(nw)
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

    def _costs(self, a, y, lmbda, regularization="l2"):
        """(data term, total) of the cost of outputs ``a``: the mean cost over the m examples, and that
        plus the regulariser's term with n = m: L2's ½(λ/n)Σ‖w‖² (network2's total_cost) or L1's
        (λ/n)Σ|w|."""
        m = a.shape[0]
        data = self.cost.fn(a, y) / m
        if regularization == "l1":
            return data, data + lmbda / m * self.sum_abs_weights()
        if regularization == "none":
            return data, data
        return data, data + 0.5 * lmbda / m * self.sum_squared_weights()

    def sum_squared_weights(self):
        """Σ‖w‖² over every layer's weights (never the biases), in float64."""
        return sum(float(np.sum(w.astype(np.float64) ** 2)) for w in self.weights)

    def sum_abs_weights(self):
        """Σ|w| over every layer's weights (never the biases), in float64: L1's measure."""
        return sum(float(np.sum(np.abs(w.astype(np.float64)))) for w in self.weights)

    def accuracy(self, x, y):
        """Number of examples whose most active output is the label (an int, as in network2)."""
        x = validate.inputs(x, self.sizes[0], self.dtype)
        y = validate.targets(y, x.shape[0], self.sizes[-1], self.dtype)
        return self._correct(self._output(x), y)

    def total_cost(self, x, y, lmbda=0.0, regularization="l2"):
        """Mean cost over the examples plus the regulariser's term once, n being len(x): L2's
        ½(λ/n)Σ‖w‖² (network2's) or L1's (λ/n)Σ|w|."""
        return self.cost_and_accuracy(x, y, lmbda, regularization)[0]

    def cost_and_accuracy(self, x, y, lmbda=0.0, regularization="l2"):
        """(total_cost, accuracy as a fraction) from one forward pass: what an epoch's monitors record."""
        lmbda = validate.non_negative_float("lmbda", lmbda)
        regularization = validate.regularization(regularization)
        x = validate.inputs(x, self.sizes[0], self.dtype)
        if x.shape[0] == 0:
            raise ValueError("total_cost needs at least one example")
        y = validate.targets(y, x.shape[0], self.sizes[-1], self.dtype)
        a = self._output(x)
        return self._costs(a, y, lmbda, regularization)[1], self._correct(a, y) / x.shape[0]

    def weights_finite(self):
        """True when every weight and bias is finite (one sum per array: NaN and ±inf survive a sum)."""
        total = 0.0
        for a in (*self.weights, *self.biases):
            total += float(a.sum(dtype=np.float64))
        return math.isfinite(total) or all(np.all(np.isfinite(a)) for a in (*self.weights, *self.biases))

    # -- persistence: network2's JSON and its superset (reading them, with every check, is model_io's) --
    @property
    def is_network2(self):
        """True for a network network2.py itself could hold: sigmoid dense layers, one of its costs."""
        return self.sigmoid_only and len(self.input_shape) == 1 and self.cost.__name__ in NETWORK2_COSTS

    def to_dict(self):
        """network2's dict: sizes, weights (n_out, n_in) and biases (n_out, 1) as nested lists, the cost's
        class name; any other network adds its ``layers`` (each one's kind and settings) and
        ``input_shape``, the superset ``model_io`` documents."""
        cost = self.cost if isinstance(self.cost, type) else type(self.cost)
        out = {"sizes": list(self.sizes)}
        if not self.is_network2:  # before the arrays: a reader can see the layers in the file's first lines
            out["input_shape"] = list(self.input_shape)
            out["layers"] = self.layer_specs()
        out.update(
            weights=[w.astype(np.float64).tolist() for w in self.weights],
            biases=[b.astype(np.float64).tolist() for b in self.biases],
            cost=cost.__name__,
        )
        return out

    def to_json(self):
        """network2's JSON text of ``to_dict`` (finite weights only: ``allow_nan=False`` raises otherwise);
        ``model_io.loads`` reads it back."""
        return json.dumps(self.to_dict(), allow_nan=False)

    def save(self, path):
        """Write the model as JSON (network2's or its superset), atomically; refuses non-finite weights."""
        if not self.weights_finite():
            raise ValueError(
                "the network's weights are not all finite (NaN or infinity: training diverged); refusing to save them"
            )
        write_atomically(path, self.to_json())
