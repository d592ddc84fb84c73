"""Learning: mini-batch SGD — one step (``update_mini_batch``), the training loop as a generator of
steps (``train_steps``) and drained (``train``), with the four monitors.

``SGD`` is the part of ``Network`` that learns (``Network`` inherits it; the forward and backward
passes, evaluation and persistence are ``network.py``'s). The gradient is computed apart from the
update (DLFS's rule): ``_update`` takes backprop's, or anyone's (the lab's), and applies one of

    L2 (network2's)   w ← (1 − ηλ/n)·w − (η/m)·∇w
    L1                w ← w − (ηλ/n)·sgn(w) − (η/m)·∇w
    none              w ← w − (η/m)·∇w                     and always b ← b − (η/m)·∇b

or, with momentum μ > 0 (Nielsen's form, the regulariser's term joining the gradient's),
v ← μ·v − η·(∇w/m + the regulariser's ∂/∂w), w ← w + v, and the same for b without a regulariser.
μ = 0 and dropout 0 are the plain step exactly (no velocity is made, no mask drawn).

Divergence (η far too large, say) stops training with ``Diverged`` instead of carrying NaN along:
each mini-batch's gradient is checked before it is applied (one sum over the bias gradients, which
holds every layer's δ: a few microseconds), so the network keeps the weights it had before the bad
step. Weights that overflow to infinity in a step whose gradient was finite are caught by the next
batch's check (they make its δ non-finite) or by the check at the end of each epoch; then the network
holds those non-finite weights, and ``save`` refuses them.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from . import backend, validate
from .costs import cost_name


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

    train_cost: list = field(default_factory=list)  # network2's total_cost: the data term + L2's
    train_accuracy: list = field(default_factory=list)
    eval_cost: list = field(default_factory=list)
    eval_accuracy: list = field(default_factory=list)
    # the data term alone, ``train_cost`` less ½(λ/n)Σ‖w‖² (n the size of the set measured): the same
    # measure on both sets, where network2's L2 term is five times larger on 2,000 digits than on 10,000
    train_cost_data: list = field(default_factory=list)
    eval_cost_data: list = field(default_factory=list)
    epochs: int = 0  # epochs completed
    stopped: bool = False  # True when should_stop ended the run early

    def to_dict(self):
        return dict(self.__dict__)


@dataclass(frozen=True)
class StepRule:
    """How a step turns the gradient into new weights, beside η, λ and n: the regulariser ("l2", "l1",
    "none"), dropout's rate p and momentum's μ, each in [0, 1)."""

    regularization: str = "l2"
    dropout: float = 0.0
    momentum: float = 0.0

    @classmethod
    def checked(cls, regularization, dropout, momentum, gradient=None):
        rule = cls(
            validate.regularization(regularization),
            validate.fraction("dropout", dropout),
            validate.fraction("momentum", momentum),
        )
        if gradient is not None and rule.dropout:
            raise ValueError("dropout needs the library's backprop (its masks are drawn inside the pass)")
        return rule


PLAIN = StepRule()


@dataclass
class Progress:
    """What ``train_steps`` yields after each mini-batch; ``epoch_done`` after the last one of an epoch."""

    epoch: int  # 0-based
    batch: int  # 1-based index of the batch just done
    n_batches: int
    examples: int  # examples seen in this epoch so far
    epoch_done: bool = False
    history: History = None
    indices: np.ndarray = None  # which examples the batch just done held (the page's Step shows them)


class SGD:
    """Mini-batch SGD for a ``Network`` (its weights, biases, cost, dtype, rng and passes)."""

    def update_mini_batch(self, x, y, eta, lmbda, n, gradient=None, *, regularization="l2", dropout=0.0, momentum=0.0):
        """One SGD step on the batch (the module's docstring has the rules; by default network2's
        w ← (1 − ηλ/n) w − (η/m) ∇w,  b ← b − (η/m) ∇b).

        ``gradient(weights, biases, x, y_one_hot, cost) -> (nabla_b, nabla_w)``, summed over the batch,
        replaces backprop (the lab steps with a learner's). Raises Diverged (and changes nothing) when
        the batch's gradient is not finite."""
        eta = validate.positive_float("eta", eta)
        lmbda = validate.non_negative_float("lmbda", lmbda)
        n = validate.positive_int("n", n)
        rule = StepRule.checked(regularization, dropout, momentum, gradient)
        x = validate.inputs(x, self.sizes[0], self.dtype)
        if x.shape[0] == 0:
            raise ValueError("a mini-batch needs at least one example, got 0")
        y = validate.targets(y, x.shape[0], self.sizes[-1], self.dtype)
        self._update(x, y, eta, lmbda, n, gradient, rule)

    def _update(self, x, y, eta, lmbda, n, gradient=None, rule=None):
        """The step of ``update_mini_batch``; ``gradient(weights, biases, x, y, cost) -> (nabla_b,
        nabla_w)``, summed over the batch, replaces backprop (the lab trains a learner's with it)."""
        rule = rule or PLAIN
        scale = eta / x.shape[0]  # η/m
        l2 = eta * lmbda / n if rule.regularization == "l2" else 0.0
        l1 = eta * lmbda / n if rule.regularization == "l1" else 0.0
        decay = 1.0 - l2  # L2: shrink every weight, never the biases
        if gradient is None and rule.dropout == 0.0 and self.dense_only:
            if self._kernel_step(x, y, scale, decay, l1, l2, rule.momentum):
                self.step_path = "whole step"
                return  # the page's kernel took this whole step (the lines below) in one call
        self.step_path = "products"
        if gradient is None:
            deltas, inputs = self._deltas(x, y, scale=scale, dropout=rule.dropout)  # δ × η/m: BP3's sums are the step
            at = self._trainable_at
            steps_b = [self.layers[i].bias_gradient(deltas[i]) for i in at]  # BP3, (n_out, 1)
            layers = self.trainable
            apply = lambda l, target, keep: layers[l].apply_gradient(target, deltas[at[l]], inputs[at[l]], keep)
        else:
            nabla_b, nabla_w = gradient(list(self.weights), list(self.biases), x, y, self.cost)
            steps_b = [nb * scale for nb in nabla_b]
            apply = lambda l, target, keep: backend.step(target, nabla_w[l], scale, keep)  # ← keep·t − (η/m)·∇w
        self._check_gradient(steps_b)
        if rule.momentum == 0.0:
            for l, (w, b) in enumerate(zip(self.weights, self.biases)):
                if l1:
                    w -= l1 * np.sign(w)  # L1: a constant pull towards 0, before the gradient's step
                apply(l, w, decay)  # BP4 and the step: w ← decay·w − (η/m)·∇w
                b -= steps_b[l]
            return
        mu = rule.momentum
        v_w, v_b = self._velocities()
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            v = v_w[l]
            v *= mu
            if l2:
                v -= l2 * w  # η·(λ/n)·w, L2's part of the step
            if l1:
                v -= l1 * np.sign(w)
            apply(l, v, 1.0)  # v ← μv − η·∇C: the gradient's part
            w += v
            v_b[l] *= mu
            v_b[l] -= steps_b[l]
            b += v_b[l]

    def _velocities(self):
        """Momentum's velocities (v_w, v_b), zero at first, kept while the parameters keep their shapes."""
        vs = self.velocities
        if vs is None or [v.shape for v in vs[0]] != [w.shape for w in self.weights] or vs[0][0].dtype != self.dtype:
            vs = self.velocities = ([np.zeros_like(w) for w in self.weights], [np.zeros_like(b) for b in self.biases])
        return vs

    def _kernel_step(self, x, y, scale, decay, l1, l2, momentum):
        """True when the page's whole-step kernel took the step (backend.sgd_step: js/sgd-step.js
        transcribes ``_update`` op for op); False where there is none (CPython), numpy's turn."""
        velocities = self._velocities() if momentum else None
        total = backend.sgd_step(
            self.weights,
            self.biases,
            x,
            y,
            scale,
            decay,
            cost_name(self.cost),
            self.activation_names,
            l1,
            l2,
            momentum,
            velocities,
        )
        if total is not None and not math.isfinite(total):
            self._diverged(total)
        return total is not None

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

    def train(
        self, x, y, epochs, batch_size, eta, lmbda=0.0, eval_data=None, *, on_epoch=None, should_stop=None, **options
    ):
        """Mini-batch SGD; returns the History of the four monitors.

        ``options`` are ``train_steps``'s: regularization ("l2", "l1", "none"), dropout, momentum, the
        monitors' switches and the rest.

        ``on_epoch(epoch, history)`` is called after each epoch; ``should_stop()`` is asked after each
        mini-batch and ends the run early (the network keeps what it learned). The monitors' switches
        are all on by default: monitor_train_cost, monitor_train_accuracy, monitor_eval_cost,
        monitor_eval_accuracy; the eval monitors need ``eval_data=(x_eval, y_eval)``.
        Raises Diverged when the cost or the weights stop being finite (see the module's docstring for
        what the network then holds).
        """
        progress = None
        for progress in self.train_steps(x, y, epochs, batch_size, eta, lmbda, eval_data, **options):
            if progress.epoch_done and on_epoch is not None:
                on_epoch(progress.epoch, progress.history)
            if should_stop is not None and should_stop():
                progress.history.stopped = progress.history.epochs < epochs
                break
        return progress.history if progress is not None else History()

    def train_steps(
        self,
        x,
        y,
        epochs,
        batch_size,
        eta,
        lmbda=0.0,
        eval_data=None,
        *,
        regularization="l2",
        dropout=0.0,
        momentum=0.0,
        monitor_train_cost=True,
        monitor_train_accuracy=True,
        monitor_eval_cost=True,
        monitor_eval_accuracy=True,
        x_divisor=None,
        gradient=None,
    ):
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
        ``regularization``, ``dropout`` p and ``momentum`` μ: see the module's docstring; the velocities
        start at zero with each call.
        """
        epochs = validate.non_negative_int("epochs", epochs)
        batch_size = validate.positive_int("batch_size", batch_size)
        eta = validate.positive_float("eta", eta)
        lmbda = validate.non_negative_float("lmbda", lmbda)
        rule = StepRule.checked(regularization, dropout, momentum, gradient)
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
        self.velocities = None
        n_batches = -(-n // batch_size)
        for epoch in range(epochs):
            order = self.rng.permutation(n)
            for j, k in enumerate(range(0, n, batch_size)):
                # a small gather per mini-batch: a shuffled copy of the whole set per epoch is
                # slower (a fresh 63 MB for 10k float64 digits, every page touched anew)
                idx = order[k : k + batch_size]
                try:
                    xb = x[idx] if x_divisor is None else np.divide(x[idx], x_divisor, dtype=self.dtype)
                    self._update(xb, y[idx], eta, lmbda, n, gradient, rule)
                except Diverged as e:
                    raise Diverged(e.what, epoch + 1, j + 1, e.value) from None
                done = j + 1 == n_batches
                if done:
                    if not self.weights_finite():  # an overflow in the epoch's last steps
                        raise Diverged("weights", epoch + 1, j + 1, math.inf)
                    self._monitor(
                        history,
                        x,
                        y,
                        (x_eval, y_eval) if eval_data is not None else None,
                        lmbda if rule.regularization != "none" else 0.0,
                        rule.regularization,
                        monitor_train_cost,
                        monitor_train_accuracy,
                        monitor_eval_cost,
                        monitor_eval_accuracy,
                        x_divisor,
                    )
                    history.epochs = epoch + 1
                yield Progress(epoch, j + 1, n_batches, min(k + batch_size, n), done, history, idx)

    def _monitor(
        self, history, x, y, eval_xy, lmbda, regularization, train_cost, train_acc, eval_cost, eval_acc, x_divisor=None
    ):
        """Append this epoch's monitors; one forward pass per data set serves both cost and accuracy."""
        sets = [((x, y), train_cost, train_acc, "train", x_divisor)]
        if eval_xy:
            sets.append((eval_xy, eval_cost, eval_acc, "eval", None))
        for (xs, ys), want_cost, want_acc, part, divisor in sets:
            if not (want_cost or want_acc):
                continue
            a = self._output(xs) if divisor is None else self._output_of_raw(xs, divisor)
            if want_cost:
                data, total = self._costs(a, ys, lmbda, regularization)
                getattr(history, f"{part}_cost").append(total)
                getattr(history, f"{part}_cost_data").append(data)
            if want_acc:
                getattr(history, f"{part}_accuracy").append(self._correct(a, ys) / len(xs))
