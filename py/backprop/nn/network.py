"""A feed-forward network of sigmoid layers trained by mini-batch SGD with L2 weight decay.

After Nielsen's network2.py, with three changes: a mini-batch is one matrix pass (rows are examples,
no Python loop over them), all randomness comes from the network's own ``numpy.random.Generator``, and
models are JSON only (see ``model_io``). What it leaves out: other activations, momentum, dropout,
softmax outputs, early stopping — the book's chapter 3 network, nothing more.

Shapes: a batch ``x`` is ``(m, n_in)``; ``weights[l]`` is ``(n_out, n_in)`` so that the book's w^l_jk is
``weights[l][j, k]``; ``biases[l]`` is ``(n_out, 1)``. Equations are tagged with the book's BP1–BP4.

Divergence (η far too large, say) stops training with ``Diverged`` instead of carrying NaN along:
each mini-batch's gradient is checked before it is applied (one sum over the bias gradients, which
holds every layer's δ: a few microseconds), so the network keeps the weights it had before the bad
step. Weights that overflow to infinity in a step whose gradient was finite are caught by the next
batch's check (they make its δ non-finite) or by the check at the end of each epoch; then the network
holds those non-finite weights, and ``save`` refuses them.
"""

import json
import math
from dataclasses import dataclass, field

import numpy as np

from . import backend, validate
from ..activations import Sigmoid
from .costs import CrossEntropyCost, QuadraticCost, get_cost
from ..fileio import write_atomically

WEIGHT_INITS = ("default", "large")
# the costs whose BP1 the page's whole-step kernel knows (backend.sgd_step), by the names it takes
_FUSED = {CrossEntropyCost: "cross-entropy", QuadraticCost: "quadratic"}


class Diverged(ArithmeticError):
    """Training produced a non-finite cost gradient or non-finite weights.

    ``epoch`` and ``batch`` (both 1-based; None outside ``train``/``train_steps``) say where; ``what``
    is "cost" (the batch's gradient, i.e. its cost, was NaN or infinite: the step was not applied) or
    "weights" (the weights themselves are no longer finite).
    """

    def __init__(self, what, epoch=None, batch=None, value=math.nan):
        self.what, self.epoch, self.batch, self.value = what, epoch, batch, value
        where = f" at epoch {epoch}, batch {batch}" if epoch is not None else ""
        became = "NaN" if math.isnan(value) else "infinite"
        hint = "; a smaller η (eta) usually helps"
        super().__init__(f"the {what} became {became}{where}{hint}")


@dataclass
class History:
    """Per-epoch monitors; a list stays empty when its monitor is off. Accuracies are fractions."""

    train_cost: list = field(default_factory=list)
    train_accuracy: list = field(default_factory=list)
    eval_cost: list = field(default_factory=list)
    eval_accuracy: list = field(default_factory=list)
    epochs: int = 0          # epochs completed
    stopped: bool = False    # True when should_stop ended the run early

    def to_dict(self):
        return dict(self.__dict__)


@dataclass
class Progress:
    """What ``train_steps`` yields after each mini-batch; ``epoch_done`` after the last one of an epoch."""

    epoch: int               # 0-based
    batch: int               # 1-based index of the batch just done
    n_batches: int
    examples: int            # examples seen in this epoch so far
    epoch_done: bool = False
    history: History = None
    indices: np.ndarray = None   # which examples the batch just done held (the page's Step shows them)


class Network:
    def __init__(self, sizes, cost=CrossEntropyCost, seed=None, weight_init="default", dtype=np.float64):
        self.sizes = validate.sizes(sizes)
        self.num_layers = len(self.sizes)
        self.cost = get_cost(cost)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
        self.rng = np.random.default_rng(seed)
        if weight_init == "default":
            self.default_weight_initializer()
        elif weight_init == "large":
            self.large_weight_initializer()
        else:
            raise ValueError(f"weight_init must be one of {WEIGHT_INITS}, got {weight_init!r}")

    # -- initialisation -------------------------------------------------------------------------
    def default_weight_initializer(self):
        """Weights N(0, 1/n_in), so that z stays O(1) and the sigmoids start unsaturated; biases N(0, 1)."""
        self.biases = [self.rng.standard_normal((n, 1)).astype(self.dtype) for n in self.sizes[1:]]
        self.weights = [(self.rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)).astype(self.dtype)
                        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:])]

    def large_weight_initializer(self):
        """Weights and biases N(0, 1): chapter 1's initialisation, kept to compare against."""
        self.biases = [self.rng.standard_normal((n, 1)).astype(self.dtype) for n in self.sizes[1:]]
        self.weights = [self.rng.standard_normal((n_out, n_in)).astype(self.dtype)
                        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:])]

    # -- forward and backward -------------------------------------------------------------------
    def _forward(self, x):
        """Weighted inputs zs and activations of every layer, kept for backprop."""
        activations, zs = [x], []
        for w, b in zip(self.weights, self.biases):
            z = backend.forward(activations[-1], w, b)     # a·wᵀ + bᵀ, (m, n_out)
            zs.append(z)
            activations.append(Sigmoid.fn(z))
        return zs, activations

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

    def _deltas(self, x, y, scale=None):
        """BP1–BP2 over the batch: the error δ of every layer, and the activations that fed it.
        ``scale`` multiplies every δ (δ is linear all the way down, so scaling the small (m, n_L)
        output error is cheaper than scaling each nabla_w afterwards)."""
        zs, activations = self._forward(x)
        deltas = [None] * len(self.weights)
        delta = self.cost.delta(zs[-1], activations[-1], y)              # BP1, (m, n_L)
        if scale is not None:
            delta *= scale
        deltas[-1] = delta
        for l in range(2, self.num_layers):
            delta = backend.backward(delta, self.weights[-l + 1]) \
                * Sigmoid.prime_from_output(activations[-l])              # BP2, δ·w ⊙ σ′, (m, n_l)
            deltas[-l] = delta
        return deltas, activations[:-1]

    def _backprop(self, x, y):
        deltas, inputs = self._deltas(x, y)
        nabla_b = [delta.sum(axis=0)[:, None] for delta in deltas]                # BP3, summed over examples
        nabla_w = [delta.T @ a for delta, a in zip(deltas, inputs)]                # BP4, (n_out, n_in)
        return nabla_b, nabla_w

    # -- learning -------------------------------------------------------------------------------
    def update_mini_batch(self, x, y, eta, lmbda, n):
        """One SGD step on the batch: w ← (1 − ηλ/n) w − (η/m) ∇w,  b ← b − (η/m) ∇b.

        Raises Diverged (and changes nothing) when the batch's gradient is not finite."""
        eta = validate.positive_float("eta", eta)
        lmbda = validate.non_negative_float("lmbda", lmbda)
        n = validate.positive_int("n", n)
        x = validate.inputs(x, self.sizes[0], self.dtype)
        if x.shape[0] == 0:
            raise ValueError("a mini-batch needs at least one example, got 0")
        y = validate.targets(y, x.shape[0], self.sizes[-1], self.dtype)
        self._update(x, y, eta, lmbda, n)

    def _update(self, x, y, eta, lmbda, n, gradient=None):
        if gradient is not None:   # someone else's backprop (the lab's): sums over the batch
            return self._update_with(gradient, x, y, eta, lmbda, n)
        scale = eta / x.shape[0]         # η/m: every δ is scaled by it, so the sums below are the step
        decay = 1.0 - eta * lmbda / n    # L2: shrink every weight, never the biases
        # In the page, the kernel takes this whole step in one call (js/sgd-step.js: the lines below,
        # transcribed); None: not there, numpy takes it here. Same arithmetic either way.
        total = backend.sgd_step(self.weights, self.biases, x, y, scale, decay, _FUSED.get(self.cost))
        if total is not None:
            if not math.isfinite(total):
                self._diverged(total)
            return
        deltas, inputs = self._deltas(x, y, scale=scale)               # already times η/m
        nabla_b = [delta.sum(axis=0)[:, None] for delta in deltas]     # BP3, (n_out, 1)
        self._check_gradient(nabla_b)
        for w, b, delta, a, nb in zip(self.weights, self.biases, deltas, inputs, nabla_b):
            backend.update(w, delta, a, decay)           # BP4 and the step: w ← decay·w − δᵀ·a
            b -= nb

    def _update_with(self, gradient, x, y, eta, lmbda, n):
        """The same SGD step with ``gradient(weights, biases, x, y, cost) -> (nabla_b, nabla_w)`` in
        place of backprop (the lab trains a learner's function with it); its sums are scaled here."""
        nabla_b, nabla_w = gradient(list(self.weights), list(self.biases), x, y, self.cost)
        scale = eta / x.shape[0]
        nabla_b = [nb * scale for nb in nabla_b]
        self._check_gradient(nabla_b)
        decay = 1.0 - eta * lmbda / n
        for w, nw, b, nb in zip(self.weights, nabla_w, self.biases, nabla_b):
            if decay != 1.0:
                w *= decay
            w -= nw * scale
            b -= nb

    def _check_gradient(self, nabla_b):
        # BP3 makes each nabla_b the sum of its layer's δ, and BP2 carries a NaN or an infinity from
        # any z or weight into every δ below it: one sum of these few numbers checks the gradient
        total = 0.0
        for nb in nabla_b:
            total += float(nb.sum())
        if not math.isfinite(total):
            self._diverged(total)

    def _diverged(self, total):
        raise Diverged("weights" if not self.weights_finite() else "cost", value=total)

    def train(self, x, y, epochs, batch_size, eta, lmbda=0.0, eval_data=None, *,
              monitor_train_cost=True, monitor_train_accuracy=True,
              monitor_eval_cost=True, monitor_eval_accuracy=True,
              on_epoch=None, should_stop=None):
        """Mini-batch SGD; returns the History of the four monitors.

        ``on_epoch(epoch, history)`` is called after each epoch; ``should_stop()`` is asked after each
        mini-batch and ends the run early (the network keeps what it learned). Eval monitors need
        ``eval_data=(x_eval, y_eval)``. Raises Diverged when the cost or the weights stop being finite
        (see the module's docstring for what the network then holds).
        """
        progress = None
        for progress in self.train_steps(x, y, epochs, batch_size, eta, lmbda, eval_data,
                                         monitor_train_cost=monitor_train_cost,
                                         monitor_train_accuracy=monitor_train_accuracy,
                                         monitor_eval_cost=monitor_eval_cost,
                                         monitor_eval_accuracy=monitor_eval_accuracy):
            if progress.epoch_done and on_epoch is not None:
                on_epoch(progress.epoch, progress.history)
            if should_stop is not None and should_stop():
                progress.history.stopped = progress.history.epochs < epochs
                break
        return progress.history if progress is not None else History()

    def train_steps(self, x, y, epochs, batch_size, eta, lmbda=0.0, eval_data=None, *,
                    monitor_train_cost=True, monitor_train_accuracy=True,
                    monitor_eval_cost=True, monitor_eval_accuracy=True, x_divisor=None, gradient=None):
        """The training loop as a generator of Progress, one per mini-batch.

        A generator lets a caller pause between mini-batches without threads: the browser's worker
        awaits the JavaScript event loop between chunks so that Stop can arrive. ``train`` drains it.
        Raises Diverged (from ``next``) at the batch where training stops being finite.

        ``x_divisor``: ``x`` holds raw integers (MNIST's uint8 pixels) that are divided by it one
        mini-batch at a time (and in chunks for the training-set monitors), so that the whole set never
        exists as floats: 50,000 digits are 39 MB as uint8 and 314 MB in float64, too much for a
        32-bit WebAssembly heap. The batches are exactly ``(x / x_divisor)[idx]``.
        ``gradient(weights, biases, x, y_one_hot, cost) -> (nabla_b, nabla_w)``, summed over the batch,
        replaces ``backprop`` in the same SGD step: the lab trains a learner's backprop with it.
        """
        epochs = validate.non_negative_int("epochs", epochs)
        batch_size = validate.positive_int("batch_size", batch_size)
        eta = validate.positive_float("eta", eta)
        lmbda = validate.non_negative_float("lmbda", lmbda)
        if x_divisor is None:
            x = validate.inputs(x, self.sizes[0], self.dtype)
        else:
            x = validate.raw_inputs(x, self.sizes[0])
            x_divisor = validate.positive_float("x_divisor", x_divisor)
        n = x.shape[0]
        if n == 0:
            raise ValueError("training data is empty")
        y = validate.targets(y, n, self.sizes[-1], self.dtype)
        if eval_data is not None:
            try:
                x_eval, y_eval = eval_data
            except (TypeError, ValueError):
                raise TypeError("eval_data must be a pair (x_eval, y_eval)") from None
            x_eval = validate.inputs(x_eval, self.sizes[0], self.dtype)
            if x_eval.shape[0] == 0:
                raise ValueError("eval_data is empty: pass at least one example, or None")
            y_eval = validate.targets(y_eval, x_eval.shape[0], self.sizes[-1], self.dtype)
        history = History()
        n_batches = -(-n // batch_size)
        for epoch in range(epochs):
            order = self.rng.permutation(n)
            for j, k in enumerate(range(0, n, batch_size)):
                # a small gather per mini-batch: a shuffled copy of the whole set per epoch is
                # slower (a fresh 63 MB for 10k float64 digits, every page touched anew)
                idx = order[k:k + batch_size]
                try:
                    xb = x[idx] if x_divisor is None else np.divide(x[idx], x_divisor, dtype=self.dtype)
                    self._update(xb, y[idx], eta, lmbda, n, gradient)
                except Diverged as e:
                    raise Diverged(e.what, epoch + 1, j + 1, e.value) from None
                done = j + 1 == n_batches
                if done:
                    if not self.weights_finite():   # an overflow in the epoch's last steps
                        raise Diverged("weights", epoch + 1, j + 1, math.inf)
                    self._monitor(history, x, y, (x_eval, y_eval) if eval_data is not None else None,
                                  lmbda, monitor_train_cost,
                                  monitor_train_accuracy, monitor_eval_cost, monitor_eval_accuracy, x_divisor)
                    history.epochs = epoch + 1
                yield Progress(epoch, j + 1, n_batches, min(k + batch_size, n), done, history, idx)

    def _monitor(self, history, x, y, eval_xy, lmbda, train_cost, train_acc, eval_cost, eval_acc,
                 x_divisor=None):
        """Append this epoch's monitors; one forward pass per data set serves both cost and accuracy."""
        sets = [((x, y), train_cost, train_acc, history.train_cost, history.train_accuracy, x_divisor)]
        if eval_xy:
            sets.append((eval_xy, eval_cost, eval_acc, history.eval_cost, history.eval_accuracy, None))
        for (xs, ys), want_cost, want_acc, costs, accs, divisor in sets:
            if not (want_cost or want_acc):
                continue
            a = self._output(xs) if divisor is None else self._output_of_raw(xs, divisor)
            if want_cost:
                costs.append(self._total_cost(a, ys, lmbda))
            if want_acc:
                accs.append(self._correct(a, ys) / len(xs))

    # -- evaluation -----------------------------------------------------------------------------
    def _output(self, x):
        for w, b in zip(self.weights, self.biases):
            x = Sigmoid.fn(backend.forward(x, w, b))
        return x

    def _output_of_raw(self, x, divisor, chunk=2500):
        """``_output(x / divisor)`` a chunk of rows at a time: (m, n_out), never all of x as floats."""
        return np.concatenate([self._output(np.divide(x[k:k + chunk], divisor, dtype=self.dtype))
                               for k in range(0, len(x), chunk)])

    @staticmethod
    def _correct(a, y_one_hot):
        return int(np.sum(np.argmax(a, axis=1) == np.argmax(y_one_hot, axis=1)))

    def _total_cost(self, a, y, lmbda):
        m = a.shape[0]
        l2 = 0.5 * lmbda / m * sum(float(np.sum(w.astype(np.float64) ** 2)) for w in self.weights)
        return self.cost.fn(a, y) / m + l2

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
        return self._total_cost(a, y, lmbda), self._correct(a, y) / x.shape[0]

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
        return {"sizes": list(self.sizes),
                "weights": [w.astype(np.float64).tolist() for w in self.weights],
                "biases": [b.astype(np.float64).tolist() for b in self.biases],
                "cost": cost.__name__}

    def save(self, path):
        """Write the model as network2 JSON, atomically; refuses non-finite weights (a diverged run)."""
        if not self.weights_finite():
            raise ValueError("the network's weights are not all finite (NaN or infinity: training "
                             "diverged); refusing to save them")
        write_atomically(path, json.dumps(self.to_dict()))
